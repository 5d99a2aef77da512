//! The PNG drawing backend: plotters' [`BitMapBackend`] with text drawn from a per-thread cache
//! of rasterized glyphs.
//!
//! plotters' `ab_glyph` text path outlines and rasterizes every glyph of every string it draws;
//! a screen's heatmaps draw the same few glyphs (digits, `.`, `-`, drug names) at the same few
//! sizes thousands of times. [`CachedTextBitmap`] keeps each glyph's coverage, keyed by
//! character and font size, and replays it. Glyph placement (advances, kerning, the truncation
//! of the pen position to whole pixels, the baseline shift) and pixel blending follow plotters
//! 0.3.7's `ab_glyph` font and default `draw_text` step by step, so the pixels are exactly those
//! plotters draws (the module tests compare whole figures).
//!
//! Text in any other family or style goes through plotters' own path.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::prelude::{BitMapBackend, DrawingBackend};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
    text_anchor::{HPos, VPos},
};

use super::{FONT_BYTES, FONT_FAMILY};

/// The embedded font, parsed once.
static FONT: LazyLock<Option<FontRef<'static>>> =
    LazyLock::new(|| FontRef::try_from_slice(FONT_BYTES).ok());

/// Glyphs kept per thread before the cache is emptied (bounds memory; a screen's figures use a
/// few hundred).
const GLYPH_CACHE_CAP: usize = 4096;

/// One glyph at one size: its id and advance, and its pixels `(x, y, coverage)` relative to the
/// pen position, `y` already shifted as plotters shifts it (half the font size plus the glyph
/// box top); zero coverage dropped (plotters' blend skips it).
struct Glyph {
    id: ab_glyph::GlyphId,
    advance: f32,
    pixels: Vec<(i32, i32, f32)>,
}

thread_local! {
    static GLYPHS: RefCell<HashMap<(char, u64), Glyph>> = RefCell::new(HashMap::new());
}

/// Rasterizes `c` at `size` pixels exactly as plotters' `ab_glyph` font does.
fn rasterize(font: &FontRef<'static>, c: char, size: f64) -> Glyph {
    let scaled = font.as_scaled(size as f32);
    let id = scaled.glyph_id(c);
    let mut pixels = Vec::new();
    if let Some(q) = scaled.outline_glyph(scaled.scaled_glyph(c)) {
        let rect = q.px_bounds();
        let y_shift = ((size as f32) / 2.0 + rect.min.y) as i32;
        q.draw(|x, y, a| {
            if a > 0.0 {
                pixels.push((x as i32, y as i32 + y_shift, a));
            }
        });
    }
    Glyph {
        id,
        advance: scaled.h_advance(id),
        pixels,
    }
}

/// plotters' pixel blend (`plotters_bitmap`'s `blend`): `new` over `prev` at `a`/256.
#[allow(clippy::cast_possible_truncation)]
fn blend(prev: &mut u8, new: u8, a: u64) {
    if new > *prev {
        *prev += (u64::from(new - *prev) * a / 256) as u8;
    } else {
        *prev -= (u64::from(*prev - new) * a / 256) as u8;
    }
}

/// plotters' [`BitMapBackend`] with cached glyphs (see the module docs); every other drawing
/// call is the bitmap backend's own, on the same buffer.
pub(crate) struct CachedTextBitmap<'a> {
    buf: &'a mut [u8],
    size: (u32, u32),
}

impl<'a> CachedTextBitmap<'a> {
    /// A backend drawing into `buf` (8-bit RGB, `size.0 × size.1` pixels, row-major; panics
    /// when `buf` is shorter, as [`BitMapBackend::with_buffer`] does).
    pub(crate) fn with_buffer(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        assert!(
            buf.len() >= size.0 as usize * size.1 as usize * 3,
            "pixel buffer too small"
        );
        Self { buf, size }
    }

    /// plotters' bitmap backend over the same pixels (cheap: a borrow and a size).
    fn inner(&mut self) -> BitMapBackend<'_> {
        BitMapBackend::with_buffer(self.buf, self.size)
    }
}

type Err = DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

impl DrawingBackend for CachedTextBitmap<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), Err> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), Err> {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Err> {
        self.inner().draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Err> {
        self.inner().draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Err> {
        self.inner()
            .draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Err> {
        self.inner().draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Err> {
        self.inner().draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Err> {
        self.inner().fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Err> {
        self.inner().blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), Err> {
        let font = match FONT.as_ref() {
            Some(f) if style.family().as_str() == FONT_FAMILY => f,
            _ => return self.inner().draw_text(text, style, pos),
        };
        if !matches!(style.style(), FontStyle::Normal) {
            return self.inner().draw_text(text, style, pos);
        }
        // plotters_backend::DrawingBackend::draw_text, with the glyphs from the cache
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.size;
        let size = style.size();
        let rgb = color.rgb;
        let buf = &mut *self.buf;
        // plotters' ab_glyph font: the pen advances in f32 and each glyph is placed at the
        // pen position truncated to a whole pixel
        let scaled = font.as_scaled(size as f32);
        GLYPHS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() > GLYPH_CACHE_CAP {
                cache.clear();
            }
            let mut pen = 0f32;
            let mut prev: Option<ab_glyph::GlyphId> = None;
            for c in text.chars() {
                let glyph = cache
                    .entry((c, size.to_bits()))
                    .or_insert_with(|| rasterize(font, c, size));
                if let Some(p) = prev {
                    pen += scaled.kern(p, glyph.id);
                }
                prev = Some(glyph.id);
                let gx = pen as i32;
                for &(x, y, a) in &glyph.pixels {
                    let (x, y) = trans.transform(x + gx + dx - min_x, y + dy - min_y);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x < 0 || x >= w as i32 || y < 0 || y >= h as i32 {
                        continue;
                    }
                    // BitMapBackend::draw_pixel of the colour mixed with the coverage
                    let alpha = color.alpha * f64::from(a);
                    let base = (y as usize * w as usize + x as usize) * 3;
                    let px = &mut buf[base..base + 3];
                    if alpha >= 1.0 - 1.0 / 256.0 {
                        px.copy_from_slice(&[rgb.0, rgb.1, rgb.2]);
                    } else if alpha > 0.0 {
                        let a = (alpha * 256.0).floor() as u64;
                        blend(&mut px[0], rgb.0, a);
                        blend(&mut px[1], rgb.1, a);
                        blend(&mut px[2], rgb.2, a);
                    }
                }
                pen += glyph.advance;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use crate::figures::heatmap::{DoseAxis, SynergyHeatmap};
    use crate::figures::{Figure, ensure_font, render_rgb};

    /// The figure drawn by plotters' own bitmap backend.
    fn plain_pixels<F: Figure>(fig: &F) -> Vec<u8> {
        ensure_font();
        let (w, h) = fig.size();
        let mut buf = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            fig.draw(&root).unwrap();
            root.present().unwrap();
        }
        buf
    }

    /// The figure as the PNG path draws it (`render_rgb`: this module's cached-text backend).
    fn cached_pixels<F: Figure>(fig: &F) -> Vec<u8> {
        render_rgb(fig).unwrap()
    }

    fn heatmap(shift: f64) -> SynergyHeatmap {
        let axis = |drug: &str, n: usize| DoseAxis {
            drug: drug.into(),
            unit: "µM".into(),
            doses: (0..n).map(|i| i as f64 * 0.37).collect(),
        };
        let scores = (0..5)
            .map(|i| {
                (0..7)
                    .map(|j| {
                        (i != 2 || j != 3).then_some(f64::from(i * 7 + j) * 1.7 - 20.0 + shift)
                    })
                    .collect()
            })
            .collect();
        let mut h = SynergyHeatmap::new(
            "AVg × WAT: kerning, rotated text",
            "ZIP δ",
            axis("Ibrutinib", 5),
            axis("Venetoclax", 7),
            scores,
        );
        h.block_mean = Some(-3.25 + shift);
        h
    }

    #[test]
    fn cached_glyphs_draw_the_same_pixels_as_plotters() {
        // twice, so the second figure is drawn from the cache filled by the first
        for shift in [0.0, 0.5] {
            let h = heatmap(shift);
            let plain = plain_pixels(&h);
            assert_eq!(cached_pixels(&h), plain, "heatmap {shift}");
            assert!(plain.iter().any(|&b| b != 255), "something was drawn");
        }
        let mut curve = crate::figures::DoseResponsePlot::new("Ibrutinib", "nM", "viability (%)");
        curve.series.push(crate::figures::CurveSeries::new(
            "alone",
            vec![(0.0, 101.0), (0.1, 97.0), (1.0, 62.5), (10.0, 12.0)],
        ));
        assert_eq!(cached_pixels(&curve), plain_pixels(&curve));
        let mut map = crate::figures::PlateMap::new(
            "plate 1 — viability",
            "viability (%)",
            8,
            12,
            (0..96)
                .map(|i| (i % 5 != 0).then_some(f64::from(i) * 1.1))
                .collect(),
        );
        map.excluded = vec![(1, 2), (7, 11)];
        assert_eq!(cached_pixels(&map), plain_pixels(&map));
    }
}
