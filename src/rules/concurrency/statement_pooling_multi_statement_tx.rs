//! `statement-pooling-multi-statement-tx`: a service that runs multi-statement
//! transactions reaches PostgreSQL through PgBouncer in `statement` pool mode, where
//! "multi-statement transactions are disallowed" (catalogue CC03 [PGB-CFG][PGB-FEAT]).
//! A Spring application with JPA, or a HikariCP pool with auto-commit off, runs them.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::{or_unknown_login, Links};
use crate::model::{Model, Pool, Pooler, Service, Setting};
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            for service in links.pooler_clients(pooler) {
                let Some(mode) = statement_mode(model, &links, service, pooler) else {
                    continue;
                };
                let Some(at) = mode.location() else { continue };
                if !runs_transactions(model, &links, service, pooler) {
                    continue;
                }
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
                    .with_key(mode.origin.key().unwrap_or("pgbouncer.pool_mode").to_owned())
                    .with_fingerprint(format!("{}:{}", pooler.name, service.name)),
                );
            }
        }
    }
}

/// The statement-mode setting one of the service's databases gets through the pooler.
fn statement_mode<'p>(
    model: &Model,
    links: &Links,
    service: &Service,
    pooler: &'p Pooler,
) -> Option<&'p Setting<String>> {
    let logins = links.pooler_pools(model, pooler, service).map(Pool::login);
    or_unknown_login(logins.collect())
        .into_iter()
        .filter_map(|(database, user)| pooler.mode_for(database, user))
        .find(|mode| mode.get().is_some_and(|m| m == "statement"))
}

/// JPA, or a pool with auto-commit off (HikariCP `auto-commit`, or the driver's
/// `autocommit` property).
fn runs_transactions(model: &Model, links: &Links, service: &Service, pooler: &Pooler) -> bool {
    let auto_commit_off = |p: &Pool| {
        p.auto_commit
            .as_ref()
            .and_then(|s| s.get())
            .is_some_and(|on| !on)
            || p.driver_properties
                .get("autocommit")
                .and_then(|s| s.get())
                .is_some_and(|v| v == "false")
    };
    service.jpa.is_some()
        || links
            .pooler_pools(model, pooler, service)
            .any(auto_commit_off)
}
