//! Throughput of reading a full 384-well BMG LABTECH MARS absorbance export (CSV, plate
//! format), from bytes to a typed plate: decoding, detection (or not) and parsing.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use platesyn_plate::{SourceFormat, read_bytes};
use std::fmt::Write as _;
use std::hint::black_box;

/// A MARS export shaped like `16-03-03_16-54-03_472_ABS_384_QC.csv` but with all 384 wells
/// read (values 0.030..3.5 with three decimals, as MARS writes absorbance).
fn mars_384() -> String {
    let mut s = String::new();
    s.push_str("User: USER,Path: C:\\Program Files (x86)\\BMG\\PHERAstar\\User\\Data,Test run no.: 3,,,,,,,,,,,,,,,,,,,,,,\r\n");
    s.push_str(
        "Test name: 472 ABS 384 QC,Date: 03/03/2016,Time: 16:54:03,,,,,,,,,,,,,,,,,,,,,,\r\n",
    );
    s.push_str(",,,,,,,,,,,,,,,,,,,,,,,,\r\nID1: 472-0016,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
    s.push_str("Absorbance,,,,,,,,,,,,,,,,,,,,,,,,\r\n,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
    s.push_str("Raw Data (484),,,,,,,,,,,,,,,,,,,,,,,,\r\n,,,,,,,,,,,,,,,,,,,,,,,,\r\n");
    for c in 1..=24 {
        write!(s, ",{c}").unwrap();
    }
    s.push_str("\r\n");
    for r in 0..16u32 {
        s.push(char::from(b'A' + r as u8));
        for c in 0..24u32 {
            let milli = 30 + (r * 24 + c) * 9 % 3470;
            write!(s, ",{}.{:03}", milli / 1000, milli % 1000).unwrap();
        }
        s.push_str("\r\n");
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = mars_384();
    let bytes = text.as_bytes();
    let check = read_bytes("bench.csv", bytes, None).expect("bench file parses");
    assert_eq!(check.format, SourceFormat::BmgMars);
    assert_eq!(
        check.plates[0].reads[0].values.iter().flatten().count(),
        384
    );
    cpu_time_throughput(bytes, Some(SourceFormat::BmgMars), "format given");
    cpu_time_throughput(bytes, None, "format detected");
    let mut g = c.benchmark_group("parse_bmg_384");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("format_given", |b| {
        b.iter(|| read_bytes("bench.csv", black_box(bytes), Some(SourceFormat::BmgMars)).unwrap());
    });
    g.bench_function("format_detected", |b| {
        b.iter(|| read_bytes("bench.csv", black_box(bytes), None).unwrap());
    });
    g.finish();
}

/// CPU time this thread has run, in ns (Linux `/proc/thread-self/schedstat`), if available.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Criterion reports wall-clock time; on a loaded shared machine that mostly measures waiting
/// for a core. This also prints throughput per CPU second of the benchmarking thread (the best
/// of five rounds, as other processes also evict caches).
fn cpu_time_throughput(bytes: &[u8], format: Option<SourceFormat>, what: &str) {
    const ITERATIONS: u32 = 20_000;
    const ROUNDS: usize = 5;
    let mut best: Option<(f64, f64)> = None;
    for _ in 0..ROUNDS {
        let Some(start) = thread_cpu_ns() else {
            return;
        };
        let wall = std::time::Instant::now();
        for _ in 0..ITERATIONS {
            black_box(read_bytes("bench.csv", black_box(bytes), format).unwrap());
        }
        let Some(end) = thread_cpu_ns() else {
            return;
        };
        let round = ((end - start) as f64 * 1e-9, wall.elapsed().as_secs_f64());
        if best.is_none_or(|b| round.0 < b.0) {
            best = Some(round);
        }
    }
    let Some((cpu_s, wall_s)) = best else {
        return;
    };
    let mb = bytes.len() as f64 * f64::from(ITERATIONS) / 1e6;
    println!(
        "parse_bmg_384 ({what}): {} bytes/file, {:.1} us CPU/file, {:.0} MB per CPU second \
         ({:.0} MB per wall second)",
        bytes.len(),
        cpu_s * 1e6 / f64::from(ITERATIONS),
        mb / cpu_s,
        mb / wall_s
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
