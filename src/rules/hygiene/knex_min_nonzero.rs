//! `knex-min-nonzero`: knex keeps `pool.min` connections open forever, 2 by default
//! (catalogue HY07 [KNEX-DOC]): the default exists "only for historical reasons" and
//! "can result in problems with stale connections"; knex recommends `min: 0`.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Library, Model};
use crate::rules::{key_of, located, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "knex-min-nonzero",
    category: Category::Hygiene,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary: "knex keeps pool.min connections open forever (2 by default); knex recommends min: 0.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in model.pools.iter().filter(|p| p.library == Library::Knex) {
            let Some(&min) = pool.min.get() else { continue };
            if min <= 0 {
                continue;
            }
            let Some(at) = located(&pool.min, pool) else {
                continue;
            };
            let how = if pool.min.is_explicit() {
                format!("is {min}")
            } else {
                format!("is not set, so knex keeps its historical default of {min}")
            };
            let mut diagnostic = Diagnostic::new(
                &META,
                Severity::Info,
                at,
                format!("knex pool.min {how}: those connections are never released, idle-timeout does not apply to them, and they go stale behind firewalls and server idle limits"),
            )
            .with_label(format!("min {min}"))
            .with_help("set \"pool\": { \"min\": 0, \"max\": … } as knex recommends")
            .with_fingerprint(&pool.name);
            if pool.min.is_explicit() {
                diagnostic = diagnostic
                    .with_key(key_of(&pool.min, pool, "pool.min"))
                    .with_value_fix(at, min.to_string(), "0");
            }
            out.push(diagnostic);
        }
    }
}
