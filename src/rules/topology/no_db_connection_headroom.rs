//! `no-db-connection-headroom`: at its peak size the fleet leaves less than a share of
//! the database's slots free for migrations, consoles and monitoring (catalogue TP05).
//! The 10 % share is a heuristic, the `min-free-share` option.
use super::{fleets, peak_instances, primary, Fleet};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOption, RuleOptions};

static MIN_FREE_SHARE: RuleOption = RuleOption {
    name: "min-free-share",
    default: 0.1,
    doc: "Share of the database's usable slots to keep free at the fleet's peak (heuristic).",
    min: 0.0,
    max: 1.0,
    aliases: &[],
};

pub static META: RuleMeta = RuleMeta {
    name: "no-db-connection-headroom",
    category: Category::Topology,
    default_severity: Severity::Warning,
    inputs: Inputs::NeedsTopology,
    summary: "At its peak size the fleet leaves almost no database connections free for operators and migrations.",
    options: &[MIN_FREE_SHARE],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut Vec<Diagnostic>) {
        let share = options.get(&MIN_FREE_SHARE);
        for fleet in fleets(model) {
            let demand = fleet.demand(peak_instances);
            // Above the limit, the error rules speak; this one is about the margin.
            if demand > fleet.slots.usable || fleet.steady_over() {
                continue;
            }
            // The slots to keep free, rounded up to a whole number after snapping away the
            // f64 error of `share × usable` (0.3 × 90 keeps exactly 27 free, ceiling 63).
            let keep_free = crate::capacity::snap(share * fleet.slots.usable as f64).ceil() as i64;
            let ceiling = fleet.slots.usable - keep_free;
            if demand > ceiling {
                out.extend(finding(model, &fleet, demand, ceiling, share));
            }
        }
    }
}

fn finding(
    model: &Model,
    fleet: &Fleet,
    demand: i64,
    ceiling: i64,
    share: f64,
) -> Option<Diagnostic> {
    let (at, key) = primary(fleet)?;
    let free = fleet.slots.usable - demand;
    let terms: Vec<String> = fleet
        .members
        .iter()
        .map(|m| m.formula(model, peak_instances(m), &m.peak_how(model)))
        .collect();
    let message = format!(
        "at peak the fleet can open {demand} of the {} connections database {} accepts, leaving {free} free (less than {:.0}%): {}; {}",
        fleet.slots.usable,
        fleet.database.name,
        share * 100.0,
        terms.join(" + "),
        fleet.slots.explanation,
    );
    let mut diagnostic = Diagnostic::new(&META, Severity::Warning, at, message)
        .with_label(format!("{free} connections left at peak"))
        .with_related(fleet.slots.max_connections, "the database's limit")
        .with_help(format!(
            "keep peak demand at or below {ceiling} connections (lower the pool maximum or the replica bounds), or raise max_connections"
        ))
        .with_fingerprint(format!("{}:{demand}/{}", fleet.database.name, fleet.slots.usable));
    if let Some(key) = key {
        diagnostic = diagnostic.with_key(key);
    }
    Some(diagnostic)
}
