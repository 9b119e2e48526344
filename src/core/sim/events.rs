//! What a run schedules and what it tells: the events of the loop, and the happenings an
//! [`Observer`] sees (for narration and tests).

use crate::core::ids::{BatchId, DbId, EnvId, EventId, FuncId, QueueId, ReqId};
use crate::core::time::{Instant, Span};

/// The events of a platform run: small `Copy` values (12 bytes) naming what they concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A user's request for `func` arrives.
    Arrival { func: FuncId },
    /// `env` finished initializing.
    InitDone { env: EnvId },
    /// `req`'s own work ended (or it failed before it could run).
    Complete { req: ReqId },
    /// The keep-alive timer of `env`, valid if the slot's generation is still `generation` and
    /// it is the environment's current timer.
    Expire { env: EnvId, generation: u32 },
    /// Pre-warm an environment of `func`, valid if its pre-warm generation is still
    /// `generation`.
    Prewarm { func: FuncId, generation: u32 },
    /// A keep-warm ping of `func` (a synthetic invocation).
    Ping { func: FuncId },
    /// The timeout of `req` (valid if its slot's generation is still `generation`) while it
    /// waits for a call or a database connection.
    Deadline { req: ReqId, generation: u32 },
    /// Async `event` is tried again.
    Retry { event: EventId },
    /// The messages of failed `batch` become visible again.
    Visible { batch: BatchId },
    /// `queue`'s pollers scale (every second while it has work).
    PollTick { queue: QueueId },
    /// `queue`'s batching window ends (if it is still the window set for this time).
    PollWindow { queue: QueueId },
    /// A boundary of `func`'s provisioned-concurrency schedule.
    Provision { func: FuncId },
}

// The queue moves events by value: they stay as small as the bare `u32`s they were.
const _: () = assert!(std::mem::size_of::<Event>() == 12);

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
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
    },
    /// A request arrived.
    Arrival {
        /// The function.
        func: FuncId,
    },
    /// It was admitted but waits for memory on a host (cluster with `when_full = "queue"`).
    WaitingForMemory {
        /// The function.
        func: FuncId,
        /// The request.
        req: ReqId,
    },
    /// It was throttled.
    Throttled {
        /// The function.
        func: FuncId,
        /// Which limit.
        reason: ThrottleReason,
    },
    /// It found a warm environment.
    WarmStart {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
        /// The request.
        req: ReqId,
    },
    /// It needs a cold start (a new environment, or joining one that is initializing).
    ColdStart {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
        /// The request.
        req: ReqId,
        /// Init delay of the new environment; zero when joining one already initializing.
        init: Span,
    },
    /// The policy started pre-warming an environment (no request waiting for it).
    Prewarm {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
        /// Init delay.
        init: Span,
    },
    /// An environment finished initializing.
    Ready {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
    },
    /// A request finished.
    Completed {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
        /// The request.
        req: ReqId,
        /// End-to-end latency.
        latency: Span,
        /// Cut at the timeout.
        timed_out: bool,
    },
    /// An environment became idle; it expires at the given time unless used.
    Idle {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
        /// Expiry time, `None` for provisioned environments (and for environments kept until
        /// memory runs short).
        expires: Option<Instant>,
    },
    /// An environment was evicted.
    Evicted {
        /// The function.
        func: FuncId,
        /// The environment.
        env: EnvId,
    },
    /// A database connection was opened or closed (one passed from a request to a waiting
    /// one is neither).
    Connection {
        /// The database.
        db: DbId,
        /// Opened (else closed).
        open: bool,
    },
}

/// Watches a run. The default methods do nothing and compile away.
pub trait Observer {
    /// Called for every happening, in simulated-time order.
    #[inline]
    fn on(&mut self, _now: Instant, _what: &Happening) {}
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;
impl Observer for Quiet {}

impl<F: FnMut(Instant, &Happening)> Observer for F {
    fn on(&mut self, now: Instant, what: &Happening) {
        self(now, what)
    }
}
