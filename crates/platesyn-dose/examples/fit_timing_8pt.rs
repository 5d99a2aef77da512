//! Times `fit_curve` on the 8-point curves of the synergy crate's ZIP path: one monotherapy
//! (dose 0 + 7 doses, LL.4 free) and the same curve with `c` fixed at the zero-dose response
//! (how ZIP fits its row/column slices). Same data as `platesyn-synergy`'s `fit_timing`.
//!
//! Usage: `cargo run --release -p platesyn-dose --example fit_timing_8pt [reps]`

use std::time::Instant;

use platesyn_dose::{FitSpec, Fixed, ModelKind, fit_curve};

fn main() {
    let reps: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let d: Vec<f64> = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.01 * 3f64.powi(k)))
        .collect();
    let y: Vec<f64> = d
        .iter()
        .map(|&x| 95.0 * x.powf(1.5) / (0.3f64.powf(1.5) + x.powf(1.5)) + 0.5 * (x * 7.0).sin())
        .collect();
    for (name, fixed) in [
        ("free", Fixed::default()),
        (
            "c_fixed",
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
        let fit = fit_curve(&d, &y, &spec);
        let t0 = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(fit_curve(std::hint::black_box(&d), &y, &spec));
        }
        println!(
            "fit_curve 8-point {name}: {:.2} us per fit (b {:.6} c {:.6} d {:.6} e {:.6}, \
             {} LM iterations, status {})",
            t0.elapsed().as_secs_f64() / f64::from(reps) * 1e6,
            fit.b,
            fit.c,
            fit.d,
            fit.e,
            fit.iterations,
            fit.status
        );
    }
}
