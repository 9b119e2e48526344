//! Simulated time and the text forms of durations and rates.
//!
//! Simulated time is a `u64` count of nanoseconds from the start of the run ([`SimTime`]).
//! Distributions work in `f64` seconds; [`secs_to_ns`] is the one place where a sampled value is
//! rounded to the clock.
//!
//! In scenario files durations are strings with a unit (`"250ms"`, `"10min"`, `"1e6s"`) and rates
//! are a count per unit (`"0.9/s"`, `"50000/min"`). A bare number is rejected: a duration without a
//! unit is the classic source of silent factor-of-1000 mistakes.
//!
//! ```
//! use faasim::core::time::{parse_duration, parse_rate, NS_PER_SEC};
//! assert_eq!(parse_duration("250ms").unwrap(), NS_PER_SEC / 4);
//! assert_eq!(parse_duration("10min").unwrap(), 600 * NS_PER_SEC);
//! assert!((parse_rate("50000/min").unwrap() - 833.333).abs() < 1e-3);
//! ```

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Simulated time in nanoseconds since the start of the run.
pub type SimTime = u64;

/// Nanoseconds in one second.
pub const NS_PER_SEC: u64 = 1_000_000_000;

/// The units a duration may carry, with their length in nanoseconds.
const UNITS: &[(&str, f64)] = &[
    ("ns", 1.0),
    ("us", 1e3),
    ("µs", 1e3),
    ("ms", 1e6),
    ("s", 1e9),
    ("min", 60e9),
    ("h", 3600e9),
    ("d", 86400e9),
];

/// What the parsers accept, for error messages.
pub const DURATION_FORMS: &str =
    "a number with a unit: ns, us, ms, s, min, h or d (for example \"250ms\", \"10min\", \"1e6s\")";
/// What the rate parser accepts, for error messages.
pub const RATE_FORMS: &str =
    "a count per unit: /ms, /s, /min, /h or /d (for example \"0.9/s\", \"50000/min\")";

/// Converts seconds (as sampled by a distribution) to simulated nanoseconds, rounding to the
/// nearest nanosecond. Negative and NaN inputs give 0; values beyond the clock saturate.
#[inline]
pub fn secs_to_ns(secs: f64) -> SimTime {
    let ns = secs * 1e9;
    // `f64::round` is a libm call on the hot path; adding one half and truncating is the same
    // for the non-negative values that reach here, and `as` saturates at u64::MAX.
    if ns > 0.0 {
        (ns + 0.5) as u64
    } else {
        0 // negative or NaN
    }
}

/// Converts simulated nanoseconds to seconds.
#[inline]
pub fn ns_to_secs(ns: SimTime) -> f64 {
    ns as f64 / 1e9
}

fn split_unit(text: &str) -> Option<(f64, f64)> {
    let t = text.trim();
    // Longest unit first so "min" is not read as "m" + garbage and "ms" not as "s".
    let mut best: Option<(&str, f64)> = None;
    for &(u, f) in UNITS {
        if t.ends_with(u) && best.is_none_or(|(b, _)| u.len() > b.len()) {
            best = Some((u, f));
        }
    }
    let (unit, factor) = best?;
    let num = t[..t.len() - unit.len()].trim();
    let value: f64 = num.parse().ok()?;
    Some((value, factor))
}

/// Parses a duration such as `"250ms"` into nanoseconds.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let (value, factor) = split_unit(text)
        .ok_or_else(|| format!("invalid duration {text:?}: expected {DURATION_FORMS}"))?;
    let ns = value * factor;
    if !ns.is_finite() || ns < 0.0 {
        return Err(format!(
            "invalid duration {text:?}: must be finite and not negative"
        ));
    }
    if ns > u64::MAX as f64 {
        return Err(format!(
            "invalid duration {text:?}: longer than the clock can hold (about 584 years)"
        ));
    }
    Ok(ns.round() as u64)
}

/// Parses a rate such as `"0.9/s"` into events per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let err = || format!("invalid rate {text:?}: expected {RATE_FORMS}");
    let (num, unit) = text.trim().split_once('/').ok_or_else(err)?;
    let count: f64 = num.trim().parse().map_err(|_| err())?;
    let per_ns = parse_duration(&format!("1{}", unit.trim())).map_err(|_| err())?;
    if !count.is_finite() || count < 0.0 {
        return Err(format!(
            "invalid rate {text:?}: must be finite and not negative"
        ));
    }
    Ok(count * 1e9 / per_ns as f64)
}

/// Formats nanoseconds in the largest unit that keeps the text short, e.g. `"1.5s"`, `"10min"`.
pub fn format_duration(ns: SimTime) -> String {
    for &(u, f) in UNITS.iter().rev() {
        if u == "µs" {
            continue;
        }
        let v = ns as f64 / f;
        if v >= 1.0 || u == "ns" {
            let s = format!("{v:.3}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            return format!("{s}{u}");
        }
    }
    unreachable!("the ns unit always matches")
}

/// A duration read from a scenario file; serialises back to its text form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub SimTime);

impl Duration {
    /// Nanoseconds.
    pub fn ns(self) -> SimTime {
        self.0
    }
    /// Seconds.
    pub fn secs(self) -> f64 {
        ns_to_secs(self.0)
    }
}

impl std::str::FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_duration(s).map(Duration)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a duration string: {DURATION_FORMS}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Duration, E> {
                parse_duration(s).map(Duration).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

/// A rate read from a scenario file, in events per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Rate(pub f64);

impl Rate {
    /// Events per second.
    pub fn per_sec(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a rate string: {RATE_FORMS}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Rate, E> {
                parse_rate(s).map(Rate).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}/s", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("1ns").unwrap(), 1);
        assert_eq!(parse_duration("2us").unwrap(), 2_000);
        assert_eq!(parse_duration("250ms").unwrap(), 250_000_000);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500_000_000);
        assert_eq!(parse_duration("10min").unwrap(), 600 * NS_PER_SEC);
        assert_eq!(parse_duration("2h").unwrap(), 7200 * NS_PER_SEC);
        assert_eq!(parse_duration("1d").unwrap(), 86_400 * NS_PER_SEC);
        assert_eq!(parse_duration("1e6s").unwrap(), 1_000_000 * NS_PER_SEC);
        assert_eq!(parse_duration(" 3 s ").unwrap(), 3 * NS_PER_SEC);
    }

    #[test]
    fn bad_durations_are_rejected() {
        for bad in ["", "10", "ms", "-1s", "1 parsec", "infs", "1e30d", "NaNs"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn rates_parse() {
        assert!((parse_rate("0.9/s").unwrap() - 0.9).abs() < 1e-12);
        assert!((parse_rate("60/min").unwrap() - 1.0).abs() < 1e-12);
        assert!((parse_rate("3600/h").unwrap() - 1.0).abs() < 1e-12);
        assert!((parse_rate("2/ms").unwrap() - 2000.0).abs() < 1e-9);
        for bad in ["5", "5/", "/s", "x/s", "-1/s", "1/parsec"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["250ms", "10min", "1.5s", "3h", "7ns"] {
            let ns = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&format_duration(ns)).unwrap(), ns, "{text}");
        }
    }

    #[test]
    fn seconds_round_once() {
        assert_eq!(secs_to_ns(0.25), 250_000_000);
        assert_eq!(secs_to_ns(-1.0), 0);
        assert_eq!(secs_to_ns(f64::NAN), 0);
        assert_eq!(secs_to_ns(1e30), u64::MAX);
    }
}
