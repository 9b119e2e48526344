//! The discrete-event engine: the pending-event set.
//!
//! A model owns all its state and its queue, and runs the loop itself
//! (`while let Some((t, ev)) = queue.pop_until(horizon) { ... }`), so handlers can schedule
//! without fighting the borrow checker; the engine only orders events.
//! Events are small `Copy` values that carry ids into the model's slabs, so running the loop
//! allocates nothing per event.

mod queue;

pub(crate) use queue::{EventQueue, Lane};
