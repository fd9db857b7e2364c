//! `acquire-timeout-infinite`: Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.
//!
//! HikariCP: `connectionTimeout: 0` means `Integer.MAX_VALUE` ms, about 24.8 days [HK-CFG].
//! node-postgres: `connectionTimeoutMillis` absent or 0 (the default) waits forever for a
//! client, also when the pool is full [NPG-DOC][NPG-POOL].
//! PgBouncer: `query_wait_timeout = 0` queues clients indefinitely [PGB-CFG].
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Library, Model};
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
        for pool in model
            .pools
            .iter()
            .filter(|p| p.library == Library::NodePostgres)
        {
            let timeout = &pool.acquire_timeout;
            if timeout.get().is_none_or(|t| !t.is_zero()) {
                continue;
            }
            let Some(at) = located(timeout, pool) else {
                continue;
            };
            let written = if timeout.is_explicit() {
                "is 0"
            } else {
                "is not set (default 0)"
            };
            let mut diagnostic = Diagnostic::new(
                &META,
                Severity::Warning,
                at,
                format!(
                    "connectionTimeoutMillis {written}: node-postgres then waits forever for a client, also when all {} are checked out, so under overload requests hang instead of failing",
                    pool.max.get().map_or("clients".to_owned(), |m| format!("{m} clients"))
                ),
            )
            .with_label("waits forever")
            .with_help("set connectionTimeoutMillis below the callers' deadline, e.g. 2000");
            if timeout.is_explicit() {
                diagnostic = diagnostic.with_key(key_of(timeout, pool, "connectionTimeoutMillis"));
            }
            out.push(diagnostic);
        }
        out.extend(model.poolers.iter().filter_map(pgbouncer_waits_forever));
    }
}

/// PgBouncer with `query_wait_timeout = 0` written: its default (120 s) is not infinite.
fn pgbouncer_waits_forever(pooler: &crate::model::Pooler) -> Option<Diagnostic> {
    let timeout = pooler.query_wait_timeout.as_ref()?;
    if !timeout.is_explicit() || !timeout.get()?.is_zero() {
        return None;
    }
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            timeout.location()?,
            format!(
                "query_wait_timeout is 0: PgBouncer {} then queues clients indefinitely when every server connection is busy, so under overload requests hang instead of failing",
                pooler.name
            ),
        )
        .with_label("0 means queue forever")
        .with_help("set query_wait_timeout to a number of seconds below the callers' deadline, e.g. 10 (PgBouncer's default is 120)")
        .with_key("pgbouncer.query_wait_timeout")
        .with_fingerprint(pooler.name.clone()),
    )
}
