//! `hikari-timeout-constraints`: HikariCP connection or validation timeout below 250 ms (start-up failure) or validation timeout not below connection timeout.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-timeout-constraints",
    category: Category::Timeouts,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP connection or validation timeout below 250 ms (start-up failure) or validation timeout not below connection timeout.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
