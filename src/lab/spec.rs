//! The experiment file: a base scenario, the axes to sweep, replications, a master seed, an
//! optional baseline and the plots to draw; and its expansion into numbered runs.
//!
//! Loading checks everything a sweep could trip over later — every point's scenario is built
//! and validated, every plot names an axis and a metric that exist — so a mistake is reported
//! once, at the start, with the file, line and column, never after an hour of simulation.
//!
//! ```
//! use faasim::lab::Experiment;
//! let exp = Experiment::from_str_named(r#"
//!     name = "demo"
//!     base = "hello"
//!     replications = 3
//!     seed = 7
//!     [[axis]]
//!     path = "keep_alive.ttl"
//!     values = ["1min", "10min"]
//! "#, "demo.toml", std::path::Path::new(".")).unwrap();
//! assert_eq!(exp.points.len(), 2);
//! assert_eq!(exp.run_count(), 6);
//! // Run id = point × replications + replication.
//! assert_eq!(exp.run_of(5), (1, 2));
//! ```

use super::axes::{baseline_points, expand, find_axis, resolve_axis, value_index, AxisSpec};
pub use super::axes::{Axis, FieldError, Mode};
use crate::input::scenario::{self, Scenario};
use crate::input::{self, locate, InputError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The most runs one experiment may expand into; beyond it the file is surely a mistake.
pub const MAX_RUNS: u64 = 10_000_000;

/// A plot's `name` becomes a file name under `plots/`, so it is checked when the experiment is
/// loaded rather than after every run: not empty, and letters, digits, `-`, `_` and `.` only,
/// not starting with a dot (no folders, no hidden files).
fn check_plot_name(plot: &PlotSpec) -> Result<(), FieldError> {
    let name = match plot {
        PlotSpec::LatencyCdf { name, .. }
        | PlotSpec::Metric { name, .. }
        | PlotSpec::Tradeoff { name, .. }
        | PlotSpec::CostVsLoad { name, .. }
        | PlotSpec::Timeline { name, .. } => name.as_deref(),
    };
    let Some(name) = name else { return Ok(()) };
    let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(fine) {
        return Err(FieldError::new(
            "name",
            format!(
                "{name:?} cannot name a plot file: use letters, digits, '-', '_' and '.', not starting with '.' (e.g. \"cold-starts\")"
            ),
        ));
    }
    Ok(())
}

/// A plot to draw after the sweep (`[[plot]]`, chosen by `kind`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PlotSpec {
    /// Latency CDF, one curve per point (histograms merged over replications).
    LatencyCdf {
        /// File name stem under `plots/` (default `latency-cdf`).
        #[serde(default)]
        name: Option<String>,
        /// Title (default: the experiment's name and description).
        #[serde(default)]
        title: Option<String>,
    },
    /// A metric's mean against a swept parameter, with its 95% confidence band.
    Metric {
        /// File name stem (default `<y>-vs-<x>`).
        #[serde(default)]
        name: Option<String>,
        /// Title.
        #[serde(default)]
        title: Option<String>,
        /// The axis (name or path) on the horizontal axis.
        x: String,
        /// The metric (a runs.csv column) on the vertical axis. One line is drawn per
        /// combination of the other axes' values.
        y: String,
        /// Multiply the metric by this before plotting (e.g. 100 for a percentage).
        #[serde(default)]
        y_scale: Option<f64>,
        /// Vertical axis label (default: the metric's name).
        #[serde(default)]
        y_label: Option<String>,
        /// Logarithmic horizontal axis.
        #[serde(default)]
        log_x: bool,
        /// Logarithmic vertical axis.
        #[serde(default)]
        log_y: bool,
    },
    /// The keep-alive trade-off: one metric against another (default cold-start % against
    /// idle GB-s), each point's means with the vertical 95% band, in swept order.
    Tradeoff {
        /// File name stem (default `tradeoff`).
        #[serde(default)]
        name: Option<String>,
        /// Title.
        #[serde(default)]
        title: Option<String>,
        /// Horizontal metric (default `idle_memory_gb_s`).
        #[serde(default)]
        x: Option<String>,
        /// Vertical metric (default `cold_start_probability`, shown as a percentage).
        #[serde(default)]
        y: Option<String>,
        /// The axis the curve follows, its values labelling the dots (default: the first);
        /// the other axes' combinations make separate curves.
        #[serde(default)]
        along: Option<String>,
        /// Logarithmic vertical axis (cold-start percentages often span decades).
        #[serde(default)]
        log_y: bool,
        /// Split the curve by this key of the along axis's table values (e.g. `"kind"`: one
        /// curve per policy family, as Shahrad et al. plot fixed and hybrid apart).
        #[serde(default)]
        curve_by: Option<String>,
        /// Show x as a percentage of the baseline point's x (the paper's "normalised to the
        /// 10-minute fixed policy = 100%"); needs `baseline`.
        #[serde(default)]
        x_relative: bool,
    },
    /// Cost against load, log-log, to find where lines cross.
    CostVsLoad {
        /// File name stem (default `cost-vs-load`).
        #[serde(default)]
        name: Option<String>,
        /// Title.
        #[serde(default)]
        title: Option<String>,
        /// The load axis (name or path).
        x: String,
        /// Cost metric (default `cost_usd.total`).
        #[serde(default)]
        y: Option<String>,
        /// Multiply the cost by this (e.g. to scale a 1-hour run to a 30-day month: 720).
        #[serde(default)]
        y_scale: Option<f64>,
        /// Vertical axis label.
        #[serde(default)]
        y_label: Option<String>,
        /// More cost metrics drawn as their own lines on the same axes, e.g. the always-on
        /// comparator's `cost_usd.always_on.vm_monthly_usd`: where the lines cross is the
        /// crossover.
        #[serde(default)]
        also: Vec<String>,
    },
    /// Environments (busy, idle, initializing) over time for one run, throttles marked. The
    /// scenario needs `[metrics] timeseries`.
    Timeline {
        /// File name stem (default `timeline-<point>`).
        #[serde(default)]
        name: Option<String>,
        /// Title.
        #[serde(default)]
        title: Option<String>,
        /// The point, as axis → value (default: the first point).
        #[serde(default)]
        point: Option<toml::Table>,
        /// Which replication (default 0).
        #[serde(default)]
        replication: u32,
    },
}

/// The experiment file as written; `B` is the base (a raw value first, then, when it is an
/// inline table, a [`Scenario`] so that its mistakes get exact positions).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile<B> {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    base: B,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default = "one")]
    replications: u64,
    #[serde(default)]
    mode: Mode,
    #[serde(default, rename = "axis")]
    axes: Vec<AxisSpec>,
    #[serde(default)]
    baseline: Option<toml::Table>,
    #[serde(default, rename = "plot")]
    plots: Vec<PlotSpec>,
}

fn one() -> u64 {
    1
}

/// A loaded experiment: everything a sweep, a merge and the plots need. Serialised as
/// `plan.json` in the output directory, so `merge` and `plot` work without the original files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name (default: the file's stem); the default output is `out/<name>`.
    pub name: String,
    /// What it shows.
    pub description: Option<String>,
    /// The experiment file's name (without its directory, so shards agree byte for byte).
    pub file_name: String,
    /// SHA-256 of the experiment file's text.
    pub file_sha256: String,
    /// Where the base scenario came from.
    pub base_origin: String,
    /// The base scenario's TOML text.
    pub base_text: String,
    /// SHA-256 of the base scenario's text.
    pub base_sha256: String,
    /// Master seed: every run's `run.seed`.
    pub seed: u64,
    /// Replications per point.
    pub replications: u64,
    /// Grid or zip.
    pub mode: Mode,
    /// The swept parameters.
    pub axes: Vec<Axis>,
    /// Per point, the index of its value on each axis.
    pub points: Vec<Vec<usize>>,
    /// Per point, the point it is compared with (paired differences), when a baseline is set.
    pub baseline: Option<Vec<usize>>,
    /// Plots to draw.
    pub plots: Vec<PlotSpec>,
    /// A hash of everything that decides the runs' results (faasim version, base, seed,
    /// axes, points): run files carry it, so a resume or merge never mixes experiments.
    pub runs_sha256: String,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An experiment file's text and where it came from: turns a field's mistake into an input
/// error at the field's line and column.
struct Source<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Source<'_> {
    /// `e` at its field's position, its message prefixed with the field.
    fn at(&self, e: FieldError) -> InputError {
        let message = format!("{}: {}", e.field, e.message);
        self.located(&e.field, message)
    }

    /// `message` at the position of the field `path`.
    fn located(&self, path: &str, message: String) -> InputError {
        let (line, column) = locate(self.text, path).unzip();
        InputError::at(self.origin, line, column, message)
    }

    /// The base scenario: a file next to the experiment, a built-in name, or inline. Returns
    /// where it came from, its text and the scenario.
    fn base(
        &self,
        base: &toml::Value,
        dir: &Path,
    ) -> Result<(String, String, Scenario), InputError> {
        match base {
            toml::Value::String(s) => self.named_base(s, dir),
            toml::Value::Table(t) => {
                // Deserialise again with the base typed, so its mistakes point at its lines.
                let typed: ExperimentFile<Scenario> = input::from_toml_str(self.text, self.origin)?;
                if let Err(FieldError {
                    field: p,
                    message: m,
                }) = typed.base.validate()
                {
                    return Err(self.at(FieldError::new(format!("base.{p}"), m)));
                }
                let t = toml::to_string(t)
                    .map_err(|e| self.at(FieldError::new("base", e.to_string())))?;
                Ok((format!("{} [base]", self.origin), t, typed.base))
            }
            _ => Err(self.at(FieldError::new(
                "base",
                "expected a scenario file path, a built-in scenario name, or a [base] table",
            ))),
        }
    }

    /// A base named by a path (relative to `dir`) or a built-in scenario's name.
    fn named_base(&self, s: &str, dir: &Path) -> Result<(String, String, Scenario), InputError> {
        let p = dir.join(s);
        if p.is_file() {
            let shown = p.display().to_string();
            let t = std::fs::read_to_string(&p).map_err(|e| {
                self.at(FieldError::new("base", format!("cannot read {shown}: {e}")))
            })?;
            let sc = Scenario::from_str_named(&t, &shown, &[])?;
            Ok((shown, t, sc))
        } else if let Some((n, t)) = scenario::BUILTIN.iter().find(|(n, _)| *n == s) {
            let shown = format!("built-in scenario '{n}'");
            let sc = Scenario::from_str_named(t, &shown, &[])?;
            Ok((shown, t.to_string(), sc))
        } else {
            let names: Vec<&str> = scenario::BUILTIN.iter().map(|(n, _)| *n).collect();
            Err(self.at(FieldError::new(
                "base",
                format!(
                    "'{s}' is neither a file (looked for {}) nor a built-in scenario \
                     (built-in: {}); or write the scenario inline as a [base] table",
                    p.display(),
                    names.join(", ")
                ),
            )))
        }
    }

    /// The experiment's name (default: the file's stem), checked to make a directory name.
    fn name(&self, given: Option<&str>) -> Result<String, InputError> {
        let name = match given {
            Some(n) => n.to_string(),
            None => Path::new(self.origin)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("experiment")
                .to_string(),
        };
        let name_ok = !name.is_empty()
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(self.at(FieldError::new(
                "name",
                format!("'{name}': use letters, digits, '-', '_' and '.' only (it names the output directory)"),
            )));
        }
        Ok(name)
    }

    /// The axes resolved, their points, and each point's baseline.
    fn points(&self, file: &ExperimentFile<toml::Value>) -> Result<Expanded, InputError> {
        let mut axes = Vec::with_capacity(file.axes.len());
        for (a, spec) in file.axes.iter().enumerate() {
            axes.push(resolve_axis(a, spec, &axes).map_err(|e| self.at(e))?);
        }
        let points = expand(file.mode, &axes).map_err(|e| self.at(e))?;
        let runs = (points.len() as u64).checked_mul(file.replications);
        if runs.is_none_or(|r| r > MAX_RUNS) {
            return Err(self.at(FieldError::new(
                "replications",
                format!(
                    "{} points × {} replications is more than {MAX_RUNS} runs",
                    points.len(),
                    file.replications
                ),
            )));
        }
        let baseline = match &file.baseline {
            None => None,
            Some(b) => Some(baseline_points(file.mode, &axes, &points, b).map_err(|e| self.at(e))?),
        };
        Ok(Expanded {
            axes,
            points,
            baseline,
        })
    }
}

/// The swept axes, the points they make, and each point's baseline.
struct Expanded {
    axes: Vec<Axis>,
    points: Vec<Vec<usize>>,
    baseline: Option<Vec<usize>>,
}

/// A hash of everything that decides the runs' results: the faasim version, the base, the
/// seed, the replications, the axes and the points.
fn runs_sha256(base_text: &str, seed: u64, replications: u64, x: &Expanded) -> String {
    let key = serde_json::json!({
        "faasim": env!("CARGO_PKG_VERSION"),
        "base": base_text,
        "seed": seed,
        "replications": replications,
        "axes": x.axes.iter().map(|a| (&a.path, &a.values)).collect::<Vec<_>>(),
        "points": x.points,
    });
    sha256_hex(key.to_string().as_bytes())
}

impl Experiment {
    /// Reads an experiment file.
    pub fn load(path: &Path) -> Result<Experiment, InputError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(&shown, format!("cannot read: {e}")))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Self::from_str_named(&text, &shown, dir)
    }

    /// Parses experiment `text` (from `origin`, for messages); a base given as a path is
    /// resolved relative to `dir`.
    pub fn from_str_named(text: &str, origin: &str, dir: &Path) -> Result<Experiment, InputError> {
        let src = Source { text, origin };
        let file: ExperimentFile<toml::Value> = input::from_toml_str(text, origin)?;
        let (base_origin, base_text, base) = src.base(&file.base, dir)?;
        let name = src.name(file.name.as_deref())?;
        if file.replications == 0 {
            return Err(src.at(FieldError::new("replications", "must be at least 1")));
        }
        let expanded = src.points(&file)?;
        let seed = file.seed.unwrap_or(base.run.seed);
        crate::input::scenario::check_seed("seed", seed).map_err(|e| src.at(e))?;
        let runs_sha256 = runs_sha256(&base_text, seed, file.replications, &expanded);
        let exp = Experiment {
            name,
            description: file.description.clone(),
            file_name: Path::new(origin)
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or(origin)
                .to_string(),
            file_sha256: sha256_hex(text.as_bytes()),
            base_origin,
            base_sha256: sha256_hex(base_text.as_bytes()),
            base_text,
            seed,
            replications: file.replications,
            mode: file.mode,
            axes: expanded.axes,
            points: expanded.points,
            baseline: expanded.baseline,
            plots: file.plots.clone(),
            runs_sha256,
        };
        exp.check_points(&src)?;
        let metrics = super::record::metric_names();
        for (i, plot) in exp.plots.iter().enumerate() {
            exp.check_plot(plot, &metrics)
                .map_err(|e| src.at(FieldError::new(format!("plot.{i}.{}", e.field), e.message)))?;
        }
        Ok(exp)
    }

    /// Every point must make a valid scenario that compiles against its platform model (limits,
    /// trace files, names), so that a sweep fails before it writes anything rather than at its
    /// first bad point, after finishing the runs before it; reports the first point that does
    /// not at the value to blame.
    fn check_points(&self, src: &Source) -> Result<(), InputError> {
        let compiles = |overrides: &[String]| {
            Scenario::from_str_named(&self.base_text, &self.base_origin, overrides)
                .and_then(|scenario| crate::input::compile(&scenario).map(drop))
                .map_err(|e| self.in_inline_base(src, e))
        };
        // A base that fails by itself is the base's mistake, at its own line, whatever the axes.
        compiles(&[format!("run.seed={}", self.seed)])?;
        for p in 0..self.points.len() {
            compiles(&self.overrides(p)).map_err(|e| {
                let message = format!("point {p} ({}): {e}", self.point_label(p));
                src.located(&self.blamed_value(p, compiles), message)
            })?;
        }
        Ok(())
    }

    /// An error in an inline `[base]` table, which is parsed from regenerated text, carried over
    /// to the same key's line in the experiment file itself.
    fn in_inline_base(&self, src: &Source, e: InputError) -> InputError {
        let inline = self.base_origin == format!("{} [base]", src.origin);
        let path = e
            .line
            .filter(|_| inline && e.origin == self.base_origin)
            .and_then(|line| input::path_at_line(&self.base_text, line));
        match path {
            Some(path) => {
                let (line, column) = locate(src.text, &format!("base.{path}")).unzip();
                InputError::at(src.origin, line, column, e.message)
            }
            None => e,
        }
    }

    /// The field to point at when point `p` fails: the value of the first axis that fails on
    /// the base by itself, or the first axis's value when only their combination fails.
    fn blamed_value(
        &self,
        p: usize,
        compiles: impl Fn(&[String]) -> Result<(), InputError>,
    ) -> String {
        let alone = |a: usize| {
            let v = self.points[p][a];
            vec![
                format!("{}={}", self.axes[a].path, self.axes[a].values[v]),
                format!("run.seed={}", self.seed),
            ]
        };
        let a = (0..self.axes.len())
            .find(|&a| compiles(&alone(a)).is_err())
            .unwrap_or(0);
        match self.points[p].get(a) {
            Some(&v) => format!("axis.{a}.values.{v}"),
            None => "base".to_string(),
        }
    }

    /// Number of runs: points × replications.
    pub fn run_count(&self) -> u64 {
        self.points.len() as u64 * self.replications
    }

    /// (point, replication) of run `id`: id = point × replications + replication.
    pub fn run_of(&self, id: u64) -> (usize, u64) {
        ((id / self.replications) as usize, id % self.replications)
    }

    /// The `--set`-style overrides that turn the base into point `p`'s scenario: the axes'
    /// values, and the master seed as `run.seed` (common random numbers across points).
    pub fn overrides(&self, p: usize) -> Vec<String> {
        let mut o: Vec<String> = self
            .axes
            .iter()
            .zip(&self.points[p])
            .map(|(a, &v)| format!("{}={}", a.path, a.values[v]))
            .collect();
        o.push(format!("run.seed={}", self.seed));
        o
    }

    /// Point `p`'s scenario, validated.
    pub fn scenario(&self, p: usize) -> Result<Scenario, InputError> {
        Scenario::from_str_named(&self.base_text, &self.base_origin, &self.overrides(p))
    }

    /// A short label for point `p`: `name=value, ...` (or `base` when nothing is swept).
    pub fn point_label(&self, p: usize) -> String {
        if self.axes.is_empty() {
            return "base".to_string();
        }
        self.axes
            .iter()
            .zip(&self.points[p])
            .map(|(a, &v)| format!("{}={}", a.name, a.labels[v]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The axis called `key` (by name or by path).
    pub fn axis_index(&self, key: &str) -> Option<usize> {
        find_axis(&self.axes, key)
    }

    /// Finds the point whose values match `table` (axis name or path → value); the axes not
    /// named may take any value, and the first point that matches is taken. An error names the
    /// key at fault (empty when no point has all these values).
    pub fn find_point(&self, table: &toml::Table) -> Result<usize, FieldError> {
        let mut want: Vec<Option<usize>> = vec![None; self.axes.len()];
        for (k, v) in table {
            let a = find_axis(&self.axes, k).ok_or_else(|| {
                FieldError::new(
                    k.clone(),
                    format!("'{k}' is not an axis ({})", self.axis_names()),
                )
            })?;
            want[a] = Some(value_index(&self.axes[a], v).ok_or_else(|| {
                FieldError::new(
                    k.clone(),
                    format!(
                        "{v} is not one of the axis's values ({})",
                        self.axes[a].values.join(", ")
                    ),
                )
            })?);
        }
        self.points
            .iter()
            .position(|pt| pt.iter().zip(&want).all(|(v, w)| w.is_none_or(|w| w == *v)))
            .ok_or_else(|| FieldError::new("", "no point has these values"))
    }

    fn axis_names(&self) -> String {
        let names: Vec<&str> = self.axes.iter().map(|a| a.name.as_str()).collect();
        if names.is_empty() {
            "the experiment has no axes".to_string()
        } else {
            format!("axes: {}", names.join(", "))
        }
    }

    /// Checks that a plot names axes and metrics that exist (`metrics`: every metric name).
    fn check_plot(&self, plot: &PlotSpec, metrics: &[String]) -> Result<(), FieldError> {
        let metric = |field: &str, m: &str| check_metric(metrics, field, m);
        check_plot_name(plot)?;
        match plot {
            PlotSpec::LatencyCdf { .. } => Ok(()),
            PlotSpec::Metric { x, y, .. } => {
                self.check_axis("x", x, true)?;
                metric("y", y)
            }
            PlotSpec::Tradeoff {
                x,
                y,
                along,
                x_relative,
                ..
            } => {
                metric("x", x.as_deref().unwrap_or("idle_memory_gb_s"))?;
                metric("y", y.as_deref().unwrap_or("cold_start_probability"))?;
                if *x_relative && self.baseline.is_none() {
                    return Err(FieldError::new(
                        "x_relative",
                        "needs a baseline point (baseline = { ... }) to be relative to",
                    ));
                }
                along
                    .as_deref()
                    .map_or(Ok(()), |s| self.check_axis("along", s, false))
            }
            PlotSpec::CostVsLoad { x, y, also, .. } => {
                self.check_axis("x", x, true)?;
                for (i, m) in also.iter().enumerate() {
                    metric(&format!("also.{i}"), m)?;
                }
                metric("y", y.as_deref().unwrap_or("cost_usd.total"))
            }
            PlotSpec::Timeline {
                point, replication, ..
            } => self.check_timeline(point.as_ref(), *replication),
        }
    }

    /// Checks that `key` (given in `field`) is an axis, with numbers if `numeric`.
    fn check_axis(&self, field: &str, key: &str, numeric: bool) -> Result<(), FieldError> {
        let a = self.axis_index(key).ok_or_else(|| {
            FieldError::new(
                field,
                format!("'{key}' is not an axis ({})", self.axis_names()),
            )
        })?;
        if numeric && self.axes[a].numeric.is_none() {
            return Err(FieldError::new(
                field,
                format!(
                    "axis '{key}' has values that are not numbers, durations or rates; \
                     give it numeric = [...] to place them on a plot"
                ),
            ));
        }
        Ok(())
    }

    /// Checks that a timeline's point and replication exist and that its scenario records a
    /// time series.
    fn check_timeline(
        &self,
        point: Option<&toml::Table>,
        replication: u32,
    ) -> Result<(), FieldError> {
        let p = match point {
            Some(t) => self.find_point(t).map_err(|e| {
                let field = if e.field.is_empty() {
                    "point".to_string()
                } else {
                    format!("point.{}", e.field)
                };
                FieldError::new(field, e.message)
            })?,
            None => 0,
        };
        if u64::from(replication) >= self.replications {
            return Err(FieldError::new(
                "replication",
                format!(
                    "{replication} is not below the {} replications",
                    self.replications
                ),
            ));
        }
        let has_series = self
            .scenario(p)
            .map(|s| s.metrics.timeseries.is_some())
            .unwrap_or(false);
        if !has_series {
            return Err(FieldError::new(
                "kind",
                "a timeline needs the point's scenario to record a time series: set [metrics] timeseries = \"10s\" in the base (or sweep metrics.timeseries)",
            ));
        }
        Ok(())
    }
}

/// Checks that `m` (given in `field`) is one of `metrics`, where a database's or function's
/// name may stand in for the one the list uses.
fn check_metric(metrics: &[String], field: &str, m: &str) -> Result<(), FieldError> {
    if metrics.iter().any(|n| super::record::same_metric(n, m)) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("'{m}' is not a metric; accepted: {}", metrics.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Experiment, InputError> {
        Experiment::from_str_named(text, "t.toml", Path::new("."))
    }

    #[test]
    fn grid_is_row_major_and_zip_moves_together() {
        let base = "base = \"hello\"\n";
        let g = load(&format!("{base}[[axis]]\npath = \"keep_alive.ttl\"\nvalues = [\"1min\", \"2min\"]\n[[axis]]\npath = \"function.0.memory_mb\"\nvalues = [128, 256, 512]\n")).unwrap();
        assert_eq!(g.points.len(), 6);
        assert_eq!(g.points[1], vec![0, 1]);
        assert_eq!(g.points[3], vec![1, 0]);
        let z = load(&format!("{base}mode = \"zip\"\n[[axis]]\npath = \"keep_alive.ttl\"\nvalues = [\"1min\", \"2min\"]\n[[axis]]\npath = \"function.0.memory_mb\"\nvalues = [128, 256]\n")).unwrap();
        assert_eq!(z.points, vec![vec![0, 0], vec![1, 1]]);
    }

    #[test]
    fn baseline_within_each_series() {
        let e = load("base = \"hello\"\nbaseline = { ttl = \"2min\" }\n[[axis]]\nname = \"mem\"\npath = \"function.0.memory_mb\"\nvalues = [128, 256]\n[[axis]]\nname = \"ttl\"\npath = \"keep_alive.ttl\"\nvalues = [\"1min\", \"2min\"]\n").unwrap();
        assert_eq!(e.baseline, Some(vec![1, 1, 3, 3]));
    }

    #[test]
    fn axis_values_reach_the_scenario() {
        let e = load("base = \"hello\"\nseed = 99\n[[axis]]\npath = \"keep_alive\"\nvalues = [{ kind = \"none\" }, { kind = \"fixed\", ttl = \"1min\" }]\n").unwrap();
        let s0 = e.scenario(0).unwrap();
        assert_eq!(
            s0.keep_alive,
            crate::input::keep_alive::KeepAliveSpec::None {}
        );
        assert_eq!(s0.run.seed, 99);
        assert_eq!(e.axes[0].cell(0), "{ kind = \"none\" }");
        assert_eq!(e.axes[0].labels[0], "none");
        assert!(e.axes[0].numeric.is_none());
    }

    #[test]
    fn errors_point_at_the_field() {
        let e = load(
            "base = \"hello\"\n[[axis]]\npath = \"keep_alive.ttl\"\nvalues = [\"1min\", \"0s\"]\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("point 1"), "{e}");
        let e = load("base = \"hello\"\nreplications = 0\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(1)));
        let e = load("base = \"nope\"\n").unwrap_err();
        assert!(e.message.contains("built-in: hello"), "{e}");
        let e = load("base = \"hello\"\nmode = \"cross\"\n").unwrap_err();
        assert!(
            e.message.contains("grid") && e.message.contains("zip"),
            "{e}"
        );
        let e = load("base = \"hello\"\n[[plot]]\nkind = \"metric\"\nx = \"ttl\"\ny = \"p99\"\n")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = load("[base]\n[base.run]\nhorizon = \"1h\"\nbogus = 1\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
    }
}
