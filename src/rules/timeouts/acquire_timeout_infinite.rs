//! `acquire-timeout-infinite`: Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "acquire-timeout-infinite",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
