//! `autoscale-max-exceeds-db-slots`: the autoscaler's maximum fleet opens more
//! connections than the database accepts (catalogue TP03): the limit is hit at peak.
//! Both of TP03's conditions: at `maxReplicas`, and during a rolling update while
//! scaled out (`maxReplicas + ⌈maxSurge% × maxReplicas⌉`).
use super::{
    at_max, fleets, max_connections_advice, peak_instances, primary, with_pool_advice, Fleet,
    Headroom, Member,
};
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

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        for fleet in fleets(model).into_iter().map(|f| f.behind_poolers(model)) {
            if fleet.steady_over() {
                continue;
            }
            if !fleet.members.iter().any(|m| m.max_replicas().is_some()) {
                continue;
            }
            // An autoscaler that cannot scale above the steady count (minReplicas =
            // maxReplicas) adds no instance: a rollout at its maximum is the steady
            // rollout, rollout-surge-exceeds-db-slots' finding, not a second one.
            if fleet.members.iter().all(|m| at_max(m) == m.replicas()) {
                continue;
            }
            let bound = if fleet.demand(at_max) > fleet.slots.usable {
                Bound::Maximum
            } else if fleet.demand(peak_instances) > fleet.slots.usable {
                Bound::RolloutAtMaximum
            } else {
                continue;
            };
            let headroom = Headroom::of(model, &fleet, options);
            out.extend(finding(model, &fleet, bound, headroom.as_ref()));
        }
    }
}

/// TP03's two conditions.
#[derive(Clone, Copy, PartialEq)]
enum Bound {
    /// `demand(maxReplicas) > db.usable_slots`.
    Maximum,
    /// `demand(maxReplicas + ⌈maxSurge% × maxReplicas⌉) > db.usable_slots`: a rolling
    /// update while scaled out.
    RolloutAtMaximum,
}

impl Bound {
    fn instances(self, member: &Member) -> i64 {
        match self {
            Bound::Maximum => at_max(member),
            Bound::RolloutAtMaximum => peak_instances(member),
        }
    }

    /// How a member's instance count was reached, for the message.
    fn how(self, model: &Model, member: &Member) -> String {
        match self {
            Bound::Maximum => member.at_max_how(model),
            Bound::RolloutAtMaximum => member.peak_how(model),
        }
    }
}

fn finding(
    model: &Model,
    fleet: &Fleet,
    bound: Bound,
    headroom: Option<&Headroom>,
) -> Option<Diagnostic> {
    let (at, key) = primary(fleet)?;
    let instances = |m: &Member| bound.instances(m);
    let demand = fleet.demand(instances);
    let terms = fleet
        .members
        .iter()
        .map(|m| {
            let connections = m.per_instance.saturating_mul(instances(m));
            (
                m.formula(model, instances(m), &bound.how(model, m)),
                connections,
            )
        })
        .collect();
    let (when, label, lower) = match bound {
        Bound::Maximum => (
            "at the autoscaler's maximum",
            "at max replicas",
            max_keys(fleet),
        ),
        Bound::RolloutAtMaximum => (
            "during a rolling update at the autoscaler's maximum",
            "in a rollout at max replicas",
            format!("{} or maxSurge", max_keys(fleet)),
        ),
    };
    let demand_connections = super::counted(demand, "connection");
    let message = format!(
        "{when} the fleet can open {demand_connections} to database {} but it accepts {}: demand {demand} = {}; {}; scaling out at peak load is when connections are refused",
        fleet.database.name,
        fleet.slots.usable,
        super::sum_of_terms(terms, "services"),
        fleet.slots.explanation,
    );
    // The rollout at the maximum is the larger count: a value that fits it also
    // passes this rule's first condition.
    let help = with_pool_advice(
        fleet,
        peak_instances,
        headroom,
        &format!(
            "lower {}, {}, or put a pooler (PgBouncer) in front",
            fitting_max_replicas(fleet, headroom).map_or_else(
                || lower.clone(),
                |(name, key, max)| format!("{name}'s {key} to at most {max}")
            ),
            max_connections_advice(fleet, fleet.demand(peak_instances), headroom)
        ),
    );
    let mut diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
        .with_label(format!(
            "{demand_connections} {label} > {} slots",
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

/// With one autoscaled service in the fleet: its name and the largest `maxReplicas`,
/// not below its steady count, at which it fits the slots with its rollout surge
/// beside the other services at their peak (and, with `headroom`, keeps its share of
/// them free). None with several autoscalers (which one to lower is a choice) or when
/// no such count fits.
fn fitting_max_replicas(
    fleet: &Fleet,
    headroom: Option<&Headroom>,
) -> Option<(String, &'static str, i64)> {
    let capacity = headroom.map_or(fleet.slots.usable, |h| h.room(fleet.slots.usable));
    let mut scaled = fleet.members.iter().filter(|m| m.max_replicas().is_some());
    let member = scaled.next()?;
    if scaled.next().is_some() {
        return None;
    }
    let (max, _, _) = member.max_replicas()?;
    let others = fleet
        .demand(peak_instances)
        .saturating_sub(member.per_instance.saturating_mul(peak_instances(member)));
    let fits = |n: i64| {
        let instances = n.saturating_add(member.surge_at(n).unwrap_or(0));
        others.saturating_add(member.per_instance.saturating_mul(instances)) <= capacity
    };
    let steady = member.replicas().max(1);
    largest_fitting(steady, max, fits).map(|n| (member.service.name.clone(), max_key(member), n))
}

/// The key a member's autoscaler maximum is written under: the manifest's
/// `max-instances`, else the field of the autoscaler that sets it (HPA `maxReplicas`,
/// KEDA `maxReplicaCount`).
fn max_key(member: &Member) -> &'static str {
    let Some(deployment) = member.service.deployment.as_ref() else {
        return "maxReplicas";
    };
    let declared = deployment
        .max_replicas
        .as_ref()
        .is_some_and(|s| matches!(s.origin, crate::model::Origin::Manifest { .. }));
    match (declared, deployment.autoscaler_max_field) {
        (true, _) => "max-instances",
        (false, Some(field)) => field,
        (false, None) => "maxReplicas",
    }
}

/// The keys of the fleet's autoscaler maxima, for a help that names no count:
/// `max-instances`, `maxReplicas` or both.
fn max_keys(fleet: &Fleet) -> String {
    let mut keys: Vec<&str> = fleet
        .members
        .iter()
        .filter(|m| m.max_replicas().is_some())
        .map(max_key)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    match keys.as_slice() {
        [] => "maxReplicas".to_owned(),
        keys => keys.join(" or "),
    }
}

/// The largest `n` in `from..below` with `fits(n)`, for a `fits` that holds up to some
/// count and not above it (a fleet's connections grow with its instances): a binary
/// search, so an autoscaler maximum of two billion costs some thirty checks.
fn largest_fitting(from: i64, below: i64, fits: impl Fn(i64) -> bool) -> Option<i64> {
    if from >= below || !fits(from) {
        return None;
    }
    // `fits(low)` holds and every count from `high` on fails.
    let (mut low, mut high) = (from, below);
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if fits(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    Some(low)
}
