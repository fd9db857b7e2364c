//! `plaintext-credentials-in-pool-config`: A database password is written literally in a configuration file.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "plaintext-credentials-in-pool-config",
    category: Category::Security,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A database password is written literally in a configuration file.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
