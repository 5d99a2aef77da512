//! `platesyn fit DATA --model M [--out PATH]`: fit one dose-response curve per `curve` group of
//! a `dose,response[,curve]` CSV and write one row per curve ([`platesyn_dose::FIT_COLUMNS`]).
//!
//! Input: a CSV with a header naming `dose` and `response` (any case, any column order) and
//! optionally `curve`; other columns are ignored. Doses are in the user's own unit and must be
//! finite and `>= 0` (0 = untreated control); responses are finite numbers in the user's unit
//! (e.g. % viability). Nothing is guessed: an empty, non-numeric, `NaN` or infinite cell, or a
//! negative dose, is an error naming the file, the line and the column.
//!
//! Output: CSV (stdout, or `--out file.csv`) or Parquet (`--out file.parquet`), one row per
//! curve in first-appearance order, columns exactly [`platesyn_dose::FIT_COLUMNS`]. A curve
//! whose fit failed is still a row (its `status` says why); the exit code is 0 whenever the
//! file was read. An unreadable file is an `Err` (the binary exits 1).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use platesyn_dose::{FIT_COLUMNS, FitRow, FitSpec, ModelKind, fit_curve};

/// One curve's observations, in file order.
#[derive(Debug, Clone, PartialEq)]
struct CurveData {
    id: String,
    dose: Vec<f64>,
    response: Vec<f64>,
}

/// `platesyn fit`: read `data`, fit every curve with `model` (`ll4`, `ll3`, `ll5`, `w14`,
/// `w24`; drc names such as `LL.4` are accepted too), write the fit table to `out` or stdout.
///
/// Returns `Ok(ExitCode::SUCCESS)` when the file was read (fit failures are rows with
/// `status = failed`); `Err` when the model is unknown, the file cannot be read or a cell is
/// not what is expected, or the output cannot be written.
pub fn fit(data: &Path, model: &str, out: Option<&Path>) -> Result<ExitCode> {
    let kind = ModelKind::from_name(model).with_context(|| {
        let names: Vec<String> = ModelKind::ALL
            .iter()
            .map(|m| m.name().replace('.', "").to_ascii_lowercase())
            .collect();
        format!(
            "unknown --model {model:?}; expected one of {}",
            names.join(", ")
        )
    })?;
    let curves = read_curves(data)?;
    let spec = FitSpec::new(kind);
    let rows: Vec<FitRow> = curves
        .iter()
        .map(|c| fit_curve(&c.dose, &c.response, &spec).row(&c.id))
        .collect();
    write_rows(&rows, data, out)?;
    Ok(ExitCode::SUCCESS)
}

/// Read and validate the `dose,response[,curve]` table, grouped by curve in file order.
fn read_curves(path: &Path) -> Result<Vec<CurveData>> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{file}: cannot read file"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = rdr
        .headers()
        .with_context(|| format!("{file}, line 1: cannot read the header"))?
        .clone();
    let find = |name: &str| -> Result<Option<usize>> {
        let hits: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .map(|(k, _)| k)
            .collect();
        if hits.len() > 1 {
            bail!(
                "{file}, line 1: {} columns are named {name:?} (columns {}); expected one",
                hits.len(),
                hits.iter()
                    .map(|k| (k + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(hits.first().copied())
    };
    let header_text = header.iter().collect::<Vec<_>>().join(",");
    let dose_col = find("dose")?.with_context(|| {
        format!("{file}, line 1: no `dose` column; expected a header with dose,response and optionally curve (found {header_text:?})")
    })?;
    let resp_col = find("response")?.with_context(|| {
        format!("{file}, line 1: no `response` column; expected a header with dose,response and optionally curve (found {header_text:?})")
    })?;
    let curve_col = find("curve")?;
    let default_id = path
        .file_stem()
        .map_or_else(|| "1".to_owned(), |s| s.to_string_lossy().into_owned());

    let mut curves: Vec<CurveData> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{file}: malformed CSV"))?;
        let line = rec.position().map_or(0, csv::Position::line);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize, name: &str| -> Result<&str> {
            rec.get(k).map(str::trim).with_context(|| {
                format!(
                    "{file}, line {line}: column {} ({name}) is missing: the row has {} field(s)",
                    k + 1,
                    rec.len()
                )
            })
        };
        let number = |k: usize, name: &str, what: &str| -> Result<f64> {
            let t = cell(k, name)?;
            let v: f64 = t.parse().map_err(|_| {
                anyhow::anyhow!(
                    "{file}, line {line}, column {} ({name}): {t:?} is not a number; expected {what}",
                    k + 1
                )
            })?;
            if !v.is_finite() {
                bail!(
                    "{file}, line {line}, column {} ({name}): {t:?} is not finite; expected {what}",
                    k + 1
                );
            }
            Ok(v)
        };
        let dose = number(dose_col, "dose", "a finite dose >= 0")?;
        if dose < 0.0 {
            bail!(
                "{file}, line {line}, column {} (dose): {dose} is negative; expected a dose >= 0",
                dose_col + 1
            );
        }
        let response = number(resp_col, "response", "a finite response")?;
        let id = match curve_col {
            Some(k) => {
                let id = cell(k, "curve")?;
                if id.is_empty() {
                    bail!(
                        "{file}, line {line}, column {} (curve): empty; expected a curve id",
                        k + 1
                    );
                }
                id.to_owned()
            }
            None => default_id.clone(),
        };
        match curves.iter_mut().find(|c| c.id == id) {
            Some(c) => {
                c.dose.push(dose);
                c.response.push(response);
            }
            None => curves.push(CurveData {
                id,
                dose: vec![dose],
                response: vec![response],
            }),
        }
    }
    if curves.is_empty() {
        bail!("{file}: no data rows after the header; expected dose,response rows");
    }
    Ok(curves)
}

/// Write the fit rows as CSV (stdout or a file) or Parquet (`.parquet`), never over `input`.
fn write_rows(rows: &[FitRow], input: &Path, out: Option<&Path>) -> Result<()> {
    let records: Vec<Vec<String>> = rows.iter().map(FitRow::to_record).collect();
    let mut guard = platesyn_report::OutputGuard::new();
    guard.protect(input);
    match out {
        Some(path) if is_parquet(path) => {
            let table = fit_table(rows)?;
            table
                .write_parquet(path, &guard)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Some(path) => {
            let bytes = csv_bytes(&records)?;
            guard
                .write_atomic(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let bytes = csv_bytes(&records)?;
            std::io::stdout()
                .write_all(&bytes)
                .context("cannot write to stdout")?;
        }
    }
    Ok(())
}

fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

fn csv_bytes(records: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(FIT_COLUMNS)?;
    for r in records {
        w.write_record(r)?;
    }
    w.into_inner().context("cannot format the fit table")
}

/// The fit table with typed columns: text for `curve`, `model`, `ed50` (which may hold a
/// censored `> max dose` text) and `status`; integers for `n`, `df`; floats for the rest.
fn fit_table(rows: &[FitRow]) -> Result<platesyn_report::Table> {
    let records: Vec<Vec<String>> = rows.iter().map(FitRow::to_record).collect();
    let mut t = platesyn_report::Table::new();
    for (k, name) in FIT_COLUMNS.iter().enumerate() {
        let cells = records.iter().map(|r| r[k].as_str());
        match *name {
            "curve" | "model" | "ed50" | "status" => {
                t.push_str(*name, cells.map(|c| (!c.is_empty()).then(|| c.to_owned())))?;
            }
            "n" | "df" => {
                t.push_i64(*name, cells.map(|c| c.parse::<i64>().ok()))?;
            }
            _ => {
                t.push_f64(*name, cells.map(|c| c.parse::<f64>().ok()))?;
            }
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{read_csv, shared_ref};
    use std::fmt::Write as _;

    /// drc prints the ryegrass LL.4 estimates (`summary(drm(rootl ~ conc, fct = LL.4()))`)
    /// with 6 significant digits (b 2.98222, c 0.48141, d 7.79296, e 3.05795): relative 1e-5
    /// covers that rounding.
    const DRC_PRINT_RTOL: f64 = 1e-5;

    fn run(dir: &Path, csv_text: &str, model: &str) -> Result<(Vec<String>, Vec<Vec<String>>)> {
        let data = dir.join("data.csv");
        std::fs::write(&data, csv_text).expect("write input");
        let out = dir.join("fit.csv");
        let code = fit(&data, model, Some(&out))?;
        assert_eq!(code, ExitCode::SUCCESS);
        Ok(read_csv(&out))
    }

    #[test]
    fn ryegrass_matches_drc() {
        let Some(shared) = shared_ref() else {
            return;
        };
        let src = std::fs::read_to_string(shared.join("doseresp/ryegrass.csv")).expect("ryegrass");
        let mut lines = src.lines();
        assert_eq!(lines.next(), Some("rootl,conc"));
        // rename conc -> dose, rootl -> response (column order kept: response first)
        let text = std::iter::once("response,dose")
            .chain(lines)
            .collect::<Vec<_>>()
            .join("\n");
        let dir = tempfile::tempdir().expect("tempdir");
        let (header, rows) = run(dir.path(), &text, "ll4").expect("fit runs");
        assert_eq!(header, FIT_COLUMNS);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        let col = |name: &str| {
            let k = FIT_COLUMNS.iter().position(|c| *c == name).expect("column");
            row[k]
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{name}: {:?}", row[k]))
        };
        assert_eq!(row[0], "data");
        assert_eq!(row[1], "LL.4");
        assert_eq!(row[2], "24");
        for (name, drc) in [
            ("b", 2.98222),
            ("c", 0.48141),
            ("d", 7.79296),
            ("e", 3.05795),
        ] {
            let got = col(name);
            assert!(
                (got - drc).abs() <= DRC_PRINT_RTOL * drc.abs(),
                "{name}: got {got}, drc {drc}"
            );
        }
        assert_eq!(row[21], "ok");
    }

    #[test]
    fn curves_grouped_in_file_order_and_parquet_written() {
        // two curves from one LL.4 shape (b 1.5, c 10, d 100, e 1 and e 4), interleaved rows
        let mut text = String::from("Curve,Dose,Response\n");
        for (id, e) in [("late", 4.0_f64), ("early", 1.0)] {
            for &x in &[0.0_f64, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0] {
                let y = 10.0 + 90.0 / (1.0 + (1.5 * (x.ln() - e.ln())).exp());
                writeln!(text, "{id},{x},{y}").expect("write to String");
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (_, rows) = run(dir.path(), &text, "LL.4").expect("fit runs");
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, ["late", "early"]);
        for (r, e) in rows.iter().zip([4.0, 1.0]) {
            let got: f64 = r[6].parse().expect("e");
            assert!((got - e).abs() < 1e-6 * e, "{}: e {got}", r[0]);
        }
        let data = dir.path().join("data.csv");
        let pq = dir.path().join("fit.parquet");
        fit(&data, "w14", Some(&pq)).expect("parquet");
        let bytes = std::fs::read(&pq).expect("parquet written");
        assert_eq!(&bytes[..4], b"PAR1");
    }

    #[test]
    fn bad_cells_name_file_line_and_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            (
                "dose,response\n1,50\n-1,40\n",
                "line 3, column 1 (dose): -1 is negative",
            ),
            (
                "dose,response\n1,50\nNaN,40\n",
                "line 3, column 1 (dose): \"NaN\" is not finite",
            ),
            (
                "dose,response\n1,50\nabc,40\n",
                "line 3, column 1 (dose): \"abc\" is not a number",
            ),
            (
                "response,dose\n1,50\n,40\n",
                "line 3, column 1 (response): \"\" is not a number",
            ),
            ("dose,resp\n1,50\n", "line 1: no `response` column"),
            ("dose,response\n", "no data rows"),
        ];
        for (text, needle) in cases {
            let err = run(dir.path(), text, "ll4").expect_err(text).to_string();
            assert!(err.contains("data.csv"), "{err}");
            assert!(err.contains(needle), "{err}\n(expected {needle:?})");
        }
        let err = run(dir.path(), "dose,response\n1,2\n", "ll9")
            .expect_err("model")
            .to_string();
        assert!(err.contains("ll4, ll3, ll5, w14, w24"), "{err}");
    }

    #[test]
    fn never_writes_over_the_input() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "dose,response\n0,100\n1,50\n10,5\n").expect("write");
        let err = fit(&data, "ll4", Some(&data)).expect_err("must refuse");
        assert!(err.to_string().contains("cannot write"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&data).expect("still there"),
            "dose,response\n0,100\n1,50\n10,5\n"
        );
    }
}
