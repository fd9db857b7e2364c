//! `transaction-pooling-session-features`: a service reaches PostgreSQL through a
//! PgBouncer in `transaction` or `statement` pool mode but its driver uses session
//! features (catalogue CC02 [PGB-FAQ][PGB-FEAT]): pgjdbc prepares server-side statements
//! after 5 executions unless `prepareThreshold=0`, and PgBouncer before 1.21 (or with
//! `max_prepared_statements = 0`) hands the next statement to another server session:
//! `prepared statement "S_1" does not exist`.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ConfigEntry, Ecosystem, Model, Pool, Pooler};
use crate::rules::links::{pooler_clients, pools};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

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
        for pooler in &model.poolers {
            let Some(mode) = pooler.pool_mode.as_ref().and_then(|m| m.get()) else {
                continue;
            };
            if mode == "session" || prepared_statements_supported(model, pooler) {
                continue;
            }
            for service in pooler_clients(model, pooler) {
                for pool in pools(model, service).filter(|p| prepares_server_side(p)) {
                    let Some(connection) = &pool.connection else {
                        continue;
                    };
                    let Some(at) = connection.location else {
                        continue;
                    };
                    out.push(
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
                        .with_related(pooler.pool_mode.as_ref().and_then(|m| m.location()), "pool_mode")
                        .with_help("add prepareThreshold=0 to the JDBC URL, or set max_prepared_statements (PgBouncer 1.21+) in pgbouncer.ini")
                        .with_fingerprint(format!("{}:{}", service.name, pooler.name)),
                    );
                }
            }
        }
    }
}

/// PgBouncer 1.21+ tracks protocol-level prepared statements when
/// `max_prepared_statements` is above 0.
fn prepared_statements_supported(model: &Model, pooler: &Pooler) -> bool {
    model
        .entries
        .iter()
        .filter(|e: &&ConfigEntry| e.ecosystem == Ecosystem::PgBouncer)
        .filter(|e| e.canonical == "max_prepared_statements")
        .filter(|e| pooler_file_matches(pooler, e))
        .any(|e| {
            e.value
                .as_deref()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .is_some_and(|v| v > 0)
        })
}

fn pooler_file_matches(pooler: &Pooler, entry: &ConfigEntry) -> bool {
    let file = pooler
        .default_pool_size
        .as_ref()
        .and_then(|s| s.location())
        .map(|l| l.file);
    file.is_none_or(|f| f == entry.file)
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
