//! `hikari-max-lifetime-below-minimum`: HikariCP max-lifetime below 30 s is silently reset to 30 minutes.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-max-lifetime-below-minimum",
    category: Category::Lifetime,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP max-lifetime below 30 s is silently reset to 30 minutes.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
