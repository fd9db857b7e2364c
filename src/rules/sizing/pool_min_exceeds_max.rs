//! `pool-min-exceeds-max`: The pool's minimum is above its maximum: the library clamps it or refuses to start.
//!
//! HikariCP's `validateNumerics()` silently sets `minimumIdle = maximumPoolSize`, with
//! no log line [HK-CFG]: a warning, since the pool still starts.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{
    hikari_pools, key_of, located, origin_note, Category, Inputs, RuleMeta, RuleOptions,
};

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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in hikari_pools(model) {
            let (Some(&min), Some(&max)) = (pool.min.get(), pool.max.get()) else {
                continue;
            };
            if !pool.min.is_explicit() || max < 1 || min <= max {
                continue;
            }
            let Some(at) = located(&pool.min, pool) else {
                continue;
            };
            let max_note = origin_note(&pool.max.origin);
            let message = format!(
                "minimum-idle is {min} but maximum-pool-size is {max}{max_note}: HikariCP silently sets minimum-idle to {max}, without a log line"
            );
            out.push(
                Diagnostic::new(&META, Severity::Warning, at, message)
                    .with_label(format!("{min} > {max}"))
                    .with_related(pool.max.location(), format!("maximum-pool-size is {max}{max_note}"))
                    .with_help(format!(
                        "lower minimum-idle to at most {max}, or remove it so the pool is fixed-size at maximum-pool-size"
                    ))
                    .with_key(key_of(&pool.min, pool, "minimum-idle"))
                    .with_fingerprint(format!("{min}>{max}")),
            );
        }
    }
}
