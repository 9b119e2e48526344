//! What a platform model makes of one function beyond the scenario's own figures.

use crate::core::billing::prices::FrontDoor;
use crate::core::time::{Span, NS_PER_SEC};

/// What a model makes of one function's configuration beyond the scenario's own figures: what
/// billing meters, and what the simulation stretches or adds.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelTerms {
    /// CPU units allocated (vCPU, or GHz where the model's prices count GHz).
    pub cpu_units: f64,
    /// The same in vCPUs (what an always-on fleet must give it).
    pub vcpu: f64,
    /// Share of the warm duration that is CPU work (the scenario's `cpu_bound`, default 0).
    pub cpu_bound: f64,
    /// Factor on each sampled warm duration: the CPU-bound share runs slower below one full
    /// vCPU. 1 when nothing changes.
    pub exec_scale: f64,
    /// Requests one environment serves at once.
    pub per_instance: u32,
    /// Cold starts restore a snapshot instead of running init.
    pub snapstart: bool,
    /// Price per GB-second of keeping the snapshot cached (0 without SnapStart or where free).
    pub snapshot_cache_per_gb_s: f64,
    /// Price per GB restored at each cold start (0 without SnapStart or where free).
    pub snapshot_restore_per_gb: f64,
    /// Extra cold-start time fetching a package larger than the platform part covers.
    pub fetch: Span,
    /// The front door requests pass first, with its name; `None` for none.
    pub front_door: Option<(String, FrontDoor)>,
}

impl Default for ModelTerms {
    fn default() -> Self {
        ModelTerms {
            cpu_units: 0.0,
            vcpu: 0.0,
            cpu_bound: 0.0,
            exec_scale: 1.0,
            per_instance: 1,
            snapstart: false,
            snapshot_cache_per_gb_s: 0.0,
            snapshot_restore_per_gb: 0.0,
            fetch: Span::ZERO,
            front_door: None,
        }
    }
}

impl ModelTerms {
    /// Latency the front door adds to every request (zero without one).
    pub fn front_door_latency(&self) -> Span {
        self.front_door
            .as_ref()
            .map_or(Span::ZERO, |(_, fd)| fd.added_latency.span())
    }

    /// A sampled warm duration stretched by [`exec_scale`](Self::exec_scale), saturating.
    #[inline]
    pub fn scale_exec(&self, work: Span) -> Span {
        if self.exec_scale == 1.0 {
            work
        } else {
            Span::from_secs_f64(work.ns() as f64 / NS_PER_SEC as f64 * self.exec_scale)
        }
    }
}
