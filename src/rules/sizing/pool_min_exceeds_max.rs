//! `pool-min-exceeds-max`: The pool's minimum is above its maximum: the library clamps it or refuses to start.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-min-exceeds-max",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "The pool's minimum is above its maximum: the library clamps it or refuses to start.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
