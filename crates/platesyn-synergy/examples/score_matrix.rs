//! Score one long-format matrix CSV (`drug_a_conc,drug_b_conc,viability`, viability as a
//! fraction) with all four models, `reps` times, and print the mean time per block.
//! Used by benches/synergy_vs_python/run.sh. Usage: `score_matrix <csv> [reps] [drc|global]`
//! (the LL.4 fitter, [`FitMode`]; default drc-compatible, as `ScoreOptions::default()`).

use std::time::Instant;

use platesyn_synergy::{
    FitMode, HeaderMap, LongRecord, Model, ResponseScale, ScoreOptions, group_records, score_block,
    summarize,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: score_matrix <csv> [reps]");
    let reps: usize = args.next().map_or(2000, |s| s.parse().expect("reps"));
    let fit = match args.next().as_deref() {
        None | Some("drc") => FitMode::DrcCompatible,
        Some("global") => FitMode::Global,
        Some(other) => panic!("unknown fitter {other:?}: expected drc or global"),
    };
    let mut rdr = csv::Reader::from_path(&path).expect("readable csv");
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    // map this file's column names onto the long-table fields
    let mapped: Vec<String> = header
        .iter()
        .map(|h| match h.as_str() {
            "drug_a_conc" => "conc_a".to_owned(),
            "drug_b_conc" => "conc_b".to_owned(),
            "viability" => "response".to_owned(),
            other => other.to_owned(),
        })
        .chain(std::iter::once("block".to_owned()))
        .collect();
    let map = HeaderMap::from_header(&mapped).expect("header");
    let mut recs: Vec<LongRecord> = Vec::new();
    for (k, r) in rdr.records().enumerate() {
        let r = r.expect("row");
        let mut fields: Vec<String> = r.iter().map(str::to_owned).collect();
        fields.push("bench".to_owned());
        recs.push(map.parse_row(&fields, k + 2).expect("row"));
    }
    let blocks = group_records(&recs, ResponseScale::FRACTION_VIABILITY).expect("block");
    let opts = ScoreOptions {
        combination_index: false,
        fit,
        ..ScoreOptions::default()
    };
    println!("platesyn_fit_mode {fit:?}");
    let s = score_block(&blocks[0], opts);
    for m in Model::ALL {
        println!(
            "platesyn_{}_mean {:.4}",
            m.name(),
            summarize(&s, m, None).mean.unwrap_or(f64::NAN)
        );
    }
    let c0 = thread_cpu_seconds();
    let t0 = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(score_block(std::hint::black_box(&blocks[0]), opts));
    }
    let wall = t0.elapsed().as_secs_f64() / reps as f64;
    if let (Some(a), Some(b)) = (c0, thread_cpu_seconds()) {
        println!(
            "platesyn_cpu_seconds_per_block {:.9}",
            (b - a) / reps as f64
        );
    }
    println!("platesyn_seconds_per_block {wall:.9}");
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
