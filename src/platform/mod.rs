//! The platform: functions, execution environments, limits, and the platform model files.

pub mod function;
pub mod model;
