//! A function as the loop sees it: its configuration from the plan and its running state, laid
//! out so that the fields an arrival and a completion touch come first.

use super::delivery::Mode;
use crate::core::billing::terms::ModelTerms;
use crate::core::ids::DbId;
use crate::core::plan::{Call, ColdStart, FanOut, FunctionPlan, Provision};
use crate::core::platform::cdn::Cdn;
use crate::core::platform::env::AvailList;
use crate::core::platform::function::Arch;
use crate::core::rng::{self, Stream, StreamKind};
use crate::core::time::{Instant, Span};
use crate::core::workload::arrivals::Arrivals;
use crate::core::workload::dist::Dist;

/// One function's configuration and running state. `repr(C)` keeps the declared order: the
/// fields an arrival and a completion touch come first and share a few cache lines, which
/// matters when a thousand functions are interleaved at random.
#[derive(Clone, Debug)]
#[repr(C)]
pub(super) struct Func {
    pub(super) arrivals: Arrivals,
    pub(super) rng_arrivals: Stream,
    pub(super) pool: u32,
    pub(super) bucket: u32,
    pub(super) per_instance: u32,
    /// How callers invoke it.
    pub(super) mode: Mode,
    /// Which optional parts it has (`X_*` bits), so that the common path tests one byte and
    /// leaves the cold fields at the end of the struct alone.
    pub(super) extras: u8,
    pub(super) provisioned: u32,
    pub(super) avail: AvailList,
    pub(super) avail_provisioned: AvailList,
    /// Requests of this function in flight, and since when it has had none (its idle time
    /// starts there; [`Instant::MAX`] before its first request).
    pub(super) in_flight: u32,
    /// Its next arrival already in the queue ([`Instant::MAX`] when none): the future, told
    /// only to offline-bound policies through `Policy::on_idle_knowing`.
    pub(super) next_arrival: Instant,
    pub(super) idle_since: Instant,
    /// Keep-warm pings: period (zero = none) and how long each runs.
    pub(super) ping_every: Span,
    pub(super) ping_duration: Span,
    /// The pending pre-warm's generation and the expiry of the environment it will create.
    pub(super) prewarm_gen: u32,
    pub(super) prewarm_expire: Instant,
    pub(super) timeout: Span,
    pub(super) rng_durations: Stream,
    pub(super) duration: Dist,
    pub(super) rng_cold: Stream,
    pub(super) cold_start: ColdStart,
    pub(super) memory_mb: u32,
    pub(super) arch: Arch,
    pub(super) name: String,
    /// What the model makes of the function (billing figures, CPU scaling, front door).
    pub(super) terms: ModelTerms,
    /// Probability that an invocation ends in a function error.
    pub(super) error_rate: f64,
    pub(super) rng_errors: Stream,
    /// What it calls after its own work, in order.
    pub(super) calls: Vec<Call>,
    /// Workers it starts when done, and their aggregator.
    pub(super) fan_out: Option<FanOut>,
    /// Its database, if it uses one.
    pub(super) db: Option<DbId>,
    /// A CDN cache in front of it.
    pub(super) cdn: Option<Box<Cdn>>,
    pub(super) rng_cdn: Stream,
    /// Provisioned concurrency as configured (`provisioned` is its count now), and how many
    /// provisioned environments are alive (above the count while busy ones wait to be idle).
    pub(super) provision: Provision,
    pub(super) provisioned_live: u32,
    /// Its application, when a workload names one (else it is an application of its own).
    pub(super) app: Option<Box<str>>,
}

/// Bits of `Func::extras`.
pub(super) const X_CDN: u8 = 1;

pub(super) const X_FRONT_DOOR: u8 = 2;

pub(super) const X_ERRORS: u8 = 4;

pub(super) const X_CALLS: u8 = 8;

pub(super) const X_FAN_OUT: u8 = 16;

pub(super) const X_DB: u8 = 32;

impl Func {
    /// Function `fp` of run `run` of a plan seeded `seed`, invoked through `mode`. Its pool and
    /// scaling bucket are set by admission.
    pub(super) fn new(fp: &FunctionPlan, seed: u64, run: u64, mode: Mode) -> Func {
        let stream = |kind| rng::stream(seed, run, kind, fp.stream);
        let mut func = Func {
            name: fp.name.clone(),
            memory_mb: fp.memory_mb,
            arch: fp.arch,
            terms: fp.terms.clone(),
            per_instance: fp.per_instance,
            timeout: fp.timeout,
            provisioned: 0,
            provision: fp.provision.clone(),
            provisioned_live: 0,
            duration: fp.duration.clone(),
            cold_start: fp.cold_start.clone(),
            arrivals: fp.arrivals.clone(),
            rng_arrivals: stream(StreamKind::Arrivals),
            rng_durations: stream(StreamKind::Durations),
            rng_cold: stream(StreamKind::ColdStart),
            pool: 0,
            bucket: 0,
            avail: AvailList::default(),
            avail_provisioned: AvailList::default(),
            in_flight: 0,
            next_arrival: Instant::MAX,
            idle_since: Instant::MAX,
            prewarm_gen: 0,
            prewarm_expire: Instant::ZERO,
            ping_every: fp.ping.map_or(Span::ZERO, |p| p.every),
            ping_duration: fp.ping.map_or(Span::ZERO, |p| p.duration),
            mode,
            error_rate: fp.error_rate,
            extras: 0,
            rng_errors: stream(StreamKind::Errors),
            calls: fp.calls.clone(),
            fan_out: fp.fan_out,
            db: fp.database,
            cdn: fp.cdn.as_ref().map(|c| Box::new(Cdn::new(c))),
            rng_cdn: stream(StreamKind::Cdn),
            app: fp.app.clone(),
        };
        let bit = |on: bool, b: u8| if on { b } else { 0 };
        func.extras = bit(func.cdn.is_some(), X_CDN)
            | bit(func.terms.front_door.is_some(), X_FRONT_DOOR)
            | bit(func.error_rate > 0.0, X_ERRORS)
            | bit(!func.calls.is_empty(), X_CALLS)
            | bit(func.fan_out.is_some(), X_FAN_OUT)
            | bit(func.db.is_some(), X_DB);
        func
    }

    /// Its database: only for a function with one (`X_DB`).
    #[inline]
    pub(super) fn database(&self) -> DbId {
        self.db.expect("only a function with a database connects")
    }
}
