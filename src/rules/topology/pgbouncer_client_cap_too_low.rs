//! `pgbouncer-client-cap-too-low`: the services that connect through PgBouncer can open
//! more client connections than its `max_client_conn` (default 100) across its instances
//! allows; the excess is refused with `no more connections allowed (max_client_conn)`
//! (catalogue TP07 [PGB-CFG]).
use super::place;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pgbouncer-client-cap-too-low",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "The services behind PgBouncer can open more client connections than max_client_conn allows.",
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
            let Some(cap_setting) = &pooler.max_client_conn else {
                continue;
            };
            let Some(&cap) = cap_setting.get() else {
                continue;
            };
            let instances = pooler.instance_count();
            let mut demand = 0i64;
            let mut terms = Vec::new();
            for service in links.pooler_clients(pooler) {
                let replicas = service
                    .deployment
                    .as_ref()
                    .and_then(|d| d.replicas.as_ref())
                    .and_then(|r| r.get().copied())
                    .unwrap_or(1);
                let processes = service.processes_per_instance();
                // One pool per data source: the active profile's, named as the fleet
                // rules name it.
                let counted = crate::model::profiles::demand_pools(model, service);
                let pools: i64 = counted
                    .pools
                    .into_iter()
                    .filter_map(|p| p.max.get().copied())
                    .fold(0i64, i64::saturating_add);
                let clients = replicas.saturating_mul(processes).saturating_mul(pools);
                demand = demand.saturating_add(clients);
                let note = counted
                    .note
                    .map(|note| format!(" [{note}]"))
                    .unwrap_or_default();
                terms.push(format!(
                    "{} {replicas} × {processes} × {pools}{note}",
                    service.name
                ));
            }
            let total = cap.saturating_mul(instances);
            if demand <= total {
                continue;
            }
            let Some(at) = cap_setting.location() else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                    &META,
                    Severity::Error,
                    at,
                    format!(
                        "services can open {demand} client connections to PgBouncer {} but it accepts {total} = max_client_conn {cap} ({}) × {instances} instance(s): {}; the rest are refused with \"no more connections allowed (max_client_conn)\"",
                        pooler.name,
                        place(model, &cap_setting.origin),
                        terms.join(" + "),
                    ),
                )
                .with_label(format!("{cap} per instance"))
                .with_help(format!(
                    "set max_client_conn to at least {} (and check the file-descriptor limit), or lower the clients' pool sizes",
                    (demand + instances - 1) / instances
                ))
                .with_key("pgbouncer.max_client_conn")
                .with_fingerprint(format!("{}:{demand}>{total}", pooler.name));
            // The instance count multiplies the cap (`--diff-base` reports by labels).
            if let Some(count) = &pooler.instances {
                diagnostic =
                    diagnostic.with_related(count.location(), format!("{instances} instance(s)"));
            }
            out.push(diagnostic);
        }
    }
}
