//! `acquire-timeout-infinite`: Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.
//!
//! HikariCP: `connectionTimeout: 0` means `Integer.MAX_VALUE` ms, about 24.8 days [HK-CFG].
//! node-postgres: `connectionTimeoutMillis` absent or 0 (the default) waits forever for a
//! client, also when the pool is full [NPG-DOC][NPG-POOL].
//! PgBouncer: `query_wait_timeout = 0` queues clients indefinitely [PGB-CFG].
//! .NET: the connect timeout also bounds the wait for a pooled connection, and 0 means
//! no limit. SqlClient's pool sets its wait to `Timeout.Infinite` when `CreationTimeout`
//! (`Connect Timeout`) is 0 (dotnet/SqlClient connection pool `GetConnection`;
//! IDbConnection.ConnectionTimeout: "A value of 0 indicates no limit"); Npgsql opens
//! with `new NpgsqlTimeout(TimeSpan.FromSeconds(ConnectionTimeout))`, and a zero
//! `NpgsqlTimeout` expires at `DateTime.MaxValue` (npgsql/npgsql `NpgsqlTimeout.cs`).
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
        out.extend(model.pools.iter().filter_map(|p| dotnet_waits_forever(p)));
        out.extend(model.poolers.iter().filter_map(pgbouncer_waits_forever));
    }
}

/// An Npgsql or SqlClient connection string with its connect timeout written as 0.
fn dotnet_waits_forever(pool: &crate::model::Pool) -> Option<Diagnostic> {
    let driver = match pool.library {
        Library::Npgsql => "Npgsql",
        Library::SqlClient => "SqlClient",
        _ => return None,
    };
    let timeout = &pool.acquire_timeout;
    if !timeout.is_explicit() || !timeout.get()?.is_zero() {
        return None;
    }
    let at = located(timeout, pool)?;
    // Written as `Timeout`, `Connect Timeout` or `Connection Timeout`.
    let default_name = if driver == "Npgsql" {
        "Timeout"
    } else {
        "Connect Timeout"
    };
    let name = timeout.origin.written_name().unwrap_or(default_name);
    // A maximum below 1 is no pool to wait on (pool-size-invalid reports it).
    let waits = match pool.max.get() {
        _ if pool.pooling_disabled() => String::new(),
        Some(&max) if max < 1 => String::new(),
        Some(max) => format!(", also for a pooled connection when all {max} are in use"),
        None => ", also for a pooled connection when all of them are in use".to_owned(),
    };
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "{name} is 0: {driver} then waits without limit to open a connection{waits}, so under overload or a database outage requests hang instead of failing"
            ),
        )
        .with_label("0 means wait forever")
        .with_help(format!(
            "set {name} to a positive number of seconds below the callers' deadline, e.g. 5 (the default is 15)"
        ))
        .with_key(key_of(timeout, pool, name)),
    )
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
