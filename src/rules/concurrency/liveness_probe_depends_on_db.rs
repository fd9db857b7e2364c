//! `liveness-probe-depends-on-db`: a Kubernetes liveness probe checks the database
//! (catalogue CC07 [SB-PROBES][K8S-PROBES]): Spring Boot's root `/actuator/health`
//! includes the `db` indicator, `/actuator/health/db` is it, and the liveness group
//! includes it when the application adds it (`…health.group.liveness.include`). When the database or the pool is slow, Kubernetes
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

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for service in &model.services {
            let Some(probe) = service
                .deployment
                .as_ref()
                .and_then(|d| d.liveness_probe.as_ref())
            else {
                continue;
            };
            let Some(target) = probe.get() else { continue };
            let Some(why) = depends_on_db(target, service.liveness_checks_db.is_some()) else {
                continue;
            };
            let Some(at) = probe.location() else { continue };
            let finding = Diagnostic::new(
                    &META,
                    Severity::Warning,
                    at,
                    format!(
                        "{}'s liveness probe ({target}) {why}: when the database is slow or the pool is exhausted, Kubernetes restarts every instance at once and the outage gets worse",
                        service.name
                    ),
                )
                .with_label("liveness depends on the database")
                .with_help(if why == LIVENESS_WITH_DB {
                    "remove db from management.endpoint.health.group.liveness.include and keep database checks in the readiness group"
                } else {
                    "probe /actuator/health/liveness (Spring Boot's liveness group, which excludes the database) and keep database checks in the readiness probe"
                })
                .with_fingerprint(target);
            out.push(match service.liveness_checks_db.as_deref() {
                Some(&group) if why == LIVENESS_WITH_DB => {
                    finding.with_related(Some(group), "db added to the liveness group")
                }
                _ => finding,
            });
        }
    }
}

const LIVENESS_WITH_DB: &str =
    "is Spring Boot's liveness group, to which the application adds the database check";

/// Why the probe `GET path` checks the database, if it does: the root health endpoint
/// and the `db` indicator always; the liveness group when the application adds `db`
/// to it (`group_has_db`).
fn depends_on_db(probe: &str, group_has_db: bool) -> Option<&'static str> {
    let path = probe
        .strip_prefix("GET ")
        .map(|p| p.split('?').next().unwrap_or(p).trim_end_matches('/'))?;
    match path {
        "/actuator/health" => {
            Some("is Spring Boot's health endpoint, which includes the database check")
        }
        "/actuator/health/liveness" if group_has_db => Some(LIVENESS_WITH_DB),
        _ if path == "/actuator/health/db" || path.starts_with("/actuator/health/db/") => {
            Some("is Spring Boot's database health indicator")
        }
        _ => None,
    }
}
