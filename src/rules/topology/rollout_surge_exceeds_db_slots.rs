//! `rollout-surge-exceeds-db-slots`: during a rolling update old and new pods run at
//! once (catalogue TP02, §1.11): `replicas + maxSurge` pods for the controller, plus
//! `maxUnavailable` still-terminating pods as a heuristic upper bound.
use super::{at_max, fleets, primary, with_pool_advice, Fleet, Headroom, Member};
use crate::capacity::RolloutPeak;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{ArgoStrategy, Model};
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
/// clears both; `maxSurge: 0` with `maxUnavailable: 1` is offered to a Deployment only
/// when one pod above the replicas fits, since that is still what its rollout then runs
/// (a DaemonSet's runs none: [`crate::capacity::rollout_peak`]). What bounds the extra
/// pods depends on the workload ([`update_advice`]).
fn help(fleet: &Fleet, draining: &dyn Fn(&Member) -> i64, headroom: Option<&Headroom>) -> String {
    let one_extra = |m: &Member| {
        let extra = m.rollout().is_some() && update_kind(m) != UpdateKind::DaemonSet;
        m.replicas() + i64::from(extra)
    };
    let extra_demand = fleet.demand(one_extra);
    // With maxSurge 0 the headroom rule's peak is the autoscaler's maximum, no surge.
    let keeps_headroom =
        headroom.is_none_or(|h| fleet.demand(at_max) <= h.room(fleet.slots.usable));
    let one_extra_fits = extra_demand <= fleet.slots.usable && keeps_headroom;
    let strategies = update_strategies(fleet);
    let rest = if strategies.iter().all(|(s, _)| *s == UpdateKind::Deployment) {
        // Deployments only: the advice as it has always read.
        if one_extra_fits {
            "set maxSurge to 0 and maxUnavailable to 1, use the Recreate strategy, or put a pooler (PgBouncer) in front".to_owned()
        } else {
            format!(
                "use the Recreate strategy or put a pooler (PgBouncer) in front (maxSurge 0 with maxUnavailable 1 still runs one pod above the replicas while the old one terminates: {extra_demand} connections)"
            )
        }
    } else {
        update_advice(&strategies, one_extra_fits, extra_demand)
    };
    with_pool_advice(fleet, draining, headroom, &rest)
}

/// How a rolling member updates, which decides what a help may change: a StatefulSet
/// has no surge and is never one (poollint counts no rollout for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UpdateKind {
    /// A Deployment's `RollingUpdate` (`Recreate` is the other strategy).
    Deployment,
    /// A DaemonSet's `RollingUpdate`: `OnDelete` is the other strategy; `maxSurge` 0
    /// runs no pod above the nodes.
    DaemonSet,
    Argo(ArgoStrategy),
}

fn update_kind(member: &Member) -> UpdateKind {
    let Some(deployment) = member.service.deployment.as_ref() else {
        return UpdateKind::Deployment;
    };
    match deployment.argo_strategy {
        Some(strategy) => UpdateKind::Argo(strategy),
        None if deployment.daemon_set => UpdateKind::DaemonSet,
        None => UpdateKind::Deployment,
    }
}

/// The update kinds of the fleet's rolling members, each with the names of the
/// services that use it, in the fleet's order.
fn update_strategies<'f>(fleet: &'f Fleet) -> Vec<(UpdateKind, Vec<&'f str>)> {
    let mut out: Vec<(UpdateKind, Vec<&'f str>)> = Vec::new();
    for member in fleet.members.iter().filter(|m| m.rollout().is_some()) {
        let kind = update_kind(member);
        let name = member.service.name.as_str();
        match out.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, names)) => names.push(name),
            None => out.push((kind, vec![name])),
        }
    }
    out
}

fn argo_strategy(member: &Member) -> Option<ArgoStrategy> {
    member.service.deployment.as_ref()?.argo_strategy
}

/// What bounds the update's extra pods, for each kind of a fleet that is not all
/// Deployments. A DaemonSet has no Recreate strategy (`RollingUpdate` or `OnDelete`,
/// kubernetes `pkg/apis/apps/types.go` `DaemonSetUpdateStrategyType`); its `maxSurge: 0`
/// (with `maxUnavailable: 1`, its defaults) replaces a node's pod only once the old one
/// is gone, and `OnDelete` replaces none until it is deleted, so either runs no pod above
/// the nodes. For an Argo Rollout (argo-rollouts `utils/replicaset`): a Rollout has no
/// Recreate strategy; a
/// blue-green update scales the preview to the full replicas before the switch, whatever
/// its `previewReplicaCount`, so only a canary bounds it; a traffic-routed canary keeps
/// the stable fully scaled and ignores `maxSurge` (`CalculateReplicaCountsForTrafficRoutedCanary`)
/// unless `dynamicStableScale: true` scales the stable down as traffic moves; a plain
/// canary's `maxSurge: 0` with `maxUnavailable: 1` keeps it at the replicas
/// (`CalculateReplicaCountsForBasicCanary`), one more while the old pod terminates.
fn update_advice(
    strategies: &[(UpdateKind, Vec<&str>)],
    one_extra_fits: bool,
    extra_demand: i64,
) -> String {
    const CANARY: &str =
        "a canary strategy without trafficRouting, with maxSurge 0 and maxUnavailable 1";
    const DAEMON_SET: &str = "set maxSurge to 0 and maxUnavailable to 1 (the DaemonSet's defaults: a node's new pod then starts once its old one has exited) or use the OnDelete update strategy";
    let advice = |kind: UpdateKind| -> Option<String> {
        let text = match (kind, one_extra_fits) {
            (UpdateKind::DaemonSet, _) => DAEMON_SET.to_owned(),
            (UpdateKind::Deployment, true) => "set maxSurge to 0 and maxUnavailable to 1 or use the Recreate strategy".to_owned(),
            (UpdateKind::Deployment, false) => "use the Recreate strategy".to_owned(),
            (UpdateKind::Argo(ArgoStrategy::Canary), true) => "set the canary's maxSurge to 0 and maxUnavailable to 1".to_owned(),
            (UpdateKind::Argo(ArgoStrategy::BlueGreen), true) => format!("replace the blueGreen strategy by {CANARY} (a blue-green update runs the full replicas twice: previewReplicaCount holds only until promotion)"),
            (UpdateKind::Argo(ArgoStrategy::TrafficRoutedCanary), true) => format!("set dynamicStableScale: true, which scales the stable pods down as traffic moves to the canary (maxSurge does not apply with trafficRouting), or use {CANARY}"),
            (UpdateKind::Argo(ArgoStrategy::TrafficRoutedCanary), false) => "set dynamicStableScale: true, which scales the stable pods down as traffic moves to the canary (maxSurge does not apply with trafficRouting)".to_owned(),
            (UpdateKind::Argo(ArgoStrategy::Canary | ArgoStrategy::BlueGreen), false) => return None,
        };
        Some(text)
    };
    let several = strategies.len() > 1;
    let clauses: Vec<String> = strategies
        .iter()
        .filter_map(|(kind, names)| {
            let text = advice(*kind)?;
            Some(match several {
                true => format!("for {} ({}): {text}", names.join(", "), kind_name(*kind)),
                false => text,
            })
        })
        .collect();
    let pooler = "put a pooler (PgBouncer) in front";
    let mut rest = match clauses.is_empty() {
        true => pooler.to_owned(),
        false => format!("{}; or {pooler}", clauses.join("; ")),
    };
    // Said only where it would be offered: a DaemonSet's maxSurge 0 runs no extra pod.
    let offers_one_extra = strategies
        .iter()
        .any(|(kind, _)| *kind != UpdateKind::DaemonSet);
    if !one_extra_fits && offers_one_extra {
        rest.push_str(&format!(" (maxSurge 0 with maxUnavailable 1, in a Deployment or a canary without trafficRouting, still runs one pod above the replicas while the old one terminates: {extra_demand} connections)"));
    }
    rest
}

/// The workload and strategy a clause of [`update_advice`] is for.
fn kind_name(kind: UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Deployment => "rolling update",
        UpdateKind::DaemonSet => "DaemonSet",
        UpdateKind::Argo(ArgoStrategy::BlueGreen) => "blueGreen Rollout",
        UpdateKind::Argo(ArgoStrategy::TrafficRoutedCanary) => "traffic-routed canary Rollout",
        UpdateKind::Argo(ArgoStrategy::Canary) => "canary Rollout",
    }
}

/// What the related span of a member's surge is: the `maxSurge` field (or the block
/// its default belongs to), or for an Argo Rollout whose update doubles its pods the
/// block that makes it so.
fn surge_label(member: &Member) -> &'static str {
    match argo_strategy(member) {
        Some(ArgoStrategy::BlueGreen) => "blueGreen strategy",
        Some(ArgoStrategy::TrafficRoutedCanary) => "trafficRouting",
        Some(ArgoStrategy::Canary) | None => "maxSurge",
    }
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
            diagnostic = diagnostic.with_related(surge, surge_label(member));
        }
        if let Some(key) = key {
            diagnostic = diagnostic.with_key(key);
        }
        Some(diagnostic)
    }
}
