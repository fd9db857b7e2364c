//! `no-db-connection-headroom`: at its peak size the fleet leaves less than a share of
//! the database's slots free for migrations, consoles and monitoring (catalogue TP05).
//! The 10 % share is a heuristic, the `min-free-share` option.
use super::{fitting_pool, fleets, peak_instances, place, primary, steady, usable_slots, Slots};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{BudgetPart, Database, Location, Model, Pooler};
use crate::rules::{Category, Inputs, RuleMeta, RuleOption, RuleOptions};

pub(crate) static MIN_FREE_SHARE: RuleOption = RuleOption {
    name: "min-free-share",
    default: 0.1,
    doc: "Share of the database's usable slots to keep free at the fleet's peak (heuristic).",
    min: 0.0,
    max: 1.0,
    min_exclusive: false,
    max_exclusive: true,
    aliases: &[],
    whole: false,
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

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let share = options.get(&MIN_FREE_SHARE);
        // The server connections of the PgBouncers in front of each database, which
        // `poollint capacity` counts in the same peak (autoscaling adds clients, not
        // server pools), in model order.
        let links = Links::new(model);
        let mut pooled: Vec<(&Database, Vec<Pooled>)> = Vec::new();
        for pooler in &model.poolers {
            let Some(database) = links.pooler_database(pooler) else {
                continue;
            };
            let entry = Pooled::of(model, &links, pooler);
            if entry.connections <= 0 {
                continue;
            }
            match pooled.iter_mut().find(|(d, _)| std::ptr::eq(*d, database)) {
                Some((_, list)) => list.push(entry),
                None => pooled.push((database, vec![entry])),
            }
        }
        let mut take_pooled = |database: &Database| {
            pooled
                .iter()
                .position(|(d, _)| std::ptr::eq(*d, database))
                .map(|i| pooled.remove(i).1)
                .unwrap_or_default()
        };
        for fleet in fleets(model) {
            let poolers = take_pooled(fleet.database);
            let direct = fleet.demand(peak_instances);
            // Above the limit, the error rules speak; this one is about the margin.
            if direct > fleet.slots.usable || fleet.steady_over() {
                continue;
            }
            let server = pooled_total(&poolers);
            // pgbouncer-server-conns-exceed-postgres reports the steady fleet and the
            // poolers over the limit.
            if fleet.demand(steady).saturating_add(server) > fleet.slots.usable {
                continue;
            }
            let demand = direct.saturating_add(server);
            // Above the slots with the poolers counted: the autoscale and rollout rules
            // report it (they count the poolers too); "-3 free" is no margin.
            if demand > fleet.slots.usable {
                continue;
            }
            let ceiling = ceiling(share, fleet.slots.usable);
            if demand > ceiling {
                let Some((at, key)) = primary(&fleet) else {
                    continue;
                };
                let mut terms: Vec<(String, i64)> = fleet
                    .members
                    .iter()
                    .map(|m| {
                        let connections = m.per_instance.saturating_mul(peak_instances(m));
                        (
                            m.formula(model, peak_instances(m), &m.peak_how(model)),
                            connections,
                        )
                    })
                    .collect();
                terms.extend(poolers.iter().map(|p| (p.term(model), p.connections)));
                let about = About {
                    database: fleet.database,
                    slots: &fleet.slots,
                    at,
                    key,
                    poolers: !poolers.is_empty(),
                    // The pool maximum that keeps the share free beside the poolers.
                    pool_max: fitting_pool(&fleet, peak_instances, ceiling.saturating_sub(server))
                        .filter(|&n| n >= 1),
                };
                out.push(finding(&about, demand, ceiling, share, terms));
            }
        }
        // Databases only PgBouncers reach.
        for (database, poolers) in pooled {
            let Some(slots) = usable_slots(model, database) else {
                continue;
            };
            let demand = pooled_total(&poolers);
            if demand > slots.usable {
                continue;
            }
            let ceiling = ceiling(share, slots.usable);
            if demand <= ceiling {
                continue;
            }
            let Some(at) = poolers
                .iter()
                .max_by_key(|p| p.connections)
                .and_then(|p| p.at())
            else {
                continue;
            };
            let terms = poolers
                .iter()
                .map(|p| (p.term(model), p.connections))
                .collect();
            let about = About {
                database,
                slots: &slots,
                at: at.0,
                key: Some(at.1),
                poolers: true,
                pool_max: None,
            };
            out.push(finding(&about, demand, ceiling, share, terms));
        }
    }
}

/// The most connections the fleet may open at peak and keep `share` of `usable` free:
/// the slots to keep free are rounded up to a whole number after snapping away the f64
/// error of `share × usable` (0.3 × 90 keeps exactly 27 free, ceiling 63).
pub(crate) fn ceiling(share: f64, usable: i64) -> i64 {
    let keep_free = crate::capacity::snap(share * usable as f64).ceil() as i64;
    usable - keep_free
}

/// The server connections all PgBouncers in front of `database` may open, which this
/// rule adds to the fleet's peak demand.
pub(crate) fn pooled_server_connections(model: &Model, database: &Database) -> i64 {
    poolers_of(model, database)
        .into_iter()
        .map(|p| p.connections.max(0))
        .fold(0i64, i64::saturating_add)
}

/// The PgBouncers in front of `database` that open server connections: each one's
/// count and its term for messages (`PgBouncer bouncer 1 instance (…) × 40 server
/// connections (…)`), in model order.
pub(crate) fn poolers_in_front(model: &Model, database: &Database) -> Vec<(i64, String)> {
    poolers_of(model, database)
        .into_iter()
        .filter(|p| p.connections > 0)
        .map(|p| (p.connections, p.term(model)))
        .collect()
}

/// A PgBouncer's server connections, its term for messages and its largest server pool
/// setting with its key.
pub(crate) type ServerPools = (i64, String, Option<(Location, String)>);

/// The PgBouncers in front of `database` that open server connections, each with its
/// count, its term for messages and the setting of its largest server pool with its key
/// (the value to lower).
pub(crate) fn server_pools_in_front(model: &Model, database: &Database) -> Vec<ServerPools> {
    poolers_of(model, database)
        .into_iter()
        .filter(|p| p.connections > 0)
        .map(|p| (p.connections, p.term(model), p.at()))
        .collect()
}

/// The PgBouncers whose `connects-to` is `database`, with their server connections.
fn poolers_of<'m>(model: &'m Model, database: &'m Database) -> Vec<Pooled<'m>> {
    let links = Links::new(model);
    model
        .poolers
        .iter()
        .filter(|p| {
            links
                .pooler_database(p)
                .is_some_and(|d| std::ptr::eq(d, database))
        })
        .map(|pooler| Pooled::of(model, &links, pooler))
        .collect()
}

/// A PgBouncer in front of the database and the server connections all its instances
/// may open.
struct Pooled<'m> {
    pooler: &'m Pooler,
    /// One instance's pools ([`super::pooler_budget`]).
    parts: Vec<BudgetPart<'m>>,
    connections: i64,
}

impl<'m> Pooled<'m> {
    fn of(model: &'m Model, links: &Links<'m>, pooler: &'m Pooler) -> Self {
        let parts = super::pooler_budget(model, links, pooler);
        let connections = pooler
            .instance_count()
            .saturating_mul(Pooler::server_budget_total(&parts));
        Pooled {
            pooler,
            parts,
            connections,
        }
    }

    /// `PgBouncer bouncer 2 instances (poollint.toml:9) × 48 server connections (pgbouncer.ini:6)`.
    fn term(&self, model: &Model) -> String {
        let instances = self.pooler.instance_count();
        let instances_place = self
            .pooler
            .instances
            .as_ref()
            .map_or("none declared".to_owned(), |i| place(model, &i.origin));
        let budget = Pooler::server_budget_total(&self.parts);
        let budget_place = match self.parts.as_slice() {
            [one] => format!(" ({})", place(model, &one.setting.origin)),
            _ => String::new(),
        };
        format!(
            "PgBouncer {} {instances} instance{} ({instances_place}) × {budget} server connections{budget_place}",
            self.pooler.name,
            if instances == 1 { "" } else { "s" },
        )
    }

    /// The setting of the pooler's largest budget part and its key.
    fn at(&self) -> Option<(Location, String)> {
        let largest = self.parts.iter().max_by_key(|p| p.connections)?;
        Some((
            largest.setting.location()?,
            largest
                .setting
                .origin
                .key()
                .unwrap_or("pgbouncer.default_pool_size")
                .to_owned(),
        ))
    }
}

fn pooled_total(poolers: &[Pooled]) -> i64 {
    poolers
        .iter()
        .map(|p| p.connections)
        .fold(0i64, i64::saturating_add)
}

/// The database a finding is about and where it points.
struct About<'a> {
    database: &'a Database,
    slots: &'a Slots,
    at: Location,
    key: Option<String>,
    poolers: bool,
    /// The largest pool maximum per process that keeps the share free, when one does.
    pool_max: Option<i64>,
}

/// The fewest `max_connections` that keep `share` free with `demand` at peak: the
/// usable slots [`usable_keeping`] gives, plus what the reserves take.
fn max_connections_keeping(share: f64, demand: i64, slots: &Slots) -> i64 {
    usable_keeping(share, demand).saturating_add(slots.reserved)
}

/// The fewest usable slots whose [`ceiling`] reaches `demand`: the f64 estimate, then
/// corrected with the rule's own rounding (the ceiling grows by at most 1 per slot, so
/// a few steps suffice).
pub(crate) fn usable_keeping(share: f64, demand: i64) -> i64 {
    let estimate = (demand as f64 / (1.0 - share)).ceil() as i64;
    let mut usable = estimate.saturating_sub(3).max(demand);
    for _ in 0..64 {
        if ceiling(share, usable) >= demand {
            break;
        }
        usable = usable.saturating_add(1);
    }
    usable
}

fn finding(
    about: &About,
    demand: i64,
    ceiling: i64,
    share: f64,
    terms: Vec<(String, i64)>,
) -> Diagnostic {
    let usable = about.slots.usable;
    let free = usable - demand;
    let message = format!(
        "at peak the fleet can open {demand} of the {usable} connections database {} accepts, leaving {free} free (less than {}%): {}; {}",
        about.database.name,
        crate::load::number(share * 100.0),
        super::sum_of_terms(terms, "services and poolers"),
        about.slots.explanation,
    );
    let lower = match (about.pool_max, about.poolers) {
        (Some(n), true) => format!("lower the pool maximum to at most {n} per process, the replica bounds or PgBouncer's server pools"),
        (Some(n), false) => format!("lower the pool maximum to at most {n} per process, or the replica bounds"),
        (None, true) => "lower the pool maximum, the replica bounds or PgBouncer's server pools".to_owned(),
        (None, false) => "lower the pool maximum or the replica bounds".to_owned(),
    };
    let raise = max_connections_keeping(share, demand, about.slots);
    let mut diagnostic = Diagnostic::new(&META, Severity::Warning, about.at, message)
        .with_label(format!("{} left at peak", super::counted(free, "connection")))
        .with_related(about.slots.max_connections, "the database's limit")
        .with_help(format!(
            "keep peak demand at or below {ceiling} connections ({lower}), or raise max_connections to at least {raise}"
        ))
        .with_fingerprint(format!("{}:{demand}/{usable}", about.database.name));
    if let Some(key) = &about.key {
        diagnostic = diagnostic.with_key(key.clone());
    }
    diagnostic
}
