//! Sizing rules, and the smallest pool they all pass: `pool-saturated-by-declared-load`,
//! `pool-wait-probability-exceeds-slo` and `poollint capacity` name one number, so
//! following one rule's help never trips the other.

use std::time::Duration;

use crate::capacity;
use crate::load::PoolLoad;
use crate::manifest::LintSettings;
use crate::rules::RuleOption;

pub mod pool_locking_nested_acquire;
pub mod pool_min_exceeds_max;
pub mod pool_saturated_by_declared_load;
pub mod pool_size_invalid;
pub mod pool_unbounded;
pub mod pool_wait_probability_exceeds_slo;
pub mod pooled_connections_far_above_db_cores;

/// Largest pool the searches for a passing size try.
pub const MAX_SEARCH: u64 = 100_000;

/// `pool-saturated-by-declared-load`'s bound, which the smallest passing pool also meets.
pub static WARN_UTILIZATION: RuleOption = RuleOption {
    name: "warn-utilization",
    default: 0.85,
    doc: "Utilisation above which the rule warns (heuristic; 1.0 and above is always an error).",
    min: 0.0,
    max: 1.0,
    min_exclusive: true,
    max_exclusive: false,
    aliases: &["max-utilization"],
    whole: false,
};

/// The `warn-utilization` the settings give `pool-saturated-by-declared-load`.
pub fn warn_utilization(settings: &LintSettings) -> f64 {
    settings
        .rules
        .get(pool_saturated_by_declared_load::META.name)
        .map_or(WARN_UTILIZATION.default, |s| {
            s.options.get(&WARN_UTILIZATION)
        })
}

/// The wait that counts as a failure: the acquire timeout, or, when that is infinite,
/// what is left of the request deadline after holding the connection.
pub(crate) fn wait_limit(load: &PoolLoad) -> Option<(Duration, String)> {
    let timeout = *load.pool.acquire_timeout.get()?;
    if !timeout.is_zero() {
        return Some((timeout, "the acquire timeout".to_owned()));
    }
    let deadline = *load.load.request_timeout.as_ref()?.get()?;
    let left = deadline.checked_sub(load.hold)?;
    Some((left, "the request deadline minus the hold time".to_owned()))
}

/// The smallest pool both sizing rules pass at the declared peak:
/// `max(⌈A / warn-utilization⌉, smallest Erlang C size meeting the wait target)`, the
/// second only when a wait limit and target are known. `None` when no size up to
/// [`MAX_SEARCH`] meets both.
pub(crate) fn smallest_passing_pool(load: &PoolLoad, warn_at: f64) -> Option<u64> {
    let by_utilisation =
        capacity::smallest_pool_for_utilisation(load.offered, warn_at, MAX_SEARCH)?;
    let target = load.load.max_wait_probability.get().copied();
    let by_wait = match (wait_limit(load), target) {
        (Some((wait, _)), Some(target)) => {
            capacity::smallest_pool_for_wait(load.offered, wait, load.hold, target, MAX_SEARCH)?
        }
        _ => 0,
    };
    Some(by_utilisation.max(by_wait))
}

/// The help that raises a pool to `n` (the smallest passing size, for `reason`): the
/// threads' limit when they cannot use that many, else the size, with the
/// `max_connections` the fleet then needs when it would not fit the database's slots
/// ([`crate::rules::topology::slots_after_resize`]), or `fits` when it does.
pub(crate) fn raise_pool_help(
    model: &crate::model::Model,
    options: &crate::rules::RuleOptions,
    load: &PoolLoad,
    (n, reason): (u64, &str),
    fits: &str,
) -> String {
    if let Some(help) = load.threads_help(n, reason) {
        return help;
    }
    let slots = crate::rules::topology::slots_after_resize(
        model,
        options,
        load.pool,
        i64::try_from(n).unwrap_or(i64::MAX),
    );
    format!(
        "set the pool maximum to at least {n} ({reason}){}",
        slots.unwrap_or_else(|| fits.to_owned())
    )
}

/// Why [`smallest_passing_pool`] is enough, for a help line.
pub(crate) fn passing_pool_reason(load: &PoolLoad, warn_at: f64) -> String {
    let utilisation = format!("utilisation ≤ {}%", crate::load::number(warn_at * 100.0));
    let target = load.load.max_wait_probability.get().copied();
    match (wait_limit(load), target) {
        (Some((wait, _)), Some(target)) => format!(
            "{utilisation} and P(wait > {}) ≤ {}",
            crate::model::human_duration(wait),
            crate::load::probability(target)
        ),
        _ => utilisation,
    }
}
