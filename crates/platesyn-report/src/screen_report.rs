//! Turning [`ScreenResults`] into the tables, figures and HTML report of `platesyn analyze`.
//!
//! Everything here builds values in memory (tables, figure bytes, HTML text); writing is
//! [`write_all`]'s job, through [`OutputGuard`] (atomic, never over an input).

use std::path::{Path, PathBuf};

use platesyn_dose::fit::t_quantile;
use platesyn_dose::{CurveFit, FIT_COLUMNS, FitStatus};
use platesyn_synergy::{CELL_COLUMNS, Model, SUMMARY_COLUMNS, cell_rows, summarize, summary_rows};
use rayon::prelude::*;

use crate::error::ReportError;
use crate::figures::{
    ConfidenceBand, CurveSeries, DoseAxis, DoseResponsePlot, Figure, FittedCurve, PlateMap,
    SynergyHeatmap,
};
use crate::html::{HtmlReport, Section};
use crate::output::OutputGuard;
use crate::screen::{BlockResult, CurveResult, PlateResult, ScreenResults, fmt_dose};
use crate::table::{ColumnData, DictColumn, Table};

/// Which figure files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FigureFormats {
    /// Write PNG files.
    pub png: bool,
    /// Write SVG files.
    pub svg: bool,
}

/// Rows of a table shown in `report.html`; longer tables are cut there (never in the files).
pub const REPORT_MAX_TABLE_ROWS: usize = 500;
/// Confidence level of the fitted-curve bands.
pub const BAND_LEVEL: f64 = 0.95;
/// Viability axis of dose-response figures (%): room for noise around 0 and 100.
pub const VIABILITY_AXIS: (f64, f64) = (-10.0, 140.0);
/// Points along a fitted curve's confidence band.
const BAND_POINTS: usize = 60;

/// A table from text records: a column is an integer column when every non-empty cell is a
/// whole number written without a decimal point or exponent (`30`, `-2`), else numeric when
/// every non-empty cell parses as a number, else text. Empty cells are missing values.
pub fn records_table(columns: &[String], records: &[Vec<String>]) -> Result<Table, ReportError> {
    let mut t = Table::new();
    for (j, name) in columns.iter().enumerate() {
        let cells: Vec<Option<&str>> = records
            .iter()
            .map(|r| r.get(j).map(String::as_str).filter(|s| !s.is_empty()))
            .collect();
        let data = typed_column(&cells).unwrap_or_else(|| {
            ColumnData::Str(cells.iter().map(|c| c.map(str::to_owned)).collect())
        });
        t.push(name.clone(), data)?;
    }
    Ok(t)
}

/// [`records_table`] for cells given column by column, each distinct text held once
/// ([`DictColumn`], empty text pushed as missing): a column whose values are all integers or
/// all numbers becomes `I64` / `F64` as in [`records_table`], a text column stays a
/// dictionary (written with the same CSV and Parquet bytes as the plain text column).
pub fn columns_table(columns: &[String], cells: Vec<DictColumn>) -> Result<Table, ReportError> {
    let mut t = Table::new();
    for (name, col) in columns.iter().zip(cells) {
        let views: Vec<Option<&str>> = col.texts().collect();
        let data = typed_column(&views);
        drop(views);
        t.push(name.clone(), data.unwrap_or_else(|| col.finish()))?;
    }
    Ok(t)
}

/// The column type [`records_table`] gives `cells` (empty = missing): all missing -> text of
/// missing values, all integers -> `I64`, all numbers -> `F64`; `None` when it is text.
fn typed_column(cells: &[Option<&str>]) -> Option<ColumnData> {
    if !cells.iter().any(Option::is_some) {
        Some(ColumnData::Str(vec![None; cells.len()]))
    } else if let Some(v) = parse_all::<i64>(cells) {
        Some(ColumnData::I64(v))
    } else {
        parse_all::<f64>(cells).map(ColumnData::F64)
    }
}

/// Every present cell parsed as `T`, or `None` when one does not parse.
fn parse_all<T: std::str::FromStr>(cells: &[Option<&str>]) -> Option<Vec<Option<T>>> {
    cells
        .iter()
        .map(|c| match c {
            None => Some(None),
            Some(s) => s.parse::<T>().ok().map(Some),
        })
        .collect()
}

fn opt_num(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map(crate::fmt::format_float_exact)
        .unwrap_or_default()
}

/// Columns of the `wells` table.
pub const WELL_COLUMNS: [&str; 20] = [
    "file",
    "plate",
    "well",
    "row",
    "col",
    "role",
    "cell_line",
    "drug_a",
    "conc_a",
    "drug_b",
    "conc_b",
    "unit",
    "raw",
    "blank_corrected",
    "viability_pct",
    "inhibition_pct",
    "flag",
    "outlier_z",
    "excluded",
    "exclusion_reason",
];

/// `wells` table of some plates: one row per layout well (and per layout well the export does
/// not hold, excluded as `not_read`). Typed columns: `col` is an integer, doses and values
/// floats (absorbance units; viability and inhibition in %), `excluded` a boolean, the rest
/// text. Built per chunk of plates by `platesyn analyze` and streamed out.
pub fn wells_table(plates: &[PlateResult]) -> Result<Table, ReportError> {
    fn some(s: &str) -> Option<&str> {
        Some(s).filter(|s| !s.is_empty())
    }
    let n: usize = plates
        .iter()
        .map(|p| p.norm.wells.len() + p.norm.not_read.len())
        .sum();
    // text columns as dictionaries (a chunk repeats a few files, wells, roles and drugs);
    // empty text is a missing value
    let mut text: Vec<DictColumn> = (0..11).map(|_| DictColumn::with_capacity(n)).collect();
    let mut num: Vec<Vec<Option<f64>>> = (0..7).map(|_| Vec::with_capacity(n)).collect();
    let mut col: Vec<Option<i64>> = Vec::with_capacity(n);
    let mut excluded: Vec<Option<bool>> = Vec::with_capacity(n);
    let fin = |x: Option<f64>| x.filter(|v| v.is_finite());
    // codes of a well's name and row label, found once per well position
    let mut well_codes: polars::prelude::PlHashMap<platesyn_plate::WellId, [Option<u32>; 2]> =
        polars::prelude::PlHashMap::default();
    let mut well_code = |text: &mut [DictColumn], well: platesyn_plate::WellId| {
        *well_codes.entry(well).or_insert_with(|| {
            let (name, row) = (well.to_string(), well.row_label());
            [
                some(&name).map(|s| text[2].code(s)),
                some(&row).map(|s| text[3].code(s)),
            ]
        })
    };
    let not_read = text[10].code("not_read");
    for p in plates {
        let file = some(&p.file).map(|s| text[0].code(s));
        let plate = some(&p.plate).map(|s| text[1].code(s));
        for w in &p.norm.wells {
            let i = &w.info;
            let [name, row] = well_code(&mut text, w.well);
            text[0].push_code(file);
            text[1].push_code(plate);
            text[2].push_code(name);
            text[3].push_code(row);
            text[4].push(some(w.role.name()));
            text[5].push(i.cell_line.as_deref().and_then(some));
            text[6].push(i.drug_a.as_deref().and_then(some));
            text[7].push(i.drug_b.as_deref().and_then(some));
            text[8].push(i.unit.as_deref().and_then(some));
            text[9].push(w.flag.map(platesyn_plate::Flag::name).and_then(some));
            text[10].push(w.excluded.map(|e| e.name()).as_deref().and_then(some));
            for (k, v) in [
                i.conc_a,
                i.conc_b,
                w.raw,
                w.blank_corrected,
                w.viability_pct,
                w.inhibition_pct,
                w.outlier_z,
            ]
            .into_iter()
            .enumerate()
            {
                num[k].push(fin(v));
            }
            col.push(Some(i64::from(w.well.col_number())));
            excluded.push(Some(w.excluded.is_some()));
        }
        for &well in &p.norm.not_read {
            let [name, row] = well_code(&mut text, well);
            for (k, v) in text.iter_mut().enumerate() {
                v.push_code(match k {
                    0 => file,
                    1 => plate,
                    2 => name,
                    3 => row,
                    10 => Some(not_read),
                    _ => None,
                });
            }
            for v in &mut num {
                v.push(None);
            }
            col.push(Some(i64::from(well.col_number())));
            excluded.push(Some(true));
        }
    }
    let mut text = text.into_iter();
    let mut num = num.into_iter();
    let mut t = Table::new();
    for name in WELL_COLUMNS {
        let data = match name {
            "col" => ColumnData::I64(std::mem::take(&mut col)),
            "excluded" => ColumnData::Bool(std::mem::take(&mut excluded)),
            "conc_a" | "conc_b" | "raw" | "blank_corrected" | "viability_pct"
            | "inhibition_pct" | "outlier_z" => ColumnData::F64(num.next().unwrap_or_default()),
            _ => text.next().unwrap_or_default().finish(),
        };
        t.push(name, data)?;
    }
    Ok(t)
}

/// `plates` table: per-plate QC.
pub fn plates_table(r: &ScreenResults) -> Result<Table, ReportError> {
    let cols: Vec<String> = [
        "file",
        "plate",
        "read",
        "blank",
        "untreated_mean",
        "untreated_cv_pct",
        "positive_mean",
        "positive_cv_pct",
        "z_prime",
        "z_reference",
        "signal_window",
        "signal_to_background",
        "edge_ratio",
        "edge_p",
        "n_excluded",
        "n_not_read",
        "warnings",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let recs: Vec<Vec<String>> = r
        .plates
        .iter()
        .map(|p| {
            let q = &p.qc;
            let edge = q.edge.first();
            let mut warnings = p.warnings.clone();
            warnings.extend(q.warnings.iter().cloned());
            vec![
                p.file.clone(),
                p.plate.clone(),
                p.read.clone(),
                opt_num(Some(p.blank)),
                opt_num(Some(p.untreated)),
                opt_num(q.untreated.and_then(|c| c.cv_pct)),
                opt_num(q.positive.map(|c| c.mean)),
                opt_num(q.positive.and_then(|c| c.cv_pct)),
                opt_num(q.z_prime),
                q.z_reference
                    .map(|z| match z {
                        platesyn_dose::ZReference::Positive => "positive",
                        platesyn_dose::ZReference::Blank => "blank",
                    })
                    .unwrap_or_default()
                    .to_owned(),
                opt_num(q.signal_window),
                opt_num(q.signal_to_background),
                opt_num(edge.map(|e| e.ratio)),
                opt_num(edge.and_then(|e| e.p_value)),
                p.n_excluded.to_string(),
                p.n_not_read.to_string(),
                warnings.join("; "),
            ]
        })
        .collect();
    records_table(&cols, &recs)
}

/// `fits` table: one row per single-agent curve, `platesyn fit`'s columns first.
pub fn fits_table(r: &ScreenResults) -> Result<Table, ReportError> {
    let mut cols: Vec<String> = FIT_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    cols.extend(["cell_line", "drug", "unit", "plates", "max_inhibition"].map(str::to_owned));
    let recs: Vec<Vec<String>> = r
        .curves
        .iter()
        .map(|c| {
            let mut rec = c.fit.row(&c.id()).to_record();
            rec.extend([
                c.cell_line.clone(),
                c.drug.clone(),
                c.unit.clone(),
                c.plates.join(";"),
                opt_num(Some(c.max_inhibition())),
            ]);
            rec
        })
        .collect();
    records_table(&cols, &recs)
}

fn block_extra(b: &crate::screen::BlockResult) -> [String; 4] {
    [
        b.cell_line.clone(),
        b.drug_a.clone(),
        b.drug_b.clone(),
        b.unit.clone(),
    ]
}

/// `synergy_cells` table of some blocks: `platesyn synergy`'s columns (typed: `n` an
/// integer, doses and scores floats in percentage points of inhibition, positive = synergy),
/// then cell line, drugs and unit. Built per chunk of blocks by `platesyn analyze` and
/// streamed out.
pub fn synergy_cells_table(blocks: &[BlockResult]) -> Result<Table, ReportError> {
    // text columns as dictionaries: every row of a block repeats its names
    let mut text: Vec<DictColumn> = (0..5).map(|_| DictColumn::default()).collect();
    let mut num: Vec<Vec<Option<f64>>> = vec![Vec::new(); 7];
    let mut n: Vec<Option<i64>> = Vec::new();
    for b in blocks {
        let names = [&b.cell_line, &b.drug_a, &b.drug_b, &b.unit];
        let codes: Vec<Option<u32>> = names
            .iter()
            .enumerate()
            .map(|(k, s)| (!s.is_empty()).then(|| text[k + 1].code(s)))
            .collect();
        for row in cell_rows(&b.scored) {
            text[0].push(Some(row.block.as_str()).filter(|s| !s.is_empty()));
            for (k, &c) in codes.iter().enumerate() {
                text[k + 1].push_code(c);
            }
            for (k, v) in [
                Some(row.conc_a),
                Some(row.conc_b),
                row.inhibition,
                row.bliss,
                row.hsa,
                row.loewe,
                row.zip,
            ]
            .into_iter()
            .enumerate()
            {
                num[k].push(v.filter(|x| x.is_finite()));
            }
            n.push(i64::try_from(row.n).ok());
        }
    }
    let mut text = text.into_iter();
    let mut num = num.into_iter();
    let mut t = Table::new();
    let mut cols: Vec<&str> = CELL_COLUMNS.to_vec();
    cols.extend(["cell_line", "drug_a", "drug_b", "unit"]);
    for name in cols {
        let data = match name {
            "n" => ColumnData::I64(std::mem::take(&mut n)),
            "conc_a" | "conc_b" | "inhibition" | "bliss" | "hsa" | "loewe" | "zip" => {
                ColumnData::F64(num.next().unwrap_or_default())
            }
            _ => text.next().unwrap_or_default().finish(),
        };
        t.push(name, data)?;
    }
    Ok(t)
}

/// `synergy_blocks` table: one row per block and model.
pub fn synergy_blocks_table(r: &ScreenResults, models: &[Model]) -> Result<Table, ReportError> {
    let mut cols: Vec<String> = SUMMARY_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    cols.extend(["cell_line", "drug_a", "drug_b", "unit"].map(str::to_owned));
    let names: Vec<&str> = models.iter().map(|m| m.name()).collect();
    let mut recs = Vec::new();
    for b in &r.blocks {
        for row in summary_rows(&b.scored, b.boot.as_ref()) {
            let rec: Vec<String> = row.to_record().into_iter().collect();
            if !names.contains(&rec[1].as_str()) {
                continue;
            }
            let mut rec = rec;
            rec.extend(block_extra(b));
            recs.push(rec);
        }
    }
    records_table(&cols, &recs)
}

/// `sensitization` table: one row per cell line, drug pair and fixed partner dose.
pub fn sensitization_table(r: &ScreenResults) -> Result<Table, ReportError> {
    let cols: Vec<String> = [
        "cell_line",
        "drug_a",
        "drug_b",
        "unit",
        "ic50_alone",
        "ic50_alone_status",
        "single_agent_call",
        "conc_b",
        "ic50_combo",
        "ic50_combo_status",
        "fold_shift",
        "fold_lo",
        "fold_hi",
        "meets_rule",
        "sensitized",
        "rule",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // built column by column, each distinct text once (a 10,000-plate screen has ~30,000
    // rows repeating a few hundred names and one long rule text)
    let rows: usize = r.sensitization.iter().map(|s| s.shifts.len()).sum();
    let mut cells: Vec<DictColumn> = (0..cols.len())
        .map(|_| DictColumn::with_capacity(rows))
        .collect();
    for s in &r.sensitization {
        let alone = s.alone.map(|i| &r.curves[i]);
        let alone_ic50 = alone.map(|c| ic50_text(&c.fit)).unwrap_or_default();
        let alone_status = alone.map_or("", |c| c.fit.status.name());
        for sh in &s.shifts {
            let combo = &r.combo_curves[sh.curve];
            let row: [&str; 16] = [
                &s.cell_line,
                &s.drug_a,
                &s.drug_b,
                &s.unit,
                &alone_ic50,
                alone_status,
                s.single_agent_call,
                &fmt_dose(sh.conc_b),
                &ic50_text(&combo.fit),
                combo.fit.status.name(),
                &opt_num(sh.fold.map(|f| f.fold)),
                &opt_num(sh.fold.map(|f| f.lo)),
                &opt_num(sh.fold.map(|f| f.hi)),
                if sh.meets_rule { "yes" } else { "no" },
                if s.sensitized { "yes" } else { "no" },
                crate::screen::SENSITIZATION_RULE,
            ];
            for (col, cell) in cells.iter_mut().zip(row) {
                col.push(Some(cell).filter(|c| !c.is_empty()));
            }
        }
    }
    columns_table(&cols, cells)
}

/// IC50 as reported: the number for usable fits, `>max` / `<min` when censored (or flat above /
/// below the 50 % level), empty otherwise.
pub fn ic50_text(fit: &CurveFit) -> String {
    match fit.status {
        FitStatus::Ok | FitStatus::Unstable => opt_num(Some(fit.e)),
        FitStatus::Ic50AboveRange => format!(">{}", fmt_dose(fit.dose_max)),
        FitStatus::Ic50BelowRange => format!("<{}", fmt_dose(fit.dose_min)),
        // no dose-response: the IC50 lies beyond the tested range on the side the data sit
        FitStatus::Flat if fit.predict(fit.dose_max) > fit.abs_level => {
            format!(">{}", fmt_dose(fit.dose_max))
        }
        FitStatus::Flat if fit.predict(fit.dose_max) < fit.abs_level => {
            format!("<{}", fmt_dose(fit.dose_min))
        }
        _ => String::new(),
    }
}

/// `errors` table.
pub fn errors_table(r: &ScreenResults) -> Result<Table, ReportError> {
    let cols: Vec<String> = ["subject", "kind", "message"].map(str::to_owned).to_vec();
    let recs: Vec<Vec<String>> = r
        .issues
        .iter()
        .map(|i| vec![i.subject.clone(), i.kind.clone(), i.message.clone()])
        .collect();
    let mut t = Table::new();
    for (j, c) in cols.iter().enumerate() {
        t.push_str(c.clone(), recs.iter().map(|r| Some(r[j].clone())))?;
    }
    Ok(t)
}

/// A name safe for file names: letters, digits, `-`, `_`, `.`; everything else `_`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A figure to draw, with its file stem and the report section it belongs to.
pub enum FigureJob {
    /// A synergy heatmap.
    Heatmap(SynergyHeatmap),
    /// Dose-response curves.
    Curve(DoseResponsePlot),
    /// A plate map.
    PlateMap(PlateMap),
}

/// A planned figure.
pub struct PlannedFigure {
    /// File stem under `figures/`.
    pub stem: String,
    /// Caption.
    pub caption: String,
    /// Report section: `blocks`, `fits`, `plates`.
    pub section: &'static str,
    /// Block id, curve id or plate, for grouping in the report.
    pub group: String,
    /// What to draw.
    pub job: FigureJob,
}

/// Delta-method confidence band of a fitted curve on `doses`, from its covariance.
fn band(fit: &CurveFit, doses: &[f64]) -> Option<ConfidenceBand> {
    let cov = fit.cov?;
    let t = t_quantile(BAND_LEVEL, fit.df)?;
    let mut lower = Vec::with_capacity(doses.len());
    let mut upper = Vec::with_capacity(doses.len());
    for &x in doses {
        let y = fit.predict(x);
        let mut g = [0.0; 5];
        for (k, gk) in g.iter_mut().enumerate() {
            if !fit.free[k] {
                continue;
            }
            let mut th = fit.theta();
            let h = 1e-6 * th[k].abs().max(1e-6);
            let mut f1 = fit.clone();
            let mut f2 = fit.clone();
            th[k] += h;
            set_theta(&mut f1, th);
            th[k] -= 2.0 * h;
            set_theta(&mut f2, th);
            *gk = (f1.predict(x) - f2.predict(x)) / (2.0 * h);
        }
        let mut var = 0.0;
        for i in 0..5 {
            for j in 0..5 {
                var += g[i] * cov[i][j] * g[j];
            }
        }
        if !(var.is_finite() && var >= 0.0 && y.is_finite()) {
            return None;
        }
        lower.push(y - t * var.sqrt());
        upper.push(y + t * var.sqrt());
    }
    Some(ConfidenceBand {
        doses: doses.to_vec(),
        lower,
        upper,
    })
}

fn set_theta(f: &mut CurveFit, th: [f64; 5]) {
    f.b = th[0];
    f.c = th[1];
    f.d = th[2];
    f.e = th[3];
    f.f = th[4];
}

fn series_of(c: &CurveResult, name: String) -> CurveSeries {
    let points: Vec<(f64, f64)> = c
        .dose
        .iter()
        .copied()
        .zip(c.response.iter().copied())
        .collect();
    let mut s = CurveSeries::new(name, points);
    if !matches!(c.fit.status, FitStatus::Failed(_)) {
        let lo = c.fit.dose_min.max(f64::MIN_POSITIVE);
        let hi = c.fit.dose_max.max(lo);
        let doses: Vec<f64> = (0..BAND_POINTS)
            .map(|i| lo * (hi / lo).powf(i as f64 / (BAND_POINTS - 1) as f64))
            .collect();
        let fit = c.fit.clone();
        s.fitted = Some(FittedCurve::Sampled(
            doses.iter().map(|&x| (x, fit.predict(x))).collect(),
        ));
        // a band only where the fit is well determined (flat or censored fits have
        // meaningless, huge parameter variances)
        if matches!(c.fit.status, FitStatus::Ok) {
            s.band = band(&c.fit, &doses);
            s.ic50 = Some(c.fit.e);
        }
    }
    s
}

/// Which figures `platesyn analyze` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FigureSet {
    /// Everything: heatmaps, shift curves, single-agent curves, plate maps.
    #[default]
    All,
    /// Per block only: heatmaps and the shift curves.
    Blocks,
    /// Synergy heatmaps only.
    Heatmaps,
}

impl FigureSet {
    /// Whether plate maps are drawn.
    pub fn plate_maps(self) -> bool {
        self == Self::All
    }
}

/// The figures of a screen except plate maps (see [`plan_plate_maps`]): heatmaps per block and
/// model; with [`FigureSet::Blocks`] and up, a shift figure per block (drug A alone and at the
/// lowest, middle and top partner dose); with [`FigureSet::All`], a curve figure per
/// single-agent curve.
pub fn plan_figures(r: &ScreenResults, models: &[Model], set: FigureSet) -> Vec<PlannedFigure> {
    let mut out = Vec::new();
    let mut alone_of: std::collections::HashMap<(&str, &str), &CurveResult> =
        std::collections::HashMap::new();
    for c in &r.curves {
        alone_of.entry((&c.cell_line, &c.drug)).or_insert(c);
    }
    let mut combos_of: std::collections::HashMap<(&str, &str, &str), Vec<&CurveResult>> =
        std::collections::HashMap::new();
    for c in &r.combo_curves {
        if let Some((p, _)) = &c.partner {
            combos_of
                .entry((&c.cell_line, &c.drug, p))
                .or_default()
                .push(c);
        }
    }
    for b in &r.blocks {
        for &m in models {
            let cells = &b.scored.scores(m).cells;
            let scores: Vec<Vec<Option<f64>>> = (0..b.scored.doses_a.len())
                .map(|i| {
                    (0..b.scored.doses_b.len())
                        .map(|j| cells.get(i, j).value())
                        .collect()
                })
                .collect();
            let mean = summarize(&b.scored, m, b.boot.as_ref()).mean;
            let mut h = SynergyHeatmap::new(
                format!("{}: {} x {}", b.cell_line, b.drug_a, b.drug_b),
                m.name().to_uppercase(),
                DoseAxis {
                    drug: b.drug_a.clone(),
                    unit: b.unit.clone(),
                    doses: b.scored.doses_a.clone(),
                },
                DoseAxis {
                    drug: b.drug_b.clone(),
                    unit: b.unit.clone(),
                    doses: b.scored.doses_b.clone(),
                },
                scores,
            );
            h.block_mean = mean;
            out.push(PlannedFigure {
                stem: format!("heatmap_{}_{}", slug(&b.id), m.name()),
                caption: format!(
                    "{} synergy, {} (percentage points of inhibition; positive = synergy)",
                    m.name(),
                    b.id
                ),
                section: "blocks",
                group: b.id.clone(),
                job: FigureJob::Heatmap(h),
            });
        }
        if set == FigureSet::Heatmaps {
            continue;
        }
        // drug A alone and at three partner doses
        if let Some(&alone) = alone_of.get(&(b.cell_line.as_str(), b.drug_a.as_str())) {
            let mut plot = DoseResponsePlot::new(
                format!("{}: {} with {}", b.cell_line, b.drug_a, b.drug_b),
                alone.unit.clone(),
                "viability (%)".to_owned(),
            );
            plot.series
                .push(series_of(alone, format!("{} alone", b.drug_a)));
            let combos: &[&CurveResult] = combos_of
                .get(&(b.cell_line.as_str(), b.drug_a.as_str(), b.drug_b.as_str()))
                .map_or(&[], Vec::as_slice);
            let picks: Vec<usize> = match combos.len() {
                0 => vec![],
                1 => vec![0],
                2 => vec![0, 1],
                n => vec![0, n / 2, n - 1],
            };
            for k in picks {
                let c = combos[k];
                let dose = c.partner.as_ref().map_or(0.0, |(_, d)| *d);
                plot.series.push(series_of(
                    c,
                    format!(
                        "+ {} {} {}",
                        b.drug_b,
                        crate::fmt::format_float_display(dose, 3),
                        c.unit
                    ),
                ));
            }
            out.push(PlannedFigure {
                stem: format!("shift_{}", slug(&b.id)),
                caption: format!(
                    "{} dose-response alone and at fixed {} doses ({})",
                    b.drug_a, b.drug_b, b.id
                ),
                section: "blocks",
                group: b.id.clone(),
                job: FigureJob::Curve(plot),
            });
        }
    }
    for c in r.curves.iter().filter(|_| set == FigureSet::All) {
        let mut plot = DoseResponsePlot::new(
            format!("{}: {}", c.cell_line, c.drug),
            c.unit.clone(),
            "viability (%)".to_owned(),
        );
        plot.y_range = Some(VIABILITY_AXIS);
        plot.series.push(series_of(c, c.drug.clone()));
        out.push(PlannedFigure {
            stem: format!("curve_{}", slug(&c.id())),
            caption: format!(
                "{} single-agent dose-response, LL.4 fit with 95 % band ({})",
                c.drug,
                c.id()
            ),
            section: "fits",
            group: c.id(),
            job: FigureJob::Curve(plot),
        });
    }
    out
}

/// Raw and viability plate maps of some plates (`platesyn analyze` plans them per chunk of
/// plates, while their wells are in memory).
pub fn plan_plate_maps(plates: &[PlateResult]) -> Vec<PlannedFigure> {
    let mut out = Vec::new();
    for p in plates {
        let fmt = p.format;
        let n = fmt.well_count();
        let mut raw = vec![None; n];
        let mut via = vec![None; n];
        let mut excluded = Vec::new();
        for w in &p.norm.wells {
            let Some(i) = fmt.index(w.well) else { continue };
            raw[i] = w.raw;
            via[i] = w.viability_pct;
            if w.excluded.is_some() {
                excluded.push((usize::from(w.well.row), usize::from(w.well.col)));
            }
        }
        for (kind, values, label) in [
            ("raw", raw, "absorbance"),
            ("viability", via, "viability (%)"),
        ] {
            let mut m = PlateMap::new(
                format!(
                    "{} — {}",
                    p.plate,
                    if kind == "raw" {
                        "raw absorbance"
                    } else {
                        "viability"
                    }
                ),
                label.to_owned(),
                usize::from(fmt.rows),
                usize::from(fmt.cols),
                values,
            );
            m.excluded.clone_from(&excluded);
            out.push(PlannedFigure {
                stem: format!("platemap_{}_{kind}", slug(&p.plate)),
                caption: format!("Plate {} ({}), {}", p.plate, p.file, label),
                section: "plates",
                group: p.plate.clone(),
                job: FigureJob::PlateMap(m),
            });
        }
    }
    out
}

/// A rendered figure.
pub struct RenderedFigure {
    /// File stem under `figures/`.
    pub stem: String,
    /// Caption.
    pub caption: String,
    /// Section.
    pub section: &'static str,
    /// Group.
    pub group: String,
    /// PNG bytes, when asked.
    pub png: Option<Vec<u8>>,
    /// SVG text, when asked.
    pub svg: Option<String>,
}

fn render<F: Figure>(
    f: &F,
    formats: FigureFormats,
) -> Result<(Option<Vec<u8>>, Option<String>), ReportError> {
    let png = if formats.png { Some(f.to_png()?) } else { None };
    let svg = if formats.svg { Some(f.to_svg()?) } else { None };
    Ok((png, svg))
}

/// Render planned figures in parallel (order kept).
pub fn render_figures(
    plan: Vec<PlannedFigure>,
    formats: FigureFormats,
) -> Vec<Result<RenderedFigure, (String, ReportError)>> {
    plan.into_par_iter()
        .map(|p| {
            let r = match &p.job {
                FigureJob::Heatmap(h) => render(h, formats),
                FigureJob::Curve(c) => render(c, formats),
                FigureJob::PlateMap(m) => render(m, formats),
            };
            r.map(|(png, svg)| RenderedFigure {
                stem: p.stem.clone(),
                caption: p.caption.clone(),
                section: p.section,
                group: p.group.clone(),
                png,
                svg,
            })
            .map_err(|e| (p.stem, e))
        })
        .collect()
}

/// Options echoed in the report and manifest.
pub type OptionList = Vec<(String, String)>;

/// All tables of `analyze` but `wells` and `synergy_cells` (streamed per chunk, see
/// [`wells_table`] and [`synergy_cells_table`]), by file stem.
pub fn all_tables(
    r: &ScreenResults,
    models: &[Model],
) -> Result<Vec<(&'static str, Table)>, ReportError> {
    screen_tables(r, models).collect()
}

/// The same tables as [`all_tables`], built one at a time as the iterator is advanced, so that
/// a caller writing each table and keeping only its [`TableHead`] never holds more than one
/// whole table (the fits and sensitization tables of a 10,000-plate screen are tens of MB).
pub fn screen_tables<'a>(
    r: &'a ScreenResults,
    models: &'a [Model],
) -> impl Iterator<Item = Result<(&'static str, Table), ReportError>> + 'a {
    (0..5).map(move |i| match i {
        0 => plates_table(r).map(|t| ("plates", t)),
        1 => fits_table(r).map(|t| ("fits", t)),
        2 => synergy_blocks_table(r, models).map(|t| ("synergy_blocks", t)),
        3 => sensitization_table(r).map(|t| ("sensitization", t)),
        _ => errors_table(r).map(|t| ("errors", t)),
    })
}

/// What the HTML report shows of a table: its first [`REPORT_MAX_TABLE_ROWS`] rows and how many
/// rows the whole table (in its CSV/Parquet files) has.
#[derive(Debug, Clone)]
pub struct TableHead {
    /// File stem of the table (`fits` for `fits.csv`).
    pub name: &'static str,
    /// The first rows.
    pub head: Table,
    /// Rows of the whole table.
    pub total_rows: usize,
}

impl TableHead {
    /// The head of `table`, called `name`.
    #[must_use]
    pub fn of(name: &'static str, table: &Table) -> Self {
        Self {
            name,
            head: table.head(REPORT_MAX_TABLE_ROWS),
            total_rows: table.n_rows(),
        }
    }
}

/// Build the HTML report.
pub fn html_report(
    r: &ScreenResults,
    tables: &[TableHead],
    figures: &[RenderedFigure],
    options: &OptionList,
) -> HtmlReport {
    let mut h = HtmlReport::new("platesyn screen report");
    let n_warn: usize = r
        .plates
        .iter()
        .map(|p| p.qc.warnings.len() + p.warnings.len())
        .sum();
    h.summary("plates analyzed", r.plates.len().to_string());
    h.summary("combination blocks", r.blocks.len().to_string());
    h.summary("single-agent curves", r.curves.len().to_string());
    h.summary("QC warnings", n_warn.to_string());
    h.summary("errors itemized", r.issues.len().to_string());
    let sens: Vec<String> = r
        .sensitization
        .iter()
        .filter(|s| s.sensitized)
        .map(|s| format!("{} by {}", s.cell_line, s.drug_b))
        .collect();
    h.summary(
        "sensitized (resistant alone)",
        if sens.is_empty() {
            "none".to_owned()
        } else {
            sens.join(", ")
        },
    );
    for i in &r.issues {
        h.warning(format!("{} [{}]: {}", i.subject, i.kind, i.message));
    }
    for p in &r.plates {
        for w in p.warnings.iter().chain(&p.qc.warnings) {
            h.warning(format!("plate {}: {w}", p.plate));
        }
    }
    // large screens: the report shows the head of each table, the files hold all of it
    let table = |name: &str| {
        tables.iter().find(|t| t.name == name).map(|t| {
            let note = (t.total_rows > REPORT_MAX_TABLE_ROWS).then(|| {
                format!(
                    " — first {REPORT_MAX_TABLE_ROWS} of {} rows; all in {name}.csv",
                    t.total_rows
                )
            });
            (t.head.clone(), note.unwrap_or_default())
        })
    };
    let add_figs = |mut s: Section, section: &str, group: Option<&str>| {
        for f in figures
            .iter()
            .filter(|f| f.section == section && group.is_none_or(|g| f.group == g))
        {
            s = match (&f.png, &f.svg) {
                (Some(png), _) => s.png(f.caption.clone(), png.clone()),
                (None, Some(svg)) => s.svg(f.caption.clone(), svg.clone()),
                (None, None) => s,
            };
        }
        s
    };
    let mut blocks = Section::new("Combination blocks").with_id("blocks");
    if let Some((t, note)) = table("synergy_blocks") {
        blocks = blocks.table(format!("Block summaries (mean over combination cells; percentage points of inhibition, positive = synergy){note}"), t);
    }
    h.section(blocks);
    for b in &r.blocks {
        let mut s = Section::new(format!("Block {}", b.id));
        for flag in [&b.scored.loewe, &b.scored.zip]
            .iter()
            .flat_map(|m| m.flags.iter())
        {
            s = s.warning(format!("{flag:?}"));
        }
        h.section(add_figs(s, "blocks", Some(&b.id)));
    }
    let mut fits = Section::new("Single-agent fits").with_id("fits");
    if let Some((t, note)) = table("fits") {
        fits = fits.table(
            format!("LL.4 fits (viability %, drc parameterization){note}"),
            t,
        );
    }
    h.section(add_figs(fits, "fits", None));
    let mut sensitization = Section::new("Sensitization").with_id("sensitization");
    sensitization =
        sensitization.paragraph(format!("Rule: {}.", crate::screen::SENSITIZATION_RULE));
    if let Some((t, note)) = table("sensitization") {
        sensitization = sensitization.table(
            format!("IC50 of drug A alone and at fixed partner doses{note}"),
            t,
        );
    }
    h.section(sensitization);
    let mut plates = Section::new("Plates and QC").with_id("plates");
    if let Some((t, note)) = table("plates") {
        plates = plates.table(format!("Per-plate QC{note}"), t);
    }
    h.section(add_figs(plates, "plates", None));
    if !r.issues.is_empty() {
        let mut errors = Section::new("Errors").with_id("errors");
        if let Some((t, note)) = table("errors") {
            errors = errors.table(format!("Itemized errors{note}"), t);
        }
        h.section(errors);
    }
    for (k, v) in options {
        h.option(k.clone(), v.clone());
    }
    h
}

/// Write a file under `dir` and record it.
pub fn write_file(
    dir: &Path,
    rel: &str,
    bytes: &[u8],
    guard: &OutputGuard,
    written: &mut Vec<PathBuf>,
) -> Result<(), ReportError> {
    let path = dir.join(rel);
    guard.write_atomic(&path, bytes)?;
    written.push(PathBuf::from(rel));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_table_types_and_values_equal_records_table() {
        let names: Vec<String> = ["int", "float", "text", "empty", "mixed", "censored"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let rows: Vec<Vec<String>> = [
            ["1", "0.5", "LINE1", "", "2", ">1000"],
            ["-3", "", "", "", "x", "12.5"],
            ["", "1e-7", "LINE2", "", "", ""],
        ]
        .iter()
        .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
        .collect();
        let by_rows = records_table(&names, &rows).unwrap();
        let by_columns: Vec<DictColumn> = (0..names.len())
            .map(|j| {
                let mut d = DictColumn::default();
                for r in &rows {
                    d.push(Some(r[j].as_str()).filter(|c| !c.is_empty()));
                }
                d
            })
            .collect();
        let by_cols = columns_table(&names, by_columns).unwrap();
        // the same bytes and frame as the row-built table; text columns as dictionaries
        assert_eq!(
            by_cols.to_csv_bytes().unwrap(),
            by_rows.to_csv_bytes().unwrap()
        );
        assert_eq!(
            by_cols.to_parquet_bytes().unwrap(),
            by_rows.to_parquet_bytes().unwrap()
        );
        assert_eq!(
            by_cols.to_dataframe().unwrap(),
            by_rows.to_dataframe().unwrap()
        );
        assert!(matches!(
            by_cols.column("text"),
            Some(ColumnData::Dict { values, .. }) if values == &["LINE1", "LINE2"]
        ));
        assert_eq!(
            by_cols.column("int"),
            Some(&ColumnData::I64(vec![Some(1), Some(-3), None]))
        );
        assert_eq!(
            by_cols.column("float"),
            Some(&ColumnData::F64(vec![Some(0.5), None, Some(1e-7)]))
        );
        assert_eq!(
            (0..3)
                .map(|i| by_cols.column("mixed").unwrap().csv_cell(i))
                .collect::<Vec<_>>(),
            [Some("2".to_owned()), Some("x".to_owned()), None]
        );
        assert_eq!(
            by_cols.column("empty"),
            Some(&ColumnData::Str(vec![None, None, None]))
        );
    }
}
