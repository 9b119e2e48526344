//! The timeline of one run: environments busy, initializing and idle over time (stacked), with
//! the time buckets that throttled requests shaded red; below, arrivals, cold starts and
//! throttles per second; and, when the run has async or queue functions, the events waiting.

use super::{save, tick, Drawn, Figure, Panel, FONT, TIMELINE_SIZE};
use crate::core::metrics::Bucket;
use crate::views::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

const BUSY: RGBColor = RGBColor(31, 119, 180);
const INIT: RGBColor = RGBColor(255, 127, 14);
const IDLE: RGBColor = RGBColor(160, 200, 230);
const THROTTLE: RGBColor = RGBColor(214, 39, 40);
const ARRIVALS: RGBColor = RGBColor(90, 90, 90);
const QUEUED: RGBColor = RGBColor(148, 103, 189);

/// A layer of the stack: legend text, colour, and its top edge for a bucket.
type Layer<'a> = (&'a str, RGBColor, &'a dyn Fn(&Bucket) -> f64);
/// A rate line: legend text, colour, and its count for a bucket.
type RateLine = (&'static str, RGBColor, fn(&Bucket) -> u64);

/// Draws the timeline of `buckets` (one run's time series) to `path` (.png or .svg).
pub fn timeline(title: &str, buckets: &[Bucket], path: &Path) -> Result<(), Error> {
    if buckets.is_empty() {
        return Err(Error::NoTimeSeries {
            path: path.to_path_buf(),
        });
    }
    save(&Timeline { title, buckets }, path)
}

/// A run's timeline, ready to draw: its title and its time series (not empty).
pub(crate) struct Timeline<'a> {
    /// What was simulated.
    pub(crate) title: &'a str,
    /// One run's time series.
    pub(crate) buckets: &'a [Bucket],
}

impl Figure for Timeline<'_> {
    fn size(&self) -> (u32, u32) {
        TIMELINE_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        draw(root, self.title, self.buckets)
    }
}

/// The time unit that keeps the axis readable: (divisor in seconds, name).
fn time_unit(span_s: f64) -> (f64, &'static str) {
    if span_s > 36.0 * 3600.0 {
        (86400.0, "d")
    } else if span_s > 3.0 * 3600.0 {
        (3600.0, "h")
    } else if span_s > 600.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    }
}

/// The grid and axis texts every panel shares.
fn grid<DB: DrawingBackend>(ctx: &mut Panel<'_, DB>, unit: &str, y_desc: &str) -> Drawn<DB> {
    let fx = |v: &f64| tick(*v);
    ctx.configure_mesh()
        .x_desc(format!("time ({unit})"))
        .y_desc(y_desc)
        .x_label_formatter(&fx)
        .y_label_formatter(&fx)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
}

/// The legend box every panel shares, top left.
fn legend<'a, DB: DrawingBackend + 'a>(ctx: &mut Panel<'a, DB>) -> Drawn<DB> {
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font((FONT, 14))
        .draw()
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    buckets: &[Bucket],
) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let time = Time::of(buckets);
    let (top, bottom) = root.split_vertically(TIMELINE_SIZE.1 * 58 / 100);
    let queued = buckets.iter().any(|b| b.queued > 0.0);
    let (bottom, below) = if queued {
        let (b, q) = bottom.split_vertically(TIMELINE_SIZE.1 * 21 / 100);
        (b, Some(q))
    } else {
        (bottom, None)
    };
    environments(&top, title, buckets, &time)?;
    rates(&bottom, buckets, &time)?;
    match below {
        Some(area) => waiting(&area, buckets, &time),
        None => Ok(()),
    }
}

/// The time axis: the buckets' width, the span drawn and the unit shown.
struct Time {
    /// Width of a bucket, seconds.
    width_s: f64,
    /// Seconds per unit shown.
    div: f64,
    /// The unit's name.
    unit: &'static str,
    /// The range drawn, in units.
    range: std::ops::Range<f64>,
}

impl Time {
    fn of(buckets: &[Bucket]) -> Time {
        let width_s = if buckets.len() > 1 {
            buckets[1].t - buckets[0].t
        } else {
            1.0
        };
        let start = buckets[0].t;
        let end = buckets[buckets.len() - 1].t + width_s;
        let (div, unit) = time_unit(end - start);
        Time {
            width_s,
            div,
            unit,
            range: start / div..end / div,
        }
    }

    /// Seconds to the unit shown.
    fn x(&self, t: f64) -> f64 {
        t / self.div
    }

    /// A step line: each bucket's value held over its width.
    fn steps(&self, buckets: &[Bucket], f: impl Fn(&Bucket) -> f64) -> Vec<(f64, f64)> {
        buckets
            .iter()
            .flat_map(|b| [(self.x(b.t), f(b)), (self.x(b.t + self.width_s), f(b))])
            .collect()
    }
}

/// Top: environments stacked (busy, initializing, idle), throttling buckets shaded behind.
fn environments<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    buckets: &[Bucket],
    time: &Time,
) -> Drawn<DB> {
    let peak = buckets
        .iter()
        .map(|b| b.busy + b.initializing + b.idle)
        .fold(0.0, f64::max)
        .max(1.0);
    let mut ctx = ChartBuilder::on(area)
        .caption(title, (FONT, 22).into_font().style(FontStyle::Bold))
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(80)
        .build_cartesian_2d(time.range.clone(), 0.0..peak * 1.08)?;
    grid(
        &mut ctx,
        time.unit,
        "environments (time-weighted mean per bucket)",
    )?;
    // Throttling buckets shaded behind the stack.
    ctx.draw_series(buckets.iter().filter(|b| b.throttled > 0).map(|b| {
        Rectangle::new(
            [
                (time.x(b.t), 0.0),
                (time.x(b.t + time.width_s), peak * 1.08),
            ],
            THROTTLE.mix(0.12).filled(),
        )
    }))?;
    // Step-shaped stacks, drawn top layer first so lower layers paint over it.
    let layers: [Layer; 3] = [
        ("idle", IDLE, &|b| b.busy + b.initializing + b.idle),
        ("initializing (cold start)", INIT, &|b| {
            b.busy + b.initializing
        }),
        ("busy", BUSY, &|b| b.busy),
    ];
    for (name, color, f) in layers {
        ctx.draw_series(AreaSeries::new(
            time.steps(buckets, f),
            0.0,
            color.mix(0.85),
        ))?
        .label(name)
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled()));
    }
    let start = time.range.start;
    ctx.draw_series(std::iter::once(Rectangle::new(
        [(start, 0.0), (start, 0.0)],
        THROTTLE.mix(0.3).filled(),
    )))?
    .label("buckets with throttled requests")
    .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], THROTTLE.mix(0.3).filled()));
    legend(&mut ctx)
}

/// Below it: arrivals, cold starts and throttles per second.
fn rates<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    buckets: &[Bucket],
    time: &Time,
) -> Drawn<DB> {
    let per_s = |n: u64| n as f64 / time.width_s;
    let top_rate = buckets
        .iter()
        .map(|b| per_s(b.arrivals))
        .fold(0.0, f64::max)
        .max(1.0);
    let mut ctx = ChartBuilder::on(area)
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(80)
        .build_cartesian_2d(time.range.clone(), 0.0..top_rate * 1.08)?;
    grid(&mut ctx, time.unit, "requests per second")?;
    let series: [RateLine; 3] = [
        ("arrivals", ARRIVALS, |b| b.arrivals),
        ("cold starts", INIT, |b| b.cold_starts),
        ("throttled", THROTTLE, |b| b.throttled),
    ];
    for (name, color, f) in series {
        let style = color.stroke_width(2);
        ctx.draw_series(LineSeries::new(time.steps(buckets, |b| per_s(f(b))), style))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
    }
    legend(&mut ctx)
}

/// At the bottom, when the run has async or queue functions: events and messages waiting
/// (retries, queue backlog).
fn waiting<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    buckets: &[Bucket],
    time: &Time,
) -> Drawn<DB> {
    let top_q = buckets.iter().map(|b| b.queued).fold(0.0, f64::max);
    let mut ctx = ChartBuilder::on(area)
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(80)
        .build_cartesian_2d(time.range.clone(), 0.0..top_q * 1.08)?;
    grid(&mut ctx, time.unit, "events waiting")?;
    let style = QUEUED.stroke_width(2);
    ctx.draw_series(LineSeries::new(time.steps(buckets, |b| b.queued), style))?
        .label("queued or waiting to retry (mean per bucket)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
    legend(&mut ctx)
}
