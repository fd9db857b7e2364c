//! `acquire-timeout-exceeds-request-deadline`: a thread may still wait for a connection
//! after its caller gave up (catalogue TO03): error when the acquire timeout is at or
//! above the declared request timeout, warning above `max-share` (0.5, heuristic) of it.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::hikari::{with_validation_below, PLAUSIBLE_MILLIS_FLOOR, SOFT_TIMEOUT_FLOOR_MS};
use crate::model::{human_duration, Library, Model, Pool, TimeUnit};
use crate::rules::topology::place;
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOption, RuleOptions};

static MAX_SHARE: RuleOption = RuleOption {
    name: "max-share",
    default: 0.5,
    doc: "Share of the request timeout the acquire timeout may take before the rule warns (heuristic).",
    min: 0.0,
    max: 1.0,
    min_exclusive: true,
    max_exclusive: false,
    aliases: &[],
    whole: false,
};

pub static META: RuleMeta = RuleMeta {
    name: "acquire-timeout-exceeds-request-deadline",
    category: Category::Timeouts,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsLoad,
    summary: "Threads wait for a connection longer than the caller waits for the response.",
    options: &[MAX_SHARE],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let share = options.get(&MAX_SHARE);
        for service in &model.services {
            let Some(deadline_setting) = service
                .load
                .as_ref()
                .and_then(|l| l.request_timeout.as_ref())
            else {
                continue;
            };
            let Some(&deadline) = deadline_setting.get() else {
                continue;
            };
            for pool in service.pools.iter().filter_map(|i| model.pools.get(*i)) {
                let Some(&timeout) = pool.acquire_timeout.get() else {
                    continue;
                };
                // Zero is "wait forever": acquire-timeout-infinite reports it.
                if timeout.is_zero() {
                    continue;
                }
                let severity = if timeout >= deadline {
                    Severity::Error
                } else if timeout.as_secs_f64() > share * deadline.as_secs_f64() {
                    Severity::Warning
                } else {
                    continue;
                };
                let Some(at) = pool.acquire_timeout.location().or(pool.anchor) else {
                    continue;
                };
                let message = format!(
                    "the pool's acquire timeout is {} ({}) but callers give up after {} ({}): {}",
                    human_duration(timeout),
                    place(model, &pool.acquire_timeout.origin),
                    human_duration(deadline),
                    place(model, &deadline_setting.origin),
                    if severity == Severity::Error {
                        "a thread keeps waiting for a connection after its caller has gone, wasting capacity that delays everyone queued behind it"
                    } else {
                        "most of the caller's time can go to waiting for a connection, leaving little for the work"
                    }
                );
                let help = help(pool, deadline, share);
                out.push(
                    Diagnostic::new(&META, severity, at, message)
                        .with_label(format!("waits up to {}", human_duration(timeout)))
                        .with_related(deadline_setting.location(), "request timeout")
                        .with_help(help)
                        .with_key(key_of(&pool.acquire_timeout, pool, acquire_property(pool)))
                        .with_fingerprint(format!("{}:{}", service.name, timeout.as_millis())),
                );
            }
        }
    }
}

use std::time::Duration;

/// Libraries whose acquire timeout is in milliseconds, where `suspicious-time-unit`
/// takes a value below 1000 for seconds (rules-catalogue HY09).
const MILLIS_LIBRARIES: &[Library] = &[
    Library::HikariCp,
    Library::NodePostgres,
    Library::TypeOrm,
    Library::Knex,
    Library::Sequelize,
];

/// The lowest HikariCP connection-timeout to suggest: above its 250 ms floor so that a
/// validation-timeout (itself at least 250 ms) fits below it (rules-catalogue TO02).
const HIKARI_LOWEST_MS: f64 = 300.0;

/// The acquire timeout to suggest: half the share of the deadline the rule allows (so
/// it passes this rule), at least the lowest the library accepts; raised to 1 s where
/// the share allows it, so that `suspicious-time-unit` does not take it for seconds, and
/// for HikariCP with a validation-timeout below it so `hikari-timeout-constraints` passes
/// too. When the lowest HikariCP accepts is above the share, no value passes both.
fn help(pool: &Pool, deadline: Duration, share: f64) -> String {
    let allowed_ms = deadline.as_millis() as f64 * share;
    let hikari = pool.library == Library::HikariCp;
    let lowest = if hikari { HIKARI_LOWEST_MS } else { 1.0 };
    if allowed_ms < lowest {
        return format!(
            "no connection-timeout fits: HikariCP refuses one below {SOFT_TIMEOUT_FLOOR_MS} ms (and a validation-timeout, at least {SOFT_TIMEOUT_FLOOR_MS} ms too, must fit below it), but this rule allows at most {} ({}% of the {} deadline); raise the request deadline, or this rule's max-share",
            human_duration(Duration::from_millis(allowed_ms as u64)),
            (share * 100.0).round(),
            human_duration(deadline)
        );
    }
    let plausible = PLAUSIBLE_MILLIS_FLOOR as f64;
    let mut ms = (allowed_ms / 2.0).max(lowest);
    let mut note = String::new();
    if ms < plausible && plausible <= allowed_ms {
        ms = plausible;
    } else if ms < plausible && MILLIS_LIBRARIES.contains(&pool.library) {
        note = format!(
            " (suspicious-time-unit takes a value below {PLAUSIBLE_MILLIS_FLOOR} for seconds: suppress it there, with a reason)"
        );
    }
    let ms = ms as u64;
    let validation = if hikari {
        with_validation_below(ms, pool.validation_timeout().as_deref())
    } else {
        String::new()
    };
    let Some(value) = value_text(pool, ms, allowed_ms) else {
        let property = acquire_property(pool);
        return format!(
            "no {property} fits: it takes whole seconds (0 waits forever), but this rule allows at most {} ({}% of the {} deadline); raise the request deadline, or this rule's max-share",
            human_duration(Duration::from_millis(allowed_ms as u64)),
            (share * 100.0).round(),
            human_duration(deadline)
        );
    };
    format!("set {value}{validation}{note}, so a request fails fast and the caller can retry")
}

/// The key the pool's acquire timeout has in its library, for the finding's key.
fn acquire_property(pool: &Pool) -> &'static str {
    pool.library
        .acquire_timeout_property()
        .map_or("acquire-timeout", |(property, _)| property)
}

/// "connection-timeout to at most 1000 (milliseconds)", in the property and unit the
/// pool's library reads; None when a library of whole seconds has none up to
/// `allowed_ms`.
fn value_text(pool: &Pool, ms: u64, allowed_ms: f64) -> Option<String> {
    let Some((property, unit)) = pool.library.acquire_timeout_property() else {
        return Some(format!(
            "the acquire timeout to at most {}",
            human_duration(Duration::from_millis(ms))
        ));
    };
    let value = match unit {
        TimeUnit::Millis => format!("{ms} (milliseconds)"),
        TimeUnit::Seconds => format!("{} (seconds)", ms as f64 / 1000.0),
        TimeUnit::WholeSeconds => {
            let whole = (ms / 1000).max(1);
            if (whole * 1000) as f64 > allowed_ms {
                return None;
            }
            format!("{whole} (seconds)")
        }
    };
    Some(format!("{property} to at most {value}"))
}
