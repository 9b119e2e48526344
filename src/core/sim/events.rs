//! What a run schedules and what it tells: the events of the loop, and the happenings an
//! [`Observer`] sees (for narration and tests).

use crate::core::time::SimTime;

/// The events of a platform run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A request for function `.0` arrives.
    Arrival(u32),
    /// Environment `.0` finished initializing.
    InitDone(u32),
    /// Request `.0` finished.
    Complete(u32),
    /// Keep-alive timer of environment `.0`, valid if the slot's generation is still `.1` and
    /// it is the environment's current timer.
    Expire(u32, u32),
    /// Pre-warm an environment of function `.0`, valid if its pre-warm generation is `.1`.
    Prewarm(u32, u32),
    /// A keep-warm ping of function `.0` (a synthetic invocation).
    Ping(u32),
    /// The timeout of request `.0` (generation `.1`) while it waits for a call or a database
    /// connection.
    Deadline(u32, u32),
    /// Async event `.0` is tried again.
    Retry(u32),
    /// The messages of failed batch `.0` become visible again.
    Visible(u32),
    /// Queue `.0`'s pollers scale (every second while it has work).
    PollTick(u32),
    /// Queue `.0`'s batching window ends (if it is still the window set for this time).
    PollWindow(u32),
    /// A boundary of function `.0`'s provisioned-concurrency schedule.
    Provision(u32),
}

/// Why a request was throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThrottleReason {
    /// The account's or the function's concurrency limit was reached.
    Concurrency,
    /// No token in the scaling-rate bucket to create an environment.
    ScalingRate,
    /// No host had memory for a new environment, and nothing could be evicted (or the wait
    /// queue was full).
    Memory,
}

/// Something that happened, reported to an [`Observer`] (for narration and for tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Happening {
    /// A provisioned environment was made ready (before the run, or at a boundary of the
    /// function's provisioned-concurrency schedule).
    Provisioned {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
    },
    /// A request arrived.
    Arrival {
        /// Function index.
        func: u32,
    },
    /// It was admitted but waits for memory on a host (cluster with `when_full = "queue"`).
    WaitingForMemory {
        /// Function index.
        func: u32,
        /// Request id.
        req: u32,
    },
    /// It was throttled.
    Throttled {
        /// Function index.
        func: u32,
        /// Which limit.
        reason: ThrottleReason,
    },
    /// It found a warm environment.
    WarmStart {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Request id.
        req: u32,
    },
    /// It needs a cold start (a new environment, or joining one that is initializing).
    ColdStart {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Request id.
        req: u32,
        /// Init delay of the new environment; 0 when joining one already initializing.
        init_ns: SimTime,
    },
    /// The policy started pre-warming an environment (no request waiting for it).
    Prewarm {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Init delay.
        init_ns: SimTime,
    },
    /// An environment finished initializing.
    Ready {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
    },
    /// A request finished.
    Completed {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Request id.
        req: u32,
        /// End-to-end latency.
        latency_ns: SimTime,
        /// Cut at the timeout.
        timed_out: bool,
    },
    /// An environment became idle; it expires at the given time unless used.
    Idle {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
        /// Expiry time, `None` for provisioned environments.
        expires: Option<SimTime>,
    },
    /// An environment was evicted.
    Evicted {
        /// Function index.
        func: u32,
        /// Environment id.
        env: u32,
    },
    /// A database connection was opened or closed (one passed from a request to a waiting
    /// one is neither).
    Connection {
        /// Database index (in the scenario's order).
        db: u32,
        /// Opened (else closed).
        open: bool,
    },
}

/// Watches a run. The default methods do nothing and compile away.
pub trait Observer {
    /// Called for every happening, in simulated-time order.
    #[inline]
    fn on(&mut self, _now: SimTime, _what: &Happening) {}
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;
impl Observer for Quiet {}

impl<F: FnMut(SimTime, &Happening)> Observer for F {
    fn on(&mut self, now: SimTime, what: &Happening) {
        self(now, what)
    }
}
