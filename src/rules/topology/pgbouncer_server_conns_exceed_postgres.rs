//! `pgbouncer-server-conns-exceed-postgres`: PgBouncer's server-side connections plus the
//! services that connect to the database directly exceed its usable slots (catalogue
//! TP06 [PGB-CFG][PG-CONN]). The pooler's budget per instance is `max_db_connections`
//! when set, else `default_pool_size` (one database/user pair: a lower bound).
use super::{fleets, place, steady, usable_slots};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ecosystems::pgbouncer::server_budget;
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pgbouncer-server-conns-exceed-postgres",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary:
        "PgBouncer's server connections plus direct clients exceed the database's usable slots.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        // Direct demand per database, computed once (not per pooler).
        let direct_demand: std::collections::HashMap<&str, i64> = fleets(model)
            .iter()
            .map(|f| (f.database.name.as_str(), f.demand(steady)))
            .collect();
        for pooler in &model.poolers {
            let Some(target) = &pooler.connects_to else {
                continue;
            };
            let Some(database) = model.databases.iter().find(|d| &d.name == target) else {
                continue;
            };
            let Some(slots) = usable_slots(model, database) else {
                continue;
            };
            let Some((budget, budget_setting)) = server_budget(pooler) else {
                continue;
            };
            let instances = pooler
                .instances
                .as_ref()
                .and_then(|i| i.get().copied())
                .unwrap_or(1)
                .max(1);
            let direct = direct_demand
                .get(database.name.as_str())
                .copied()
                .unwrap_or(0);
            let demand = instances * budget + direct;
            if demand <= slots.usable {
                continue;
            }
            let Some(at) = budget_setting.location() else {
                continue;
            };
            let instances_place = pooler
                .instances
                .as_ref()
                .map_or("one instance: none declared".to_owned(), |i| {
                    place(model, &i.origin)
                });
            out.push(
                Diagnostic::new(
                    &META,
                    Severity::Error,
                    at,
                    format!(
                        "PgBouncer {} can open {demand} server connections to database {} but it accepts {}: {instances} instance(s) ({instances_place}) × {budget} ({}) + {direct} from services connecting directly; {}",
                        pooler.name,
                        database.name,
                        slots.usable,
                        place(model, &budget_setting.origin),
                        slots.explanation,
                    ),
                )
                .with_label(format!("{budget} per instance"))
                .with_related(slots.max_connections, "the database's limit")
                .with_help(format!(
                    "set max_db_connections to at most {} per PgBouncer instance, or raise max_connections",
                    ((slots.usable - direct) / instances).max(0)
                ))
                .with_key(budget_setting.origin.key().unwrap_or("pgbouncer.default_pool_size").to_owned())
                .with_fingerprint(format!("{}:{demand}>{}", pooler.name, slots.usable)),
            );
        }
    }
}
