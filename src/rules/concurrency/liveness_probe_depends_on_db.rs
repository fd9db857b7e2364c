//! `liveness-probe-depends-on-db`: a Kubernetes liveness probe checks the database
//! (catalogue CC07 [SB-PROBES][K8S-PROBES]): Spring Boot's root `/actuator/health`
//! includes the `db` indicator. When the database or the pool is slow, Kubernetes
//! restarts every instance at once, exactly when the pool is exhausted. `exec` probes
//! running `pg_isready` are left alone: in the corpus they are the database pod probing
//! itself, which is right.
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "liveness-probe-depends-on-db",
    category: Category::Concurrency,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "The liveness probe checks the database, so a slow database or an exhausted pool restarts every instance.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for service in &model.services {
            let Some(probe) = service
                .deployment
                .as_ref()
                .and_then(|d| d.liveness_probe.as_ref())
            else {
                continue;
            };
            let Some(target) = probe.get() else { continue };
            let Some(why) = depends_on_db(target) else {
                continue;
            };
            let Some(at) = probe.location() else { continue };
            out.push(
                Diagnostic::new(
                    &META,
                    Severity::Warning,
                    at,
                    format!(
                        "{}'s liveness probe ({target}) {why}: when the database is slow or the pool is exhausted, Kubernetes restarts every instance at once and the outage gets worse",
                        service.name
                    ),
                )
                .with_label("liveness depends on the database")
                .with_help("probe /actuator/health/liveness (Spring Boot's liveness group, which excludes the database) and keep database checks in the readiness probe")
                .with_fingerprint(target.clone()),
            );
        }
    }
}

fn depends_on_db(probe: &str) -> Option<&'static str> {
    let path = probe
        .strip_prefix("GET ")
        .map(|p| p.split('?').next().unwrap_or(p).trim_end_matches('/'));
    match path {
        Some("/actuator/health") => {
            Some("is Spring Boot's health endpoint, which includes the database check")
        }
        _ => None,
    }
}
