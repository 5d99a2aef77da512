//! Figures drawn with plotters, each rendered to SVG text or PNG bytes.
//!
//! - [`SynergyHeatmap`] — synergy scores over a dose matrix, diverging colours centred on 0;
//! - [`DoseResponsePlot`] — observed points, fitted curves, CI bands and IC50 on a log10 dose axis;
//! - [`PlateMap`] — one value per well on the plate grid, sequential colours, excluded wells crossed.
//!
//! Text is drawn with the embedded DejaVu Sans font (see `assets/LICENSE-DejaVu.txt`), registered
//! with plotters as `sans-serif` on first use, so PNG text renders on a machine without fonts.
//! SVG output names the `sans-serif` family and leaves glyph drawing to the viewer.
//!
//! Rendering is deterministic: the same figure gives byte-identical SVG and PNG.

pub mod colors;
pub mod curve;
pub mod heatmap;
pub mod platemap;
mod raster;

use std::path::Path;
use std::sync::Once;

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ReportError;
use crate::output::OutputGuard;

pub use curve::{ConfidenceBand, CurveSeries, DoseResponsePlot, FittedCurve};
pub use heatmap::{DoseAxis, SynergyHeatmap};
pub use platemap::PlateMap;

/// The embedded font: DejaVu Sans (Bitstream Vera licence, see `assets/LICENSE-DejaVu.txt`).
pub static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family name every figure uses.
pub const FONT_FAMILY: &str = "sans-serif";

static FONT_ONCE: Once = Once::new();

/// Registers the embedded font with plotters (idempotent; every render calls it).
pub fn ensure_font() {
    FONT_ONCE.call_once(|| {
        // The bytes are a valid TrueType font checked into the repository; a failure here would
        // surface as FontUnavailable errors from the first drawing call, which are reported.
        let _ = plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES);
    });
}

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Canvas size in pixels (width, height); SVG uses the same user units.
    fn size(&self) -> (u32, u32);

    /// A short name for error messages (usually the title).
    fn name(&self) -> &str;

    /// Draws the whole figure, background included, on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ReportError>;

    /// The figure as a standalone SVG document.
    fn to_svg(&self) -> Result<String, ReportError>
    where
        Self: Sized,
    {
        render_svg(self)
    }

    /// The figure as PNG bytes (8-bit RGB).
    fn to_png(&self) -> Result<Vec<u8>, ReportError>
    where
        Self: Sized,
    {
        render_png(self)
    }
}

/// Renders `fig` to an SVG document.
pub fn render_svg<F: Figure>(fig: &F) -> Result<String, ReportError> {
    ensure_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, fig.size()).into_drawing_area();
        fig.draw(&root)?;
        root.present().map_err(draw_err(fig.name()))?;
    }
    Ok(out)
}

/// Draws `fig` into an 8-bit RGB pixel buffer of size [`Figure::size`] (row-major, 3 bytes per
/// pixel), as [`render_png`] encodes it.
pub fn render_rgb<F: Figure>(fig: &F) -> Result<Vec<u8>, ReportError> {
    let mut buf = Vec::new();
    draw_rgb(fig, &mut buf)?;
    Ok(buf)
}

/// Draws `fig` into `buf` (cleared to black, then resized to the figure).
fn draw_rgb<F: Figure>(fig: &F, buf: &mut Vec<u8>) -> Result<(), ReportError> {
    ensure_font();
    let (w, h) = fig.size();
    buf.clear();
    buf.resize(w as usize * h as usize * 3, 0);
    let root = raster::CachedTextBitmap::with_buffer(buf, (w, h)).into_drawing_area();
    fig.draw(&root)?;
    root.present().map_err(draw_err(fig.name()))
}

thread_local! {
    /// The pixel buffer of the last PNG drawn on this thread, reused by the next (a screen draws
    /// thousands of same-sized figures; a fresh 2 MB buffer each time costs page faults).
    static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Renders `fig` to PNG bytes (8-bit RGB, size [`Figure::size`]; fast deflate with the `Paeth`
/// filter: as quick to encode as `Sub` on these figures, files about 40 % smaller).
pub fn render_png<F: Figure>(fig: &F) -> Result<Vec<u8>, ReportError> {
    let (w, h) = fig.size();
    PIXELS.with(|pixels| {
        // a figure drawn while another is being drawn on this thread gets its own buffer
        let mut own = Vec::new();
        let mut guard = pixels.try_borrow_mut();
        let buf = match guard.as_mut() {
            Ok(b) => &mut **b,
            Err(_) => &mut own,
        };
        draw_rgb(fig, buf)?;
        let mut png = Vec::with_capacity(buf.len() / 8);
        image::codecs::png::PngEncoder::new_with_quality(
            &mut png,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Paeth,
        )
        .write_image(buf, w, h, image::ColorType::Rgb8)
        .map_err(|e| ReportError::Draw {
            figure: fig.name().to_string(),
            message: format!("PNG encoding: {e}"),
        })?;
        Ok(png)
    })
}

/// Renders `fig` as SVG and writes it to `path` atomically (refused over a protected input).
pub fn write_svg<F: Figure>(fig: &F, path: &Path, guard: &OutputGuard) -> Result<(), ReportError> {
    guard.write_atomic(path, render_svg(fig)?.as_bytes())
}

/// Renders `fig` as PNG and writes it to `path` atomically (refused over a protected input).
pub fn write_png<F: Figure>(fig: &F, path: &Path, guard: &OutputGuard) -> Result<(), ReportError> {
    guard.write_atomic(path, &render_png(fig)?)
}

/// Maps a plotters drawing error into [`ReportError::Draw`] naming the figure.
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    figure: &str,
) -> impl Fn(DrawingAreaErrorKind<E>) -> ReportError + '_ {
    move |e| ReportError::Draw {
        figure: figure.to_string(),
        message: e.to_string(),
    }
}

/// A text style in the embedded family.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font())
}

/// Draws `text` anchored at `(x, y)` with the given alignment and colour.
pub(crate) fn put_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    text: &str,
    (x, y): (i32, i32),
    size: f64,
    color: RGBColor,
    (h, v): (HPos, VPos),
) -> Result<(), ReportError> {
    let style = font(size).color(&color).pos(Pos::new(h, v));
    root.draw(&Text::new(text.to_string(), (x, y), style))
        .map_err(draw_err(name))
}

/// Like [`put_text`] but rotated 270° (reads bottom to top), for vertical axis titles.
pub(crate) fn put_text_vertical<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    text: &str,
    (x, y): (i32, i32),
    size: f64,
    color: RGBColor,
) -> Result<(), ReportError> {
    let style = font(size)
        .transform(FontTransform::Rotate270)
        .color(&color)
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(text.to_string(), (x, y), style))
        .map_err(draw_err(name))
}

/// Width in pixels of `text` at `size` in the embedded font (0 when it cannot be measured).
pub(crate) fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> u32 {
    root.estimate_text_size(text, &font(size))
        .map_or(0, |(w, _)| w)
}

/// Draws a vertical colour bar: `color_at(t)` for t from 0 (bottom) to 1 (top), a thin frame,
/// and tick labels `(t, label)` to its right.
pub(crate) fn draw_colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    (x0, y0, w, h): (i32, i32, i32, i32),
    color_at: &dyn Fn(f64) -> RGBColor,
    ticks: &[(f64, String)],
    font_size: f64,
) -> Result<(), ReportError> {
    for i in 0..COLORBAR_STEPS {
        let t0 = i as f64 / COLORBAR_STEPS as f64;
        let t1 = (i + 1) as f64 / COLORBAR_STEPS as f64;
        let ya = y0 + h - (t1 * f64::from(h)).round() as i32;
        let yb = y0 + h - (t0 * f64::from(h)).round() as i32;
        let c = color_at(f64::midpoint(t0, t1));
        root.draw(&Rectangle::new([(x0, ya), (x0 + w, yb)], c.filled()))
            .map_err(draw_err(name))?;
    }
    let frame = [
        (x0, y0),
        (x0 + w, y0),
        (x0 + w, y0 + h),
        (x0, y0 + h),
        (x0, y0),
    ];
    root.draw(&PathElement::new(frame.to_vec(), BLACK.stroke_width(1)))
        .map_err(draw_err(name))?;
    for (t, label) in ticks {
        let y = y0 + h - (t * f64::from(h)).round() as i32;
        root.draw(&PathElement::new(
            vec![(x0 + w, y), (x0 + w + 5, y)],
            BLACK.stroke_width(1),
        ))
        .map_err(draw_err(name))?;
        put_text(
            root,
            name,
            label,
            (x0 + w + 8, y),
            font_size,
            BLACK,
            (HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}

/// Round tick values (1, 2 or 5 × 10^k apart) covering `[lo, hi]`, about `target` of them;
/// `[lo]` alone for a degenerate range.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let p = 10f64.powf(raw.log10().floor());
    let target = target.max(1) as f64;
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .min_by(|a, b| {
            let da = ((hi - lo) / a - target).abs();
            let db = ((hi - lo) / b - target).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(p);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        // Round away binary noise (0.6000000000000001 -> 0.6) via 11 significant digits.
        .map(|k| {
            format!("{:.10e}", k as f64 * step)
                .parse()
                .unwrap_or(k as f64 * step)
        })
        .collect()
}

/// Number of strips a colour bar is drawn with (each strip is one `<rect>` in SVG).
pub const COLORBAR_STEPS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round() {
        assert_eq!(
            nice_ticks(-470.0, 54_000.0, 5),
            vec![0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0]
        );
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(3.0, 3.0, 4), vec![3.0]);
    }
}
