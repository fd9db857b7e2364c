//! `pool-locking-nested-acquire`: when a request holds more than one connection at once,
//! a pool smaller than `threads × (connections − 1) + 1` can deadlock: every
//! connection is held by a thread waiting for a second one (catalogue SZ06,
//! HikariCP's pool-sizing formula [HK-SIZING]).
use crate::capacity;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::topology::place;
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pool-locking-nested-acquire",
    category: Category::Sizing,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsLoad,
    summary: "Requests hold several connections at once and the pool is too small to rule out a deadlock.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for service in &model.services {
            let Some(load) = &service.load else { continue };
            let Some(&per_request) = load.connections_per_request.get() else {
                continue;
            };
            let Some(threads_setting) = &service.threads else {
                continue;
            };
            let Some(&threads) = threads_setting.get() else {
                continue;
            };
            if per_request <= 1 || threads <= 0 {
                continue;
            }
            let needed = capacity::pool_locking_minimum(threads as u64, per_request as u64);
            for pool in service.pools.iter().filter_map(|i| model.pools.get(*i)) {
                let Some(&max) = pool.max.get() else { continue };
                if max < 0 || (max as u64) >= needed {
                    continue;
                }
                let Some(at) = pool.max.location().or(pool.anchor) else {
                    continue;
                };
                let infinite = pool.acquire_timeout.get().is_some_and(|d| d.is_zero());
                let outcome = if infinite {
                    "with no acquire timeout the deadlock is permanent"
                } else {
                    "the threads then wait out the acquire timeout and fail"
                };
                let message = format!(
                    "pool maximum is {max} ({}) but {threads} threads ({}) that each hold up to {per_request} connections ({}) need at least {needed} = {threads} × ({per_request} − 1) + 1 to rule out a deadlock: when every connection is held by a thread waiting for another, nobody progresses; {outcome}",
                    place(model, &pool.max.origin),
                    place(model, &threads_setting.origin),
                    place(model, &load.connections_per_request.origin),
                );
                out.push(
                    Diagnostic::new(&META, Severity::Error, at, message)
                        .with_label(format!("{max} < {needed}"))
                        .with_related(threads_setting.location(), "threads per process")
                        .with_related(load.connections_per_request.location(), "connections per request")
                        .with_help(format!(
                            "set the pool maximum to at least {needed}, or lower the threads that use the database, or stop holding a second connection inside a transaction"
                        ))
                        .with_key(key_of(&pool.max, pool, "maximum-pool-size"))
                        .with_fingerprint(format!("{}:{max}<{needed}", service.name)),
                );
            }
        }
    }
}
