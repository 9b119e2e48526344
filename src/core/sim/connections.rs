//! Database connections: a request takes one before its work (see `platform::database` for
//! the model), waits for one, or fails without one.

use super::{Event, Happening, Observer, Phase, Simulation};
use crate::core::ids::{DbId, ReqId};
use crate::core::policy::Policy;
use crate::core::time::Instant;

impl<O: Observer, P: Policy> Simulation<O, P> {
    /// Gives request `r`, about to run at `now`, a database connection. Returns true when it
    /// has one; otherwise it waits for one (its timeout armed) or has failed, and its
    /// completion is scheduled.
    pub(super) fn connect(&mut self, r: ReqId, now: Instant) -> bool {
        let req = self.reqs[r];
        let d = self.funcs[req.func].database();
        let e = req.env.expect("a request connects from its environment");
        let per_request = self.dbs[d].per_request;
        if !per_request && self.envs[e].conn {
            return true;
        }
        if self.dbs[d].try_open(now) {
            self.observer
                .on(now, &Happening::Connection { db: d, open: true });
            if per_request {
                self.reqs[r].conn = true;
            } else {
                self.envs[e].conn = true;
            }
            return true;
        }
        if self.dbs[d].wait {
            self.dbs[d].enqueue(r, now);
            self.reqs[r].phase = Phase::Connecting;
            self.arm_deadline(r);
        } else {
            if self.recorder.window.measures(req.arrival) {
                self.dbs[d].count_error(now);
            }
            self.recorder.connection_error(req.func, req.arrival);
            let q = &mut self.reqs[r];
            q.failed = true;
            q.discard_env = !per_request;
            // Finished by its own event: ending it here would re-enter the caller, which is
            // still placing it on its environment.
            self.queue.schedule(now, Event::Complete { req: r });
        }
        false
    }

    /// Closes a connection of database `d`; a request waiting for one takes it and runs.
    pub(super) fn close_connection(&mut self, d: DbId, now: Instant) {
        let handed = self.dbs[d].close(now);
        if handed.is_none() {
            self.observer
                .on(now, &Happening::Connection { db: d, open: false });
        }
        if let Some(w) = handed {
            let e = self.reqs[w]
                .env
                .expect("a waiting request has its environment");
            if self.dbs[d].per_request {
                self.reqs[w].conn = true;
            } else if self.envs[e].conn {
                // Another request of the same environment got it a moment ago: pass it on.
                self.close_connection(d, now);
            } else {
                self.envs[e].conn = true;
            }
            self.reqs[w].phase = Phase::Running;
            self.run_exec(w, now);
        }
    }
}
