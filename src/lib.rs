//! faasim: a fast, validated discrete-event simulator of serverless (FaaS) platforms.

#![warn(missing_docs)]

pub mod input;
pub mod rng;
pub mod time;
pub mod workload;
pub mod platform;
pub mod billing;
