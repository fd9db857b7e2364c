//! `fleet-min-connections-exceed-db-slots`: connections the pools keep open even when
//! idle, at the fleet's peak size, exceed the database's slots (catalogue TP04): pods
//! fail at start-up even with no traffic. Each minimum counts as the library runs it
//! (HikariCP caps `minimum-idle` at `maximum-pool-size`). Reported only for minimums written in a file
//! or the manifest; a default fixed-size pool is already covered by the maximum-based
//! rules (fleet-exceeds-db-slots and friends).
use super::{fleets, idle_min, peak_instances, Fleet};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "fleet-min-connections-exceed-db-slots",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "The connections pools keep open when idle, at the fleet's peak size, exceed the database's slots.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        for fleet in fleets(model) {
            let explicit = fleet
                .members
                .iter()
                .any(|m| m.pools.iter().any(|p| p.min.is_explicit()));
            let idle = idle_demand(&fleet);
            if explicit && idle > fleet.slots.usable {
                out.extend(finding(model, &fleet, idle));
            }
        }
    }
}

fn idle_demand(fleet: &Fleet) -> i64 {
    fleet
        .members
        .iter()
        .map(|m| m.per_instance_min.saturating_mul(peak_instances(m)))
        .fold(0i64, i64::saturating_add)
}

fn finding(_model: &Model, fleet: &Fleet, idle: i64) -> Option<Diagnostic> {
    let member = fleet
        .members
        .iter()
        .max_by_key(|m| m.per_instance_min.saturating_mul(peak_instances(m)))?;
    let pool = member
        .pools
        .iter()
        .copied()
        .filter(|p| p.min.is_explicit())
        .max_by_key(|p| idle_min(p).unwrap_or(0))?;
    let at = pool.min.location()?;
    let terms = fleet
        .members
        .iter()
        .map(|m| {
            let text = format!(
                "{} {} peak instances × {} idle connections",
                m.service.name,
                peak_instances(m),
                m.per_instance_min
            );
            (text, m.per_instance_min.saturating_mul(peak_instances(m)))
        })
        .collect();
    let min = idle_min(pool).unwrap_or(0);
    let label = match pool.min.get() {
        Some(&written) if written != min => {
            format!(
                "minimum {written} per pool, {min} in effect (the library caps it at the maximum)"
            )
        }
        _ => format!("minimum {min} per pool"),
    };
    let room = fitting_min(fleet, pool, min, idle);
    let message = format!(
        "at peak size the fleet keeps {idle} connections open even with no traffic, but database {} accepts {}: {}; {}",
        fleet.database.name,
        fleet.slots.usable,
        super::sum_of_terms(terms, "services"),
        fleet.slots.explanation,
    );
    let mut diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
        .with_label(label)
        .with_related(fleet.slots.max_connections, "the database's limit")
        .with_help(if room >= 0 {
            format!(
                "lower the pool minimum to at most {} so idle pods fit, and let the pool grow on demand",
                room.min(min.saturating_sub(1))
            )
        } else {
            "lower the pool minimum to 0 and the other pools' minimums too: the other services' idle connections alone exceed the slots at peak size".to_owned()
        })
        .with_fingerprint(format!("{}:{idle}>{}", fleet.database.name, fleet.slots.usable));
    if let Some(key) = pool.min.origin.key() {
        diagnostic = diagnostic.with_key(key);
    }
    Some(diagnostic)
}

/// The largest minimum of `pool` (now `min` in effect) that fits the slots at peak
/// size while every other pool keeps its minimum: the instances of every member whose
/// pools hold it (services reading one file share it) grow or shrink with it. Below 0
/// when the other minimums alone exceed the slots.
fn fitting_min(fleet: &Fleet, pool: &crate::model::Pool, min: i64, idle: i64) -> i64 {
    let openers = fleet
        .members
        .iter()
        .filter(|m| m.pools.iter().any(|p| std::ptr::eq(*p, pool)))
        .map(|m| peak_instances(m).saturating_mul(m.processes))
        .fold(0i64, i64::saturating_add);
    let others = idle.saturating_sub(min.saturating_mul(openers));
    fleet
        .slots
        .usable
        .saturating_sub(others)
        .div_euclid(openers.max(1))
}
