//! How a function is invoked and what it calls: the scenario's invocation modes
//! (synchronous, asynchronous with retries, queue-polled in batches) and its composition
//! (synchronous calls, fan-out/fan-in). These are the TOML shapes and their checks; the
//! simulation's handling lives in `platform::sim`.
//!
//! ```
//! use faasim::core::platform::modes::Invocation;
//! #[derive(serde::Deserialize)]
//! struct F { #[serde(deserialize_with = "faasim::core::platform::modes::invocation")] invocation: Invocation }
//! let f: F = toml::from_str(r#"invocation = "async""#).unwrap();
//! assert!(matches!(f.invocation, Invocation::Async(a) if a.retries == 2));
//! let f: F = toml::from_str(r#"invocation = { mode = "queue", batch_size = 5 }"#).unwrap();
//! assert!(matches!(f.invocation, Invocation::Queue(q) if q.batch_size == 5));
//! ```

use crate::core::time::{Duration, NS_PER_SEC};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// How callers invoke a function.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Invocation {
    /// The caller waits for the result; a throttle is an error the caller sees (HTTP 429).
    #[default]
    Sync,
    /// Events go to an internal queue; errors and throttles are retried, then the event goes to
    /// the dead-letter destination.
    Async(AsyncSpec),
    /// Messages go to a queue that pollers drain in batches (SQS-like).
    Queue(QueueSpec),
}

impl Invocation {
    /// Checks ranges; errors name the key under `invocation`.
    pub fn validate(&self, timeout: Option<Duration>) -> Result<(), (String, String)> {
        match self {
            Invocation::Sync => Ok(()),
            Invocation::Async(a) => a.validate(),
            Invocation::Queue(q) => q.validate(timeout),
        }
    }
}

/// Reads `invocation = "async"` (the mode with its defaults) or a table
/// `invocation = { mode = "async", retries = 1 }`.
pub fn invocation<'de, D: Deserializer<'de>>(d: D) -> Result<Invocation, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Invocation;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("\"sync\", \"async\", \"queue\", or a table with `mode` and its options")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Invocation, E> {
            match s {
                "sync" => Ok(Invocation::Sync),
                "async" => Ok(Invocation::Async(AsyncSpec::default())),
                "queue" => Ok(Invocation::Queue(QueueSpec::default())),
                _ => Err(E::unknown_variant(s, &["sync", "async", "queue"])),
            }
        }
        fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Invocation, M::Error> {
            Invocation::deserialize(de::value::MapAccessDeserializer::new(m))
        }
    }
    d.deserialize_any(V)
}

/// Options of `invocation = { mode = "async", ... }` (Lambda's defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsyncSpec {
    /// Retries after a function error or timeout, 0 to 2 (default 2).
    #[serde(default = "two")]
    pub retries: u32,
    /// Wait before the first retry; each later one waits twice as long as the one before
    /// (default 1 min, so retries come 1 and then 2 minutes after the failures).
    #[serde(default = "one_minute")]
    pub retry_delay: Duration,
    /// An event older than this is not tried again (default 6 h, Lambda's maximum; 60 s at
    /// least).
    #[serde(default = "six_hours")]
    pub max_event_age: Duration,
    /// First wait after a throttle (default 1 s); it doubles on each throttle of the event.
    #[serde(default = "one_second")]
    pub throttle_backoff: Duration,
    /// Longest wait between throttle retries (default 5 min).
    #[serde(default = "five_minutes")]
    pub max_throttle_backoff: Duration,
}

impl Default for AsyncSpec {
    fn default() -> Self {
        AsyncSpec {
            retries: 2,
            retry_delay: one_minute(),
            max_event_age: six_hours(),
            throttle_backoff: one_second(),
            max_throttle_backoff: five_minutes(),
        }
    }
}

impl AsyncSpec {
    fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if self.retries > 2 {
            return err(
                "retries",
                format!("must be 0, 1 or 2 (Lambda's range), got {}", self.retries),
            );
        }
        if self.max_event_age.ns() < 60_000_000_000 {
            return err("max_event_age", "must be at least 60s".into());
        }
        if self.throttle_backoff.ns() == 0 {
            return err("throttle_backoff", "must be longer than 0".into());
        }
        if self.max_throttle_backoff < self.throttle_backoff {
            return err(
                "max_throttle_backoff",
                "must be at least throttle_backoff".into(),
            );
        }
        Ok(())
    }
}

/// Options of `invocation = { mode = "queue", ... }`: an SQS standard queue with a Lambda
/// event source mapping (defaults as AWS documents them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Most messages in one batch, 1 to 10,000 (default 10).
    #[serde(default = "ten")]
    pub batch_size: u32,
    /// How long a poller waits to fill a batch once a message is available (default 0: take
    /// what is there; at most 5 min).
    #[serde(default)]
    pub batch_window: Option<Duration>,
    /// A received message is hidden this long; if its batch fails it reappears then (default
    /// 30 s). It must be at least the function's timeout, as Lambda requires.
    #[serde(default = "thirty_seconds")]
    pub visibility_timeout: Duration,
    /// After this many receives a failing message goes to the dead-letter queue; without it
    /// the message is retried until `retention` ends.
    #[serde(default)]
    pub max_receive_count: Option<u32>,
    /// A message older than this is deleted by the queue unprocessed (default 4 days).
    #[serde(default = "four_days")]
    pub retention: Duration,
    /// Concurrent batches the pollers start with (default 5).
    #[serde(default = "five")]
    pub initial_pollers: u32,
    /// Batches added per minute while messages wait (default 300).
    #[serde(default = "three_hundred")]
    pub pollers_per_minute: u32,
    /// Most concurrent batches (default 1,000); the mapping's maximum concurrency.
    #[serde(default = "thousand")]
    pub max_concurrency: u32,
    /// Share (0 to 1) of messages that always fail ("poison" messages).
    #[serde(default)]
    pub poison_rate: f64,
    /// With partial batch responses only the failed messages return to the queue; without,
    /// a failure returns the whole batch (default false, Lambda's default).
    #[serde(default)]
    pub partial_batch_response: bool,
}

impl Default for QueueSpec {
    fn default() -> Self {
        QueueSpec {
            batch_size: 10,
            batch_window: None,
            visibility_timeout: thirty_seconds(),
            max_receive_count: None,
            retention: four_days(),
            initial_pollers: 5,
            pollers_per_minute: 300,
            max_concurrency: 1000,
            poison_rate: 0.0,
            partial_batch_response: false,
        }
    }
}

impl QueueSpec {
    fn validate(&self, timeout: Option<Duration>) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if !(1..=10_000).contains(&self.batch_size) {
            return err(
                "batch_size",
                format!("must be 1 to 10000, got {}", self.batch_size),
            );
        }
        if self.batch_window.is_some_and(|w| w.ns() > 300_000_000_000) {
            return err("batch_window", "must be at most 5min".into());
        }
        if self.visibility_timeout.ns() == 0 {
            return err("visibility_timeout", "must be longer than 0".into());
        }
        if let Some(t) = timeout.filter(|t| *t > self.visibility_timeout) {
            return err(
                "visibility_timeout",
                format!(
                    "{} is shorter than the function's timeout ({t}); Lambda requires at least the timeout",
                    self.visibility_timeout
                ),
            );
        }
        if self.max_receive_count == Some(0) {
            return err("max_receive_count", "must be at least 1".into());
        }
        if self.retention.ns() == 0 {
            return err("retention", "must be longer than 0".into());
        }
        if self.initial_pollers == 0 || self.initial_pollers > self.max_concurrency {
            return err(
                "initial_pollers",
                format!(
                    "must be 1 to max_concurrency ({}), got {}",
                    self.max_concurrency, self.initial_pollers
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.poison_rate) {
            return err(
                "poison_rate",
                format!("must be between 0 and 1, got {}", self.poison_rate),
            );
        }
        Ok(())
    }
}

/// One step of `calls = [...]`: after its own work the function calls `function` and waits
/// for it (billed while it waits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// The called function's name (a `[[function]]` with `copies = 1`).
    pub function: String,
    /// Wait for the result (default true). Without waiting the call is handed to the callee's
    /// own invocation mode (an async event or a queue message) and the caller goes on.
    #[serde(default = "yes")]
    pub wait: bool,
    /// Times the call is tried again after it fails (default 0).
    #[serde(default)]
    pub retries: u32,
    /// A compensating function called (and waited for) when the call still fails; the caller
    /// then fails too.
    #[serde(default)]
    pub on_error: Option<String>,
}

/// `fan_out = { function = "worker", count = 10, join = "aggregate" }`: once the function's
/// own work is done, `count` invocations of `function` run in parallel (as an orchestrator
/// starts them, nobody waiting), and when all have finished `join` is invoked once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FanOutSpec {
    /// The worker function.
    pub function: String,
    /// Workers per event (1 to 10,000).
    pub count: u32,
    /// The aggregator, invoked when every worker has finished (successfully or not).
    #[serde(default)]
    pub join: Option<String>,
}

fn yes() -> bool {
    true
}
fn two() -> u32 {
    2
}
fn five() -> u32 {
    5
}
fn ten() -> u32 {
    10
}
fn three_hundred() -> u32 {
    300
}
fn thousand() -> u32 {
    1000
}
fn one_second() -> Duration {
    Duration(NS_PER_SEC)
}
fn thirty_seconds() -> Duration {
    Duration(30 * NS_PER_SEC)
}
fn one_minute() -> Duration {
    Duration(60 * NS_PER_SEC)
}
fn five_minutes() -> Duration {
    Duration(300 * NS_PER_SEC)
}
fn six_hours() -> Duration {
    Duration(6 * 3600 * NS_PER_SEC)
}
fn four_days() -> Duration {
    Duration(4 * 86400 * NS_PER_SEC)
}
