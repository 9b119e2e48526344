//! A database downstream of the functions, with a cap on connections.
//!
//! Without a pooling proxy each environment of a function that uses the database opens a
//! connection when it first runs and keeps it until it is evicted, idle or not — what code that
//! connects in its global scope does on Lambda, and why a spike of new environments exhausts a
//! database. `hold = "request"` models code that connects per request instead. With a proxy
//! (RDS-Proxy-like), environments connect to the proxy and each request borrows one of the
//! proxy's pooled database connections only while it runs.
//!
//! When no connection is free a request either fails at once with a connection error or waits
//! (first come, first served, still running and billed) until one is released or its timeout
//! ends.

use crate::core::ids::ReqId;
use crate::core::metrics::Window;
use crate::core::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One `[[database]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Name that functions give in `database = "..."`.
    pub name: String,
    /// The database's connection cap (`max_connections`).
    pub max_connections: u32,
    /// What a request does when no connection is free (default wait).
    #[serde(default)]
    pub when_exhausted: WhenExhausted,
    /// How long a connection is held without a proxy (default environment).
    #[serde(default)]
    pub hold: Hold,
    /// A pooling proxy in front of the database.
    #[serde(default)]
    pub proxy: Option<ProxySpec>,
}

/// `when_exhausted = "wait" | "fail"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenExhausted {
    /// Wait for a connection (until the function's timeout).
    #[default]
    Wait,
    /// Fail at once with a connection error.
    Fail,
}

/// `hold = "environment" | "request"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hold {
    /// Opened on an environment's first request, held until the environment is evicted.
    #[default]
    Environment,
    /// Opened for each request and closed when it ends.
    Request,
}

/// `proxy = { max_connections = 100 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySpec {
    /// Database connections the proxy pools (at most the database's cap).
    pub max_connections: u32,
}

impl DatabaseSpec {
    /// Checks ranges; errors name the key under the table.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.max_connections == 0 {
            return Err(("max_connections".into(), "must be at least 1".into()));
        }
        if let Some(p) = &self.proxy {
            if p.max_connections == 0 || p.max_connections > self.max_connections {
                return Err((
                    "proxy.max_connections".into(),
                    format!(
                        "must be 1 to the database's max_connections ({}), got {}",
                        self.max_connections, p.max_connections
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// What the report says about one database over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatabaseReport {
    /// Its name.
    pub name: String,
    /// The cap functions meet: the proxy's pool with a proxy, else the database's.
    pub cap: u32,
    /// Most connections open at once.
    pub peak_connections: u32,
    /// Time-weighted mean of open connections.
    pub mean_connections: f64,
    /// Requests that failed because no connection was free.
    pub connection_errors: u64,
    /// Requests that had to wait for a connection.
    pub waited: u64,
}

/// A database's connections during a run.
#[derive(Clone, Debug)]
pub struct Database {
    name: String,
    cap: u32,
    /// Connections are borrowed per request (a proxy, or `hold = "request"`).
    pub per_request: bool,
    /// Wait rather than fail when none is free.
    pub wait: bool,
    in_use: u32,
    peak: u32,
    /// Requests waiting for a connection, oldest first.
    waiters: VecDeque<ReqId>,
    errors: u64,
    waited: u64,
    area: u128,
    last: Instant,
    window: Window,
}

impl Database {
    /// A database with no connection open, measured over `window`.
    pub fn new(spec: &DatabaseSpec, window: Window) -> Self {
        let (cap, per_request) = match &spec.proxy {
            Some(p) => (p.max_connections, true),
            None => (spec.max_connections, spec.hold == Hold::Request),
        };
        Database {
            name: spec.name.clone(),
            cap,
            per_request,
            wait: spec.when_exhausted == WhenExhausted::Wait,
            in_use: 0,
            peak: 0,
            waiters: VecDeque::new(),
            errors: 0,
            waited: 0,
            area: 0,
            last: window.start(),
            window,
        }
    }

    fn advance(&mut self, now: Instant) {
        if now > self.last {
            self.area += self.in_use as u128 * (now - self.last).ns() as u128;
            self.last = now;
        }
    }

    fn set(&mut self, in_use: u32, now: Instant) {
        self.advance(now);
        self.in_use = in_use;
        if self.window.measures(now) {
            self.peak = self.peak.max(in_use);
        }
    }

    /// Connections open now.
    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// The cap requests meet.
    pub fn cap(&self) -> u32 {
        self.cap
    }

    /// Opens a connection if one is free.
    pub fn try_open(&mut self, now: Instant) -> bool {
        if self.in_use >= self.cap {
            // Full since before the warm-up, perhaps: the window's peak still sees it.
            self.set(self.in_use, now);
            return false;
        }
        self.set(self.in_use + 1, now);
        true
    }

    /// Closes a connection; if a request waits, the connection passes to it (returned) and
    /// stays open.
    pub fn close(&mut self, now: Instant) -> Option<ReqId> {
        match self.waiters.pop_front() {
            Some(r) => {
                self.set(self.in_use, now);
                Some(r)
            }
            None => {
                self.set(self.in_use - 1, now);
                None
            }
        }
    }

    /// Request `r` waits for a connection.
    pub fn enqueue(&mut self, r: ReqId, now: Instant) {
        if self.window.measures(now) {
            self.waited += 1;
        }
        self.waiters.push_back(r);
    }

    /// Request `r` gives up waiting (its timeout ended). Linear in the queue, which only
    /// timeouts walk.
    pub fn withdraw(&mut self, r: ReqId) -> bool {
        match self.waiters.iter().position(|&w| w == r) {
            Some(i) => {
                self.waiters.remove(i);
                true
            }
            None => false,
        }
    }

    /// Counts a connection error at `now`.
    pub fn count_error(&mut self, now: Instant) {
        if self.window.measures(now) {
            self.errors += 1;
        }
    }

    /// The report, closing the accounting at `end`.
    pub fn report(&mut self, end: Instant) -> DatabaseReport {
        self.advance(end);
        let span = self.window.span(end).ns().max(1);
        DatabaseReport {
            name: self.name.clone(),
            cap: self.cap,
            peak_connections: self.peak,
            mean_connections: self.area as f64 / span as f64,
            connection_errors: self.errors,
            waited: self.waited,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: u64) -> Instant {
        Instant::from_ns(ns)
    }

    fn spec(cap: u32) -> DatabaseSpec {
        DatabaseSpec {
            name: "db".into(),
            max_connections: cap,
            when_exhausted: WhenExhausted::Wait,
            hold: Hold::Environment,
            proxy: None,
        }
    }

    #[test]
    fn a_pool_full_since_the_warm_up_has_its_peak_counted() {
        let mut db = Database::new(&spec(2), Window::starting_at(t(100)));
        assert!(db.try_open(t(0)) && db.try_open(t(1)));
        db.enqueue(ReqId::new(7), t(2));
        // Handed over after the warm-up: the count never changes, but it was 2 in the window.
        assert_eq!(db.close(t(150)), Some(ReqId::new(7)));
        assert_eq!(db.report(t(200)).peak_connections, 2);
    }

    #[test]
    fn a_closed_connection_passes_to_the_oldest_waiter() {
        let mut db = Database::new(&spec(1), Window::default());
        assert!(db.try_open(t(0)));
        assert!(!db.try_open(t(1)));
        db.enqueue(ReqId::new(7), t(1));
        db.enqueue(ReqId::new(8), t(2));
        assert_eq!(db.close(t(10)), Some(ReqId::new(7)));
        assert_eq!(db.in_use(), 1);
        assert!(db.withdraw(ReqId::new(8)));
        assert_eq!(db.close(t(20)), None);
        assert_eq!(db.in_use(), 0);
        let r = db.report(t(40));
        assert_eq!(r.peak_connections, 1);
        // One connection open from 0 to 20 of 40.
        assert!((r.mean_connections - 0.5).abs() < 1e-12);
        assert_eq!(r.waited, 2);
    }

    #[test]
    fn a_proxy_pools_fewer_connections_per_request() {
        let mut s = spec(100);
        s.proxy = Some(ProxySpec {
            max_connections: 10,
        });
        let db = Database::new(&s, Window::default());
        assert!(db.per_request);
        assert_eq!(db.cap(), 10);
        s.proxy = Some(ProxySpec {
            max_connections: 101,
        });
        assert_eq!(s.validate().unwrap_err().0, "proxy.max_connections");
    }
}
