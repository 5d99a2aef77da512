//! Property tests: dose scaling, row order, flat responses.
// Reference values are copied digit for digit from EXPECTED.txt.
#![allow(clippy::unreadable_literal)]

mod common;
use common::tol::INVARIANCE_REL;
use platesyn_dose::{FitSpec, FitStatus, fit_curve};
use proptest::prelude::*;

/// 9 doses (half-log from 1e-3) x 3 replicates of an LL.4 curve with deterministic noise.
fn curve(b: f64, c: f64, d: f64, e: f64, noise: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut state = seed | 1;
    let mut unif = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..9 {
        let dose = 1e-3 * 10f64.powf(0.5 * f64::from(i));
        for _ in 0..3 {
            let f = c + (d - c) / (1.0 + (b * (dose.ln() - e.ln())).exp());
            // sum of 3 uniforms: roughly normal
            let z = (unif() + unif() + unif() - 1.5) * 2.0;
            x.push(dose);
            y.push(f + noise * z);
        }
    }
    (x, y)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= INVARIANCE_REL * b.abs().max(1e-3)
}

/// Equal up to the optimizer's tolerance, measured against the parameter's own standard
/// error when the data pin it down poorly (a steep step between two doses leaves `b`
/// undetermined: its SE is then many times its value).
fn close_se(a: f64, b: f64, se: Option<f64>) -> bool {
    let scale = b.abs().max(se.unwrap_or(0.0)).max(1e-3);
    (a - b).abs() <= INVARIANCE_REL * scale
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn dose_scaling_scales_e(b in 0.6f64..4.0, e in 0.005f64..2.0, k in 1e-3f64..1e3, seed in any::<u64>()) {
        let (x, y) = curve(b, 5.0, 100.0, e, 4.0, seed);
        let f1 = fit_curve(&x, &y, &FitSpec::default());
        let xs: Vec<f64> = x.iter().map(|v| v * k).collect();
        let f2 = fit_curve(&xs, &y, &FitSpec::default());
        prop_assert_eq!(f1.status.name(), f2.status.name());
        prop_assert!(close_se(f2.e, f1.e * k, f1.se[3].map(|s| s * k)), "e {} vs {} * {}", f2.e, f1.e, k);
        prop_assert!(close_se(f2.b, f1.b, f1.se[0]), "b {} vs {}", f2.b, f1.b);
        prop_assert!(close_se(f2.c, f1.c, f1.se[1]), "c {} vs {}", f2.c, f1.c);
        prop_assert!(close_se(f2.d, f1.d, f1.se[2]), "d {} vs {}", f2.d, f1.d);
        prop_assert!(close(f2.rss, f1.rss));
    }

    #[test]
    fn row_order_is_irrelevant(b in 0.6f64..4.0, e in 0.005f64..2.0, seed in any::<u64>(), rot in 1usize..26) {
        let (x, y) = curve(b, 5.0, 100.0, e, 4.0, seed);
        let f1 = fit_curve(&x, &y, &FitSpec::default());
        // a permutation: reverse, then rotate
        let mut idx: Vec<usize> = (0..x.len()).rev().collect();
        idx.rotate_left(rot);
        let xp: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
        let yp: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
        let f2 = fit_curve(&xp, &yp, &FitSpec::default());
        prop_assert_eq!(f1.status.name(), f2.status.name());
        for (a, b) in [(f1.b, f2.b), (f1.c, f2.c), (f1.d, f2.d), (f1.e, f2.e), (f1.rss, f2.rss)] {
            prop_assert!(close(b, a), "{} vs {}", b, a);
        }
    }

    #[test]
    fn perfectly_flat_is_flat(level in -1e3f64..1e3) {
        let (x, _) = curve(1.0, 0.0, 1.0, 0.1, 0.0, 1);
        let y = vec![level; x.len()];
        let f = fit_curve(&x, &y, &FitSpec::default());
        prop_assert_eq!(&f.status, &FitStatus::Flat);
        let row = f.row("flat");
        prop_assert!(row.ed50.is_none() && row.ic50_abs.is_none() && row.e.is_none());
        prop_assert!((f.predict(0.5) - level).abs() <= 1e-9 * level.abs().max(1.0));
    }
}
