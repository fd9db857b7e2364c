//! `hikari-keepalive-invalid`: HikariCP keepalive-time below 30 s or not below max-lifetime is replaced by its default at start-up.
//!
//! `validateNumerics()`: `keepaliveTime ≠ 0` and (`< 30000` or `≥ maxLifetime` with
//! `maxLifetime ≠ 0`) ⇒ replaced by `DEFAULT_KEEPALIVE_TIME`: 0 (disabled) before
//! HikariCP 6.2.1, 2 minutes from it on [HK-CFG]; see `hikari::KEEPALIVE_TIME_MS`.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, origin_note, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-keepalive-invalid",
    category: Category::Lifetime,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP keepalive-time below 30 s or not below max-lifetime is replaced by its default at start-up (off, or 2 min from 6.2.1).",
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
    let keepalive = millis(&pool.keepalive).filter(|_| pool.keepalive.is_explicit())?;
    let life = hikari::effective(pool).max_lifetime_ms.unwrap_or(0);
    let reason = if keepalive == 0 {
        return None;
    } else if keepalive < hikari::MIN_LIFETIME_MS {
        "below HikariCP's 30 s minimum".to_owned()
    } else if life != 0 && keepalive >= life {
        format!(
            "not below max-lifetime {}{}",
            ms_text(life),
            origin_note(&pool.max_lifetime.origin)
        )
    } else {
        return None;
    };
    let message = format!(
        "keepalive-time is {}, {reason}: HikariCP ignores it and uses its default, keepalive off before HikariCP 6.2.1 and a ping every {} from 6.2.1 on, so idle connections are not kept alive at the interval written",
        ms_text(keepalive),
        ms_text(hikari::KEEPALIVE_TIME_MS)
    );
    let suggestion = if life == 0 {
        hikari::KEEPALIVE_TIME_MS
    } else {
        (life / 2).clamp(30_000, 300_000)
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, located(&pool.keepalive, pool)?, message)
            .with_label("replaced by HikariCP's default")
            .with_related(pool.max_lifetime.location().filter(|_| keepalive >= hikari::MIN_LIFETIME_MS), "max-lifetime")
            .with_help(format!(
                "set keepalive-time between 30000 and max-lifetime, in the range of minutes, e.g. {suggestion}"
            ))
            .with_key(key_of(&pool.keepalive, pool, "keepalive-time"))
            .with_fingerprint(format!("{keepalive}/{life}")),
    )
}
