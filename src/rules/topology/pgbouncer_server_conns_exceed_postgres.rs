//! `pgbouncer-server-conns-exceed-postgres`: PgBouncer's server-side connections plus the
//! services that connect to the database directly exceed its usable slots (catalogue
//! TP06 [PGB-CFG][PG-CONN]). The pooler's budget per instance is the sum over its
//! `[databases]` entries of each entry's pools, one per user the services behind it log
//! in as (one when none is known: a lower bound), each its pool size plus
//! `reserve_pool_size`, within the entry's `max_db_connections`, capped per user by
//! `max_user_connections` (see [`crate::model::Pooler::server_budget`]); every entry is
//! assumed to reach the database the pooler connects to.
use super::{
    fleets, no_db_connection_headroom, peak_instances, place, steady, usable_slots, Slots,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::BudgetPart;
use crate::model::{Database, Model, Pooler};
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

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        // Direct demand per database, steady and at peak, computed once (not per pooler).
        let direct_demand: std::collections::HashMap<&str, (i64, i64)> = fleets(model)
            .iter()
            .map(|f| {
                let demand = (f.demand(steady), f.demand(peak_instances));
                (f.database.name.as_str(), demand)
            })
            .collect();
        let share = options.given(&no_db_connection_headroom::MIN_FREE_SHARE);
        let links = Links::new(model);
        for pooler in &model.poolers {
            let Some(database) = links.pooler_database(pooler) else {
                continue;
            };
            let Some(slots) = usable_slots(model, database) else {
                continue;
            };
            let parts = super::pooler_budget(model, &links, pooler);
            let Some(largest) = parts.iter().max_by_key(|p| p.connections) else {
                continue;
            };
            let budget = Pooler::server_budget_total(&parts);
            let instances = pooler.instance_count();
            let (direct, direct_peak) = direct_demand
                .get(database.name.as_str())
                .copied()
                .unwrap_or((0, 0));
            let demand = instances.saturating_mul(budget).saturating_add(direct);
            if demand <= slots.usable {
                continue;
            }
            let Some(at) = largest.setting.location() else {
                continue;
            };
            let instances_place = pooler
                .instances
                .as_ref()
                .map_or("one instance: none declared".to_owned(), |i| {
                    place(model, &i.origin)
                });
            let mut diagnostic = Diagnostic::new(
                &META,
                Severity::Error,
                at,
                format!(
                    "PgBouncer {} can open {demand} server connections to database {} but it accepts {}: {instances} instance(s) ({instances_place}) × {} + {direct} from services connecting directly; {}",
                    pooler.name,
                    database.name,
                    slots.usable,
                    budget_terms(model, &parts),
                    slots.explanation,
                ),
            )
            .with_label(format!("{} per instance", largest.connections))
            .with_related(slots.max_connections, "the database's limit")
            .with_help(help(
                &parts,
                room(model, database, &slots, share, direct_peak, instances.saturating_mul(budget)) / instances,
                &raise_max_connections(model, database, &slots, share, direct_peak),
            ))
            .with_key(largest.setting.origin.key().unwrap_or("pgbouncer.default_pool_size").to_owned())
            .with_fingerprint(format!("{}:{demand}>{}", pooler.name, slots.usable));
            // The instance count multiplies the budget: a change to it (in the
            // manifest) is a change to this finding (`--diff-base` reports by labels).
            if let Some(count) = &pooler.instances {
                diagnostic =
                    diagnostic.with_related(count.location(), format!("{instances} instance(s)"));
            }
            // The other pools' settings, each once and not the one the finding is at
            // (the pools of several users may share one `default_pool_size`).
            let mut labelled = vec![at];
            for part in parts.iter().filter(|p| !std::ptr::eq(*p, largest)) {
                let Some(location) = part.setting.location() else {
                    continue;
                };
                if labelled.contains(&location) {
                    continue;
                }
                labelled.push(location);
                let label = if part.login {
                    "pool of another user"
                } else {
                    "pool of another [databases] entry"
                };
                diagnostic = diagnostic.with_related(Some(location), label);
            }
            out.push(diagnostic);
        }
    }
}

/// `20 (pgbouncer.ini:9)`, `(40 (pgbouncer.ini:9) + reserve 30 (pgbouncer.ini:10))`,
/// `(20 for app (pgbouncer.ini:2) + 5 for reports (…))`, or with the users clients log
/// in as, `(5 for app as web (…) + 20 for app as api (…))`.
fn budget_terms(model: &Model, parts: &[BudgetPart]) -> String {
    let term = |p: &BudgetPart| {
        let whose = match (p.database, p.user.filter(|_| p.login)) {
            (Some(name), Some(user)) => format!(" for {name} as {user}"),
            (None, Some(user)) => format!(" as {user}"),
            (Some(name), None) if parts.len() > 1 => format!(" for {name}"),
            _ => String::new(),
        };
        let mut text = format!(
            "{}{whose} ({}",
            p.connections,
            place(model, &p.setting.origin)
        );
        // The reserve pool is opened after clients wait `reserve_pool_timeout`: it
        // counts towards the database's slots (catalogue TP06).
        match (p.setting.get(), p.reserve) {
            (Some(size), Some(reserve)) => {
                let extra = reserve.get().copied().unwrap_or(0);
                text.push_str(&format!(
                    ": pool {size} + reserve_pool_size {extra} ({})",
                    place(model, &reserve.origin)
                ));
            }
            (Some(size), None) if p.user_cap.is_some() => {
                let name = p.setting.origin.key().unwrap_or("pool");
                let name = name.rsplit('.').next().unwrap_or(name);
                text.push_str(&format!(": {name} {size}"));
            }
            _ => {}
        }
        // PgBouncer opens at most max_user_connections per user across its databases.
        if let Some(cap) = p.user_cap {
            let user = p
                .user
                .filter(|_| !p.login)
                .map(|u| format!(" for user {u}"))
                .unwrap_or_default();
            text.push_str(&format!(
                ", capped by max_user_connections {}{user} ({})",
                cap.get().copied().unwrap_or(0),
                place(model, &cap.origin)
            ));
        }
        text.push(')');
        text
    };
    let terms: Vec<String> = parts.iter().map(term).collect();
    match terms.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", terms.join(" + ")),
    }
}

/// The server connections all instances of this PgBouncer may open so that following
/// the help trips none of the other slot rules: the usable slots, less the share
/// no-db-connection-headroom keeps free when it runs (`share`), the direct clients at
/// their peak (autoscaler maximum and rollout surge) and the other PgBouncers in front
/// of the database (`own` is this one's, all instances, not counted among them).
fn room(
    model: &Model,
    database: &Database,
    slots: &Slots,
    share: Option<f64>,
    direct_peak: i64,
    own: i64,
) -> i64 {
    let usable = match share {
        Some(share) => no_db_connection_headroom::ceiling(share, slots.usable),
        None => slots.usable,
    };
    let pooled = no_db_connection_headroom::pooled_server_connections(model, database);
    let others = pooled.saturating_sub(own.max(0));
    usable.saturating_sub(direct_peak).saturating_sub(others)
}

/// `raise max_connections to at least N`: enough for every PgBouncer in front of the
/// database as it is and the direct services at their peak, with the headroom rule's
/// share kept free when it runs; or why no value fits.
fn raise_max_connections(
    model: &Model,
    database: &Database,
    slots: &super::Slots,
    share: Option<f64>,
    direct_peak: i64,
) -> String {
    let pooled = no_db_connection_headroom::pooled_server_connections(model, database);
    let demand = direct_peak.saturating_add(pooled);
    let usable = match share {
        Some(share) => no_db_connection_headroom::usable_keeping(share, demand),
        None => demand,
    };
    let needed = usable.saturating_add(slots.reserved);
    let (ceiling, server) = super::max_connections_ceiling(database);
    if needed > ceiling {
        return format!("lower the pools (max_connections cannot be raised enough: {needed} would be needed, above the {ceiling} {server} accepts)");
    }
    format!("raise max_connections to at least {needed}")
}

fn help(parts: &[BudgetPart], room: i64, raise: &str) -> String {
    if room < 1 {
        // max_db_connections = 0 means unlimited: never suggest it.
        return format!("the services connecting directly leave PgBouncer no server connection: route them through PgBouncer, or {raise}");
    }
    let reserve = if parts.iter().any(|p| p.reserve.is_some()) {
        ", reserve_pool_size"
    } else {
        ""
    };
    if parts.len() > 1 {
        format!("lower pool_size{reserve} or max_db_connections of the [databases] entries so that together they open at most {room} server connections per PgBouncer instance, or {raise}")
    } else {
        format!("set max_db_connections to at most {room} per PgBouncer instance, or {raise}")
    }
}
