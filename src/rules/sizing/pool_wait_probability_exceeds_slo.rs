//! `pool-wait-probability-exceeds-slo`: by Erlang C (catalogue SZ05, §4.3 [ERLANG-C]),
//! the probability that a checkout waits longer than the acquire timeout exceeds the
//! declared `max-wait-probability` (default 0.1 %, heuristic).
use std::time::Duration;

use crate::capacity;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{number, pool_loads, probability, PoolLoad};
use crate::model::Model;
use crate::rules::sizing::{
    passing_pool_reason, smallest_passing_pool, wait_limit, WARN_UTILIZATION,
};
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

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        // The engine gives this rule pool-saturated-by-declared-load's bound, so the
        // size its help names passes both rules.
        let warn_at = options.get(&WARN_UTILIZATION);
        for load in pool_loads(model) {
            // An unstable pool is pool-saturated-by-declared-load's finding.
            if load.unstable() {
                continue;
            }
            out.extend(finding(model, options, &load, warn_at));
        }
    }
}

fn finding(
    model: &Model,
    options: &RuleOptions,
    load: &PoolLoad,
    warn_at: f64,
) -> Option<Diagnostic> {
    let (wait, what) = wait_limit(load)?;
    let target = *load.load.max_wait_probability.get()?;
    let p = capacity::prob_wait_exceeds(load.servers, load.offered, wait, load.hold)?;
    if p <= target {
        return None;
    }
    let c = capacity::erlang_c(load.servers, load.offered)?;
    let mean_wait = capacity::mean_wait(load.servers, load.offered, load.hold)?;
    let smallest = smallest_passing_pool(load, warn_at);
    let message = format!(
        "at the declared peak {} of checkouts wait longer than {what} ({}), above the target {} ({}): P(wait) = {}, mean wait {} (Erlang C, N = {} ({}), {})",
        crate::load::probability_beside(p, target),
        crate::model::human_duration(wait),
        probability(target),
        place(model, &load.load.max_wait_probability.origin),
        probability(c),
        human_ms(mean_wait),
        load.servers_shown(),
        load.max_place(model),
        load.explanation,
    );
    let help = match smallest {
        Some(n) => {
            let reason = format!(
                "{} at {} req/s",
                passing_pool_reason(load, warn_at),
                number(*load.load.peak_rps.get()?)
            );
            // As pool-saturated-by-declared-load's help: the size must fit the
            // database's slots too, or following it trips a slot rule.
            crate::rules::sizing::raise_pool_help(model, options, load, (n, &reason), "")
        }
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

/// A mean wait in milliseconds, or in seconds from 10 s on (9999963.4 ms is 9999.96 s).
fn human_ms(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{} s", number(d.as_secs_f64()))
    } else {
        format!("{} ms", number(d.as_secs_f64() * 1000.0))
    }
}
