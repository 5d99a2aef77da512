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

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use platesyn_synergy::input::Field;
use platesyn_synergy::{
    CELL_COLUMNS, DoseMatrix, FitMode, HeaderMap, LoeweMode, LongRecord, ResponseKind,
    ResponseScale, ResponseUnit, SUMMARY_COLUMNS, ScoreOptions, SynergyError, cell_rows,
    group_records, score_block, summary_rows,
};
use rayon::prelude::*;

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
///
/// Uses the default fitter (drc-compatible); see [`synergy_with_fit`].
#[cfg(test)]
pub fn synergy(
    data: &Path,
    response: &str,
    scale: &str,
    loewe: &str,
    summary: bool,
    out: Option<&Path>,
) -> Result<ExitCode> {
    synergy_with_fit(
        data,
        response,
        scale,
        loewe,
        FitMode::DrcCompatible,
        summary,
        out,
    )
}

/// [`synergy`] with an explicit LL.4 fitter for the blocks' curves (`--fit drc|global`).
pub fn synergy_with_fit(
    data: &Path,
    response: &str,
    scale: &str,
    loewe: &str,
    fit: FitMode,
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
    let opts = ScoreOptions {
        loewe,
        fit,
        ..ScoreOptions::default()
    };
    let scale_cells = [response_scale.label().to_owned(), SCORE_SCALE.to_owned()];
    let (header, kinds) = if summary {
        let mut kinds = vec![Kind::Str, Kind::Str];
        kinds.extend([Kind::F64; 5]);
        (columns(&SUMMARY_COLUMNS), with_scale_kinds(kinds))
    } else {
        let mut kinds = vec![Kind::Str, Kind::F64, Kind::F64, Kind::I64];
        kinds.extend([Kind::F64; 5]);
        (columns(&CELL_COLUMNS), with_scale_kinds(kinds))
    };
    let rows_of = |m: &DoseMatrix| -> Vec<Vec<String>> {
        let scored = score_block(m, opts);
        let mut rows: Vec<Vec<String>> = if summary {
            summary_rows(&scored, None)
                .into_iter()
                .map(|r| r.to_record().to_vec())
                .collect()
        } else {
            cell_rows(&scored)
                .into_iter()
                .map(|r| r.to_record().to_vec())
                .collect()
        };
        for r in &mut rows {
            r.extend(scale_cells.iter().cloned());
        }
        rows
    };
    let mut sink = RowSink::create(&header, &kinds, data, out)?;
    if blocks_are_contiguous(data)? {
        // the usual case (SynergyFinder / DrugComb exports): one block at a time, scored in
        // parallel batches, written as they come: memory holds one batch
        let mut batch: Vec<(Vec<LongRecord>, Vec<u64>)> = Vec::new();
        let flush =
            |batch: &mut Vec<(Vec<LongRecord>, Vec<u64>)>, sink: &mut RowSink| -> Result<()> {
                let rows: Vec<Vec<Vec<String>>> = batch
                    .par_iter()
                    .map(|(records, lines)| {
                        let mut blocks = group_records(records, response_scale)
                            .map_err(|e| anyhow::anyhow!("{file}: {}", with_line(&e, lines)))?;
                        Ok(blocks.pop().map(|m| rows_of(&m)).unwrap_or_default())
                    })
                    .collect::<Result<_>>()?;
                batch.clear();
                sink.write(rows.into_iter().flatten())
            };
        let mut current: (Vec<LongRecord>, Vec<u64>) = (Vec::new(), Vec::new());
        for_each_record(data, |r, line| {
            if current.0.first().is_some_and(|c| c.block != r.block) {
                batch.push(std::mem::take(&mut current));
                if batch.len() >= BLOCK_BATCH {
                    flush(&mut batch, &mut sink)?;
                }
            }
            current.0.push(r);
            current.1.push(line);
            Ok(())
        })?;
        batch.push(current);
        flush(&mut batch, &mut sink)?;
    } else {
        // a block's rows are scattered: group the whole table in memory
        let (records, lines) = read_records(data)?;
        let blocks = group_records(&records, response_scale)
            .map_err(|e| anyhow::anyhow!("{file}: {}", with_line(&e, &lines)))?;
        drop(records);
        for chunk in blocks.chunks(BLOCK_BATCH) {
            let rows: Vec<Vec<Vec<String>>> = chunk.par_iter().map(&rows_of).collect();
            sink.write(rows.into_iter().flatten())?;
        }
    }
    sink.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Blocks scored per parallel batch (bounds the memory of large tables).
const BLOCK_BATCH: usize = 512;

/// Whether every block's rows are contiguous in `path` (a cheap first pass over the block
/// column only). A file the full pass will refuse (bad header, malformed CSV) counts as
/// contiguous; the full pass then reports the error.
fn blocks_are_contiguous(path: &Path) -> Result<bool> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("{}: cannot read file", path.display()))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, f));
    let Ok(h) = rdr.headers() else {
        return Ok(true);
    };
    let header: Vec<String> = h
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let Some(k) = HeaderMap::from_header(&header)
        .ok()
        .and_then(|m| m.index(Field::Block))
    else {
        return Ok(true);
    };
    let mut done: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    let mut current: Option<Vec<u8>> = None;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) | Err(_) => return Ok(true),
            Ok(true) => {}
        }
        if rec.iter().all(|c| c.trim_ascii().is_empty()) {
            continue;
        }
        let block = rec.get(k).unwrap_or_default().trim_ascii();
        if current.as_deref() == Some(block) {
            continue;
        }
        if done.contains(block) {
            return Ok(false);
        }
        if let Some(c) = current.take() {
            done.insert(c);
        }
        current = Some(block.to_vec());
    }
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
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for_each_record(path, |r, line| {
        records.push(r);
        lines.push(line);
        Ok(())
    })?;
    Ok((records, lines))
}

/// Stream the data rows of `path` to `f` with their 1-based line numbers, checking each
/// (concentrations finite and >= 0, response finite or missing). Fails on the first bad row,
/// naming file and line, and when there is no data row.
fn for_each_record(path: &Path, mut f: impl FnMut(LongRecord, u64) -> Result<()>) -> Result<()> {
    let file = path.display().to_string();
    let input = std::fs::File::open(path).with_context(|| format!("{file}: cannot read file"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, input));
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{file}, line 1: cannot read the header"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let map =
        HeaderMap::from_header(&header).map_err(|e| anyhow::anyhow!("{file}, line 1: {e}"))?;
    let mut n = 0usize;
    let mut rec = csv::StringRecord::new();
    loop {
        if !rdr
            .read_record(&mut rec)
            .with_context(|| format!("{file}: malformed CSV"))?
        {
            break;
        }
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
        f(r, line)?;
        n += 1;
    }
    if n == 0 {
        bail!("{file}: no data rows after the header; expected one row per well or cell");
    }
    Ok(())
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

/// Where the rows go: CSV to stdout or a file, or Parquet (`.parquet`), never over the input;
/// files appear only when complete ([`platesyn_report::OutputGuard::create_atomic`]).
enum RowSink {
    Stdout(csv::Writer<std::io::BufWriter<std::io::Stdout>>),
    Csv(csv::Writer<std::io::BufWriter<platesyn_report::AtomicFile>>),
    Parquet {
        stream: Box<platesyn_report::TableStream>,
        header: Vec<&'static str>,
        kinds: Vec<Kind>,
    },
}

impl RowSink {
    fn create(
        header: &[&'static str],
        kinds: &[Kind],
        input: &Path,
        out: Option<&Path>,
    ) -> Result<Self> {
        let mut guard = platesyn_report::OutputGuard::new();
        guard.protect(input);
        let sink = match out {
            Some(path)
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("parquet")) =>
            {
                let empty = records_table(header, kinds, &[])?;
                let stream = platesyn_report::TableStream::create(None, Some(path), &guard, &empty)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Self::Parquet {
                    stream: Box::new(stream),
                    header: header.to_vec(),
                    kinds: kinds.to_vec(),
                }
            }
            Some(path) => {
                let f = guard
                    .create_atomic(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, f));
                w.write_record(header)?;
                Self::Csv(w)
            }
            None => {
                let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout()));
                w.write_record(header)?;
                Self::Stdout(w)
            }
        };
        Ok(sink)
    }

    fn write(&mut self, rows: impl IntoIterator<Item = Vec<String>>) -> Result<()> {
        match self {
            Self::Stdout(w) => write_rows(w, rows, "cannot write to stdout")?,
            Self::Csv(w) => write_rows(w, rows, "cannot write the synergy table")?,
            Self::Parquet {
                stream,
                header,
                kinds,
            } => {
                let rows: Vec<Vec<String>> = rows.into_iter().collect();
                stream.append(&records_table(header, kinds, &rows)?)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Self::Stdout(mut w) => w.flush().context("cannot write to stdout"),
            Self::Csv(w) => {
                let f = w
                    .into_inner()
                    .map_err(|e| anyhow::anyhow!("cannot write the synergy table: {}", e.error()))?
                    .into_inner()
                    .map_err(|e| {
                        anyhow::anyhow!("cannot write the synergy table: {}", e.error())
                    })?;
                f.commit()?;
                Ok(())
            }
            Self::Parquet { stream, .. } => {
                stream.finish()?;
                Ok(())
            }
        }
    }
}

/// Writes text rows to a CSV writer; `what` says what failed.
fn write_rows<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    rows: impl IntoIterator<Item = Vec<String>>,
    what: &'static str,
) -> Result<()> {
    for r in rows {
        w.write_record(&r).context(what)?;
    }
    Ok(())
}

/// Typed table of text records (`kinds` per column; empty text = missing).
fn records_table(
    header: &[&str],
    kinds: &[Kind],
    records: &[Vec<String>],
) -> Result<platesyn_report::Table> {
    let mut t = platesyn_report::Table::new();
    for (k, (name, kind)) in header.iter().zip(kinds).enumerate() {
        let cells = records.iter().map(|r| r[k].as_str());
        match kind {
            Kind::Str => t.push_str(*name, cells.map(|c| (!c.is_empty()).then(|| c.to_owned())))?,
            Kind::F64 => t.push_f64(*name, cells.map(|c| c.parse::<f64>().ok()))?,
            Kind::I64 => t.push_i64(*name, cells.map(|c| c.parse::<i64>().ok()))?,
        };
    }
    Ok(t)
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

    #[test]
    fn streamed_and_grouped_paths_give_the_same_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rows: Vec<&str> = SMALL.lines().skip(1).collect();
        let header = SMALL.lines().next().expect("header");
        let other: Vec<String> = rows.iter().map(|r| r.replacen("7,", "8,", 1)).collect();
        // contiguous: block 7 then block 8; scattered: their rows interleaved
        let contiguous = std::iter::once(header.to_owned())
            .chain(rows.iter().map(|r| (*r).to_owned()))
            .chain(other.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        let scattered = std::iter::once(header.to_owned())
            .chain(
                rows.iter()
                    .zip(&other)
                    .flat_map(|(a, b)| [(*a).to_owned(), b.clone()]),
            )
            .collect::<Vec<_>>()
            .join("\n");
        let (c, sc) = (dir.path().join("c.csv"), dir.path().join("s.csv"));
        std::fs::write(&c, &contiguous).expect("write");
        std::fs::write(&sc, &scattered).expect("write");
        assert!(blocks_are_contiguous(&c).expect("scan"));
        assert!(!blocks_are_contiguous(&sc).expect("scan"));
        for summary in [false, true] {
            let (oc, os) = (dir.path().join("oc.csv"), dir.path().join("os.csv"));
            synergy(&c, "inhibition", "percent", "sf", summary, Some(&oc)).expect("runs");
            synergy(&sc, "inhibition", "percent", "sf", summary, Some(&os)).expect("runs");
            let (h, a) = read_csv(&oc);
            let (_, b) = read_csv(&os);
            assert_eq!(a, b, "summary = {summary}");
            let blocks: Vec<&str> = a.iter().map(|r| r[0].as_str()).collect();
            let n = if summary { 4 } else { 25 };
            assert_eq!(blocks.len(), 2 * n, "{h:?}");
            assert!(blocks[..n].iter().all(|b| *b == "7") && blocks[n..].iter().all(|b| *b == "8"));
        }
        // Parquet through the same stream
        let pq = dir.path().join("cells.parquet");
        synergy(&c, "inhibition", "percent", "sf", false, Some(&pq)).expect("runs");
        assert_eq!(&std::fs::read(&pq).expect("written")[..4], b"PAR1");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    }

    #[test]
    fn a_bad_block_in_a_stream_names_its_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let other = SMALL
            .lines()
            .skip(1)
            .map(|r| r.replacen("7,", "8,", 1))
            .collect::<Vec<_>>()
            .join("\n");
        let bad = format!(
            "{SMALL}{}",
            other.replace("8,alpha,beta,100,100,99,uM", "8,alpha,gamma,100,100,99,uM")
        );
        let data = dir.path().join("bad.csv");
        std::fs::write(&data, bad).expect("write");
        let out = dir.path().join("cells.csv");
        let e = synergy(&data, "inhibition", "percent", "sf", false, Some(&out)).expect_err("bad");
        let t = e.to_string();
        assert!(
            t.contains("bad.csv") && t.contains("line 51") && t.contains("drug_b"),
            "{t}"
        );
        assert!(!out.exists(), "no output from a failed run");
    }
}
