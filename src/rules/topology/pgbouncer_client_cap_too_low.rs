//! `pgbouncer-client-cap-too-low`: the services that connect through PgBouncer can open
//! more client connections than its `max_client_conn` (default 100) across its instances
//! allows, or than `max_db_client_connections` allows for one database, or than
//! `max_user_client_connections` allows for one login user; the excess is refused
//! (catalogue TP07 [PGB-CFG]). Checked at the services' steady instances, then, when
//! those fit, at their peak: the autoscaler's maximum plus a rolling update's surge, the
//! count the database-slot rules check too.
use std::collections::BTreeMap;

use super::place;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::links::Links;
use crate::model::{Model, Pool, Pooler, Service, Setting};
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "pgbouncer-client-cap-too-low",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "The services behind PgBouncer can open more client connections than max_client_conn allows.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, _options: &RuleOptions, out: &mut crate::rules::Findings) {
        let links = Links::new(model);
        for pooler in &model.poolers {
            let steady = client_demands(model, &links, pooler, Count::Steady);
            let peak = client_demands(model, &links, pooler, Count::Peak);
            let mut checked: Vec<Checked> = steady
                .iter()
                .filter_map(|(&clients, steady)| {
                    Some(Checked {
                        group: cap_group(pooler, clients)?,
                        steady,
                        peak: peak.get(&clients).unwrap_or(steady),
                    })
                })
                .collect();
            // One finding per setting is kept (the engine keeps one per rule and place):
            // the group over it the most comes first.
            checked.sort_by_key(|c| std::cmp::Reverse((c.steady.total, c.peak.total)));
            let shares = shares(pooler, &checked);
            for one in &checked {
                let (group, steady) = (&one.group, one.steady);
                if let Some((service, pool)) = steady.unbounded {
                    out.extend(unbounded(model, pooler, steady, group, service, pool));
                    continue;
                }
                let share = shares
                    .get(&setting_id(group.setting))
                    .copied()
                    .unwrap_or_default();
                let finding = over_cap(model, pooler, steady, group, share)
                    .or_else(|| over_cap(model, pooler, one.peak, group, share));
                out.extend(finding);
            }
        }
    }
}

/// A cap's group with its demands at the steady and the peak instance counts.
struct Checked<'m, 'd> {
    group: CapGroup<'m>,
    steady: &'d Demand<'m>,
    peak: &'d Demand<'m>,
}

/// What the groups counted against one setting have together: the `[pgbouncer]` value
/// (or the `*` entry's) caps each user (or database) it applies to on its own.
#[derive(Clone, Copy, Default)]
struct Share {
    /// The largest peak demand among them, which the help's value covers.
    largest_peak: i64,
    /// How many of them pass it (at the steady or the peak count).
    over: usize,
}

/// A setting's identity: the groups that share it point at the same one.
fn setting_id(setting: &Setting<i64>) -> usize {
    std::ptr::from_ref(setting) as usize
}

fn shares(pooler: &Pooler, checked: &[Checked]) -> std::collections::HashMap<usize, Share> {
    let accepted = |setting: &Setting<i64>| {
        setting
            .get()
            .map(|&v| v.saturating_mul(pooler.instance_count()))
    };
    let mut shares: std::collections::HashMap<usize, Share> = std::collections::HashMap::new();
    for one in checked {
        let share = shares.entry(setting_id(one.group.setting)).or_default();
        share.largest_peak = share.largest_peak.max(one.peak.total);
        let demand = one.steady.total.max(one.peak.total);
        if accepted(one.group.setting).is_some_and(|total| demand > total) {
            share.over += 1;
        }
    }
    shares
}

/// Which clients PgBouncer counts against a cap (PgBouncer 1.24+ counts them per
/// database and per login user too: `check_db_connection_count` and
/// `check_user_connection_count` in `src/client.c`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Clients<'m> {
    /// Every client of an instance (`max_client_conn`).
    All,
    /// The clients of one database, by the name PgBouncer counts it under
    /// ([`Pooler::client_database`]).
    Database(&'m str),
    /// The clients logging in as one user ([`Pooler::client_login_user`]).
    User(&'m str),
}

/// One cap and the clients PgBouncer counts against it.
struct CapGroup<'m> {
    cap: Cap,
    setting: &'m Setting<i64>,
    clients: Clients<'m>,
}

/// The cap PgBouncer counts `clients` against, when it has one: `max_client_conn`;
/// the database's `max_db_client_connections` or the user's
/// `max_user_client_connections` when above 0 (an entry's own value above 0 wins).
fn cap_group<'m>(pooler: &'m Pooler, clients: Clients<'m>) -> Option<CapGroup<'m>> {
    let (cap, setting) = match clients {
        Clients::All => (Cap::Clients, pooler.max_client_conn.as_ref()?),
        Clients::Database(name) => {
            let (entry, _) = pooler.client_database(Some(name))?;
            (Cap::DatabaseClients, pooler.database_client_cap(entry)?)
        }
        Clients::User(name) => (Cap::UserClients, pooler.user_client_cap(name)?),
    };
    Some(CapGroup {
        cap,
        setting,
        clients,
    })
}

/// The sets of clients `pool` is counted in: every client, its database's and its
/// login user's, when known.
fn counted_in<'m>(pooler: &'m Pooler, pool: &'m Pool) -> Vec<Clients<'m>> {
    let (database, user) = pool.login();
    let mut sets = vec![Clients::All];
    sets.extend(
        pooler
            .client_database(database)
            .map(|(_, name)| Clients::Database(name)),
    );
    sets.extend(pooler.client_login_user(database, user).map(Clients::User));
    sets
}

/// Which instance count of the services a demand is made with.
#[derive(Clone, Copy, PartialEq)]
enum Count {
    Steady,
    /// The autoscaler's maximum (the steady count when above it or without one) plus a
    /// rolling update's surge at that count.
    Peak,
}

/// The client connections the services behind a pooler can open, and each service's
/// term of the sum (`web 3 × 1 × 10`).
struct Demand<'m> {
    count: Count,
    total: i64,
    terms: Vec<String>,
    /// The first pool without a maximum (catalogue SZ03), and its service: the clients
    /// then have no upper bound, whatever `total` (which counts it as 0) says.
    unbounded: Option<(&'m Service, &'m Pool)>,
}

/// The demand of each set of clients PgBouncer counts (every client, each database's,
/// each login user's), made in one pass over the services: a service with no pool in a
/// set has no term there, except in every client's, where it adds 0.
fn client_demands<'m>(
    model: &'m Model,
    links: &Links<'m>,
    pooler: &'m Pooler,
    count: Count,
) -> BTreeMap<Clients<'m>, Demand<'m>> {
    let mut demands: BTreeMap<Clients<'m>, Demand<'m>> = BTreeMap::new();
    for service in links.pooler_clients(pooler) {
        let replicas = instances_of(service, count);
        let processes = service.processes_per_instance();
        // One pool per data source: the active profile's, named as the fleet rules
        // name it.
        let counted = crate::model::profiles::demand_pools(model, service);
        let note = counted
            .note
            .map(|note| format!(" [{note}]"))
            .unwrap_or_default();
        let mut sets: BTreeMap<Clients<'m>, Vec<&'m Pool>> = BTreeMap::new();
        sets.insert(Clients::All, Vec::new());
        for pool in counted
            .pools
            .into_iter()
            .filter(|p| links.may_use_pooler(model, pooler, p))
        {
            for clients in counted_in(pooler, pool) {
                sets.entry(clients).or_default().push(pool);
            }
        }
        for (clients, pools) in sets {
            let demand = demands.entry(clients).or_insert_with(|| Demand {
                count,
                total: 0,
                terms: Vec::new(),
                unbounded: None,
            });
            if demand.unbounded.is_none() {
                demand.unbounded = pools
                    .iter()
                    .find(|p| p.is_unbounded())
                    .map(|p| (*service, *p));
            }
            // A maximum below 0 opens no connection (an unbounded pool is reported
            // above), as every other sum of pool maximums counts it.
            let sum: i64 = pools
                .iter()
                .filter_map(|p| p.max.get().copied())
                .map(|max| max.max(0))
                .fold(0i64, i64::saturating_add);
            let clients = replicas.saturating_mul(processes).saturating_mul(sum);
            demand.total = demand.total.saturating_add(clients);
            demand.terms.push(format!(
                "{} {replicas} × {processes} × {sum}{note}",
                service.name
            ));
        }
    }
    demands
}

/// A service's instances at `count`: its replicas (1 when not known), or at peak
/// [`super::peak_of`] them.
fn instances_of(service: &Service, count: Count) -> i64 {
    let steady = service
        .deployment
        .as_ref()
        .and_then(|d| d.replicas.as_ref())
        .and_then(|r| r.get().copied())
        .unwrap_or(1);
    match count {
        Count::Steady => steady,
        Count::Peak => super::peak_of(service, steady),
    }
}

/// Which of PgBouncer's client caps a setting is.
#[derive(Clone, Copy)]
enum Cap {
    /// `max_client_conn`: every client of an instance.
    Clients,
    /// `max_db_client_connections`: the clients of one database of an instance.
    DatabaseClients,
    /// `max_user_client_connections`: the clients of one login user of an instance.
    UserClients,
}

impl Cap {
    fn key(self) -> &'static str {
        match self {
            Cap::Clients => "max_client_conn",
            Cap::DatabaseClients => "max_db_client_connections",
            Cap::UserClients => "max_user_client_connections",
        }
    }

    /// What PgBouncer answers the client past the cap (`src/client.c`).
    fn refusal(self) -> &'static str {
        match self {
            Cap::Clients => "no more connections allowed (max_client_conn)",
            Cap::DatabaseClients => "client connections exceeded (max_db_client_connections)",
            Cap::UserClients => "client connections exceeded (max_user_client_connections)",
        }
    }
}

/// The clients a finding is about, as its message names them after the pooler (` for
/// database app`, ` as user web`): none for every client, nor for the database of a
/// lone entry, which every client asks for (as the message said before per-database
/// caps were checked for several entries).
fn scope(pooler: &Pooler, clients: Clients) -> String {
    match clients {
        Clients::All => String::new(),
        Clients::Database(_) if pooler.client_database(None).is_some() => String::new(),
        Clients::Database(name) => format!(" for database {name}"),
        Clients::User(name) => format!(" as user {name}"),
    }
}

/// The finding when the demand passes `setting` × the pooler's instances. Its help
/// names a value that covers the peak demand too, so that following it at the steady
/// count does not lead to the finding at peak, and the largest demand of the other
/// users or databases the same setting caps (`share`), which the message counts.
fn over_cap(
    model: &Model,
    pooler: &Pooler,
    demand: &Demand,
    group: &CapGroup,
    share: Share,
) -> Option<Diagnostic> {
    let peak = share.largest_peak;
    let CapGroup { cap, setting, .. } = *group;
    let &per_instance = setting.get()?;
    let instances = pooler.instance_count();
    let total = per_instance.saturating_mul(instances);
    if demand.total <= total {
        return None;
    }
    let at = setting.location()?;
    let key = cap.key();
    let count = demand.total;
    let scope = scope(pooler, group.clients);
    let when = match demand.count {
        Count::Steady => "",
        Count::Peak => {
            "at peak instances (the autoscaler's maximum plus a rolling update's surge), "
        }
    };
    let mut diagnostic = Diagnostic::new(
        &META,
        Severity::Error,
        at,
        format!(
            "{when}services can open {count} client connections to PgBouncer {}{scope} but it accepts {total} = {key} {per_instance} ({}) × {instances} instance(s): {}; the rest are refused with \"{}\"{}",
            pooler.name,
            place(model, &setting.origin),
            demand.terms.join(" + "),
            cap.refusal(),
            others_over(group.clients, share.over),
        ),
    )
    .with_label(format!("{per_instance} per instance"))
    .with_help(cap_help(key, count, peak, instances, (share.over, group.clients)))
    .with_key(format!("pgbouncer.{key}"))
    .with_fingerprint(match (cap, demand.count) {
        // As before the database cap and the peak were checked, so baselines keep
        // matching.
        (Cap::Clients, Count::Steady) => format!("{}:{count}>{total}", pooler.name),
        (_, Count::Steady) => format!("{}:{key}{scope}:{count}>{total}", pooler.name),
        (_, Count::Peak) => format!("{}:{key}{scope}:peak:{count}>{total}", pooler.name),
    });
    // The instance count multiplies the cap (`--diff-base` reports by labels).
    if let Some(instances_setting) = &pooler.instances {
        diagnostic = diagnostic.with_related(
            instances_setting.location(),
            format!("{instances} instance(s)"),
        );
    }
    Some(diagnostic)
}

/// The other users or databases over the same setting, which the one finding at it
/// stands for (the help's value covers them too).
fn others_over(clients: Clients, over: usize) -> String {
    let others = over.saturating_sub(1);
    let what = kind(clients);
    match others {
        0 => String::new(),
        1 => format!(" (1 other of the {what} this setting caps is over it too)"),
        n => format!(" ({n} other {what} this setting caps are over it too)"),
    }
}

/// What a set of clients is one of, in the plural.
fn kind(clients: Clients) -> &'static str {
    match clients {
        Clients::User(_) => "users",
        _ => "databases",
    }
}

/// `set max_client_conn to at least N`: per instance, enough for the larger of the
/// demand reported and the peak demand.
/// With several users or databases over one setting (`over` above 1), the value covers
/// the largest of them.
fn cap_help(
    key: &str,
    count: i64,
    peak: i64,
    instances: i64,
    (over, clients): (usize, Clients),
) -> String {
    let per_instance = |demand: i64| {
        let instances = instances.max(1);
        demand.div_euclid(instances) + i64::from(demand.rem_euclid(instances) != 0)
    };
    let needed = per_instance(count);
    let at_peak = per_instance(peak);
    let value = if over > 1 {
        format!(
            "{}, which covers the largest of the {over} {} over it (at peak instances too),",
            at_peak.max(needed),
            kind(clients)
        )
    } else if at_peak > needed {
        format!("{at_peak}, which also covers the peak instances ({needed} covers the steady ones; the peak is the autoscaler's maximum plus a rolling update's surge),")
    } else {
        needed.to_string()
    };
    format!("set {key} to at least {value} and check the file-descriptor limit, or lower the clients' pool sizes")
}

/// A client pool without a maximum: the clients of the pooler have no upper bound, so
/// the cap cannot be known to suffice (catalogue SZ03 with TP07, as
/// fleet-exceeds-db-slots reports it against the database's slots). The help offers
/// the largest maximum that fits the cap beside the bounded pools.
fn unbounded(
    model: &Model,
    pooler: &Pooler,
    demand: &Demand,
    group: &CapGroup,
    service: &Service,
    pool: &Pool,
) -> Option<Diagnostic> {
    let CapGroup { cap, setting, .. } = *group;
    let &per_instance = setting.get()?;
    let scope = scope(pooler, group.clients);
    let instances = pooler.instance_count();
    let total = per_instance.saturating_mul(instances);
    let at = setting.location()?;
    let key = cap.key();
    let bounded = match demand.total {
        0 => String::new(),
        sum => format!(
            " (the bounded pools add {sum}: {})",
            demand.terms.join(" + ")
        ),
    };
    let openers =
        instances_of(service, Count::Steady).saturating_mul(service.processes_per_instance());
    let fit = total
        .saturating_sub(demand.total)
        .div_euclid(openers.max(1));
    let help = if fit >= 1 {
        format!(
            "give the {} pool of {} a maximum of at most {fit} per process (what fits {key}), or raise {key}",
            pool.name, service.name
        )
    } else {
        format!(
            "give the {} pool of {} a maximum, and raise {key} to make room for it: the other clients already take all {total}",
            pool.name, service.name
        )
    };
    let diagnostic = Diagnostic::new(
        &META,
        Severity::Error,
        at,
        format!(
            "the {} pool of {} has no maximum ({}), so the client connections to PgBouncer {}{scope} have no upper bound{bounded}, but it accepts {total} = {key} {per_instance} ({}) × {instances} instance(s): under load the clients past it are refused with \"{}\"",
            pool.name,
            service.name,
            place(model, &pool.max.origin),
            pooler.name,
            place(model, &setting.origin),
            cap.refusal(),
        ),
    )
    .with_label(format!("{per_instance} per instance"))
    .with_related(pool.max.location().or(pool.anchor), "no maximum")
    .with_help(help)
    .with_key(format!("pgbouncer.{key}"))
    .with_fingerprint(format!(
        "{}:{key}{scope}:unbounded:{}",
        pooler.name, service.name
    ));
    Some(diagnostic)
}
