//! Keep-alive policies: how long an idle environment stays warm.
//!
//! The scenario names a policy with `[keep_alive] kind = "..."`. Policies are chosen once per
//! run and matched in the hot loop (an enum, not a trait object), so the choice costs one branch.

use crate::time::{Duration, SimTime};
use serde::{Deserialize, Serialize};

/// The `[keep_alive]` table of a scenario.
///
/// ```
/// use faasim::policy::KeepAliveSpec;
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
}

impl Default for KeepAliveSpec {
    /// Fixed 10 minutes: the window most studies use for Lambda-like platforms
    /// (Shahrad et al. 2020 take 10 minutes as the baseline fixed policy).
    fn default() -> Self {
        KeepAliveSpec::Fixed {
            ttl: Duration(600 * crate::time::NS_PER_SEC),
        }
    }
}

/// What to do with an environment that has just become idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleDecision {
    /// Evict it now.
    EvictNow,
    /// Evict it at this time unless it is used before.
    ExpireAt(SimTime),
}

impl KeepAliveSpec {
    /// The decision for an environment that became idle at `now`.
    #[inline]
    pub fn on_idle(&self, now: SimTime) -> IdleDecision {
        match *self {
            KeepAliveSpec::None {} => IdleDecision::EvictNow,
            KeepAliveSpec::Fixed { ttl } => IdleDecision::ExpireAt(now.saturating_add(ttl.ns())),
        }
    }

    /// True when every expiry is `now + constant`, so timers can use a FIFO lane.
    pub fn expiries_are_fifo(&self) -> bool {
        matches!(self, KeepAliveSpec::Fixed { .. } | KeepAliveSpec::None {})
    }
}
