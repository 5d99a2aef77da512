//! Synergy heatmap: one cell per (drug A dose, drug B dose), score written in the cell.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::colors::{MISSING, diverging, text_on};
use super::{Figure, draw_colorbar, draw_err, put_text, put_text_vertical, text_width};
use crate::error::ReportError;
use crate::fmt::format_float_display;

/// One dose axis of a combination matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseAxis {
    /// Drug name, e.g. `"Ibrutinib"`.
    pub drug: String,
    /// Concentration unit, e.g. `"µM"` or `"nM"`.
    pub unit: String,
    /// Doses in `unit`, in matrix order (ascending usually; 0 allowed).
    pub doses: Vec<f64>,
}

impl DoseAxis {
    /// Axis title: `"Drug (unit)"`.
    pub fn title(&self) -> String {
        if self.unit.is_empty() {
            self.drug.clone()
        } else {
            format!("{} ({})", self.drug, self.unit)
        }
    }

    /// Tick labels: the doses to 3 significant digits.
    pub fn labels(&self) -> Vec<String> {
        self.doses
            .iter()
            .map(|d| format_float_display(*d, 3))
            .collect()
    }
}

/// A synergy score matrix drawn as a heatmap.
///
/// `scores[i][j]` is the score at drug A (row) dose `rows.doses[i]` and drug B (column) dose
/// `cols.doses[j]`; `None` is a missing cell (grey, "NA"). Row 0 is drawn at the BOTTOM so drug A
/// dose increases upwards; column 0 is on the left.
///
/// Sign convention: positive = synergy (red), negative = antagonism (blue); the colour scale is
/// symmetric, `[-limit, limit]`, with `limit = color_limit` or else the largest |score| rounded
/// up to a round step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k).
#[derive(Debug, Clone, PartialEq)]
pub struct SynergyHeatmap {
    /// Title, e.g. `"Ibrutinib × Venetoclax — block 3"`.
    pub title: String,
    /// Score name for the colour bar and mean, e.g. `"ZIP δ"` or `"Bliss excess (%)"`.
    pub score_name: String,
    /// Drug A: the rows (vertical axis).
    pub rows: DoseAxis,
    /// Drug B: the columns (horizontal axis).
    pub cols: DoseAxis,
    /// Scores, `rows.doses.len()` rows × `cols.doses.len()` columns.
    pub scores: Vec<Vec<Option<f64>>>,
    /// Block mean shown under the title (computed by the caller with its own convention, e.g.
    /// excluding the zero-dose row and column); `None` hides it.
    pub block_mean: Option<f64>,
    /// Fixed half-range of the colour scale; `None` = automatic.
    pub color_limit: Option<f64>,
    /// Canvas size in pixels.
    pub size: (u32, u32),
}

impl SynergyHeatmap {
    /// A heatmap with automatic colour range, no block mean and a 900 × 720 canvas.
    pub fn new(
        title: impl Into<String>,
        score_name: impl Into<String>,
        rows: DoseAxis,
        cols: DoseAxis,
        scores: Vec<Vec<Option<f64>>>,
    ) -> Self {
        Self {
            title: title.into(),
            score_name: score_name.into(),
            rows,
            cols,
            scores,
            block_mean: None,
            color_limit: None,
            size: (900, 720),
        }
    }

    /// The half-range of the colour scale actually used.
    pub fn limit(&self) -> f64 {
        if let Some(l) = self.color_limit.filter(|l| *l > 0.0 && l.is_finite()) {
            return l;
        }
        let max = self
            .scores
            .iter()
            .flatten()
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        nice_ceil(max)
    }

    fn check(&self) -> Result<(), ReportError> {
        let bad = |message: String| {
            Err(ReportError::FigureData {
                figure: self.title.clone(),
                message,
            })
        };
        if self.scores.len() != self.rows.doses.len() {
            return bad(format!(
                "expected {} score rows (one per {} dose), got {}",
                self.rows.doses.len(),
                self.rows.drug,
                self.scores.len()
            ));
        }
        for (i, r) in self.scores.iter().enumerate() {
            if r.len() != self.cols.doses.len() {
                return bad(format!(
                    "score row {i}: expected {} values (one per {} dose), got {}",
                    self.cols.doses.len(),
                    self.cols.drug,
                    r.len()
                ));
            }
        }
        if self.scores.is_empty() || self.cols.doses.is_empty() {
            return bad("the score matrix is empty".to_string());
        }
        Ok(())
    }
}

/// Smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is ≥ `x` (1 for `x <= 0`).
pub(crate) fn nice_ceil(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= x * (1.0 - 1e-12) {
            return m * p;
        }
    }
    10.0 * p
}

impl Figure for SynergyHeatmap {
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
        let n_rows = self.scores.len() as i32;
        let n_cols = self.cols.doses.len() as i32;
        let row_labels = self.rows.labels();
        let col_labels = self.cols.labels();

        let tick_size = 17.0;
        let widest_row_label = row_labels
            .iter()
            .map(|l| text_width(root, l, tick_size))
            .max()
            .unwrap_or(0) as i32;
        let top = if self.block_mean.is_some() { 84 } else { 60 };
        let left = 40 + widest_row_label + 16;
        let bottom = 80;
        let right = 150;
        let plot_w = w - left - right;
        let plot_h = h - top - bottom;
        let cell_w = plot_w / n_cols;
        let cell_h = plot_h / n_rows;
        let grid_w = cell_w * n_cols;
        let grid_h = cell_h * n_rows;
        let x0 = left;
        let y0 = top;

        // Title and subtitle.
        put_text(
            root,
            name,
            &self.title,
            (w / 2, 14),
            22.0,
            BLACK,
            (HPos::Center, VPos::Top),
        )?;
        if let Some(mean) = self.block_mean {
            let sub = format!(
                "block mean {}: {}",
                self.score_name,
                format_float_display(mean, 3)
            );
            put_text(
                root,
                name,
                &sub,
                (w / 2, 46),
                16.0,
                RGBColor(60, 60, 60),
                (HPos::Center, VPos::Top),
            )?;
        }

        let limit = self.limit();
        let cell_font = (f64::from(cell_w) / 4.5)
            .min(f64::from(cell_h) / 2.6)
            .clamp(8.0, 20.0);
        for (i, row) in self.scores.iter().enumerate() {
            let yb = y0 + grid_h - i as i32 * cell_h;
            let ya = yb - cell_h;
            for (j, v) in row.iter().enumerate() {
                let xa = x0 + j as i32 * cell_w;
                let xb = xa + cell_w;
                let (fill, label) = match v {
                    Some(s) if s.is_finite() => (diverging(*s, limit), format_float_display(*s, 3)),
                    Some(s) => (MISSING, format_float_display(*s, 3)),
                    None => (MISSING, "NA".to_string()),
                };
                root.draw(&Rectangle::new([(xa, ya), (xb, yb)], fill.filled()))
                    .map_err(draw_err(name))?;
                put_text(
                    root,
                    name,
                    &label,
                    ((xa + xb) / 2, (ya + yb) / 2),
                    cell_font,
                    text_on(fill),
                    (HPos::Center, VPos::Center),
                )?;
            }
        }
        // Cell separators and frame.
        let grid_line = RGBColor(255, 255, 255).stroke_width(1);
        for j in 1..n_cols {
            let x = x0 + j * cell_w;
            root.draw(&PathElement::new(
                vec![(x, y0), (x, y0 + grid_h)],
                grid_line,
            ))
            .map_err(draw_err(name))?;
        }
        for i in 1..n_rows {
            let y = y0 + i * cell_h;
            root.draw(&PathElement::new(
                vec![(x0, y), (x0 + grid_w, y)],
                grid_line,
            ))
            .map_err(draw_err(name))?;
        }
        let frame = vec![
            (x0, y0),
            (x0 + grid_w, y0),
            (x0 + grid_w, y0 + grid_h),
            (x0, y0 + grid_h),
            (x0, y0),
        ];
        root.draw(&PathElement::new(
            frame,
            RGBColor(90, 90, 90).stroke_width(1),
        ))
        .map_err(draw_err(name))?;

        // Tick labels.
        for (i, l) in row_labels.iter().enumerate() {
            let y = y0 + grid_h - i as i32 * cell_h - cell_h / 2;
            put_text(
                root,
                name,
                l,
                (x0 - 8, y),
                tick_size,
                BLACK,
                (HPos::Right, VPos::Center),
            )?;
        }
        // Shrink the column labels when the widest would not fit its cell.
        let widest_col_label = col_labels
            .iter()
            .map(|l| text_width(root, l, tick_size))
            .max()
            .unwrap_or(0);
        let col_tick_size = if widest_col_label as i32 > cell_w - 6 && widest_col_label > 0 {
            (tick_size * f64::from(cell_w - 6) / f64::from(widest_col_label)).max(8.0)
        } else {
            tick_size
        };
        for (j, l) in col_labels.iter().enumerate() {
            let x = x0 + j as i32 * cell_w + cell_w / 2;
            put_text(
                root,
                name,
                l,
                (x, y0 + grid_h + 8),
                col_tick_size,
                BLACK,
                (HPos::Center, VPos::Top),
            )?;
        }
        // Axis titles.
        put_text(
            root,
            name,
            &self.cols.title(),
            (x0 + grid_w / 2, y0 + grid_h + 40),
            17.0,
            BLACK,
            (HPos::Center, VPos::Top),
        )?;
        put_text_vertical(
            root,
            name,
            &self.rows.title(),
            (22, y0 + grid_h / 2),
            17.0,
            BLACK,
        )?;

        // Colour bar.
        let bar_x = x0 + grid_w + 36;
        let bar_y = y0 + 24;
        let bar_h = grid_h - 48;
        let ticks: Vec<(f64, String)> = [-1.0, -0.5, 0.0, 0.5, 1.0]
            .iter()
            .map(|f| ((f + 1.0) / 2.0, format_float_display(f * limit, 3)))
            .collect();
        draw_colorbar(
            root,
            name,
            (bar_x, bar_y, 22, bar_h),
            &|t| diverging((2.0 * t - 1.0) * limit, limit),
            &ticks,
            13.0,
        )?;
        put_text(
            root,
            name,
            "synergy",
            (bar_x + 11, bar_y - 6),
            13.0,
            RGBColor(178, 24, 43),
            (HPos::Center, VPos::Bottom),
        )?;
        put_text(
            root,
            name,
            "antagonism",
            (bar_x + 11, bar_y + bar_h + 6),
            13.0,
            RGBColor(33, 102, 172),
            (HPos::Center, VPos::Top),
        )?;
        put_text_vertical(
            root,
            name,
            &self.score_name,
            (w - 16, bar_y + bar_h / 2),
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
    fn nice_ceil_steps() {
        assert_eq!(nice_ceil(7.3), 8.0);
        assert_eq!(nice_ceil(12.0), 15.0);
        assert_eq!(nice_ceil(28.3), 30.0);
        assert_eq!(nice_ceil(0.21), 0.25);
        assert_eq!(nice_ceil(5.0), 5.0);
        assert_eq!(nice_ceil(0.0), 1.0);
    }
}
