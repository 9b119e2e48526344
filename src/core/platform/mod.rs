//! The platform's parts that live beside the simulation loop: execution environments, limits,
//! cluster memory, databases, the CDN, invocation modes and function attributes.

pub mod cdn;
pub mod cluster;
pub mod database;
pub(crate) mod env;
pub mod function;
pub mod limits;
pub mod modes;
