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
    /// `N`: the pool's maximum.
    pub servers: u64,
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

    pub fn max_place(&self, model: &Model) -> String {
        place(model, &self.pool.max.origin)
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
    let servers = u64::try_from(*pool.max.get()?).ok()?;
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
        hold,
        offered,
        explanation,
        at,
    })
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

/// A number for messages: whole numbers bare, others with up to 2 decimals.
pub(crate) fn number(value: f64) -> String {
    // Beyond 2^53 an f64 holds no fractions, and an i64 cast would saturate (1e300 as
    // 9223372036854775807): large values are shown in exponent form.
    if value.abs() >= 1e15 {
        format!("{value:e}")
    } else if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_too_large_for_an_integer_are_shown_in_exponent_form() {
        assert_eq!(super::number(1e300), "1e300");
        assert_eq!(super::number(7.0), "7");
        assert_eq!(super::number(5.1), "5.1");
        assert_eq!(super::number(999_999.0), "999999");
    }
}
