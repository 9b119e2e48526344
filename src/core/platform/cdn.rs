//! A CDN cache in front of a function: a hit is answered at the edge and never reaches the
//! platform.
//!
//! The hit ratio is either given (`hit_ratio = 0.9`, each request a hit with that probability)
//! or follows from a TTL and the request mix (`ttl = "5min"`, `objects = 10000`, `zipf = 1.0`):
//! each request asks for one of `objects` objects drawn by a Zipf law, and is a hit when that
//! object was fetched from the origin less than `ttl` ago. A miss goes to the origin and
//! refreshes the object (at the request's arrival, ignoring the fetch time).
//!
//! Every request, hit or miss, pays the edge latency and the CDN's price (CloudFront's by
//! default: $0.0100 per 10,000 HTTPS requests and $0.085 per GB out, US, 2024).

use crate::core::rng::Stream;
use crate::core::time::{Duration, Instant, Span};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// `cdn = { ... }` on a function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdnSpec {
    /// A fixed share of requests answered at the edge, 0 to 1.
    #[serde(default)]
    pub hit_ratio: Option<f64>,
    /// How long a fetched object stays fresh (instead of `hit_ratio`).
    #[serde(default)]
    pub ttl: Option<Duration>,
    /// Distinct objects requested, with `ttl` (default 1,000).
    #[serde(default)]
    pub objects: Option<u32>,
    /// Zipf exponent of object popularity, with `ttl` (default 1).
    #[serde(default)]
    pub zipf: Option<f64>,
    /// Latency the edge adds to every request (default 20 ms).
    #[serde(default)]
    pub latency: Option<Duration>,
    /// Price per 10,000 requests (default 0.0100 USD).
    #[serde(default)]
    pub price_per_10k: Option<f64>,
    /// Response size, KB, for the transfer price (default 0).
    #[serde(default)]
    pub response_kb: Option<f64>,
    /// Price per GB transferred out (default 0.085 USD).
    #[serde(default)]
    pub price_per_gb: Option<f64>,
}

impl CdnSpec {
    /// Checks the combination and ranges; errors name the key under `cdn`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        match (self.hit_ratio, self.ttl) {
            (Some(_), Some(_)) | (None, None) => {
                return err(
                    "hit_ratio",
                    "give either hit_ratio (a fixed share) or ttl (with objects and zipf)".into(),
                )
            }
            (Some(h), None) if !(0.0..=1.0).contains(&h) => {
                return err("hit_ratio", format!("must be between 0 and 1, got {h}"))
            }
            (Some(_), None) => {
                if self.objects.is_some() || self.zipf.is_some() {
                    return err(
                        "objects",
                        "objects and zipf go with ttl, not hit_ratio".into(),
                    );
                }
            }
            (None, Some(t)) if t.ns() == 0 => return err("ttl", "must be longer than 0".into()),
            (None, Some(_)) => {}
        }
        if let Some(n) = self.objects.filter(|&n| n == 0 || n > 10_000_000) {
            return err("objects", format!("must be 1 to 10000000, got {n}"));
        }
        if let Some(s) = self.zipf.filter(|s| !(s.is_finite() && *s >= 0.0)) {
            return err("zipf", format!("must be a number >= 0, got {s}"));
        }
        for (k, v) in [
            ("price_per_10k", self.price_per_10k),
            ("response_kb", self.response_kb),
            ("price_per_gb", self.price_per_gb),
        ] {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                return err(k, format!("must be a number >= 0, got {v}"));
            }
        }
        Ok(())
    }
}

/// What the report says about a function's CDN.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CdnReport {
    /// Requests answered at the edge (origin requests saved).
    pub hits: u64,
    /// Requests passed to the origin (the function).
    pub misses: u64,
    /// hits ÷ (hits + misses).
    pub hit_ratio: f64,
    /// The CDN's charges, USD.
    pub cost_usd: f64,
}

#[derive(Clone, Debug)]
enum Mode {
    Ratio(f64),
    Ttl {
        ttl: Span,
        /// Cumulative popularity of objects 0..n, for inverse-CDF draws.
        cdf: Vec<f64>,
        /// When each object was last fetched ([`Instant::MAX`]: never).
        fetched: Vec<Instant>,
    },
}

/// One function's CDN during a run.
#[derive(Clone, Debug)]
pub struct Cdn {
    mode: Mode,
    /// Latency added to every request.
    pub latency: Span,
    price_per_request: f64,
    hits: u64,
    misses: u64,
}

impl Cdn {
    /// Builds the cache from a validated spec.
    pub fn new(spec: &CdnSpec) -> Self {
        let mode = match (spec.hit_ratio, spec.ttl) {
            (Some(h), _) => Mode::Ratio(h),
            (None, ttl) => {
                let n = spec.objects.unwrap_or(1000) as usize;
                let s = spec.zipf.unwrap_or(1.0);
                let mut cdf: Vec<f64> = (1..=n).map(|i| (i as f64).powf(-s)).collect();
                let mut acc = 0.0;
                for w in cdf.iter_mut() {
                    acc += *w;
                    *w = acc;
                }
                cdf.iter_mut().for_each(|w| *w /= acc);
                Mode::Ttl {
                    ttl: ttl.map_or(Span::ZERO, Duration::span),
                    cdf,
                    fetched: vec![Instant::MAX; n],
                }
            }
        };
        let gb = spec.response_kb.unwrap_or(0.0) / (1024.0 * 1024.0);
        Cdn {
            mode,
            latency: spec.latency.map_or(Span::from_millis(20), Duration::span),
            price_per_request: spec.price_per_10k.unwrap_or(0.0100) / 1e4
                + gb * spec.price_per_gb.unwrap_or(0.085),
            hits: 0,
            misses: 0,
        }
    }

    /// Whether a request at `now` is answered at the edge; counted when `measured`.
    #[inline]
    pub fn lookup(&mut self, now: Instant, rng: &mut Stream, measured: bool) -> bool {
        let hit = match &mut self.mode {
            Mode::Ratio(h) => rng.random::<f64>() < *h,
            Mode::Ttl { ttl, cdf, fetched } => {
                let u: f64 = rng.random();
                let k = cdf.partition_point(|&c| c < u).min(cdf.len() - 1);
                let t = fetched[k];
                if t != Instant::MAX && now - t < *ttl {
                    true
                } else {
                    fetched[k] = now;
                    false
                }
            }
        };
        if measured {
            if hit {
                self.hits += 1;
            } else {
                self.misses += 1;
            }
        }
        hit
    }

    /// The report over the measured window.
    pub fn report(&self) -> CdnReport {
        let n = self.hits + self.misses;
        CdnReport {
            hits: self.hits,
            misses: self.misses,
            hit_ratio: if n == 0 {
                0.0
            } else {
                self.hits as f64 / n as f64
            },
            cost_usd: n as f64 * self.price_per_request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CdnSpec {
        CdnSpec {
            hit_ratio: None,
            ttl: None,
            objects: None,
            zipf: None,
            latency: None,
            price_per_10k: None,
            response_kb: None,
            price_per_gb: None,
        }
    }

    #[test]
    fn a_ttl_cache_hits_a_single_object_until_it_goes_stale() {
        let mut s = spec();
        s.ttl = Some(Duration::from_secs(10));
        s.objects = Some(1);
        s.validate().unwrap();
        let mut c = Cdn::new(&s);
        let mut rng = crate::core::rng::stream(1, 0, crate::core::rng::StreamKind::Setup, 0);
        let secs = |s: u64| Instant::ZERO + Span::from_secs(s);
        assert!(!c.lookup(secs(0), &mut rng, true));
        assert!(c.lookup(secs(9), &mut rng, true));
        assert!(!c.lookup(secs(10), &mut rng, true));
        assert!(c.lookup(secs(19), &mut rng, true));
        let r = c.report();
        assert_eq!((r.hits, r.misses), (2, 2));
        // 4 requests at $0.01 per 10,000.
        assert!((r.cost_usd - 4e-6).abs() < 1e-15);
    }

    #[test]
    fn both_or_neither_mode_is_refused() {
        let mut s = spec();
        assert_eq!(s.validate().unwrap_err().0, "hit_ratio");
        s.hit_ratio = Some(0.5);
        s.ttl = Some(Duration::from_secs(1));
        assert_eq!(s.validate().unwrap_err().0, "hit_ratio");
    }
}
