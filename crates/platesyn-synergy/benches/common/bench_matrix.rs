//! The 8x8 block shared by the criterion bench (`benches/synergy.rs`) and the
//! `block_timing` example.

use platesyn_synergy::{DoseMatrix, ResponseScale};

/// The synergy_musyc_a5-like 8x8 test matrix (Bliss-independent Hill pair + a smooth
/// deterministic interaction), viability fraction, with `noise` scaling the smooth
/// deterministic disturbance and `phase` shifting it. `matrix(0.01, 0.0)` is the criterion
/// bench's block, the same values as benches/synergy_vs_python/matrix.csv.
pub fn matrix(noise: f64, phase: f64) -> DoseMatrix {
    let hill = |d: f64, emax: f64, h: f64, c: f64| {
        1.0 + (emax - 1.0) * d.powf(h) / (c.powf(h) + d.powf(h))
    };
    let da: Vec<f64> = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.01 * 3f64.powi(k)))
        .collect();
    let db: Vec<f64> = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.02 * 3f64.powi(k)))
        .collect();
    let mut v = Vec::new();
    for (i, &a) in da.iter().enumerate() {
        for (j, &b) in db.iter().enumerate() {
            let e = hill(a, 0.05, 1.5, 0.3) * hill(b, 0.25, 1.0, 1.0);
            let k = (i * 8 + j) as f64;
            v.push(e * (1.0 - 0.3 * (i * j) as f64 / 49.0) + noise * (1.7 * k + 0.3 + phase).sin());
        }
    }
    DoseMatrix::from_grid("bench", ResponseScale::FRACTION_VIABILITY, &da, &db, &v).expect("8x8")
}
