//! The sweep's progress bar on stderr, with an ETA (drawn by indicatif).

use crate::lab::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::OnceLock;

/// A bar that appears when the sweep starts and is cleared when its runs are done.
#[derive(Default)]
pub(super) struct Bar(OnceLock<ProgressBar>);

impl Progress for Bar {
    fn start(&self, runs: u64) {
        let bar = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs, ETA {eta}",
        ) {
            bar.set_style(style);
        }
        let _ = self.0.set(bar);
    }

    fn run_done(&self) {
        if let Some(b) = self.0.get() {
            b.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.0.get() {
            b.finish_and_clear();
        }
    }
}
