//! All four models (plus the combination index) on an 8x8 block, with the default
//! drc-compatible LL.4 fits and with the global (least-squares) fits.
//! Run: `cargo bench -p platesyn-synergy --bench synergy`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
#[path = "common/bench_matrix.rs"]
mod bench_matrix;

use platesyn_synergy::{FitMode, LoeweMode, ScoreOptions, score_block};

fn bench(c: &mut Criterion) {
    let m = bench_matrix::matrix(0.01, 0.0);
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
