//! `hikari-minimum-idle-set`: HikariCP minimum-idle below maximum-pool-size: HikariCP recommends a fixed-size pool.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-minimum-idle-set",
    category: Category::Hygiene,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP minimum-idle below maximum-pool-size: HikariCP recommends a fixed-size pool.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut Vec<Diagnostic>) {}
}
