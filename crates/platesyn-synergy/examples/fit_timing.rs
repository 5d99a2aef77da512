//! How much of a block's scoring time is LL.4 fitting: times `platesyn_dose::fit_curve`
//! (global) and `platesyn_dose::fit_ll4_drc` (drc-compatible) on one 8-point monotherapy
//! (free LL.4) and one 8-point slice (`c` fixed).

#[path = "../../platesyn-dose/benches/common/eight_point.rs"]
mod eight_point;

use std::time::Instant;

use platesyn_dose::{FitSpec, Fixed, ModelKind, fit_curve, fit_ll4_drc};

fn main() {
    let (d, y) = eight_point::eight_point();
    let reps = 20000;
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
        let c0 = thread_cpu_seconds().unwrap_or(f64::NAN);
        let t0 = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(fit_curve(std::hint::black_box(&d), &y, &spec));
        }
        println!(
            "fit_curve {name}: {:.1} us wall, {:.1} us cpu",
            t0.elapsed().as_secs_f64() / f64::from(reps) * 1e6,
            (thread_cpu_seconds().unwrap_or(f64::NAN) - c0) / f64::from(reps) * 1e6
        );
        let c0 = thread_cpu_seconds().unwrap_or(f64::NAN);
        let t0 = Instant::now();
        let mut it = 0;
        for _ in 0..reps {
            let f = fit_ll4_drc(std::hint::black_box(&d), &y, fixed.c).expect("drc fit");
            it = f.iterations;
        }
        println!(
            "fit_ll4_drc {name}: {:.1} us wall, {:.1} us cpu ({it} BFGS iterations)",
            t0.elapsed().as_secs_f64() / f64::from(reps) * 1e6,
            (thread_cpu_seconds().unwrap_or(f64::NAN) - c0) / f64::from(reps) * 1e6
        );
    }
}

/// CPU time (user + system) of the calling thread in seconds, from `/proc/thread-self/stat`
/// (clock ticks of 10 ms; `None` where unavailable). Wall time on a loaded machine
/// overstates the work; this does not.
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // fields after the parenthesised command name; utime and stime are fields 14 and 15
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
