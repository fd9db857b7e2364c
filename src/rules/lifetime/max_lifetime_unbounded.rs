//! `max-lifetime-unbounded`: Pooled connections are never retired, so they outlive failovers, DNS changes and network idle limits.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "max-lifetime-unbounded",
    category: Category::Lifetime,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary: "Pooled connections are never retired, so they outlive failovers, DNS changes and network idle limits.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
