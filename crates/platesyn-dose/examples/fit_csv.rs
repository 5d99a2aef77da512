//! Fit every curve of a CSV (`curve,dose,response`, rows grouped by curve) with LL.4 and print
//! timing: total wall time, median and mean microseconds per curve (single thread, starts and
//! standard errors included), status counts.
//!
//! Usage: `cargo run --release -p platesyn-dose --example fit_csv -- curves.csv [out.csv]`

use std::collections::BTreeMap;
use std::time::Instant;

use platesyn_dose::{FIT_COLUMNS, FitSpec, fit_curve};

/// CPU time of this thread in ns (Linux `/proc/thread-self/schedstat`), if available: unlike
/// wall time, it does not count the time other processes on a shared machine hold the CPU.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: fit_csv curves.csv [out.csv]")?;
    let mut rdr = csv::Reader::from_path(path)?;
    let mut curves: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let parse = |k: usize| -> Result<f64, String> {
            rec[k].trim().parse().map_err(|_| {
                format!(
                    "{path}: line {}: column {} is not a number",
                    line + 2,
                    k + 1
                )
            })
        };
        let id = rec[0].to_owned();
        if curves.last().is_none_or(|c| c.0 != id) {
            curves.push((id, Vec::new(), Vec::new()));
        }
        let c = curves.last_mut().expect("pushed above");
        c.1.push(parse(1)?);
        c.2.push(parse(2)?);
    }
    let spec = FitSpec::default();
    // warm-up (page in code, not timed)
    for (_, x, y) in curves.iter().take(100) {
        std::hint::black_box(fit_curve(x, y, &spec));
    }
    let mut times = Vec::with_capacity(curves.len());
    let mut fits = Vec::with_capacity(curves.len());
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for (_, x, y) in &curves {
        let t = Instant::now();
        let f = fit_curve(x, y, &spec);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        fits.push(f);
    }
    let total = t0.elapsed().as_secs_f64();
    let cpu = cpu0
        .zip(thread_cpu_ns())
        .map(|(a, b)| (b - a) as f64 * 1e-3);
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mut status: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &fits {
        *status.entry(f.status.name()).or_default() += 1;
    }
    println!(
        "platesyn: {} curves in {:.3} s; per curve median {:.1} us, mean {:.1} us, p95 {:.1} us",
        curves.len(),
        total,
        median,
        total * 1e6 / curves.len() as f64,
        sorted[sorted.len() * 95 / 100]
    );
    if let Some(cpu) = cpu {
        println!(
            "platesyn: CPU time of the fitting thread {:.1} us per curve (mean)",
            cpu / curves.len() as f64
        );
    }
    let failed = status.get("failed").copied().unwrap_or(0);
    println!("platesyn statuses: {status:?}; failures {failed}");
    let mut its: Vec<usize> = fits.iter().map(|f| f.iterations).collect();
    its.sort_unstable();
    println!(
        "LM iterations of the winning start: median {}, p95 {}, max {}",
        its[its.len() / 2],
        its[its.len() * 95 / 100],
        its[its.len() - 1]
    );
    if let Some(out) = args.get(2) {
        let mut w = csv::Writer::from_path(out)?;
        w.write_record(FIT_COLUMNS)?;
        for ((id, _, _), f) in curves.iter().zip(&fits) {
            w.write_record(f.row(id).to_record())?;
        }
        w.flush()?;
    }
    Ok(())
}
