//! `statement-timeout-missing`: no statement timeout at any layer for a PostgreSQL
//! database that services use (catalogue TO05 [PG-CLIENT][PGB-CFG]): not in
//! `postgresql.conf`, not as a driver option (`options=-c statement_timeout=…` in the
//! URL), not as a session setting the client makes on connect (Rails `variables:`,
//! HikariCP `connection-init-sql: SET statement_timeout …`), and no PgBouncer
//! `query_timeout` in front. Warning (heuristic); info when the
//! only timeout is the global one in `postgresql.conf`, which PostgreSQL advises against.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{pools, Links};
use crate::model::{Database, Engine, Model, Pooler, Service};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "statement-timeout-missing",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "No statement timeout at any layer: one runaway query holds a pooled connection indefinitely.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for database in model
            .databases
            .iter()
            .filter(|d| d.engine == Engine::Postgres)
        {
            if !links.has_clients(database) || client_side_timeout(model, &links, database) {
                continue;
            }
            let Some(setting) = &database.statement_timeout else {
                continue;
            };
            let Some(&timeout) = setting.get() else {
                continue;
            };
            let Some(at) = setting.location().or(database.max_connections.location()) else {
                continue;
            };
            let diagnostic = if timeout.is_zero() {
                Diagnostic::new(
                    &META,
                    Severity::Warning,
                    at,
                    format!(
                        "database {} has no statement timeout ({}), and no client or pooler sets one: one runaway query holds its pooled connection until it finishes, however long",
                        database.name,
                        place(model, &setting.origin)
                    ),
                )
                // Not written, the finding sits at the file's first setting (the
                // anchor for absent keys): the label says the setting is missing.
                .with_label(if setting.is_explicit() {
                    "statement_timeout 0 (off)"
                } else {
                    "statement_timeout not set in this file (PostgreSQL default 0, off)"
                })
            } else {
                Diagnostic::new(
                    &META,
                    Severity::Info,
                    at,
                    format!(
                        "the statement timeout of database {} is set globally ({}), for every session including maintenance; PostgreSQL advises setting it per role or application instead",
                        database.name,
                        place(model, &setting.origin)
                    ),
                )
                .with_label("global statement_timeout")
            };
            // Name the key only when it is written: a default has no line of its own.
            let diagnostic = match setting.origin.key() {
                Some(key) => diagnostic.with_key(key.to_owned()),
                None => diagnostic,
            };
            out.push(
                diagnostic
                    .with_help(help(&links, database))
                    .with_fingerprint(&database.name),
            );
        }
    }
}

/// True when a client of the database sets a statement timeout in its connection, or a
/// pooler in front has `query_timeout`. Behind a PgBouncer the startup `options` do not
/// count: PgBouncer refuses a `-c statement_timeout=…` there, or drops it
/// (`transaction-pooling-session-features` reports which).
fn client_side_timeout(model: &Model, links: &Links, database: &Database) -> bool {
    let pooler_times_out = |pooler: &Pooler| {
        pooler
            .query_timeout
            .as_ref()
            .and_then(|t| t.get())
            .is_some_and(|t| !t.is_zero())
    };
    links
        .database_clients(database)
        .into_iter()
        .any(|(service, pooler)| sets_statement_timeout(model, service, pooler.is_some()))
        // A PgBouncer in front with query_timeout, whether or not its clients are known.
        || links.database_poolers(database).iter().any(|p| pooler_times_out(p))
}

fn sets_statement_timeout(model: &Model, service: &Service, pooled: bool) -> bool {
    pools(model, service).any(|pool| match pooled {
        true => pool.sets_session_timeout_after_connect("statement_timeout"),
        false => pool.sets_session_timeout("statement_timeout"),
    })
}

/// The fix: the role's setting, and the connection's startup options when no client
/// goes through a PgBouncer (which does not pass them on).
fn help(links: &Links, database: &Database) -> String {
    let role = "set it for the application's role (ALTER ROLE app SET statement_timeout = '30s')";
    let pooled = links
        .database_clients(database)
        .into_iter()
        .any(|(_, pooler)| pooler.is_some());
    match pooled {
        true => format!("{role}; the connection's startup options (options=-c …) do not pass PgBouncer, which refuses them"),
        false => format!("{role} or in the connection options (options=-c statement_timeout=30s)"),
    }
}
