//! A researcher's own crate: it registers a keep-alive policy by name and then hands the
//! command line to faasim, so `[keep_alive] kind = "adaptive-ttl"` works in scenarios, `--set`
//! and sweep axes, next to the built-ins, with every faasim command.
//!
//! ```sh
//! cargo run --release -- run hello --set 'keep_alive={kind="adaptive-ttl", factor=3}'
//! cargo run --release -- sweep experiment.toml --out out/adaptive
//! ```
//!
//! faasim builds this file as its `policy-crate` example too, and its tests sweep the policy
//! against built-ins (`cargo run --release --example policy-crate -- sweep
//! examples/policy-crate/experiment.toml`), so the template cannot rot.

use faasim::core::ids::{EnvId, FuncId};
use faasim::core::policy::{FunctionInfo, IdleDecision, Policy};
use faasim::core::time::{Duration, Instant, Span};
use serde::Deserialize;

/// The policy's parameters: the rest of the `[keep_alive]` table after `kind`. serde reads them,
/// so a misspelt or missing key is reported at its line like a built-in's.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// The keep-alive is `factor` times the function's mean idle time so far.
    #[serde(default = "default_factor")]
    factor: f64,
    /// The keep-alive before any idle time has been seen, and never less than this.
    #[serde(default = "default_min")]
    min: Duration,
    /// Never more than this.
    #[serde(default = "default_max")]
    max: Duration,
}

fn default_factor() -> f64 {
    2.0
}
fn default_min() -> Duration {
    Duration(60 * 1_000_000_000)
}
fn default_max() -> Duration {
    Duration(30 * 60 * 1_000_000_000)
}

/// "Adaptive TTL": keep an idle environment for `factor` times its function's mean idle time
/// seen so far, clamped to `[min, max]`. One of these is made per run, so state never leaks
/// between runs or threads.
struct AdaptiveTtl {
    params: Params,
    /// Per function: the sum of idle times (ns) and how many.
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
            self.sum[func.index()] += u128::from(it.ns());
            self.n[func.index()] += 1;
        }
    }

    fn on_idle(&mut self, func: FuncId, _env: EnvId, now: Instant) -> IdleDecision {
        let f = func.index();
        let (min, max) = (self.params.min.span(), self.params.max.span());
        let ttl = if self.n[f] == 0 {
            min
        } else {
            let mean = (self.sum[f] / u128::from(self.n[f])) as f64;
            Span::from_ns((self.params.factor * mean) as u64).clamp(min, max.max(min))
        };
        IdleDecision::ExpireAt(now + ttl)
    }
}

fn main() {
    // Register before faasim reads anything; the name must not be a built-in kind.
    faasim::input::policies::register("adaptive-ttl", |params: Params| AdaptiveTtl {
        params,
        sum: Vec::new(),
        n: Vec::new(),
    })
    .expect("the name is free");
    std::process::exit(faasim::cli::main());
}
