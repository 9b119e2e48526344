//! The `[[axis]]` tables of an experiment file resolved into axes (names, units, numbers and
//! labels for plots), and the axes expanded into points, with each point's baseline.

use super::format::tick;
use super::spec::MAX_RUNS;
pub use crate::input::FieldError;
use serde::{Deserialize, Serialize};

/// How the axes combine into points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Every combination of values (the first axis varies slowest).
    #[default]
    Grid,
    /// The axes move together: point i takes value i of every axis (all axes equally long).
    Zip,
}

/// One `[[axis]]` table as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AxisSpec {
    path: String,
    values: Vec<toml::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    numeric: Option<Vec<f64>>,
    /// Short names for the values in legends and point labels (e.g. when values are whole
    /// tables).
    #[serde(default)]
    labels: Option<Vec<String>>,
}

/// A swept parameter, resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// Column name in runs.csv and legend label (default: the path).
    pub name: String,
    /// Dotted path in the scenario (`keep_alive.ttl`, `function.0.arrivals.rate`).
    pub path: String,
    /// Unit for plot labels (given, or inferred: `s` for durations, `1/s` for rates).
    pub unit: Option<String>,
    /// The values, as inline TOML (`"60s"`, `5`, `{ kind = "none" }`).
    pub values: Vec<String>,
    /// The numbers plots put on an axis for each value, when there are any.
    pub numeric: Option<Vec<f64>>,
    /// Short text for each value in legends and point labels: the number and unit when
    /// `numeric` was given (a table value such as `{ kind = "fixed", ttl = "10min" }` reads
    /// "10 min"), else the value itself.
    pub labels: Vec<String>,
}

impl Axis {
    /// Value `i` as a table cell: strings without their quotes, anything else as TOML.
    pub fn cell(&self, i: usize) -> String {
        match parse_value(&self.values[i]) {
            Some(toml::Value::String(s)) => s,
            _ => self.values[i].clone(),
        }
    }

    /// Field `key` of value `i` when the value is a table, as text (strings without their
    /// quotes): `fixed` for key `kind` of `{ kind = "fixed", ttl = "5min" }`.
    pub fn field(&self, i: usize, key: &str) -> Option<String> {
        match parse_value(&self.values[i]) {
            Some(toml::Value::Table(t)) => t.get(key).map(|v| match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            _ => None,
        }
    }

    /// The axis label for plots: name and unit.
    pub fn label(&self) -> String {
        match &self.unit {
            Some(u) => format!("{} ({u})", self.name),
            None => self.name.clone(),
        }
    }
}

/// The axis called `key` (by name, else by path).
pub(super) fn find_axis(axes: &[Axis], key: &str) -> Option<usize> {
    axes.iter()
        .position(|a| a.name == key)
        .or_else(|| axes.iter().position(|a| a.path == key))
}

/// The index of `v` among the axis's values (compared as TOML values, so `"10min"` matches
/// `"10min"` and `{kind="none"}` matches `{ kind = "none" }`). A number also matches the value
/// whose `numeric` entry it equals, so `baseline = { ttl = 10 }` can name
/// `{ kind = "fixed", ttl = "10min" }` on an axis with `numeric = [0, 1, 10]`.
pub(super) fn value_index(axis: &Axis, v: &toml::Value) -> Option<usize> {
    axis.values
        .iter()
        .position(|raw| parse_value(raw).as_ref() == Some(v))
        .or_else(|| {
            let x = match v {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(f) => *f,
                _ => return None,
            };
            axis.numeric.as_ref()?.iter().position(|n| *n == x)
        })
}

/// An inline TOML value (as an axis stores it) parsed back.
fn parse_value(raw: &str) -> Option<toml::Value> {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
}

/// Numbers for a plot axis: given ones, else the values themselves when they are numbers,
/// durations (seconds) or rates (per second).
fn numeric_values(values: &[toml::Value]) -> Option<(Vec<f64>, Option<&'static str>)> {
    let mut unit = None;
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        let (x, u) = match v {
            toml::Value::Integer(i) => (*i as f64, None),
            toml::Value::Float(f) => (*f, None),
            toml::Value::String(s) if s.contains('/') => {
                (crate::core::time::parse_rate(s).ok()?, Some("1/s"))
            }
            toml::Value::String(s) => (
                crate::core::time::parse_duration(s).ok()? as f64 / 1e9,
                Some("s"),
            ),
            _ => return None,
        };
        if !x.is_finite() || (unit.is_some() && u != unit) {
            return None;
        }
        unit = u;
        out.push(x);
    }
    Some((out, unit))
}

/// Resolves `[[axis]]` number `a` (`before` are the axes resolved already).
pub(super) fn resolve_axis(a: usize, spec: &AxisSpec, before: &[Axis]) -> Result<Axis, FieldError> {
    let name = axis_name(a, spec, before)?;
    let values: Vec<String> = spec.values.iter().map(|v| v.to_string()).collect();
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(FieldError::new(
                format!("axis.{a}.values.{i}"),
                format!("{v} is listed twice"),
            ));
        }
    }
    let (numeric, inferred_unit) = numbers(a, spec)?;
    let mut axis = Axis {
        name,
        path: spec.path.clone(),
        unit: spec.unit.clone().or(inferred_unit.map(String::from)),
        values,
        numeric,
        labels: Vec::new(),
    };
    axis.labels = labels(a, spec, &axis)?;
    Ok(axis)
}

/// The axis's column name (its path unless named), after checking the path, that there are
/// values, and that the name is a column of its own.
fn axis_name(a: usize, spec: &AxisSpec, before: &[Axis]) -> Result<String, FieldError> {
    let p = |k: &str| format!("axis.{a}.{k}");
    if spec.path.is_empty() || spec.path.split('.').any(|s| s.is_empty()) {
        return Err(FieldError::new(p("path"), format!("'{}': expected a dotted scenario path such as keep_alive.ttl or function.0.memory_mb", spec.path)));
    }
    if spec.values.is_empty() {
        return Err(FieldError::new(p("values"), "give at least one value"));
    }
    let name = spec.name.clone().unwrap_or_else(|| spec.path.clone());
    if name.is_empty() || name.contains([',', '"', '\n']) {
        return Err(FieldError::new(
            p("name"),
            format!("'{name}': a column name may not be empty or hold commas, quotes or newlines"),
        ));
    }
    let reserved = ["run", "point", "replication", "seed", "metric"];
    if reserved.contains(&name.as_str()) {
        return Err(FieldError::new(
            p("name"),
            format!(
                "'{name}' is a column faasim writes itself ({}); choose another name",
                reserved.join(", ")
            ),
        ));
    }
    if before.iter().any(|b| b.name == name || b.path == spec.path) {
        return Err(FieldError::new(
            p("path"),
            format!("'{name}' is swept twice"),
        ));
    }
    Ok(name)
}

/// The numbers a plot puts on the axis (given, or read from the values) and the unit they
/// imply when read from durations or rates.
fn numbers(
    a: usize,
    spec: &AxisSpec,
) -> Result<(Option<Vec<f64>>, Option<&'static str>), FieldError> {
    let p = |k: &str| format!("axis.{a}.{k}");
    match &spec.numeric {
        Some(n) => {
            if n.len() != spec.values.len() {
                return Err(FieldError::new(
                    p("numeric"),
                    format!("has {} numbers for {} values", n.len(), spec.values.len()),
                ));
            }
            if n.iter().any(|x| !x.is_finite()) {
                return Err(FieldError::new(p("numeric"), "numbers must be finite"));
            }
            Ok((Some(n.clone()), None))
        }
        None => Ok(match numeric_values(&spec.values) {
            Some((n, u)) => (Some(n), u),
            None => (None, None),
        }),
    }
}

/// The values' labels: given, else the given numbers with the unit, else the values.
fn labels(a: usize, spec: &AxisSpec, axis: &Axis) -> Result<Vec<String>, FieldError> {
    if let Some(l) = &spec.labels {
        if l.len() != axis.values.len() {
            return Err(FieldError::new(
                format!("axis.{a}.labels"),
                format!("has {} labels for {} values", l.len(), axis.values.len()),
            ));
        }
        return Ok(l.clone());
    }
    Ok(match &spec.numeric {
        Some(n) => n
            .iter()
            .map(|x| match &axis.unit {
                Some(u) => format!("{} {u}", tick(*x)),
                None => tick(*x),
            })
            .collect(),
        None => (0..axis.values.len())
            .map(|i| match parse_value(&axis.values[i]) {
                Some(toml::Value::Table(t)) => table_label(&t),
                _ => axis.cell(i),
            })
            .collect(),
    })
}

/// A table value's label as a reader would write it: its `kind` first, then the other keys as
/// `key=value` (strings without quotes): `fixed ttl=10min`, `greedy-dual`, `my-policy factor=4`.
/// A registered policy is labelled exactly like a built-in.
fn table_label(t: &toml::Table) -> String {
    let text = |v: &toml::Value| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut parts: Vec<String> = t.get("kind").map(text).into_iter().collect();
    parts.extend(
        t.iter()
            .filter(|(k, _)| k.as_str() != "kind")
            .map(|(k, v)| format!("{k}={}", text(v))),
    );
    parts.join(" ")
}

/// The points in run order: grid is row-major (first axis slowest), zip walks all together.
pub(super) fn expand(mode: Mode, axes: &[Axis]) -> Result<Vec<Vec<usize>>, FieldError> {
    if axes.is_empty() {
        return Ok(vec![Vec::new()]);
    }
    match mode {
        Mode::Zip => {
            let n = axes[0].values.len();
            if let Some((a, ax)) = axes.iter().enumerate().find(|(_, ax)| ax.values.len() != n) {
                return Err(FieldError::new(
                    format!("axis.{a}.values"),
                    format!("mode = \"zip\" moves the axes together, so all need the same number of values: axis 0 has {n}, this one {}", ax.values.len()),
                ));
            }
            Ok((0..n).map(|i| vec![i; axes.len()]).collect())
        }
        Mode::Grid => {
            let mut total: u64 = 1;
            for a in axes {
                total = total.saturating_mul(a.values.len() as u64);
            }
            if total > MAX_RUNS {
                return Err(FieldError::new(
                    "axis",
                    format!("the grid has {total} points, more than {MAX_RUNS}"),
                ));
            }
            let mut points = vec![Vec::new()];
            for a in axes {
                points = points
                    .into_iter()
                    .flat_map(|p| {
                        (0..a.values.len()).map(move |v| {
                            let mut q = p.clone();
                            q.push(v);
                            q
                        })
                    })
                    .collect();
            }
            Ok(points)
        }
    }
}

/// Each point's baseline. Grid: the point with the baseline's values on the axes it names and
/// the point's own values on the others (so each series is compared within itself). Zip: the one
/// point that matches every value named.
pub(super) fn baseline_points(
    mode: Mode,
    axes: &[Axis],
    points: &[Vec<usize>],
    table: &toml::Table,
) -> Result<Vec<usize>, FieldError> {
    if table.is_empty() {
        return Err(FieldError::new("baseline", "name at least one axis and its value, e.g. baseline = { \"keep_alive.ttl\" = \"10min\" }"));
    }
    let mut fixed: Vec<Option<usize>> = vec![None; axes.len()];
    for (k, v) in table {
        let a = find_axis(axes, k).ok_or_else(|| {
            let names: Vec<&str> = axes.iter().map(|a| a.name.as_str()).collect();
            FieldError::new(
                format!("baseline.{k}"),
                format!("'{k}' is not an axis (axes: {})", names.join(", ")),
            )
        })?;
        fixed[a] = Some(value_index(&axes[a], v).ok_or_else(|| {
            FieldError::new(
                format!("baseline.{k}"),
                format!(
                    "{v} is not one of the axis's values ({})",
                    axes[a].values.join(", ")
                ),
            )
        })?);
    }
    let find = |want: &dyn Fn(usize, usize) -> bool| {
        points
            .iter()
            .position(|q| q.iter().enumerate().all(|(a, &v)| want(a, v)))
    };
    match mode {
        Mode::Zip => {
            let b = find(&|a, v| fixed[a].is_none_or(|f| f == v))
                .ok_or_else(|| FieldError::new("baseline", "no point has all these values"))?;
            Ok(vec![b; points.len()])
        }
        Mode::Grid => points
            .iter()
            .map(|p| {
                find(&|a, v| v == fixed[a].unwrap_or(p[a]))
                    .ok_or_else(|| FieldError::new("baseline", "no point has these values"))
            })
            .collect(),
    }
}
