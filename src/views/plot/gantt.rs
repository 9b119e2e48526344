//! The Gantt chart of environments: one row per environment, its life drawn as segments
//! (initializing, busy, idle) ending in an eviction mark, and a top row with every request
//! arrival marked by what became of it (warm, cold, throttled). `faasim explain` draws it.

use super::{ensure_fonts, err, tick, Format, PlotError, FONT};
/// Nanoseconds since the start of the run, as the chart keeps them.
type SimTime = u64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Width of a Gantt chart, pixels (its height grows with the number of rows).
pub const GANTT_WIDTH: u32 = 1100;

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
pub fn gantt_height(rows: usize) -> u32 {
    (230 + 30 * (rows as u32 + 1)).clamp(320, 2400)
}

/// Draws `g` to `path` (.png or .svg).
pub fn gantt(g: &Gantt, path: &Path) -> Result<(), PlotError> {
    ensure_fonts();
    let size = (GANTT_WIDTH, gantt_height(g.rows.len()));
    match Format::of(path)? {
        Format::Png => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw(&root, g, size).map_err(|e| err(path, e))?;
            root.present().map_err(|e| err(path, e))
        }
        Format::Svg => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw(&root, g, size).map_err(|e| err(path, e))?;
            root.present().map_err(|e| err(path, e))
        }
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
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (body, footer) = root.split_vertically(size.1 - 70);
    let end = g.end.max(g.start + 1);
    let (div, unit) = time_unit(end - g.start);
    let x = |t: SimTime| t.clamp(g.start, end) as f64 / div;
    let (x0, x1) = (x(g.start), x(end));
    // Row 0 (top) is the requests row; environment i sits at i + 1, counted downwards.
    let n = g.rows.len() as f64 + 1.0;
    let yc = |row: usize| n - row as f64 - 0.5;
    let mut ctx = ChartBuilder::on(&body)
        .caption(&g.title, (FONT, 20).into_font().style(FontStyle::Bold))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(110)
        .build_cartesian_2d(x0..x1, 0.0..n)?;
    let fx = |v: &f64| tick(*v);
    ctx.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(format!("simulated time ({unit})"))
        .x_label_formatter(&fx)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(245, 245, 245))
        .bold_line_style(GRID)
        .draw()?;

    // Row labels and separators.
    let label_style = (FONT, 14)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let labels = std::iter::once("requests").chain(g.rows.iter().map(|r| r.label.as_str()));
    for (i, label) in labels.enumerate() {
        let (px, py) = ctx.backend_coord(&(x0, yc(i)));
        root.draw(&Text::new(
            label.to_string(),
            (px - 8, py),
            label_style.clone(),
        ))?;
    }
    ctx.draw_series((1..g.rows.len() + 1).map(|i| {
        let y = n - i as f64;
        PathElement::new(vec![(x0, y), (x1, y)], GRID)
    }))?;

    // Segments: a cold start or a request gets at least four pixels, so a 100 ms request
    // shows on an hour's axis; what follows it starts after it.
    let plot_px = (size.0 as f64 - 140.0).max(100.0);
    let min_w = (x1 - x0) * 4.0 / plot_px;
    let mut evictions = Vec::new();
    for (i, row) in g.rows.iter().enumerate() {
        let y = yc(i + 1);
        let mut cursor = f64::NEG_INFINITY;
        for &(s, e, phase) in &row.segments {
            let a = x(s).max(cursor);
            let (b, h, color) = match phase {
                Phase::Idle => (x(e), 0.22, IDLE),
                Phase::Busy => ((a + min_w).max(x(e)).min(x1), 0.34, BUSY),
                Phase::Initializing => ((a + min_w).max(x(e)).min(x1), 0.34, INIT),
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
            evictions.push((x(t).max(cursor), y));
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

    // Arrivals on the requests row.
    let y = yc(0);
    for (outcome, color) in [
        (Outcome::Warm, WARM),
        (Outcome::Cold, INIT),
        (Outcome::Throttled, THROTTLE),
    ] {
        let at = g
            .arrivals
            .iter()
            .filter(move |a| a.1 == outcome)
            .map(|a| x(a.0));
        if outcome == Outcome::Throttled {
            ctx.draw_series(at.map(|t| Cross::new((t, y), 6, color.stroke_width(2))))?;
        } else {
            ctx.draw_series(at.map(|t| TriangleMarker::new((t, y), 7, color.filled())))?;
        }
    }

    // Legend, in the footer.
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
