//! `autoscale-max-exceeds-db-slots`: the autoscaler's maximum fleet opens more
//! connections than the database accepts (catalogue TP03): the limit is hit at peak.
use super::{fitting_pool, fleets, primary, steady, Fleet, Member};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "autoscale-max-exceeds-db-slots",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "At the autoscaler's maximum replicas the fleet opens more connections than the database accepts.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for fleet in fleets(model) {
            if fleet.demand(steady) > fleet.slots.usable {
                continue;
            }
            if !fleet.members.iter().any(|m| m.max_replicas().is_some()) {
                continue;
            }
            let demand = fleet.demand(at_max);
            if demand > fleet.slots.usable {
                out.extend(finding(model, &fleet, demand));
            }
        }
    }
}

/// Instances at the autoscaler's maximum (replicas when there is no autoscaler).
fn at_max(member: &Member) -> i64 {
    member
        .max_replicas()
        .map_or(member.replicas(), |(max, _, _)| max.max(member.replicas()))
}

fn finding(model: &Model, fleet: &Fleet, demand: i64) -> Option<Diagnostic> {
    let (at, key) = primary(fleet)?;
    let terms: Vec<String> = fleet
        .members
        .iter()
        .map(|m| {
            let how = match m.max_replicas() {
                Some(_) => "autoscaler maximum".to_owned(),
                None => m.replicas_place(model),
            };
            m.formula(model, at_max(m), &how)
        })
        .collect();
    let message = format!(
        "at the autoscaler's maximum the fleet can open {demand} connections to database {} but it accepts {}: demand {demand} = {}; {}; scaling out at peak load is when connections are refused",
        fleet.database.name,
        fleet.slots.usable,
        terms.join(" + "),
        fleet.slots.explanation,
    );
    let mut help =
        "lower maxReplicas, raise max_connections, or put a pooler (PgBouncer) in front".to_owned();
    if let Some(pool) = fitting_pool(fleet, at_max) {
        help = format!("lower the pool maximum to at most {pool} per process, or {help}");
    }
    let mut diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
        .with_label(format!(
            "{demand} connections at max replicas > {} slots",
            fleet.slots.usable
        ))
        .with_related(fleet.slots.max_connections, "the database's limit")
        .with_help(help)
        .with_fingerprint(format!(
            "{}:{demand}>{}",
            fleet.database.name, fleet.slots.usable
        ));
    for member in &fleet.members {
        if let Some((max, location, _)) = member.max_replicas() {
            diagnostic = diagnostic.with_related(Some(location), format!("up to {max} replicas"));
        }
    }
    if let Some(key) = key {
        diagnostic = diagnostic.with_key(key);
    }
    Some(diagnostic)
}
