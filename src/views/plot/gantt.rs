//! The Gantt chart of environments: one row per environment, its life drawn as segments
//! (initializing, busy, idle) ending in an eviction mark, and a top row with every request
//! arrival marked by what became of it (warm, cold, throttled). `faasim explain` draws it.

use super::{save, tick, Drawn, Figure, Panel, FONT};
use crate::views::Error;
/// Nanoseconds since the start of the run, as the chart keeps them.
type SimTime = u64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Width of a Gantt chart, pixels (its height grows with the number of rows).
pub(crate) const GANTT_WIDTH: u32 = 1100;

const INIT: RGBColor = RGBColor(255, 127, 14);
const BUSY: RGBColor = RGBColor(31, 119, 180);
const IDLE: RGBColor = RGBColor(174, 208, 232);
const WARM: RGBColor = RGBColor(44, 160, 44);
const THROTTLE: RGBColor = RGBColor(214, 39, 40);
const EVICT: RGBColor = RGBColor(40, 40, 40);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// What an environment is doing during a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Cold start in progress.
    Initializing,
    /// Running at least one request.
    Busy,
    /// Warm and waiting for a request.
    Idle,
}

/// What became of a request that arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Served by an environment that was ready.
    Warm,
    /// Waited for an environment to initialize.
    Cold,
    /// Refused by a limit.
    Throttled,
}

/// One environment's row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GanttRow {
    /// Row label, e.g. "api #2".
    pub label: String,
    /// `(start, end, phase)` in time order, nanoseconds.
    pub segments: Vec<(SimTime, SimTime, Phase)>,
    /// When it was evicted, if within the chart.
    pub evicted: Option<SimTime>,
}

/// A Gantt chart's data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gantt {
    /// Title: what was simulated.
    pub title: String,
    /// A smaller line under the chart.
    pub note: Option<String>,
    /// The time window drawn, nanoseconds.
    pub start: SimTime,
    /// End of the window.
    pub end: SimTime,
    /// Environments, top to bottom.
    pub rows: Vec<GanttRow>,
    /// Request arrivals and their outcome.
    pub arrivals: Vec<(SimTime, Outcome)>,
}

/// Height of a chart with `rows` environment rows, pixels.
pub(crate) fn gantt_height(rows: usize) -> u32 {
    (230 + 30 * (rows as u32 + 1)).clamp(320, 2400)
}

/// Draws `g` to `path` (.png or .svg).
pub fn gantt(g: &Gantt, path: &Path) -> Result<(), Error> {
    save(g, path)
}

impl Figure for Gantt {
    fn size(&self) -> (u32, u32) {
        (GANTT_WIDTH, gantt_height(self.rows.len()))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        draw(root, self, self.size())
    }
}

/// The time unit that keeps the axis readable: (nanoseconds per unit, name).
pub(crate) fn time_unit(span_ns: SimTime) -> (f64, &'static str) {
    let s = span_ns as f64 / 1e9;
    if s > 2.0 * 86400.0 {
        (86400e9, "d")
    } else if s > 3.0 * 3600.0 {
        (3600e9, "h")
    } else if s > 600.0 {
        (60e9, "min")
    } else if s >= 2.0 {
        (1e9, "s")
    } else {
        (1e6, "ms")
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &Gantt,
    size: (u32, u32),
) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let (body, footer) = root.split_vertically(size.1 - 70);
    let axes = Axes::of(g);
    let mut ctx = ChartBuilder::on(&body)
        .caption(&g.title, (FONT, 20).into_font().style(FontStyle::Bold))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(110)
        .build_cartesian_2d(axes.x0..axes.x1, 0.0..axes.n)?;
    let fx = |v: &f64| tick(*v);
    ctx.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(format!("simulated time ({})", axes.unit))
        .x_label_formatter(&fx)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(245, 245, 245))
        .bold_line_style(GRID)
        .draw()?;
    rows(root, &mut ctx, g, &axes)?;
    segments(&mut ctx, g, &axes, size)?;
    arrivals(&mut ctx, g, &axes)?;
    footer_legend(&footer, g)
}

/// Where things go: simulated time across (in a readable unit), one row per environment
/// below the requests row.
struct Axes {
    start: SimTime,
    end: SimTime,
    /// Nanoseconds per unit shown.
    div: f64,
    unit: &'static str,
    x0: f64,
    x1: f64,
    /// Rows, the requests row included.
    n: f64,
}

impl Axes {
    fn of(g: &Gantt) -> Axes {
        let end = g.end.max(g.start + 1);
        let (div, unit) = time_unit(end - g.start);
        let mut axes = Axes {
            start: g.start,
            end,
            div,
            unit,
            x0: 0.0,
            x1: 0.0,
            n: g.rows.len() as f64 + 1.0,
        };
        (axes.x0, axes.x1) = (axes.x(g.start), axes.x(end));
        axes
    }

    /// An instant on the horizontal axis (clamped to the window).
    fn x(&self, t: SimTime) -> f64 {
        t.clamp(self.start, self.end) as f64 / self.div
    }

    /// The middle of a row: row 0 (top) is the requests row; environment i sits at i + 1,
    /// counted downwards.
    fn yc(&self, row: usize) -> f64 {
        self.n - row as f64 - 0.5
    }
}

/// Row labels to the left, and the lines between rows.
fn rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    ctx: &mut Panel<'_, DB>,
    g: &Gantt,
    axes: &Axes,
) -> Drawn<DB> {
    let label_style = (FONT, 14)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let labels = std::iter::once("requests").chain(g.rows.iter().map(|r| r.label.as_str()));
    for (i, label) in labels.enumerate() {
        let (px, py) = ctx.backend_coord(&(axes.x0, axes.yc(i)));
        root.draw(&Text::new(
            label.to_string(),
            (px - 8, py),
            label_style.clone(),
        ))?;
    }
    ctx.draw_series((1..g.rows.len() + 1).map(|i| {
        let y = axes.n - i as f64;
        PathElement::new(vec![(axes.x0, y), (axes.x1, y)], GRID)
    }))?;
    Ok(())
}

/// Each environment's segments, and its eviction mark. A cold start or a request gets at
/// least four pixels, so a 100 ms request shows on an hour's axis; what follows it starts
/// after it.
fn segments<DB: DrawingBackend>(
    ctx: &mut Panel<'_, DB>,
    g: &Gantt,
    axes: &Axes,
    size: (u32, u32),
) -> Drawn<DB> {
    let (x0, x1) = (axes.x0, axes.x1);
    let plot_px = (size.0 as f64 - 140.0).max(100.0);
    let min_w = (x1 - x0) * 4.0 / plot_px;
    let mut evictions = Vec::new();
    for (i, row) in g.rows.iter().enumerate() {
        let y = axes.yc(i + 1);
        let mut cursor = f64::NEG_INFINITY;
        for &(s, e, phase) in &row.segments {
            let a = axes.x(s).max(cursor);
            let (b, h, color) = match phase {
                Phase::Idle => (axes.x(e), 0.22, IDLE),
                Phase::Busy => ((a + min_w).max(axes.x(e)).min(x1), 0.34, BUSY),
                Phase::Initializing => ((a + min_w).max(axes.x(e)).min(x1), 0.34, INIT),
            };
            if b <= a {
                continue;
            }
            cursor = b;
            ctx.draw_series(std::iter::once(Rectangle::new(
                [(a, y - h), (b, y + h)],
                color.filled(),
            )))?;
        }
        if let Some(t) = row.evicted {
            evictions.push((axes.x(t).max(cursor), y));
        }
    }
    ctx.draw_series(
        evictions.iter().map(|&(t, y)| {
            PathElement::new(vec![(t, y - 0.4), (t, y + 0.4)], EVICT.stroke_width(2))
        }),
    )?;
    ctx.draw_series(
        evictions
            .iter()
            .map(|&(t, y)| Cross::new((t, y), 5, EVICT.stroke_width(2))),
    )?;
    Ok(())
}

/// The arrivals on the requests row, marked by what became of them.
fn arrivals<DB: DrawingBackend>(ctx: &mut Panel<'_, DB>, g: &Gantt, axes: &Axes) -> Drawn<DB> {
    let y = axes.yc(0);
    for (outcome, color) in [
        (Outcome::Warm, WARM),
        (Outcome::Cold, INIT),
        (Outcome::Throttled, THROTTLE),
    ] {
        let at = g
            .arrivals
            .iter()
            .filter(move |a| a.1 == outcome)
            .map(|a| axes.x(a.0));
        if outcome == Outcome::Throttled {
            ctx.draw_series(at.map(|t| Cross::new((t, y), 6, color.stroke_width(2))))?;
        } else {
            ctx.draw_series(at.map(|t| TriangleMarker::new((t, y), 7, color.filled())))?;
        }
    }
    Ok(())
}

/// The legend and the note, in the footer.
fn footer_legend<DB: DrawingBackend>(footer: &DrawingArea<DB, Shift>, g: &Gantt) -> Drawn<DB> {
    let font = (FONT, 14).into_font().color(&BLACK);
    let items: [(&str, RGBColor, u8); 7] = [
        ("initializing (cold start)", INIT, 0),
        ("busy", BUSY, 0),
        ("idle (warm)", IDLE, 0),
        ("evicted", EVICT, 1),
        ("request: warm start", WARM, 2),
        ("request: cold start", INIT, 2),
        ("request: throttled", THROTTLE, 3),
    ];
    let mut px = 20i32;
    let py = 12i32;
    for (label, color, kind) in items {
        match kind {
            0 => footer.draw(&Rectangle::new(
                [(px, py - 6), (px + 18, py + 6)],
                color.filled(),
            ))?,
            1 => footer.draw(&Cross::new((px + 9, py), 5, color.stroke_width(2)))?,
            2 => footer.draw(&TriangleMarker::new((px + 9, py), 7, color.filled()))?,
            _ => footer.draw(&Cross::new((px + 9, py), 6, color.stroke_width(2)))?,
        }
        footer.draw(&Text::new(
            label,
            (px + 24, py),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let w = footer
            .estimate_text_size(label, &font)
            .map_or(7 * label.chars().count() as u32, |(w, _)| w);
        px += 24 + w as i32 + 26;
    }
    if let Some(note) = &g.note {
        footer.draw(&Text::new(
            note.clone(),
            (20, 38),
            (FONT, 14).into_font().color(&RGBColor(80, 80, 80)),
        ))?;
    }
    Ok(())
}
