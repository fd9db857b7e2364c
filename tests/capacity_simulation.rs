//! Cross-checks `capacity::erlang_c` against a seeded discrete-event simulation of one
//! M/M/c connection pool: Poisson checkouts, exponential hold times, FIFO, unlimited queue.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // tests fail by panicking

use poollint::capacity::{erlang_c, mean_wait};
use std::time::Duration;

/// splitmix64 (Steele, Lea, Flood 2014): tiny, deterministic, good enough for this.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `(0, 1]` (never 0, so `ln` is finite).
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -self.unit().ln() * mean
    }
}

/// What the simulation measured over the arrivals after the warm-up.
struct Measured {
    waited_fraction: f64,
    mean_wait: f64,
}

/// Simulates `servers` connections with mean hold time 1 and arrival rate `load`.
///
/// FIFO with one queue: each checkout, in arrival order, takes the connection that frees up
/// first; it waits iff that connection is still busy when it arrives. `free_at[i]` is the
/// time connection `i` is next free, which makes every arrival one event.
fn simulate(servers: usize, load: f64, warm_up: usize, measured: usize, seed: u64) -> Measured {
    let mut rng = SplitMix64(seed);
    let mut free_at = vec![0.0f64; servers];
    let (mut now, mut waited, mut total_wait) = (0.0f64, 0usize, 0.0f64);
    for arrival in 0..warm_up + measured {
        now += rng.exponential(1.0 / load);
        let (slot, &earliest) = free_at
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least one connection");
        let start = earliest.max(now);
        free_at[slot] = start + rng.exponential(1.0);
        if arrival >= warm_up {
            waited += usize::from(earliest > now);
            total_wait += start - now;
        }
    }
    Measured {
        waited_fraction: waited as f64 / measured as f64,
        mean_wait: total_wait / measured as f64,
    }
}

fn relative_error(measured: f64, expected: f64) -> f64 {
    (measured - expected).abs() / expected
}

#[test]
fn simulated_waiting_fraction_matches_erlang_c() {
    // (servers, offered load): utilisation 0.5, 0.8, 0.8 and 0.9.
    let points = [(1usize, 0.5f64), (5, 4.0), (20, 16.0), (10, 9.0)];
    for (index, &(servers, load)) in points.iter().enumerate() {
        let seed = 0x5EED_0000 + index as u64;
        let sim = simulate(servers, load, 20_000, 400_000, seed);
        let expected = erlang_c(servers as u64, load).expect("valid load");
        let error = relative_error(sim.waited_fraction, expected);
        eprintln!(
            "N={servers} A={load}: simulated P(wait)={:.4}, Erlang C={expected:.4}, relative error {:.2}%",
            sim.waited_fraction,
            error * 100.0
        );
        assert!(
            error <= 0.10,
            "N={servers} A={load}: simulated {} vs Erlang C {expected}",
            sim.waited_fraction
        );
    }
}

#[test]
fn simulated_mean_wait_matches_erlang_c() {
    // Mean waits converge more slowly than the waiting fraction, so only moderate loads.
    let hold = Duration::from_secs(1);
    for (index, &(servers, load)) in [(1usize, 0.5f64), (5, 4.0)].iter().enumerate() {
        let sim = simulate(servers, load, 20_000, 400_000, 0xC0FFEE + index as u64);
        let expected = mean_wait(servers as u64, load, hold)
            .expect("stable")
            .as_secs_f64();
        let error = relative_error(sim.mean_wait, expected);
        eprintln!(
            "N={servers} A={load}: simulated Wq={:.4}, Erlang C Wq={expected:.4}, relative error {:.2}%",
            sim.mean_wait,
            error * 100.0
        );
        assert!(
            error <= 0.10,
            "N={servers} A={load}: Wq {} vs {expected}",
            sim.mean_wait
        );
    }
}
