//! Times PNG heatmap rendering (thread CPU time per figure, one thread), for issue #7.
//!
//! `cargo run --release -p platesyn-report --example heatmap_bench [N]` prints the CPU
//! milliseconds per heatmap of drawing, of PNG encoding, and of both (`render_png`).

use std::time::Duration;

use platesyn_report::figures::{DoseAxis, Figure, SynergyHeatmap};
use plotters::prelude::{BitMapBackend, IntoDrawingArea};

/// CPU time of the calling thread (from `/proc/thread-self/schedstat`; wall time elsewhere).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(
            || {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
            },
            Duration::from_nanos,
        )
}

/// A screen-like heatmap: 8 drug A doses × 10 drug B doses, scores varying with `k`.
fn heatmap(k: usize) -> SynergyHeatmap {
    let a: Vec<f64> = (0..8)
        .map(|i| {
            if i == 0 {
                0.0
            } else {
                1.371_742 * 3f64.powi(i - 1)
            }
        })
        .collect();
    let b: Vec<f64> = (0..10)
        .map(|j| {
            if j == 0 {
                0.0
            } else {
                0.5 * 2.5f64.powi(j - 1)
            }
        })
        .collect();
    let scores = (0..8)
        .map(|i| {
            (0..10)
                .map(|j| {
                    let x = ((i * 31 + j * 17 + k * 7) % 97) as f64 / 97.0;
                    (x != 0.5).then_some((x - 0.45) * 40.0 + i as f64 * 0.123)
                })
                .collect()
        })
        .collect();
    let mut h = SynergyHeatmap::new(
        format!("line{}: birinapant x drug{}", k % 13, k % 7),
        "ZIP",
        DoseAxis {
            drug: "birinapant".into(),
            unit: "nM".into(),
            doses: a,
        },
        DoseAxis {
            drug: format!("drug{}", k % 7),
            unit: "nM".into(),
            doses: b,
        },
        scores,
    );
    h.block_mean = Some(1.234 + k as f64 * 0.01);
    h
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let figs: Vec<SynergyHeatmap> = (0..n).map(heatmap).collect();
    // warm up (font registration, caches)
    let _ = figs[0].to_png().expect("render");
    let t0 = thread_cpu();
    let mut bytes = 0usize;
    for f in &figs {
        bytes += f.to_png().expect("render").len();
    }
    let total = thread_cpu().saturating_sub(t0);
    let t1 = thread_cpu();
    for f in &figs {
        let _ = platesyn_report::figures::render_rgb(f).expect("draw");
    }
    let draw = thread_cpu().saturating_sub(t1);
    let t2 = thread_cpu();
    for f in &figs {
        let (w, h) = f.size();
        let mut buf = vec![0u8; w as usize * h as usize * 3];
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        f.draw(&root).expect("draw");
        root.present().expect("present");
    }
    let plain = thread_cpu().saturating_sub(t2);
    let per = |d: Duration| d.as_secs_f64() * 1e3 / n as f64;
    println!(
        "plotters' own BitMapBackend: draw {:.3} ms CPU each",
        per(plain)
    );
    println!(
        "{n} heatmaps: render_png {:.3} ms CPU each (draw {:.3}, encode {:.3}), {:.0} bytes each",
        per(total),
        per(draw),
        per(total) - per(draw),
        bytes as f64 / n as f64
    );
}
