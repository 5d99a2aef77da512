//! Criterion benchmark: LL.4 fits of synthetic curves (9 doses x 3 replicates, 5 % noise),
//! and the 8-point fits of the synergy crate's ZIP path (dose 0 + 7 doses, no replicates;
//! LL.4 free and with `c` fixed at the zero-dose response).

#[path = "common/eight_point.rs"]
mod eight_point;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use platesyn_dose::{FitSpec, Fixed, ModelKind, fit_curve};

fn curves(n: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut unif = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let b = 0.8 + 2.2 * unif();
            let c = 30.0 * unif();
            let e = 10f64.powf(-2.5 + 3.0 * unif());
            let mut x = Vec::new();
            let mut y = Vec::new();
            for i in 0..9 {
                let dose = 1e-3 * 10f64.powf(0.5 * f64::from(i));
                for _ in 0..3 {
                    let z = (unif() + unif() + unif() - 1.5) * 2.0;
                    x.push(dose);
                    y.push(c + (100.0 - c) / (1.0 + (b * (dose / e).ln()).exp()) + 5.0 * z);
                }
            }
            (x, y)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let data = curves(64);
    let spec = FitSpec::default();
    c.bench_function("ll4_fit_9x3", |bch| {
        let mut i = 0;
        bch.iter(|| {
            let (x, y) = &data[i % data.len()];
            i += 1;
            black_box(fit_curve(black_box(x), black_box(y), &spec))
        });
    });
}

fn bench_8pt(c: &mut Criterion) {
    let (d, y) = eight_point::eight_point();
    for (name, fixed) in [
        ("ll4_fit_8pt_free", Fixed::default()),
        (
            "ll4_fit_8pt_c_fixed",
            Fixed {
                c: Some(y[0]),
                ..Fixed::default()
            },
        ),
    ] {
        let spec = FitSpec {
            model: ModelKind::Ll4,
            fixed,
        };
        c.bench_function(name, |bch| {
            bch.iter(|| black_box(fit_curve(black_box(&d), black_box(&y), &spec)));
        });
    }
}

criterion_group!(benches, bench, bench_8pt);
criterion_main!(benches);
