//! Composition: synchronous calls (a chain, with retries and a compensating step) and
//! fan-out/fan-in flows.
//!
//! A request whose own work succeeded runs its `calls` in order. For each it invokes the
//! callee and waits, still occupying its environment and billed; the callee's outcome (or a
//! throttle) decides: next step, retry, the compensating function, or failure. The caller's
//! timeout keeps running while it waits, so a slow callee times the caller out (the callee
//! runs on). A function with `fan_out` starts its workers when it finishes; nobody waits for
//! them (an orchestrator does), and the join runs when the last has finished.

use super::{Observer, Origin, Phase, Simulation};
use crate::core::ids::{FlowId, FuncId, IdVec, ReqId};
use crate::core::metrics::{Latency, Window};
use crate::core::plan::FanOut;
use crate::core::policy::Policy;
use crate::core::report::FlowReport;
use crate::core::time::Instant;

#[derive(Clone, Copy, Debug)]
struct Flow {
    arrival: Instant,
    remaining: u32,
    failed: bool,
    join: Option<FuncId>,
}

/// Fan-out flows in progress, in a slab.
#[derive(Clone, Debug)]
pub(super) struct Flows {
    slots: IdVec<FlowId, Flow>,
    free: Vec<FlowId>,
    report: FlowReport,
    latency: Latency,
    any: bool,
    window: Window,
}

impl Flows {
    /// No flows yet, counted over `window`.
    pub(super) fn new(window: Window) -> Self {
        Flows {
            slots: IdVec::new(),
            free: Vec::new(),
            report: FlowReport::default(),
            latency: Latency::new(Latency::COARSE),
            any: false,
            window,
        }
    }

    /// The report, if the scenario has fan-outs.
    pub(super) fn report(&self) -> Option<FlowReport> {
        self.any.then(|| FlowReport {
            latency_ms: self.latency.summary(),
            ..self.report.clone()
        })
    }
}

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// Runs request `r`'s calls from its current step: calls nobody waits for are sent at
    /// once; at the first one it waits for, it invokes the callee and returns.
    pub(super) fn next_call(&mut self, r: ReqId, now: Instant) {
        loop {
            let req = self.reqs[r];
            let Some(&call) = self.funcs[req.func].calls.get(req.step as usize) else {
                return self.finish_req(r, now);
            };
            if !call.wait {
                self.reqs[r].step += 1;
                self.send(call.target, now, Origin::Direct, None);
                continue;
            }
            self.reqs[r].phase = Phase::Calling;
            self.arm_deadline(r);
            let origin = Origin::Call {
                caller: r,
                generation: req.gen,
            };
            return self.admit(call.target, now, false, origin, None);
        }
    }

    /// The callee of request `p` (generation `g`) ended, well or not.
    pub(super) fn call_done(&mut self, p: ReqId, g: u32, ok: bool, now: Instant) {
        let req = self.reqs[p];
        if req.gen != g || !matches!(req.phase, Phase::Calling | Phase::Compensating) {
            return; // the caller timed out and is gone
        }
        if req.phase == Phase::Compensating {
            // The compensation ran (or could not): the caller fails either way.
            self.reqs[p].failed = true;
            return self.finish_req(p, now);
        }
        let call = self.funcs[req.func].calls[req.step as usize];
        if ok {
            let q = &mut self.reqs[p];
            q.step += 1;
            q.tries = 0;
            return self.next_call(p, now);
        }
        let origin = Origin::Call {
            caller: p,
            generation: g,
        };
        if req.tries < call.retries {
            self.reqs[p].tries += 1;
            return self.admit(call.target, now, false, origin, None);
        }
        if let Some(compensate) = call.on_error {
            self.reqs[p].phase = Phase::Compensating;
            return self.admit(compensate, now, false, origin, None);
        }
        self.reqs[p].failed = true;
        self.finish_req(p, now);
    }

    /// Starts the workers of a fan-out whose trigger arrived at `arrival`.
    pub(super) fn start_flow(&mut self, fo: FanOut, arrival: Instant, now: Instant) {
        let flow = Flow {
            arrival,
            remaining: fo.count,
            failed: false,
            join: fo.join,
        };
        let flows = &mut self.flows;
        flows.any = true;
        let id = match flows.free.pop() {
            Some(i) => {
                flows.slots[i] = flow;
                i
            }
            None => flows.slots.push(flow),
        };
        if flows.window.measures(arrival) {
            flows.report.started += 1;
        }
        // Each worker's outcome comes at most once and only after its own admission, so the
        // flow cannot end before the last worker has been started.
        for _ in 0..fo.count {
            self.admit(fo.worker, now, false, Origin::Worker { flow: id }, None);
        }
    }

    /// A worker of flow `id` ended.
    pub(super) fn worker_done(&mut self, id: FlowId, ok: bool, now: Instant) {
        let flow = &mut self.flows.slots[id];
        flow.remaining -= 1;
        flow.failed |= !ok;
        if flow.remaining > 0 {
            return;
        }
        if let Some(join) = flow.join {
            return self.admit(join, now, false, Origin::Join { flow: id }, None);
        }
        self.flow_done(id, true, now);
    }

    /// Flow `id` ended (its join ended with `ok`, or it had none).
    pub(super) fn flow_done(&mut self, id: FlowId, ok: bool, now: Instant) {
        let flow = self.flows.slots[id];
        self.flows.free.push(id);
        if self.flows.window.measures(flow.arrival) {
            let r = &mut self.flows.report;
            if ok && !flow.failed {
                r.succeeded += 1;
            } else {
                r.failed += 1;
            }
            self.flows.latency.record(now - flow.arrival);
        }
    }
}
