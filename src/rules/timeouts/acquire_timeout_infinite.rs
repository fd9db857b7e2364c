//! `acquire-timeout-infinite`: Waiting for a pooled connection never times out, so overload hangs requests instead of failing them.
//!
//! HikariCP: `connectionTimeout: 0` means `Integer.MAX_VALUE` ms, about 24.8 days [HK-CFG].
//! node-postgres: `connectionTimeoutMillis` absent or 0 (the default) waits forever for a
//! client, also when the pool is full [NPG-DOC][NPG-POOL].
//! TypeORM with `type: postgres` or `cockroachdb` runs a pg.Pool whose
//! `connectionTimeoutMillis` is its `connectTimeoutMS` (typeorm PostgresDriver
//! `createPool`), so the same holds.
//! Prisma: `pool_timeout=0` written: "If set to zero, no timeout" (prisma/prisma-engines
//! `quaint/src/pooled.rs` @031bd63, module documentation).
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in hikari_pools(model) {
            let timeout = &pool.acquire_timeout;
            if !written_zero(timeout) {
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
        for pool in model.pools.iter().filter(|p| uses_pg_pool(p)) {
            let timeout = &pool.acquire_timeout;
            if timeout.get().is_none_or(|t| !t.is_zero()) {
                continue;
            }
            let Some(at) = located(timeout, pool) else {
                continue;
            };
            // TypeORM hands pg.Pool its `connectTimeoutMS` as `connectionTimeoutMillis`
            // (an `extra.connectionTimeoutMillis` wins).
            let (name, client) = match pool.library {
                Library::TypeOrm => (
                    timeout.origin.written_name().unwrap_or("connectTimeoutMS"),
                    "TypeORM's node-postgres pool",
                ),
                _ => ("connectionTimeoutMillis", "node-postgres"),
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
                    "{name} {written}: {client} then waits forever for a client{}, so under overload requests hang instead of failing",
                    // A maximum below 1 opens no client (pool-size-invalid reports it).
                    match pool.max.get() {
                        Some(m) if *m > 0 => format!(", also when all {m} clients are checked out"),
                        Some(_) => String::new(),
                        None => ", also when all clients are checked out".to_owned(),
                    }
                ),
            )
            .with_label("waits forever")
            .with_help(format!("set {name} below the callers' deadline, e.g. 2000"));
            if timeout.is_explicit() {
                diagnostic = diagnostic.with_key(key_of(timeout, pool, name));
            }
            out.push(diagnostic);
        }
        out.extend(model.pools.iter().filter_map(|p| prisma_waits_forever(p)));
        out.extend(model.pools.iter().filter_map(|p| dotnet_waits_forever(p)));
        out.extend(model.poolers.iter().filter_map(pgbouncer_waits_forever));
        out.extend(
            model
                .poolers
                .iter()
                .flat_map(pgbouncer_entries_wait_forever),
        );
    }
}

/// A pool node-postgres' pg.Pool runs: a node-postgres object, or TypeORM with
/// `type: postgres` or `cockroachdb` (PostgresDriver and CockroachDriver create a
/// pg.Pool).
fn uses_pg_pool(pool: &crate::model::Pool) -> bool {
    match pool.library {
        Library::NodePostgres => true,
        Library::TypeOrm => pool
            .connection
            .as_ref()
            .and_then(|c| c.engine.as_deref())
            .is_some_and(|e| matches!(e, "postgresql" | "cockroachdb")),
        _ => false,
    }
}

/// A Prisma URL with `pool_timeout=0` written: "If set to zero, no timeout" (quaint
/// `src/pooled.rs` module documentation, PostgreSQL and MySQL). Its default, 10 s, is
/// finite.
fn prisma_waits_forever(pool: &crate::model::Pool) -> Option<Diagnostic> {
    if pool.library != Library::Prisma {
        return None;
    }
    let timeout = &pool.acquire_timeout;
    if !written_zero(timeout) {
        return None;
    }
    let at = located(timeout, pool)?;
    let all = match pool.max.get() {
        Some(max) if *max > 0 => format!("all {max}"),
        _ => "all of them".to_owned(),
    };
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "pool_timeout is 0: Prisma's query engine then waits without limit for a connection when {all} are in use, so under overload requests hang instead of failing"
            ),
        )
        .with_label("0 means no timeout")
        .with_help("set pool_timeout to a number of seconds below the callers' deadline, e.g. 5 (Prisma's default is 10)")
        .with_key(key_of(timeout, pool, "pool_timeout")),
    )
}

/// An Npgsql or SqlClient connection string with its connect timeout written as 0.
fn dotnet_waits_forever(pool: &crate::model::Pool) -> Option<Diagnostic> {
    let driver = match pool.library {
        Library::Npgsql => "Npgsql",
        Library::SqlClient => "SqlClient",
        _ => return None,
    };
    let timeout = &pool.acquire_timeout;
    if !written_zero(timeout) {
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
    if !written_zero(timeout) {
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
        .with_fingerprint(&pooler.name),
    )
}

/// A `[databases]` or `[users]` entry with `query_wait_timeout=0` (pgbouncer/pgbouncer
/// #1449): a written entry value wins, so that database's or user's clients queue
/// indefinitely whatever `[pgbouncer]` says (`pool_client_maint` in `src/janitor.c`).
fn pgbouncer_entries_wait_forever(pooler: &crate::model::Pooler) -> Vec<Diagnostic> {
    let databases = pooler.databases.iter().filter_map(|d| {
        Some((
            "database",
            d.name.as_str(),
            d.query_wait_timeout.as_deref()?,
        ))
    });
    let users = pooler
        .users
        .iter()
        .filter_map(|u| Some(("user", u.name.as_str(), u.query_wait_timeout.as_ref()?)));
    databases
        .chain(users)
        .filter(|(_, _, timeout)| written_zero(timeout))
        .filter_map(|(kind, name, timeout)| {
            let key = timeout.origin.key()?;
            Some(
                Diagnostic::new(
                    &META,
                    Severity::Warning,
                    timeout.location()?,
                    format!(
                        "{key} is 0: PgBouncer {} then queues the clients of {kind} {name} indefinitely when every server connection is busy (an entry's value wins over [pgbouncer]'s), so under overload requests hang instead of failing",
                        pooler.name
                    ),
                )
                .with_label("0 means queue forever")
                .with_help("set query_wait_timeout to a number of seconds below the callers' deadline, e.g. 10, or remove it to keep [pgbouncer]'s (120 by default)")
                .with_key(key.to_owned())
                .with_fingerprint(format!("{}:{key}", pooler.name)),
            )
        })
        .collect()
}

/// A timeout written as 0 (a default of 0 is not: each client's default is judged on
/// its own, as node-postgres's below).
fn written_zero(timeout: &crate::model::Setting<std::time::Duration>) -> bool {
    timeout.is_explicit() && timeout.get().is_some_and(|t| t.is_zero())
}
