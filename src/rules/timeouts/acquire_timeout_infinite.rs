//! `acquire-timeout-infinite`: Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.
//!
//! HikariCP: `connectionTimeout: 0` means `Integer.MAX_VALUE` ms, about 24.8 days [HK-CFG].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{hikari_pools, key_of, located, Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "acquire-timeout-infinite",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in hikari_pools(model) {
            let timeout = &pool.acquire_timeout;
            if !timeout.is_explicit() || timeout.get().is_none_or(|t| !t.is_zero()) {
                continue;
            }
            let Some(at) = located(timeout, pool) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &META,
                    Severity::Warning,
                    at,
                    "connection-timeout is 0: HikariCP then waits Integer.MAX_VALUE ms (about 24.8 days) for a connection, so under overload requests hang instead of failing fast",
                )
                .with_label("0 means wait forever")
                .with_help("set connection-timeout to a positive number of milliseconds below the callers' deadline, e.g. 5000 (HikariCP's default is 30000)")
                .with_key(key_of(timeout, pool, "connection-timeout")),
            );
        }
    }
}
