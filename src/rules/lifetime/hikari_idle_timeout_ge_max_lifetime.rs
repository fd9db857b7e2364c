//! `hikari-idle-timeout-ge-max-lifetime`: HikariCP idle-timeout within 1 s of max-lifetime or above it is silently disabled.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-idle-timeout-ge-max-lifetime",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP idle-timeout within 1 s of max-lifetime or above it is silently disabled.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
