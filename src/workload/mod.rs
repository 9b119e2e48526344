//! Arrival processes and the distributions they and the platform draw from; trace replay and
//! synthetic populations (the scenario's `[workload]`).

pub mod arrivals;
pub mod dist;
pub mod synth;
pub mod trace;
