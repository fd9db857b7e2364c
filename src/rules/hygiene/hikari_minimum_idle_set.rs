//! `hikari-minimum-idle-set`: HikariCP minimum-idle below maximum-pool-size: HikariCP recommends a fixed-size pool.
//!
//! HikariCP's README recommends \"*not* setting this value and instead allowing HikariCP
//! to act as a *fixed size* connection pool\" [HK-README].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari;
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, origin_note, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-minimum-idle-set",
    category: Category::Hygiene,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary:
        "HikariCP minimum-idle below maximum-pool-size: HikariCP recommends a fixed-size pool.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in hikari_pools(model) {
            out.extend(check(pool));
        }
    }
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let effective = hikari::effective(pool);
    let (min, max) = (effective.min?, effective.max?);
    if !pool.min.is_explicit() || min >= max || pool.min.get().is_some_and(|m| *m < 0) {
        return None;
    }
    let message = format!(
        "minimum-idle is {min}, below maximum-pool-size {max}{}: HikariCP recommends a fixed-size pool, which answers load spikes without opening connections",
        origin_note(&pool.max.origin)
    );
    Some(
        Diagnostic::new(&META, Severity::Info, located(&pool.min, pool)?, message)
            .with_label(format!("{min} < {max}"))
            .with_help("remove minimum-idle so the pool stays at maximum-pool-size, unless the database cannot afford the idle connections")
            .with_key(key_of(&pool.min, pool, "minimum-idle"))
            .with_fingerprint(format!("{min}<{max}")),
    )
}
