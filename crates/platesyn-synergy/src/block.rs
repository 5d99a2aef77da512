//! The dose-matrix block: drug A x drug B, including the zero row and column, with replicates.

use serde::{Deserialize, Serialize};

use crate::error::SynergyError;
use crate::grid::Grid;
use crate::scale::ResponseScale;

/// Two concentrations closer than this relative difference are the same dose level
/// (guards against text round-trips such as `0.1` vs `0.1000000000001`).
pub const DOSE_REL_EQ: f64 = 1e-9;

/// One measured well of a block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Concentration of drug A (row drug), >= 0.
    pub conc_a: f64,
    /// Concentration of drug B (column drug), >= 0.
    pub conc_b: f64,
    /// Response on the block's input scale. NaN = well present but unusable.
    pub response: f64,
}

/// A drug A x drug B dose matrix including the zero row and column. Replicates allowed;
/// cells may be missing.
///
/// Responses are stored internally as viability fractions (1 = untreated). Row index `i`
/// is the drug A dose (ascending, `i = 0` is dose 0); column index `j` the drug B dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseMatrix {
    /// Block identifier.
    pub id: String,
    /// Name of drug A (rows), if known.
    pub drug_a: Option<String>,
    /// Name of drug B (columns), if known.
    pub drug_b: Option<String>,
    /// Concentration unit, if known (same for both drugs, or `"uM/nM"`-style text).
    pub conc_unit: Option<String>,
    /// Scale of the responses given when the block was built.
    pub input_scale: ResponseScale,
    doses_a: Vec<f64>,
    doses_b: Vec<f64>,
    replicates: Grid<Vec<f64>>,
    non_finite: Grid<usize>,
}

/// Synonym used in the issue text: a block is a synergy grid.
pub type SynergyGrid = DoseMatrix;

fn merge_levels(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::with_capacity(v.len());
    for x in v {
        match out.last() {
            Some(&last) if same_dose(last, x) => {}
            _ => out.push(x),
        }
    }
    out
}

fn same_dose(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= DOSE_REL_EQ * a.abs().max(b.abs())
}

fn level_index(levels: &[f64], x: f64) -> usize {
    levels
        .iter()
        .position(|&l| same_dose(l, x))
        .expect("dose level present by construction")
}

impl DoseMatrix {
    /// Build a block from measured points on `scale`. Points sharing a dose pair are
    /// replicates. Dose pairs of the full grid that have no point are missing cells.
    ///
    /// Errors: negative/non-finite concentration, no dose 0 for a drug, fewer than two
    /// non-zero doses for a drug, no points.
    pub fn new(
        id: impl Into<String>,
        scale: ResponseScale,
        points: &[Point],
    ) -> Result<Self, SynergyError> {
        let id = id.into();
        if points.is_empty() {
            return Err(SynergyError::Empty { block: id });
        }
        for (k, p) in points.iter().enumerate() {
            for (drug, value) in [('A', p.conc_a), ('B', p.conc_b)] {
                if !value.is_finite() || value < 0.0 {
                    return Err(SynergyError::BadConcentration {
                        block: id,
                        record: k,
                        drug,
                        value,
                    });
                }
            }
        }
        let doses_a = merge_levels(points.iter().map(|p| p.conc_a).collect());
        let doses_b = merge_levels(points.iter().map(|p| p.conc_b).collect());
        for (drug, levels) in [('A', &doses_a), ('B', &doses_b)] {
            if levels[0] != 0.0 {
                return Err(SynergyError::NoZeroDose { block: id, drug });
            }
            if levels.len() < 3 {
                return Err(SynergyError::TooFewDoses {
                    block: id,
                    drug,
                    found: levels.len() - 1,
                });
            }
        }
        let mut replicates = Grid::filled(doses_a.len(), doses_b.len(), Vec::new());
        let mut non_finite = Grid::filled(doses_a.len(), doses_b.len(), 0usize);
        for p in points {
            let i = level_index(&doses_a, p.conc_a);
            let j = level_index(&doses_b, p.conc_b);
            if p.response.is_finite() {
                replicates
                    .get_mut(i, j)
                    .push(scale.to_viability_fraction(p.response));
            } else {
                *non_finite.get_mut(i, j) += 1;
            }
        }
        Ok(Self {
            id,
            drug_a: None,
            drug_b: None,
            conc_unit: None,
            input_scale: scale,
            doses_a,
            doses_b,
            replicates,
            non_finite,
        })
    }

    /// Build from a full grid: `values[i * doses_b.len() + j]` is the response at
    /// `(doses_a[i], doses_b[j])` on `scale`; NaN marks a missing cell.
    pub fn from_grid(
        id: impl Into<String>,
        scale: ResponseScale,
        doses_a: &[f64],
        doses_b: &[f64],
        values: &[f64],
    ) -> Result<Self, SynergyError> {
        let id = id.into();
        if values.len() != doses_a.len() * doses_b.len() {
            return Err(SynergyError::Empty { block: id });
        }
        let mut pts = Vec::with_capacity(values.len());
        for (i, &a) in doses_a.iter().enumerate() {
            for (j, &b) in doses_b.iter().enumerate() {
                pts.push(Point {
                    conc_a: a,
                    conc_b: b,
                    response: values[i * doses_b.len() + j],
                });
            }
        }
        Self::new(id, scale, &pts)
    }

    /// Drug A doses, ascending, starting with 0.
    pub fn doses_a(&self) -> &[f64] {
        &self.doses_a
    }

    /// Drug B doses, ascending, starting with 0.
    pub fn doses_b(&self) -> &[f64] {
        &self.doses_b
    }

    /// Replicate responses per cell, as viability fractions (finite values only).
    pub fn replicates(&self) -> &Grid<Vec<f64>> {
        &self.replicates
    }

    /// Number of finite replicates per cell.
    pub fn n(&self) -> Grid<usize> {
        self.replicates.map(Vec::len)
    }

    /// Why a cell has no usable value, or `None` when it has at least one replicate.
    pub fn cell_missing(&self, i: usize, j: usize) -> Option<crate::MissingReason> {
        if !self.replicates.get(i, j).is_empty() {
            None
        } else if *self.non_finite.get(i, j) > 0 {
            Some(crate::MissingReason::NonFiniteResponse)
        } else {
            Some(crate::MissingReason::NotMeasured)
        }
    }

    /// Per-cell mean viability (fraction), `None` for missing cells.
    pub fn mean_viability(&self) -> Grid<Option<f64>> {
        self.replicates.map(|r| {
            if r.is_empty() {
                None
            } else {
                Some(r.iter().sum::<f64>() / r.len() as f64)
            }
        })
    }

    /// Per-cell mean inhibition in percent (`100 * (1 - viability)`), `None` for missing.
    pub fn mean_inhibition_pct(&self) -> Grid<Option<f64>> {
        self.mean_viability().map(|v| v.map(|v| 100.0 * (1.0 - v)))
    }

    /// The same block with drug A and drug B swapped.
    #[must_use]
    pub fn transpose(&self) -> Self {
        Self {
            id: self.id.clone(),
            drug_a: self.drug_b.clone(),
            drug_b: self.drug_a.clone(),
            conc_unit: self.conc_unit.clone(),
            input_scale: self.input_scale,
            doses_a: self.doses_b.clone(),
            doses_b: self.doses_a.clone(),
            replicates: self.replicates.transpose(),
            non_finite: self.non_finite.transpose(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_grid_with_replicates_and_missing() {
        let mut pts = Vec::new();
        for a in [0.0, 1.0, 3.0] {
            for b in [0.0, 2.0, 6.0] {
                if a == 3.0 && b == 6.0 {
                    continue;
                }
                pts.push(Point {
                    conc_a: a,
                    conc_b: b,
                    response: 90.0,
                });
                pts.push(Point {
                    conc_a: a,
                    conc_b: b,
                    response: 80.0,
                });
            }
        }
        pts.push(Point {
            conc_a: 1.0 + 1e-12,
            conc_b: 2.0,
            response: f64::NAN,
        });
        let m = DoseMatrix::new("b1", ResponseScale::PERCENT_VIABILITY, &pts).unwrap();
        assert_eq!(m.doses_a(), &[0.0, 1.0, 3.0]);
        assert_eq!(*m.n().get(1, 1), 2);
        assert_eq!(
            m.cell_missing(2, 2),
            Some(crate::MissingReason::NotMeasured)
        );
        let inh = m.mean_inhibition_pct();
        assert!((inh.get(0, 0).unwrap() - 15.0).abs() < 1e-12);
        assert!(inh.get(2, 2).is_none());
        let t = m.transpose();
        assert_eq!(t.doses_a(), &[0.0, 2.0, 6.0]);
        assert_eq!(
            t.cell_missing(2, 2),
            Some(crate::MissingReason::NotMeasured)
        );
    }

    #[test]
    fn rejects_bad_input() {
        let p = |a, b| Point {
            conc_a: a,
            conc_b: b,
            response: 1.0,
        };
        let e = DoseMatrix::new(
            "x",
            ResponseScale::FRACTION_VIABILITY,
            &[p(1.0, 0.0), p(2.0, 0.0), p(1.0, 1.0)],
        );
        assert!(matches!(e, Err(SynergyError::NoZeroDose { drug: 'A', .. })));
        let e = DoseMatrix::new("x", ResponseScale::FRACTION_VIABILITY, &[p(-1.0, 0.0)]);
        assert!(matches!(
            e,
            Err(SynergyError::BadConcentration { record: 0, .. })
        ));
        let e = DoseMatrix::new(
            "x",
            ResponseScale::FRACTION_VIABILITY,
            &[p(0.0, 0.0), p(1.0, 0.0), p(0.0, 1.0)],
        );
        assert!(matches!(e, Err(SynergyError::TooFewDoses { .. })));
    }
}
