//! How much of a block's scoring time is LL.4 fitting: times `platesyn_dose::fit_curve` on
//! one 8-point monotherapy (free LL.4) and one 8-point slice (`c` fixed).

use std::time::Instant;

use platesyn_dose::{FitSpec, Fixed, ModelKind, fit_curve};

fn main() {
    let d: Vec<f64> = std::iter::once(0.0)
        .chain((0..7).map(|k| 0.01 * 3f64.powi(k)))
        .collect();
    let y: Vec<f64> = d
        .iter()
        .map(|&x| 95.0 * x.powf(1.5) / (0.3f64.powf(1.5) + x.powf(1.5)) + 0.5 * (x * 7.0).sin())
        .collect();
    let reps = 5000;
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
        let t0 = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(fit_curve(std::hint::black_box(&d), &y, &spec));
        }
        println!(
            "fit_curve {name}: {:.1} us",
            t0.elapsed().as_secs_f64() / f64::from(reps) * 1e6
        );
    }
}
