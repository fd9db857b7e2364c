//! `pool-wait-probability-exceeds-slo`: by Erlang C (catalogue SZ05, §4.3 [ERLANG-C]),
//! the probability that a checkout waits longer than the acquire timeout exceeds the
//! declared `max-wait-probability` (default 0.1 %, heuristic).
use std::time::Duration;

use crate::capacity;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{number, pool_loads, probability, PoolLoad};
use crate::model::Model;
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-wait-probability-exceeds-slo",
    category: Category::Sizing,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsLoad,
    summary:
        "By Erlang C, too many checkouts at the declared peak wait longer than the acquire timeout.",
    options: &[],
};

/// Largest pool the search for a passing size tries.
const MAX_SEARCH: u64 = 100_000;

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for load in pool_loads(model) {
            // An unstable pool is pool-saturated-by-declared-load's finding.
            if load.utilisation() >= 1.0 {
                continue;
            }
            out.extend(finding(model, &load));
        }
    }
}

/// The wait that counts as a failure: the acquire timeout, or, when that is infinite,
/// what is left of the request deadline after holding the connection.
fn wait_limit(load: &PoolLoad) -> Option<(Duration, String)> {
    let timeout = *load.pool.acquire_timeout.get()?;
    if !timeout.is_zero() {
        return Some((timeout, "the acquire timeout".to_owned()));
    }
    let deadline = *load.load.request_timeout.as_ref()?.get()?;
    let left = deadline.checked_sub(load.hold)?;
    Some((left, "the request deadline minus the hold time".to_owned()))
}

fn finding(model: &Model, load: &PoolLoad) -> Option<Diagnostic> {
    let (wait, what) = wait_limit(load)?;
    let target = *load.load.max_wait_probability.get()?;
    let p = capacity::prob_wait_exceeds(load.servers, load.offered, wait, load.hold)?;
    if p <= target {
        return None;
    }
    let c = capacity::erlang_c(load.servers, load.offered)?;
    let mean_wait = capacity::mean_wait(load.servers, load.offered, load.hold)?;
    let smallest =
        capacity::smallest_pool_for_wait(load.offered, wait, load.hold, target, MAX_SEARCH);
    let message = format!(
        "at the declared peak {} of checkouts wait longer than {what} ({}), above the target {} ({}): P(wait) = {}, mean wait {} (Erlang C, N = {} ({}), {})",
        probability(p),
        crate::model::human_duration(wait),
        probability(target),
        place(model, &load.load.max_wait_probability.origin),
        probability(c),
        human_ms(mean_wait),
        load.servers,
        load.max_place(model),
        load.explanation,
    );
    let help = match smallest {
        Some(n) => format!(
            "set the pool maximum to at least {n} (P(wait > {}) ≤ {} at {} req/s)",
            crate::model::human_duration(wait),
            probability(target),
            number(*load.load.peak_rps.get()?)
        ),
        None => {
            "no pool size up to 100000 meets the target: shorten the hold time or add instances"
                .to_owned()
        }
    };
    Some(
        Diagnostic::new(&META, Severity::Warning, load.at, message)
            .with_label(format!(
                "P(wait > {}) = {}",
                crate::model::human_duration(wait),
                probability(p)
            ))
            .with_related(load.load.peak_rps.location(), "declared peak")
            .with_related(load.load.max_wait_probability.location(), "target")
            .with_help(help)
            .with_key(load.key())
            .with_fingerprint(format!("{}:{}", load.service.name, load.servers)),
    )
}

fn human_ms(d: Duration) -> String {
    format!("{} ms", number(d.as_secs_f64() * 1000.0))
}
