//! All four models (plus the combination index) on an 8x8 block, with the default
//! drc-compatible LL.4 fits and with the global (least-squares) fits.
//! Run: `cargo bench -p platesyn-synergy --bench synergy`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use platesyn_synergy::{DoseMatrix, FitMode, LoeweMode, ResponseScale, ScoreOptions, score_block};

/// The synergy_musyc_a5-like 8x8 test matrix (Bliss-independent Hill pair + a smooth
/// deterministic interaction), viability fraction. Same values as
/// benches/synergy_vs_python/matrix.csv.
pub fn matrix() -> DoseMatrix {
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
            v.push(e * (1.0 - 0.3 * (i * j) as f64 / 49.0) + 0.01 * (1.7 * k + 0.3).sin());
        }
    }
    DoseMatrix::from_grid("bench", ResponseScale::FRACTION_VIABILITY, &da, &db, &v).expect("8x8")
}

fn bench(c: &mut Criterion) {
    let m = matrix();
    for (name, loewe) in [
        ("sf_loewe", LoeweMode::SynergyFinder),
        ("exact_loewe", LoeweMode::Exact),
    ] {
        let opts = ScoreOptions {
            loewe,
            combination_index: false,
            ..ScoreOptions::default()
        };
        c.bench_function(&format!("score_8x8_all_models_{name}"), |b| {
            b.iter(|| score_block(black_box(&m), black_box(opts)));
        });
    }
    let opts = ScoreOptions {
        combination_index: false,
        fit: FitMode::Global,
        ..ScoreOptions::default()
    };
    c.bench_function("score_8x8_all_models_sf_loewe_global_fits", |b| {
        b.iter(|| score_block(black_box(&m), black_box(opts)));
    });
    let opts = ScoreOptions::default();
    c.bench_function("score_8x8_all_models_plus_ci", |b| {
        b.iter(|| score_block(black_box(&m), black_box(opts)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
