//! The `[keep_alive]` table: which built-in policy a scenario runs, and the two strategies that
//! are not policies but rewrites of the functions (keep-warm pings, provisioned concurrency).

use crate::core::plan::Provision;
use crate::core::policy::{HybridParams, KeepAlive};
use crate::core::time::{Duration, Span, NS_PER_SEC};
use crate::input::policies::{self, accepted_kinds, BUILTIN_KINDS};
use crate::input::FieldError;
use serde::{Deserialize, Deserializer, Serialize};

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
        schedule: Option<Vec<ProvisionedStep>>,
        /// Keep-alive of on-demand environments (default 10 min).
        #[serde(default)]
        ttl: Option<Duration>,
    },
    /// A policy registered by name ([`crate::input::policies`]): its `kind` and the rest of
    /// the table as its parameters. A scenario's `[keep_alive]` is read by `keep_alive::read`, which
    /// makes this variant for a registered kind; the derived reader knows only the built-ins.
    #[serde(skip)]
    Custom(CustomSpec),
}

/// A registered policy as a scenario names it.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomSpec {
    /// The name it was registered under.
    pub kind: String,
    /// The rest of the table.
    pub params: toml::Table,
}

/// Reads a `[keep_alive]` table: a built-in kind through the derived reader (whose messages
/// list the accepted keys), a registered kind with its parameters checked by the policy's own
/// parameter type, anything else refused with every accepted kind listed.
pub(crate) fn read<'de, D: Deserializer<'de>>(d: D) -> Result<KeepAliveSpec, D::Error> {
    use serde::de::Error;
    let mut table = toml::Table::deserialize(d)?;
    let kind = match table.get("kind") {
        Some(toml::Value::String(k)) => k.clone(),
        Some(_) => return Err(D::Error::custom("`kind` must be a string")),
        None => return Err(D::Error::missing_field("kind")),
    };
    if BUILTIN_KINDS.contains(&kind.as_str()) {
        return KeepAliveSpec::deserialize(toml::Value::Table(table))
            .map_err(|e| D::Error::custom(e.message().trim()));
    }
    table.remove("kind");
    match policies::prepare(&kind, &table) {
        None => Err(D::Error::custom(format!(
            "unknown variant `{kind}`, expected one of {}",
            accepted_kinds()
        ))),
        Some(Err(m)) => Err(D::Error::custom(m)),
        Some(Ok(_)) => Ok(KeepAliveSpec::Custom(CustomSpec {
            kind,
            params: table,
        })),
    }
}

impl Default for KeepAliveSpec {
    /// Fixed 10 minutes: the window most studies use for Lambda-like platforms
    /// (Shahrad et al. 2020 take 10 minutes as the baseline fixed policy).
    fn default() -> Self {
        KeepAliveSpec::Fixed {
            ttl: Duration(600 * NS_PER_SEC),
        }
    }
}

impl KeepAliveSpec {
    /// Checks the parameters; errors name the key.
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            KeepAliveSpec::Fixed { ttl } if ttl.ns() == 0 => Err(FieldError::new(
                "ttl",
                "must be longer than 0 (use kind = \"none\" to scale to zero at once)",
            )),
            KeepAliveSpec::HybridHistogram(p) => p.validate().map_err(FieldError::from),
            KeepAliveSpec::Oracle { max_gb_s } if !(0.0..=f64::MAX).contains(max_gb_s) => Err(FieldError::new(
                "max_gb_s",
                format!("must be a number >= 0, got {max_gb_s}"),
            )),
            KeepAliveSpec::KeepWarmPing { every, .. } if every.ns() == 0 => {
                Err(FieldError::new("every", "must be longer than 0"))
            }
            KeepAliveSpec::KeepWarmPing { ttl: Some(t), .. }
            | KeepAliveSpec::Provisioned { ttl: Some(t), .. }
                if t.ns() == 0 =>
            {
                Err(FieldError::new("ttl", "must be longer than 0"))
            }
            KeepAliveSpec::Provisioned {
                count, schedule, ..
            } => match (count, schedule) {
                (Some(_), None) => Ok(()),
                (None, Some(s)) => Provisioned::Schedule {
                    schedule: s.clone(),
                }
                .validate()
                .map_err(|m| FieldError::new("schedule", m)),
                _ => Err(FieldError::new(
                    "count",
                    "give either count (environments all the time) or schedule (counts by time of day)",
                )),
            },
            KeepAliveSpec::Custom(c) => match policies::prepare(&c.kind, &c.params) {
                None => Err(FieldError::new(
                    "kind",
                    format!(
                        "unknown variant `{}`, expected one of {}",
                        c.kind,
                        accepted_kinds()
                    ),
                )),
                Some(Err(m)) => Err(FieldError::new("", m)),
                Some(Ok(_)) => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The policy this table names (pings and provisioned environments are applied to the
    /// functions by the compiler; idle environments then keep a fixed `ttl`). A registered
    /// policy must still be registered, and its parameters still read.
    pub fn policy(&self) -> Result<KeepAlive, FieldError> {
        Ok(match self {
            KeepAliveSpec::None {} => KeepAlive::None,
            KeepAliveSpec::Fixed { ttl } => KeepAlive::Fixed { ttl: ttl.span() },
            KeepAliveSpec::HybridHistogram(p) => KeepAlive::HybridHistogram(p.clone()),
            KeepAliveSpec::GreedyDual {} => KeepAlive::GreedyDual,
            KeepAliveSpec::Lru {} => KeepAlive::Lru,
            KeepAliveSpec::Oracle { max_gb_s } => KeepAlive::Oracle {
                max_gb_s: *max_gb_s,
            },
            KeepAliveSpec::KeepWarmPing { ttl, .. } | KeepAliveSpec::Provisioned { ttl, .. } => {
                KeepAlive::Fixed {
                    ttl: ttl.map_or(Span::from_secs(600), Duration::span),
                }
            }
            KeepAliveSpec::Custom(c) => match policies::prepare(&c.kind, &c.params) {
                Some(Ok(p)) => KeepAlive::Custom(p),
                Some(Err(m)) => return Err(FieldError::new("", m)),
                None => {
                    return Err(FieldError::new(
                        "kind",
                        format!(
                            "'{}' is not a registered policy (registered: {})",
                            c.kind,
                            policies::registered().join(", ")
                        ),
                    ))
                }
            },
        })
    }
}

/// Provisioned concurrency: a constant number of environments, or a daily schedule.
///
/// ```
/// use faasim::input::keep_alive::Provisioned;
/// let p: Provisioned = toml::from_str::<toml::Table>(
///     "p = { schedule = [{ from = \"08:00\", count = 10 }, { from = \"20:00\", count = 2 }] }",
/// )
/// .unwrap()["p"]
///     .clone()
///     .try_into()
///     .unwrap();
/// use faasim::core::time::{Instant, Span};
/// let at = |h: u64| Instant::ZERO + Span::from_secs(h * 3600);
/// let p = p.to_provision();
/// assert_eq!((p.count_at(at(7)), p.count_at(at(8)), p.count_at(at(21))), (2, 10, 2));
/// assert_eq!(p.max(), 10);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Provisioned {
    /// The same number of environments all run.
    Count(u32),
    /// A count by time of day, repeating every day (time 0 of the run is 00:00).
    Schedule {
        /// Steps in increasing `from` order; each holds until the next one (the last until
        /// the first of the next day).
        schedule: Vec<ProvisionedStep>,
    },
}

/// One step of a provisioned-concurrency schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionedStep {
    /// Time of day the step starts, `"HH:MM"` or `"HH:MM:SS"`.
    pub from: TimeOfDay,
    /// Environments from then on.
    pub count: u32,
}

/// A time of day, stored as nanoseconds after midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(pub u64);

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || {
            serde::de::Error::custom(format!(
                "'{s}' is not a time of day: expected \"HH:MM\" or \"HH:MM:SS\" from 00:00 to 23:59:59"
            ))
        };
        let parts: Vec<&str> = s.split(':').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let n: Vec<u64> = parts.iter().map(|p| p.parse().unwrap_or(99)).collect();
        let sec = n.get(2).copied().unwrap_or(0);
        if n[0] > 23 || n[1] > 59 || sec > 59 {
            return Err(bad());
        }
        Ok(TimeOfDay((n[0] * 3600 + n[1] * 60 + sec) * NS_PER_SEC))
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let secs = self.0 / NS_PER_SEC;
        let (h, m, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
        if sec == 0 {
            s.serialize_str(&format!("{h:02}:{m:02}"))
        } else {
            s.serialize_str(&format!("{h:02}:{m:02}:{sec:02}"))
        }
    }
}

impl<'de> Deserialize<'de> for Provisioned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            schedule: Vec<ProvisionedStep>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Provisioned;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a number of environments, or { schedule = [{ from = \"HH:MM\", count = N }, ...] }",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Provisioned, E> {
                u32::try_from(v).map(Provisioned::Count).map_err(|_| {
                    E::custom(format!(
                        "{v} is not a number of environments (0 to 4294967295)"
                    ))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Provisioned, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(-1))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Provisioned, A::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Provisioned::Schedule {
                    schedule: t.schedule,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Provisioned {
    /// Checks the schedule: at least one step, times strictly increasing.
    pub fn validate(&self) -> Result<(), String> {
        if let Provisioned::Schedule { schedule } = self {
            if schedule.is_empty() {
                return Err("schedule needs at least one step".into());
            }
            if let Some(w) = schedule.windows(2).find(|w| w[1].from <= w[0].from) {
                return Err(format!(
                    "schedule steps must be in increasing time order (\"{}\" after \"{}\")",
                    crate::core::time::format_duration(w[1].from.0),
                    crate::core::time::format_duration(w[0].from.0)
                ));
            }
        }
        Ok(())
    }

    /// The largest count at any time.
    pub fn max(&self) -> u32 {
        self.to_provision().max()
    }

    /// What the plan carries: the count, or the steps as times of day.
    pub fn to_provision(&self) -> Provision {
        match self {
            Provisioned::Count(n) => Provision::Constant(*n),
            Provisioned::Schedule { schedule } => {
                let steps = schedule.iter().map(|s| (Span::from_ns(s.from.0), s.count));
                Provision::Daily(steps.collect())
            }
        }
    }
}

/// `ping = { every = "5min", duration = "5ms" }` on a function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PingSpec {
    /// Time between pings; the first is at time 0.
    pub every: Duration,
    /// How long a ping runs (default 5 ms: a handler that returns at once).
    #[serde(default)]
    pub duration: Option<Duration>,
}

impl PingSpec {
    /// The ping's run time.
    pub fn run_time(&self) -> crate::core::time::Span {
        self.duration
            .map_or(crate::core::time::Span::from_millis(5), Duration::span)
    }
}
