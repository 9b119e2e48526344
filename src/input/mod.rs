//! Input: the scenario and platform-model file formats, `--set` overrides, trace readers and
//! synthetic populations, with errors that name file, line and column.

mod format;
pub mod model;
pub mod scenario;
pub mod synth;
pub mod trace;

pub use format::{from_toml_str, line_col, locate, toml_error, InputError};
