//! Helpers shared by the fixture-driven tests: locating `../shared/ref` and loading the
//! expected well tables in `../shared/ref/plates/expected/`.
#![allow(dead_code)]

use std::path::PathBuf;

#[allow(unused_imports)] // not every test binary including this module reads ../shared
pub use platesyn_plate::testing::shared_ref;

/// One row of an `expected/*.expected.csv` table.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedRow {
    /// Plate id.
    pub plate: String,
    /// Well, unpadded (`A1`).
    pub well: String,
    /// Wavelength in nm as text, or empty.
    pub read: String,
    /// The number, when not flagged.
    pub value: Option<f64>,
    /// The flag text from the reference, or empty.
    pub flag: String,
}

/// Load an expected table.
pub fn load_expected(path: &std::path::Path) -> Vec<ExpectedRow> {
    let mut rdr = csv::Reader::from_path(path).expect("expected table readable");
    rdr.records()
        .map(|r| {
            let r = r.expect("expected row");
            ExpectedRow {
                plate: r[0].to_owned(),
                well: r[1].to_owned(),
                read: r[2].to_owned(),
                value: r[3].parse().ok(),
                flag: r[4].to_owned(),
            }
        })
        .collect()
}

/// The crate's own fixtures directory.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// wellmap oracle values are written by Python `repr()` (shortest round-trip) and compared
/// after parsing both sides to f64, so equal doubles compare equal: exact.
pub const ORACLE_TOLERANCE: f64 = 0.0;

/// Dilution-series concentrations (`top / factor^k` in f64) against their closed form:
/// relative, a few ulps of f64 (powi and division may round differently).
pub const CONC_RTOL: f64 = 1e-12;
