//! `hikari-idle-timeout-below-minimum`: HikariCP idle-timeout below 10 s is reset to 10 minutes at start-up.
//!
//! `validateNumerics()`: `idleTimeout ≠ 0 and < 10000` with `minimumIdle < maximumPoolSize`
//! ⇒ reset to 600000 ms [HK-CFG][HK-README] (checked after the disable case of
//! `hikari-idle-timeout-ge-max-lifetime`, as HikariCP does).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-idle-timeout-below-minimum",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP idle-timeout below 10 s is reset to 10 minutes at start-up.",
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
    let idle = millis(&pool.idle_timeout).filter(|_| pool.idle_timeout.is_explicit())?;
    let shrinking = effective.min? < effective.max?;
    let disabled_first = effective
        .max_lifetime_ms
        .is_some_and(|life| life > 0 && idle.saturating_add(1000) > life);
    if !shrinking || disabled_first || idle == 0 || idle >= hikari::MIN_IDLE_TIMEOUT_MS {
        return None;
    }
    let message = format!(
        "idle-timeout is {}, below HikariCP's 10 s minimum: HikariCP resets it to {} at start-up (only a WARN in its log)",
        ms_text(idle),
        ms_text(hikari::IDLE_TIMEOUT_MS)
    );
    let at = located(&pool.idle_timeout, pool)?;
    Some(
        Diagnostic::new(&META, Severity::Warning, at, message)
            .with_label(format!("{idle} ms < 10000 ms"))
            .with_help("set idle-timeout to at least 10000 (milliseconds)")
            .with_key(key_of(&pool.idle_timeout, pool, "idle-timeout"))
            .with_fingerprint(idle.to_string())
            .with_value_fix(
                at,
                idle.to_string(),
                hikari::MIN_IDLE_TIMEOUT_MS.to_string(),
            ),
    )
}
