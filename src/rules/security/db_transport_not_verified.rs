//! `db-transport-not-verified`: a connection to a remote database that does not verify
//! the server (catalogue SC02 [PG-LIBPQ-SSL][PGB-MAIN]): a PostgreSQL URL with
//! `sslmode=disable`, `allow` or `prefer` to a host that is not local, or a PgBouncer
//! that sets `server_tls_sslmode` to one of those, or `client_tls_sslmode = disable`
//! while listening beyond loopback. Only values written in a file are reported: the
//! defaults (libpq `prefer`, PgBouncer `prefer`/`disable`) are everywhere, and reporting
//! them on every file would be noise.
use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ConfigEntry, Ecosystem, Location, Model};
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for pool in &model.pools {
            let Some(connection) = &pool.connection else {
                continue;
            };
            if connection.engine.as_deref() != Some("postgresql") {
                continue;
            }
            let Some(mode) = connection.params.get("sslmode") else {
                continue;
            };
            let Some(value) = mode.get() else { continue };
            let host = connection
                .host
                .as_ref()
                .and_then(|h| h.get())
                .map(String::as_str);
            if !UNVERIFIED.contains(&value.as_str()) || host.is_none_or(is_local) {
                continue;
            }
            let Some(at) = mode.location() else { continue };
            out.push(finding(
                at,
                format!(
                    "{} connects to {} with sslmode={value}, which does not verify the server: anyone on the path can read the traffic and the credentials every pooled connection sends",
                    pool.name,
                    host.unwrap_or("a remote host")
                ),
                "use sslmode=verify-full (or verify-ca) with the server's CA certificate",
                &format!("{}:{value}", pool.name),
            ));
        }
        pgbouncer(model, out);
    }
}

fn is_local(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]") || host.starts_with('/')
}

fn finding(at: Location, message: String, help: &str, fingerprint: &str) -> Diagnostic {
    Diagnostic::new(&META, Severity::Warning, at, message)
        .with_label("not verified")
        .with_help(help)
        .with_fingerprint(fingerprint.to_owned())
}

fn pgbouncer(model: &Model, out: &mut Vec<Diagnostic>) {
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
            if !listen.is_empty() && !listen.split(',').all(|a| is_local(a.trim())) {
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
