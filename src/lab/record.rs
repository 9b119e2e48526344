//! One run's result as stored on disk (`runs/<id>.json`): its figures flattened to named
//! metrics, a compact latency histogram (for CDF plots of a point), and the time series when
//! the scenario asked for one.
//!
//! Metrics are the report's numeric fields in the report's own order, nested names joined with
//! dots (`latency_ms.p99`, `cost_usd.total`), so a field added to the report becomes a column
//! without a change here. A run with at most [`MAX_FUNCTION_METRICS`] functions also gets each
//! function's figures, named after it (`functions.checkout.latency_ms.p99`); populations of
//! hundreds would drown the table. Values are stored as JSON numbers, which round-trip exactly.

use crate::core::metrics::Bucket;
use crate::core::report::Report;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The record format; bumped when the layout changes, so old files are redone, not misread.
pub const FORMAT: u32 = 1;

/// Report fields that describe the run rather than measure it, or are not scalars.
const NOT_METRICS: &[&str] = &[
    "faasim_version",
    "scenario",
    "seed",
    "horizon_s",
    "warmup_s",
    "timeseries",
];

/// Runs with at most this many functions get per-function metrics.
pub const MAX_FUNCTION_METRICS: usize = 16;

/// Buckets per power of two of the stored latency histogram: about 1.1% wide, ample for a
/// CDF plot, and a few hundred entries per run instead of thousands.
const HIST_BITS: u32 = 6;

/// One run's stored result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// The experiment's `runs_sha256`: a record from another experiment is never mixed in.
    pub runs_sha256: String,
    /// Run id.
    pub run: u64,
    /// Point index.
    pub point: usize,
    /// Replication index (also the stream run index).
    pub replication: u64,
    /// `run.seed` of the scenario.
    pub seed: u64,
    /// Flattened report figures in the report's order; `None` for a value that is not finite.
    pub metrics: Vec<(String, Option<f64>)>,
    /// Latency histogram: (bucket's lower bound in microseconds, count), ascending.
    pub latency_us: Vec<(u64, u64)>,
    /// Per-bucket figures, when the scenario has `[metrics] timeseries`.
    #[serde(default)]
    pub timeseries: Option<Vec<Bucket>>,
}

impl RunRecord {
    /// Builds the record of run `run` (point, replication) from its report.
    pub fn new(
        runs_sha256: &str,
        run: u64,
        point: usize,
        replication: u64,
        seed: u64,
        report: &Report,
    ) -> RunRecord {
        RunRecord {
            format: FORMAT,
            runs_sha256: runs_sha256.to_string(),
            run,
            point,
            replication,
            seed,
            metrics: flatten(report),
            latency_us: histogram(report),
            timeseries: report.timeseries.clone(),
        }
    }

    /// The value of metric `name`, if present and finite.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| *v)
    }

    /// The record as compact JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data (strings, integers, finite floats or null) cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The names of all metrics a report flattens to, in order: those of a sample report that has
/// every optional section (async and queue delivery, fan-out flows, a database named `db`, a
/// CDN, three functions `f`, `a`, `q`) and every figure that is left out when zero. Built from
/// the report's own types, so the list always matches its fields. A database's or a function's
/// figures are named after it: see [`same_metric`].
pub fn metric_names() -> Vec<String> {
    flatten(&sample_report())
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// A report with every section present and every optional figure non-zero.
fn sample_report() -> Report {
    use crate::core::billing::{always_on::AlwaysOn, Cost};
    use crate::core::metrics::{Counts, InstanceSummary, Latency};
    use crate::core::platform::{cdn::CdnReport, database::DatabaseReport};
    use crate::core::report::{
        DeliveryReport, FlowReport, FunctionParts, FunctionReport, ReportParts,
    };
    // Only the run's total carries the always-on quote.
    let cost = Cost {
        front_door: 1.0,
        subscription: 1.0,
        cdn: 1.0,
        ..Cost::default()
    };
    let function = |name: &str| {
        FunctionReport::assemble(FunctionParts {
            name: name.into(),
            app: None,
            memory_mb: 128,
            counts: Counts::default(),
            latency_ms: Default::default(),
            instances: InstanceSummary::default(),
            idle_memory_gb_s: 0.0,
            cost_usd: cost,
        })
    };
    Report::assemble(ReportParts {
        scenario: "metric names".into(),
        seed: 0,
        horizon: Default::default(),
        warmup: Default::default(),
        counts: Counts::default(),
        latency: Latency::new(Latency::FINE),
        instances: InstanceSummary::default(),
        cost_usd: Cost {
            always_on: Some(AlwaysOn::default()),
            ..cost
        },
        functions: ["f", "a", "q"].into_iter().map(function).collect(),
        hosts: Vec::new(),
        delivery: Some(DeliveryReport::default()),
        flows: Some(FlowReport::default()),
        databases: vec![DatabaseReport {
            name: "db".into(),
            ..DatabaseReport::default()
        }],
        cdn: Some(CdnReport::default()),
        timeseries: None,
        stopped_early: None,
    })
}

/// Whether metric name `asked` is `known`, where a database's or a function's name may stand
/// in for the ones [`metric_names`] uses (`databases.orders.peak_connections` matches
/// `databases.db.peak_connections`, `functions.checkout.errors` `functions.f.errors`).
pub fn same_metric(known: &str, asked: &str) -> bool {
    if known == asked {
        return true;
    }
    [
        ("databases.db.", "databases."),
        ("functions.f.", "functions."),
    ]
    .iter()
    .any(
        |(k, a)| match (known.strip_prefix(k), asked.strip_prefix(a)) {
            (Some(field), Some(rest)) => rest
                .split_once('.')
                .is_some_and(|(name, f)| !name.is_empty() && f == field),
            _ => false,
        },
    )
}

/// The report's numeric fields, nested names joined with dots, in serialisation order.
pub fn flatten(report: &Report) -> Vec<(String, Option<f64>)> {
    let json = serde_json::to_string(report).unwrap_or_default();
    let mut out = Vec::new();
    if let Ok(Node::Map(fields)) = serde_json::from_str::<Node>(&json) {
        for (k, v) in fields {
            if k == "functions" {
                if let Node::Seq(fs) = v {
                    if fs.len() <= MAX_FUNCTION_METRICS {
                        fs.into_iter()
                            .for_each(|f| walk_named("functions", f, &mut out));
                    }
                }
            } else if !NOT_METRICS.contains(&k.as_str()) {
                walk(&k, v, &mut out);
            }
        }
    }
    out
}

/// An object with a `name` field, as `prefix.<name>.<field>`.
fn walk_named(prefix: &str, node: Node, out: &mut Vec<(String, Option<f64>)>) {
    if let Node::Map(fields) = node {
        let name = fields.iter().find_map(|(k, v)| match v {
            Node::Str(s) if k == "name" => Some(s.clone()),
            _ => None,
        });
        if let Some(name) = name {
            for (k, v) in fields {
                walk(&format!("{prefix}.{name}.{k}"), v, out);
            }
        }
    }
}

fn walk(prefix: &str, node: Node, out: &mut Vec<(String, Option<f64>)>) {
    match node {
        Node::Num(x) => out.push((prefix.to_string(), Some(x).filter(|x| x.is_finite()))),
        Node::Null => out.push((prefix.to_string(), None)),
        Node::Map(fields) => {
            for (k, v) in fields {
                walk(&format!("{prefix}.{k}"), v, out);
            }
        }
        Node::Str(_) | Node::Seq(_) | Node::Other => {}
    }
}

/// A JSON value that keeps the order of object keys (serde_json's `Value` sorts them).
enum Node {
    Num(f64),
    Null,
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
    Other,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Num(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Num(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Num(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Node, E> {
                Ok(Node::Str(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = a.next_element::<Node>()? {
                    items.push(n);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Node>()? {
                    fields.push((k, v));
                }
                Ok(Node::Map(fields))
            }
        }
        d.deserialize_any(V)
    }
}

/// The lower bound (µs) of the coarse log-linear bucket holding `us`.
fn coarse_floor(us: u64) -> u64 {
    let sub = 1u64 << HIST_BITS;
    if us < sub {
        return us;
    }
    let top = 63 - us.leading_zeros();
    let shift = top - HIST_BITS;
    (us >> shift) << shift
}

/// The report's latency histogram, re-bucketed to [`HIST_BITS`] per power of two with integer
/// arithmetic only (so every machine stores the same buckets).
fn histogram(report: &Report) -> Vec<(u64, u64)> {
    let n = report.latency.count();
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut seen_before = 0u64;
    for (ms, frac) in report.latency.cdf() {
        // cdf() gives each bucket's midpoint in ms and the cumulative fraction; both are exact
        // enough to recover the integers: midpoints are multiples of 0.5 µs, and seen/n·n
        // rounds back to seen for any n below 2^52.
        let seen = (frac * n as f64).round() as u64;
        let count = seen.saturating_sub(seen_before);
        seen_before = seen.max(seen_before);
        if count == 0 {
            continue;
        }
        let us = ((ms * 2000.0).round() / 2.0).floor() as u64;
        let key = coarse_floor(us);
        match out.last_mut() {
            Some((k, c)) if *k == key => *c += count,
            _ => out.push((key, count)),
        }
    }
    out
}

/// Merges histograms (several replications of one point) into one, ascending by bucket.
pub fn merge_histograms<'a>(hists: impl IntoIterator<Item = &'a [(u64, u64)]>) -> Vec<(u64, u64)> {
    let mut all = std::collections::BTreeMap::new();
    for h in hists {
        for &(k, c) in h {
            *all.entry(k).or_insert(0u64) += c;
        }
    }
    all.into_iter().collect()
}

/// The upper bound (µs, exclusive) of the coarse bucket starting at `lower`.
pub fn bucket_upper(lower: u64) -> u64 {
    let sub = 1u64 << HIST_BITS;
    if lower < sub {
        return lower + 1;
    }
    let top = 63 - lower.leading_zeros();
    lower + (1u64 << (top - HIST_BITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_buckets_cover_without_gaps() {
        let mut us = 0;
        while us < 5_000_000 {
            let lo = coarse_floor(us);
            assert!(lo <= us && us < bucket_upper(lo), "{us}");
            assert_eq!(coarse_floor(bucket_upper(lo)), bucket_upper(lo));
            us = bucket_upper(lo) + us % 7;
        }
    }

    #[test]
    fn flatten_keeps_report_order_and_counts() {
        let names = metric_names();
        assert_eq!(names.first().map(String::as_str), Some("arrivals"));
        assert!(names.iter().any(|n| n == "latency_ms.p99"));
        assert!(names.iter().any(|n| n == "cost_usd.total"));
        assert!(!names.iter().any(|n| n == "seed"));
        // Small runs carry each function's figures under its name, and every optional
        // section is there.
        for m in [
            "functions.f.latency_ms.p99",
            "functions.q.errors",
            "databases.db.connection_errors",
            "delivery.counts.dead_lettered",
            "flows.latency_ms.p99",
            "cdn.hits",
        ] {
            assert!(names.iter().any(|n| n == m), "{m} missing");
        }
        assert!(same_metric(
            "functions.f.latency_ms.p99",
            "functions.checkout.latency_ms.p99"
        ));
        assert!(same_metric(
            "databases.db.waited",
            "databases.aurora.waited"
        ));
        assert!(!same_metric(
            "functions.f.latency_ms.p99",
            "functions.checkout.p99"
        ));
        assert!(!same_metric("functions.f.errors", "functions..errors"));
    }

    #[test]
    fn populations_get_no_per_function_metrics() {
        let s = crate::Scenario::load(
            "hello",
            &[format!("function.0.copies={}", MAX_FUNCTION_METRICS + 1)],
        )
        .unwrap();
        let r = crate::simulate(&s).unwrap();
        assert!(!flatten(&r).iter().any(|(n, _)| n.starts_with("functions.")));
        let s = crate::Scenario::load("hello", &[]).unwrap();
        let r = crate::simulate(&s).unwrap();
        assert!(flatten(&r).iter().any(|(n, _)| n.starts_with("functions.")));
    }

    #[test]
    fn histogram_keeps_every_request() {
        let s = crate::Scenario::load("hello", &["run.horizon=\"10min\"".into()]).unwrap();
        let r = crate::simulate(&s).unwrap();
        let h = histogram(&r);
        assert_eq!(h.iter().map(|(_, c)| c).sum::<u64>(), r.latency.count());
        assert!(h.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
