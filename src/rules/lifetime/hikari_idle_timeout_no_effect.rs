//! `hikari-idle-timeout-no-effect`: HikariCP idle-timeout has no effect on a fixed-size pool.
//!
//! `validateNumerics()`: `idleTimeout` other than 600000 and 0 while `minimumIdle ==
//! maximumPoolSize` logs \"has no effect because the pool is operating as a fixed size
//! pool\" [HK-CFG][HK-README].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, millis};
use crate::model::{Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, Category, Inputs, RuleMeta, RuleOptions,
};

pub static META: RuleMeta = RuleMeta {
    name: "hikari-idle-timeout-no-effect",
    category: Category::Lifetime,
    default_severity: Severity::Info,
    inputs: Inputs::ConfigOnly,
    summary: "HikariCP idle-timeout has no effect on a fixed-size pool.",
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
    if !effective.is_fixed()? || idle == 0 || idle == hikari::IDLE_TIMEOUT_MS {
        return None;
    }
    let why = fixed_because(pool, &effective);
    let message = format!(
        "idle-timeout is {} but the pool is fixed-size ({why}): HikariCP ignores idle-timeout and logs a warning at start-up",
        ms_text(idle)
    );
    Some(
        Diagnostic::new(&META, Severity::Info, located(&pool.idle_timeout, pool)?, message)
            .with_label("no effect on a fixed-size pool")
            .with_related(pool.min.location().filter(|_| pool.min.is_explicit()), "minimum-idle")
            .with_help("remove idle-timeout, or set minimum-idle below maximum-pool-size if idle connections should be closed")
            .with_key(key_of(&pool.idle_timeout, pool, "idle-timeout"))
            .with_fingerprint(idle.to_string()),
    )
}

/// Why minimum-idle equals maximum-pool-size: written so, not written, or written
/// negative or above the maximum, which HikariCP replaces by the maximum
/// (`validateNumerics()` [HK-CFG]).
fn fixed_because(pool: &Pool, effective: &hikari::Effective) -> String {
    let max = effective.max.unwrap_or(hikari::DEFAULT_POOL_SIZE);
    match pool.min.get() {
        _ if !pool.min.is_explicit() => {
            "minimum-idle is not set, so it equals maximum-pool-size".to_owned()
        }
        Some(&written) if written < 0 => format!(
            "minimum-idle {written} is negative, so HikariCP uses maximum-pool-size {max}"
        ),
        Some(&written) if written > max => format!(
            "minimum-idle {written} is above maximum-pool-size {max}, so HikariCP lowers it to {max}"
        ),
        _ => "minimum-idle equals maximum-pool-size".to_owned(),
    }
}
