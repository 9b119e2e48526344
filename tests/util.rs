//! Helpers shared by the test modules.

#![allow(dead_code)]

use faasim::{Report, Scenario};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Parses an inline scenario, panicking with the error text if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_str_named(text, "test.toml", &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs an inline scenario once.
pub fn run(text: &str) -> Report {
    faasim::simulate(&scenario(text)).unwrap_or_else(|e| panic!("{e}"))
}

/// Mean and half-width of a two-sided `level` confidence interval of `xs` (batch means,
/// Student t with n − 1 degrees of freedom).
pub fn ci(xs: &[f64], level: f64) -> (f64, f64) {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.5 + level / 2.0);
    (mean, t * (var / n).sqrt())
}

/// A fresh, empty directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new directory whose name carries `tag` (and the process id, and a counter, so that
    /// tests running in parallel never share one).
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("faasim-test-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `p` inside the directory.
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }

    /// Writes `text` to `name` (creating parent directories) and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Like [`TempDir::write`], returning the path as a string (for command lines).
    pub fn write_str(&self, name: &str, text: &str) -> String {
        self.write(name, text).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
