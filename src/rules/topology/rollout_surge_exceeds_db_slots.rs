//! `rollout-surge-exceeds-db-slots`: during a rolling update old and new pods run at
//! once (catalogue TP02, §1.11): `replicas + maxSurge` pods for the controller, plus
//! `maxUnavailable` still-terminating pods as a heuristic upper bound.
use super::{at_max, fleets, primary, with_pool_advice, Fleet, Headroom, Member};
use crate::capacity::RolloutPeak;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::{Category, Inputs, RuleMeta, RuleOption, RuleOptions};

/// Whether the warning counts the pods still terminating (the catalogue's heuristic
/// upper bound): 1 counts them, 0 leaves the error's bound alone.
static COUNT_TERMINATING: RuleOption = RuleOption {
    name: "count-terminating",
    default: 1.0,
    doc: "1: warn when the rollout's pods plus those still terminating (maxUnavailable) exceed the slots; 0: report only what the controller counts (heuristic).",
    min: 0.0,
    max: 1.0,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: true,
};

pub static META: RuleMeta = RuleMeta {
    name: "rollout-surge-exceeds-db-slots",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "A rolling update runs old and new pods at once and their connections exceed the database's slots.",
    options: &[COUNT_TERMINATING],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let terminating = options.get(&COUNT_TERMINATING) >= 1.0;
        for fleet in fleets(model).into_iter().map(|f| f.behind_poolers(model)) {
            // Steady demand above the limit is fleet-exceeds-db-slots' finding.
            if fleet.steady_over() {
                continue;
            }
            if !fleet.members.iter().any(|m| m.rollout().is_some()) {
                continue;
            }
            let pods = |m: &Member, count: fn(&RolloutPeak) -> u64| {
                m.rollout().map_or(m.replicas(), |r| {
                    i64::try_from(count(&r)).unwrap_or(i64::MAX)
                })
            };
            let controller = |m: &Member| pods(m, |r| r.controller);
            let draining = |m: &Member| match terminating {
                true => pods(m, |r| r.with_terminating),
                false => pods(m, |r| r.controller),
            };
            let (demand, severity, bound) = if fleet.demand(controller) > fleet.slots.usable {
                (fleet.demand(controller), Severity::Error, Bound::Controller)
            } else if terminating && fleet.demand(draining) > fleet.slots.usable {
                (fleet.demand(draining), Severity::Warning, Bound::Draining)
            } else {
                continue;
            };
            let instances: &dyn Fn(&Member) -> i64 = match bound {
                Bound::Controller => &controller,
                Bound::Draining => &draining,
            };
            let finding = Finding {
                demand,
                severity,
                bound,
                instances,
                help: help(
                    &fleet,
                    &draining,
                    Headroom::of(model, &fleet, options).as_ref(),
                ),
            };
            out.extend(finding.diagnostic(model, &fleet));
        }
    }
}

#[derive(Clone, Copy)]
enum Bound {
    /// `replicas + maxSurge`: what the Deployment controller allows.
    Controller,
    /// Plus pods still terminating (not counted by the controller).
    Draining,
}

/// What one finding reports.
struct Finding<'f> {
    demand: i64,
    severity: Severity,
    bound: Bound,
    instances: &'f dyn Fn(&Member) -> i64,
    help: String,
}

/// The help for either tier. The pool maximum it names fits the warning tier's count
/// (terminating pods included), which is never below the error tier's, so following it
/// clears both; `maxSurge: 0` with `maxUnavailable: 1` is offered only when one pod
/// above the replicas fits, since that is still what a rollout then runs.
fn help(fleet: &Fleet, draining: &dyn Fn(&Member) -> i64, headroom: Option<&Headroom>) -> String {
    let one_extra = |m: &Member| m.replicas() + i64::from(m.rollout().is_some());
    let extra_demand = fleet.demand(one_extra);
    // With maxSurge 0 the headroom rule's peak is the autoscaler's maximum, no surge.
    let keeps_headroom =
        headroom.is_none_or(|h| fleet.demand(at_max) <= h.room(fleet.slots.usable));
    let rest = if extra_demand <= fleet.slots.usable && keeps_headroom {
        "set maxSurge to 0 and maxUnavailable to 1, use the Recreate strategy, or put a pooler (PgBouncer) in front".to_owned()
    } else {
        format!(
            "use the Recreate strategy or put a pooler (PgBouncer) in front (maxSurge 0 with maxUnavailable 1 still runs one pod above the replicas while the old one terminates: {extra_demand} connections)"
        )
    };
    with_pool_advice(fleet, draining, headroom, &rest)
}

impl Finding<'_> {
    fn diagnostic(&self, model: &Model, fleet: &Fleet) -> Option<Diagnostic> {
        let Finding {
            demand,
            severity,
            bound,
            instances,
            ..
        } = *self;
        let (at, key) = primary(fleet)?;
        let terms: Vec<String> = fleet
            .members
            .iter()
            .map(|m| {
                let how = match (bound, m.rollout()) {
                    (_, None) => m.replicas_place(model),
                    (Bound::Controller, Some(r)) => {
                        format!("{} replicas + {} surge", m.replicas(), r.surge)
                    }
                    (Bound::Draining, Some(r)) => format!(
                        "{} replicas + {} surge + {} terminating",
                        m.replicas(),
                        r.surge,
                        r.with_terminating - r.controller
                    ),
                };
                m.formula(model, instances(m), &how)
            })
            .collect();
        let when = match bound {
            Bound::Controller => "during a rolling update",
            Bound::Draining => "during a rolling update, counting pods that are still terminating",
        };
        let demand_connections = super::counted(demand, "connection");
        let message = format!(
            "{when} the fleet can open {demand_connections} to database {} but it accepts {}: demand {demand} = {}; {}; the new pods are the ones refused",
            fleet.database.name,
            fleet.slots.usable,
            terms.join(" + "),
            fleet.slots.explanation,
        );
        let mut diagnostic = Diagnostic::new(&META, severity, at, message)
            .with_label(format!(
                "{demand_connections} at rollout > {} slots",
                fleet.slots.usable
            ))
            .with_related(fleet.slots.max_connections, "the database's limit")
            .with_help(self.help.clone())
            .with_fingerprint(format!(
                "{}:{demand}>{}",
                fleet.database.name, fleet.slots.usable
            ));
        for member in &fleet.members {
            let surge = member
                .service
                .deployment
                .as_ref()
                .and_then(|d| d.max_surge.as_ref())
                .and_then(|s| s.location());
            diagnostic = diagnostic.with_related(surge, "maxSurge");
        }
        if let Some(key) = key {
            diagnostic = diagnostic.with_key(key);
        }
        Some(diagnostic)
    }
}
