//! Block summaries: mean over combination cells, most synergistic area, SynergyFinder's
//! p-value approximation.

use serde::{Deserialize, Serialize};

use crate::bootstrap::BootstrapResult;
use crate::grid::Grid;
use crate::score::{CellScore, Model, ScoredBlock};

/// Summary of one model's scores for one block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockSummary {
    /// Block id.
    pub block: String,
    /// Model.
    pub model: Model,
    /// Mean over combination cells (both doses > 0) with a score, percentage points.
    pub mean: Option<f64>,
    /// Number of combination cells averaged.
    pub n_cells: usize,
    /// Most synergistic area: the highest mean over 3x3 windows of adjacent combination
    /// cells (windows with a missing cell are skipped).
    pub msa: Option<f64>,
    /// p-value. Without a bootstrap: SynergyFinder's `exp(-0.717 z - 0.416 z^2)` with
    /// `z = |mean| / sd(cell scores)`. With a bootstrap: same formula with
    /// `z = |mean| / sd(bootstrap block means)`.
    pub p_value: Option<f64>,
    /// Lower end of the bootstrap 95 % interval of the block mean.
    pub ci_lo: Option<f64>,
    /// Upper end of the bootstrap 95 % interval of the block mean.
    pub ci_hi: Option<f64>,
}

/// Mean of a slice, `None` if empty.
pub(crate) fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Sample standard deviation (n - 1), `None` for fewer than 2 values.
pub(crate) fn sd(v: &[f64]) -> Option<f64> {
    let m = mean(v)?;
    (v.len() >= 2)
        .then(|| (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt())
}

/// SynergyFinder's p-value approximation for a z statistic:
/// `exp(-0.717 z - 0.416 z^2)`.
pub fn p_from_z(z: f64) -> f64 {
    (-0.717 * z - 0.416 * z * z).exp()
}

/// SynergyFinder's p-value for a set of combination-cell scores (no replicates):
/// `z = |mean| / sd`. `None` with fewer than 2 values or zero spread.
pub fn sf_p_value(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    let s = sd(values)?;
    if s > 0.0 {
        Some(p_from_z(m.abs() / s))
    } else {
        None
    }
}

/// Highest mean over 3x3 windows of combination cells (rows and columns >= 1).
pub fn most_synergistic_area(cells: &Grid<CellScore>) -> Option<f64> {
    let (na, nb) = (cells.n_a(), cells.n_b());
    let mut best: Option<f64> = None;
    for i in 1..na.saturating_sub(2) {
        for j in 1..nb.saturating_sub(2) {
            let mut sum = 0.0;
            let mut ok = true;
            for di in 0..3 {
                for dj in 0..3 {
                    match cells.get(i + di, j + dj).value() {
                        Some(v) => sum += v,
                        None => ok = false,
                    }
                }
            }
            if ok {
                let m = sum / 9.0;
                best = Some(best.map_or(m, |b: f64| b.max(m)));
            }
        }
    }
    best
}

/// Summarise one model of a scored block, optionally with a bootstrap of the same block.
pub fn summarize(
    scored: &ScoredBlock,
    model: Model,
    boot: Option<&BootstrapResult>,
) -> BlockSummary {
    let s = scored.scores(model);
    let vals = s.combination_values();
    let m = mean(&vals);
    let mut out = BlockSummary {
        block: scored.block_id.clone(),
        model,
        mean: m,
        n_cells: vals.len(),
        msa: most_synergistic_area(&s.cells),
        p_value: sf_p_value(&vals),
        ci_lo: None,
        ci_hi: None,
    };
    if let Some(b) = boot
        .and_then(|b| b.model(model))
        .and_then(|mb| mb.block_mean)
    {
        out.ci_lo = Some(b.ci_lo);
        out.ci_hi = Some(b.ci_hi);
        out.p_value = match (m, b.sd) {
            (Some(m), sd) if sd > 0.0 => Some(p_from_z(m.abs() / sd)),
            _ => out.p_value,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_value_and_msa() {
        assert!((p_from_z(0.0) - 1.0).abs() < 1e-15);
        assert!((p_from_z(1.96) - 0.0505).abs() < 2e-3);
        let v = [1.0, 2.0, 3.0];
        let z: f64 = 2.0 / 1.0;
        assert!((sf_p_value(&v).unwrap() - (-0.717 * z - 0.416 * z * z).exp()).abs() < 1e-15);
        let g = Grid::from_fn(5, 5, |i, j| CellScore::Value((i * 10 + j) as f64));
        // best window: rows 2..4, cols 2..4, centre 33
        assert_eq!(most_synergistic_area(&g), Some(33.0));
        let small = Grid::from_fn(3, 5, |_, _| CellScore::Value(1.0));
        assert_eq!(most_synergistic_area(&small), None);
    }
}
