//! `pgbouncer-client-cap-too-low`: the services that connect through PgBouncer can open
//! more client connections than its `max_client_conn` (default 100) across its instances
//! allows, or than `max_db_client_connections` allows for the one database they can
//! reach; the excess is refused (catalogue TP07 [PGB-CFG]). Checked at the services'
//! steady instances, then, when those fit, at their peak: the autoscaler's maximum plus
//! a rolling update's surge, the count the database-slot rules check too.
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
            let steady = client_demand(model, &links, pooler, Count::Steady);
            let peak = client_demand(model, &links, pooler, Count::Peak);
            let caps = [
                pooler.max_client_conn.as_ref().map(|s| (s, Cap::Clients)),
                database_cap(pooler),
            ];
            for (setting, cap) in caps.into_iter().flatten() {
                if let Some((service, pool)) = steady.unbounded {
                    out.extend(unbounded(
                        model, pooler, &steady, setting, cap, service, pool,
                    ));
                    continue;
                }
                let finding = over_cap(model, pooler, &steady, setting, cap, peak.total)
                    .or_else(|| over_cap(model, pooler, &peak, setting, cap, peak.total));
                out.extend(finding);
            }
        }
    }
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

fn client_demand<'m>(
    model: &'m Model,
    links: &Links<'m>,
    pooler: &Pooler,
    count: Count,
) -> Demand<'m> {
    let mut demand = Demand {
        count,
        total: 0,
        terms: Vec::new(),
        unbounded: None,
    };
    for service in links.pooler_clients(pooler) {
        let replicas = instances_of(service, count);
        let processes = service.processes_per_instance();
        // One pool per data source: the active profile's, named as the fleet rules
        // name it.
        let counted = crate::model::profiles::demand_pools(model, service);
        let clients_pools: Vec<&Pool> = counted
            .pools
            .into_iter()
            .filter(|p| links.may_use_pooler(model, pooler, p))
            .collect();
        if demand.unbounded.is_none() {
            demand.unbounded = clients_pools
                .iter()
                .find(|p| p.is_unbounded())
                .map(|p| (*service, *p));
        }
        // A maximum below 0 opens no connection (an unbounded pool is reported above),
        // as every other sum of pool maximums counts it.
        let pools: i64 = clients_pools
            .iter()
            .filter_map(|p| p.max.get().copied())
            .map(|max| max.max(0))
            .fold(0i64, i64::saturating_add);
        let clients = replicas.saturating_mul(processes).saturating_mul(pools);
        demand.total = demand.total.saturating_add(clients);
        let note = counted
            .note
            .map(|note| format!(" [{note}]"))
            .unwrap_or_default();
        demand.terms.push(format!(
            "{} {replicas} × {processes} × {pools}{note}",
            service.name
        ));
    }
    demand
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
}

impl Cap {
    fn key(self) -> &'static str {
        match self {
            Cap::Clients => "max_client_conn",
            Cap::DatabaseClients => "max_db_client_connections",
        }
    }

    /// What PgBouncer answers the client past the cap (`src/client.c`).
    fn refusal(self) -> &'static str {
        match self {
            Cap::Clients => "no more connections allowed (max_client_conn)",
            Cap::DatabaseClients => "client connections exceeded (max_db_client_connections)",
        }
    }
}

/// The `max_db_client_connections` (PgBouncer 1.24+) the services' clients all meet:
/// only when the pooler has one `[databases]` entry, not the `*` fallback, so every
/// client asks for that database (which database each service names is not read). The
/// entry's own value above 0 wins over `[pgbouncer]`'s; 0 is unlimited.
fn database_cap(pooler: &Pooler) -> Option<(&Setting<i64>, Cap)> {
    let [entry] = pooler.databases.as_slice() else {
        return None;
    };
    if entry.name == "*" {
        return None;
    }
    let own = entry
        .max_db_client_connections
        .as_deref()
        .filter(|s| s.get().is_some_and(|&v| v > 0));
    let setting = own.or(pooler.max_db_client_connections.as_ref())?;
    setting
        .get()
        .is_some_and(|&v| v > 0)
        .then_some((setting, Cap::DatabaseClients))
}

/// The finding when the demand passes `setting` × the pooler's instances. Its help
/// names a value that covers the `peak` demand too, so that following it at the steady
/// count does not lead to the finding at peak.
fn over_cap(
    model: &Model,
    pooler: &Pooler,
    demand: &Demand,
    setting: &Setting<i64>,
    cap: Cap,
    peak: i64,
) -> Option<Diagnostic> {
    let &per_instance = setting.get()?;
    let instances = pooler.instance_count();
    let total = per_instance.saturating_mul(instances);
    if demand.total <= total {
        return None;
    }
    let at = setting.location()?;
    let key = cap.key();
    let count = demand.total;
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
            "{when}services can open {count} client connections to PgBouncer {} but it accepts {total} = {key} {per_instance} ({}) × {instances} instance(s): {}; the rest are refused with \"{}\"",
            pooler.name,
            place(model, &setting.origin),
            demand.terms.join(" + "),
            cap.refusal(),
        ),
    )
    .with_label(format!("{per_instance} per instance"))
    .with_help(cap_help(key, count, peak, instances))
    .with_key(format!("pgbouncer.{key}"))
    .with_fingerprint(match (cap, demand.count) {
        // As before the database cap and the peak were checked, so baselines keep
        // matching.
        (Cap::Clients, Count::Steady) => format!("{}:{count}>{total}", pooler.name),
        (Cap::DatabaseClients, Count::Steady) => {
            format!("{}:{key}:{count}>{total}", pooler.name)
        }
        (_, Count::Peak) => format!("{}:{key}:peak:{count}>{total}", pooler.name),
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

/// `set max_client_conn to at least N`: per instance, enough for the larger of the
/// demand reported and the peak demand.
fn cap_help(key: &str, count: i64, peak: i64, instances: i64) -> String {
    let per_instance = |demand: i64| {
        let instances = instances.max(1);
        demand.div_euclid(instances) + i64::from(demand.rem_euclid(instances) != 0)
    };
    let needed = per_instance(count);
    let at_peak = per_instance(peak);
    let value = if at_peak > needed {
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
    setting: &Setting<i64>,
    cap: Cap,
    service: &Service,
    pool: &Pool,
) -> Option<Diagnostic> {
    let &per_instance = setting.get()?;
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
            "the {} pool of {} has no maximum ({}), so the client connections to PgBouncer {} have no upper bound{bounded}, but it accepts {total} = {key} {per_instance} ({}) × {instances} instance(s): under load the clients past it are refused with \"{}\"",
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
    .with_fingerprint(format!("{}:{key}:unbounded:{}", pooler.name, service.name));
    Some(diagnostic)
}
