//! `idle-in-transaction-timeout-missing`: PostgreSQL's
//! `idle_in_transaction_session_timeout` is 0 for a database services use (catalogue
//! TO06 [PG-CLIENT]): a session left idle inside a transaction holds its locks and its
//! connection forever. Info; a warning behind a PgBouncer in transaction mode, where it
//! also pins one of the few server connections.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{Engine, Model};
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
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
            let Some(at) = setting.location().or(database.max_connections.location()) else {
                continue;
            };
            let transaction_pooler = links.database_poolers(database).iter().find(|p| {
                p.modes()
                    .any(|m| m.get().is_some_and(|m| m == "transaction"))
            });
            let (severity, extra) = match transaction_pooler {
                Some(p) => (Severity::Warning, format!("; behind PgBouncer {} in transaction mode it also pins a server connection", p.name)),
                None => (Severity::Info, String::new()),
            };
            let diagnostic = Diagnostic::new(
                    &META,
                    severity,
                    at,
                    format!(
                        "database {} never ends sessions left idle inside a transaction (idle_in_transaction_session_timeout 0, {}): such a session keeps its locks, blocks vacuum and holds its connection{extra}",
                        database.name,
                        place(model, &setting.origin)
                    ),
                )
                .with_label("idle_in_transaction_session_timeout 0")
                .with_help("set idle_in_transaction_session_timeout (e.g. '60s') for the application's role or in postgresql.conf")
                .with_fingerprint(database.name.clone());
            // Name the key only when it is written: a default has no line of its own.
            out.push(match setting.origin.key() {
                Some(key) => diagnostic.with_key(key.to_owned()),
                None => diagnostic,
            });
        }
    }
}
