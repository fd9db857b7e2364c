//! Capacity math (DESIGN.md §9, rules catalogue §3.1 and §4).
//!
//! Pure functions, no I/O. Every function cites the catalogue source key it implements
//! (written as `` `[KEY]` ``; the keys resolve in catalogue §8).
//!
//! # Invalid inputs
//!
//! A *load* (Erlangs) or *rate* that is NaN or negative is invalid. Functions returning
//! `Option` return `None` for it, [`pool_offered_load`] too, so that the invalidity is
//! never silently turned into "no load". An infinite
//! load is valid: it is simply unstable for every pool size. Integer arithmetic saturates
//! at `u64::MAX` instead of overflowing. Nothing here panics.
//!
//! # Queueing model
//!
//! A pool is an M/M/c queue `[ERLANG-C]` `[MMC]`: `N = pool.max` servers, Poisson checkouts,
//! exponential hold times with mean `T`, FIFO, unlimited queue. It is *stable* iff `A < N`.

use std::time::Duration;

/// `true` when `load` can be used as an offered load (finite or `+inf`, not negative).
fn is_valid_load(load: f64) -> bool {
    load >= 0.0
}

/// Relative tolerance of the threshold comparisons (`A ≥ N`, `A / N > warn-utilization`,
/// a share of slots): two values within `1e-9` of the larger (or of 1) are equal. The
/// inputs are written in decimal (`0.3`, `300ms`, `70 / 3`), which `f64` cannot hold
/// exactly, so a load that is exactly the pool size computes as `6.999999999999999` and a
/// utilisation of exactly 85 % as `0.8500000000000001`; the tolerance is far below any
/// difference a manifest can mean (a millionth of a connection).
pub const TOLERANCE: f64 = 1e-9;

fn tolerance_at(a: f64, b: f64) -> f64 {
    TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// `value`, or the whole number it is within [`TOLERANCE`] of.
pub fn snap(value: f64) -> f64 {
    let whole = value.round();
    if value.is_finite() && (value - whole).abs() <= tolerance_at(value, whole) {
        whole
    } else {
        value
    }
}

/// `value > bound` beyond [`TOLERANCE`]: `exceeds(0.85000000001, 0.85)` is `false`.
pub fn exceeds(value: f64, bound: f64) -> bool {
    value - bound > tolerance_at(value, bound)
}

/// `value ≥ bound` within [`TOLERANCE`]: `reaches(6.999999999999999, 7.0)` is `true`.
pub fn reaches(value: f64, bound: f64) -> bool {
    !exceeds(bound, value)
}

/// Offered load per pool by Little's law `[LITTLE]` (catalogue §4.1), `A = λ · T`, the
/// mean number of busy connections, with the fleet's checkouts spread evenly over its
/// pools: `A = λ_fleet · T / (instances × processes)`, computed as
/// `λ_fleet × T[ns] / (pools × 10⁹)` so the only rounding is the final division (70 req/s
/// × 300 ms over 3 pools is 7, not `70 / 3 × 0.3 = 6.999999999999999`), then [`snap`]ped
/// to a whole number within [`TOLERANCE`].
///
/// `None` when there is no process or the rate is invalid (negative or NaN); NaN for
/// `inf × 0 s`.
pub fn pool_offered_load(
    fleet_rate_per_second: f64,
    instances: u64,
    processes: u64,
    hold: Duration,
) -> Option<f64> {
    let pools = instances.saturating_mul(processes);
    if pools == 0 || !is_valid_load(fleet_rate_per_second) {
        return None;
    }
    let numerator = fleet_rate_per_second * hold.as_nanos() as f64;
    if numerator.is_infinite() && fleet_rate_per_second.is_finite() {
        // Past `f64` in nanoseconds (1e306 req/s × 1 s) but not as a load: the load,
        // not an infinite one.
        return Some(fleet_rate_per_second / pools as f64 * hold.as_secs_f64());
    }
    Some(snap(numerator / (pools as f64 * 1e9)))
}

/// Utilisation `ρ = A / N` `[ERLANG-C]` (catalogue §4.3). `ρ ≥ 1` means unstable (SZ04).
///
/// `None` for `N = 0` or an invalid load.
pub fn utilisation(servers: u64, load: f64) -> Option<f64> {
    if servers == 0 || !is_valid_load(load) {
        return None;
    }
    Some(load / servers as f64)
}

/// One step of the Erlang B recursion: `B(k) = A·B(k−1) / (k + A·B(k−1))`.
fn erlang_b_step(previous: f64, k: u64, load: f64) -> f64 {
    let x = load * previous;
    x / (k as f64 + x)
}

/// Erlang B blocking probability `B(N, A)` by the stable recursion `[ERLANG-C]`
/// (catalogue §4.3): `B(0) = 1`, `B(k) = A·B(k−1) / (k + A·B(k−1))`.
///
/// No factorials or powers, so it is exact in `f64` for `N` in the tens of thousands;
/// cost is `O(N)` (it stops early once `B` underflows to 0). Above
/// [`RECURSION_SERVERS`] servers it is [`erlang_b_large`], `O(√A)`, so a pool of two
/// billion is answered at once. `None` for an invalid load; `Some(1.0)` for an
/// infinite load.
pub fn erlang_b(servers: u64, load: f64) -> Option<f64> {
    if !is_valid_load(load) {
        return None;
    }
    if load.is_infinite() {
        return Some(1.0);
    }
    if servers > RECURSION_SERVERS {
        return Some(erlang_b_large(servers, load));
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = erlang_b_step(b, k, load);
        if b == 0.0 {
            break;
        }
    }
    Some(b)
}

/// The most servers [`erlang_b`] runs its recursion for: above any pool a database
/// serves (PostgreSQL's `max_connections` stops at 262143), so every real pool gets the
/// recursion's exact value.
const RECURSION_SERVERS: u64 = 1 << 20;

/// `B(N, A)` as `1 / Σⱼ tⱼ` with `tⱼ = Πᵢ₍ᵢ₌₀..ⱼ₋₁₎ (N − i) / A` (the recursion for `1/B`
/// unrolled from `N` down), summing only the terms that count: they rise while
/// `N − i > A` and fall like a Gaussian of width `√A` past that. When `N − A` is beyond
/// `40·√A` the terms reach `e^800` and `B` is below the smallest `f64`, so 0, as the
/// recursion gives; otherwise the terms past the peak fall below `10⁻¹⁸` of the sum within
/// some `10·√A` more. Large terms are rescaled by `10⁻¹⁰⁰` as they are summed.
fn erlang_b_large(servers: u64, load: f64) -> f64 {
    let n = servers as f64;
    let spread = load.sqrt();
    if n - load > 40.0 * spread + 40.0 {
        return 0.0;
    }
    const SCALE: f64 = 1e100;
    let (mut term, mut sum, mut scales) = (1.0f64, 1.0f64, 0i32);
    for i in 0..servers {
        term *= (n - i as f64) / load;
        sum += term;
        if term > SCALE {
            term /= SCALE;
            sum /= SCALE;
            scales += 1;
        }
        // Past the peak (`N − i ≤ A`) and negligible: the rest add less than `10⁻¹⁸`.
        if n - (i as f64) <= load && term < sum * 1e-18 {
            break;
        }
    }
    (1.0 / sum) * SCALE.powi(-scales)
}

/// Erlang C from Erlang B: `C = N·B / (N − A·(1 − B))`, valid for `A < N`.
fn erlang_c_from_b(servers: u64, load: f64, b: f64) -> f64 {
    let n = servers as f64;
    (n * b / (n - load * (1.0 - b))).clamp(0.0, 1.0)
}

/// Erlang C: probability that a checkout has to wait `[ERLANG-C]` (catalogue §4.3):
/// `C(N, A) = N·B(N, A) / (N − A·(1 − B(N, A)))` for `A < N`, and `C = 1` when `A ≥ N`
/// (unstable: eventually everybody waits).
///
/// `None` for an invalid load. The result is always in `[0, 1]`.
pub fn erlang_c(servers: u64, load: f64) -> Option<f64> {
    if !is_valid_load(load) {
        return None;
    }
    if load >= servers as f64 {
        return Some(1.0);
    }
    let b = erlang_b(servers, load)?;
    Some(erlang_c_from_b(servers, load, b))
}

/// `t / T`, with `0 / 0 = 0` (no wait tolerated) and `t / 0 = inf` (instant service).
fn wait_ratio(wait: Duration, hold: Duration) -> f64 {
    if wait.is_zero() {
        0.0
    } else {
        wait.as_secs_f64() / hold.as_secs_f64()
    }
}

/// `C · exp(−(N − A)·t/T)` for a stable queue, given `C` and the ratio `t/T`.
fn tail_from_c(servers: u64, load: f64, c: f64, ratio: f64) -> f64 {
    if ratio == 0.0 {
        return c;
    }
    (c * (-(servers as f64 - load) * ratio).exp()).clamp(0.0, 1.0)
}

/// Probability that a checkout waits longer than `wait` (FIFO) `[ERLANG-C]` (catalogue
/// §4.3, rule SZ05): `P(W > t) = C(N, A) · exp(−(N − A) · t / T)` with `T = hold`.
///
/// `Some(1.0)` when unstable (`A ≥ N`); `None` for an invalid load.
pub fn prob_wait_exceeds(servers: u64, load: f64, wait: Duration, hold: Duration) -> Option<f64> {
    let c = erlang_c(servers, load)?;
    if load >= servers as f64 {
        return Some(1.0);
    }
    Some(tail_from_c(servers, load, c, wait_ratio(wait, hold)))
}

/// Mean wait in the queue `[ERLANG-C]` (catalogue §4.3): `Wq = C(N, A) · T / (N − A)`.
///
/// `None` when unstable (`A ≥ N`: the wait grows without bound), for an invalid load, or
/// when the result does not fit a `Duration`.
pub fn mean_wait(servers: u64, load: f64, hold: Duration) -> Option<Duration> {
    let c = erlang_c(servers, load)?;
    if load >= servers as f64 {
        return None;
    }
    let secs = c * hold.as_secs_f64() / (servers as f64 - load);
    Duration::try_from_secs_f64(secs).ok()
}

/// Smallest pool size `N` with utilisation `A / N ≤ max_utilisation` and `N > A`
/// (stable: catalogue §4.1), tested as the saturation rule tests it, so rounding in
/// `A / max_utilisation` neither adds a connection nor misses one. `None` for an invalid
/// load or bound, or when no `N ≤ max_servers` meets it.
pub fn smallest_pool_for_utilisation(
    load: f64,
    max_utilisation: f64,
    max_servers: u64,
) -> Option<u64> {
    if !is_valid_load(load)
        || max_utilisation.is_nan()
        || max_utilisation <= 0.0
        || load >= max_servers as f64
    {
        return None;
    }
    let estimate = (load / max_utilisation).ceil();
    if estimate > max_servers as f64 {
        return None;
    }
    // `load < max_servers`, so `⌊A⌋ + 1 ≤ max_servers`; the estimate is within bounds.
    let stable = load.floor() as u64 + 1;
    let passes = |n: u64| !exceeds(load / n as f64, max_utilisation);
    let mut n = (estimate as u64).max(stable);
    while n > stable && passes(n - 1) {
        n -= 1;
    }
    while !passes(n) {
        n = n.checked_add(1).filter(|&n| n <= max_servers)?;
    }
    Some(n)
}

/// Smallest pool size `N` with `P(W > t) ≤ ε` `[ERLANG-C]` (catalogue §4.3, rule SZ05),
/// searching upwards from `⌊A⌋ + 1` (the smallest stable size).
///
/// `B` is advanced one step per candidate, so the whole search is `O(result)`.
/// `None` when no `N ≤ max_servers` meets the target, for an invalid load, or when `ε` is
/// NaN or negative.
pub fn smallest_pool_for_wait(
    load: f64,
    wait: Duration,
    hold: Duration,
    max_wait_probability: f64,
    max_servers: u64,
) -> Option<u64> {
    let valid_target = is_valid_load(max_wait_probability);
    if !is_valid_load(load) || !valid_target || load >= max_servers as f64 {
        return None;
    }
    // `load < max_servers ≤ u64::MAX` here, so the cast and the `+ 1` cannot overflow.
    let start = load.floor() as u64 + 1;
    let ratio = wait_ratio(wait, hold);
    let mut b = erlang_b(start, load)?;
    for servers in start..=max_servers {
        if servers > start {
            b = erlang_b_step(b, servers, load);
        }
        let c = erlang_c_from_b(servers, load, b);
        if tail_from_c(servers, load, c, ratio) <= max_wait_probability {
            return Some(servers);
        }
    }
    None
}

/// A Kubernetes `IntOrString` for `maxSurge` / `maxUnavailable` `[K8S-DEPLOY]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    /// An absolute number of pods.
    Int(u64),
    /// A whole percentage of the desired replicas (Kubernetes accepts integers only).
    Percent(u64),
}

impl IntOrPercent {
    /// Absolute value against `total` replicas, as Kubernetes'
    /// `GetScaledValueFromIntOrPercent`: `⌈p × total / 100⌉` when `round_up`, else
    /// `⌊p × total / 100⌋`; an `Int` is taken as is. Saturates at `u64::MAX`.
    pub fn scaled(self, total: u64, round_up: bool) -> u64 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                let product = u128::from(p) * u128::from(total);
                let rounded = if round_up {
                    product.div_ceil(100)
                } else {
                    product / 100
                };
                u64::try_from(rounded).unwrap_or(u64::MAX)
            }
        }
    }
}

/// Parses `"25%"` (a whole percentage) or `"3"` (absolute) `[K8S-DEPLOY]`. Surrounding
/// whitespace is ignored. `None` for anything else, including negative and fractional
/// values (`"12.5%"`), which Kubernetes rejects too.
pub fn parse_int_or_percent(text: &str) -> Option<IntOrPercent> {
    let text = text.trim();
    match text.strip_suffix('%') {
        Some(percent) => percent.parse().ok().map(IntOrPercent::Percent),
        None => text.parse().ok().map(IntOrPercent::Int),
    }
}

/// Rollout surge in pods `[K8S-DEPLOY]` (catalogue §3.1): `surge_abs = ⌈maxSurge% ×
/// replicas⌉`, or the absolute value.
pub fn surge_count(max_surge: IntOrPercent, replicas: u64) -> u64 {
    max_surge.scaled(replicas, true)
}

/// Pods that may be unavailable during a rollout `[K8S-DEPLOY]` (catalogue §3.1):
/// `unavail_abs = ⌊maxUnavailable% × replicas⌋`, or the absolute value; rounded up for a
/// DaemonSet (`round_up`), as its controller scales it.
pub fn unavailable_count(max_unavailable: IntOrPercent, replicas: u64, round_up: bool) -> u64 {
    max_unavailable.scaled(replicas, round_up)
}

/// Instance counts during a Kubernetes `RollingUpdate`; see [`rollout_peak`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutPeak {
    /// `surge_abs`.
    pub surge: u64,
    /// `unavail_abs` after the controller's fencepost rule.
    pub unavailable: u64,
    /// Pods the controller runs at once: `replicas + surge_abs` (TP02 error bound).
    pub controller: u64,
    /// Plus old pods still terminating: `replicas + surge_abs + unavail_abs` (TP02 warn
    /// bound, heuristic).
    pub with_terminating: u64,
}

/// Peak instances during a rolling update `[K8S-DEPLOY]` `[K8S-KEP3973]` (rule TP02):
/// `n_controller = replicas + surge_abs`, `n_terminating = n_controller + unavail_abs`.
///
/// Like the Deployment controller's `ResolveFenceposts`, when both values resolve to 0,
/// `unavail_abs` becomes 1. Terminating pods are old pods, so `unavail_abs` is capped at
/// `replicas` in `n_terminating`.
///
/// A DaemonSet (`daemon_set`) rounds `maxUnavailable` up, and with `maxSurge` 0 runs
/// no pod beside a terminating one: its controller creates a node's new pod only once no
/// pod of the DaemonSet is left on the node, a terminating one included (kubernetes
/// `pkg/controller/daemon/daemon_controller.go`, `podsShouldBeOnNode`: a node with a pod
/// is not `shouldRun && !exists`, and without surge a node whose pods are all
/// terminating gets none), so `n_terminating` is `n_controller` then.
pub fn rollout_peak(
    replicas: u64,
    max_surge: IntOrPercent,
    (max_unavailable, daemon_set): (IntOrPercent, bool),
) -> RolloutPeak {
    let surge = surge_count(max_surge, replicas);
    let mut unavailable = unavailable_count(max_unavailable, replicas, daemon_set);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let controller = replicas.saturating_add(surge);
    let terminating = match daemon_set && surge == 0 {
        true => 0,
        false => unavailable.min(replicas),
    };
    let with_terminating = controller.saturating_add(terminating);
    RolloutPeak {
        surge,
        unavailable,
        controller,
        with_terminating,
    }
}

/// Connection slots available to an ordinary application role `[PG-POSTMASTER]`
/// `[PG-CONN]` (catalogue §3.1): `max_connections − superuser_reserved_connections −
/// reserved_connections`, saturating at 0.
pub fn usable_slots(max_connections: u64, superuser_reserved: u64, reserved: u64) -> u64 {
    max_connections
        .saturating_sub(superuser_reserved)
        .saturating_sub(reserved)
}

/// Deadlock-avoidance minimum pool size for nested acquisition `[HK-SIZING]`
/// (catalogue §4.2, rule SZ06): `Tn × (Cm − 1) + 1` with `Tn` threads each holding up to
/// `Cm` connections at once. `Cm ≤ 1` gives 1. Saturating.
pub fn pool_locking_minimum(threads: u64, max_conns_per_task: u64) -> u64 {
    threads
        .saturating_mul(max_conns_per_task.saturating_sub(1))
        .saturating_add(1)
}

/// HikariCP / PostgreSQL wiki sizing formula for the *database's* active connections
/// `[HK-SIZING]` `[PG-WIKI-CONN]` (catalogue §4.2, rule SZ07):
/// `connections = core_count × 2 + effective_spindle_count`. Saturating.
pub fn hikari_pool_size(cores: u64, effective_spindles: u64) -> u64 {
    cores.saturating_mul(2).saturating_add(effective_spindles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn smallest_pool_for_utilisation_is_the_first_size_within_the_bound() {
        // 6.2 / 0.85 = 7.29: 7 runs at 88.6 % (above 85 %), 8 at 77.5 %.
        assert_eq!(smallest_pool_for_utilisation(6.2, 0.85, 1000), Some(8));
        // 8.5 / 0.85 rounds to 10.000000000000002: 10 runs at exactly 85 %, which passes.
        assert_eq!(smallest_pool_for_utilisation(8.5, 0.85, 1000), Some(10));
        // At a bound of 1, the pool must still be larger than the load (stable).
        assert_eq!(smallest_pool_for_utilisation(10.0, 1.0, 1000), Some(11));
        assert_eq!(smallest_pool_for_utilisation(0.0, 0.85, 1000), Some(1));
        assert_eq!(smallest_pool_for_utilisation(10.0, 0.0, 1000), None);
        assert_eq!(smallest_pool_for_utilisation(10.0, 0.5, 15), None);
        assert_eq!(smallest_pool_for_utilisation(f64::NAN, 0.85, 1000), None);
    }

    #[test]
    fn pool_offered_load_is_exact_at_whole_and_decimal_bounds() {
        let ms = Duration::from_millis;
        // 70 / 3 × 0.3 is 6.999999999999999 in f64.
        assert_eq!(pool_offered_load(70.0, 3, 1, ms(300)), Some(7.0));
        assert_eq!(pool_offered_load(110.0, 3, 1, ms(300)), Some(11.0));
        assert_eq!(pool_offered_load(140.0, 3, 1, ms(150)), Some(7.0));
        assert_eq!(pool_offered_load(250.0, 3, 1, ms(60)), Some(5.0));
        assert_eq!(pool_offered_load(220.0, 3, 2, ms(300)), Some(11.0));
        // 51 × 0.1 is 5.1000000000000005 in f64; the rules compare 5.1 / 6 with 85 % at
        // the tolerance.
        let load = pool_offered_load(51.0, 1, 1, ms(100)).unwrap_or(f64::NAN);
        assert_eq!(load, 5.1);
        assert!(!exceeds(load / 6.0, 0.85));
        assert!(exceeds(5.2 / 6.0, 0.85));
        assert_eq!(smallest_pool_for_utilisation(load, 0.85, 1000), Some(6));
        assert!(reaches(6.999999999999999, 7.0));
        assert!(!reaches(6.9999, 7.0));
        assert_eq!(pool_offered_load(70.0, 0, 1, ms(300)), None);
        assert_eq!(pool_offered_load(-1.0, 1, 1, ms(300)), None);
        // 1e306 × 10⁹ ns is beyond `f64`, the load 1e306 is not.
        assert_eq!(pool_offered_load(1e306, 1, 1, secs(1.0)), Some(1e306));
        assert_eq!(snap(26.999999999999996), 27.0);
        assert_eq!(snap(26.9999), 26.9999);
    }

    fn assert_close(actual: f64, expected: f64, rel: f64) {
        let tolerance = rel * expected.abs().max(f64::MIN_POSITIVE);
        assert!(
            (actual - expected).abs() <= tolerance,
            "actual {actual} differs from expected {expected} by more than {rel} relative"
        );
    }

    /// 4 significant digits: half a unit in the 4th digit is at most 5e-4 relative.
    const SIG4: f64 = 5e-4;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn c(servers: u64, load: f64) -> f64 {
        erlang_c(servers, load).unwrap()
    }

    #[test]
    fn v1_mm1_identity() {
        assert_close(c(1, 0.5), 0.5, SIG4);
        assert_close(
            mean_wait(1, 0.5, secs(1.0)).unwrap().as_secs_f64(),
            1.0,
            SIG4,
        );
    }

    #[test]
    fn v2_mm2_identity() {
        assert_close(c(2, 1.0), 1.0 / 3.0, SIG4);
    }

    #[test]
    fn v3_call_centre_helper() {
        let (t, hold) = (secs(20.0), secs(180.0));
        // (N, C, service level, Wq seconds)
        let rows = [
            (11, 0.6821, 0.3896, 122.78),
            (12, 0.4494, 0.6402, 40.44),
            (13, 0.2853, 0.7956, 17.12),
            (14, 0.1741, 0.8884, 7.84),
        ];
        for (n, cc, sl, wq) in rows {
            assert_close(c(n, 10.0), cc, SIG4);
            // Service level: the share served within `t`.
            assert_close(1.0 - prob_wait_exceeds(n, 10.0, t, hold).unwrap(), sl, SIG4);
            // 7.84 is printed with 3 significant digits (exact 7.8359).
            let rel = if n == 14 { 1e-3 } else { SIG4 };
            assert_close(mean_wait(n, 10.0, hold).unwrap().as_secs_f64(), wq, rel);
        }
        assert_close(utilisation(11, 10.0).unwrap(), 0.9091, SIG4);
        assert_eq!(smallest_pool_for_wait(10.0, t, hold, 0.2, 1000), Some(14));
    }

    #[test]
    fn v4_mitan() {
        let (t, hold) = (secs(15.0), secs(240.0));
        assert_close(utilisation(55, 48.0).unwrap(), 0.8727, SIG4);
        assert_close(c(55, 48.0), 0.2387, SIG4);
        assert_close(mean_wait(55, 48.0, hold).unwrap().as_secs_f64(), 8.18, SIG4);
        assert_close(
            1.0 - prob_wait_exceeds(55, 48.0, t, hold).unwrap(),
            0.8459,
            SIG4,
        );
    }

    #[test]
    fn v5_pool_shaped() {
        let hold = ms(25);
        let load = pool_offered_load(400.0, 1, 1, hold).unwrap_or(f64::NAN);
        assert_close(load, 10.0, 1e-12);
        assert_eq!(utilisation(10, load), Some(1.0));
        assert_eq!(erlang_c(10, load), Some(1.0));
        assert_eq!(mean_wait(10, load, hold), None);
        assert_eq!(prob_wait_exceeds(10, load, ms(250), hold), Some(1.0));
        assert_close(c(11, load), 0.682118, SIG4);
        assert_close(
            mean_wait(11, load, hold).unwrap().as_secs_f64() * 1e3,
            17.053,
            SIG4,
        );
        assert_close(
            prob_wait_exceeds(11, load, ms(250), hold).unwrap(),
            3.097e-5,
            SIG4,
        );
        assert_close(c(12, load), 0.449388, SIG4);
        assert_close(
            mean_wait(12, load, hold).unwrap().as_secs_f64() * 1e3,
            5.617,
            SIG4,
        );
        assert_close(
            prob_wait_exceeds(12, load, ms(250), hold).unwrap(),
            9.26e-10,
            SIG4,
        );
        assert_eq!(
            smallest_pool_for_wait(load, ms(250), hold, 1e-3, 1000),
            Some(11)
        );
    }

    #[test]
    fn v6_large_n_stability() {
        assert_close(c(132, 123.0), 0.3211, SIG4);
        assert_close(c(12_421, 12_345.0), 0.3812, SIG4);
        let b = erlang_b(12_421, 12_345.0).unwrap();
        assert!(b.is_finite() && b > 0.0 && b < 1.0);
    }

    /// The sum used above 2²⁰ servers agrees with the recursion where both run, and
    /// answers a pool of two billion with a load of a billion (the recursion took
    /// seconds for each call there).
    #[test]
    fn erlang_b_of_huge_pools_agrees_with_the_recursion() {
        let recursion =
            |servers: u64, load: f64| (1..=servers).fold(1.0, |b, k| erlang_b_step(b, k, load));
        for (servers, load) in [
            (12_421, 12_345.0),
            (5_000, 4_000.0),
            (3_000, 3_500.0),
            (40, 10.0),
        ] {
            assert_close(
                erlang_b_large(servers, load),
                recursion(servers, load),
                1e-9,
            );
        }
        assert_eq!(erlang_b_large(100_000, 10.0), 0.0);
        assert_eq!(erlang_b(2_000_000_000, 1e9), Some(0.0));
        let b = erlang_b(1_000_010_000, 1e9).unwrap();
        assert!(b > 0.0 && b < 1e-3, "{b}");
        let c = erlang_c(2_000_000_000, 1.999_9e9).unwrap();
        assert!(c > 0.0 && c <= 1.0, "{c}");
        assert_eq!(
            smallest_pool_for_wait(1e9, ms(100), ms(10), 0.001, 2_000_000_000),
            smallest_pool_for_wait(1e9, ms(100), ms(10), 0.001, 3_000_000_000),
        );
    }

    #[test]
    fn v7_littles_law() {
        let load = pool_offered_load(200.0, 1, 1, ms(50)).unwrap_or(f64::NAN);
        assert_close(load, 10.0, 1e-12);
    }

    #[test]
    fn v8_hikari_formulas() {
        assert_eq!(hikari_pool_size(4, 1), 9);
        assert_eq!(pool_locking_minimum(3, 4), 10);
        assert_eq!(pool_locking_minimum(8, 1), 1);
        assert_eq!(pool_locking_minimum(8, 0), 1);
    }

    #[test]
    fn v9_kubernetes_rollout_and_slots() {
        let quarter = parse_int_or_percent("25%").unwrap();
        assert_eq!(surge_count(quarter, 10), 3);
        assert_eq!(unavailable_count(quarter, 10, false), 2);
        assert_eq!(unavailable_count(quarter, 10, true), 3);
        let slots = usable_slots(100, 3, 0);
        assert_eq!(slots, 97);
        // A DaemonSet without surge replaces a node's pod once the old one is gone.
        let daemon = rollout_peak(4, IntOrPercent::Int(0), (IntOrPercent::Int(1), true));
        assert_eq!((daemon.controller, daemon.with_terminating), (4, 4));
        let surging = rollout_peak(4, IntOrPercent::Int(1), (IntOrPercent::Int(0), true));
        assert_eq!((surging.controller, surging.with_terminating), (5, 5));
        let peak = rollout_peak(10, quarter, (quarter, false));
        assert_eq!((peak.controller, peak.with_terminating), (13, 15));
        // The fleet's demand at these counts (100, 130, 150 connections) is what the
        // rules compute with `Fleet::demand`: tests/capacity_help.rs checks it there.
    }

    #[test]
    fn splitting_a_pool_increases_waiting() {
        // Catalogue §4.3 caveats, T = 25 ms.
        let (t, hold) = (ms(50), ms(25));
        assert_close(c(12, 10.0), 0.4494, SIG4);
        assert_close(
            mean_wait(12, 10.0, hold).unwrap().as_secs_f64() * 1e3,
            5.62,
            SIG4,
        );
        // 0.0082 is printed with 2 significant digits (exact 0.008231).
        assert_close(
            prob_wait_exceeds(12, 10.0, t, hold).unwrap(),
            0.0082,
            6.1e-3,
        );
        assert_close(c(6, 5.0), 0.5875, SIG4);
        assert_close(
            mean_wait(6, 5.0, hold).unwrap().as_secs_f64() * 1e3,
            14.69,
            SIG4,
        );
        assert_close(prob_wait_exceeds(6, 5.0, t, hold).unwrap(), 0.0795, SIG4);
    }

    #[test]
    fn parses_int_or_percent() {
        assert_eq!(parse_int_or_percent("3"), Some(IntOrPercent::Int(3)));
        assert_eq!(
            parse_int_or_percent(" 25% "),
            Some(IntOrPercent::Percent(25))
        );
        for bad in ["", "%", "-1", "12.5%", "25 %", "abc", "3x"] {
            assert_eq!(parse_int_or_percent(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fleet_arithmetic_edges() {
        assert_eq!(surge_count(IntOrPercent::Int(4), 10), 4);
        assert_eq!(
            surge_count(IntOrPercent::Percent(u64::MAX), u64::MAX),
            u64::MAX
        );
        let zero = IntOrPercent::Percent(0);
        assert_eq!(
            rollout_peak(3, zero, (IntOrPercent::Percent(10), false)).unavailable,
            1
        );
        assert_eq!(
            rollout_peak(3, IntOrPercent::Int(1), (IntOrPercent::Int(9), false)).with_terminating,
            7
        );
        assert_eq!(usable_slots(3, 3, 2), 0);
        // Per-pool rate under even balancing: 400 / (4 × 2) = 50 checkouts per second.
        assert_eq!(pool_offered_load(400.0, 4, 2, secs(1.0)), Some(50.0));
        assert_eq!(pool_offered_load(400.0, 0, 2, secs(1.0)), None);
    }

    #[test]
    fn invalid_and_degenerate_inputs() {
        for bad in [f64::NAN, -1.0, f64::NEG_INFINITY] {
            assert_eq!(pool_offered_load(bad, 1, 1, ms(1)), None);
            assert_eq!(erlang_b(5, bad), None);
            assert_eq!(erlang_c(5, bad), None);
            assert_eq!(utilisation(5, bad), None);
            assert_eq!(prob_wait_exceeds(5, bad, ms(1), ms(1)), None);
            assert_eq!(mean_wait(5, bad, ms(1)), None);
            assert_eq!(smallest_pool_for_wait(bad, ms(1), ms(1), 1e-3, 100), None);
        }
        assert_eq!(erlang_c(5, f64::INFINITY), Some(1.0));
        assert_eq!(erlang_b(5, f64::INFINITY), Some(1.0));
        assert_eq!(erlang_c(0, 0.0), Some(1.0));
        assert_eq!(erlang_c(3, 0.0), Some(0.0));
        assert_eq!(utilisation(0, 1.0), None);
        assert_eq!(mean_wait(3, 0.0, ms(10)), Some(Duration::ZERO));
        assert_eq!(prob_wait_exceeds(3, 1.0, ms(10), Duration::ZERO), Some(0.0));
        assert_eq!(
            prob_wait_exceeds(3, 1.0, Duration::ZERO, Duration::ZERO),
            erlang_c(3, 1.0)
        );
        assert_eq!(
            smallest_pool_for_wait(10.0, ms(250), ms(25), f64::NAN, 100),
            None
        );
        assert_eq!(
            smallest_pool_for_wait(10.0, ms(250), ms(25), 1e-3, 10),
            None
        );
        assert_eq!(
            smallest_pool_for_wait(1e30, ms(250), ms(25), 1e-3, u64::MAX),
            None
        );
        assert_eq!(
            smallest_pool_for_wait(f64::INFINITY, ms(1), ms(1), 1.0, u64::MAX),
            None
        );
        assert_eq!(smallest_pool_for_wait(0.0, ms(1), ms(1), 0.0, 5), Some(1));
    }

    proptest! {
        #[test]
        fn erlang_c_is_a_probability(servers in 0u64..3000, load in 0.0f64..4000.0) {
            let value = c(servers, load);
            prop_assert!((0.0..=1.0).contains(&value), "C({servers}, {load}) = {value}");
        }

        #[test]
        fn erlang_c_non_increasing_in_servers(servers in 1u64..2000, load in 0.0f64..2000.0) {
            prop_assert!(c(servers + 1, load) <= c(servers, load) * (1.0 + 1e-12));
        }

        #[test]
        fn tail_non_increasing_in_wait(
            servers in 1u64..500,
            utilisation in 0.0f64..1.2,
            hold_ms in 1u64..10_000,
            t1 in 0u64..100_000,
            dt in 0u64..100_000,
        ) {
            let load = utilisation * servers as f64;
            let p1 = prob_wait_exceeds(servers, load, ms(t1), ms(hold_ms)).unwrap();
            let p2 = prob_wait_exceeds(servers, load, ms(t1 + dt), ms(hold_ms)).unwrap();
            prop_assert!(p2 <= p1, "P(W > {}) = {p2} > P(W > {t1}) = {p1}", t1 + dt);
        }

        #[test]
        fn smallest_pool_is_smallest(
            load in 0.0f64..500.0,
            wait_ms in 0u64..5_000,
            hold_ms in 1u64..5_000,
            exponent in 1.0f64..9.0,
        ) {
            let epsilon = 10f64.powf(-exponent);
            let (wait, hold) = (ms(wait_ms), ms(hold_ms));
            let n = smallest_pool_for_wait(load, wait, hold, epsilon, 100_000).unwrap();
            prop_assert!(prob_wait_exceeds(n, load, wait, hold).unwrap() <= epsilon);
            prop_assert!(prob_wait_exceeds(n - 1, load, wait, hold).unwrap() > epsilon);
        }
    }
}
