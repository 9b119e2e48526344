//! faasim's integration tests: one test binary, one module per concern (ripgrep's layout).
//! Run with `cargo test --release`.

mod util;

mod architectures;
mod billing;
mod cli;
mod doors;
mod experiment;
mod golden;
mod hardening;
mod help;
mod layers;
mod modes;
mod packaging;
mod policies;
mod policy_crate;
mod properties;
mod teaching;
mod trace;
mod validation;
