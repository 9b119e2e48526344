//! Finishing a run: the open intervals closed, the bill worked out and the report assembled.

use super::*;

impl<O: Observer, P: Policy> Simulation<O, P> {
    pub(super) fn finish(mut self) -> (Report, O) {
        let end = self.horizon;
        // Close the open time-in-state intervals of environments still alive.
        for (_, env) in self.envs.iter() {
            if let Some(l) = level(env.state) {
                let start = env.since.max(self.warmup);
                if end > start {
                    self.funcs[env.func as usize].stats.area[l as usize] += (end - start) as u128;
                }
            }
        }
        let peak = self.levels.finish(end);
        for f in &mut self.funcs {
            f.stats.peak = f.stats.peak.max(f.stats.live);
        }
        let span = end - self.warmup;
        let usage: Vec<FunctionUsage> = self
            .funcs
            .iter()
            .map(|f| FunctionUsage {
                memory_mb: f.memory_mb,
                arch: f.arch,
                requests: f.stats.counts.warm_starts
                    + f.stats.counts.cold_starts
                    + f.stats.counts.pings,
                billed_ns: f.stats.billed_ns,
                billed_ns_provisioned: f.stats.billed_ns_provisioned,
                front_door_requests: f.stats.front_door_requests,
                // The schedule's integral over the measured window (count × span if constant).
                provisioned_env_ns: f.provision.env_ns(self.warmup, end),
                cold_starts: f.stats.counts.cold_starts,
                env_ns: f.stats.area,
                peak_envs: f.stats.peak,
                plan: f.terms.clone(),
            })
            .collect();
        let (mut cost, mut per_fn_cost) = billing::bill(&self.pricing, &usage, span);
        let mut cdn: Option<crate::core::platform::cdn::CdnReport> = None;
        for (f, c) in self.funcs.iter().zip(per_fn_cost.iter_mut()) {
            if let Some(r) = f.cdn.as_ref().map(|x| x.report()) {
                c.add_cdn(r.cost_usd);
                cost.add_cdn(r.cost_usd);
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
        let functions: Vec<FunctionReport> = self
            .funcs
            .iter()
            .zip(per_fn_cost)
            .map(|(f, cost)| {
                let a = &f.stats.area;
                let idle_env_s = a[Level::Idle as usize] as f64 / 1e9;
                let mut r = FunctionReport::new(
                    f.name.clone(),
                    f.memory_mb,
                    f.stats.counts,
                    f.stats.latency.summary(),
                    InstanceSummary::from_areas(a, span, f.stats.peak as u64),
                    idle_env_s * f.memory_mb as f64 / 1024.0,
                    cost,
                );
                if let Some(app) = &f.app {
                    r.app = app.to_string();
                }
                r
            })
            .collect();
        let idle_memory_gb_s = functions.iter().map(|f| f.idle_memory_gb_s).sum();
        let mut area = [0u128; 3];
        for f in &self.funcs {
            for (a, x) in area.iter_mut().zip(f.stats.area) {
                *a += x;
            }
        }
        let instances = InstanceSummary::from_areas(&area, span, peak);
        let timeseries = self.levels.take_series().map(TimeSeries::finish);
        let report = Report::new(
            self.name.clone(),
            self.seed,
            self.horizon,
            self.warmup,
            self.counts,
            self.latency.summary(),
            instances,
            idle_memory_gb_s,
            cost,
            functions,
            timeseries,
            self.latency,
        );
        let mut report = report;
        if let Some(c) = self.cluster.as_mut() {
            report.hosts = c.report(end);
        }
        report.delivery = self.delivery.report(end, span);
        report.flows = self.flows.report();
        report.databases = self.dbs.iter_mut().map(|d| d.report(end)).collect();
        report.cdn = cdn;
        (report, self.observer)
    }
}
