//! The `[keep_alive]` table: which built-in policy a scenario runs, and the two strategies that
//! are not policies but rewrites of the functions (keep-warm pings, provisioned concurrency).

use crate::core::policy::{HybridParams, KeepAlive};
use crate::core::time::Duration;
use serde::{Deserialize, Serialize};

/// The `[keep_alive]` table of a scenario.
///
/// ```
/// use faasim::input::keep_alive::KeepAliveSpec;
/// let k: KeepAliveSpec = toml::from_str("kind = \"fixed\"\nttl = \"10min\"").unwrap();
/// assert_eq!(k, KeepAliveSpec::Fixed { ttl: "10min".parse().unwrap() });
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum KeepAliveSpec {
    /// Scale to zero at once: an environment is evicted as soon as it is idle.
    None {},
    /// Keep an idle environment for `ttl`, restarting the clock on every use.
    Fixed {
        /// Idle time before eviction.
        ttl: Duration,
    },
    /// Shahrad et al., "Serverless in the Wild" (USENIX ATC 2020): per-function idle-time
    /// histograms choose a pre-warm and a keep-alive window.
    HybridHistogram(HybridParams),
    /// Fuerst and Sharma, "FaasCache" (ASPLOS 2021): keep everything, and under memory
    /// pressure evict the lowest priority = clock + frequency × cold-start cost ÷ memory.
    GreedyDual {},
    /// Keep everything, and under memory pressure evict the least recently used.
    Lru {},
    /// An offline bound: knows each environment's next use (from the function's upcoming
    /// arrivals and the routing order), and keeps an idle environment until then only when
    /// idle gap × memory is at most `max_gb_s`; otherwise evicts at once.
    /// Sweeping `max_gb_s` traces the best cold-start / idle-memory frontier of per-gap
    /// policies.
    Oracle {
        /// Largest idle gap × memory (GB-seconds) worth keeping an environment for.
        max_gb_s: f64,
    },
    /// Keep-warm pings, as people schedule them: every function without a `ping` of its own
    /// gets a synthetic invocation every `every` (billed, occupying an environment), on top of
    /// a fixed keep-alive of `ttl` (default 10 min). The same as a `ping` on each function;
    /// as a kind it can be swept against the other strategies.
    KeepWarmPing {
        /// Time between pings.
        every: Duration,
        /// How long a ping runs (default 5 ms).
        #[serde(default)]
        duration: Option<Duration>,
        /// Keep-alive of idle environments (default 10 min).
        #[serde(default)]
        ttl: Option<Duration>,
    },
    /// Provisioned concurrency: every function without its own gets `count` environments kept
    /// ready (or a daily `schedule` of counts, as on a function), billed as provisioned;
    /// on-demand environments above them are kept for `ttl` (default 10 min).
    Provisioned {
        /// Environments kept ready all the time.
        #[serde(default)]
        count: Option<u32>,
        /// Or a count by time of day, as `provisioned_concurrency = { schedule = [...] }`.
        #[serde(default)]
        schedule: Option<Vec<crate::input::scenario::ProvisionedStep>>,
        /// Keep-alive of on-demand environments (default 10 min).
        #[serde(default)]
        ttl: Option<Duration>,
    },
}

impl Default for KeepAliveSpec {
    /// Fixed 10 minutes: the window most studies use for Lambda-like platforms
    /// (Shahrad et al. 2020 take 10 minutes as the baseline fixed policy).
    fn default() -> Self {
        KeepAliveSpec::Fixed {
            ttl: Duration(600 * crate::core::time::NS_PER_SEC),
        }
    }
}

impl KeepAliveSpec {
    /// Checks the parameters; errors name the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        match self {
            KeepAliveSpec::Fixed { ttl } if ttl.ns() == 0 => Err((
                "ttl".into(),
                "must be longer than 0 (use kind = \"none\" to scale to zero at once)".into(),
            )),
            KeepAliveSpec::HybridHistogram(p) => p.validate(),
            KeepAliveSpec::Oracle { max_gb_s } if !(0.0..=f64::MAX).contains(max_gb_s) => Err((
                "max_gb_s".into(),
                format!("must be a number >= 0, got {max_gb_s}"),
            )),
            KeepAliveSpec::KeepWarmPing { every, .. } if every.ns() == 0 => {
                Err(("every".into(), "must be longer than 0".into()))
            }
            KeepAliveSpec::KeepWarmPing { ttl: Some(t), .. }
            | KeepAliveSpec::Provisioned { ttl: Some(t), .. }
                if t.ns() == 0 =>
            {
                Err(("ttl".into(), "must be longer than 0".into()))
            }
            KeepAliveSpec::Provisioned {
                count, schedule, ..
            } => match (count, schedule) {
                (Some(_), None) => Ok(()),
                (None, Some(s)) => crate::input::scenario::Provisioned::Schedule {
                    schedule: s.clone(),
                }
                .validate()
                .map_err(|m| ("schedule".into(), m)),
                _ => Err((
                    "count".into(),
                    "give either count (environments all the time) or schedule (counts by time of day)"
                        .into(),
                )),
            },
            _ => Ok(()),
        }
    }

    /// `spec` as this strategy changes it: keep-warm pings or provisioned environments on a
    /// function that has none of its own; `None` when it stays as written.
    pub fn apply_to(
        &self,
        spec: &crate::input::scenario::FunctionSpec,
    ) -> Option<crate::input::scenario::FunctionSpec> {
        match self {
            KeepAliveSpec::KeepWarmPing {
                every, duration, ..
            } if spec.ping.is_none() => {
                let mut s = spec.clone();
                s.ping = Some(crate::input::scenario::PingSpec {
                    every: *every,
                    duration: *duration,
                });
                Some(s)
            }
            KeepAliveSpec::Provisioned {
                count, schedule, ..
            } if spec.provisioned_concurrency.is_none() => {
                let mut s = spec.clone();
                s.provisioned_concurrency = Some(match (count, schedule) {
                    (Some(n), _) => crate::input::scenario::Provisioned::Count(*n),
                    (None, Some(steps)) => crate::input::scenario::Provisioned::Schedule {
                        schedule: steps.clone(),
                    },
                    (None, None) => return None,
                });
                Some(s)
            }
            _ => None,
        }
    }

    /// The built-in policy this table names (pings and provisioned environments are applied to
    /// the functions by [`KeepAliveSpec::apply_to`]; idle environments then keep a fixed `ttl`).
    pub fn policy(&self) -> KeepAlive {
        match self {
            KeepAliveSpec::None {} => KeepAlive::None,
            KeepAliveSpec::Fixed { ttl } => KeepAlive::Fixed { ttl: ttl.ns() },
            KeepAliveSpec::HybridHistogram(p) => KeepAlive::HybridHistogram(p.clone()),
            KeepAliveSpec::GreedyDual {} => KeepAlive::GreedyDual,
            KeepAliveSpec::Lru {} => KeepAlive::Lru,
            KeepAliveSpec::Oracle { max_gb_s } => KeepAlive::Oracle {
                max_gb_s: *max_gb_s,
            },
            KeepAliveSpec::KeepWarmPing { ttl, .. } | KeepAliveSpec::Provisioned { ttl, .. } => {
                KeepAlive::Fixed {
                    ttl: ttl.map_or(600 * crate::core::time::NS_PER_SEC, |t| t.ns()),
                }
            }
        }
    }
}
