//! `pgbouncer-client-idle-timeout-below-client-lifetime`: PgBouncer closes client
//! connections idle for `client_idle_timeout`, but the pools behind it keep connections
//! idle longer (catalogue TO10 [PGB-CFG]): HikariCP's idle-timeout, or forever for a
//! fixed-size pool (minimum = maximum) with no max-lifetime. HikariCP's values are the
//! ones it runs with: a max-lifetime below 30 s is 30 min. A pool that keeps its idle
//! connections alive more often than the limit is not reported.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari;
use crate::model::links::Links;
use crate::model::{human_duration, Library, Model, Origin, Pool};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pgbouncer-client-idle-timeout-below-client-lifetime",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "PgBouncer closes idle client connections that the application's pool still considers healthy.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            for service in links.pooler_clients(pooler) {
                for pool in links.pooler_pools(model, pooler, service) {
                    // The client's own `[users]` value wins when above 0.
                    let Some(setting) = pooler.client_idle_timeout_for(pool.login().1) else {
                        continue;
                    };
                    let Some(&limit) = setting.get() else {
                        continue;
                    };
                    if limit.is_zero() {
                        continue;
                    }
                    let retention = idle_retention(pool);
                    if retention.longest.is_some_and(|r| r < limit) || keeps_alive(pool, limit) {
                        continue;
                    }
                    let Some(at) = setting.location() else {
                        continue;
                    };
                    let kept = &retention.text;
                    out.push(
                        Diagnostic::new(
                            &META,
                            Severity::Warning,
                            at,
                            format!(
                                "PgBouncer {} closes client connections idle for {} (client_idle_timeout) but {}'s pool {} keeps them idle for {kept} ({}): the pool hands out connections PgBouncer already closed",
                                pooler.name,
                                human_duration(limit),
                                service.name,
                                pool.name,
                                place(model, retention.origin)
                            ),
                        )
                        .with_label(format!("client_idle_timeout {}", human_duration(limit)))
                        .with_help(help(retention.longest))
                        .with_key("pgbouncer.client_idle_timeout")
                        .with_fingerprint(format!("{}:{}", service.name, pool.name)),
                    );
                }
            }
        }
    }
}

/// A client_idle_timeout that passes: above the pool's longest idle time (a minute
/// above, in whole seconds as PgBouncer reads it), or 0 when the pool keeps
/// connections idle without limit.
fn help(longest: Option<Duration>) -> String {
    match longest {
        Some(longest) => {
            let seconds = longest.as_secs().saturating_add(60);
            format!("set client_idle_timeout above {}, e.g. {seconds} (seconds), or 0, and use it only against network failures", human_duration(longest))
        }
        None => "set client_idle_timeout = 0 (the pool keeps connections idle without limit, so no finite value is above it), or give the pool a max-lifetime or keepalive below it".to_owned(),
    }
}

/// True when the pool tests its idle connections more often than `limit` (HikariCP
/// `keepalive-time` as HikariCP runs it, Active Record 8.1 `keepalive`): each test is
/// client traffic, which restarts PgBouncer's idle clock, so no connection sits idle
/// that long.
fn keeps_alive(pool: &Pool, limit: Duration) -> bool {
    pool.effective()
        .keepalive_ms
        .is_some_and(|ms| ms != 0 && Duration::from_millis(ms) < limit)
}

/// The longest a pooled connection can stay idle, said for the message: idle-timeout
/// when the pool shrinks, else max-lifetime; None for forever. With the setting that
/// decides it. HikariCP pools are read with the values HikariCP runs with
/// (`hikari::effective`): a max-lifetime below 30 s is 30 min (LT01), a minimum-idle
/// above the maximum is the maximum.
struct Retention<'p> {
    longest: Option<Duration>,
    text: String,
    origin: &'p Origin,
}

fn idle_retention(pool: &Pool) -> Retention<'_> {
    let hikari = pool.library == Library::HikariCp;
    let effective = pool.effective();
    let lifetime = effective.max_lifetime_ms.map(Duration::from_millis);
    let shrinks = match (effective.min, effective.max) {
        (Some(min), Some(max)) => min < max,
        _ => false,
    };
    let idle = effective
        .idle_timeout_ms
        .map(Duration::from_millis)
        .filter(|d| !d.is_zero());
    let lifetime = lifetime.filter(|d| !d.is_zero());
    match (shrinks.then_some(idle).flatten(), lifetime) {
        (Some(idle), _) => Retention {
            longest: Some(idle),
            text: human_duration(idle),
            origin: &pool.idle_timeout.origin,
        },
        (None, Some(lifetime)) => Retention {
            longest: Some(lifetime),
            text: if hikari {
                let ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
                hikari::lifetime_text(pool, ms)
            } else {
                human_duration(lifetime)
            },
            origin: &pool.max_lifetime.origin,
        },
        (None, None) => Retention {
            longest: None,
            text: "forever (a fixed-size pool without max-lifetime)".to_owned(),
            origin: &pool.max_lifetime.origin,
        },
    }
}
