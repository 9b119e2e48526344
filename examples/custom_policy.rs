//! A keep-alive policy written outside faasim, against its public API only.
//!
//! "Adaptive TTL": keep an idle environment for twice the function's mean idle time seen so
//! far, clamped to [1 min, 30 min]. Run it on any scenario:
//!
//! ```sh
//! cargo run --release --example custom_policy -- hello
//! cargo run --release --example custom_policy -- experiments/scenarios/spike.toml
//! ```
//!
//! It prints the report of the scenario under this policy next to the scenario's own
//! `[keep_alive]`, so the two can be compared on identical arrivals (common random numbers).

use faasim::core::ids::{EnvId, FuncId};
use faasim::core::policy::{FunctionInfo, IdleDecision, Policy};
use faasim::core::time::{Instant, Span};
use faasim::{simulate, simulate_with_policy, Scenario};

/// Twice the mean idle time, clamped.
struct AdaptiveTtl {
    /// Per function: sum of idle times (ns) and how many.
    sum: Vec<u128>,
    n: Vec<u64>,
}

impl Policy for AdaptiveTtl {
    fn start(&mut self, functions: &[FunctionInfo]) {
        self.sum = vec![0; functions.len()];
        self.n = vec![0; functions.len()];
    }

    fn on_arrival(&mut self, func: FuncId, _now: Instant, idle_for: Option<Span>) {
        if let Some(it) = idle_for {
            self.sum[func.index()] += it.ns() as u128;
            self.n[func.index()] += 1;
        }
    }

    fn on_idle(&mut self, func: FuncId, _env: EnvId, now: Instant) -> IdleDecision {
        let f = func.index();
        let mean = if self.n[f] == 0 {
            Span::from_secs(10 * 60)
        } else {
            Span::from_ns((self.sum[f] / self.n[f] as u128) as u64)
        };
        let ttl = (2 * mean).clamp(Span::from_secs(60), Span::from_secs(30 * 60));
        IdleDecision::ExpireAt(now + ttl)
    }
}

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "hello".into());
    let scenario = match Scenario::load(&name, &[]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let policy = AdaptiveTtl {
        sum: Vec::new(),
        n: Vec::new(),
    };
    let (own, adaptive) = match (
        simulate(&scenario),
        simulate_with_policy(&scenario, 0, policy),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    println!("{:<22} {:>12} {:>12}", "", "scenario's", "adaptive TTL");
    println!(
        "{:<22} {:>12.4} {:>12.4}",
        "cold-start probability", own.cold_start_probability, adaptive.cold_start_probability
    );
    println!(
        "{:<22} {:>12.1} {:>12.1}",
        "idle memory (GB-s)", own.idle_memory_gb_s, adaptive.idle_memory_gb_s
    );
    println!(
        "{:<22} {:>12.2} {:>12.2}",
        "p99 latency (ms)", own.latency_ms.p99, adaptive.latency_ms.p99
    );
}
