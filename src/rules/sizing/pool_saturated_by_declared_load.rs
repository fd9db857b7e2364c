//! `pool-saturated-by-declared-load`: the declared peak keeps more connections busy
//! than the pool has (catalogue SZ04, Little's law [LITTLE], M/M/c stability
//! [ERLANG-C]): requests queue until the acquire timeout and fail. This is the failure
//! of the login outage poollint exists for. Above `warn-utilization` (0.85, heuristic)
//! it warns: real hold times are heavy-tailed and balancing is uneven.
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{number, number_beside, pool_loads, PoolLoad};
use crate::model::Model;
use crate::rules::sizing::{passing_pool_reason, smallest_passing_pool, WARN_UTILIZATION};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-saturated-by-declared-load",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsLoad,
    summary: "The declared peak keeps more connections busy than the pool has: requests queue and time out.",
    options: &[WARN_UTILIZATION],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let warn_at = options.get(&WARN_UTILIZATION);
        for load in pool_loads(model) {
            let severity = if load.unstable() {
                Severity::Error
            } else if crate::capacity::exceeds(load.utilisation(), warn_at) {
                Severity::Warning
            } else {
                continue;
            };
            out.push(finding(model, options, &load, severity, warn_at));
        }
    }
}

fn finding(
    model: &Model,
    options: &RuleOptions,
    load: &PoolLoad,
    severity: Severity,
    warn_at: f64,
) -> Diagnostic {
    let utilisation = load.utilisation();
    let timeout = load.pool.acquire_timeout.get();
    let consequence = match (severity, timeout) {
        // An acquire timeout of 0 is no limit (HikariCP: Integer.MAX_VALUE ms; catalogue
        // §0.1 `pool.acquire_timeout`): requests never fail, they pile up.
        (Severity::Error, Some(timeout)) if timeout.is_zero() => "at peak requests queue faster than connections free up and, with an acquire timeout of 0 (no limit), wait without end while the queue grows".to_owned(),
        (Severity::Error, Some(timeout)) => format!(
            "at peak requests queue faster than connections free up, wait the full acquire timeout ({}) and fail",
            crate::model::human_duration(*timeout)
        ),
        (Severity::Error, None) => "at peak requests queue faster than connections free up and fail".to_owned(),
        _ => format!(
            "above {}% a pool has little slack for bursts, slow queries and uneven balancing",
            number(warn_at * 100.0)
        ),
    };
    let message = format!(
        "pool maximum is {} ({}) but the declared peak keeps {} connections busy on average (utilisation {}%): {}; {}",
        load.servers_shown(),
        load.max_place(model),
        // Beside the bound the severity is decided by: the pool, or its warning share.
        number_beside(
            load.offered,
            match severity {
                Severity::Error => load.servers as f64,
                _ => load.servers as f64 * warn_at,
            }
        ),
        number_beside(utilisation * 100.0, warn_at * 100.0),
        consequence,
        load.explanation,
    );
    Diagnostic::new(&META, severity, load.at, message)
        .with_label(format!(
            "{} connections for {} busy",
            load.servers,
            number(load.offered)
        ))
        .with_related(load.load.peak_rps.location(), "declared peak")
        .with_related(load.load.hold_time.location(), "declared hold time")
        .with_help(help(model, options, load, warn_at))
        .with_key(load.key())
        .with_fingerprint(format!("{}:{}", load.service.name, load.servers))
}

/// The smallest pool this rule and `pool-wait-probability-exceeds-slo` both pass, as
/// `poollint capacity` names it: a size that met only the utilisation bound would trade
/// this finding for the other.
fn help(model: &Model, options: &RuleOptions, load: &PoolLoad, warn_at: f64) -> String {
    let reason = passing_pool_reason(load, warn_at);
    let Some(n) = smallest_passing_pool(load, warn_at) else {
        return format!(
            "no pool size up to {} meets {reason}: shorten the hold time or add instances",
            crate::rules::sizing::MAX_SEARCH,
        );
    };
    crate::rules::sizing::raise_pool_help(
        model,
        options,
        load,
        (n, &reason),
        ", and check the database has the slots for it",
    )
}
