//! Long well tables: one row per well (and per plate and read).
//!
//! ```text
//! plate,well,read,value
//! P1,A1,450,0.123
//! P1,A2,450,0.456
//! ```
//!
//! * Header names are matched case-insensitively (surrounding spaces ignored).
//! * The well is given by a `well` column (`A1`, `A01`, `a1`) or by `row` (letters, or a
//!   1-based number) plus `col`/`column` (1-based).
//! * `plate` (optional) names the plate; plates come out in order of first appearance.
//!   Without it every row belongs to plate `1`.
//! * Values: if a `value` column exists it is the only value column (other columns are
//!   ignored) and an optional `read` column names the read (`450` also gives the
//!   wavelength). Without `value`, every other column is a value column and names a read of
//!   its own (`OD450,OD600`); a `read` column then requires exactly one such column.
//! * The plate size is the smallest of 96, 384 and 1536 wells that holds every well of the
//!   plate; wells the table does not list are "not covered" (absent from tidy output).
//! * A well given twice for the same plate and read is an error naming both lines; a value
//!   that is neither a number nor a known flag is an error naming file, line and well.

use std::collections::BTreeMap;

use super::Input;
use super::grid::{is_blank, table_rows};
use crate::error::PlateError;
use crate::model::{Plate, Read};
use crate::text;
use crate::well::{PlateFormat, WellId, row_from_label};

#[derive(Debug)]
struct Columns {
    well: Option<usize>,
    row: Option<usize>,
    col: Option<usize>,
    plate: Option<usize>,
    read: Option<usize>,
    /// (column index, read label from the header)
    values: Vec<(usize, String)>,
}

fn columns(header: &[String]) -> Option<Columns> {
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |alts: &[&str]| names.iter().position(|n| alts.contains(&n.as_str()));
    let well = find(&["well", "wells", "well id", "well_id", "wellid", "position"]);
    let row = find(&["row"]);
    let col = find(&["col", "column"]);
    if well.is_none() && (row.is_none() || col.is_none()) {
        return None;
    }
    let plate = find(&["plate", "plate id", "plate_id", "plateid", "barcode"]);
    let read = find(&["read", "wavelength"]);
    let used = [well, row, col, plate, read];
    let values = if let Some(v) = find(&["value", "values"]) {
        vec![(v, "value".to_owned())]
    } else {
        names
            .iter()
            .enumerate()
            .filter(|(i, n)| !n.is_empty() && !used.contains(&Some(*i)))
            .map(|(i, _)| (i, header[i].trim().to_owned()))
            .collect()
    };
    if values.is_empty() {
        return None;
    }
    Some(Columns {
        well,
        row,
        col,
        plate,
        read,
        values,
    })
}

/// Whether the content looks like a long well table: the first non-blank row names a well
/// column (or row and col) and a value column, the next non-blank row has a valid well, and
/// the text carries no vendor marker.
pub fn detect(input: &Input<'_>) -> bool {
    super::grid::detect_table(input, |header, first| {
        columns(header)
            .zip(first)
            .is_some_and(|(cols, first)| well_of(&cols, first).is_ok())
    })
}

fn cell(cells: &[String], i: usize) -> &str {
    cells.get(i).map_or("", |s| s.trim())
}

fn well_of(cols: &Columns, cells: &[String]) -> Result<WellId, String> {
    if let Some(w) = cols.well {
        let t = cell(cells, w);
        return WellId::parse(t)
            .ok_or_else(|| format!("`{t}` is not a well (expected A1, A01, ...)"));
    }
    let (r, c) = (
        cell(cells, cols.row.unwrap_or(0)),
        cell(cells, cols.col.unwrap_or(0)),
    );
    let row = if r.bytes().all(|b| b.is_ascii_alphabetic()) {
        row_from_label(r)
    } else {
        r.parse::<u16>().ok().and_then(|n| n.checked_sub(1))
    }
    .ok_or_else(|| format!("`{r}` is not a row (expected A, B, ... or 1, 2, ...)"))?;
    let col = c
        .parse::<u16>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .ok_or_else(|| format!("`{c}` is not a column number (expected 1, 2, ...)"))?;
    Ok(WellId::new(row, col))
}

struct Entry {
    well: WellId,
    value: crate::model::Value,
}

/// Parse a long table.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let source = input.source;
    let (rows, decimal_comma) = table_rows(input)?;
    let mut it = rows.iter().filter(|(_, c)| !is_blank(c));
    let Some((header_line, header)) = it.next() else {
        return Err(PlateError::parse(source, None, "the table is empty"));
    };
    let cols = columns(header).ok_or_else(|| {
        PlateError::parse(
            source,
            Some(*header_line),
            "expected a header naming a `well` column (or `row` and `col`) and a `value` column",
        )
    })?;
    if cols.read.is_some() && cols.values.len() != 1 {
        return Err(PlateError::parse(
            source,
            Some(*header_line),
            "a `read` column needs exactly one value column (name it `value`)",
        ));
    }
    let width = header.len();
    // plate -> read label -> entries; first-seen order kept separately.
    let mut plate_order: Vec<String> = Vec::new();
    let mut read_order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut data: BTreeMap<(String, String), Vec<Entry>> = BTreeMap::new();
    let mut seen: BTreeMap<(String, String, WellId), usize> = BTreeMap::new();
    for (line, cells) in it {
        let line = *line;
        let needed = [cols.well, cols.row, cols.col, cols.plate, cols.read]
            .into_iter()
            .flatten()
            .chain(cols.values.iter().map(|(i, _)| *i))
            .max()
            .unwrap_or(0);
        if cells.len() <= needed {
            return Err(PlateError::parse(
                source,
                Some(line),
                format!(
                    "{} cells but the header has {width} columns (truncated line?)",
                    cells.len()
                ),
            ));
        }
        let well = well_of(&cols, cells).map_err(|m| PlateError::parse(source, Some(line), m))?;
        if well.row >= PlateFormat::W1536.rows || well.col >= PlateFormat::W1536.cols {
            return Err(PlateError::at_well(
                source,
                Some(line),
                &well.to_string(),
                "the well is outside a 1536-well plate (rows A-AF, columns 1-48)",
            ));
        }
        let plate = cols
            .plate
            .map_or_else(|| "1".to_owned(), |i| cell(cells, i).to_owned());
        if !plate_order.contains(&plate) {
            plate_order.push(plate.clone());
        }
        for (vi, header_label) in &cols.values {
            let label = match cols.read {
                Some(r) => cell(cells, r).to_owned(),
                None => header_label.clone(),
            };
            let reads = read_order.entry(plate.clone()).or_default();
            if !reads.contains(&label) {
                reads.push(label.clone());
            }
            if let Some(first) = seen.insert((plate.clone(), label.clone(), well), line) {
                return Err(PlateError::at_well(
                    source,
                    Some(line),
                    &well.to_string(),
                    format!(
                        "duplicate well: plate `{plate}`, read `{label}`, well {well} is already \
                         given at line {first}"
                    ),
                ));
            }
            let token = cell(cells, *vi);
            let value = text::parse_value(token, decimal_comma).ok_or_else(|| {
                PlateError::at_well(
                    source,
                    Some(line),
                    &well.to_string(),
                    format!(
                        "`{token}` is not a number or a known flag (OVRFLW, ?????, <x, >x, NaN, \
                         Masked, empty)"
                    ),
                )
            })?;
            data.entry((plate.clone(), label))
                .or_default()
                .push(Entry { well, value });
        }
    }
    let mut plates = Vec::with_capacity(plate_order.len());
    for id in plate_order {
        let labels = read_order.remove(&id).unwrap_or_default();
        let (max_r, max_c) = labels
            .iter()
            .filter_map(|l| data.get(&(id.clone(), l.clone())))
            .flatten()
            .fold((0u16, 0u16), |(r, c), e| {
                (r.max(e.well.row + 1), c.max(e.well.col + 1))
            });
        let format = [PlateFormat::W96, PlateFormat::W384, PlateFormat::W1536]
            .into_iter()
            .find(|f| f.rows >= max_r && f.cols >= max_c)
            .unwrap_or(PlateFormat::W1536);
        let mut plate = Plate::new(id.clone(), format);
        for label in labels {
            let mut read = Read::new(label.clone(), text::wavelength_from_label(&label), format);
            for e in data.remove(&(id.clone(), label)).unwrap_or_default() {
                if let Some(i) = format.index(e.well) {
                    read.values[i] = Some(e.value);
                }
            }
            plate.reads.push(read);
        }
        plates.push(plate);
    }
    Ok(plates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flag, Value};

    fn read(text: &str) -> Result<Vec<Plate>, PlateError> {
        let input = Input::new("l.csv", text.as_bytes())?;
        parse(&input)
    }

    #[test]
    fn plates_reads_and_values() {
        let text =
            "Plate;Well;Read;Value\r\nP1;A1;450;0,5\r\nP1;B02;450;OVRFLW\r\nP2;P24;600;1,25\r\n";
        let input = Input::new("l.csv", text.as_bytes()).unwrap();
        assert!(detect(&input));
        let plates = parse(&input).unwrap();
        assert_eq!(plates.len(), 2);
        assert_eq!(plates[0].id, "P1");
        assert_eq!(plates[0].format, PlateFormat::W96);
        assert_eq!(plates[1].format, PlateFormat::W384);
        let r = &plates[0].reads[0];
        assert_eq!(r.wavelength_nm, Some(450.0));
        assert_eq!(
            plates[0].value(r, WellId::new(0, 0)),
            Some(Value::Number(0.5))
        );
        assert_eq!(
            plates[0].value(r, WellId::new(1, 1)),
            Some(Value::Flag(Flag::Overflow))
        );
        assert_eq!(plates[0].value(r, WellId::new(2, 2)), None);
        assert_eq!(
            plates[1].value(&plates[1].reads[0], WellId::new(15, 23)),
            Some(Value::Number(1.25))
        );
    }

    #[test]
    fn row_col_and_wide_reads_with_bom() {
        let text = "\u{feff}row,col,OD450,OD600\nA,1,0.1,0.2\n2,3,0.3,0.4\n";
        let p = &read(text).unwrap()[0];
        assert_eq!(p.reads.len(), 2);
        assert_eq!(p.reads[1].wavelength_nm, Some(600.0));
        assert_eq!(
            p.value(&p.reads[1], WellId::new(1, 2)),
            Some(Value::Number(0.4))
        );
    }

    #[test]
    fn duplicate_names_both_lines() {
        let err = read("well,value\nA1,1\nA2,2\na01,3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4") && err.contains("line 2"), "{err}");
        assert!(err.contains("well A1"), "{err}");
    }
}
