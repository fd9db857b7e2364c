//! `pooled-connections-far-above-db-cores`: the fleet can run far more connections at
//! once than the database has cores to serve (catalogue SZ07, HikariCP / PostgreSQL
//! wiki `2 × cores + spindles` [HK-SIZING][PG-WIKI-CONN]). `max-ratio` (4, heuristic)
//! is how far above the formula counts as far.
use crate::capacity;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Location, Model};
use crate::rules::topology::no_db_connection_headroom::{server_pools_in_front, ServerPools};
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

/// What the database sees: the steady demand of the services connecting directly, and
/// the server connections of the PgBouncers in front of it (what their clients run at
/// once there, however many client connections they hold).
struct Seen<'m> {
    fleet: Option<&'m Fleet<'m>>,
    direct: i64,
    /// Each PgBouncer's server connections, term and largest server pool setting.
    pooled: Vec<ServerPools>,
}

impl Seen<'_> {
    fn pooled_total(&self) -> i64 {
        self.pooled
            .iter()
            .map(|(connections, _, _)| *connections)
            .fold(0i64, i64::saturating_add)
    }

    fn total(&self) -> i64 {
        self.direct.saturating_add(self.pooled_total())
    }

    /// `60 from the services connecting directly + PgBouncer bouncer 2 instances (…) ×
    /// 60 server connections (…)`, when PgBouncers take part.
    fn terms(&self) -> String {
        if self.pooled.is_empty() {
            return String::new();
        }
        let mut terms: Vec<String> = Vec::new();
        if self.fleet.is_some() {
            terms.push(format!(
                "{} from the services connecting directly",
                self.direct
            ));
        }
        terms.extend(self.pooled.iter().map(|(_, term, _)| term.clone()));
        format!(" ({})", terms.join(" + "))
    }

    /// Where the finding points: the largest direct pool, else the largest PgBouncer
    /// server pool.
    fn at(&self) -> Option<(Location, Option<String>)> {
        self.fleet.and_then(primary).or_else(|| {
            self.pooled
                .iter()
                .max_by_key(|(connections, _, _)| *connections)
                .and_then(|(_, _, at)| at.clone())
                .map(|(location, key)| (location, Some(key)))
        })
    }
}

/// The values that bring what the database sees within `limit`: a per-process pool
/// maximum for the services connecting directly (a fleet-wide total alone gave no value
/// to write: 8 connections over 10 instances is under 1 each) and PgBouncer's server
/// pools, with the knee to load-test toward. PgBouncer in front is offered only where
/// there is none.
fn help(seen: &Seen, limit: i64, knee: i64) -> String {
    if seen.pooled.is_empty() {
        let rest = format!("load-test toward {knee} connections in total, or put PgBouncer in transaction mode in front");
        return match seen.fleet.and_then(|fleet| fitting_pool(fleet, steady, limit)) {
            Some(pool) if pool >= 1 => format!(
                "lower the pool maximum to at most {pool} per process (the fleet then stays within {limit} connections), and {rest}"
            ),
            _ => format!(
                "no pool maximum of 1 or more per process keeps the fleet within {limit} connections at this instance count: lower the instances, or {rest}"
            ),
        };
    }
    // The services connecting directly unchanged, when they leave PgBouncer a server
    // connection; else they are better served through it too.
    let room = limit.saturating_sub(seen.direct);
    let pools = "PgBouncer's server pools (default_pool_size, or max_db_connections to cap them)";
    let step = if room >= 1 {
        format!("lower {pools} so its server connections stay within {room} in total")
    } else {
        format!(
            "connect the services that connect directly ({} connections) through PgBouncer too, and lower {pools} so its server connections stay within {limit} in total",
            seen.direct
        )
    };
    format!(
        "{step} (the database then sees at most {limit} connections), and load-test toward {knee} connections in total"
    )
}

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        let ratio = options.get(&MAX_RATIO);
        let fleets = fleets(model);
        for database in &model.databases {
            let Some(cores_setting) = &database.cores else {
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
            let limit = capacity::snap(ratio * knee as f64).floor() as i64;
            let fleet = fleets.iter().find(|f| std::ptr::eq(f.database, database));
            let seen = Seen {
                fleet,
                direct: fleet.map_or(0, |f| f.demand(steady)),
                pooled: server_pools_in_front(model, database),
            };
            let demand = seen.total();
            if demand <= limit {
                continue;
            }
            let Some((at, key)) = seen.at() else {
                continue;
            };
            let message = format!(
                "database {} can be asked to run {demand} connections at once{}, and it has {cores} cores ({}): more than {} × the {knee} = 2 × {cores} cores that keep it busy, so extra connections add context switching and lock contention, not throughput",
                database.name,
                seen.terms(),
                place(model, &cores_setting.origin),
                crate::load::number(ratio),
            );
            let mut diagnostic = Diagnostic::new(&META, Severity::Info, at, message)
                .with_label(format!("{demand} connections for {cores} cores"))
                .with_related(cores_setting.location(), "database cores")
                .with_help(help(&seen, limit, knee))
                .with_fingerprint(format!("{}:{demand}/{cores}", database.name));
            if let Some(key) = key {
                diagnostic = diagnostic.with_key(key);
            }
            out.push(diagnostic);
        }
    }
}
