//! Views: plots, HTML reports and the narration of `faasim explain`.

pub mod explain;
pub mod html;
pub mod plot;
