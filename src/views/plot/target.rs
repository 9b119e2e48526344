//! The one drawing target: every chart draws through [`save`] (a file, PNG or SVG by its
//! extension) or [`svg`] (SVG text in memory, for HTML reports). Each output format has one
//! exporter here, so the charts hold no per-format code.

use crate::views::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// The output format, from the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG bitmap.
    Png,
    /// SVG vector image.
    Svg,
}

impl Format {
    /// `.png` or `.svg` (any case); anything else is an error naming what is accepted.
    pub fn of(path: &Path) -> Result<Format, Error> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(Error::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// What drawing on backend `DB` returns.
pub(crate) type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can draw itself on any plotters backend.
pub(crate) trait Figure {
    /// Width and height, pixels.
    fn size(&self) -> (u32, u32);

    /// Draws the whole chart on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB>;
}

/// Draws `fig` to `path`, PNG or SVG as the extension says.
pub(crate) fn save(fig: &impl Figure, path: &Path) -> Result<(), Error> {
    match Format::of(path)? {
        Format::Png => png(fig, path),
        Format::Svg => save_svg(fig, path).map(drop),
    }
}

/// Draws `fig` to the SVG file `path` and returns the document.
pub(crate) fn save_svg(fig: &impl Figure, path: &Path) -> Result<String, Error> {
    let text = render_svg(fig).map_err(|e| draw_error(path.display().to_string(), e))?;
    let tmp = beside(path);
    std::fs::write(&tmp, &text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            Error::Write {
                path: path.to_path_buf(),
                source,
            }
        })?;
    Ok(text)
}

/// `fig` as an SVG document; `what` names it in an error.
pub(crate) fn svg(fig: &impl Figure, what: &str) -> Result<String, Error> {
    render_svg(fig).map_err(|e| draw_error(what.to_string(), e))
}

/// The PNG exporter: plotters' bitmap backend, which encodes and writes the file itself — to a
/// temporary name beside `path`, renamed into place once whole, so a killed process or a full
/// disk never leaves a truncated picture under the real name (nor replaces a good one).
fn png(fig: &impl Figure, path: &Path) -> Result<(), Error> {
    super::ensure_fonts();
    let tmp = beside(path);
    let what = || path.display().to_string();
    let drawn = {
        let root = BitMapBackend::new(&tmp, fig.size()).into_drawing_area();
        fig.draw(&root)
            .map_err(|e| draw_error(what(), e))
            .and_then(|()| root.present().map_err(|e| draw_error(what(), e)))
    };
    let placed = drawn.and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
    });
    if placed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    placed
}

/// A temporary name beside `path` with the same extension (the bitmap backend picks its
/// encoder by extension): `.NAME.tmp-PID-N.EXT`.
fn beside(path: &Path) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("plot");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}.{ext}", std::process::id()))
}

/// The SVG exporter: the document is built in a string.
fn render_svg(
    fig: &impl Figure,
) -> Result<String, DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>> {
    super::ensure_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, fig.size()).into_drawing_area();
        fig.draw(&root)?;
        root.present()?;
    }
    Ok(text)
}

fn draw_error(what: String, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Draw {
        what,
        source: Box::new(e),
    }
}
