//! Simulated time and the text forms of durations and rates.
//!
//! Simulated time counts nanoseconds in a `u64`, in two types that say which of two things a
//! number is: an [`Instant`] is a point in time (nanoseconds since the run started), a [`Span`]
//! is a length of time. Only the arithmetic that makes sense compiles: an instant plus a span
//! is an instant, an instant less an instant is a span, spans add up and scale, and two
//! instants do not add. Both are `#[repr(transparent)]` over the `u64` they hold and cost
//! nothing at run time. Distributions work in `f64` seconds; [`Span::from_secs_f64`] (through
//! [`secs_to_ns`]) is the one place where a sampled value is rounded to the clock.
//!
//! In scenario files durations are strings with a unit (`"250ms"`, `"10min"`, `"1e6s"`) and rates
//! are a count per unit (`"0.9/s"`, `"50000/min"`). A bare number is rejected: a duration without a
//! unit is the classic source of silent factor-of-1000 mistakes.
//!
//! ```
//! use faasim::core::time::{parse_duration, parse_rate, Instant, Span, NS_PER_SEC};
//! assert_eq!(parse_duration("250ms").unwrap(), NS_PER_SEC / 4);
//! assert_eq!(parse_duration("10min").unwrap(), 600 * NS_PER_SEC);
//! assert!((parse_rate("50000/min").unwrap() - 833.333).abs() < 1e-3);
//!
//! let start = Instant::ZERO + Span::from_secs(10);
//! let end = start + Span::from_millis(250);
//! assert_eq!(end - start, Span::from_millis(250));
//! assert_eq!((end - start).to_string(), "250ms");
//! ```

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, Rem, Sub, SubAssign};

/// Nanoseconds in one second.
pub const NS_PER_SEC: u64 = 1_000_000_000;

/// A point in simulated time: nanoseconds since the run started.
///
/// [`Instant::MAX`] stands for "never": later than any event a run can schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Instant(u64);

/// A length of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Span(u64);

impl Instant {
    /// The start of the run.
    pub const ZERO: Instant = Instant(0);
    /// The last instant the clock can hold; "never".
    pub const MAX: Instant = Instant(u64::MAX);

    /// The instant `ns` nanoseconds after the start of the run.
    #[inline(always)]
    pub const fn from_ns(ns: u64) -> Instant {
        Instant(ns)
    }

    /// Nanoseconds since the start of the run.
    #[inline(always)]
    pub const fn ns(self) -> u64 {
        self.0
    }

    /// Time since the start of the run.
    #[inline(always)]
    pub const fn since_start(self) -> Span {
        Span(self.0)
    }

    /// Seconds since the start of the run.
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        ns_to_secs(self.0)
    }

    /// `span` later, or [`Instant::MAX`] if that is beyond the clock.
    #[inline(always)]
    pub const fn saturating_add(self, span: Span) -> Instant {
        Instant(self.0.saturating_add(span.0))
    }

    /// `span` earlier, or the start of the run if that is before it.
    #[inline(always)]
    pub const fn saturating_sub(self, span: Span) -> Instant {
        Instant(self.0.saturating_sub(span.0))
    }

    /// Time from `earlier` to this instant, or zero if `earlier` is later.
    #[inline(always)]
    pub const fn saturating_since(self, earlier: Instant) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl Span {
    /// No time.
    pub const ZERO: Span = Span(0);
    /// The longest span the clock can hold; "forever".
    pub const MAX: Span = Span(u64::MAX);

    /// `ns` nanoseconds.
    #[inline(always)]
    pub const fn from_ns(ns: u64) -> Span {
        Span(ns)
    }

    /// `us` microseconds.
    #[inline(always)]
    pub const fn from_micros(us: u64) -> Span {
        Span(us * 1_000)
    }

    /// `ms` milliseconds.
    #[inline(always)]
    pub const fn from_millis(ms: u64) -> Span {
        Span(ms * 1_000_000)
    }

    /// `s` seconds.
    #[inline(always)]
    pub const fn from_secs(s: u64) -> Span {
        Span(s * NS_PER_SEC)
    }

    /// `secs` seconds (as a distribution samples them), rounded to the nearest nanosecond:
    /// negative and NaN give zero, values beyond the clock saturate (see [`secs_to_ns`]).
    #[inline]
    pub fn from_secs_f64(secs: f64) -> Span {
        Span(secs_to_ns(secs))
    }

    /// Nanoseconds.
    #[inline(always)]
    pub const fn ns(self) -> u64 {
        self.0
    }

    /// Seconds.
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        ns_to_secs(self.0)
    }

    /// Whether it is no time at all.
    #[inline(always)]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The sum, or [`Span::MAX`] if it is beyond the clock.
    #[inline(always)]
    pub const fn saturating_add(self, other: Span) -> Span {
        Span(self.0.saturating_add(other.0))
    }

    /// The difference, or zero if `other` is longer.
    #[inline(always)]
    pub const fn saturating_sub(self, other: Span) -> Span {
        Span(self.0.saturating_sub(other.0))
    }

    /// `n` times as long, or [`Span::MAX`] if that is beyond the clock.
    #[inline(always)]
    pub const fn saturating_mul(self, n: u64) -> Span {
        Span(self.0.saturating_mul(n))
    }
}

impl Add<Span> for Instant {
    type Output = Instant;
    #[inline(always)]
    fn add(self, span: Span) -> Instant {
        Instant(self.0 + span.0)
    }
}

impl AddAssign<Span> for Instant {
    #[inline(always)]
    fn add_assign(&mut self, span: Span) {
        self.0 += span.0;
    }
}

impl Sub<Span> for Instant {
    type Output = Instant;
    #[inline(always)]
    fn sub(self, span: Span) -> Instant {
        Instant(self.0 - span.0)
    }
}

impl Sub for Instant {
    type Output = Span;
    /// The time from `earlier` to `self` (which must not be before it).
    #[inline(always)]
    fn sub(self, earlier: Instant) -> Span {
        Span(self.0 - earlier.0)
    }
}

impl Add for Span {
    type Output = Span;
    #[inline(always)]
    fn add(self, other: Span) -> Span {
        Span(self.0 + other.0)
    }
}

impl AddAssign for Span {
    #[inline(always)]
    fn add_assign(&mut self, other: Span) {
        self.0 += other.0;
    }
}

impl Sub for Span {
    type Output = Span;
    #[inline(always)]
    fn sub(self, other: Span) -> Span {
        Span(self.0 - other.0)
    }
}

impl SubAssign for Span {
    #[inline(always)]
    fn sub_assign(&mut self, other: Span) {
        self.0 -= other.0;
    }
}

impl Mul<u64> for Span {
    type Output = Span;
    #[inline(always)]
    fn mul(self, n: u64) -> Span {
        Span(self.0 * n)
    }
}

impl Mul<Span> for u64 {
    type Output = Span;
    #[inline(always)]
    fn mul(self, span: Span) -> Span {
        Span(self * span.0)
    }
}

impl Div<u64> for Span {
    type Output = Span;
    #[inline(always)]
    fn div(self, n: u64) -> Span {
        Span(self.0 / n)
    }
}

impl Div for Span {
    type Output = u64;
    /// How many whole `other`s fit in `self`.
    #[inline(always)]
    fn div(self, other: Span) -> u64 {
        self.0 / other.0
    }
}

impl Rem for Span {
    type Output = Span;
    /// What is left of `self` after the whole `other`s in it.
    #[inline(always)]
    fn rem(self, other: Span) -> Span {
        Span(self.0 % other.0)
    }
}

impl Sum for Span {
    fn sum<I: Iterator<Item = Span>>(iter: I) -> Span {
        iter.fold(Span::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Span {
    /// In the largest unit that keeps the text short, e.g. `1.5s` (see [`format_duration`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

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
pub const RATE_FORMS: &str = "a count per unit or per period: /ms, /s, /min, /h or /d, or a \
     period such as /2min (for example \"0.9/s\", \"50000/min\", \"10/2min\")";

/// Converts seconds (as sampled by a distribution) to simulated nanoseconds, rounding to the
/// nearest nanosecond. Negative and NaN inputs give 0; values beyond the clock saturate.
#[inline]
pub fn secs_to_ns(secs: f64) -> u64 {
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
pub fn ns_to_secs(ns: u64) -> f64 {
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
pub fn parse_duration(text: &str) -> Result<u64, String> {
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

/// Parses a rate such as `"0.9/s"` or `"10/2min"` into events per second.
///
/// After the `/` comes either a bare unit (`s`: one second) or a whole period with its own
/// number (`2min`, `1.5s`). The period is read as a duration in its own right, never by gluing a
/// `1` in front of it (which once made `"1/1s"` one per 11 s).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let err = || format!("invalid rate {text:?}: expected {RATE_FORMS}");
    let (num, period) = text.trim().split_once('/').ok_or_else(err)?;
    let count: f64 = num.trim().parse().map_err(|_| err())?;
    let period = period.trim();
    let bare_unit = !period.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let per_ns = if bare_unit {
        parse_duration(&format!("1{period}"))
    } else {
        parse_duration(period)
    }
    .map_err(|_| err())?;
    if !count.is_finite() || count < 0.0 {
        return Err(format!(
            "invalid rate {text:?}: must be finite and not negative"
        ));
    }
    if per_ns == 0 {
        return Err(format!(
            "invalid rate {text:?}: the period must be longer than zero"
        ));
    }
    Ok(count * 1e9 / per_ns as f64)
}

/// Formats nanoseconds in the largest unit that keeps the text short, e.g. `"1.5s"`, `"10min"`.
pub fn format_duration(ns: u64) -> String {
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

/// A duration read from a scenario file, in nanoseconds; it parses from and serialises back to
/// its text form (`"250ms"`). [`Duration::span`] is the length of time it is, for the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub u64);

impl Duration {
    /// A duration of `s` seconds.
    #[inline]
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * NS_PER_SEC)
    }
    /// The length of time it is.
    #[inline]
    pub const fn span(self) -> Span {
        Span(self.0)
    }
    /// Nanoseconds.
    #[inline]
    pub const fn ns(self) -> u64 {
        self.0
    }
    /// Seconds.
    pub fn secs(self) -> f64 {
        ns_to_secs(self.0)
    }
}

impl From<Span> for Duration {
    fn from(span: Span) -> Duration {
        Duration(span.ns())
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
        f.write_str(&format_duration(self.ns()))
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
        s.serialize_str(&format_duration(self.ns()))
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
        // A period with its own number is that period, not "1" glued to it (issue #19: "1/1s"
        // used to mean one per 11 s and "10/2min" ten per 12 min).
        assert!((parse_rate("1/1s").unwrap() - 1.0).abs() < 1e-12);
        assert!((parse_rate("10/2min").unwrap() - 10.0 / 120.0).abs() < 1e-12);
        assert!((parse_rate("3/1.5s").unwrap() - 2.0).abs() < 1e-12);
        assert!((parse_rate("5 / 10 s").unwrap() - 0.5).abs() < 1e-12);
        assert!(parse_rate("1/0s").is_err());
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
    fn instants_and_spans_do_the_arithmetic_that_makes_sense() {
        let t = Instant::from_ns(1_000);
        let d = Span::from_micros(2);
        assert_eq!((t + d).ns(), 3_000);
        assert_eq!((t + d) - t, d);
        assert_eq!((t + d) - d, t);
        assert_eq!(t.saturating_since(t + d), Span::ZERO);
        assert_eq!(Instant::MAX.saturating_add(d), Instant::MAX);
        assert_eq!(t.saturating_sub(Span::MAX), Instant::ZERO);
        assert_eq!(d * 3, Span::from_ns(6_000));
        assert_eq!(3 * d, d + d + d);
        assert_eq!([d, d].into_iter().sum::<Span>(), d * 2);
        assert_eq!(Span::from_secs(7) / Span::from_secs(2), 3);
        assert_eq!(Span::from_secs(7) % Span::from_secs(2), Span::from_secs(1));
        assert_eq!(Span::MAX.saturating_mul(2), Span::MAX);
        assert_eq!(Span::from_secs_f64(0.25), Span::from_millis(250));
        assert_eq!(Span::from_millis(1500).as_secs_f64(), 1.5);
        assert_eq!(Span::from_secs(600).to_string(), "10min");
        assert_eq!(std::mem::size_of::<Option<Instant>>(), 16);
        assert_eq!(std::mem::size_of::<Instant>(), 8);
        let parsed: Duration = "250ms".parse().unwrap();
        assert_eq!(parsed.span(), Span::from_millis(250));
    }

    #[test]
    fn seconds_round_once() {
        assert_eq!(secs_to_ns(0.25), 250_000_000);
        assert_eq!(secs_to_ns(-1.0), 0);
        assert_eq!(secs_to_ns(f64::NAN), 0);
        assert_eq!(secs_to_ns(1e30), u64::MAX);
    }
}
