//! Arrival processes and the distributions they and the platform draw from.

pub mod arrivals;
pub mod dist;
