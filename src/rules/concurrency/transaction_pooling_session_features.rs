//! `transaction-pooling-session-features`: a service reaches PostgreSQL through a
//! PgBouncer in `transaction` or `statement` pool mode but its driver uses session
//! features (catalogue CC02 [PGB-FAQ][PGB-FEAT]): pgjdbc prepares server-side statements
//! after 5 executions unless `prepareThreshold=0`, and PgBouncer before 1.21 (or with
//! `max_prepared_statements = 0`) hands the next statement to another server session:
//! `prepared statement "S_1" does not exist`.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{pools, Links};
use crate::model::{Ecosystem, Model, Pool, Pooler, Service};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};
use crate::source::FileId;
use std::collections::HashSet;

pub static META: RuleMeta = RuleMeta {
    name: "transaction-pooling-session-features",
    category: Category::Concurrency,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "A client uses session features (server-side prepared statements) through PgBouncer transaction pooling.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let links = Links::new(model);
        let tracking = files_tracking_prepared_statements(model);
        for pooler in &model.poolers {
            if prepared_statements_supported(&tracking, pooler) {
                continue;
            }
            for service in links.pooler_clients(pooler) {
                for pool in pools(model, service).filter(|p| prepares_server_side(p)) {
                    out.extend(finding(service, pooler, pool));
                }
            }
        }
    }
}

/// The finding for one pool when the mode its database gets is not session pooling.
fn finding(service: &Service, pooler: &Pooler, pool: &Pool) -> Option<Diagnostic> {
    let connection = pool.connection.as_ref()?;
    let mode_setting =
        pooler.mode_for(connection.database.as_deref(), connection.user.as_deref())?;
    let mode = mode_setting.get()?;
    if mode == "session" {
        return None;
    }
    let at = connection.location?;
    Some(
        Diagnostic::new(
            &META,
            Severity::Warning,
            at,
            format!(
                "{}'s pgjdbc URL prepares server-side statements (no prepareThreshold=0) but reaches PostgreSQL through PgBouncer {} in {mode} pooling without max_prepared_statements: the next execution can land on another server session and fail with `prepared statement \"S_1\" does not exist`",
                service.name, pooler.name
            ),
        )
        .with_label("no prepareThreshold=0")
        .with_related(mode_setting.location(), "pool_mode")
        .with_help("add prepareThreshold=0 to the JDBC URL, or set max_prepared_statements (PgBouncer 1.21+) in pgbouncer.ini")
        .with_fingerprint(format!("{}:{}", service.name, pooler.name)),
    )
}

/// The PgBouncer files that set `max_prepared_statements` above 0: PgBouncer 1.21+
/// then tracks protocol-level prepared statements. One pass over the entries.
fn files_tracking_prepared_statements(model: &Model) -> HashSet<FileId> {
    model
        .entries
        .of(Ecosystem::PgBouncer)
        .filter(|e| e.canonical == "max_prepared_statements")
        .filter(|e| {
            e.value
                .as_deref()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .is_some_and(|v| v > 0)
        })
        .map(|e| e.file)
        .collect()
}

/// True when the pooler's file (any file, when its file is unknown) tracks prepared
/// statements.
fn prepared_statements_supported(tracking: &HashSet<FileId>, pooler: &Pooler) -> bool {
    let file = pooler
        .default_pool_size
        .as_ref()
        .and_then(|s| s.location())
        .map(|l| l.file);
    match file {
        Some(file) => tracking.contains(&file),
        None => !tracking.is_empty(),
    }
}

/// pgjdbc without `prepareThreshold=0` (URL parameter or data-source property).
fn prepares_server_side(pool: &Pool) -> bool {
    let Some(connection) = &pool.connection else {
        return false;
    };
    if connection.engine.as_deref() != Some("postgresql") {
        return false;
    }
    let threshold = connection
        .params
        .get("preparethreshold")
        .or(pool.driver_properties.get("preparethreshold"))
        .and_then(|s| s.get());
    threshold.is_none_or(|t| t.trim() != "0")
}
