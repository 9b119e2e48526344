//! Admission limits: concurrency pools and the scaling-rate token bucket.
//!
//! Concurrency counts requests in flight (running or waiting for their cold start), as Lambda
//! does. A function with reserved concurrency has a pool of its own with that cap; all other
//! functions share the account's pool less every reservation.
//!
//! The scaling rate is a token bucket: creating an environment on demand takes one token; tokens
//! refill continuously at `refill / interval` up to `burst` and are never banked beyond it.

use crate::core::time::{Duration, Instant, Span};
use serde::{Deserialize, Serialize};

/// A token bucket refilled continuously.
///
/// ```
/// use faasim::core::platform::limits::TokenBucket;
/// use faasim::core::time::{Instant, Span};
/// let mut b = TokenBucket::new(2, 1.0, Span::from_secs(1)); // 2 at once, then 1 per second
/// let t = |ms| Instant::ZERO + Span::from_millis(ms);
/// assert!(b.take(t(0)) && b.take(t(0)) && !b.take(t(0)));
/// assert!(!b.take(t(500)));
/// assert!(b.take(t(1000)));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TokenBucket {
    tokens: f64,
    burst: f64,
    per_ns: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket holding `burst` tokens, refilled by `refill` tokens every `interval`.
    pub fn new(burst: u32, refill: f64, interval: Span) -> Self {
        TokenBucket {
            tokens: burst as f64,
            burst: burst as f64,
            per_ns: refill / interval.ns().max(1) as f64,
            last: Instant::ZERO,
        }
    }

    /// Takes one token at `now` if there is one.
    #[inline]
    pub fn take(&mut self, now: Instant) -> bool {
        if now > self.last {
            let elapsed = (now - self.last).ns() as f64;
            self.tokens = (self.tokens + elapsed * self.per_ns).min(self.burst);
            self.last = now;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Concurrent-request pools: index 0 is the account's shared pool, then one per function with
/// reserved concurrency.
#[derive(Clone, Debug)]
pub struct Pools {
    cap: Vec<u32>,
    used: Vec<u32>,
}

impl Pools {
    /// The shared pool gets `account` less the sum of `reserved`; each reservation a pool.
    /// Returns the pools and, per function, its pool index. Errors when reservations exceed the
    /// account limit.
    pub fn new(account: u32, reserved: &[Option<u32>]) -> Result<(Pools, Vec<u32>), String> {
        let total: u64 = reserved.iter().flatten().map(|&r| r as u64).sum();
        if total > account as u64 {
            return Err(format!(
                "reserved concurrency adds up to {total}, more than the account's {account}"
            ));
        }
        let mut cap = vec![account - total as u32];
        let mut index = Vec::with_capacity(reserved.len());
        for r in reserved {
            match r {
                Some(r) => {
                    cap.push(*r);
                    index.push((cap.len() - 1) as u32);
                }
                None => index.push(0),
            }
        }
        let used = vec![0; cap.len()];
        Ok((Pools { cap, used }, index))
    }

    /// Admits one request to `pool` if it has room.
    #[inline]
    pub fn try_acquire(&mut self, pool: u32) -> bool {
        let p = pool as usize;
        if self.used[p] < self.cap[p] {
            self.used[p] += 1;
            true
        } else {
            false
        }
    }

    /// A request of `pool` finished.
    #[inline]
    pub fn release(&mut self, pool: u32) {
        self.used[pool as usize] -= 1;
    }

    /// Requests in flight over all pools.
    pub fn in_flight(&self) -> u64 {
        self.used.iter().map(|&u| u as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_continuously_and_caps_at_burst() {
        let at = |s| Instant::ZERO + Span::from_secs(s);
        let mut b = TokenBucket::new(1000, 1000.0, Span::from_secs(10));
        for _ in 0..1000 {
            assert!(b.take(at(0)));
        }
        assert!(!b.take(at(0)));
        // 100 tokens per second: after 1 s, exactly 100 more.
        let got = (0..200).filter(|_| b.take(at(1))).count();
        assert_eq!(got, 100);
        // Not banked: after an hour, only `burst`.
        let got = (0..5000).filter(|_| b.take(at(3600))).count();
        assert_eq!(got, 1000);
    }

    #[test]
    fn reserved_pools_are_carved_out_of_the_account() {
        let (mut p, idx) = Pools::new(10, &[None, Some(3), None]).unwrap();
        assert_eq!(idx, vec![0, 1, 0]);
        assert!((0..7).all(|_| p.try_acquire(0)));
        assert!(!p.try_acquire(0));
        assert!((0..3).all(|_| p.try_acquire(1)));
        assert!(!p.try_acquire(1));
        p.release(1);
        assert!(p.try_acquire(1));
        assert_eq!(p.in_flight(), 10);
        assert!(Pools::new(5, &[Some(3), Some(3)]).is_err());
    }
}

/// Whether a scaling limit applies to each function alone or to the account as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScalingScope {
    /// Each function has its own bucket.
    Function,
    /// All functions share one bucket.
    Account,
}

/// A token bucket limiting how many new execution environments may be created: it holds at most
/// `burst` tokens, gains `refill` tokens every `interval` (continuously, pro rata), and each new
/// environment takes one token. Scenarios reuse this struct to override a model's scaling.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    /// Whom the bucket belongs to.
    pub scope: ScalingScope,
    /// Bucket size: environments that may be created at once from a standing start.
    pub burst: u32,
    /// Tokens added per `interval`.
    pub refill: u32,
    /// Period over which `refill` tokens are added.
    pub interval: Duration,
}

impl Scaling {
    /// Tokens added per second.
    pub fn refill_per_sec(&self) -> f64 {
        if self.interval.ns() == 0 {
            0.0
        } else {
            f64::from(self.refill) / self.interval.secs()
        }
    }
}
