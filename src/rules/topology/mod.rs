//! Topology rules: the fleet's connections against the database's slots. The shared
//! arithmetic lives here so each rule states one condition; every number carries the
//! place it came from (`db/postgresql.conf:64`, `poollint.toml:12`, `PostgreSQL default`).

pub mod autoscale_max_exceeds_db_slots;
pub mod fleet_exceeds_db_slots;
pub mod fleet_min_connections_exceed_db_slots;
pub mod no_db_connection_headroom;
pub mod pgbouncer_client_cap_too_low;
pub mod pgbouncer_server_conns_exceed_postgres;
pub mod rollout_surge_exceeds_db_slots;

use std::collections::HashSet;

use crate::model::links::Links;
use crate::model::{BudgetPart, Database, Location, Model, Origin, Pool, Pooler, Service, Setting};

/// Where a value came from, for messages: `auth/application.yml:7`, `PostgreSQL default`.
pub(crate) fn place(model: &Model, origin: &Origin) -> String {
    match origin {
        Origin::File {
            file, span, via, ..
        } => {
            let at = file_line(model, *file, span.start);
            match via {
                Some(var) => format!("default of {}, {at}", crate::model::via_shown(var, true)),
                None => at,
            }
        }
        Origin::Manifest { file, span, .. } => file_line(model, *file, span.start),
        Origin::Default { library, .. } => format!("{library} default"),
        Origin::Inferred { from, .. } => format!("inferred: {from}"),
    }
}

fn file_line(model: &Model, file: crate::source::FileId, offset: usize) -> String {
    model
        .sources
        .file_line(file, offset)
        .unwrap_or_else(|| "unknown file".into())
}

/// `1 connection`, `2 connections`: a count with its noun, plural unless 1.
pub(crate) fn counted(count: i64, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// Most terms a fleet finding's sum names: a database shared by hundreds of services
/// made a message of hundreds of terms (1,500 services: 137 KB). Heuristic: a sum of a
/// dozen stays readable on a terminal.
const NAMED_TERMS: usize = 12;

/// Which of a sum's terms, given the connections each adds, a finding names: all of
/// them up to [`NAMED_TERMS`], else the largest (of equal ones, the earlier).
pub(crate) fn named_terms(connections: &[i64]) -> HashSet<usize> {
    let mut by_size: Vec<usize> = (0..connections.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(connections.get(i).copied().unwrap_or(0)));
    by_size.into_iter().take(NAMED_TERMS).collect()
}

/// The terms of a fleet's sum (each term's text and the connections it adds) joined
/// with ` + `: the [`named_terms`], in their order, and then how many `others` (a
/// plural noun: `services`) there are and what they add, so the sum still adds up.
pub(crate) fn sum_of_terms(terms: Vec<(String, i64)>, others: &str) -> String {
    let connections: Vec<i64> = terms.iter().map(|t| t.1).collect();
    let named = named_terms(&connections);
    let (mut shown, mut left_out, mut rest) = (Vec::new(), 0usize, 0i64);
    for (i, (text, connections)) in terms.into_iter().enumerate() {
        if named.contains(&i) {
            shown.push(text);
        } else {
            left_out += 1;
            rest = rest.saturating_add(connections.max(0));
        }
    }
    if left_out > 0 {
        shown.push(format!("{left_out} other {others} adding {rest}"));
    }
    shown.join(" + ")
}

/// `name 100 (db/postgresql.conf:64)`.
pub(crate) fn term(model: &Model, name: &str, setting: &Setting<i64>) -> Option<String> {
    let value = setting.get()?;
    Some(format!(
        "{name} {value} ({})",
        place(model, &setting.origin)
    ))
}

/// The connections a database accepts from applications, with its arithmetic.
pub(crate) struct Slots {
    pub usable: i64,
    /// `usable slots 97 = max_connections 100 (…) − superuser_reserved_connections 3 (…)`.
    pub explanation: String,
    pub max_connections: Option<Location>,
    /// Slots the reserves and other clients take: `max_connections` must be at least
    /// demand + this for the fleet to fit.
    pub reserved: i64,
}

/// The pools one instance of `pooler` may open to its database
/// ([`crate::model::Pooler::server_budget`]), with the logins of the pools the services
/// behind it open through it: PgBouncer keeps a pool per (database, user) pair.
pub(crate) fn pooler_budget<'m>(
    model: &'m Model,
    links: &Links<'m>,
    pooler: &'m Pooler,
) -> Vec<BudgetPart<'m>> {
    pooler.server_budget(&links.pooler_logins(model, pooler))
}

/// The server connections all instances of `pooler` may open to its database.
pub(crate) fn pooler_connections<'m>(
    model: &'m Model,
    links: &Links<'m>,
    pooler: &'m Pooler,
) -> i64 {
    let budget = Pooler::server_budget_total(&pooler_budget(model, links, pooler));
    pooler.instance_count().saturating_mul(budget)
}

pub(crate) fn usable_slots(model: &Model, database: &Database) -> Option<Slots> {
    let max = *database.max_connections.get()?;
    let mut explanation = format!(
        "usable slots {{usable}} = {}",
        term(model, "max_connections", &database.max_connections)?
    );
    let mut reserved = 0i64;
    let reserves = [
        (
            "superuser_reserved_connections",
            &database.superuser_reserved_connections,
        ),
        ("reserved_connections", &database.reserved_connections),
        ("other clients", &database.other_clients),
    ];
    for (name, reserve) in reserves {
        let Some(setting) = reserve else { continue };
        let Some(&value) = setting.get() else {
            continue;
        };
        if value > 0 {
            reserved = reserved.saturating_add(value);
            explanation.push_str(&format!(" − {}", term(model, name, setting)?));
        }
    }
    // Reserves above the limit leave no slot, not a negative count (catalogue §3.1).
    if reserved > max {
        explanation.push_str(" = none left: the reserves exceed max_connections");
    }
    let as_count = |n: i64| u64::try_from(n).unwrap_or(0);
    let usable = crate::capacity::usable_slots(as_count(max), 0, as_count(reserved));
    let usable = i64::try_from(usable).unwrap_or(i64::MAX);
    Some(Slots {
        usable,
        reserved,
        explanation: explanation.replace("{usable}", &usable.to_string()),
        max_connections: database.max_connections.location(),
    })
}

/// One service's share of a database.
pub(crate) struct Member<'m> {
    pub service: &'m Service,
    pub pools: Vec<&'m Pool>,
    pub processes: i64,
    /// Connections one instance opens at most: processes × Σ pool max.
    pub per_instance: i64,
    /// Connections one instance keeps open when idle: processes × Σ pool min.
    pub per_instance_min: i64,
    /// Pools with no maximum (catalogue SZ03): they count 0 in `per_instance`, and the
    /// fleet has no upper bound at all.
    pub unbounded: Vec<&'m Pool>,
    pub replicas: Setting<i64>,
    /// How this service was tied to the database (None: declared `connects-to`).
    pub inferred_link: Option<&'static str>,
    /// Which profile's pool was counted where several profiles define one data source.
    pub profile_note: Option<String>,
}

impl Member<'_> {
    pub fn replicas(&self) -> i64 {
        self.replicas.get().copied().unwrap_or(1).max(0)
    }

    /// Steady replicas, or the autoscaler's maximum when there is one.
    pub fn max_replicas(&self) -> Option<(i64, Location, String)> {
        let deployment = self.service.deployment.as_ref()?;
        let max = deployment.max_replicas.as_ref()?;
        Some((*max.get()?, max.location()?, String::new()))
    }

    /// Extra pods a rolling update of `instances` desired pods may create: `surge_abs =
    /// ⌈maxSurge% × instances⌉` or the absolute value (catalogue §3.1, TP02/TP03). The
    /// percentage is scaled here, against the count in effect (the manifest's
    /// `instances`, the autoscaler's maximum), never against the file's replicas alone.
    pub fn surge_at(&self, instances: i64) -> Option<i64> {
        surge_at(self.service, instances)
    }

    /// The peak of a rolling update at the steady count (None: no rolling update
    /// known): [`crate::capacity::rollout_peak`], the numbers `poollint capacity`
    /// shows, with the controller's fencepost rule and terminating pods capped at the
    /// replicas.
    pub fn rollout(&self) -> Option<crate::capacity::RolloutPeak> {
        let deployment = self.service.deployment.as_ref()?;
        let surge = *deployment.max_surge.as_ref()?.get()?;
        let unavailable = deployment
            .max_unavailable
            .as_ref()
            .and_then(|s| s.get().copied())
            .unwrap_or(crate::capacity::IntOrPercent::Int(0));
        let replicas = u64::try_from(self.replicas()).unwrap_or(0);
        Some(crate::capacity::rollout_peak(
            replicas,
            surge,
            (unavailable, deployment.daemon_set),
        ))
    }

    /// The pool whose maximum is the value to change (the largest).
    pub fn main_pool(&self) -> Option<&Pool> {
        self.pools
            .iter()
            .copied()
            .max_by_key(|p| p.max.get().copied().unwrap_or(0))
    }

    /// `auth: 3 instances (poollint.toml:9) × 1 process × pool 40 (auth/application.yml:5)`.
    pub fn formula(&self, model: &Model, instances: i64, instances_place: &str) -> String {
        let pools: Vec<String> = self
            .pools
            .iter()
            .filter_map(|p| {
                let max = *p.max.get()?;
                let place = place(model, &p.max.origin);
                // The demand counts a maximum below 0 as no connection: say so, so the
                // terms add up to it.
                Some(match max {
                    _ if p.is_unbounded() => format!("unbounded ({place})"),
                    ..0 => format!("0 ({place}: a maximum of {max} opens none)"),
                    _ => format!("{max} ({place})"),
                })
            })
            .collect();
        let mut link = self
            .inferred_link
            .map(|why| format!(" [connects-to inferred: {why}]"))
            .unwrap_or_default();
        if let Some(why) = self
            .service
            .deployment
            .as_ref()
            .and_then(|d| d.inferred_link.as_ref())
        {
            link.push_str(&format!(" [deployment inferred: {why}]"));
        }
        if let Some(note) = &self.profile_note {
            link.push_str(&format!(" [{note}]"));
        }
        // A count not known (PM2 `instances: max`) is counted as 1: say so, not only "1".
        if let Some(crate::model::Val::Unknown(why)) =
            self.service.processes.as_ref().map(|p| &p.value)
        {
            link.push_str(&format!(" [processes unknown, 1 counted: {}]", why.reason));
        }
        format!(
            "{} {instances} instance{} ({instances_place}) × {} process{} × pool {}{link}",
            self.service.name,
            if instances == 1 { "" } else { "s" },
            self.processes,
            if self.processes == 1 { "" } else { "es" },
            pools.join(" + "),
        )
    }

    pub fn replicas_place(&self, model: &Model) -> String {
        place(model, &self.replicas.origin)
    }

    /// Where [`at_max`]'s count comes from: the autoscaler's maximum, or the steady
    /// replicas' place when there is no autoscaler above them.
    pub fn at_max_how(&self, model: &Model) -> String {
        match self.max_replicas() {
            Some((max, _, _)) if max >= self.replicas() => "autoscaler maximum".to_owned(),
            _ => self.replicas_place(model),
        }
    }

    /// How [`peak_instances`]' count is made, for messages: the count at the
    /// autoscaler's maximum plus the rollout surge, only the parts there are.
    pub fn peak_how(&self, model: &Model) -> String {
        let base = self.at_max_how(model);
        match self.surge_at(at_max(self)) {
            Some(surge) if surge > 0 => format!("{} ({base}) + {surge} surge", at_max(self)),
            _ => base,
        }
    }
}

/// A rollout count scaled against `instances` (negative counts taken as 0).
fn scaled(
    count: fn(crate::capacity::IntOrPercent, u64) -> u64,
    written: crate::capacity::IntOrPercent,
    instances: i64,
) -> i64 {
    let instances = u64::try_from(instances).unwrap_or(0);
    i64::try_from(count(written, instances)).unwrap_or(i64::MAX)
}

/// Steady instances of a member (a plain function, so it can be passed where any
/// member lifetime is expected).
pub(crate) fn steady(member: &Member<'_>) -> i64 {
    member.replicas()
}

/// Instances at the autoscaler's maximum (the steady count when there is no
/// autoscaler, or when it is above the maximum).
pub(crate) fn at_max(member: &Member<'_>) -> i64 {
    at_max_of(member.service, member.replicas())
}

/// Peak instances, `n_peak` of TP04/TP05: a rolling update while scaled out to the
/// autoscaler's maximum, `maxReplicas + ⌈maxSurge% × maxReplicas⌉` (catalogue TP03's
/// second condition; without an autoscaler, TP02's `replicas + surge_abs`). The rules
/// that report a fleet above the limit (TP01–TP03) together cover every demand above
/// the slots at this count, which is what `capacity` reports as peak demand.
pub(crate) fn peak_instances(member: &Member<'_>) -> i64 {
    peak_of(member.service, member.replicas())
}

/// [`peak_instances`] of a service running `replicas` steady instances.
pub(crate) fn peak_of(service: &Service, replicas: i64) -> i64 {
    let base = at_max_of(service, replicas);
    base.saturating_add(surge_at(service, base).unwrap_or(0))
}

/// [`at_max`] of a service running `replicas` steady instances.
fn at_max_of(service: &Service, replicas: i64) -> i64 {
    let max = service
        .deployment
        .as_ref()
        .and_then(|d| d.max_replicas.as_ref())
        .and_then(|m| m.get().copied());
    max.map_or(replicas, |max| max.max(replicas))
}

/// [`Member::surge_at`] of a service.
fn surge_at(service: &Service, instances: i64) -> Option<i64> {
    let deployment = service.deployment.as_ref()?;
    let written = *deployment.max_surge.as_ref()?.get()?;
    Some(scaled(crate::capacity::surge_count, written, instances))
}

/// The services that connect to one database directly, and the database's slots.
pub(crate) struct Fleet<'m> {
    pub database: &'m Database,
    pub slots: Slots,
    pub members: Vec<Member<'m>>,
    /// The server connections of the PgBouncers in front of the database that the
    /// slots already count ([`Fleet::behind_poolers`]; 0 when they do not).
    pub pooled_in_slots: i64,
}

impl Fleet<'_> {
    /// The fleet with the server connections of the PgBouncers in front of its database
    /// taken from its slots, as other clients are: the slots left for the services that
    /// connect directly. The rules about scaling out and rollouts count them (they do
    /// not scale with the fleet); at the steady count pgbouncer-server-conns-exceed-
    /// postgres reports the sum.
    pub fn behind_poolers(mut self, model: &Model) -> Self {
        let poolers = no_db_connection_headroom::poolers_in_front(model, self.database);
        let pooled = poolers
            .iter()
            .map(|(connections, _)| *connections)
            .fold(0i64, i64::saturating_add);
        if pooled > 0 {
            let left = self.slots.usable.saturating_sub(pooled).max(0);
            let terms: Vec<&str> = poolers.iter().map(|(_, term)| term.as_str()).collect();
            self.slots.explanation = format!(
                "{}; {left} left for the services connecting directly = {} − {}",
                self.slots.explanation,
                self.slots.usable,
                terms.join(" − ")
            );
            self.slots.usable = left;
            self.slots.reserved = self.slots.reserved.saturating_add(pooled);
            self.pooled_in_slots = pooled;
        }
        self
    }

    /// Connections the fleet opens with `instances(member)` instances of each member.
    pub fn demand(&self, instances: impl Fn(&Member) -> i64) -> i64 {
        self.members
            .iter()
            .map(|m| m.per_instance.saturating_mul(instances(m)))
            .fold(0i64, i64::saturating_add)
    }

    /// The first pool without a maximum, and its member: the fleet then has no upper
    /// bound (catalogue SZ03: TP01 cannot be satisfied).
    pub fn unbounded(&self) -> Option<(&Member<'_>, &Pool)> {
        self.members
            .iter()
            .find_map(|m| m.unbounded.first().map(|p| (m, *p)))
    }

    /// True when the steady fleet is already over the limit (or has no bound), which
    /// fleet-exceeds-db-slots reports: the rules about larger counts then stay silent.
    pub fn steady_over(&self) -> bool {
        self.unbounded().is_some() || self.demand(steady) > self.slots.usable
    }

    /// The member with the most connections: its pool is the value to change.
    pub fn largest(&self) -> Option<&Member<'_>> {
        self.members
            .iter()
            .max_by_key(|m| m.per_instance.saturating_mul(m.replicas()))
    }
}

/// Every database with its directly connected services.
pub(crate) fn fleets(model: &Model) -> Vec<Fleet<'_>> {
    let links = crate::model::links::Links::new(model);
    // Without a pooler, the only database may be inferred as every service's target;
    // otherwise only a declared `connects-to` links them.
    let inferring = crate::model::links::infers_links(model);
    model
        .databases
        .iter()
        .filter_map(|database| {
            let candidates: Vec<&Service> = if inferring {
                model.services.iter().collect()
            } else {
                links.clients_of(&database.name).to_vec()
            };
            let members: Vec<Member> = candidates
                .into_iter()
                .filter_map(|s| member(model, database, s))
                .collect();
            if members.is_empty() {
                return None;
            }
            Some(Fleet {
                database,
                slots: usable_slots(model, database)?,
                members,
                pooled_in_slots: 0,
            })
        })
        .collect()
}

fn member<'m>(model: &'m Model, database: &Database, service: &'m Service) -> Option<Member<'m>> {
    let inferred_link = match &service.connects_to {
        Some(target) if *target == database.name => None,
        Some(_) => return None,
        None => Some(crate::model::links::inferred_link(
            model, database, service,
        )?),
    };
    // One pool per data source: the active profile's (an instance runs one profile).
    let demand = crate::model::profiles::demand_pools(model, service);
    // A link holds only for the pools that may reach the database: a service's SQL
    // Server pool is no client of its PostgreSQL database, also when `connects-to`
    // names it; an inferred link also drops pools on other hosts.
    let reaches = |p: &Pool| match inferred_link {
        Some(_) => crate::model::links::may_reach(model, database, p),
        None => !crate::model::links::engine_differs(database, p),
    };
    let pools: Vec<&Pool> = demand
        .pools
        .into_iter()
        .filter(|p| p.max.get().is_some())
        .filter(|p| reaches(p))
        .collect();
    if pools.is_empty() {
        return None;
    }
    let processes = service.processes_per_instance();
    let sum = |field: fn(&Pool) -> Option<i64>| -> i64 {
        pools
            .iter()
            .filter_map(|p| field(p))
            .map(|v| v.max(0))
            .fold(0i64, i64::saturating_add)
    };
    let per_instance = processes.saturating_mul(sum(|p| p.max.get().copied()));
    let per_instance_min = processes.saturating_mul(sum(idle_min));
    let replicas = service
        .deployment
        .as_ref()
        .and_then(|d| d.replicas.clone())
        .unwrap_or_else(|| Setting {
            value: crate::model::Val::Known(1),
            origin: Origin::Inferred {
                from: "one instance: no replicas declared".into(),
                at: None,
            },
        });
    let unbounded = pools.iter().copied().filter(|p| p.is_unbounded()).collect();
    Some(Member {
        service,
        unbounded,
        pools,
        processes,
        per_instance,
        per_instance_min,
        replicas,
        inferred_link,
        profile_note: demand.note,
    })
}

/// The connections a pool keeps open when idle: its minimum as the library runs it, not
/// as written. HikariCP sets a `minimumIdle` above `maximumPoolSize` (or negative) to
/// the maximum (`model::hikari::effective`, catalogue SZ02), and no pool keeps more
/// idle connections than its maximum (TP04 sums `per_instance_min`).
pub(crate) fn idle_min(pool: &Pool) -> Option<i64> {
    let effective = pool.effective();
    let min = effective.min?;
    Some(effective.max.map_or(min, |max| min.min(max)).max(0))
}

/// Where a topology diagnostic points: the largest member's pool max, else the
/// database's `max_connections`.
pub(crate) fn primary(fleet: &Fleet) -> Option<(Location, Option<String>)> {
    let pool = fleet.largest().and_then(Member::main_pool);
    match pool.and_then(|p| p.max.location().or(p.anchor)) {
        Some(location) => Some((
            location,
            pool.and_then(|p| p.max.origin.key().map(str::to_owned)),
        )),
        None => fleet.slots.max_connections.map(|l| (l, None)),
    }
}

/// What no-db-connection-headroom allows at the fleet's peak (catalogue TP05) while it
/// runs: the slot rules' help then names values that keep its share free as well, so
/// following one rule's help does not trip the other.
pub(crate) struct Headroom {
    share: f64,
    /// Server connections of the PgBouncers in front of the database: that rule adds
    /// them to the fleet's peak demand.
    pooled: i64,
    /// Of those, the ones the fleet's slots already left out ([`Fleet::behind_poolers`]):
    /// the share is of the database's usable slots, these included.
    in_slots: i64,
}

impl Headroom {
    /// None when the headroom rule does not run (the engine passes its option only then).
    pub fn of(model: &Model, fleet: &Fleet, options: &crate::rules::RuleOptions) -> Option<Self> {
        let share = options.given(&no_db_connection_headroom::MIN_FREE_SHARE)?;
        Some(Headroom {
            share,
            pooled: no_db_connection_headroom::pooled_server_connections(model, fleet.database),
            in_slots: fleet.pooled_in_slots,
        })
    }

    /// [`Headroom::of`] for the help of a rule that raises a pool maximum (a sizing
    /// rule): with the headroom rule's share when the engine passes it (the rule runs),
    /// else none to keep free: a help then only has to fit the slots.
    pub fn for_help(model: &Model, fleet: &Fleet, options: &crate::rules::RuleOptions) -> Self {
        Headroom::of(model, fleet, options).unwrap_or_else(|| Headroom {
            share: 0.0,
            pooled: no_db_connection_headroom::pooled_server_connections(model, fleet.database),
            in_slots: fleet.pooled_in_slots,
        })
    }

    /// The most connections the fleet's direct clients may open at peak with `usable`
    /// slots.
    pub(crate) fn room(&self, usable: i64) -> i64 {
        let database_usable = usable.saturating_add(self.in_slots);
        no_db_connection_headroom::ceiling(self.share, database_usable).saturating_sub(self.pooled)
    }

    /// The fewest usable slots that keep the share free with `demand` direct
    /// connections at peak, beside the PgBouncers' server connections.
    fn usable_for(&self, demand: i64) -> i64 {
        let database = no_db_connection_headroom::usable_keeping(
            self.share,
            demand.saturating_add(self.pooled),
        );
        database.saturating_sub(self.in_slots)
    }

    /// `no-db-connection-headroom's 10% of them`, for help lines.
    fn named(&self) -> String {
        format!(
            "{}'s {}%",
            no_db_connection_headroom::META.name,
            crate::load::number(self.share * 100.0)
        )
    }
}

/// The largest maximum of the largest member's main pool that would fit `capacity`
/// connections with `instances` of every member, the other pools unchanged; 0 or less
/// when none does.
pub(crate) fn fitting_pool(
    fleet: &Fleet,
    instances: impl Fn(&Member) -> i64,
    capacity: i64,
) -> Option<i64> {
    let member = fleet.largest()?;
    fitting_max_within(fleet, member.main_pool()?, instances, capacity)
}

/// The largest maximum of `pool` that would fit the slots with `instances` of every
/// member, every other pool unchanged; 0 or less when none does.
pub(crate) fn fitting_max(
    fleet: &Fleet,
    pool: &Pool,
    instances: impl Fn(&Member) -> i64,
) -> Option<i64> {
    fitting_max_within(fleet, pool, instances, fleet.slots.usable)
}

/// [`fitting_max`] against `capacity` connections instead of the usable slots. Every
/// member whose pools hold `pool` grows with it: the services that read one config
/// file (a web and a worker deployment of one application) share its pool, so a
/// maximum written there is each one's (the help counted one service's processes
/// alone, and suggested up to 40% less than fits).
fn fitting_max_within(
    fleet: &Fleet,
    pool: &Pool,
    instances: impl Fn(&Member) -> i64,
    capacity: i64,
) -> Option<i64> {
    let max = (*pool.max.get()?).max(0);
    let processes: i64 = fleet
        .members
        .iter()
        .filter(|m| m.pools.iter().any(|p| std::ptr::eq(*p, pool)))
        .map(|m| instances(m).saturating_mul(m.processes))
        .fold(0, i64::saturating_add);
    let others = fleet
        .demand(&instances)
        .saturating_sub(max.saturating_mul(processes));
    let room = capacity.saturating_sub(others);
    Some(room.div_euclid(processes.max(1)))
}

/// Help for a fleet above the limit: the largest pool maximum that fits, then `rest`.
/// When not even a maximum of 1 fits it says so, rather than suggest 0, which
/// pool-size-invalid (SZ01) rejects. With `headroom`, a smaller maximum that also keeps
/// the headroom rule's share free at the fleet's peak comes first.
pub(crate) fn with_pool_advice(
    fleet: &Fleet,
    instances: impl Fn(&Member) -> i64,
    headroom: Option<&Headroom>,
    rest: &str,
) -> String {
    let Some(fit) = fitting_pool(fleet, instances, fleet.slots.usable) else {
        return rest.to_owned();
    };
    if fit < 1 {
        return format!(
            "no pool maximum of 1 or more fits at this instance count while the other pools stay as they are: {rest}"
        );
    }
    let keep = headroom.and_then(|h| {
        let keep = fitting_pool(fleet, peak_instances, h.room(fleet.slots.usable))?;
        (keep < fit).then_some((h, keep))
    });
    match keep {
        Some((h, keep)) if keep >= 1 => format!(
            "lower the pool maximum to at most {keep} per process ({fit} fits the slots; {keep} also keeps {} of them free at peak), or {rest}",
            h.named()
        ),
        Some((h, _)) => format!(
            "lower the pool maximum to at most {fit} per process (no maximum of 1 or more also keeps {} of the slots free at peak), or {rest}",
            h.named()
        ),
        None => format!("lower the pool maximum to at most {fit} per process, or {rest}"),
    }
}

/// What a help that raises `pool`'s maximum to `new_max` must add when the fleet of the
/// database its services connect to directly would then trip a slot rule (every service
/// reading the pool's file grows with it): checked at peak instances (the autoscaler's
/// maximum plus a rolling update's surge, the count of autoscale-max-exceeds-db-slots
/// and rollout-surge-exceeds-db-slots, never below the steady count of
/// fleet-exceeds-db-slots) against the usable slots and no-db-connection-headroom's
/// share. It names the connections needed and the `max_connections` that fits them, so
/// that following the help does not trade its finding for another. None when it fits,
/// or no such fleet is known.
pub(crate) fn slots_after_resize(
    model: &Model,
    options: &crate::rules::RuleOptions,
    pool: &Pool,
    new_max: i64,
) -> Option<String> {
    let old = pool.max.get().copied().unwrap_or(0).max(0);
    let grows = new_max.saturating_sub(old);
    if grows <= 0 {
        return None;
    }
    fleets(model)
        .into_iter()
        .map(|fleet| fleet.behind_poolers(model))
        .find_map(|fleet| {
            let added = |instances: fn(&Member) -> i64| {
                fleet
                    .members
                    .iter()
                    .filter(|m| m.pools.iter().any(|p| std::ptr::eq(*p, pool)))
                    .map(|m| grows.saturating_mul(m.processes).saturating_mul(instances(m)))
                    .fold(0i64, i64::saturating_add)
            };
            let added_at_peak = added(peak_instances);
            if added_at_peak == 0 {
                return None;
            }
            let steady_demand = fleet.demand(steady).saturating_add(added(steady));
            let demand = fleet.demand(peak_instances).saturating_add(added_at_peak);
            let headroom = Headroom::for_help(model, &fleet, options);
            let usable = fleet.slots.usable;
            let what = if demand > usable {
                format!("which accepts {usable}")
            } else if demand > headroom.room(usable) {
                format!("which leaves less than {} of its slots free", headroom.named())
            } else {
                return None;
            };
            let when = if demand > steady_demand {
                " at peak (the autoscaler's maximum plus a rolling update's surge)"
            } else {
                ""
            };
            Some(format!(
                "; at {new_max} the fleet opens {}{when} to database {}, {what}: also {}, or put a pooler (PgBouncer) in front",
                counted(demand, "connection"),
                fleet.database.name,
                max_connections_advice(&fleet, demand, Some(&headroom))
            ))
        })
}

/// `raise max_connections to at least N`: enough for `demand` direct connections, and
/// with `headroom` enough to keep its share free at the fleet's peak as well.
pub(crate) fn max_connections_advice(
    fleet: &Fleet,
    demand: i64,
    headroom: Option<&Headroom>,
) -> String {
    let reserved = fleet.slots.reserved;
    let fits = demand.saturating_add(reserved);
    let keep = headroom.map(|h| {
        let peak = fleet.demand(peak_instances).max(demand);
        (h, h.usable_for(peak).saturating_add(reserved))
    });
    let (ceiling, server) = max_connections_ceiling(fleet.database);
    match keep {
        _ if fits > ceiling => format!(
            "lower the pools or instances (max_connections cannot be raised enough: {fits} would be needed, above the {ceiling} {server} accepts)"
        ),
        Some((h, keep)) if keep > ceiling => format!(
            "raise max_connections to at least {fits} (keeping {} of the slots free at peak would need {keep}, above the {ceiling} {server} accepts)",
            h.named()
        ),
        // The slots already fit the demand: only the share asks for more.
        Some((h, keep)) if keep > fits && Some(&fits) <= fleet.database.max_connections.get() => {
            format!(
                "raise max_connections to at least {keep} (to keep {} of the slots free at peak)",
                h.named()
            )
        }
        Some((h, keep)) if keep > fits => format!(
            "raise max_connections to at least {keep} ({fits} fits; {keep} also keeps {} of the slots free at peak)",
            h.named()
        ),
        _ => format!("raise max_connections to at least {fits}"),
    }
}

/// The largest `max_connections` the database's server accepts, and the server's name:
/// PostgreSQL's `MAX_BACKENDS` (2¹⁸ − 1, `guc_tables.c`), MySQL's and MariaDB's
/// `VALID_RANGE(…, 100000)` (`sql/sys_vars.cc`).
pub(crate) fn max_connections_ceiling(database: &Database) -> (i64, &'static str) {
    match database.engine {
        crate::model::Engine::Postgres => (262_143, "PostgreSQL"),
        crate::model::Engine::MySql => (100_000, "MySQL"),
        crate::model::Engine::MariaDb => (100_000, "MariaDB"),
    }
}
