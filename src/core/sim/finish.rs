//! Finishing a run: the open intervals closed, the bill worked out and the report assembled in
//! one piece from the recorder and the components' own reports.

use super::{Observer, Simulation};
use crate::core::billing::{self, Cost, FunctionUsage};
use crate::core::metrics::{InstanceSummary, Level, TimeSeries};
use crate::core::platform::cdn::CdnReport;
use crate::core::policy::Policy;
use crate::core::report::{FunctionParts, FunctionReport, Report, ReportParts, StoppedEarly};
use crate::core::time::{Instant, Span};

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// Ends the run at the horizon and returns its report and the observer.
    pub(super) fn finish(mut self) -> (Report, O) {
        let end = self.horizon;
        let peak = self.recorder.close(&self.envs, end);
        let window = self.recorder.window;
        let span = window.span(end);
        let usage = self.usage(end);
        let (mut cost, mut per_function) = billing::bill(&self.pricing, &usage, span.ns());
        let cdn = self.cdn_report(&mut cost, &mut per_function);
        let functions = self.function_reports(per_function, span);
        let mut area = [0u128; 3];
        for f in &self.recorder.funcs {
            for (a, x) in area.iter_mut().zip(f.area) {
                *a += x;
            }
        }
        let report = Report::assemble(ReportParts {
            scenario: self.name.clone(),
            seed: self.seed,
            horizon: self.horizon,
            warmup: window.start(),
            counts: self.recorder.counts,
            latency: self.recorder.latency.clone(),
            instances: InstanceSummary::from_areas(&area, span, peak),
            cost_usd: cost,
            functions,
            hosts: self
                .memory
                .cluster
                .as_mut()
                .map_or_else(Vec::new, |c| c.report(end)),
            delivery: self.delivery.report(end, span),
            flows: self.flows.report(),
            databases: self.dbs.iter_mut().map(|d| d.report(end)).collect(),
            cdn,
            timeseries: self.recorder.levels.take_series().map(TimeSeries::finish),
            stopped_early: self.stopped.map(|at| StoppedEarly {
                at_s: at.as_secs_f64(),
                reason: format!(
                    "the backlog of async events and queue messages passed run.max_backlog ({})",
                    self.max_backlog
                ),
            }),
        });
        (report, self.observer)
    }

    /// What billing needs of each function.
    fn usage(&self, end: Instant) -> Vec<FunctionUsage> {
        let window = self.recorder.window;
        self.funcs
            .iter()
            .zip(&self.recorder.funcs)
            .map(|(f, s)| FunctionUsage {
                memory_mb: f.memory_mb,
                arch: f.arch,
                requests: s.counts.warm_starts + s.counts.cold_starts + s.counts.pings,
                billed_ns: s.billed_ns,
                billed_ns_provisioned: s.billed_ns_provisioned,
                front_door_requests: s.front_door_requests,
                // The schedule's integral over the measured window (count × span if constant).
                provisioned_env_ns: f.provision.env_ns(window.start(), end),
                cold_starts: s.counts.cold_starts,
                env_ns: s.area,
                peak_envs: s.peak,
                plan: f.terms.clone(),
            })
            .collect()
    }

    /// The CDN's hits, misses and cost over every function with one, added to the bills.
    fn cdn_report(&self, total: &mut Cost, per_function: &mut [Cost]) -> Option<CdnReport> {
        let mut cdn: Option<CdnReport> = None;
        for (f, c) in self.funcs.iter().zip(per_function.iter_mut()) {
            if let Some(r) = f.cdn.as_ref().map(|x| x.report()) {
                c.add_cdn(r.cost_usd);
                total.add_cdn(r.cost_usd);
                let t = cdn.get_or_insert_with(Default::default);
                t.hits += r.hits;
                t.misses += r.misses;
                t.cost_usd += r.cost_usd;
            }
        }
        if let Some(t) = cdn.as_mut() {
            let n = t.hits + t.misses;
            t.hit_ratio = if n == 0 {
                0.0
            } else {
                t.hits as f64 / n as f64
            };
        }
        cdn
    }

    /// Each function's report, with its bill.
    fn function_reports(&self, costs: Vec<Cost>, span: Span) -> Vec<FunctionReport> {
        self.funcs
            .iter()
            .zip(&self.recorder.funcs)
            .zip(costs)
            .map(|((f, s), cost)| {
                let idle_env_s = s.area[Level::Idle as usize] as f64 / 1e9;
                FunctionReport::assemble(FunctionParts {
                    name: f.name.clone(),
                    app: f.app.as_ref().map(|a| a.to_string()),
                    memory_mb: f.memory_mb,
                    counts: s.counts,
                    latency_ms: s.latency.summary(),
                    instances: InstanceSummary::from_areas(&s.area, span, s.peak as u64),
                    idle_memory_gb_s: idle_env_s * f.memory_mb as f64 / 1024.0,
                    cost_usd: cost,
                })
            })
            .collect()
    }
}
