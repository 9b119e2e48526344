//! Input: the scenario and platform-model file formats, `--set` overrides, trace readers and
//! synthetic populations, with errors that name file, line and column.

pub mod arrivals;
pub mod compile;
pub(crate) mod csv_writer;
pub mod dist;
mod format;
pub mod function;
pub mod keep_alive;
pub(crate) mod limits;
pub mod model;
pub(crate) mod overrides;
pub mod policies;
pub mod scenario;
pub mod synth;
pub mod trace;
pub mod workload;

pub use compile::{compile, compile_on};
pub use format::{
    from_toml_str, line_col, locate, path_at_line, toml_error, FieldError, InputError,
};
