//! Database connections: a request takes one before its work (see `platform::database` for
//! the model), waits for one, or fails without one.

use super::{Event, Happening, Observer, Phase, Simulation};
use crate::core::policy::Policy;
use crate::core::time::SimTime;

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// Gives request `r`, about to run at `now`, a database connection. Returns true when it
    /// has one; otherwise it waits for one (its timeout armed) or has failed, and its
    /// completion is scheduled.
    pub(super) fn connect(&mut self, r: u32, now: SimTime) -> bool {
        let req = self.reqs[r as usize];
        let d = self.funcs[req.func as usize].db as usize;
        let per_request = self.dbs[d].per_request;
        if !per_request && self.envs[req.env].conn {
            return true;
        }
        if self.dbs[d].try_open(now) {
            self.observer.on(
                now,
                &Happening::Connection {
                    db: d as u32,
                    open: true,
                },
            );
            if per_request {
                self.reqs[r as usize].conn = true;
            } else {
                self.envs[req.env].conn = true;
            }
            return true;
        }
        if self.dbs[d].wait {
            self.dbs[d].enqueue(r, now);
            self.reqs[r as usize].phase = Phase::Connecting;
            self.arm_deadline(r);
        } else {
            if self.recorder.window.measures(req.arrival) {
                self.dbs[d].count_error(now);
            }
            self.recorder.connection_error(req.func, req.arrival);
            let q = &mut self.reqs[r as usize];
            q.failed = true;
            q.discard_env = !per_request;
            // Finished by its own event: ending it here would re-enter the caller, which is
            // still placing it on its environment.
            self.queue.schedule(now, Event::Complete(r));
        }
        false
    }

    /// Closes a connection of database `d`; a request waiting for one takes it and runs.
    pub(super) fn close_connection(&mut self, d: u32, now: SimTime) {
        let handed = self.dbs[d as usize].close(now);
        if handed.is_none() {
            self.observer
                .on(now, &Happening::Connection { db: d, open: false });
        }
        if let Some(w) = handed {
            let req = self.reqs[w as usize];
            if self.dbs[d as usize].per_request {
                self.reqs[w as usize].conn = true;
            } else if self.envs[req.env].conn {
                // Another request of the same environment got it a moment ago: pass it on.
                self.close_connection(d, now);
            } else {
                self.envs[req.env].conn = true;
            }
            self.reqs[w as usize].phase = Phase::Running;
            self.run_exec(w, now);
        }
    }
}
