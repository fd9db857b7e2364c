//! `pooled-connections-far-above-db-cores`: the fleet can run far more connections at
//! once than the database has cores to serve (catalogue SZ07, HikariCP / PostgreSQL
//! wiki `2 × cores + spindles` [HK-SIZING][PG-WIKI-CONN]). `max-ratio` (4, heuristic)
//! is how far above the formula counts as far.
use crate::capacity;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::rules::topology::{fitting_pool, fleets, place, primary, steady, Fleet};
use crate::rules::{Category, Inputs, RuleMeta, RuleOption, RuleOptions};

static MAX_RATIO: RuleOption = RuleOption {
    name: "max-ratio",
    default: 4.0,
    doc: "How many times 2 × cores the fleet's connections may reach before the rule fires (heuristic).",
    min: 1.0,
    max: 1000.0,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: false,
};

pub static META: RuleMeta = RuleMeta {
    name: "pooled-connections-far-above-db-cores",
    category: Category::Sizing,
    default_severity: Severity::Info,
    inputs: Inputs::NeedsTopology,
    summary: "The fleet can run far more connections at once than the database has cores to serve.",
    options: &[MAX_RATIO],
};

pub struct Rule;

/// A per-process pool maximum that brings the fleet within `limit` (what clears the
/// rule), with the knee to load-test toward: a fleet-wide total alone gave no value to
/// write (8 connections over 10 instances is under 1 each).
fn help(fleet: &Fleet, limit: i64, knee: i64) -> String {
    let rest = format!("load-test toward {knee} connections in total, or put PgBouncer in transaction mode in front");
    match fitting_pool(fleet, steady, limit) {
        Some(pool) if pool >= 1 => format!(
            "lower the pool maximum to at most {pool} per process (the fleet then stays within {limit} connections), and {rest}"
        ),
        _ => format!(
            "no pool maximum of 1 or more per process keeps the fleet within {limit} connections at this instance count: lower the instances, or {rest}"
        ),
    }
}

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let ratio = options.get(&MAX_RATIO);
        for fleet in fleets(model) {
            let Some(cores_setting) = &fleet.database.cores else {
                continue;
            };
            let Some(&cores) = cores_setting.get() else {
                continue;
            };
            if cores <= 0 {
                continue;
            }
            let knee = capacity::hikari_pool_size(cores.unsigned_abs(), 0);
            let knee = i64::try_from(knee).unwrap_or(i64::MAX);
            let demand = fleet.demand(steady);
            let limit = capacity::snap(ratio * knee as f64).floor() as i64;
            if demand <= limit {
                continue;
            }
            let Some((at, key)) = primary(&fleet) else {
                continue;
            };
            let message = format!(
                "the fleet can run {demand} connections at once against database {}, which has {cores} cores ({}): more than {} × the {knee} = 2 × {cores} cores that keep it busy, so extra connections add context switching and lock contention, not throughput",
                fleet.database.name,
                place(model, &cores_setting.origin),
                crate::load::number(ratio),
            );
            let mut diagnostic = Diagnostic::new(&META, Severity::Info, at, message)
                .with_label(format!("{demand} connections for {cores} cores"))
                .with_related(cores_setting.location(), "database cores")
                .with_help(help(&fleet, limit, knee))
                .with_fingerprint(format!("{}:{demand}/{cores}", fleet.database.name));
            if let Some(key) = key {
                diagnostic = diagnostic.with_key(key);
            }
            out.push(diagnostic);
        }
    }
}
