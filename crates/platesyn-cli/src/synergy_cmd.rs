//! `platesyn synergy DATA --response viability|inhibition --scale percent|fraction
//! [--loewe sf|exact] [--summary] [--out PATH]`: score every dose-matrix block of a long table.
//!
//! Input: a long CSV, one row per well or per (block, conc_a, conc_b) mean, with the columns
//! `block`, `conc_a`, `conc_b`, `response` (SynergyFinder names such as `PairIndex`, `Conc1`,
//! `Conc2`, `Response`, `Drug1`, `Drug2`, `ConcUnit` are accepted; see
//! [`platesyn_synergy::input::ACCEPTED_COLUMNS`]). The response scale is never guessed: both
//! `--response` and `--scale` are required. Empty or `NA` responses are missing cells.
//!
//! Output: one row per cell ([`platesyn_synergy::CELL_COLUMNS`]) or, with `--summary`, one row
//! per block and model ([`platesyn_synergy::SUMMARY_COLUMNS`]), then two columns stating the
//! scales: `response_scale` (the input's, e.g. `% viability`) and `score_scale`
//! ([`SCORE_SCALE`]). CSV to stdout or `--out file.csv`; Parquet for `--out file.parquet`.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use platesyn_synergy::{
    CELL_COLUMNS, HeaderMap, LoeweMode, LongRecord, ResponseKind, ResponseScale, ResponseUnit,
    SUMMARY_COLUMNS, ScoreOptions, SynergyError, cell_rows, group_records, score_block,
    summary_rows,
};

/// Text of the `score_scale` column: every score is in percentage points of inhibition,
/// positive = synergy (negative = antagonism).
pub const SCORE_SCALE: &str = "inhibition percentage points, positive = synergy";

/// The two trailing columns stating the scales.
pub const SCALE_COLUMNS: [&str; 2] = ["response_scale", "score_scale"];

/// `platesyn synergy`: read the long table `data` whose responses are `response`
/// (`viability` or `inhibition`) on `scale` (`percent` or `fraction`), score every block
/// (Bliss, HSA, Loewe with `loewe` = `sf` (SynergyFinder-compatible, the default) or `exact`,
/// ZIP) and write per-cell rows, or per-block summary rows when `summary` is true, to `out` or
/// stdout.
///
/// Returns `Ok(ExitCode::SUCCESS)` when the file was read and scored; `Err` for an unknown
/// option value, an unreadable file, a bad cell (the message names file, line and column), a
/// block that is not a dose matrix, or an output that cannot be written.
pub fn synergy(
    data: &Path,
    response: &str,
    scale: &str,
    loewe: &str,
    summary: bool,
    out: Option<&Path>,
) -> Result<ExitCode> {
    let response_scale = parse_scale(response, scale)?;
    let loewe = match loewe.trim().to_ascii_lowercase().as_str() {
        "sf" | "synergyfinder" => LoeweMode::SynergyFinder,
        "exact" => LoeweMode::Exact,
        other => bail!("unknown --loewe {other:?}; expected sf or exact"),
    };
    let file = data.display().to_string();
    let (records, lines) = read_records(data)?;
    let blocks = group_records(&records, response_scale)
        .map_err(|e| anyhow::anyhow!("{file}: {}", with_line(&e, &lines)))?;
    let opts = ScoreOptions {
        loewe,
        ..ScoreOptions::default()
    };
    let scale_cells = [response_scale.label().to_owned(), SCORE_SCALE.to_owned()];
    let (header, kinds, records): (Vec<&str>, Vec<Kind>, Vec<Vec<String>>) = if summary {
        let mut rows = Vec::new();
        for b in &blocks {
            let scored = score_block(b, opts);
            for r in summary_rows(&scored, None) {
                let mut rec = r.to_record().to_vec();
                rec.extend(scale_cells.iter().cloned());
                rows.push(rec);
            }
        }
        let mut kinds = vec![Kind::Str, Kind::Str];
        kinds.extend([Kind::F64; 5]);
        (columns(&SUMMARY_COLUMNS), with_scale_kinds(kinds), rows)
    } else {
        let mut rows = Vec::new();
        for b in &blocks {
            let scored = score_block(b, opts);
            for r in cell_rows(&scored) {
                let mut rec = r.to_record().to_vec();
                rec.extend(scale_cells.iter().cloned());
                rows.push(rec);
            }
        }
        let mut kinds = vec![Kind::Str, Kind::F64, Kind::F64, Kind::I64];
        kinds.extend([Kind::F64; 5]);
        (columns(&CELL_COLUMNS), with_scale_kinds(kinds), rows)
    };
    write_records(&header, &kinds, &records, data, out)?;
    Ok(ExitCode::SUCCESS)
}

/// `--response` and `--scale` into a [`ResponseScale`] (both required, nothing guessed).
fn parse_scale(response: &str, scale: &str) -> Result<ResponseScale> {
    let kind = match response.trim().to_ascii_lowercase().as_str() {
        "viability" => ResponseKind::Viability,
        "inhibition" => ResponseKind::Inhibition,
        other => bail!("unknown --response {other:?}; expected viability or inhibition"),
    };
    let unit = match scale.trim().to_ascii_lowercase().as_str() {
        "percent" | "pct" | "%" => ResponseUnit::Percent,
        "fraction" => ResponseUnit::Fraction,
        other => bail!("unknown --scale {other:?}; expected percent (0..100) or fraction (0..1)"),
    };
    Ok(ResponseScale { kind, unit })
}

/// Read every data row; also returns each record's 1-based line number.
fn read_records(path: &Path) -> Result<(Vec<LongRecord>, Vec<u64>)> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{file}: cannot read file"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{file}, line 1: cannot read the header"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let map =
        HeaderMap::from_header(&header).map_err(|e| anyhow::anyhow!("{file}, line 1: {e}"))?;
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{file}: malformed CSV"))?;
        let line = rec.position().map_or(0, csv::Position::line);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let fields: Vec<&str> = rec.iter().collect();
        let line_usize = usize::try_from(line).unwrap_or(usize::MAX);
        let r = map
            .parse_row(&fields, line_usize)
            .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
        for (name, v) in [("conc_a", r.conc_a), ("conc_b", r.conc_b)] {
            if !(v.is_finite() && v >= 0.0) {
                bail!("{file}, line {line}: {name} is {v}; expected a finite concentration >= 0");
            }
        }
        if r.response.is_infinite() {
            bail!("{file}, line {line}: response is infinite; expected a finite number or NA");
        }
        records.push(r);
        lines.push(line);
    }
    if records.is_empty() {
        bail!("{file}: no data rows after the header; expected one row per well or cell");
    }
    Ok((records, lines))
}

/// A grouping error, with the record index translated into the file's line number.
fn with_line(e: &SynergyError, lines: &[u64]) -> String {
    let record = match e {
        SynergyError::BadConcentration { record, .. }
        | SynergyError::Inconsistent { record, .. } => Some(*record),
        _ => None,
    };
    match record.and_then(|r| lines.get(r).map(|l| (r, *l))) {
        Some((r, l)) => format!("{e} (record {r} is line {l})"),
        None => e.to_string(),
    }
}

fn columns(base: &[&'static str]) -> Vec<&'static str> {
    let mut v = base.to_vec();
    v.extend(SCALE_COLUMNS);
    v
}

fn with_scale_kinds(mut kinds: Vec<Kind>) -> Vec<Kind> {
    kinds.extend([Kind::Str, Kind::Str]);
    kinds
}

/// Column type in the Parquet output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    F64,
    I64,
}

/// Write CSV (stdout or a file) or Parquet (`.parquet`), never over `input`.
fn write_records(
    header: &[&str],
    kinds: &[Kind],
    records: &[Vec<String>],
    input: &Path,
    out: Option<&Path>,
) -> Result<()> {
    let mut guard = platesyn_report::OutputGuard::new();
    guard.protect(input);
    let csv_bytes = || -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header)?;
        for r in records {
            w.write_record(r)?;
        }
        w.into_inner().context("cannot format the synergy table")
    };
    match out {
        Some(path)
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet")) =>
        {
            let mut t = platesyn_report::Table::new();
            for (k, (name, kind)) in header.iter().zip(kinds).enumerate() {
                let cells = records.iter().map(|r| r[k].as_str());
                match kind {
                    Kind::Str => {
                        t.push_str(*name, cells.map(|c| (!c.is_empty()).then(|| c.to_owned())))?
                    }
                    Kind::F64 => t.push_f64(*name, cells.map(|c| c.parse::<f64>().ok()))?,
                    Kind::I64 => t.push_i64(*name, cells.map(|c| c.parse::<i64>().ok()))?,
                };
            }
            t.write_parquet(path, &guard)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Some(path) => guard
            .write_atomic(path, &csv_bytes()?)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .write_all(&csv_bytes()?)
            .context("cannot write to stdout")?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{read_csv, shared_ref};
    use std::fmt::Write as _;

    /// Significant digits kept in the summary snapshot. Loewe and ZIP come from iterative
    /// LL.4 fits whose last digits move with the optimizer's floating-point path (seen: 1e-10
    /// relative between builds with different dependency opt-levels); 6 digits is far above
    /// that noise and far below any change that matters.
    const SNAPSHOT_SIG: usize = 6;

    /// The scenario's viabilities are written with 10 significant digits (`0.9852941176`), so
    /// each is within 5e-11 of the exact Bliss-independent value; Bliss combines three of them
    /// and reports percentage points (x100): |error| <= 3 * 5e-11 * 100 = 1.5e-8 at worst.
    /// (Measured: mean |Bliss| 1.5e-9, so a 1e-9 bound per cell cannot hold on this input.)
    const BLISS_CELL_TOL: f64 = 1.5e-8;

    #[test]
    fn bliss_independent_scenario_scores_zero_bliss() {
        let Some(shared) = shared_ref() else {
            return;
        };
        let mut rdr = csv::Reader::from_path(shared.join("synergy/scenario_bliss_independent.csv"))
            .expect("scenario");
        let h = rdr.headers().expect("header").clone();
        let col = |n: &str| h.iter().position(|c| c == n).expect(n);
        let (a, b, v) = (col("drug_a_conc"), col("drug_b_conc"), col("viability"));
        let mut text = String::from("block,conc_a,conc_b,response\n");
        let mut n_in = 0;
        for r in rdr.records() {
            let r = r.expect("row");
            writeln!(text, "1,{},{},{}", &r[a], &r[b], &r[v]).expect("write to String");
            n_in += 1;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("bliss.csv");
        std::fs::write(&data, text).expect("write");
        let out = dir.path().join("cells.csv");
        let code = synergy(&data, "viability", "fraction", "sf", false, Some(&out)).expect("runs");
        assert_eq!(code, ExitCode::SUCCESS);
        let (header, rows) = read_csv(&out);
        assert_eq!(&header[..9], CELL_COLUMNS);
        assert_eq!(&header[9..], SCALE_COLUMNS);
        assert_eq!(rows.len(), n_in, "one row per (conc_a, conc_b) cell");
        for r in &rows {
            let bliss: f64 = r[5].parse().unwrap_or_else(|_| panic!("bliss {:?}", r[5]));
            assert!(bliss.abs() <= BLISS_CELL_TOL, "{r:?}");
            assert_eq!(r[9], "viability fraction");
            assert_eq!(r[10], SCORE_SCALE);
        }
    }

    /// A 5x5 matrix (doses 0, 0.1, 1, 10, 100 uM of each drug), % inhibition: monotherapy A
    /// 10/30/60/85, B 5/20/50/80, combinations about 5 points above Bliss independence.
    const SMALL: &str = "\
PairIndex,Drug1,Drug2,Conc1,Conc2,Response,ConcUnit
7,alpha,beta,0,0,0,uM
7,alpha,beta,0,0.1,5,uM
7,alpha,beta,0,1,20,uM
7,alpha,beta,0,10,50,uM
7,alpha,beta,0,100,80,uM
7,alpha,beta,0.1,0,10,uM
7,alpha,beta,0.1,0.1,20,uM
7,alpha,beta,0.1,1,33,uM
7,alpha,beta,0.1,10,60,uM
7,alpha,beta,0.1,100,87,uM
7,alpha,beta,1,0,30,uM
7,alpha,beta,1,0.1,38,uM
7,alpha,beta,1,1,49,uM
7,alpha,beta,1,10,70,uM
7,alpha,beta,1,100,91,uM
7,alpha,beta,10,0,60,uM
7,alpha,beta,10,0.1,67,uM
7,alpha,beta,10,1,73,uM
7,alpha,beta,10,10,85,uM
7,alpha,beta,10,100,96,uM
7,alpha,beta,100,0,85,uM
7,alpha,beta,100,0.1,90,uM
7,alpha,beta,100,1,93,uM
7,alpha,beta,100,10,97,uM
7,alpha,beta,100,100,99,uM
";

    #[test]
    fn summary_snapshot_small_matrix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("small.csv");
        std::fs::write(&data, SMALL).expect("write");
        let out = dir.path().join("summary.csv");
        synergy(&data, "inhibition", "percent", "sf", true, Some(&out)).expect("runs");
        let text = std::fs::read_to_string(&out).expect("output");
        let (header, rows) = read_csv(&out);
        assert_eq!(&header[..7], SUMMARY_COLUMNS);
        assert_eq!(&header[7..], SCALE_COLUMNS);
        assert_eq!(rows.len(), 4, "one row per model");
        assert!(rows.iter().all(|r| r[0] == "7" && r[7] == "% inhibition"));
        assert!(
            rows.iter().all(|r| !r[2].is_empty()),
            "every model has a mean: {rows:?}"
        );
        // Bliss mean by hand over the 16 combination cells: 100 (y - (a + b - a b)) on
        // inhibition fractions, with the observed monotherapy responses
        let mono_a = [0.1, 0.3, 0.6, 0.85];
        let mono_b = [0.05, 0.2, 0.5, 0.8];
        let combo = [
            [0.20, 0.33, 0.60, 0.87],
            [0.38, 0.49, 0.70, 0.91],
            [0.67, 0.73, 0.85, 0.96],
            [0.90, 0.93, 0.97, 0.99],
        ];
        let mut sum = 0.0;
        for (i, a) in mono_a.iter().enumerate() {
            for (j, b) in mono_b.iter().enumerate() {
                sum += 100.0 * (combo[i][j] - (a + b - a * b));
            }
        }
        let want = sum / 16.0;
        let row = rows.iter().find(|r| r[1] == "bliss").expect("bliss row");
        let got: f64 = row[2].parse().expect("mean");
        assert!((got - want).abs() < 1e-9, "bliss mean {got} vs {want}");
        // the snapshot keeps SNAPSHOT_SIG significant digits (see the constant)
        let rounded: Vec<String> = text
            .lines()
            .map(|l| {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(l.as_bytes());
                let rec = r.records().next().expect("line").expect("record");
                rec.iter()
                    .map(|c| match c.parse::<f64>() {
                        Ok(x) if c.contains(['.', 'e']) => {
                            format!("{x:.prec$e}", prec = SNAPSHOT_SIG - 1)
                        }
                        _ => c.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        insta::assert_snapshot!(rounded.join("\n"));
    }

    #[test]
    fn loewe_exact_and_parquet() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("small.csv");
        std::fs::write(&data, SMALL).expect("write");
        let out = dir.path().join("cells.parquet");
        synergy(&data, "inhibition", "percent", "exact", false, Some(&out)).expect("runs");
        assert_eq!(&std::fs::read(&out).expect("written")[..4], b"PAR1");
    }

    #[test]
    fn scales_are_required_and_errors_name_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("small.csv");
        std::fs::write(&data, SMALL).expect("write");
        for (resp, scale, needle) in [
            ("", "percent", "unknown --response"),
            ("viability", "", "unknown --scale"),
            ("growth", "percent", "expected viability or inhibition"),
        ] {
            let e = synergy(&data, resp, scale, "sf", false, None).expect_err(needle);
            assert!(e.to_string().contains(needle), "{e}");
        }
        let e = synergy(&data, "viability", "percent", "fast", false, None).expect_err("loewe");
        assert!(e.to_string().contains("expected sf or exact"), "{e}");
        let bad = SMALL.replace(
            "7,alpha,beta,0.1,0.1,20,uM",
            "7,alpha,beta,0.1,0.1,forty,uM",
        );
        std::fs::write(&data, bad).expect("write");
        let e = synergy(&data, "inhibition", "percent", "sf", false, None).expect_err("bad cell");
        let t = e.to_string();
        assert!(
            t.contains("small.csv") && t.contains("line 8") && t.contains("forty"),
            "{t}"
        );
        let neg = SMALL.replace("7,alpha,beta,0.1,0.1,20,uM", "7,alpha,beta,-1,0.1,20,uM");
        std::fs::write(&data, neg).expect("write");
        let e = synergy(&data, "inhibition", "percent", "sf", false, None).expect_err("neg");
        let t = e.to_string();
        assert!(t.contains("line 8") && t.contains("conc_a is -1"), "{t}");
        let mixed = SMALL.replace("7,alpha,beta,100,100,99,uM", "7,alpha,gamma,100,100,99,uM");
        std::fs::write(&data, mixed).expect("write");
        let e = synergy(&data, "inhibition", "percent", "sf", false, None).expect_err("mixed");
        let t = e.to_string();
        assert!(t.contains("line 26") && t.contains("drug_b"), "{t}");
    }
}
