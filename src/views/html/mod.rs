//! Self-contained HTML reports: one file with its styles inline and its plots as inline SVG,
//! no scripts, no fonts, no links to fetch, so it opens offline, in a mail attachment or on a
//! projector.
//!
//! - [`run_report`]: one run (`faasim run SCENARIO --report FILE.html`): the scenario text, the
//!   summary, the cost breakdown with the always-on comparison, per-function figures, the
//!   environment timeline and the latency CDF.
//! - [`sweep_report`]: a finished sweep (`faasim sweep EXP --report`, written to
//!   `DIR/report.html`): the experiment, the key metrics per point with 95% confidence
//!   intervals (and paired differences against the baseline), every metric's summary, and
//!   every plot drawn into `plots/`.
//!
//! Plots are drawn by [`crate::views::plot`]'s SVG backend; their text uses the generic `sans-serif`
//! family, which every browser resolves to a font of its own.

use std::fmt::Write as _;

mod run;
mod sweep;

pub use run::{run_figures, run_report};
pub use sweep::sweep_report;

/// A plot to show: a caption and the SVG text.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Shown under the plot.
    pub caption: String,
    /// An `<svg>` element.
    pub svg: String,
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Makes an SVG document fit the page: scales with the width, keeps its aspect ratio, and
/// carries an accessible name.
fn inline_svg(svg: &str, label: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    body.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" style=\"max-width:100%;height:auto\" ",
            escape(label)
        ),
        1,
    )
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 1.2rem 1.5rem 3rem; color: #1d2430; background: #fff;
       line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0.4rem 0 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid #e3e8ef; padding-bottom: 0.2rem; }
.meta { color: #5a6577; font-size: 0.92rem; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1.2rem 0; }
.card { border: 1px solid #d9e0ea; border-radius: 8px; padding: 0.6rem 0.9rem; min-width: 9.5rem; background: #f7f9fc; }
.card .v { font-size: 1.35rem; font-weight: 600; }
.card .k { font-size: 0.82rem; color: #5a6577; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #dde3eb; padding: 0.25rem 0.6rem; text-align: right; }
td { white-space: nowrap; }
.wide { overflow-x: auto; max-width: 100%; }
th { background: #eef2f7; }
td.l, th.l { text-align: left; }
tr:nth-child(even) td { background: #fafbfd; }
pre { background: #f4f6f9; border: 1px solid #dde3eb; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
figure { margin: 1.4rem 0; }
figcaption { color: #5a6577; font-size: 0.88rem; margin-top: 0.3rem; }
details summary { cursor: pointer; color: #1f5fa8; }
.note { color: #5a6577; font-size: 0.9rem; }
"#;

/// Wraps `body` in a complete page.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"faasim {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n{body}\n<p class=\"note\">Written by faasim {}. This file is \
         self-contained: styles and plots are inside it; it loads nothing.</p>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title),
        env!("CARGO_PKG_VERSION"),
    )
}

/// A number with about `digits` significant digits, without trailing zeros.
pub(crate) fn num(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - mag).clamp(0, 10) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

fn pct(p: f64) -> String {
    format!("{}%", num(100.0 * p, 3))
}

fn usd(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("${v:.2}")
    } else {
        format!("${}", num(v, 4))
    }
}

fn card(out: &mut String, value: &str, key: &str) {
    let _ = write!(
        out,
        "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        escape(value),
        escape(key)
    );
}

/// Writes a table: `header` cells, then `rows`; the first `left` columns are left-aligned.
fn table(out: &mut String, header: &[String], rows: &[Vec<String>], left: usize) {
    out.push_str("<div class=\"wide\"><table>\n<tr>");
    for (i, h) in header.iter().enumerate() {
        let class = if i < left { " class=\"l\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if i < left { " class=\"l\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
}

fn figures(out: &mut String, figs: &[Figure]) {
    for f in figs {
        let _ = write!(
            out,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            inline_svg(&f.svg, &f.caption),
            escape(&f.caption)
        );
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(0.000123456, 3), "0.000123");
        assert_eq!(num(1234.5678, 4), "1235");
        assert_eq!(num(2.5, 4), "2.5");
        assert_eq!(num(-0.0001, 1), "-0.0001");
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn svg_gets_scaled() {
        let s = inline_svg("<svg width=\"10\" height=\"5\"></svg>", "x<y");
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"x&lt;y\""));
    }
}
