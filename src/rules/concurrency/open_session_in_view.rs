//! `open-session-in-view`: Spring's Open Session in View holds a connection for the whole web request.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "open-session-in-view",
    category: Category::Concurrency,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "Spring's Open Session in View holds a connection for the whole web request.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
