//! `fleet-exceeds-db-slots`: the steady fleet can open more connections than the
//! database accepts (catalogue TP01): the excess fails with `too many clients`.
use super::{fleets, primary, steady, with_pool_advice, Fleet};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "fleet-exceeds-db-slots",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "The steady fleet can open more connections than the database accepts.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        for fleet in fleets(model) {
            let demand = fleet.demand(steady);
            if demand <= fleet.slots.usable {
                continue;
            }
            out.extend(finding(model, &fleet, demand));
        }
    }
}

fn finding(model: &Model, fleet: &Fleet, demand: i64) -> Option<Diagnostic> {
    let (at, key) = primary(fleet)?;
    let terms: Vec<String> = fleet
        .members
        .iter()
        .map(|m| m.formula(model, m.replicas(), &m.replicas_place(model)))
        .collect();
    let message = format!(
        "the fleet can open {demand} connections to database {} but it accepts {}: demand {demand} = {}; {}",
        fleet.database.name,
        fleet.slots.usable,
        terms.join(" + "),
        fleet.slots.explanation,
    );
    let help = with_pool_advice(
        fleet,
        steady,
        &format!(
            "raise max_connections to at least {} or put a pooler (PgBouncer) in front",
            demand.saturating_add(fleet.slots.reserved)
        ),
    );
    let mut diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
        .with_label(format!(
            "{demand} connections > {} slots",
            fleet.slots.usable
        ))
        .with_related(fleet.slots.max_connections, "the database's limit")
        .with_help(help)
        .with_fingerprint(format!(
            "{}:{demand}>{}",
            fleet.database.name, fleet.slots.usable
        ));
    for member in &fleet.members {
        diagnostic = diagnostic.with_related(
            member.replicas.location(),
            format!("{} instances", member.replicas()),
        );
    }
    if let Some(key) = key {
        diagnostic = diagnostic.with_key(key);
    }
    Some(diagnostic)
}
