//! Per-block cost of `score_block` with the default options (drc-compatible fits, SF-mode
//! Loewe, ZIP, Bliss, HSA, combination index) on the criterion bench's 8x8 block, as thread
//! CPU time from `/proc/thread-self/schedstat` (nanosecond resolution; independent of wall
//! clock on a loaded machine). With `fingerprint <dir>` instead prints the full `Debug` of the
//! scored reference blocks in `<dir>/sf_drc` and of 300 perturbed bench blocks, so that two
//! builds can be diffed for bit-identical output.
//! With `cells <dir>` prints the ZIP and Loewe score of every cell of the same blocks, one
//! per line, and with `means <dir>` every model's block summary, for comparing two builds
//! number by number. A second argument, a `platesyn analyze` output directory (the demo
//! screen), adds its blocks, rebuilt from its `wells.csv`; stderr then says whether the
//! build reproduces its `synergy_cells.csv` to the bit.
//! Usage: `block_timing [reps]`, `block_timing fingerprint ../shared/ref/synergy [OUT]`,
//! `block_timing cells ../shared/ref/synergy [OUT]` or `block_timing means ... [OUT]`.

use std::hint::black_box;

#[path = "../benches/common/bench_matrix.rs"]
mod bench_matrix;

use bench_matrix::matrix;
use platesyn_synergy::{
    DoseMatrix, Model, Point, ResponseScale, ScoreOptions, score_block, summarize,
};

/// Thread CPU time in nanoseconds (first field of `/proc/thread-self/schedstat`).
fn cpu_ns() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// The reference blocks of `<dir>/sf_drc` and 300 perturbed bench blocks, with names.
fn blocks(dir: &str) -> Vec<(String, DoseMatrix)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(format!("{dir}/sf_drc"))
        .expect("sf_drc dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.to_string_lossy().contains("summary"))
        .collect();
    names.sort();
    for p in names {
        let text = std::fs::read_to_string(&p).expect("csv");
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().expect("header").split(',').collect();
        let col = |name: &str| {
            head.iter()
                .position(|h| h.trim_matches('"') == name)
                .expect("column")
        };
        let (ca, cb, cr) = (
            col("drug_a_conc"),
            col("drug_b_conc"),
            col("inhibition_pct"),
        );
        let pts: Vec<Point> = lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let num = |k: usize| f[k].trim_matches('"').parse::<f64>().unwrap_or(f64::NAN);
                Point {
                    conc_a: num(ca),
                    conc_b: num(cb),
                    response: num(cr),
                }
            })
            .collect();
        let m = DoseMatrix::new("ref", ResponseScale::PERCENT_INHIBITION, &pts).expect("block");
        out.push((p.display().to_string(), m));
    }
    for k in 0..300 {
        let kf = f64::from(k);
        out.push((
            format!("perturbed {k}"),
            matrix(0.002 + 0.0005 * kf, 0.37 * kf),
        ));
    }
    out
}

/// [`blocks`] and, with an analyze output directory, the [`demo_blocks`].
fn all_blocks(dir: &str, demo: Option<&str>) -> Vec<(String, DoseMatrix)> {
    let mut out = blocks(dir);
    if let Some(path) = demo {
        out.extend(demo_blocks(path));
    }
    out
}

fn fingerprint(dir: &str, demo: Option<&str>) {
    for (name, m) in all_blocks(dir, demo) {
        println!("{name}\n{:?}", score_block(&m, ScoreOptions::default()));
    }
}

/// Block mean, most synergistic area and p-value of every model of every block, one per
/// line.
fn means(dir: &str, demo: Option<&str>) {
    for (name, m) in all_blocks(dir, demo) {
        let s = score_block(&m, ScoreOptions::default());
        for model in Model::ALL {
            let b = summarize(&s, model, None);
            for (what, v) in [("mean", b.mean), ("msa", b.msa), ("p_value", b.p_value)] {
                println!("{name}\t{}\t{what}\t{v:?}", model.name());
            }
        }
    }
}

/// The synergy blocks of a `platesyn analyze` output directory (the demo screen), rebuilt
/// from its `wells.csv` as `platesyn` builds them (sample wells that are not excluded, with
/// a finite viability and both drugs named; percent viability); reports on stderr how many of the Bliss/HSA/Loewe/ZIP values of its
/// `synergy_cells.csv` the rescoring does not reproduce exactly (0 when the output was
/// written by a build that scores like this one).
fn demo_blocks(out_dir: &str) -> Vec<(String, DoseMatrix)> {
    let mut order: Vec<String> = Vec::new();
    let mut points: std::collections::HashMap<String, Vec<Point>> =
        std::collections::HashMap::new();
    let mut rdr = csv::Reader::from_path(format!("{out_dir}/wells.csv")).expect("wells.csv");
    let head = rdr.headers().expect("header").clone();
    let col = |name: &str| head.iter().position(|h| h == name).expect("column");
    let (crole, cline, cda, cdb, cca, ccb, cv, cex) = (
        col("role"),
        col("cell_line"),
        col("drug_a"),
        col("drug_b"),
        col("conc_a"),
        col("conc_b"),
        col("viability_pct"),
        col("excluded"),
    );
    for r in rdr.records() {
        let r = r.expect("record");
        let v = r[cv].parse::<f64>().unwrap_or(f64::NAN);
        if &r[crole] != "sample" || &r[cex] != "false" || !v.is_finite() {
            continue;
        }
        if r[cda].is_empty() || r[cdb].is_empty() {
            continue;
        }
        let conc = |k: usize| r[k].parse::<f64>().unwrap_or(0.0);
        let id = format!("{}/{}+{}", &r[cline], &r[cda], &r[cdb]);
        if !points.contains_key(&id) {
            order.push(id.clone());
        }
        points.entry(id).or_default().push(Point {
            conc_a: conc(cca),
            conc_b: conc(ccb),
            response: v,
        });
    }
    // the file's scores: block -> (conc_a, conc_b, [bliss, hsa, loewe, zip])
    let mut want: std::collections::HashMap<String, Vec<(f64, f64, [f64; 4])>> =
        std::collections::HashMap::new();
    let mut rdr =
        csv::Reader::from_path(format!("{out_dir}/synergy_cells.csv")).expect("synergy_cells");
    let head = rdr.headers().expect("header").clone();
    let col = |name: &str| head.iter().position(|h| h == name).expect("column");
    let (cblock, ca, cb) = (col("block"), col("conc_a"), col("conc_b"));
    let models = ["bliss", "hsa", "loewe", "zip"].map(col);
    for r in rdr.records() {
        let r = r.expect("record");
        let num = |k: usize| r[k].parse::<f64>().unwrap_or(f64::NAN);
        want.entry(r[cblock].to_owned())
            .or_default()
            .push((num(ca), num(cb), models.map(num)));
    }
    order.sort();
    let mut mismatches = 0usize;
    let mut compared = 0usize;
    let mut out = Vec::new();
    for id in order {
        let m = DoseMatrix::new(id.as_str(), ResponseScale::PERCENT_VIABILITY, &points[&id])
            .expect("demo block");
        let s = score_block(&m, ScoreOptions::default());
        for &(a, b, w) in want.get(&id).map_or(&[][..], Vec::as_slice) {
            let i = s.doses_a.iter().position(|&d| d == a).expect("dose a");
            let j = s.doses_b.iter().position(|&d| d == b).expect("dose b");
            for (k, sm) in [&s.bliss, &s.hsa, &s.loewe, &s.zip].into_iter().enumerate() {
                let got = sm.cells.get(i, j).value().unwrap_or(f64::NAN);
                compared += 1;
                if got.to_bits() != w[k].to_bits() && !(got.is_nan() && w[k].is_nan()) {
                    mismatches += 1;
                }
            }
        }
        out.push((format!("demo {id}"), m));
    }
    eprintln!("demo: {mismatches} of {compared} scores differ from {out_dir}/synergy_cells.csv");
    out
}

fn cells(dir: &str, demo: Option<&str>) {
    for (name, m) in all_blocks(dir, demo) {
        let s = score_block(&m, ScoreOptions::default());
        for (model, sm) in [("zip", &s.zip), ("loewe", &s.loewe)] {
            for (i, j, c) in sm.cells.iter() {
                println!("{name}\t{model}\t{i}\t{j}\t{:?}", c.value());
            }
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("fingerprint") {
        let dir = args.next().expect("reference dir");
        fingerprint(&dir, args.next().as_deref());
        return;
    }
    if first.as_deref() == Some("cells") {
        let dir = args.next().expect("reference dir");
        cells(&dir, args.next().as_deref());
        return;
    }
    if first.as_deref() == Some("means") {
        let dir = args.next().expect("reference dir");
        means(&dir, args.next().as_deref());
        return;
    }
    let reps: u32 = first.map_or(2000, |s| s.parse().expect("reps"));
    let m = matrix(0.01, 0.0);
    let opts = ScoreOptions::default();
    for _ in 0..reps / 10 {
        black_box(score_block(black_box(&m), opts));
    }
    let c0 = cpu_ns();
    for _ in 0..reps {
        black_box(score_block(black_box(&m), opts));
    }
    let c1 = cpu_ns();
    println!("{:.4} ms CPU per block", (c1 - c0) / f64::from(reps) / 1e6);
}
