//! `db-transport-not-verified`: a connection to a remote database that does not verify
//! the server (catalogue SC02 [PG-LIBPQ-SSL][PGB-MAIN]): a PostgreSQL URL with
//! `sslmode=disable`, `allow` or `prefer` to a host that is not local (a pool's URL,
//! or one in a `.env` file), a Prisma URL with `sslmode=require` but no
//! `sslaccept=strict` (Prisma's default accepts any certificate), a knex, Sequelize
//! (`dialectOptions`) or node-postgres connection that turns TLS off or does not verify
//! the server (read as node-postgres reads it), or a PgBouncer
//! that sets `server_tls_sslmode` to one of those, or `client_tls_sslmode = disable`
//! while listening beyond loopback. Only values written in a file are reported: the
//! defaults (libpq `prefer`, PgBouncer `prefer`/`disable`) are everywhere, and reporting
//! them on every file would be noise.
use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{bare_host, is_local_host};
use crate::model::{
    ConfigEntry, ConnectionInfo, Ecosystem, Library, Location, Model, Pool, Reading, Setting,
};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};
use crate::source::FileId;

pub static META: RuleMeta = RuleMeta {
    name: "db-transport-not-verified",
    category: Category::Security,
    default_severity: Severity::Warning,
    inputs: Inputs::ConfigOnly,
    summary: "A database connection crosses the network without verifying the server (sslmode disable, allow or prefer).",
    options: &[],
};

const UNVERIFIED: &[&str] = &["disable", "allow", "prefer"];

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Entries are read one `.env` URL or one PgBouncer file at a time, so the engine
    /// may check PgBouncer's batch by batch and drop them.
    fn checks_entries_per_unit(&self) -> bool {
        true
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for pool in &model.pools {
            if matches!(
                pool.library,
                Library::Knex | Library::NodePostgres | Library::Sequelize
            ) {
                out.extend(node_postgres(pool));
                continue;
            }
            if let Some(connection) = &pool.connection {
                out.extend(libpq(&pool.name, connection));
            }
        }
        out.extend(dotenv_urls(model));
        pgbouncer(model, out);
    }
}

const HELP: &str = "use sslmode=verify-full (or verify-ca) with the server's CA certificate";

/// A PostgreSQL URL or connection string read as libpq reads `sslmode` (pgjdbc,
/// Active Record, Prisma, psycopg and most drivers follow it).
fn libpq(name: &str, connection: &ConnectionInfo) -> Option<Diagnostic> {
    if connection.engine.as_deref() != Some("postgresql") {
        return None;
    }
    let mode = connection.params.get("sslmode")?;
    let value = mode.get()?;
    if !UNVERIFIED.contains(&value.as_str()) {
        return None;
    }
    let host = remote_host(connection.host.as_ref())?;
    let what = format!("sslmode={value}");
    let fingerprint = format!("{name}:{value}");
    Some(unverified(
        name,
        host,
        &what,
        mode.location()?,
        HELP,
        &fingerprint,
    ))
}

/// The host a connection goes to, when it is written and not local.
fn remote_host(host: Option<&Setting<String>>) -> Option<&str> {
    host.and_then(|h| h.get())
        .map(String::as_str)
        .filter(|h| !is_local(h))
}

fn unverified(
    name: &str,
    host: &str,
    what: &str,
    at: Location,
    help: &str,
    fingerprint: &str,
) -> Diagnostic {
    finding(
        at,
        format!(
            "{name} connects to {host} with {what}, which does not verify the server: anyone on the path can read the traffic and the credentials every pooled connection sends"
        ),
        help,
        fingerprint,
    )
}

/// A knex (`pg` client) or node-postgres pool: the settings it passes to node-postgres
/// (its `driver_properties`: the `connection` object's `host` and `ssl`, or a
/// connection string's host and parameters), read as node-postgres reads them
/// (brianc/node-postgres `packages/pg-connection-string`): `sslmode=disable` and `ssl: false` turn TLS off,
/// `sslmode=no-verify` and `ssl: { rejectUnauthorized: false }` do not verify the
/// server; `prefer`, `require` and `verify-ca` are aliases of `verify-full` unless
/// `uselibpqcompat=true` gives them libpq's meaning.
fn node_postgres(pool: &Pool) -> Option<Diagnostic> {
    let props = &pool.driver_properties;
    let host = remote_host(props.get("host"))?;
    let text = |name: &str| props.get(name).and_then(|s| s.get()).map(String::as_str);
    let libpq_compat = text("uselibpqcompat") == Some("true");
    let (setting, what) = match (props.get("sslmode"), text("sslmode")) {
        (Some(setting), Some(mode)) => {
            let weak = if libpq_compat {
                matches!(mode, "disable" | "prefer")
            } else {
                matches!(mode, "disable" | "no-verify")
            };
            if !weak {
                return None;
            }
            (setting, format!("sslmode={mode}"))
        }
        // A connection string's `sslmode` wins over the object's `ssl`.
        _ => match (text("ssl"), text("ssl.rejectunauthorized")) {
            (Some("false"), _) => (props.get("ssl")?, "ssl: false".to_owned()),
            (_, Some("false")) => (
                props.get("ssl.rejectunauthorized")?,
                "ssl.rejectUnauthorized: false".to_owned(),
            ),
            _ => return None,
        },
    };
    Some(unverified(
        &pool.name,
        host,
        &what,
        setting.location()?,
        "verify the server: `ssl: true` or `ssl: { ca: <the server's CA certificate> }` (node-postgres verifies by default), or sslmode=verify-full in the connection string",
        &format!("{}:{what}", pool.name),
    ))
}

/// PostgreSQL URLs in `.env` files (`DATABASE_URL=postgres://…?sslmode=prefer`),
/// as the reader parsed them, with spans inside the URL.
fn dotenv_urls(model: &Model) -> Vec<Diagnostic> {
    model
        .entries
        .of(Ecosystem::ConnectionString)
        .filter_map(|entry| match entry.reading.as_deref()? {
            Reading::Connection(connection) => libpq(entry.key.as_str(), connection)
                .or_else(|| prisma_require(entry.key.as_str(), connection)),
            _ => None,
        })
        .collect()
}

/// A Prisma URL (one with `connection_limit` or `pool_timeout`, as the `.env` reader
/// takes it) with `sslmode=require` and no `sslaccept=strict`: Prisma's query engine
/// then accepts any certificate ("`sslaccept` either `strict` or
/// `accept_invalid_certs` … Defaults to `accept_invalid_certs`", prisma/prisma-engines
/// `quaint/src/pooled.rs` @031bd63), so `require` encrypts without verifying the server.
fn prisma_require(name: &str, connection: &ConnectionInfo) -> Option<Diagnostic> {
    if connection.engine.as_deref() != Some("postgresql") {
        return None;
    }
    let params = &connection.params;
    let prisma = params.get("connection_limit").is_some() || params.get("pool_timeout").is_some();
    let mode = params.get("sslmode")?;
    let strict = params
        .get("sslaccept")
        .and_then(|s| s.get())
        .is_some_and(|a| a == "strict");
    if !prisma || strict || mode.get().map(String::as_str) != Some("require") {
        return None;
    }
    let host = remote_host(connection.host.as_ref())?;
    Some(unverified(
        name,
        host,
        "sslmode=require and no sslaccept=strict (Prisma then accepts any certificate)",
        mode.location()?,
        "add sslaccept=strict to the URL (with sslcert=<the server's CA certificate> when it is not in the system's store)",
        &format!("{name}:require"),
    ))
}

/// A local host, or a list of them (`localhost:5432,localhost:5433`): every host the
/// client may connect to is this machine's. An empty element is libpq's default (a
/// local socket), a path or a percent-encoded one (`%2Fvar%2Frun%2Fpostgresql`) a
/// Unix socket.
fn is_local(host: &str) -> bool {
    host.split(',').all(|one| {
        let one = one.trim();
        let name = bare_host(one);
        // `:5433` is libpq's default host on another port.
        name.is_empty()
            || one.starts_with('/')
            || one.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%2f"))
            || is_local_host(one)
    })
}

/// A `listen_addr` only this machine reaches: a local host, but not an unspecified
/// address (`0.0.0.0` and `::` listen on every interface; connecting to them is local).
fn listens_locally(addr: &str) -> bool {
    let unspecified = bare_host(addr)
        .parse::<std::net::IpAddr>()
        .is_ok_and(|a| a.is_unspecified());
    is_local(addr) && !unspecified
}

fn finding(at: Location, message: String, help: &str, fingerprint: &str) -> Diagnostic {
    Diagnostic::new(&META, Severity::Warning, at, message)
        .with_label("not verified")
        .with_help(help)
        .with_fingerprint(fingerprint)
}

fn pgbouncer(model: &Model, out: &mut crate::rules::Findings) {
    // The last `listen_addr` of each file, found in one pass (not per entry).
    let listen_addr: HashMap<FileId, &ConfigEntry> = model
        .entries
        .of(Ecosystem::PgBouncer)
        .filter(|e| e.canonical == "listen_addr")
        .map(|e| (e.file, e))
        .collect();
    for entry in model.entries.of(Ecosystem::PgBouncer) {
        let mode = entry.value.as_deref().unwrap_or("").trim();
        let at = Location {
            file: entry.file,
            span: entry.value_span,
        };
        if entry.canonical == "server_tls_sslmode" && UNVERIFIED.contains(&mode) {
            out.push(finding(
                at,
                format!("PgBouncer's server_tls_sslmode is {mode}: its connections to PostgreSQL do not verify the server, so the traffic and the pooled credentials can be intercepted"),
                "set server_tls_sslmode = verify-full with server_tls_ca_file",
                &format!("server:{mode}"),
            ));
        }
        if entry.canonical == "client_tls_sslmode" && mode == "disable" {
            let listen = listen_addr
                .get(&entry.file)
                .and_then(|e| e.value.as_deref())
                .unwrap_or("");
            if !listen.is_empty() && !listen.split(',').all(|a| listens_locally(a.trim())) {
                out.push(finding(
                    at,
                    format!("PgBouncer listens on {listen} with client_tls_sslmode = disable: clients send queries and passwords across the network in clear text"),
                    "set client_tls_sslmode = require (or verify-full) with client_tls_key_file and client_tls_cert_file",
                    &format!("client:{listen}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_local, listens_locally};

    /// A host list is local only when every host is; ports and brackets are not part
    /// of the name.
    #[test]
    fn a_host_list_is_local_when_every_host_is() {
        for local in [
            "localhost",
            "localhost:5432,127.0.0.1:5433",
            "[::1]:5432",
            "/var/run/postgresql",
            "%2Fvar%2Frun%2Fpostgresql",
            "localhost,",
            "localhost:5432,:5433",
            "LOCALHOST",
            "127.0.0.2:5432",
            "0.0.0.0",
        ] {
            assert!(is_local(local), "{local}");
        }
        for remote in ["db", "localhost:5432,db:5432", "replica.example.com"] {
            assert!(!is_local(remote), "{remote}");
        }
        // Listening on an unspecified address is every interface's, not this machine's.
        assert!(listens_locally("127.0.0.1") && listens_locally("localhost"));
        assert!(!listens_locally("0.0.0.0") && !listens_locally("::") && !listens_locally("*"));
    }
}
