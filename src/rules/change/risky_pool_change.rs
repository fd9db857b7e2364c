//! `risky-pool-change`: a pool setting changed since `--diff-base REV` in a way that
//! cuts capacity or raises risk: the maximum shrank by `max-decrease-share` (25 %,
//! heuristic) or more, or the acquire timeout grew past the declared request deadline.
//! Where load is declared the message shows utilisation and P(timeout) before → after
//! (an infinite acquire timeout times out at the request deadline minus the hold time),
//! and the change is an error when it makes a pool that carried the peak saturate or
//! miss its wait target. This is the check that would have flagged the release that
//! shrank the auth service's pool from 40 to 4.
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use crate::capacity;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{number, pool_loads, probability, PoolLoad};
use crate::model::{human_duration, Model, Pool, Service};
use crate::rules::{key_of, Category, Inputs, RuleMeta, RuleOption, RuleOptions};
use crate::source::FileId;

static MAX_DECREASE_SHARE: RuleOption = RuleOption {
    name: "max-decrease-share",
    default: 0.25,
    doc: "Share by which a pool maximum may shrink before the change is reported (heuristic).",
    min: 0.0,
    max: 1.0,
    min_exclusive: false,
    max_exclusive: false,
    aliases: &[],
    whole: false,
};

pub static META: RuleMeta = RuleMeta {
    name: "risky-pool-change",
    category: Category::Sizing,
    default_severity: Severity::Warning,
    inputs: Inputs::Engine,
    summary: "A pool setting changed since --diff-base in a way that cuts capacity or raises risk.",
    options: &[MAX_DECREASE_SHARE],
};

/// Registered so it can be selected, configured and explained; the comparison runs
/// from the engine with both models (see [`compare`]).
pub struct Rule;

impl crate::rules::Rule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _model: &Model, _options: &RuleOptions, _out: &mut crate::rules::Findings) {}
}

/// A pool's identity across revisions: its file relative to the repository, its name
/// and its profile. One file can still hold several pools of one key (a Kubernetes
/// manifest's environment and its ConfigMap's `application.yml`): they pair up in the
/// order they are read.
type PoolKey = (PathBuf, String, Option<String>);

/// The pools of the tree at REV by identity, indexed once however many checks (the
/// shares of a monorepo's run) compare with them.
pub struct PoolsAtRev<'m>(BTreeMap<PoolKey, Vec<&'m Pool>>);

/// Index `before`'s pools; `before_path` maps its file ids to repository paths.
pub fn pools_at_rev<'m>(
    before: &'m Model,
    before_path: &dyn Fn(FileId) -> Option<PathBuf>,
) -> PoolsAtRev<'m> {
    PoolsAtRev(by_key(before, before_path))
}

/// Compare every pool of `after` (the working tree) with the same pool at `rev`.
/// `after_path` maps its file ids to repository paths.
pub fn compare(
    old: &PoolsAtRev,
    after: &Model,
    after_path: &dyn Fn(FileId) -> Option<PathBuf>,
    rev: &str,
    options: &RuleOptions,
) -> Vec<Diagnostic> {
    let share = options.get(&MAX_DECREASE_SHARE);
    let warn_at = options.get(&crate::rules::sizing::WARN_UTILIZATION);
    let old = &old.0;
    let loads: Vec<PoolLoad> = pool_loads(after);
    let load_of: HashMap<*const Pool, &PoolLoad> =
        loads.iter().map(|l| (l.pool as *const Pool, l)).collect();
    let service_of: HashMap<*const Pool, &Service> = after
        .services
        .iter()
        .flat_map(|s| {
            s.pools
                .iter()
                .filter_map(|&i| after.pools.get(i))
                .map(move |p| (&**p as *const Pool, s))
        })
        .rev()
        .collect();
    let mut out = Vec::new();
    for (key, pools) in by_key(after, after_path) {
        // Pools that came or went under one key: which is which cannot be told.
        let Some(previous) = old.get(&key).filter(|p| p.len() == pools.len()) else {
            continue;
        };
        for (previous, pool) in previous.iter().zip(pools) {
            let load = load_of.get(&(pool as *const Pool)).copied();
            out.extend(shrunk_max(previous, pool, load, rev, (share, warn_at)));
            let service = service_of.get(&(pool as *const Pool)).copied();
            out.extend(longer_timeout(previous, pool, service, rev));
        }
    }
    out
}

/// The model's pools by identity, each key's in the order they were read.
fn by_key<'m>(
    model: &'m Model,
    path: &dyn Fn(FileId) -> Option<PathBuf>,
) -> BTreeMap<PoolKey, Vec<&'m Pool>> {
    let mut pools: BTreeMap<PoolKey, Vec<&Pool>> = BTreeMap::new();
    for pool in &model.pools {
        if let Some(key) = key(pool, path) {
            pools.entry(key).or_default().push(pool);
        }
    }
    pools
}

fn key(pool: &Pool, path: &dyn Fn(FileId) -> Option<PathBuf>) -> Option<PoolKey> {
    let file = pool.max.location().or(pool.anchor)?.file;
    Some((path(file)?, pool.name.clone(), pool.profile.clone()))
}

/// Utilisation and P(timeout) of `servers` connections under `load` with the acquire
/// timeout `timeout`. An infinite timeout (0) times out at the declared request deadline
/// minus the hold time, as the sizing rules and `poollint capacity` count it; without a
/// deadline nothing times out and P(timeout) is None (below saturation).
fn at_load(load: &PoolLoad, servers: u64, timeout: Option<Duration>) -> (f64, Option<f64>) {
    let utilisation = load.offered / servers.max(1) as f64;
    if utilisation >= 1.0 {
        return (utilisation, Some(1.0));
    }
    let p = timeout.and_then(|t| wait_limit(load, t)).map(|limit| {
        capacity::prob_wait_exceeds(servers, load.offered, limit, load.hold).unwrap_or(1.0)
    });
    (utilisation, p)
}

/// How long a checkout may wait with the acquire timeout `timeout` (0: infinite).
fn wait_limit(load: &PoolLoad, timeout: Duration) -> Option<Duration> {
    if !timeout.is_zero() {
        return Some(timeout);
    }
    let deadline = *load.load.request_timeout.as_ref()?.get()?;
    deadline.checked_sub(load.hold)
}

/// The smallest maximum below `old` whose cut is less than `share` of it, which the
/// rule does not report: `old − k` for the largest whole cut `k < share × old`.
fn unreported_max(old: i64, share: f64) -> i64 {
    let bound = capacity::snap(share * old as f64);
    let largest_cut = (bound.ceil() as i64 - 1).max(0);
    old - largest_cut
}

fn shrunk_max(
    before: &Pool,
    after: &Pool,
    load: Option<&PoolLoad>,
    rev: &str,
    (share, warn_at): (f64, f64),
) -> Option<Diagnostic> {
    let (&old, &new) = (before.max.get()?, after.max.get()?);
    if old <= 0 || new >= old || ((old - new) as f64) < share * old as f64 {
        return None;
    }
    let at = after.max.location().or(after.anchor)?;
    let cut = (old - new) as f64 / old as f64 * 100.0;
    let mut message = format!(
        "the pool maximum went from {old} to {new} since {rev} (−{}%)",
        number(cut)
    );
    let mut severity = Severity::Warning;
    let mut help = format!("keep the pool at {old}, or declare the load in poollint.toml so the change can be checked against it");
    if let Some(load) = load {
        let timeout = after.acquire_timeout.get().copied();
        let (u_old, p_old) = at_load(load, old as u64, before.acquire_timeout.get().copied());
        let (u_new, p_new) = at_load(load, new as u64, timeout);
        let target = load
            .load
            .max_wait_probability
            .get()
            .copied()
            .unwrap_or(0.001);
        message.push_str(&format!(
            ": at the declared peak utilisation goes {}% → {}%",
            number(u_old * 100.0),
            number(u_new * 100.0),
        ));
        if let (Some(p_old), Some(p_new)) = (p_old, p_new) {
            message.push_str(&format!(
                " and P(timeout) {} → {}",
                probability(p_old),
                probability(p_new)
            ));
        }
        let misses_target = p_new.is_some_and(|p| p > target);
        let missed_target = p_old.is_some_and(|p| p > target);
        if (u_new >= 1.0 && u_old < 1.0) || (misses_target && !missed_target) {
            severity = Severity::Error;
            message.push_str(": the pool can no longer carry the peak");
        }
        // The size the sizing rules' help and `poollint capacity` name.
        if let Some(n) = crate::rules::sizing::smallest_passing_pool(load, warn_at) {
            let reason = crate::rules::sizing::passing_pool_reason(load, warn_at);
            help = match u64::try_from(new).is_ok_and(|new| new >= n) {
                // The new size carries the load: only this rule's cut is left to clear.
                true => format!(
                    "the declared peak needs a pool maximum of at least {n} ({reason} at the declared peak), which {new} meets"
                ),
                false => format!("keep the pool maximum at least {n} ({reason} at the declared peak)"),
            };
            // The load allows less than this rule does: say what clears the finding
            // too, which "at least n" alone did not when n was already met.
            let clears = unreported_max(old, share);
            if i64::try_from(n).is_ok_and(|n| n < clears) {
                help.push_str(&format!(
                    "; this rule reports a cut of {}% or more, so {clears} or more is not reported (suppress this finding if the cut is meant)",
                    number(share * 100.0)
                ));
            }
        }
    }
    Some(
        Diagnostic::new(&META, severity, at, message)
            .with_label(format!("was {old}"))
            .with_help(help)
            .with_key(key_of(&after.max, after, "maximum-pool-size"))
            .with_fingerprint(format!("max:{old}->{new}")),
    )
}

/// `service`: the first service that uses `after`, whose declared deadline applies.
fn longer_timeout(
    before: &Pool,
    after: &Pool,
    service: Option<&Service>,
    rev: &str,
) -> Option<Diagnostic> {
    let (&old, &new) = (before.acquire_timeout.get()?, after.acquire_timeout.get()?);
    // Zero means "wait forever", the longest timeout of all.
    let became_infinite = new.is_zero() && !old.is_zero();
    if new <= old && !became_infinite {
        return None;
    }
    let deadline = *service?.load.as_ref()?.request_timeout.as_ref()?.get()?;
    let past = new.is_zero() || new >= deadline;
    if !past || (!old.is_zero() && old >= deadline) {
        return None;
    }
    let at = after.acquire_timeout.location().or(after.anchor)?;
    let new_text = if new.is_zero() {
        "infinite".to_owned()
    } else {
        human_duration(new)
    };
    Some(
        Diagnostic::new(
            &META,
            Severity::Error,
            at,
            format!(
                "the acquire timeout went from {} to {new_text} since {rev}, past the {} request deadline: threads now wait for connections after their callers gave up",
                human_duration(old),
                human_duration(deadline)
            ),
        )
        .with_label(format!("was {}", human_duration(old)))
        .with_help(format!("keep the acquire timeout below {}", human_duration(deadline)))
        .with_key(key_of(&after.acquire_timeout, after, "connection-timeout"))
        .with_fingerprint(format!("timeout:{}->{}", old.as_millis(), new.as_millis())),
    )
}
