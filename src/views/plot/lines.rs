//! Line charts with optional shaded bands, on linear or logarithmic axes.
//!
//! A logarithmic axis is drawn by plotting log10 of the values on a linear axis and labelling
//! the ticks with 10^v: one code path for all four axis combinations.

use super::{save, tick, Chart, Drawn, Figure, Panel, Series, CHART_SIZE, FONT, PALETTE};
use crate::views::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Draws `chart` to `path` (.png or .svg).
pub fn lines(chart: &Chart, path: &Path) -> Result<(), Error> {
    save(chart, path)
}

impl Figure for Chart {
    fn size(&self) -> (u32, u32) {
        CHART_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        draw(root, self)
    }
}

/// Maps a value onto a drawn axis: log10 on a logarithmic one; `None` when it cannot be drawn.
fn to_axis(v: f64, log: bool) -> Option<f64> {
    match (log, v.is_finite()) {
        (_, false) => None,
        (true, _) if v <= 0.0 => None,
        (true, _) => Some(v.log10()),
        (false, _) => Some(v),
    }
}

/// The range to draw: the data's, padded, never empty.
fn range(values: impl Iterator<Item = f64>, from_zero: bool, log: bool) -> Range<f64> {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    if from_zero && !log {
        lo = lo.min(0.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else if log {
        0.5
    } else {
        lo.abs().max(1.0) * 0.1
    };
    if !(from_zero && !log && lo == 0.0) {
        lo -= pad;
    }
    hi += pad;
    lo..hi
}

/// How a logarithmic axis spanning `decades` is labelled: how many ticks to ask plotters for,
/// and which mantissas get a label (`None`: every tick).
fn log_ticks(decades: f64) -> (usize, Option<&'static [f64]>) {
    if decades >= 1.0 {
        (40, Some(&[1.0, 2.0, 5.0, 10.0]))
    } else if decades >= 0.3 {
        (
            60,
            Some(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]),
        )
    } else {
        // Less than a factor of two: plain ticks, few of them.
        (8, None)
    }
}

/// Tick labels; on a log axis ticks near round mantissas (1, 2, 5 × 10^k on a wide axis) are
/// labelled with that round number and the others left blank, so the labels read as round
/// numbers whatever linear steps plotters picks in log space.
fn label_for(v: f64, log: Option<Option<&[f64]>>) -> String {
    let Some(mantissas) = log else {
        return tick(v);
    };
    let Some(mantissas) = mantissas else {
        return tick(10f64.powf(v));
    };
    let mantissa = 10f64.powf(v - v.floor());
    match mantissas
        .iter()
        .find(|m| (mantissa / *m - 1.0).abs() < 0.01)
    {
        Some(m) => tick(m * 10f64.powf(v.floor())),
        None => String::new(),
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let body = note(root, chart)?;
    let data = Data::of(chart);
    let (xr, yr) = data.ranges(chart);
    let mut ctx = ChartBuilder::on(&body)
        .caption(&chart.title, (FONT, 22).into_font().style(FontStyle::Bold))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(xr.clone(), yr.clone())?;
    mesh(&mut ctx, chart, &xr, &yr)?;
    for (i, s) in chart.series.iter().enumerate() {
        series(&mut ctx, chart, i, s, &data)?;
    }
    if chart.series.iter().any(|s| !s.label.is_empty()) {
        ctx.configure_series_labels()
            .position(if chart.legend_bottom {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, 14))
            .draw()?;
    }
    Ok(())
}

/// Writes the chart's note in a strip along the bottom; returns the area above it.
fn note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (body, footer) = match &chart.note {
        Some(_) => root.split_vertically(CHART_SIZE.1 - 28),
        None => root.split_vertically(CHART_SIZE.1),
    };
    if let Some(note) = &chart.note {
        footer.draw(&Text::new(
            note.clone(),
            (20, 4),
            (FONT, 15).into_font().color(&RGBColor(80, 80, 80)),
        ))?;
    }
    Ok(body)
}

/// Each series' line and band in drawn coordinates (log10 on a logarithmic axis), without
/// the values that cannot be drawn.
struct Data {
    lines: Vec<Vec<(f64, f64)>>,
    bands: Vec<Vec<(f64, f64, f64)>>,
}

impl Data {
    fn of(chart: &Chart) -> Data {
        let (lx, ly) = (chart.log_x, chart.log_y);
        let lines = chart
            .series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .filter_map(|&(x, y)| Some((to_axis(x, lx)?, to_axis(y, ly)?)))
                    .collect()
            })
            .collect();
        let bands = chart
            .series
            .iter()
            .map(|s| {
                s.band
                    .iter()
                    .filter_map(|&(x, lo, hi)| {
                        // On a log axis a band reaching 0 or below is cut at the line's own scale.
                        let lo = if ly && lo <= 0.0 {
                            hi.min(lo.max(hi * 1e-3))
                        } else {
                            lo
                        };
                        Some((to_axis(x, lx)?, to_axis(lo, ly)?, to_axis(hi, ly)?))
                    })
                    .collect()
            })
            .collect();
        Data { lines, bands }
    }

    /// The horizontal and vertical ranges to draw.
    fn ranges(&self, chart: &Chart) -> (Range<f64>, Range<f64>) {
        let (lines, bands) = (&self.lines, &self.bands);
        let xs = lines
            .iter()
            .flatten()
            .map(|p| p.0)
            .chain(bands.iter().flatten().map(|b| b.0));
        let ys = lines
            .iter()
            .flatten()
            .map(|p| p.1)
            .chain(bands.iter().flatten().flat_map(|b| [b.1, b.2]));
        (
            range(xs, false, chart.log_x),
            range(ys, chart.y_from_zero, chart.log_y),
        )
    }
}

/// The grid, the axis descriptions and the tick labels.
fn mesh<DB: DrawingBackend>(
    ctx: &mut Panel<'_, DB>,
    chart: &Chart,
    xr: &Range<f64>,
    yr: &Range<f64>,
) -> Drawn<DB> {
    let (lx, ly) = (chart.log_x, chart.log_y);
    let (nx, mx) = log_ticks(xr.end - xr.start);
    let (ny, my) = log_ticks(yr.end - yr.start);
    let fx = |v: &f64| label_for(*v, lx.then_some(mx));
    let fy = |v: &f64| label_for(*v, ly.then_some(my));
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_labels(if lx { nx } else { 10 })
        .y_labels(if ly { ny } else { 10 })
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
}

/// Series `i`: its band (a shaded area, or an error bar for a single point), its line with its
/// legend entry, its markers and its point labels.
fn series<DB: DrawingBackend>(
    ctx: &mut Panel<'_, DB>,
    chart: &Chart,
    i: usize,
    s: &Series,
    data: &Data,
) -> Drawn<DB> {
    let color = PALETTE[s.color.unwrap_or(i) % PALETTE.len()];
    let band = &data.bands[i];
    if band.len() >= 2 {
        let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.1)).collect();
        poly.extend(band.iter().rev().map(|b| (b.0, b.2)));
        ctx.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.18))))?;
    } else if let Some(&(x, lo, hi)) = band.first() {
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            color.stroke_width(2),
        )))?;
    }
    let line = &data.lines[i];
    let style = color.stroke_width(2);
    let drawn = ctx.draw_series(LineSeries::new(line.clone(), style))?;
    if !s.label.is_empty() {
        drawn
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
    }
    if s.markers {
        ctx.draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
    }
    if s.point_labels.len() == s.points.len() {
        let (lx, ly) = (chart.log_x, chart.log_y);
        let labelled = s
            .points
            .iter()
            .zip(&s.point_labels)
            .filter_map(|(&(x, y), l)| Some(((to_axis(x, lx)?, to_axis(y, ly)?), l)));
        ctx.draw_series(labelled.map(|(p, l)| {
            EmptyElement::at(p)
                + Text::new(l.clone(), (6, -16), (FONT, 12).into_font().color(&color))
        }))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_padded_and_never_empty() {
        let r = range([2.0, 2.0].into_iter(), false, false);
        assert!(r.start < 2.0 && r.end > 2.0);
        let r = range(std::iter::empty(), false, false);
        assert_eq!(r, 0.0..1.0);
        let r = range([1.0, 3.0].into_iter(), true, false);
        assert_eq!(r.start, 0.0);
        assert_eq!(to_axis(0.0, true), None);
        assert_eq!(to_axis(100.0, true), Some(2.0));
    }
}
