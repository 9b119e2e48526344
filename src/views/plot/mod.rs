//! Charts with plotters, as PNG or SVG (chosen by the file's extension), rendered with a font
//! embedded in the binary (DejaVu Sans), so they work on a machine with no fonts and no
//! fontconfig.
//!
//! The charts take plain data ([`Chart`], time-series buckets), not reports or experiments:
//! [`crate::views::sweep_plots`] decides what a sweep draws, this module how.
//!
//! ```no_run
//! use faasim::views::plot::{Chart, Series};
//! let chart = Chart {
//!     title: "p99 against arrival rate".into(),
//!     x_label: "arrival rate (1/s)".into(),
//!     y_label: "p99 latency (ms)".into(),
//!     series: vec![Series::line("python", vec![(1.0, 300.0), (10.0, 280.0)])],
//!     ..Chart::default()
//! };
//! faasim::views::plot::lines(&chart, std::path::Path::new("p99.png")).unwrap();
//! ```

pub mod gantt;
mod lines;
mod target;
mod timeline;

pub use lines::lines;
pub use target::Format;
pub use timeline::timeline;

pub(crate) use target::{save, save_svg, svg, Drawn, Figure};
pub(crate) use timeline::Timeline;

pub(crate) use crate::lab::format::tick;

use plotters::chart::ChartContext;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

/// Width and height of line charts, pixels.
pub(crate) const CHART_SIZE: (u32, u32) = (1000, 620);
/// Width and height of timelines, pixels.
pub(crate) const TIMELINE_SIZE: (u32, u32) = (1000, 760);

/// One line of a chart, optionally with a band (e.g. a 95% confidence interval).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// The line's points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// A shaded band: (x, low, high), in order of x.
    pub band: Vec<(f64, f64, f64)>,
    /// Mark each point with a dot.
    pub markers: bool,
    /// Text beside each point (same length as `points`, or empty).
    pub point_labels: Vec<String>,
    /// Palette index of the colour (default: the series' position).
    pub color: Option<usize>,
}

impl Series {
    /// A plain line.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            ..Series::default()
        }
    }
}

/// A line chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// Title: what was simulated.
    pub title: String,
    /// A smaller line under the chart (a note, a caveat).
    pub note: Option<String>,
    /// Horizontal axis label, with its unit.
    pub x_label: String,
    /// Vertical axis label, with its unit.
    pub y_label: String,
    /// Logarithmic horizontal axis (values ≤ 0 are left out).
    pub log_x: bool,
    /// Logarithmic vertical axis (values ≤ 0 are left out).
    pub log_y: bool,
    /// Start the vertical axis at 0 (for counts, costs, probabilities) when not logarithmic.
    pub y_from_zero: bool,
    /// Put the legend in the lower right corner instead of the upper right.
    pub legend_bottom: bool,
    /// The lines.
    pub series: Vec<Series>,
}

/// A chart's drawing context: f64 across, f64 up.
pub(crate) type Panel<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Colours for successive series (Tableau 10: distinct, and readable by most colour-blind
/// viewers).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The font family every chart uses; registered from the embedded DejaVu Sans.
pub(crate) const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters (once per process). Text drawn before this would
/// fail, as ab_glyph loads no system fonts.
pub(crate) fn ensure_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a.PNG")).ok(), Some(Format::Png));
        assert_eq!(Format::of(Path::new("a.svg")).ok(), Some(Format::Svg));
        assert!(Format::of(Path::new("a.jpg"))
            .unwrap_err()
            .to_string()
            .contains(".png, .svg"));
    }
}
