//! `statement-pooling-multi-statement-tx`: a service that runs multi-statement
//! transactions reaches PostgreSQL through PgBouncer in `statement` pool mode, where
//! "multi-statement transactions are disallowed" (catalogue CC03 [PGB-CFG][PGB-FEAT]).
//! A Spring application with JPA, or a HikariCP pool with auto-commit off, runs them.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Service};
use crate::rules::links::{pools, Links};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "statement-pooling-multi-statement-tx",
    category: Category::Concurrency,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "PgBouncer statement pooling in front of an application that runs multi-statement transactions.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            let Some(mode) = pooler.pool_mode.as_ref() else {
                continue;
            };
            if mode.get().map(String::as_str) != Some("statement") {
                continue;
            }
            let Some(at) = mode.location() else { continue };
            for service in links
                .pooler_clients(pooler)
                .iter()
                .filter(|s| runs_transactions(model, s))
            {
                out.push(
                    Diagnostic::new(
                        &META,
                        Severity::Error,
                        at,
                        format!(
                            "PgBouncer {} uses statement pooling, which refuses multi-statement transactions, but {} runs them (JPA or auto-commit off): its transactions fail",
                            pooler.name, service.name
                        ),
                    )
                    .with_label("pool_mode = statement")
                    .with_help("use pool_mode = transaction for this database")
                    .with_key("pgbouncer.pool_mode")
                    .with_fingerprint(format!("{}:{}", pooler.name, service.name)),
                );
            }
        }
    }
}

fn runs_transactions(model: &Model, service: &Service) -> bool {
    let auto_commit_off = pools(model, service).any(|p| {
        p.driver_properties
            .get("autocommit")
            .and_then(|s| s.get())
            .is_some_and(|v| v == "false")
    });
    service.jpa.is_some()
        || auto_commit_off
        || model.entries.iter().any(|e| {
            e.canonical.ends_with("hikari.autocommit") && e.value.as_deref() == Some("false")
        })
}
