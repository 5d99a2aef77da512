//! Dose-response curves on a log10 dose axis.

use std::fmt;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colors::SERIES;
use super::{Figure, draw_err, font};
use crate::error::ReportError;
use crate::fmt::format_float_display;

/// The x axis in log10-dose units with fixed tick positions (decades and the dose-0 slot).
#[derive(Clone)]
struct LogDoseRange {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for LogDoseRange {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(v, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Number of points a [`FittedCurve::Function`] is sampled at (evenly in log10 dose).
pub const CURVE_SAMPLES: usize = 200;

/// The fitted curve of one series.
pub enum FittedCurve {
    /// response = f(dose), dose in the plot's unit; sampled at [`CURVE_SAMPLES`] log-spaced
    /// doses over the positive dose range of the series. Non-finite outputs are skipped.
    Function(Box<dyn Fn(f64) -> f64 + Send + Sync>),
    /// Pre-sampled (dose, response) points, drawn joined in the given order; points with a
    /// dose ≤ 0 are skipped (they have no place on a log axis).
    Sampled(Vec<(f64, f64)>),
}

impl fmt::Debug for FittedCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Function(_) => f.write_str("FittedCurve::Function(..)"),
            Self::Sampled(p) => f.debug_tuple("FittedCurve::Sampled").field(p).finish(),
        }
    }
}

/// A confidence band around a fitted curve: `lower[i] <= upper[i]` at `doses[i]` (> 0).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfidenceBand {
    /// Doses (plot unit, > 0), ascending.
    pub doses: Vec<f64>,
    /// Lower limits of the response.
    pub lower: Vec<f64>,
    /// Upper limits of the response.
    pub upper: Vec<f64>,
}

/// One drug (or condition) on a dose-response figure.
#[derive(Debug)]
pub struct CurveSeries {
    /// Legend label.
    pub name: String,
    /// Observed (dose, response) points, replicates as repeated doses. Dose 0 is drawn at a
    /// separate position left of the lowest positive dose, labelled "0".
    pub points: Vec<(f64, f64)>,
    /// The fitted curve, if any.
    pub fitted: Option<FittedCurve>,
    /// Confidence band, if any.
    pub band: Option<ConfidenceBand>,
    /// IC50 in the plot's dose unit; drawn as a dashed vertical line with a label.
    pub ic50: Option<f64>,
}

impl CurveSeries {
    /// A series with observed points only.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            fitted: None,
            band: None,
            ic50: None,
        }
    }
}

/// A dose-response figure with one or more series and a legend.
#[derive(Debug)]
pub struct DoseResponsePlot {
    /// Title.
    pub title: String,
    /// Dose unit for the axis title and the IC50 labels, e.g. `"µM"`.
    pub dose_unit: String,
    /// Response axis title, e.g. `"Viability (%)"`.
    pub response_label: String,
    /// The series, drawn in order with the Tableau-10 colours.
    pub series: Vec<CurveSeries>,
    /// Fixed response range; `None` = data range plus 6 % padding.
    pub y_range: Option<(f64, f64)>,
    /// Canvas size in pixels.
    pub size: (u32, u32),
}

impl DoseResponsePlot {
    /// An empty figure (900 × 600) to which series are pushed.
    pub fn new(
        title: impl Into<String>,
        dose_unit: impl Into<String>,
        response_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            dose_unit: dose_unit.into(),
            response_label: response_label.into(),
            series: Vec::new(),
            y_range: None,
            size: (900, 600),
        }
    }

    /// "IC50 = 0.2 µM".
    fn ic50_label(&self, ic: f64) -> String {
        if self.dose_unit.is_empty() {
            format!("IC50 = {}", format_float_display(ic, 3))
        } else {
            format!("IC50 = {} {}", format_float_display(ic, 3), self.dose_unit)
        }
    }

    /// Legend text: the name, plus the IC50 when there is one.
    fn legend_label(&self, s: &CurveSeries) -> String {
        match s.ic50.filter(|d| *d > 0.0 && d.is_finite()) {
            Some(ic) => format!("{} ({})", s.name, self.ic50_label(ic)),
            None => s.name.clone(),
        }
    }

    fn bad(&self, message: String) -> ReportError {
        ReportError::FigureData {
            figure: self.title.clone(),
            message,
        }
    }

    /// The x layout: (lowest log10 dose, highest log10 dose, position of dose 0 if any).
    fn x_layout(&self) -> Result<(f64, f64, Option<f64>), ReportError> {
        let mut pos = Vec::new();
        let mut has_zero = false;
        for s in &self.series {
            for &(d, _) in &s.points {
                if d < 0.0 || d.is_nan() {
                    return Err(self.bad(format!("series `{}`: negative or NaN dose {d}", s.name)));
                }
                if d == 0.0 {
                    has_zero = true;
                } else if d.is_finite() {
                    pos.push(d);
                }
            }
            if let Some(FittedCurve::Sampled(p)) = &s.fitted {
                pos.extend(p.iter().map(|x| x.0).filter(|d| *d > 0.0 && d.is_finite()));
            }
            if let Some(b) = &s.band {
                if b.lower.len() != b.doses.len() || b.upper.len() != b.doses.len() {
                    return Err(self.bad(format!(
                        "series `{}`: confidence band has {} doses but {} lower and {} upper limits",
                        s.name,
                        b.doses.len(),
                        b.lower.len(),
                        b.upper.len()
                    )));
                }
                pos.extend(
                    b.doses
                        .iter()
                        .copied()
                        .filter(|d| *d > 0.0 && d.is_finite()),
                );
            }
            if let Some(ic) = s.ic50.filter(|d| *d > 0.0 && d.is_finite()) {
                pos.push(ic);
            }
        }
        if pos.is_empty() {
            return Err(self.bad("no positive dose to place on the log10 axis".to_string()));
        }
        let lo = pos.iter().copied().fold(f64::INFINITY, f64::min).log10();
        let hi = pos
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            .log10();
        let (lo, hi) = if hi - lo < 1e-9 {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        };
        let zero = has_zero.then(|| lo - ((hi - lo) * 0.15).max(0.8));
        Ok((lo, hi, zero))
    }

    /// Log10-dose key points (tick positions): decades in range, plus 2× and 5× when the range
    /// spans fewer than three decades, plus the zero position.
    fn key_points(xlo: f64, xhi: f64, data_lo: f64, zero: Option<f64>) -> Vec<f64> {
        let start = data_lo - 0.25;
        let mut kp: Vec<f64> = (start.ceil() as i32..=xhi.floor() as i32)
            .map(f64::from)
            .collect();
        if kp.len() < 3 {
            let mut extra = Vec::new();
            for k in (start.floor() as i32)..=(xhi.ceil() as i32) {
                for m in [2.0_f64, 5.0] {
                    let v = f64::from(k) + m.log10();
                    if v >= start && v <= xhi {
                        extra.push(v);
                    }
                }
            }
            kp.extend(extra);
            kp.sort_by(f64::total_cmp);
        }
        kp.retain(|v| *v >= xlo && *v <= xhi);
        if let Some(z) = zero {
            kp.insert(0, z);
        }
        kp
    }

    fn sampled(s: &CurveSeries, lo: f64, hi: f64) -> Vec<(f64, f64)> {
        match &s.fitted {
            None => Vec::new(),
            Some(FittedCurve::Sampled(p)) => p
                .iter()
                .filter(|(d, r)| *d > 0.0 && d.is_finite() && r.is_finite())
                .map(|(d, r)| (d.log10(), *r))
                .collect(),
            Some(FittedCurve::Function(f)) => {
                // Sample over this series' positive observed doses, else over the whole axis.
                let doses: Vec<f64> = s
                    .points
                    .iter()
                    .map(|p| p.0)
                    .filter(|d| *d > 0.0 && d.is_finite())
                    .collect();
                let (a, b) = if doses.is_empty() {
                    (lo, hi)
                } else {
                    (
                        doses.iter().copied().fold(f64::INFINITY, f64::min).log10(),
                        doses
                            .iter()
                            .copied()
                            .fold(f64::NEG_INFINITY, f64::max)
                            .log10(),
                    )
                };
                let (a, b) = if b - a < 1e-9 {
                    (a - 0.5, b + 0.5)
                } else {
                    (a, b)
                };
                (0..CURVE_SAMPLES)
                    .map(|i| a + (b - a) * i as f64 / (CURVE_SAMPLES - 1) as f64)
                    .map(|x| (x, f(10f64.powf(x))))
                    .filter(|(_, y)| y.is_finite())
                    .collect()
            }
        }
    }
}

impl Figure for DoseResponsePlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn name(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ReportError> {
        let name = self.name();
        if self.series.is_empty() {
            return Err(self.bad("no series to draw".to_string()));
        }
        let (lo, hi, zero) = self.x_layout()?;
        let xlo = zero.unwrap_or(lo) - 0.3;
        let xhi = hi + 0.3;
        let curves: Vec<Vec<(f64, f64)>> = self
            .series
            .iter()
            .map(|s| Self::sampled(s, lo, hi))
            .collect();

        let (ylo, yhi) = if let Some(r) = self.y_range {
            r
        } else {
            let mut ys: Vec<f64> = Vec::new();
            for (s, c) in self.series.iter().zip(&curves) {
                ys.extend(s.points.iter().map(|p| p.1));
                ys.extend(c.iter().map(|p| p.1));
                if let Some(b) = &s.band {
                    ys.extend(b.lower.iter().chain(&b.upper).copied());
                }
            }
            ys.retain(|y| y.is_finite());
            if ys.is_empty() {
                return Err(self.bad("no finite response to draw".to_string()));
            }
            let mn = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let mx = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let pad = ((mx - mn) * 0.06).max(1e-9);
            (mn - pad, mx + pad)
        };

        root.fill(&WHITE).map_err(draw_err(name))?;
        let kp = Self::key_points(xlo, xhi, lo, zero);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, font(22.0))
            .margin(18)
            .x_label_area_size(62)
            .y_label_area_size(76)
            .build_cartesian_2d(
                LogDoseRange {
                    lo: xlo,
                    hi: xhi,
                    ticks: kp,
                },
                ylo..yhi,
            )
            .map_err(draw_err(name))?;
        let fmt_x = |v: &f64| {
            if zero.is_some_and(|z| (v - z).abs() < 1e-9) {
                "0".to_string()
            } else {
                format_float_display(10f64.powf(*v), 3)
            }
        };
        let x_desc = if self.dose_unit.is_empty() {
            "Dose (log scale)".to_string()
        } else {
            format!("Dose ({}, log scale)", self.dose_unit)
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(&self.response_label)
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&|v: &f64| format_float_display(*v, 3))
            .y_labels(8)
            .label_style(font(15.0))
            .axis_desc_style(font(17.0))
            .bold_line_style(RGBColor(225, 225, 225).stroke_width(1))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(draw_err(name))?;

        // Axis break between the zero position and the first positive dose.
        if let Some(z) = zero {
            let xb = f64::midpoint(z, lo);
            let (px, py) = chart.backend_coord(&(xb, ylo));
            for dx in [-4, 3] {
                root.draw(&PathElement::new(
                    vec![(px + dx - 4, py + 7), (px + dx + 4, py - 7)],
                    BLACK.stroke_width(2),
                ))
                .map_err(draw_err(name))?;
            }
        }

        for (k, (s, curve)) in self.series.iter().zip(&curves).enumerate() {
            let c = SERIES[k % SERIES.len()];
            if let Some(b) = &s.band {
                let mut poly: Vec<(f64, f64)> = Vec::new();
                for (d, u) in b.doses.iter().zip(&b.upper) {
                    if *d > 0.0 && u.is_finite() {
                        poly.push((d.log10(), *u));
                    }
                }
                for (d, l) in b.doses.iter().zip(&b.lower).rev() {
                    if *d > 0.0 && l.is_finite() {
                        poly.push((d.log10(), *l));
                    }
                }
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
                    .map_err(draw_err(name))?;
            }
            let legend_color = c;
            if curve.is_empty() {
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                    .map_err(draw_err(name))?
                    .label(self.legend_label(s))
                    .legend(move |(x, y)| Circle::new((x + 10, y), 4, legend_color.filled()));
            } else {
                chart
                    .draw_series(LineSeries::new(curve.iter().copied(), c.stroke_width(2)))
                    .map_err(draw_err(name))?
                    .label(self.legend_label(s))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], legend_color.stroke_width(2))
                    });
            }
            let pts = s
                .points
                .iter()
                .filter(|(d, r)| d.is_finite() && r.is_finite())
                .map(|&(d, r)| {
                    let x = if d == 0.0 {
                        zero.unwrap_or(lo)
                    } else {
                        d.log10()
                    };
                    Circle::new((x, r), 4, c.mix(0.85).filled())
                });
            chart.draw_series(pts).map_err(draw_err(name))?;
        }
        // IC50 lines and labels last, so nothing is drawn over them.
        for (k, s) in self.series.iter().enumerate() {
            let c = SERIES[k % SERIES.len()];
            if let Some(ic) = s.ic50.filter(|d| *d > 0.0 && d.is_finite()) {
                let x = ic.log10();
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x, ylo), (x, yhi)],
                        6,
                        4,
                        c.stroke_width(1),
                    ))
                    .map_err(draw_err(name))?;
                // Label along the line, reading upwards from the x axis, left of the line: for
                // a falling curve that corner (low dose, low response) is empty.
                let (px, py) = chart.backend_coord(&(x, ylo));
                let style = font(13.0)
                    .transform(FontTransform::Rotate270)
                    .color(&c)
                    .pos(Pos::new(HPos::Left, VPos::Bottom));
                let label = self.ic50_label(ic);
                let (tw, th) = root
                    .estimate_text_size(&label, &font(13.0))
                    .map_err(draw_err(name))?;
                let (tw, th) = (tw as i32, th as i32);
                // A light backing box keeps the label legible over points and curves.
                root.draw(&Rectangle::new(
                    [(px - 5 - th, py - 8 - tw), (px - 2, py - 4)],
                    WHITE.mix(0.8).filled(),
                ))
                .map_err(draw_err(name))?;
                root.draw(&Text::new(label, (px - 3, py - 6), style))
                    .map_err(draw_err(name))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(12)
            .label_font(font(15.0))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(draw_err(name))?;
        Ok(())
    }
}
