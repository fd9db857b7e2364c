//! Declared load per pool, shared by the load rules (catalogue §4.1, §4.3): the fleet's
//! peak rate split evenly over instances and processes, Little's law for the offered
//! load, and the text that shows where every input came from.

use std::time::Duration;

use crate::model::{Load, Location, Model, Pool, Service};
use crate::rules::topology::place;

/// One pool of a service with declared load.
pub(crate) struct PoolLoad<'m> {
    pub service: &'m Service,
    pub pool: &'m Pool,
    pub load: &'m Load,
    /// `N`: the pool's maximum, or the threads per process below it
    /// ([`PoolLoad::threads_cap`]).
    pub servers: u64,
    /// Where the threads that cap an Active Record pool below its maximum are set: a
    /// thread holds at most one connection.
    pub threads_cap: Option<&'m crate::model::Origin>,
    pub hold: Duration,
    /// `A = λ × T`, mean busy connections.
    pub offered: f64,
    /// `offered 9.0 = 800 req/s (poollint.toml:12) × 1 connection ÷ (3 instances (…) × 1 process) × 15 ms (poollint.toml:13)`.
    pub explanation: String,
    /// Where the pool maximum is (the value to change).
    pub at: Location,
}

impl PoolLoad<'_> {
    pub fn utilisation(&self) -> f64 {
        self.offered / self.servers.max(1) as f64
    }

    /// `A ≥ N` (within [`crate::capacity::TOLERANCE`]): the queue grows without bound.
    pub fn unstable(&self) -> bool {
        crate::capacity::reaches(self.offered, self.servers.max(1) as f64)
    }

    /// The key the pool maximum was written under.
    pub fn key(&self) -> String {
        crate::rules::key_of(&self.pool.max, self.pool, "maximum-pool-size")
    }

    /// The help when a pool of `n` connections would pass (`reason`) but the service's
    /// processes run fewer Active Record threads, each holding at most one connection:
    /// the threads must grow with the pool.
    pub fn threads_help(&self, n: u64, reason: &str) -> Option<String> {
        let (threads, _) = connection_threads(self.service, self.pool)?;
        (threads < n).then(|| format!(
            "a pool of {n} would pass ({reason}), but each of the {threads} threads per process holds at most one Active Record connection, so the pool cannot pass the threads: raise the threads (with the pool) to at least {n}, or add processes or instances"
        ))
    }

    /// `N` for a message: "in effect 5" when the threads cap the pool.
    pub fn servers_shown(&self) -> String {
        match self.threads_cap {
            Some(_) => format!("in effect {}", self.servers),
            None => self.servers.to_string(),
        }
    }

    /// Where `N` comes from: the pool maximum's place, or the threads' with the maximum
    /// they cap.
    pub fn max_place(&self, model: &Model) -> String {
        let max = place(model, &self.pool.max.origin);
        match self.threads_cap {
            Some(origin) => format!(
                "the threads per process ({}) below the pool's {} ({max}): a thread holds at most one connection",
                place(model, origin),
                self.pool.max.get().copied().unwrap_or(0)
            ),
            None => max,
        }
    }
}

/// Every pool of every service that declares load.
pub(crate) fn pool_loads(model: &Model) -> Vec<PoolLoad<'_>> {
    let mut out = Vec::new();
    for service in &model.services {
        let Some(load) = &service.load else { continue };
        // Pools of profiles known not to run carry no load; with the active profile
        // unknown, each profile's pool is checked as if it ran.
        let demand = crate::model::profiles::demand_pools(model, service);
        let pools: Vec<&Pool> = if demand.active_known {
            demand.pools
        } else {
            crate::model::links::pools(model, service).collect()
        };
        for pool in pools {
            out.extend(pool_load(model, service, load, pool));
        }
    }
    out
}

fn pool_load<'m>(
    model: &Model,
    service: &'m Service,
    load: &'m Load,
    pool: &'m Pool,
) -> Option<PoolLoad<'m>> {
    let written = u64::try_from(*pool.max.get()?).ok()?;
    let threads = threads_below_pool(service, pool, written);
    let servers = threads.as_ref().map_or(written, |(threads, _)| *threads);
    let at = pool.max.location().or(pool.anchor)?;
    let peak = *load.peak_rps.get()?;
    let hold = *load.hold_time.get()?;
    let per_request = load
        .connections_per_request
        .get()
        .copied()
        .unwrap_or(1)
        .max(1);
    let (instances, instances_place) = instances(model, service);
    let processes = service.processes_per_instance();
    let offered = crate::capacity::pool_offered_load(
        peak * per_request as f64,
        instances,
        processes as u64,
        hold,
    )?;
    if !offered.is_finite() {
        return None;
    }
    let explanation = format!(
        "offered load {} = {} req/s ({}) × {per_request} connection{} ÷ ({instances} instance{} ({instances_place}) × {processes} process{}) × hold time {} ({})",
        number(offered),
        number(peak),
        place(model, &load.peak_rps.origin),
        plural(per_request as u64),
        plural(instances),
        if processes == 1 { "" } else { "es" },
        crate::model::human_duration(hold),
        place(model, &load.hold_time.origin),
    );
    Some(PoolLoad {
        service,
        pool,
        load,
        servers,
        threads_cap: threads.map(|(_, origin)| origin),
        hold,
        offered,
        explanation,
        at,
    })
}

/// The threads per process of an Active Record pool's service when they are fewer than
/// its `max`: no more connections than threads are ever busy, and the load is judged
/// against the threads.
fn threads_below_pool<'m>(
    service: &'m Service,
    pool: &Pool,
    max: u64,
) -> Option<(u64, &'m crate::model::Origin)> {
    connection_threads(service, pool).filter(|(threads, _)| *threads < max)
}

/// The threads per process that bound how many of an Active Record pool's connections
/// are busy at once, with where they are set: a thread holds at most one connection
/// (rules-catalogue CC01). None for other libraries, or threads not known.
pub(crate) fn connection_threads<'m>(
    service: &'m Service,
    pool: &Pool,
) -> Option<(u64, &'m crate::model::Origin)> {
    if pool.library != crate::model::Library::ActiveRecord {
        return None;
    }
    let setting = service.threads.as_ref()?;
    let threads = u64::try_from(*setting.get()?).ok().filter(|&t| t >= 1)?;
    Some((threads, &setting.origin))
}

/// Steady instances of a service and where that number came from.
fn instances(model: &Model, service: &Service) -> (u64, String) {
    let replicas = service
        .deployment
        .as_ref()
        .and_then(|d| d.replicas.as_ref());
    match replicas.and_then(|r| r.get().map(|v| (*v, r))) {
        Some((value, setting)) => (value.max(1) as u64, place(model, &setting.origin)),
        None => (1, "none declared".to_owned()),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A number for messages: whole numbers bare, others with up to 2 decimals, or as many
/// more as it takes not to show a whole number the value is not (99.9999 req/s is not
/// "100", a utilisation of 99.9999 % not the "100%" that is an error).
pub(crate) fn number(value: f64) -> String {
    // Beyond 2^53 an f64 holds no fractions, and an i64 cast would saturate (1e300 as
    // 9223372036854775807): large values are shown in exponent form.
    if value.abs() >= 1e15 {
        format!("{value:e}")
    } else if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        (2..=MAX_DECIMALS)
            .map(|decimals| decimals_text(value, decimals))
            .find(|text| text.contains('.'))
            .unwrap_or_else(|| value.to_string())
    }
}

/// The most decimals [`number`] shows: past 1e-9 values count as equal
/// ([`crate::capacity::TOLERANCE`]).
const MAX_DECIMALS: usize = 10;

/// `value` with `decimals` decimals, trailing zeros dropped.
fn decimals_text(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// [`number`] of a value a message compares with `bound` (printed by [`number`]): with
/// as many decimals as it takes not to print the bound itself unless the value is at
/// it, so "utilisation 85%: above 85%" is shown as "85.00001%".
pub(crate) fn number_beside(value: f64, bound: f64) -> String {
    let at_bound =
        !crate::capacity::exceeds(value, bound) && !crate::capacity::exceeds(bound, value);
    let shown = number(value);
    if at_bound || shown != number(bound) {
        return shown;
    }
    (3..=MAX_DECIMALS)
        .map(|decimals| decimals_text(value, decimals))
        .find(|text| *text != number(bound))
        .unwrap_or_else(|| value.to_string())
}

/// A probability for messages: `3.1e-5` or `12.5%`.
pub(crate) fn probability(p: f64) -> String {
    if p <= 0.0 {
        "0".to_owned()
    } else if p < 1e-9 {
        "< 1e-9".to_owned()
    } else if p >= 0.001 {
        format!("{}%", number(p * 100.0))
    } else {
        format!("{p:.1e}")
    }
}

/// [`probability`] of a value a message compares with `bound`: with the digits it
/// takes not to print the bound itself unless the value is at it (a P(wait) of
/// 0.100001 % above a 0.1 % target is not shown as "0.1%").
pub(crate) fn probability_beside(p: f64, bound: f64) -> String {
    // The wait rule compares probabilities exactly (`p <= target` passes).
    let shown = probability(p);
    if p == bound || shown != probability(bound) {
        return shown;
    }
    if p >= 0.001 {
        return format!("{}%", number_beside(p * 100.0, bound * 100.0));
    }
    (2..=MAX_DECIMALS)
        .map(|decimals| format!("{p:.decimals$e}"))
        .find(|text| text.parse::<f64>().is_ok_and(|shown| shown != bound))
        .unwrap_or_else(|| p.to_string())
}

#[cfg(test)]
mod tests {
    /// A probability just above its target is not printed as the target.
    #[test]
    fn probabilities_beside_a_target_are_not_printed_as_it() {
        assert_eq!(super::probability(0.001_000_01), "0.1%");
        assert_eq!(super::probability_beside(0.001_000_01, 0.001), "0.100001%");
        assert_eq!(
            super::probability_beside(0.000_100_001, 0.0001),
            "1.00001e-4"
        );
        assert_eq!(super::probability_beside(0.002, 0.001), "0.2%");
        assert_eq!(super::probability_beside(0.001, 0.001), "0.1%");
    }

    #[test]
    fn numbers_too_large_for_an_integer_are_shown_in_exponent_form() {
        assert_eq!(super::number(1e300), "1e300");
        assert_eq!(super::number(7.0), "7");
        assert_eq!(super::number(5.1), "5.1");
        assert_eq!(super::number(999_999.0), "999999");
    }

    /// A value near a whole number is not shown as it, and a value beside a bound is not
    /// shown as the bound: the printed numbers agree with the comparison.
    #[test]
    fn numbers_never_round_onto_a_whole_number_or_bound_they_are_not() {
        assert_eq!(super::number(99.9999), "99.9999");
        assert_eq!(super::number(9.999_999), "9.999999");
        assert_eq!(super::number(12.5), "12.5");
        assert_eq!(super::number_beside(85.000_01, 85.0), "85.00001");
        assert_eq!(super::number_beside(85.0, 85.0), "85");
        assert_eq!(super::number_beside(86.5, 85.0), "86.5");
        assert_eq!(super::number_beside(12.3456, 12.35), "12.346");
    }
}
