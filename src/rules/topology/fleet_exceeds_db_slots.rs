//! `fleet-exceeds-db-slots`: the steady fleet can open more connections than the
//! database accepts (catalogue TP01): the excess fails with `too many clients`. A
//! pool without a maximum makes the fleet unbounded, reported here as an error (SZ03:
//! with the database's slots known, TP01 cannot be satisfied) instead of counting 0.
use super::{
    fitting_max, fleets, max_connections_advice, place, primary, steady, with_pool_advice, Fleet,
    Headroom, Member,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::model::Pool;
use crate::rules::{Category, Inputs, RuleMeta, RuleOptions};

pub static META: RuleMeta = RuleMeta {
    name: "fleet-exceeds-db-slots",
    category: Category::Topology,
    default_severity: Severity::Error,
    inputs: Inputs::NeedsTopology,
    summary: "The steady fleet can open more connections than the database accepts.",
    options: &[],
};

pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, model: &Model, options: &RuleOptions, out: &mut crate::rules::Findings) {
        for fleet in fleets(model) {
            out.extend(per_account(model, &fleet));
            if let Some((member, pool)) = fleet.unbounded() {
                out.extend(unbounded(model, &fleet, member, pool));
                continue;
            }
            let demand = fleet.demand(steady);
            if demand <= fleet.slots.usable {
                continue;
            }
            let headroom = Headroom::of(model, &fleet, options);
            out.extend(finding(model, &fleet, demand, headroom.as_ref()));
        }
    }
}

/// A MySQL or MariaDB account whose pools can open more connections than the server's
/// `max_user_connections` (above 0) lets one account hold: the connections past it
/// fail with `ER_TOO_MANY_USER_CONNECTIONS` ("User … has exceeded the
/// 'max_user_connections' resource", rules-catalogue `db.usable_slots`: "further capped
/// per account"), however many slots `max_connections` leaves. Only the pools whose
/// login user is written: pools of unknown users may be other accounts.
fn per_account(model: &Model, fleet: &Fleet) -> Vec<Diagnostic> {
    let Some(cap_setting) = fleet.database.max_user_connections.as_ref() else {
        return Vec::new();
    };
    let Some(&cap) = cap_setting.get().filter(|&&c| c > 0) else {
        return Vec::new();
    };
    let mut accounts: std::collections::BTreeMap<&str, (i64, Vec<&Pool>)> = Default::default();
    for member in &fleet.members {
        for pool in &member.pools {
            let Some(user) = pool.login().1 else { continue };
            let Some(&max) = pool.max.get() else { continue };
            let connections = max
                .max(0)
                .saturating_mul(member.processes)
                .saturating_mul(member.replicas());
            let account = accounts.entry(user).or_default();
            account.0 = account.0.saturating_add(connections);
            account.1.push(pool);
        }
    }
    accounts
        .into_iter()
        .filter(|(_, (demand, _))| *demand > cap)
        .filter_map(|(user, (demand, pools))| {
            let largest = pools.iter().max_by_key(|p| p.max.get().copied().unwrap_or(0))?;
            let at = largest.max.location().or(largest.anchor)?;
            Some(
                Diagnostic::new(
                    &META,
                    Severity::Error,
                    at,
                    format!(
                        "the pools that log in to database {} as {user} can open {demand} connections, but max_user_connections is {cap} ({}): the connections past {cap} fail with ER_TOO_MANY_USER_CONNECTIONS, whatever max_connections leaves",
                        fleet.database.name,
                        place(model, &cap_setting.origin)
                    ),
                )
                .with_label(format!("{demand} connections as {user} > {cap}"))
                .with_related(cap_setting.location(), "max_user_connections")
                .with_help(format!(
                    "raise max_user_connections to at least {demand} (0 is no limit per account), lower the pools of {user}, or give the services accounts of their own"
                ))
                .with_key("max_user_connections")
                .with_fingerprint(format!("{}:{user}:{demand}>{cap}", fleet.database.name)),
            )
        })
        .collect()
}

fn finding(
    model: &Model,
    fleet: &Fleet,
    demand: i64,
    headroom: Option<&Headroom>,
) -> Option<Diagnostic> {
    let (at, key) = primary(fleet)?;
    let connections: Vec<i64> = fleet
        .members
        .iter()
        .map(|m| m.per_instance.saturating_mul(m.replicas()))
        .collect();
    let terms = fleet
        .members
        .iter()
        .zip(&connections)
        .map(|(m, &n)| (m.formula(model, m.replicas(), &m.replicas_place(model)), n))
        .collect();
    let demand_connections = super::counted(demand, "connection");
    let message = format!(
        "the fleet can open {demand_connections} to database {} but it accepts {}: demand {demand} = {}; {}",
        fleet.database.name,
        fleet.slots.usable,
        super::sum_of_terms(terms, "services"),
        fleet.slots.explanation,
    );
    let help = with_pool_advice(
        fleet,
        steady,
        headroom,
        &format!(
            "{} or put a pooler (PgBouncer) in front",
            max_connections_advice(fleet, demand, headroom)
        ),
    );
    let mut diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
        .with_label(format!(
            "{demand_connections} > {} slots",
            fleet.slots.usable
        ))
        .with_related(fleet.slots.max_connections, "the database's limit")
        .with_help(help)
        .with_fingerprint(format!(
            "{}:{demand}>{}",
            fleet.database.name, fleet.slots.usable
        ));
    // The members the message names: a label at each of hundreds drowned the snippet.
    let named = super::named_terms(&connections);
    let members = fleet.members.iter().enumerate();
    for (_, member) in members.filter(|(i, _)| named.contains(i)) {
        diagnostic = diagnostic.with_related(
            member.replicas.location(),
            match member.replicas() {
                1 => "1 instance".to_owned(),
                n => format!("{n} instances"),
            },
        );
    }
    if let Some(key) = key {
        diagnostic = diagnostic.with_key(key);
    }
    Some(diagnostic)
}

/// A pool without a maximum: the fleet has no upper bound, so the slots cannot be
/// known to suffice (catalogue SZ03 with TP01). Its help offers the largest maximum
/// that fits, or says that none covering the process's threads does.
fn unbounded(model: &Model, fleet: &Fleet, member: &Member, pool: &Pool) -> Option<Diagnostic> {
    let at = pool.max.location().or(pool.anchor)?;
    let bounded: Vec<(String, i64)> = fleet
        .members
        .iter()
        .filter(|m| m.per_instance > 0)
        .map(|m| {
            let connections = m.per_instance.saturating_mul(m.replicas());
            (
                m.formula(model, m.replicas(), &m.replicas_place(model)),
                connections,
            )
        })
        .collect();
    let others = match bounded.is_empty() {
        true => String::new(),
        false => format!(
            " (the bounded pools add {}: {})",
            fleet.demand(steady),
            super::sum_of_terms(bounded, "services")
        ),
    };
    let message = format!(
        "the {} pool of {} has no maximum ({}), so the fleet's connections to database {} have no upper bound{others}, but it accepts {}: {}; under load every thread of every instance opens connections until the database refuses them",
        pool.name,
        member.service.name,
        place(model, &pool.max.origin),
        fleet.database.name,
        fleet.slots.usable,
        fleet.slots.explanation,
    );
    let mut diagnostic = Diagnostic::new(&META, Severity::Error, at, message)
        .with_label("no maximum")
        .with_related(fleet.slots.max_connections, "the database's limit")
        .with_help(bound_help(fleet, member, pool))
        .with_fingerprint(format!(
            "{}:unbounded:{}",
            fleet.database.name, member.service.name
        ));
    if let Some(key) = pool.max.origin.key() {
        diagnostic = diagnostic.with_key(key.to_owned());
    }
    Some(diagnostic)
}

/// The maximum to give an unbounded pool: at most what fits the slots, and at least the
/// process's threads when they are known (below them pool-smaller-than-thread-concurrency
/// would report the suggestion).
fn bound_help(fleet: &Fleet, member: &Member, pool: &Pool) -> String {
    let fit = fitting_max(fleet, pool, steady).unwrap_or(0);
    let threads = member
        .service
        .threads
        .as_ref()
        .and_then(|t| t.get())
        .copied();
    match threads {
        _ if fit < 1 => "give the pool a maximum, and make room for it: at the steady instance count the other pools leave no slot for it; lower them or the instance counts, raise max_connections, or put a pooler (PgBouncer) in front".to_owned(),
        Some(threads) if threads > fit => format!(
            "give the pool a maximum: {fit} per process is all that fits, but the process runs {threads} threads; lower the threads or instances to match, raise max_connections, or put a pooler (PgBouncer) in front"
        ),
        Some(threads) => format!(
            "give the pool a maximum between the process's {threads} threads and {fit} (what fits the database's slots per process)"
        ),
        None => format!("give the pool a maximum of at most {fit} per process (what fits the database's slots)"),
    }
}
