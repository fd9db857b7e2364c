//! `hikari-keepalive-invalid`: HikariCP keepalive-time below 30 s or not below max-lifetime is replaced by its default at start-up.
//!
//! `validateNumerics()`: `keepaliveTime ≠ 0` and (`< 30000` or `≥ maxLifetime` with
//! `maxLifetime ≠ 0`) ⇒ replaced by `DEFAULT_KEEPALIVE_TIME`: 0 (disabled) before
//! HikariCP 6.2.1, 2 minutes from it on [HK-CFG]; see `hikari::KEEPALIVE_TIME_MS`.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{self, signed_millis};
use crate::model::links::each_hikari_pool_under_idle_limit;
use crate::model::{human_duration, Model, Pool};
use crate::rules::{
    hikari_pools, key_of, located, ms_text, origin_note, signed_ms_text, Category, Inputs,
    RuleMeta, RuleOptions,
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        // The idle limit in front of each pool, when the topology gives one: the value
        // suggested must stay below it too, or the idle-limit rules report it (LT02, LT07).
        let mut limits: Vec<(&Pool, Duration, String)> = Vec::new();
        each_hikari_pool_under_idle_limit(model, |pool, limit| {
            limits.push((pool, limit.limit, limit.what.clone()));
        });
        for pool in hikari_pools(model) {
            let limit = limits
                .iter()
                .find(|(p, _, _)| std::ptr::eq(*p, pool))
                .map(|(_, limit, what)| (*limit, what.as_str()));
            out.extend(check(pool, limit));
        }
    }
}

/// The help: a keepalive HikariCP keeps (≥ 30 s, below max-lifetime) and, when an idle
/// limit is known, below it as well, computed as the idle-limit rules compute theirs
/// (`hikari::keepalive_below_limit`), so that following it trips none of them.
fn help(life: u64, limit: Option<(Duration, &str)>) -> String {
    let range = "set keepalive-time between 30000 and max-lifetime";
    match limit {
        Some((limit, what)) => match hikari::keepalive_fix(limit, life) {
            Some(fix) => match fix.raise_lifetime_ms {
                None => format!(
                    "{range} and below {what} ({}), e.g. {}",
                    human_duration(limit),
                    fix.keepalive_ms
                ),
                Some(_) => format!(
                    "set {}, below {what} ({})",
                    fix.text(),
                    human_duration(limit)
                ),
            },
            None => format!(
                "{range}; no such value is below {what} ({}), which has to be raised above 30 s for a keepalive to help",
                human_duration(limit)
            ),
        },
        // No keepalive HikariCP keeps is below a max-lifetime of 30 s: raise it too.
        None if life != 0 && life <= hikari::MIN_LIFETIME_MS => format!(
            "set keepalive-time to {} and max-lifetime above it, e.g. {} (HikariCP keeps a keepalive only from 30000 and below max-lifetime)",
            hikari::MIN_LIFETIME_MS,
            hikari::MIN_LIFETIME_MS * 2
        ),
        None => {
            let suggestion = if life == 0 {
                hikari::KEEPALIVE_TIME_MS
            } else {
                (life / 2).clamp(30_000, 300_000)
            };
            format!("{range}, in the range of minutes, e.g. {suggestion}")
        }
    }
}

fn check(pool: &Pool, limit: Option<(Duration, &str)>) -> Option<Diagnostic> {
    // A negative value too: `setKeepaliveTime` checks none, `validateNumerics` drops it.
    let written = signed_millis(&pool.keepalive).filter(|_| pool.keepalive.is_explicit())?;
    let keepalive = u64::try_from(written).unwrap_or(0);
    let life = hikari::effective(pool).max_lifetime_ms.unwrap_or(0);
    let reason = if written == 0 {
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
        signed_ms_text(written),
        ms_text(hikari::KEEPALIVE_TIME_MS)
    );
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            located(&pool.keepalive, pool)?,
            message,
        )
        .with_label("replaced by HikariCP's default")
        .with_related(
            pool.max_lifetime
                .location()
                .filter(|_| keepalive >= hikari::MIN_LIFETIME_MS),
            "max-lifetime",
        )
        .with_help(help(life, limit))
        .with_key(key_of(&pool.keepalive, pool, "keepalive-time"))
        .with_fingerprint(format!("{written}/{life}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With max-lifetime 30000 no keepalive HikariCP keeps fits below it: the help
    /// raises max-lifetime too (it suggested 30000, which HikariCP refuses).
    #[test]
    fn a_max_lifetime_of_30_s_is_raised_with_the_keepalive() {
        assert_eq!(
            help(30_000, None),
            "set keepalive-time to 30000 and max-lifetime above it, e.g. 60000 (HikariCP keeps a keepalive only from 30000 and below max-lifetime)"
        );
        assert!(
            help(120_000, None).ends_with("e.g. 60000"),
            "{}",
            help(120_000, None)
        );
    }
}
