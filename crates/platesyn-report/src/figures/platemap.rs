//! Plate map: one coloured cell per well, row letters and column numbers.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::colors::{MISSING, sequential};
use super::{Figure, draw_colorbar, draw_err, nice_ticks, put_text, put_text_vertical};
use crate::error::ReportError;
use crate::fmt::format_float_display;

/// Row label for 0-based row `i`: A..Z, then AA, AB, ... (1536-well plates have rows A..AF).
pub fn row_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// A plate drawn as a grid of wells coloured by value (viridis, low = dark purple).
#[derive(Debug, Clone, PartialEq)]
pub struct PlateMap {
    /// Title.
    pub title: String,
    /// Name (and unit) of the value, shown beside the colour bar, e.g. `"Signal (RLU)"`.
    pub value_label: String,
    /// Number of rows (8 for 96-well, 16 for 384, 32 for 1536).
    pub rows: usize,
    /// Number of columns (12, 24, 48).
    pub cols: usize,
    /// Values row-major: well (r, c) is `values[r * cols + c]`; `None` = no value (grey).
    pub values: Vec<Option<f64>>,
    /// Excluded wells as 0-based (row, col); drawn with a cross over their colour.
    pub excluded: Vec<(usize, usize)>,
    /// Fixed colour range (low, high); `None` = min and max of the finite values.
    pub range: Option<(f64, f64)>,
    /// Canvas size in pixels.
    pub size: (u32, u32),
}

impl PlateMap {
    /// A plate map with automatic range, no exclusions and a canvas sized for the plate.
    pub fn new(
        title: impl Into<String>,
        value_label: impl Into<String>,
        rows: usize,
        cols: usize,
        values: Vec<Option<f64>>,
    ) -> Self {
        let size = if cols > 24 { (1400, 900) } else { (960, 640) };
        Self {
            title: title.into(),
            value_label: value_label.into(),
            rows,
            cols,
            values,
            excluded: Vec::new(),
            range: None,
            size,
        }
    }

    /// The colour range actually used (low, high).
    pub fn color_range(&self) -> (f64, f64) {
        if let Some(r) = self.range {
            return r;
        }
        let finite = self
            .values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
    }

    fn check(&self) -> Result<(), ReportError> {
        let bad = |message: String| {
            Err(ReportError::FigureData {
                figure: self.title.clone(),
                message,
            })
        };
        if self.rows == 0 || self.cols == 0 {
            return bad(format!(
                "plate has {} rows × {} columns",
                self.rows, self.cols
            ));
        }
        if self.values.len() != self.rows * self.cols {
            return bad(format!(
                "expected {} values ({} rows × {} columns), got {}",
                self.rows * self.cols,
                self.rows,
                self.cols,
                self.values.len()
            ));
        }
        if let Some(&(r, c)) = self
            .excluded
            .iter()
            .find(|(r, c)| *r >= self.rows || *c >= self.cols)
        {
            return bad(format!(
                "excluded well (row {r}, column {c}) is outside the plate"
            ));
        }
        Ok(())
    }
}

impl Figure for PlateMap {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn name(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ReportError> {
        self.check()?;
        let name = self.name();
        root.fill(&WHITE).map_err(draw_err(name))?;
        let (w, h) = (self.size.0 as i32, self.size.1 as i32);
        let (rows, cols) = (self.rows as i32, self.cols as i32);
        let top = 84;
        let left = 56;
        let right = 160;
        let bottom = 56;
        let cell = ((w - left - right) / cols)
            .min((h - top - bottom) / rows)
            .max(2);
        let grid_w = cell * cols;
        let grid_h = cell * rows;
        // Centre the grid horizontally in the space left of the colour bar.
        let x0 = left + (w - left - right - grid_w) / 2;
        let y0 = top;
        let label_size = (f64::from(cell) * 0.5).clamp(7.0, 16.0);

        put_text(
            root,
            name,
            &self.title,
            (w / 2, 16),
            22.0,
            BLACK,
            (HPos::Center, VPos::Top),
        )?;

        let (lo, hi) = self.color_range();
        let gap = if cell >= 12 { 2 } else { 1 };
        for r in 0..rows {
            for c in 0..cols {
                let v = self.values[(r * cols + c) as usize];
                let fill = match v {
                    Some(x) if x.is_finite() => sequential(x, lo, hi),
                    _ => MISSING,
                };
                let xa = x0 + c * cell;
                let ya = y0 + r * cell;
                root.draw(&Rectangle::new(
                    [
                        (xa + gap / 2, ya + gap / 2),
                        (xa + cell - (gap + 1) / 2, ya + cell - (gap + 1) / 2),
                    ],
                    fill.filled(),
                ))
                .map_err(draw_err(name))?;
            }
        }
        let cross = RGBColor(220, 20, 60).stroke_width(if cell >= 20 { 3 } else { 2 });
        for &(r, c) in &self.excluded {
            let m = (cell / 5).max(1);
            let xa = x0 + c as i32 * cell + m;
            let ya = y0 + r as i32 * cell + m;
            let xb = x0 + (c as i32 + 1) * cell - m;
            let yb = y0 + (r as i32 + 1) * cell - m;
            root.draw(&PathElement::new(vec![(xa, ya), (xb, yb)], cross))
                .map_err(draw_err(name))?;
            root.draw(&PathElement::new(vec![(xa, yb), (xb, ya)], cross))
                .map_err(draw_err(name))?;
        }
        // Labels: letters left, numbers on top (as printed on plates). Every label when they
        // fit, otherwise every second one.
        let every = if cell >= 14 { 1 } else { 2 };
        for r in (0..rows).step_by(every) {
            put_text(
                root,
                name,
                &row_letter(r as usize),
                (x0 - 8, y0 + r * cell + cell / 2),
                label_size,
                BLACK,
                (HPos::Right, VPos::Center),
            )?;
        }
        for c in (0..cols).step_by(every) {
            put_text(
                root,
                name,
                &(c + 1).to_string(),
                (x0 + c * cell + cell / 2, y0 - 6),
                label_size,
                BLACK,
                (HPos::Center, VPos::Bottom),
            )?;
        }
        // Key for missing and excluded wells under the grid.
        let ky = y0 + grid_h + 22;
        root.draw(&Rectangle::new(
            [(x0, ky - 7), (x0 + 14, ky + 7)],
            MISSING.filled(),
        ))
        .map_err(draw_err(name))?;
        put_text(
            root,
            name,
            "no value",
            (x0 + 20, ky),
            14.0,
            BLACK,
            (HPos::Left, VPos::Center),
        )?;
        let kx = x0 + 120;
        root.draw(&PathElement::new(
            vec![(kx, ky - 7), (kx + 14, ky + 7)],
            cross,
        ))
        .map_err(draw_err(name))?;
        root.draw(&PathElement::new(
            vec![(kx, ky + 7), (kx + 14, ky - 7)],
            cross,
        ))
        .map_err(draw_err(name))?;
        put_text(
            root,
            name,
            "excluded",
            (kx + 20, ky),
            14.0,
            BLACK,
            (HPos::Left, VPos::Center),
        )?;

        // Colour bar.
        let bar_x = x0 + grid_w + 40;
        let ticks: Vec<(f64, String)> = if hi > lo {
            nice_ticks(lo, hi, 5)
                .into_iter()
                .map(|v| ((v - lo) / (hi - lo), format_float_display(v, 4)))
                .collect()
        } else {
            vec![(0.5, format_float_display(lo, 4))]
        };
        draw_colorbar(
            root,
            name,
            (bar_x, y0, 22, grid_h),
            &|t| sequential(lo + t * (hi - lo), lo, hi),
            &ticks,
            13.0,
        )?;
        put_text_vertical(
            root,
            name,
            &self.value_label,
            (w - 18, y0 + grid_h / 2),
            15.0,
            BLACK,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_letters() {
        assert_eq!(row_letter(0), "A");
        assert_eq!(row_letter(7), "H");
        assert_eq!(row_letter(25), "Z");
        assert_eq!(row_letter(26), "AA");
        assert_eq!(row_letter(31), "AF");
    }
}
