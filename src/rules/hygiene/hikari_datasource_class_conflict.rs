//! `hikari-datasource-class-conflict`: HikariCP is given conflicting or missing data-source classes and URL, so it fails at start-up or ignores a setting.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-datasource-class-conflict",
    category: Category::Hygiene,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP is given conflicting or missing data-source classes and URL, so it fails at start-up or ignores a setting.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
