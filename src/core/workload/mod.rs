//! The workload's runtime side: duration distributions, arrival processes and trace replay.

pub mod arrivals;
pub mod dist;
pub mod replay;
pub(crate) mod spill;
