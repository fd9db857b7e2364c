//! `hikari-idle-timeout-ge-max-lifetime`: HikariCP idle-timeout within 1 s of max-lifetime or above it is disabled at start-up.
//!
//! `validateNumerics()`: `idleTimeout + 1000 > maxLifetime`, `maxLifetime > 0` and
//! `minimumIdle < maximumPoolSize` ⇒ `idleTimeout = 0` (disabled) [HK-CFG]. Compared
//! with the values HikariCP runs with (a too-short `maxLifetime` is reset first).
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, origin_note, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-idle-timeout-ge-max-lifetime",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary:
        "HikariCP idle-timeout within 1 s of max-lifetime or above it is disabled at start-up.",
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
    let idle = millis(&pool.idle_timeout)?;
    let life = effective.max_lifetime_ms?;
    let shrinking = effective.min? < effective.max?;
    let explicit = pool.idle_timeout.is_explicit() || pool.max_lifetime.is_explicit();
    if !explicit || !shrinking || life == 0 || idle.saturating_add(1000) <= life {
        return None;
    }
    // The other side is labelled only where it is written: a default has no place in
    // the file (its location would be the `hikari:` key).
    let (primary, other, other_name) = if pool.idle_timeout.is_explicit() {
        (
            located(&pool.idle_timeout, pool)?,
            pool.max_lifetime
                .location()
                .filter(|_| pool.max_lifetime.is_explicit()),
            "max-lifetime",
        )
    } else {
        (
            located(&pool.max_lifetime, pool)?,
            pool.idle_timeout
                .location()
                .filter(|_| pool.idle_timeout.is_explicit()),
            "idle-timeout",
        )
    };
    let message = format!(
        "idle-timeout is {}{}, not at least 1 s below max-lifetime {}{}: HikariCP disables idle-timeout at start-up (only a WARN in its log), so idle connections above minimum-idle are never closed",
        ms_text(idle),
        origin_note(&pool.idle_timeout.origin),
        ms_text(life),
        origin_note(&pool.max_lifetime.origin)
    );
    let suggestion = if life >= 70_000 {
        life - 60_000
    } else {
        life / 2
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, primary, message)
            .with_label(format!("{idle} ms + 1000 ms > {life} ms"))
            .with_related(other, other_name)
            .with_help(format!(
                "set idle-timeout below max-lifetime, e.g. {suggestion}"
            ))
            .with_key(key_of(&pool.idle_timeout, pool, "idle-timeout"))
            .with_fingerprint(format!("{idle}/{life}")),
    )
}
