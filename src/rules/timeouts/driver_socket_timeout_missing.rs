//! `driver-socket-timeout-missing`: The JDBC driver has no socket timeout, so a silently dropped connection blocks a thread forever.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "driver-socket-timeout-missing",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "The JDBC driver has no socket timeout, so a silently dropped connection blocks a thread forever.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
