//! `idle-in-transaction-timeout-missing`: nothing ends a session left idle inside a
//! transaction on a database services use (catalogue TO06 [PG-CLIENT][PGB-CFG]):
//! PostgreSQL's `idle_in_transaction_session_timeout` is 0 and, for the clients behind a
//! PgBouncer, its `idle_transaction_timeout` is 0 too (clients that set the PostgreSQL
//! setting themselves, as Rails `variables:` do, are covered; so are clients whose
//! pool's user has its own `idle_transaction_timeout` above 0 in `[users]`, PgBouncer
//! 1.25+). Such a session holds its
//! locks and its connection forever. Info; a warning behind a PgBouncer in transaction
//! mode, where it also pins one of the few server connections.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{pools, Links};
use crate::model::{Database, Engine, Model, Pooler, Setting};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "idle-in-transaction-timeout-missing",
    category: Category::Timeouts,
    default_severity: Severity::Info,
    inputs: Inputs::NeedsTopology,
    summary: "Sessions idle inside a transaction are never ended: they hold locks and connections.",
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
            if !links.has_clients(database) {
                continue;
            }
            let Some(setting) = &database.idle_in_transaction_session_timeout else {
                continue;
            };
            if !setting.get().is_some_and(|t| t.is_zero()) {
                continue;
            }
            let Some(exposed) = exposed(model, &links, database) else {
                continue;
            };
            out.extend(finding(model, database, setting, &exposed));
        }
    }
}

/// What reaches the database with nothing ending idle transactions: the PgBouncers whose
/// `idle_transaction_timeout` is 0 (or not known), and whether a client connects
/// directly without setting the timeout itself. None when everything is covered.
struct Exposed<'m> {
    poolers: Vec<&'m Pooler>,
}

fn exposed<'m>(model: &Model, links: &Links<'m>, database: &Database) -> Option<Exposed<'m>> {
    let poolers: Vec<&Pooler> = links
        .database_poolers(database)
        .iter()
        .copied()
        .filter(|p| !ends_idle_transactions_of_clients(model, links, p))
        .collect();
    let direct_uncovered = links
        .database_clients(database)
        .into_iter()
        .filter(|(_, pooler)| pooler.is_none())
        .any(|(service, _)| {
            !pools(model, service)
                .any(|p| p.sets_session_timeout("idle_in_transaction_session_timeout"))
        });
    (direct_uncovered || !poolers.is_empty()).then_some(Exposed { poolers })
}

/// Every login through `pooler` (each client pool's database and user; one unknown
/// login when no client is known) gets an `idle_transaction_timeout` above 0: the
/// pool's user's `[users]` value, else `[pgbouncer]`'s.
fn ends_idle_transactions_of_clients(model: &Model, links: &Links, pooler: &Pooler) -> bool {
    let logins = links.pooler_logins_or_unknown(model, pooler);
    logins.into_iter().all(|(database, user)| {
        ends_idle_transactions(pooler.idle_transaction_timeout_for(database, user))
    })
}

/// PgBouncer's `idle_transaction_timeout` ends idle transactions: set above 0. An unknown
/// value counts as set (unknown values never produce findings by themselves).
fn ends_idle_transactions(setting: Option<&Setting<Duration>>) -> bool {
    setting.is_some_and(|s| s.get().is_none_or(|t| !t.is_zero()))
}

fn finding(
    model: &Model,
    database: &Database,
    setting: &Setting<Duration>,
    exposed: &Exposed,
) -> Option<Diagnostic> {
    let at = setting.location().or(database.max_connections.location())?;
    let transaction_pooler = exposed.poolers.iter().find(|p| {
        p.modes()
            .any(|m| m.get().is_some_and(|m| m == "transaction"))
    });
    let (severity, extra) = match transaction_pooler {
        Some(p) => (
            Severity::Warning,
            format!(
                "; behind PgBouncer {} in transaction mode it also pins a server connection",
                p.name
            ),
        ),
        None => (Severity::Info, String::new()),
    };
    let poolers_too: String = exposed
        .poolers
        .iter()
        .filter_map(|p| {
            let setting = p.idle_transaction_timeout.as_ref()?;
            Some(format!(
                ", nor does PgBouncer {} (idle_transaction_timeout 0, {})",
                p.name,
                place(model, &setting.origin)
            ))
        })
        .collect();
    let help = if exposed.poolers.is_empty() {
        "set idle_in_transaction_session_timeout (e.g. '60s') in postgresql.conf, or for the application's role (ALTER ROLE, which the files do not show: then suppress this finding)"
    } else {
        "set idle_in_transaction_session_timeout (e.g. '60s') in postgresql.conf, or idle_transaction_timeout (seconds, e.g. 60) in pgbouncer.ini, or the former for the application's role (ALTER ROLE, which the files do not show: then suppress this finding)"
    };
    let diagnostic = Diagnostic::new(
            &META,
            severity,
            at,
            format!(
                "database {} never ends sessions left idle inside a transaction (idle_in_transaction_session_timeout 0, {}){poolers_too}: such a session keeps its locks, blocks vacuum and holds its connection{extra}",
                database.name,
                place(model, &setting.origin)
            ),
        )
        // Not written, the finding sits at the file's first setting (the anchor for
        // absent keys): the label says the setting is missing, not that line's value.
        .with_label(if setting.is_explicit() {
            "idle_in_transaction_session_timeout 0"
        } else {
            "idle_in_transaction_session_timeout not set in this file (PostgreSQL default 0)"
        })
        .with_help(help)
        .with_fingerprint(&database.name);
    // Name the key only when it is written: a default has no line of its own.
    Some(match setting.origin.key() {
        Some(key) => diagnostic.with_key(key.to_owned()),
        None => diagnostic,
    })
}
