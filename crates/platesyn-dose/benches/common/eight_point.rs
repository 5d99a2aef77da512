//! The 8-point curve of the synergy crate's ZIP path (dose 0 + 7 doses, percent inhibition),
//! shared by the dose crate's criterion bench (`benches/fit.rs`) and the synergy crate's
//! `fit_timing` example.

/// Doses and responses of the curve.
pub fn eight_point() -> (Vec<f64>, Vec<f64>) {
    let d: Vec<f64> = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.01 * 3f64.powi(k)))
        .collect();
    let y = d
        .iter()
        .map(|&x| 95.0 * x.powf(1.5) / (0.3f64.powf(1.5) + x.powf(1.5)) + 0.5 * (x * 7.0).sin())
        .collect();
    (d, y)
}
