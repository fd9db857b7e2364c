//! `pgbouncer-query-timeout-without-statement-timeout`: PgBouncer's `query_timeout` is
//! set but the server's `statement_timeout` is off or not shorter (catalogue TO09
//! [PGB-CFG]): PgBouncer then kills the connection mid-query instead of PostgreSQL
//! cancelling the statement.
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{human_duration, Database, Model, Pooler, Setting};
use crate::rules::topology::place;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pgbouncer-query-timeout-without-statement-timeout",
    category: Category::Timeouts,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary:
        "PgBouncer's query_timeout is not backed by a slightly shorter server statement_timeout.",
    options: &[],
};

pub struct Rule;

/// An example statement_timeout "slightly smaller" than `limit` (PgBouncer's words):
/// 5 s below it, or half of it when it is 10 s or less. Any value from 1 ms to below
/// the limit passes the rule; this one is only an example, in PostgreSQL's syntax.
fn slightly_below(limit: Duration) -> String {
    let example = if limit > Duration::from_secs(10) {
        limit.saturating_sub(Duration::from_secs(5))
    } else {
        limit / 2
    };
    let ms = example.as_millis().max(1);
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            let Some(database) = links.pooler_database(pooler) else {
                continue;
            };
            for query in query_timeouts(model, &links, pooler) {
                out.extend(finding(model, pooler, database, query));
            }
        }
    }
}

/// The finding for one `query_timeout` of `pooler` (above 0) when `database`'s
/// statement_timeout is off or not below it.
fn finding(
    model: &Model,
    pooler: &Pooler,
    database: &Database,
    query: &Setting<Duration>,
) -> Option<Diagnostic> {
    let limit = *query.get().filter(|l| !l.is_zero())?;
    let statement = database.statement_timeout.as_ref()?;
    let server = *statement.get()?;
    if !server.is_zero() && server < limit {
        return None;
    }
    let at = query.location()?;
    let server_text = if server.is_zero() {
        "off".to_owned()
    } else {
        human_duration(server)
    };
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "PgBouncer {} cancels queries after {} (query_timeout) but the statement_timeout of database {} is {server_text} ({}): PgBouncer drops the whole server connection instead of PostgreSQL cancelling one statement",
                pooler.name,
                human_duration(limit),
                database.name,
                place(model, &statement.origin)
            ),
        )
        .with_label(format!("query_timeout {}", human_duration(limit)))
        // An absent statement_timeout has no line: its location is only the
        // file's anchor, which a label would present as the setting.
        .with_related(
            statement.location().filter(|_| statement.is_explicit()),
            "statement_timeout",
        )
        .with_help(format!(
            "set statement_timeout slightly below {} for the application's role, e.g. '{}' (ALTER ROLE, which the files do not show: then suppress this finding; or in postgresql.conf), and keep query_timeout for network failures only",
            human_duration(limit),
            slightly_below(limit)
        ))
        .with_key("pgbouncer.query_timeout")
        .with_fingerprint(format!("{}:{}", pooler.name, limit.as_secs())),
    )
}

/// The `query_timeout`s that apply behind `pooler`: for each login through it (each
/// client pool's database and user; one login not known when no client is known),
/// the pool's user's `[users]` value when above 0, else `[pgbouncer]`'s; each once, in
/// the order first met.
fn query_timeouts<'m>(
    model: &'m Model,
    links: &Links<'m>,
    pooler: &'m Pooler,
) -> Vec<&'m Setting<Duration>> {
    let mut timeouts: Vec<&Setting<Duration>> = Vec::new();
    for (database, user) in links.pooler_logins_or_unknown(model, pooler) {
        if let Some(setting) = pooler.query_timeout_for(database, user) {
            if !timeouts.iter().any(|t| std::ptr::eq(*t, setting)) {
                timeouts.push(setting);
            }
        }
    }
    timeouts
}
