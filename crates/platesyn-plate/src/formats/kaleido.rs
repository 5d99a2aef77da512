//! Revvity Kaleido CSV exports (`EnSight` / `VICTOR Nivo` readers), in both layouts:
//!
//! * Kaleido 2.x: `Results for ABS mono 1` (with non-breaking spaces), a line
//!   `Barcode: V-..., PlateRepeat: 1, WellRepeat: 1`, a grid `,1,2,...` with rows `A,...`,
//!   then `Analysis Result`, `Measurement Basic Information` and a `Measurements:` section with
//!   `Tech,,,,ABS mono 1` / `Excitation wavelength [nm],,,,450`.
//! * Kaleido 3.x (`EnSight Results from` first line; 3.5 "pure csv" pads every line with
//!   delimiters): `Result for Fluorescence intensity 1`, a table
//!   `Barcode,Repeat,Loop no,...` with one row, the grid, then `Measurement Information` ...
//!   and `Details of Measurement Sequence` with `Operation,,,<name>` blocks.
//!
//! * Read: each measurement result grid, one [`Read`] per result (label = the operation,
//!   e.g. `ABS mono 1`), grouped by barcode into plates (id = barcode, else `1`). Absorbance
//!   operations (`ABS ...`, `Absorbance ...`) get their excitation wavelength in nm; other
//!   reads keep their label and no wavelength. The plate geometry comes from the grid (the
//!   `Number of Rows/Columns` fields are swapped in some 3.0 exports and are not trusted).
//! * Skipped: analysis results (`Analysis Result` in 2.x, `Results for ...` in 3.x), which are
//!   calculated.
//! * Refused: plate repeats > 1, well repeats > 1, or a `Loop no` (time series) with
//!   "kinetic reads are not supported yet".

use std::collections::BTreeMap;

use super::Input;
use super::bmg::KINETIC_REFUSAL;
use super::bmg::rowgrid::{self, cells, header_columns, is_blank};
use crate::error::PlateError;
use crate::model::{Metadata, Plate, Read};
use crate::text;

/// Whether the text looks like a Kaleido export: `EnSight Results from` as the first line, or
/// a `Kaleido` software/footer line (`Exported with Kaleido ...`, `Software version:,,Kaleido`).
pub fn detect(input: &Input<'_>) -> bool {
    let Some(text) = input.text.as_deref() else {
        return false;
    };
    let mut first = true;
    for line in text.lines() {
        let t = line.trim_start_matches('\u{feff}').trim();
        if t.is_empty() {
            continue;
        }
        if first && t.starts_with("EnSight Results from") {
            return true;
        }
        first = false;
        if t.starts_with("Exported with Kaleido") {
            return true;
        }
        if t.as_bytes()
            .get(..16)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"software version"))
            && text::contains_ignore_ascii_case(t, ",kaleido")
        {
            return true;
        }
    }
    false
}

/// Which part of the results region a grid belongs to.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    None,
    Measurement(String),
    Analysis,
}

/// One measurement grid.
struct RawResult<'a> {
    operation: String,
    barcode: String,
    grid: rowgrid::Grid<'a>,
    line: usize,
}

fn kinetic(file: &str, line: usize, what: &str) -> PlateError {
    PlateError::Unsupported {
        file: file.to_owned(),
        message: format!("{KINETIC_REFUSAL} (line {line}: {what})"),
    }
}

/// The last non-empty field after the first, trimmed.
fn last_value(fields: &[std::borrow::Cow<'_, str>]) -> String {
    fields
        .iter()
        .skip(1)
        .rev()
        .find(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_owned())
        .unwrap_or_default()
}

/// Parse a Kaleido export.
#[allow(clippy::too_many_lines)]
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let file = input.source;
    let text = input.text()?.replace('\u{a0}', " ");
    let lines = text::lines(&text);
    let delim = b',';
    let v3 = lines
        .iter()
        .find(|l| !is_blank(l, delim))
        .is_some_and(|l| l.trim().starts_with("EnSight Results from"));
    let end = lines
        .iter()
        .position(|l| {
            let t = l.trim();
            t.starts_with("Measurement Information")
                || t.starts_with("Measurement Basic Information")
        })
        .unwrap_or(lines.len());

    let mut block = Block::None;
    let mut barcode = String::new();
    let mut results: Vec<RawResult<'_>> = Vec::new();
    let mut i = 0;
    while i < end {
        let line = lines[i];
        if is_blank(line, delim) {
            i += 1;
            continue;
        }
        let f = cells(line, delim);
        let first = f[0].trim();
        if header_columns(&f).is_some() {
            let g = rowgrid::read_grid(file, &lines, i, delim)?;
            let next = g.next;
            if let Block::Measurement(op) = &block {
                results.push(RawResult {
                    operation: op.clone(),
                    barcode: barcode.clone(),
                    grid: g,
                    line: i + 1,
                });
                block = Block::None;
            }
            i = next;
            continue;
        }
        let measurement_prefix = if v3 { "Result for " } else { "Results for " };
        if let Some(op) = first.strip_prefix(measurement_prefix) {
            block = Block::Measurement(op.trim().to_owned());
            barcode.clear();
        } else if (v3 && first.starts_with("Results for")) || first.starts_with("Analysis Result") {
            block = Block::Analysis;
        } else if v3 && first == "Barcode" {
            // table header + one row
            let names: Vec<String> = f.iter().map(|c| c.trim().to_ascii_lowercase()).collect();
            let row = lines
                .get(i + 1)
                .map(|l| cells(l, delim))
                .unwrap_or_default();
            let get = |n: &str| {
                names
                    .iter()
                    .position(|x| x == n)
                    .and_then(|k| row.get(k))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            barcode = get("barcode");
            let repeat = get("repeat");
            if !repeat.is_empty() && repeat != "1" {
                return Err(kinetic(file, i + 2, &format!("plate repeat {repeat}")));
            }
            let lp = get("loop no");
            if !lp.is_empty() {
                return Err(kinetic(file, i + 2, &format!("loop {lp}")));
            }
            i += 2;
            continue;
        } else if !v3 && first.starts_with("Barcode:") {
            for field in &f {
                let Some((k, v)) = field.split_once(':') else {
                    continue;
                };
                let (k, v) = (k.trim(), v.trim());
                match k {
                    "Barcode" => v.clone_into(&mut barcode),
                    "PlateRepeat" | "WellRepeat" if !v.is_empty() && v != "1" => {
                        return Err(kinetic(file, i + 1, &format!("{k} {v}")));
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    if results.is_empty() {
        return Err(PlateError::parse(
            file,
            None,
            format!(
                "no measurement result grid found (expected a `{}<operation>` title followed by a \
                 grid `,1,2,...`)",
                if v3 { "Result for " } else { "Results for " }
            ),
        ));
    }

    // Trailing sections: metadata and operation details.
    let trailer = &lines[end..];
    let mut meta = Metadata::new();
    let mut ops: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current_op: Option<String> = None;
    for (n, line) in trailer.iter().enumerate() {
        if is_blank(line, delim) {
            current_op = None;
            continue;
        }
        let f = cells(line, delim);
        let key = f[0].trim().trim_end_matches(':').to_owned();
        let value = last_value(&f);
        match key.as_str() {
            "Tech" | "Operation" => {
                ops.insert(value.clone(), BTreeMap::new());
                current_op = Some(value);
                continue;
            }
            "Number of plate repeats" if leading_u32(&value).is_some_and(|r| r > 1) => {
                return Err(kinetic(
                    file,
                    end + n + 1,
                    &format!("{value} plate repeats"),
                ));
            }
            "Software version" | "Software Version" => {
                meta.insert("software".to_owned(), value.clone());
            }
            "Measurement Started" => {
                meta.insert("date".to_owned(), value.clone());
            }
            "Instrument Serial Number" => {
                meta.insert("reader_serial".to_owned(), value.clone());
            }
            "Barcode" => {
                meta.insert("barcode".to_owned(), value.clone());
            }
            _ => {}
        }
        if let Some(op) = &current_op
            && let Some(m) = ops.get_mut(op)
        {
            m.insert(key.to_ascii_lowercase(), value);
        }
    }

    let mut plates: Vec<Plate> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for r in &results {
        let id = if r.barcode.is_empty() {
            meta.get("barcode")
                .cloned()
                .unwrap_or_else(|| "1".to_owned())
        } else {
            r.barcode.clone()
        };
        if !keys.contains(&id) {
            keys.push(id);
        }
    }
    for id in keys {
        let members: Vec<&RawResult<'_>> = results
            .iter()
            .filter(|r| {
                r.barcode == id
                    || (r.barcode.is_empty() && meta.get("barcode").is_none_or(|b| *b == id))
            })
            .collect();
        let (rows, cols) = members.iter().fold((0, 0), |(r, c), m| {
            let (gr, gc) = m.grid.extent();
            (r.max(gr), c.max(gc))
        });
        let format = rowgrid::format_for(file, members[0].line, rows, cols)?;
        let mut plate = Plate::new(id.clone(), format);
        plate.metadata = meta.clone();
        plate.metadata.insert("barcode".to_owned(), id.clone());
        for m in members {
            let lower = m.operation.to_ascii_lowercase();
            let absorbance = lower.starts_with("abs") || lower.contains("absorbance");
            let wl = if absorbance {
                ops.get(&m.operation)
                    .and_then(|o| o.get("excitation wavelength [nm]"))
                    .and_then(|w| w.parse::<f64>().ok())
                    .filter(|w| *w > 0.0)
            } else {
                None
            };
            let mut read = Read::new(m.operation.clone(), wl, format);
            rowgrid::fill_read(file, &m.grid, format, &mut read, false)?;
            plate.reads.push(read);
        }
        plates.push(plate);
    }
    Ok(plates)
}

fn leading_u32(s: &str) -> Option<u32> {
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn parse_text(t: &str) -> Result<Vec<Plate>, PlateError> {
        parse(&Input::new("k.csv", t.as_bytes()).unwrap())
    }

    #[test]
    fn v3_repeat_and_loop_are_refused() {
        let t = "EnSight Results from\n\nResult for Absorbance 1\nBarcode,Repeat,Loop no\nB1,2,\n\n,1,2\nA,0.1,0.2\n";
        let e = parse_text(t).unwrap_err().to_string();
        assert!(e.contains(KINETIC_REFUSAL) && e.contains("line 5"), "{e}");
        let t = "EnSight Results from\n\nResult for Absorbance 1\nBarcode,Repeat,Loop no\nB1,1,3\n\n,1,2\nA,0.1,0.2\n";
        assert!(
            parse_text(t)
                .unwrap_err()
                .to_string()
                .contains(KINETIC_REFUSAL)
        );
    }

    #[test]
    fn v3_analysis_results_are_skipped_and_wavelength_read() {
        let t = "EnSight Results from\n\nResult for Absorbance 1\nBarcode,Repeat,Loop no\nB1,1,\n\n,1,2\nA,0.1,NaN\n\n\
                 Results for Ratio\n,1,2\nA,9,9\n\nMeasurement Information\nBarcode,,B1\n\n\
                 Details of Measurement Sequence\n\nOperation,,,Absorbance 1\nExcitation Wavelength [nm],,,595\n";
        let p = parse_text(t).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].id, "B1");
        assert_eq!(p[0].reads.len(), 1);
        assert_eq!(p[0].reads[0].name(), "595");
        assert_eq!(p[0].reads[0].values[0], Some(Value::Number(0.1)));
        assert_eq!(
            p[0].reads[0].values[1],
            Some(Value::Flag(crate::model::Flag::Nan))
        );
    }
}
