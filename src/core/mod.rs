//! The simulation core: time, the event queue, random streams, the platform's components, the
//! simulation loop, keep-alive policies, the workload's runtime side, metrics, billing and the
//! report types. It knows nothing about TOML, files, the command line, plots or HTML; it is
//! built from a resolved plan that the input layer compiles.

pub mod billing;
pub(crate) mod engine;
pub mod ids;
pub mod metrics;
pub mod plan;
pub mod platform;
pub mod policy;
pub mod report;
pub mod rng;
pub mod sim;
pub mod time;
pub mod workload;
