//! Shared helpers for the fixture-driven tests: locating `../shared/ref`, loading the
//! synergy reference CSVs, and every numerical tolerance (in one place).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use platesyn_synergy::{DoseMatrix, Point, ResponseScale};

/// Tolerances, each traced to the reference precision it comes from
/// (../shared/ref/synergy/README.md, "Tolerances to test against").
pub mod tol {
    /// Bliss/HSA need no fitting; the two reference implementations agree to 1e-14 and the
    /// CSVs carry 10 significant digits (percentage points).
    pub const BLISS_HSA_CELL: f64 = 1e-6;
    /// Bliss on a surface generated in double precision from the README's Hill parameters:
    /// the 1e-9 (points).
    pub const BLISS_INDEPENDENT_ZERO: f64 = 1e-9;
    /// Block means published to 3 decimals (mathews, ONEIL in the README): half a unit in
    /// the last place plus the README's own rounding (ONEIL 2 HSA -71.78848 is printed
    /// as -71.789).
    pub const PUBLISHED_MEAN: f64 = 1e-3;
    /// Exact-mode Loewe on the Loewe-additive scenario (points) and CI = 1 (index units):
    /// README, 1e-6.
    pub const LOEWE_ADDITIVE_ZERO: f64 = 1e-6;
    /// Combination index on the Loewe-additive scenario (the median-effect equation is
    /// exact there): README, 1e-6.
    pub const CI_ADDITIVE_ONE: f64 = 1e-6;
    /// ZIP block mean vs drc-based reference: README, 0.5 points.
    pub const ZIP_MEAN: f64 = 0.5;
    /// ZIP per cell on the Bliss-independent, Loewe-additive and synergy scenarios:
    /// README, 1 point.
    pub const ZIP_CELL: f64 = 1.0;
    /// ZIP per cell on the antagonism scenario (drc and scipy fits differ by up to 5.3
    /// points there): README, 6 points.
    pub const ZIP_CELL_ANTAGONISM: f64 = 6.0;
    /// SynergyFinder-mode Loewe per cell (100-step grid quantises to ~1 point): README,
    /// 1.5 points.
    pub const SF_LOEWE_CELL: f64 = 1.5;
    /// SynergyFinder-mode Loewe block mean: README, 1 point.
    pub const SF_LOEWE_MEAN: f64 = 1.0;
    /// Our median-effect CI vs the `synergy` package's CombinationIndex (same linear
    /// regression; CSV carries 10 significant digits): relative.
    pub const CHOU_CI_REL: f64 = 1e-6;
    /// Floating-point identity checks (transposition, seeded determinism).
    pub const EXACT: f64 = 1e-9;
}

pub use platesyn_plate::testing::shared_ref;

/// `../shared/ref/synergy`, if present.
pub fn synergy_ref() -> Option<PathBuf> {
    shared_ref().map(|p| p.join("synergy"))
}

/// A reference CSV as rows of column -> value (empty or unparsable = NaN).
pub struct Table {
    pub rows: Vec<HashMap<String, f64>>,
}

impl Table {
    pub fn load(path: &Path) -> Table {
        let mut rdr =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header: Vec<String> = rdr
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = rdr
            .records()
            .map(|r| {
                let r = r.expect("row");
                header
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.clone(), v.parse::<f64>().unwrap_or(f64::NAN)))
                    .collect()
            })
            .collect();
        Table { rows }
    }

    pub fn col(&self, row: usize, name: &str) -> f64 {
        *self.rows[row]
            .get(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// Block from `drug_a_conc`, `drug_b_conc` and `inhibition_pct` (percent inhibition).
    pub fn block(&self, id: &str) -> DoseMatrix {
        let pts: Vec<Point> = (0..self.rows.len())
            .map(|k| Point {
                conc_a: self.col(k, "drug_a_conc"),
                conc_b: self.col(k, "drug_b_conc"),
                response: self.col(k, "inhibition_pct"),
            })
            .collect();
        DoseMatrix::new(id, ResponseScale::PERCENT_INHIBITION, &pts).expect("reference block")
    }

    /// Grid indices of row `k` in `m`.
    pub fn index_of(&self, m: &DoseMatrix, k: usize) -> (usize, usize) {
        let a = self.col(k, "drug_a_conc");
        let b = self.col(k, "drug_b_conc");
        let i = m.doses_a().iter().position(|&x| x == a).expect("dose a");
        let j = m.doses_b().iter().position(|&x| x == b).expect("dose b");
        (i, j)
    }
}

/// The four synthetic scenarios and two mathews blocks: (reference file, sf_drc file).
pub const MATRICES: [(&str, &str); 6] = [
    (
        "scenario_bliss_independent.csv",
        "scenario_bliss_independent_sfdrc.csv",
    ),
    (
        "scenario_loewe_additive.csv",
        "scenario_loewe_additive_sfdrc.csv",
    ),
    (
        "scenario_synergy_musyc_a5.csv",
        "scenario_synergy_musyc_a5_sfdrc.csv",
    ),
    (
        "scenario_antagonism_musyc_a0.2.csv",
        "scenario_antagonism_musyc_a0.2_sfdrc.csv",
    ),
    (
        "mathews_block1_ispinesib_ibrutinib.csv",
        "mathews_block1_ispinesib_ibrutinib_sfdrc.csv",
    ),
    (
        "mathews_block2_canertinib_ibrutinib.csv",
        "mathews_block2_canertinib_ibrutinib_sfdrc.csv",
    ),
];

/// All sf_drc files (scenarios, mathews, ONEIL replicate means).
pub const SFDRC_FILES: [&str; 8] = [
    "scenario_bliss_independent_sfdrc.csv",
    "scenario_loewe_additive_sfdrc.csv",
    "scenario_synergy_musyc_a5_sfdrc.csv",
    "scenario_antagonism_musyc_a0.2_sfdrc.csv",
    "mathews_block1_ispinesib_ibrutinib_sfdrc.csv",
    "mathews_block2_canertinib_ibrutinib_sfdrc.csv",
    "oneil_block1_replicate_mean_sfdrc.csv",
    "oneil_block2_replicate_mean_sfdrc.csv",
];

/// Hill curve on viability fraction: `E0 + (Emax - E0) d^h / (C^h + d^h)`.
pub fn hill(d: f64, e0: f64, emax: f64, h: f64, c: f64) -> f64 {
    let dh = d.powf(h);
    e0 + (emax - e0) * dh / (c.powf(h) + dh)
}

/// The scenario dose grid (README): A 0, 0.01 * 3^k; B 0, 0.02 * 3^k, k = 0..6.
pub fn scenario_doses() -> (Vec<f64>, Vec<f64>) {
    let a = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.01 * 3f64.powi(k)))
        .collect();
    let b = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.02 * 3f64.powi(k)))
        .collect();
    (a, b)
}
