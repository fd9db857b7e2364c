//! `unused-suppression`: reported by the engine after inline suppressions are applied
//! (see `crate::suppress`); the rule has no check over the model.

use crate::diagnostic::Severity;
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

/// `unused-suppression`: an inline suppression that suppresses nothing, or names a rule
/// that does not exist (then at error severity).
pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    name: "unused-suppression",
    category: Category::Engine,
    default_severity: Severity::Warning,
    inputs: Inputs::Engine,
    summary:
        "An inline `poollint: ignore[...]` comment suppresses nothing or names an unknown rule.",
    options: &[],
};

pub struct UnusedSuppression;

impl crate::rules::Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &UNUSED_SUPPRESSION
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut crate::rules::Findings) {}
}
