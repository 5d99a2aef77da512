//! Flat output rows for the CLI (one per cell, one per block x model).

use serde::{Deserialize, Serialize};

use crate::bootstrap::BootstrapResult;
use crate::score::{Model, ScoredBlock};
use crate::summary::summarize;

/// Column names of [`CellRow`]. Scores in percentage points of inhibition (positive =
/// synergy); `inhibition` in percent; `n` = replicates averaged.
pub const CELL_COLUMNS: [&str; 9] = [
    "block",
    "conc_a",
    "conc_b",
    "n",
    "inhibition",
    "bliss",
    "hsa",
    "loewe",
    "zip",
];

/// Column names of [`SummaryRow`].
pub const SUMMARY_COLUMNS: [&str; 7] =
    ["block", "model", "mean", "msa", "p_value", "ci_lo", "ci_hi"];

/// One cell of a scored block. `None` = missing (written as an empty field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRow {
    /// Block id.
    pub block: String,
    /// Drug A concentration.
    pub conc_a: f64,
    /// Drug B concentration.
    pub conc_b: f64,
    /// Replicates averaged.
    pub n: usize,
    /// Mean percent inhibition (after baseline correction).
    pub inhibition: Option<f64>,
    /// Bliss score.
    pub bliss: Option<f64>,
    /// HSA score.
    pub hsa: Option<f64>,
    /// Loewe score.
    pub loewe: Option<f64>,
    /// ZIP score.
    pub zip: Option<f64>,
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x}"))
}

impl CellRow {
    /// Text fields in [`CELL_COLUMNS`] order.
    pub fn to_record(&self) -> [String; 9] {
        [
            self.block.clone(),
            format!("{}", self.conc_a),
            format!("{}", self.conc_b),
            self.n.to_string(),
            fmt(self.inhibition),
            fmt(self.bliss),
            fmt(self.hsa),
            fmt(self.loewe),
            fmt(self.zip),
        ]
    }
}

/// Rows for every cell of a block (drug A dose major, ascending).
pub fn cell_rows(scored: &ScoredBlock) -> Vec<CellRow> {
    let mut out = Vec::with_capacity(scored.doses_a.len() * scored.doses_b.len());
    for (i, &a) in scored.doses_a.iter().enumerate() {
        for (j, &b) in scored.doses_b.iter().enumerate() {
            out.push(CellRow {
                block: scored.block_id.clone(),
                conc_a: a,
                conc_b: b,
                n: *scored.n.get(i, j),
                inhibition: *scored.inhibition.get(i, j),
                bliss: scored.bliss.cells.get(i, j).value(),
                hsa: scored.hsa.cells.get(i, j).value(),
                loewe: scored.loewe.cells.get(i, j).value(),
                zip: scored.zip.cells.get(i, j).value(),
            });
        }
    }
    out
}

/// One block x model summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Block id.
    pub block: String,
    /// Model name (`bliss`, `hsa`, `loewe`, `zip`).
    pub model: String,
    /// Mean over combination cells.
    pub mean: Option<f64>,
    /// Most synergistic area.
    pub msa: Option<f64>,
    /// p-value.
    pub p_value: Option<f64>,
    /// Bootstrap 95 % interval, low end.
    pub ci_lo: Option<f64>,
    /// Bootstrap 95 % interval, high end.
    pub ci_hi: Option<f64>,
}

impl SummaryRow {
    /// Text fields in [`SUMMARY_COLUMNS`] order.
    pub fn to_record(&self) -> [String; 7] {
        [
            self.block.clone(),
            self.model.clone(),
            fmt(self.mean),
            fmt(self.msa),
            fmt(self.p_value),
            fmt(self.ci_lo),
            fmt(self.ci_hi),
        ]
    }
}

/// Four summary rows (Bliss, HSA, Loewe, ZIP) for a block.
pub fn summary_rows(scored: &ScoredBlock, boot: Option<&BootstrapResult>) -> Vec<SummaryRow> {
    Model::ALL
        .iter()
        .map(|&m| {
            let s = summarize(scored, m, boot);
            SummaryRow {
                block: s.block,
                model: m.name().to_owned(),
                mean: s.mean,
                msa: s.msa,
                p_value: s.p_value,
                ci_lo: s.ci_lo,
                ci_hi: s.ci_hi,
            }
        })
        .collect()
}
