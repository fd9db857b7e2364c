//! `max-lifetime-unbounded`: Pooled connections are never retired, so they outlive failovers, DNS changes and network idle limits.
//!
//! HikariCP `maxLifetime: 0` never retires connections; the README: \"We strongly
//! recommend setting this value\" [HK-README].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, millis};
use crate::model::{Model, Pool};
use crate::rules::{hikari_pools, key_of, located, Category, Inputs, RuleMeta, RuleOptions};

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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in hikari_pools(model) {
            out.extend(check(pool));
        }
    }
}

fn check(pool: &Pool) -> Option<Diagnostic> {
    let life = &pool.max_lifetime;
    if !life.is_explicit() || millis(life)? != 0 {
        return None;
    }
    Some(
        Diagnostic::new(
            &META,
            Severity::Info,
            located(life, pool)?,
            "max-lifetime is 0: HikariCP never retires connections, so they outlive database failovers, DNS changes and network idle limits",
        )
        .with_label("0 means forever")
        .with_help(format!(
            "set max-lifetime a few seconds below the shortest database or network connection limit; HikariCP's default is {}",
            hikari::MAX_LIFETIME_MS
        ))
        .with_key(key_of(life, pool, "max-lifetime")),
    )
}
