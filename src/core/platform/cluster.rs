//! Cluster memory: hosts with a memory capacity, a placement rule, and the idle environments of
//! each host (the candidates for eviction under memory pressure).
//!
//! Without a `[cluster]` table memory is unlimited and none of this runs. With one, every
//! environment is placed on a host when it is created and holds its function's memory there
//! until it is evicted. When no host has room, the keep-alive policy picks idle environments
//! to evict ([`crate::core::policy::Policy::victim`]); if that cannot make room either, the request
//! waits in a bounded queue or is throttled, as the scenario says.

use crate::core::ids::{EnvId, FuncId, HostId, IdVec};
use crate::core::metrics::Window;
use crate::core::platform::env::EnvSlab;
use crate::core::time::Instant;
use serde::{Deserialize, Serialize};

/// The `[cluster]` table of a scenario.
///
/// ```toml
/// [cluster]
/// hosts = [{ count = 4, memory_mb = 16384, cores = 8 }]
/// placement = "first-fit"     # first-fit | least-loaded | hash
/// when_full = "throttle"      # throttle | queue
/// queue_limit = 1000          # with when_full = "queue"
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [cluster] table with hosts, placement, when_full"
)]
pub struct ClusterSpec {
    /// Groups of identical hosts.
    pub hosts: Vec<HostGroup>,
    /// Which host a new environment goes to (default first-fit).
    #[serde(default)]
    pub placement: Placement,
    /// What happens to a request when no host has room and nothing can be evicted.
    #[serde(default)]
    pub when_full: WhenFull,
    /// Most requests waiting for memory at once with `when_full = "queue"` (default 1,000);
    /// beyond it requests are throttled.
    #[serde(default)]
    pub queue_limit: Option<u32>,
}

/// `count` hosts of one size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostGroup {
    /// How many (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Memory for environments, MB.
    pub memory_mb: u64,
    /// Cores (reported; CPU contention is not modelled).
    #[serde(default)]
    pub cores: Option<u32>,
}

fn one() -> u32 {
    1
}

/// Where a new environment goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// The first host (in order) with room.
    #[default]
    FirstFit,
    /// The host with the most free memory.
    LeastLoaded,
    /// A host chosen by the function (locality: a function's environments share a host while
    /// it has room), then the next ones in turn.
    Hash,
}

/// What happens when memory cannot be found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenFull {
    /// Refuse the request (counted in `throttled_memory`).
    #[default]
    Throttle,
    /// Let it wait until memory frees, up to `queue_limit` requests.
    Queue,
}

impl ClusterSpec {
    /// Checks the table; errors name the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.hosts.is_empty() {
            return Err(("hosts".into(), "name at least one host group".into()));
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if h.count == 0 || h.memory_mb == 0 {
                return Err((
                    format!("hosts.{i}"),
                    "count and memory_mb must be at least 1".into(),
                ));
            }
        }
        let total: u64 = self.hosts.iter().map(|h| h.count as u64).sum();
        if total > 1_000_000 {
            return Err(("hosts".into(), "more than a million hosts".into()));
        }
        Ok(())
    }
}

/// The end of a host's idle list, in [`HostLinks`]: a sentinel private to this file.
const END: EnvId = EnvId::new(u32::MAX);

/// An environment's links in its host's list of idle environments, kept by [`Cluster`] (an
/// intrusive list: the links live in the environment slab).
#[derive(Clone, Copy, Debug)]
pub struct HostLinks {
    prev: EnvId,
    next: EnvId,
}

impl Default for HostLinks {
    fn default() -> Self {
        HostLinks {
            prev: END,
            next: END,
        }
    }
}

/// One host's memory over time.
#[derive(Clone, Debug)]
struct Host {
    capacity: u64,
    used: u64,
    /// Memory of the idle environments on it (what eviction could free).
    idle: u64,
    peak: u64,
    /// MB × ns over the measured window, and when it was last brought up to date.
    area: u128,
    last: Instant,
    idle_head: EnvId,
    idle_tail: EnvId,
}

/// Peak and mean memory of one host, as reported.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HostReport {
    /// Capacity, MB.
    pub memory_mb: u64,
    /// Most memory held at once, MB.
    pub peak_used_mb: u64,
    /// Time-weighted mean memory held, MB.
    pub mean_used_mb: f64,
}

/// Hosts, their memory, and the idle environments on each.
#[derive(Clone, Debug)]
pub struct Cluster {
    hosts: IdVec<HostId, Host>,
    placement: Placement,
    /// What to do when full.
    pub when_full: WhenFull,
    /// Most requests waiting for memory.
    pub queue_limit: usize,
    window: Window,
}

impl Cluster {
    /// The hosts of `spec`; statistics count over `window`.
    pub fn new(spec: &ClusterSpec, window: Window) -> Self {
        let hosts = spec
            .hosts
            .iter()
            .flat_map(|g| (0..g.count).map(move |_| g.memory_mb))
            .map(|capacity| Host {
                capacity,
                used: 0,
                idle: 0,
                peak: 0,
                area: 0,
                last: Instant::ZERO,
                idle_head: END,
                idle_tail: END,
            })
            .collect();
        Cluster {
            hosts,
            placement: spec.placement,
            when_full: spec.when_full,
            queue_limit: spec.queue_limit.unwrap_or(1000) as usize,
            window,
        }
    }

    /// Hosts in the order the placement rule tries them for function `func`.
    fn order(&self, func: FuncId) -> impl Iterator<Item = HostId> + '_ {
        let n = self.hosts.len();
        let start = match self.placement {
            Placement::Hash => crate::core::rng::mix64(func.get() as u64) as usize % n,
            _ => 0,
        };
        (0..n).map(move |i| HostId::from_index((start + i) % n))
    }

    /// The host the placement rule picks for `func` among those where `room` is at least
    /// `need` MB.
    fn pick(&self, need: u64, func: FuncId, room: impl Fn(&Host) -> u64) -> Option<HostId> {
        match self.placement {
            Placement::LeastLoaded => self
                .hosts
                .iter_ids()
                .filter(|(_, h)| room(h) >= need)
                .max_by_key(|&(i, h)| (room(h), std::cmp::Reverse(i)))
                .map(|(i, _)| i),
            _ => self.order(func).find(|&i| room(&self.hosts[i]) >= need),
        }
    }

    /// A host with `need` MB free now, by the placement rule.
    pub fn with_room(&self, need: u64, func: FuncId) -> Option<HostId> {
        self.pick(need, func, |h| h.capacity - h.used)
    }

    /// A host where evicting idle environments could free `need` MB, by the placement rule.
    pub fn with_room_after_eviction(&self, need: u64, func: FuncId) -> Option<HostId> {
        self.pick(need, func, |h| h.capacity - h.used + h.idle)
    }

    /// Free memory on `host`, MB.
    pub fn free(&self, host: HostId) -> u64 {
        let h = &self.hosts[host];
        h.capacity - h.used
    }

    fn account(&mut self, host: HostId, now: Instant) {
        let window = self.window;
        let h = &mut self.hosts[host];
        let from = window.clip(h.last);
        if now > from {
            h.area += (now - from).ns() as u128 * h.used as u128;
        }
        h.last = h.last.max(now);
    }

    /// `mb` more memory held on `host` from `now`.
    pub fn take(&mut self, host: HostId, mb: u64, now: Instant) {
        self.account(host, now);
        let window = self.window;
        let h = &mut self.hosts[host];
        debug_assert!(h.used + mb <= h.capacity, "host memory exceeded");
        h.used += mb;
        if window.measures(now) {
            h.peak = h.peak.max(h.used);
        }
    }

    /// `mb` memory released on `host` at `now`.
    pub fn give_back(&mut self, host: HostId, mb: u64, now: Instant) {
        self.account(host, now);
        let window = self.window;
        let h = &mut self.hosts[host];
        if window.measures(now) {
            // What was held until now counts towards the peak of the window.
            h.peak = h.peak.max(h.used);
        }
        h.used -= mb;
    }

    /// Environment `e` (holding `mb`) became idle on `host`: it is now an eviction candidate.
    pub fn idle_push(&mut self, envs: &mut EnvSlab, host: HostId, e: EnvId, mb: u64) {
        let h = &mut self.hosts[host];
        h.idle += mb;
        let tail = h.idle_tail;
        envs[e].host_links = HostLinks {
            prev: tail,
            next: END,
        };
        if tail == END {
            h.idle_head = e;
        } else {
            envs[tail].host_links.next = e;
        }
        h.idle_tail = e;
    }

    /// Environment `e` (holding `mb`) is no longer idle on `host`.
    pub fn idle_remove(&mut self, envs: &mut EnvSlab, host: HostId, e: EnvId, mb: u64) {
        let h = &mut self.hosts[host];
        h.idle -= mb;
        let HostLinks { prev, next } = envs[e].host_links;
        if prev == END {
            h.idle_head = next;
        } else {
            envs[prev].host_links.next = next;
        }
        if next == END {
            h.idle_tail = prev;
        } else {
            envs[next].host_links.prev = prev;
        }
        envs[e].host_links = HostLinks::default();
    }

    /// The idle environments on `host`, longest idle first, appended to `out`.
    pub fn idle_on(&self, envs: &EnvSlab, host: HostId, out: &mut Vec<EnvId>) {
        let mut e = self.hosts[host].idle_head;
        while e != END {
            out.push(e);
            e = envs[e].host_links.next;
        }
    }

    /// Closes the window at `end` and reports each host.
    pub fn report(&mut self, end: Instant) -> Vec<HostReport> {
        for h in self.hosts.ids() {
            self.account(h, end);
        }
        let span = self.window.span(end).ns().max(1) as f64;
        self.hosts
            .iter()
            .map(|h| HostReport {
                memory_mb: h.capacity,
                peak_used_mb: h.peak.max(h.used),
                mean_used_mb: h.area as f64 / span,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(placement: Placement, sizes: &[u64]) -> Cluster {
        let spec = ClusterSpec {
            hosts: sizes
                .iter()
                .map(|&m| HostGroup {
                    count: 1,
                    memory_mb: m,
                    cores: None,
                })
                .collect(),
            placement,
            when_full: WhenFull::Throttle,
            queue_limit: None,
        };
        Cluster::new(&spec, Window::default())
    }

    const F0: FuncId = FuncId::new(0);
    const H0: HostId = HostId::new(0);
    const H1: HostId = HostId::new(1);

    fn t(ns: u64) -> Instant {
        Instant::from_ns(ns)
    }

    #[test]
    fn placement_rules() {
        let mut c = cluster(Placement::FirstFit, &[1000, 2000]);
        assert_eq!(c.with_room(800, F0), Some(H0));
        c.take(H0, 800, t(0));
        assert_eq!(c.with_room(800, F0), Some(H1));
        assert_eq!(c.with_room(2500, F0), None);
        let mut c = cluster(Placement::LeastLoaded, &[1000, 2000]);
        assert_eq!(c.with_room(100, F0), Some(H1));
        c.take(H1, 1500, t(0));
        assert_eq!(c.with_room(100, F0), Some(H0));
        let c = cluster(Placement::Hash, &[1000, 1000, 1000]);
        let h = c.with_room(10, FuncId::new(7)).unwrap();
        assert_eq!(
            c.with_room(10, FuncId::new(7)),
            Some(h),
            "the same function goes to the same host"
        );
    }

    #[test]
    fn memory_accounting() {
        let mut c = cluster(Placement::FirstFit, &[1000]);
        c.take(H0, 400, t(0));
        c.take(H0, 600, t(10));
        c.give_back(H0, 600, t(20));
        let r = c.report(t(40));
        assert_eq!(r[0].peak_used_mb, 1000);
        // 400 × 40 + 600 × 10 over 40.
        assert_eq!(r[0].mean_used_mb, (400.0 * 40.0 + 600.0 * 10.0) / 40.0);
    }

    #[test]
    fn idle_lists_keep_order() {
        let mut envs = EnvSlab::default();
        let ids: Vec<EnvId> = (0..4)
            .map(|_| envs.alloc(F0, crate::core::platform::env::EnvState::Idle, t(0), false))
            .collect();
        let mut c = cluster(Placement::FirstFit, &[1000]);
        for &e in &ids {
            c.idle_push(&mut envs, H0, e, 100);
        }
        c.idle_remove(&mut envs, H0, ids[1], 100);
        let mut out = Vec::new();
        c.idle_on(&envs, H0, &mut out);
        assert_eq!(out, vec![ids[0], ids[2], ids[3]]);
        assert_eq!(c.with_room_after_eviction(1000, F0), Some(H0));
        c.take(H0, 900, t(0));
        assert_eq!(c.with_room_after_eviction(500, F0), None);
    }
}
