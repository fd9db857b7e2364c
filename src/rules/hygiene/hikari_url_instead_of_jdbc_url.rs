//! `hikari-url-instead-of-jdbc-url`: A Hikari data source bound directly from properties uses `url`, which Hikari does not have (it needs `jdbc-url`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-url-instead-of-jdbc-url",
    category: Category::Hygiene,
    default_severity: Severity::Error,
    inputs: Inputs::ConfigOnly,
    summary: "A Hikari data source bound directly from properties uses `url`, which Hikari does not have (it needs `jdbc-url`).",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
