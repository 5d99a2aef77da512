//! Molecular Devices SoftMax Pro text exports (`##BLOCKS= N`, blocks ended by `~End`;
//! native exports are UTF-16LE with BOM, tab-separated; decimal commas occur).
//!
//! `Plate:` blocks carry readings; `Group:` and `Note:` blocks are calculated tables and free
//! text and are skipped. A plate block starts with a header line whose field positions vary by
//! read mode (fluorescence has an extra field before the data type), so fields are located
//! relative to anchor tokens: the export format (`PlateFormat`/`TimeFormat`), the read type
//! (`Endpoint`, `Kinetic`, `Spectrum`, `Well Scan`) and the data type (`Raw`/`Reduced`).
//!
//! * `PlateFormat`: a column line `\tTemperature(°C)\t1\t2...` with one group of column numbers
//!   per wavelength, groups separated by an empty column, then one line per plate row.
//! * `TimeFormat`: a column line naming every well (`A1`, `A2`...), then one line per
//!   wavelength (endpoint), separated by blank lines.
//!
//! Partial plates: wells outside the read area (header fields first column, column count, first
//! row, row count) are `None` (not covered); blank cells inside it are [`Flag::Empty`].
//! After the raw grid(s) SoftMax writes the reduced grid; it is not a reading and is skipped.
//! A block exported as `Reduced` only (no raw data) yields a single read labelled `Reduced`
//! without a wavelength. Kinetic, spectrum and well-scan blocks are refused with
//! [`PlateError::Unsupported`].

use super::Input;
use crate::error::PlateError;
use crate::model::{Flag, Plate, Read, Value};
use crate::text;
use crate::well::{PlateFormat, WellId};

/// Whether the content is a `SoftMax` Pro export: text starting with `##BLOCKS=`, or the XML
/// export (see [`super::softmax_xml`]).
pub fn detect(input: &Input<'_>) -> bool {
    input.text.as_deref().is_some_and(|t| {
        t.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with("##BLOCKS=")
    }) || super::softmax_xml::detect(input)
}

struct Line<'t> {
    no: usize,
    fields: Vec<&'t str>,
}

impl Line<'_> {
    fn field(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |f| f.trim())
    }

    fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// Parse every `Plate:` block (or hand an XML export to [`super::softmax_xml::parse`]).
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    if super::softmax_xml::detect(input) {
        return super::softmax_xml::parse(input);
    }
    let file = input.source;
    let text = input.text()?;
    let lines: Vec<Line<'_>> = text::lines(text)
        .into_iter()
        .enumerate()
        .map(|(i, l)| Line {
            no: i + 1,
            fields: l.trim_start_matches('\u{feff}').split('\t').collect(),
        })
        .collect();
    let first = lines.iter().position(|l| !l.is_blank()).unwrap_or(0);
    if !lines
        .get(first)
        .is_some_and(|l| l.field(0).starts_with("##BLOCKS="))
    {
        return Err(PlateError::parse(
            file,
            Some(first + 1),
            "not a SoftMax Pro export: expected the first line to be `##BLOCKS= N`",
        ));
    }
    let mut plates: Vec<(Plate, usize)> = Vec::new();
    let mut i = first + 1;
    while i < lines.len() {
        let l = &lines[i];
        let head = l.field(0);
        let is_plate = head == "Plate:";
        let is_other = head.starts_with("Group") || head.starts_with("Note");
        if !is_plate && !is_other {
            // trailer lines such as `Original Filename: ...`, blank lines
            i += 1;
            continue;
        }
        let end = (i + 1..lines.len())
            .find(|&k| lines[k].field(0) == "~End")
            .ok_or_else(|| {
                PlateError::parse(
                    file,
                    Some(l.no),
                    format!(
                        "the `{head}` block starting here is not closed by a `~End` line \
                         (truncated export?)"
                    ),
                )
            })?;
        if is_plate {
            let plate = parse_plate(file, &lines[i..end])?;
            if let Some((_, prev)) = plates.iter().find(|(p, _)| p.id == plate.id) {
                return Err(PlateError::parse(
                    file,
                    Some(l.no),
                    format!(
                        "plate name `{}` is used by two Plate blocks (lines {prev} and {}); plate \
                         names must be unique",
                        plate.id, l.no
                    ),
                ));
            }
            plates.push((plate, l.no));
        }
        i = end + 1;
    }
    if plates.is_empty() {
        return Err(PlateError::parse(
            file,
            Some(first + 1),
            "SoftMax Pro export holds no `Plate:` block (only Group/Note blocks)",
        ));
    }
    Ok(plates.into_iter().map(|(p, _)| p).collect())
}

fn num_field(
    file: &str,
    l: &Line<'_>,
    idx: usize,
    what: &str,
) -> Result<Option<usize>, PlateError> {
    let f = l.field(idx);
    if f.is_empty() {
        return Ok(None);
    }
    f.parse::<usize>().map(Some).map_err(|_| {
        PlateError::parse(
            file,
            Some(l.no),
            format!(
                "Plate header field {} ({what}) should be a whole number, found {f:?}",
                idx + 1
            ),
        )
    })
}

fn parse_plate(file: &str, block: &[Line<'_>]) -> Result<Plate, PlateError> {
    let h = &block[0];
    let name = h.field(1).to_owned();
    let err = |no: usize, msg: String| PlateError::parse(file, Some(no), msg);
    let fmt_idx = (2..h.fields.len().min(8))
        .find(|&k| matches!(h.field(k), "PlateFormat" | "TimeFormat"))
        .ok_or_else(|| {
            err(
                h.no,
                format!(
                    "Plate header of `{name}` has no export format (expected `PlateFormat` or \
                     `TimeFormat`)"
                ),
            )
        })?;
    let time_format = h.field(fmt_idx) == "TimeFormat";
    let read_type = h.field(fmt_idx + 1);
    match read_type {
        "Endpoint" => {}
        "Kinetic" => {
            return Err(refuse(
                file,
                h.no,
                &format!("kinetic reads are not supported yet (plate `{name}` is a Kinetic read)"),
            ));
        }
        "Spectrum" => {
            return Err(refuse(
                file,
                h.no,
                &format!(
                    "spectrum reads are not supported yet (plate `{name}` is a Spectrum read)"
                ),
            ));
        }
        "Well Scan" => {
            return Err(refuse(
                file,
                h.no,
                &format!(
                    "well scan reads are not supported yet (plate `{name}` is a Well Scan read)"
                ),
            ));
        }
        other => {
            return Err(err(
                h.no,
                format!(
                    "plate `{name}`: unknown read type {other:?} (expected Endpoint, Kinetic, \
                     Spectrum or Well Scan)"
                ),
            ));
        }
    }
    let mode = h.field(fmt_idx + 2).to_owned();
    let dt = (fmt_idx + 3..fmt_idx + 6)
        .find(|&k| matches!(h.field(k), "Raw" | "Reduced"))
        .ok_or_else(|| {
            err(
                h.no,
                format!("plate `{name}`: header has no data type (expected `Raw` or `Reduced`)"),
            )
        })?;
    let reduced_only = h.field(dt) == "Reduced";
    let n_wl = num_field(file, h, dt + 8, "number of wavelengths")?.unwrap_or(1);
    let wavelengths: Vec<&str> = h.field(dt + 9).split_whitespace().collect();
    if wavelengths.len() != n_wl {
        return Err(err(
            h.no,
            format!(
                "plate `{name}`: header says {n_wl} wavelength(s) but lists {} ({:?})",
                wavelengths.len(),
                h.field(dt + 9)
            ),
        ));
    }
    let first_col = num_field(file, h, dt + 10, "first column")?.unwrap_or(1);
    let n_cols = num_field(file, h, dt + 11, "number of columns")?;
    let n_wells = num_field(file, h, dt + 12, "number of wells")?;
    let (row_idx, nrow_idx) = if mode == "Absorbance" {
        (dt + 13, dt + 14)
    } else {
        (dt + 22, dt + 23)
    };
    let first_row = num_field(file, h, row_idx, "first row")
        .ok()
        .flatten()
        .unwrap_or(1);
    let n_rows = num_field(file, h, nrow_idx, "number of rows")
        .ok()
        .flatten();
    let excitation: Vec<&str> = h.field(dt + 13).split_whitespace().collect();

    let format = n_wells
        .and_then(PlateFormat::from_well_count)
        .ok_or_else(|| {
            err(
                h.no,
                format!(
                    "plate `{name}`: header field {} gives {:?} wells, not a standard plate size",
                    dt + 13,
                    h.field(dt + 12)
                ),
            )
        })?;
    let col0 = first_col.saturating_sub(1);
    let row0 = first_row.saturating_sub(1);
    let col_end = n_cols.map_or(usize::from(format.cols), |n| col0 + n);
    let row_end = n_rows.map_or(usize::from(format.rows), |n| row0 + n);
    let in_area = |w: WellId| {
        let (r, c) = (usize::from(w.row), usize::from(w.col));
        r >= row0 && r < row_end && c >= col0 && c < col_end
    };

    let Some(cols_line) = block.get(1) else {
        return Err(err(
            h.no,
            format!("plate `{name}`: the block has no column line after the header"),
        ));
    };
    let labels: Vec<String> = if reduced_only {
        vec!["Reduced".to_owned()]
    } else {
        wavelengths
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let dup = wavelengths[..k].iter().filter(|x| *x == w).count();
                let base = match mode.as_str() {
                    "Absorbance" => (*w).to_owned(),
                    "Fluorescence" => match excitation.get(k) {
                        Some(ex) => format!("Ex {ex} / Em {w}"),
                        None => format!("Em {w}"),
                    },
                    "Luminescence" if *w == "0" => "Lum".to_owned(),
                    "Luminescence" => format!("Lum {w}"),
                    other => format!("{other} {w}"),
                };
                if dup > 0 {
                    format!("{base} (read {})", dup + 1)
                } else {
                    base
                }
            })
            .collect()
    };
    let mut reads: Vec<Read> = labels
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let wl = (mode == "Absorbance" && !reduced_only)
                .then(|| wavelengths[k].parse::<f64>().ok())
                .flatten();
            Read::new(label.clone(), wl, format)
        })
        .collect();

    let put = |read: &mut Read, well: WellId, tok: &str, no: usize| {
        let v = softmax_value(tok).ok_or_else(|| {
            PlateError::at_well(
                file,
                Some(no),
                &well.to_string(),
                format!(
                    "plate `{name}`, read `{}`: expected a number (decimal point or comma), NaN, \
                     a SoftMax status (Range?, Path?, ...) or an empty cell, found {:?}",
                    read.label,
                    tok.trim()
                ),
            )
        })?;
        let i = format.index(well).expect("well on plate");
        // outside the read area a blank cell means "not read", not an empty well
        if in_area(well) || !matches!(v, Value::Flag(Flag::Empty)) {
            read.values[i] = Some(v);
        }
        Ok::<(), PlateError>(())
    };

    if time_format {
        // column line names wells from field 2 on
        let wells: Vec<(usize, WellId)> = cols_line
            .fields
            .iter()
            .enumerate()
            .skip(2)
            .filter_map(|(k, f)| {
                let f = f.trim();
                (!f.is_empty()).then(|| WellId::parse(f).map(|w| (k, w)).ok_or((k, f)))
            })
            .collect::<Result<_, _>>()
            .map_err(|(k, f)| {
                err(
                    cols_line.no,
                    format!(
                        "plate `{name}`: TimeFormat column {} should name a well, found {f:?}",
                        k + 1
                    ),
                )
            })?;
        if wells.is_empty() {
            return Err(err(
                cols_line.no,
                format!("plate `{name}`: TimeFormat column line names no well"),
            ));
        }
        if let Some((_, w)) = wells.iter().find(|(_, w)| !format.contains(*w)) {
            return Err(err(
                cols_line.no,
                format!("plate `{name}`: well {w} is not on a {format} plate"),
            ));
        }
        let last_field = wells.last().map_or(0, |(k, _)| *k);
        // raw data lines: lines with fields up to the reduced column line (or the block end);
        // plain empty lines separate them
        let data: Vec<&Line<'_>> = block[2..]
            .iter()
            .take_while(|l| WellId::parse(l.field(2)).is_none())
            .filter(|l| l.fields.len() > 1)
            .collect();
        if !data.is_empty() && data.len() != reads.len() {
            return Err(err(
                data[data.len() - 1].no,
                format!(
                    "plate `{name}`: TimeFormat endpoint block has {} data line(s), expected one \
                     per wavelength ({})",
                    data.len(),
                    reads.len()
                ),
            ));
        }
        for (read, l) in reads.iter_mut().zip(data) {
            if l.fields.len() <= last_field {
                return Err(err(
                    l.no,
                    format!(
                        "plate `{name}`: data line has {} fields but the column line (line {}) \
                         has {} (header size mismatch)",
                        l.fields.len(),
                        cols_line.no,
                        last_field + 1
                    ),
                ));
            }
            for &(k, w) in &wells {
                put(read, w, l.fields[k], l.no)?;
            }
        }
    } else {
        // PlateFormat: groups of column numbers separated by one empty field
        let groups = column_groups(cols_line).ok_or_else(|| {
            err(
                cols_line.no,
                format!(
                    "plate `{name}`: PlateFormat column line should hold column numbers 1..n per \
                     wavelength, separated by an empty column"
                ),
            )
        })?;
        if groups.len() < reads.len() {
            return Err(err(
                cols_line.no,
                format!(
                    "plate `{name}`: header lists {} wavelength(s) but the column line has {} \
                     group(s) of columns (header size mismatch)",
                    reads.len(),
                    groups.len()
                ),
            ));
        }
        if let Some(&(_, n)) = groups.iter().find(|(_, n)| *n != usize::from(format.cols)) {
            return Err(err(
                cols_line.no,
                format!(
                    "plate `{name}`: column line has {n} columns, a {format} plate has {}",
                    format.cols
                ),
            ));
        }
        // one line per plate row; a line without any tab ends the grid (rows outside the read
        // area are lines of empty fields, not empty lines)
        let rows: Vec<&Line<'_>> = block[2..]
            .iter()
            .take_while(|l| l.fields.len() > 1)
            .collect();
        if !rows.is_empty() && rows.len() != usize::from(format.rows) {
            let at = rows.last().map_or(cols_line.no, |l| l.no);
            return Err(err(
                at,
                format!(
                    "plate `{name}`: raw data has {} row(s), a {format} plate has {} (missing \
                     measurement row?)",
                    rows.len(),
                    format.rows
                ),
            ));
        }
        let needed = groups[reads.len() - 1].0 + groups[reads.len() - 1].1;
        // a block without raw rows leaves every well uncovered
        for (r, l) in rows.iter().enumerate() {
            if l.fields.len() < needed {
                return Err(err(
                    l.no,
                    format!(
                        "plate `{name}`: data line has {} fields, the column line (line {}) needs \
                         {needed} (header size mismatch)",
                        l.fields.len(),
                        cols_line.no
                    ),
                ));
            }
            for (read, &(start, n)) in reads.iter_mut().zip(&groups) {
                for c in 0..n {
                    let w = WellId::new(r as u16, c as u16);
                    put(read, w, l.fields[start + c], l.no)?;
                }
            }
        }
    }

    let mut plate = Plate::new(name, format);
    plate
        .metadata
        .insert("software".to_owned(), "SoftMax Pro".to_owned());
    plate
        .metadata
        .insert("export_version".to_owned(), h.field(2).to_owned());
    plate
        .metadata
        .insert("export_format".to_owned(), h.field(fmt_idx).to_owned());
    plate
        .metadata
        .insert("read_mode".to_owned(), mode.to_ascii_lowercase());
    plate
        .metadata
        .insert("data_type".to_owned(), h.field(dt).to_owned());
    plate
        .metadata
        .insert("wavelength".to_owned(), wavelengths.join(" "));
    plate.reads = reads;
    Ok(plate)
}

/// Groups of `1..n` column numbers: (field index of column 1, n).
fn column_groups(l: &Line<'_>) -> Option<Vec<(usize, usize)>> {
    let mut groups = Vec::new();
    let mut k = 2;
    while k < l.fields.len() {
        if l.field(k).is_empty() {
            k += 1;
            continue;
        }
        let start = k;
        let mut n = 0;
        while k < l.fields.len() && !l.field(k).is_empty() {
            if l.field(k).parse::<usize>().ok()? != n + 1 {
                return None;
            }
            n += 1;
            k += 1;
        }
        groups.push((start, n));
    }
    (!groups.is_empty()).then_some(groups)
}

fn refuse(file: &str, line: usize, message: &str) -> PlateError {
    PlateError::Unsupported {
        file: file.to_owned(),
        message: format!("line {line}: {message}"),
    }
}

/// A SoftMax cell: number (decimal point or comma), `NaN`/`"NaN"`, a status such as `Range?`,
/// `Path?` (the software could not compute the value), or empty.
fn softmax_value(token: &str) -> Option<Value> {
    let t = token.trim().trim_matches('"').trim();
    if t.ends_with('?') && t.len() > 1 && t[..t.len() - 1].bytes().all(|b| b.is_ascii_alphabetic())
    {
        return Some(match t {
            "Range?" => Value::Flag(Flag::OutOfRangeHigh),
            _ => Value::Flag(Flag::CalcFailed),
        });
    }
    text::parse_value(t, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::read_bytes;
    use crate::model::SourceFormat;

    const PLATE: &str = "##BLOCKS= 1\r\nPlate:\tP1\t1.3\tPlateFormat\tEndpoint\tAbsorbance\tRaw\tFALSE\t1\t\t\t\t\t\t2\t450 650 \t1\t3\t6\t1\t2\r\n\tTemperature(°C)\t1\t2\t3\t\t1\t2\t3\t\r\n\t21\t0,5\t1.25\tPath?\t\t2\t3\t4\r\n\t\t\"NaN\"\t\t0.1\t\t5\t6\t7\r\n\r\n~End\r\n";

    #[test]
    fn decimal_commas_and_side_by_side_wavelengths() {
        let f = read_bytes("p.txt", PLATE.as_bytes(), None).unwrap();
        assert_eq!(f.format, SourceFormat::SoftMaxPro);
        let p = &f.plates[0];
        assert_eq!((p.id.as_str(), p.format), ("P1", PlateFormat::W6));
        let r450 = p.read("450").unwrap();
        assert_eq!(r450.values[0], Some(Value::Number(0.5)));
        assert_eq!(r450.values[1], Some(Value::Number(1.25)));
        assert_eq!(r450.values[2], Some(Value::Flag(Flag::CalcFailed)));
        assert_eq!(r450.values[3], Some(Value::Flag(Flag::Nan)));
        assert_eq!(r450.values[4], Some(Value::Flag(Flag::Empty)));
        let r650 = p.read("650").unwrap();
        assert_eq!(r650.values[5], Some(Value::Number(7.0)));
    }

    #[test]
    fn utf16le_with_bom() {
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(PLATE.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let f = read_bytes("u.txt", &bytes, None).unwrap();
        assert_eq!(
            f.plates[0].read("650").unwrap().values[0],
            Some(Value::Number(2.0))
        );
    }

    #[test]
    fn kinetic_is_refused() {
        let k = PLATE.replace("Endpoint", "Kinetic");
        let e = read_bytes("k.txt", k.as_bytes(), None).unwrap_err();
        assert!(
            e.to_string()
                .contains("kinetic reads are not supported yet"),
            "{e}"
        );
        assert!(matches!(e, PlateError::Unsupported { .. }));
    }
}
