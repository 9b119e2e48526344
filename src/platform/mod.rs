//! The platform: functions, execution environments, limits, the platform model files, and the
//! simulation that ties them together.

pub mod cdn;
pub mod cluster;
pub mod database;
pub mod env;
pub mod function;
pub mod limits;
pub mod model;
pub mod modes;
pub mod sim;
