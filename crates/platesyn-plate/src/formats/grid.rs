//! Plate-shaped grids, as R's plater and most spreadsheets write them.
//!
//! ```text
//! OD450,1,2,3,4,5,6,7,8,9,10,11,12
//! A,0.12,0.13,...
//! ...
//! H,...
//!
//! OD600,1,2,...
//! A,...
//! ```
//!
//! * A grid is a header row `name,1,2,...,N` followed by one row per plate row, labelled
//!   `A`, `B`, ... (case-insensitive, surrounding spaces allowed). `N` gives the plate size:
//!   3 -> 6 wells, 4 -> 12, 6 -> 24, 8 -> 48, 12 -> 96, 24 -> 384, 48 -> 1536. Every row
//!   of the plate must be present (a missing row, an extra row such as `I` on a 96-well plate,
//!   or a value beyond column `N` is an error naming the file and line).
//! * Grids are stacked, separated by a blank line (a line of empty cells counts as blank).
//!   Following plater's convention, one file is one plate and each grid is one variable of
//!   it: for data files each grid becomes one [`Read`] named by its top-left cell (an empty
//!   top-left cell is named `values`; repeated names get `.2`, `.3`, ...), all in a single
//!   [`Plate`] with id `1`. A name such as `450`, `OD600` or `A490 nm` also gives the read's
//!   wavelength.
//! * Delimiters: comma, tab or semicolon (sniffed over the whole file). With tab or
//!   semicolon delimiters a decimal comma (`0,123`) is accepted.
//! * Cells go through [`text::parse_value`]: numbers, flags (`OVRFLW`, `?????`, ...), and
//!   empty cells (flag `empty`); anything else is an error naming file, line and well.

use super::Input;
use super::sheet::Workbook;
use crate::error::PlateError;
use crate::model::{Plate, Read};
use crate::text;
use crate::well::{PlateFormat, WellId, row_label};

/// One table row: its 1-based line (or spreadsheet row) and its cells, untrimmed.
pub type TableRow = (usize, Vec<String>);

/// The rows of a text or spreadsheet input as cells, and whether decimal commas are allowed.
///
/// Text is split on the sniffed delimiter (comma when nothing splits); for workbooks the
/// first worksheet with any content is used.
pub fn table_rows(input: &Input<'_>) -> Result<(Vec<TableRow>, bool), PlateError> {
    if let Some(wb) = &input.workbook {
        return Ok((workbook_rows(wb), false));
    }
    let text = input.text()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text::lines(text);
    // the newline ending the last line does not start a line of its own
    if lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let delim = text::sniff_delimiter(&lines).unwrap_or(b',');
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, text::split_fields(l, delim)))
        .collect();
    Ok((rows, delim != b','))
}

fn workbook_rows(wb: &Workbook) -> Vec<TableRow> {
    wb.sheets
        .iter()
        .find(|s| s.rows.iter().any(|r| r.iter().any(|c| !c.is_blank())))
        .map(|s| {
            s.rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i + 1, r.iter().map(super::sheet::Cell::text).collect()))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether every cell of a row is blank.
pub fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Column counts of the standard plates, as a grid header gives them.
const STANDARD_COLS: [u16; 7] = [3, 4, 6, 8, 12, 24, 48];

/// If `cells` is a grid header `name,1,2,...,N` (trailing empty cells allowed), the name and `N`.
pub fn parse_header(cells: &[String]) -> Option<(String, u16)> {
    let mut end = cells.len();
    while end > 1 && cells[end - 1].trim().is_empty() {
        end -= 1;
    }
    if end < 2 {
        return None;
    }
    for (k, c) in cells[1..end].iter().enumerate() {
        let n: usize = c.trim().parse().ok()?;
        if n != k + 1 {
            return None;
        }
    }
    Some((cells[0].trim().to_owned(), (end - 1) as u16))
}

/// One plate-shaped grid as found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The top-left cell, trimmed (may be empty).
    pub name: String,
    /// 1-based line of the header.
    pub header_line: usize,
    /// Plate geometry given by the header's column count.
    pub format: PlateFormat,
    /// Trimmed cells, `cells[row][col]`, exactly `format.rows` x `format.cols`.
    pub cells: Vec<Vec<String>>,
    /// 1-based line of each row.
    pub row_lines: Vec<usize>,
}

impl Grid {
    /// The line of `well`'s row.
    pub fn line_of(&self, well: WellId) -> usize {
        self.row_lines[usize::from(well.row)]
    }
}

fn plate_rows_text(format: PlateFormat) -> String {
    format!(
        "a {format} plate has rows A-{}",
        row_label(format.rows.saturating_sub(1))
    )
}

/// Split table rows into grids.
///
/// `strict_blank_lines` follows plater: grids are separated by at most one blank line and at
/// most one blank line may follow the last grid. Without it any number of blank lines is fine.
pub fn parse_grids(
    source: &str,
    rows: &[TableRow],
    strict_blank_lines: bool,
) -> Result<Vec<Grid>, PlateError> {
    let mut grids = Vec::new();
    let mut i = 0;
    let mut blank_run = 0usize;
    while i < rows.len() {
        let (line, cells) = &rows[i];
        if is_blank(cells) {
            blank_run += 1;
            if strict_blank_lines && blank_run >= 2 {
                return Err(PlateError::parse(
                    source,
                    Some(*line),
                    "two blank lines in a row; plate-shaped layouts separate grids with exactly \
                     one blank line (and allow at most one after the last grid)",
                ));
            }
            i += 1;
            continue;
        }
        blank_run = 0;
        let grid = parse_one(source, rows, &mut i)?;
        if let Some(first) = grids.first().map(|g: &Grid| g.format)
            && first != grid.format
        {
            return Err(PlateError::parse(
                source,
                Some(grid.header_line),
                format!(
                    "grid `{}` is a {} plate but the first grid is a {first} plate; \
                     all grids of one file describe the same plate",
                    grid.name, grid.format
                ),
            ));
        }
        grids.push(grid);
    }
    if grids.is_empty() {
        return Err(PlateError::parse(
            source,
            None,
            "no plate-shaped grid found (expected a header `name,1,2,...,N` then rows A, B, ...)",
        ));
    }
    Ok(grids)
}

fn cells_text(cells: &[String]) -> String {
    let s = cells.join(",");
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn parse_one(source: &str, rows: &[TableRow], i: &mut usize) -> Result<Grid, PlateError> {
    let (header_line, header) = &rows[*i];
    let header_line = *header_line;
    let Some((name, ncols)) = parse_header(header) else {
        let numbered_from_first = header
            .first()
            .is_some_and(|c| c.trim() == "1" && parse_header(&header[1..]).is_none())
            && {
                let mut with_name = vec![String::new()];
                with_name.extend(header.iter().cloned());
                parse_header(&with_name).is_some()
            };
        let message = if numbered_from_first {
            "the header starts with column number 1 instead of a name cell: the grid has no \
             row labels (expected `name,1,2,...,N` then rows `A,...`, `B,...`)"
                .to_owned()
        } else {
            format!(
                "expected a grid header `name,1,2,...,N` (a name then the column numbers), \
                 found `{}`",
                cells_text(header)
            )
        };
        return Err(PlateError::parse(source, Some(header_line), message));
    };
    if !STANDARD_COLS.contains(&ncols) {
        return Err(PlateError::parse(
            source,
            Some(header_line),
            format!(
                "the header of grid `{name}` numbers {ncols} columns; a plate-shaped grid needs \
                 3, 4, 6, 8, 12, 24 or 48 columns (6- to 1536-well plates)"
            ),
        ));
    }
    let format = PlateFormat::STANDARD
        .into_iter()
        .find(|f| f.cols == ncols)
        .unwrap_or(PlateFormat::W96);
    let mut cells = Vec::with_capacity(usize::from(format.rows));
    let mut row_lines = Vec::with_capacity(usize::from(format.rows));
    *i += 1;
    for r in 0..format.rows {
        let want = row_label(r);
        let truncated = |at: Option<usize>| {
            let after = if r == 0 {
                "right after its header".to_owned()
            } else {
                format!("after row {}", row_label(r - 1))
            };
            PlateError::parse(
                source,
                at.or(Some(header_line)),
                format!(
                    "grid `{name}` (header at line {header_line}) ends {after}, but {}; \
                     expected row {want} here (truncated grid?)",
                    plate_rows_text(format)
                ),
            )
        };
        let Some((line, row)) = rows.get(*i) else {
            return Err(truncated(rows.last().map(|(l, _)| *l)));
        };
        if is_blank(row) {
            return Err(truncated(Some(*line)));
        }
        let label = row[0].trim();
        match text_row(label) {
            Some(k) if k == r => {}
            _ if parse_header(row).is_some() => return Err(truncated(Some(*line))),
            other => {
                let outside = match other {
                    Some(k) if k >= format.rows => format!(
                        "; row {} is outside the plate: {}",
                        label.to_ascii_uppercase(),
                        plate_rows_text(format)
                    ),
                    _ => String::new(),
                };
                return Err(PlateError::parse(
                    source,
                    Some(*line),
                    format!(
                        "expected row label {want} (or {}) in grid `{name}`, found `{label}`{outside}",
                        want.to_ascii_lowercase()
                    ),
                ));
            }
        }
        let values: Vec<String> = row[1..].iter().map(|c| c.trim().to_owned()).collect();
        if values.len() < usize::from(ncols) {
            return Err(PlateError::parse(
                source,
                Some(*line),
                format!(
                    "row {want} has {} cells but the header numbers {ncols} columns \
                     (truncated line?)",
                    values.len()
                ),
            ));
        }
        if let Some((k, extra)) = values
            .iter()
            .enumerate()
            .skip(usize::from(ncols))
            .find(|(_, c)| !c.is_empty())
        {
            return Err(PlateError::parse(
                source,
                Some(*line),
                format!(
                    "row {want} has a value `{extra}` in column {} but the header numbers only \
                     {ncols} columns ({format} plate)",
                    k + 1
                ),
            ));
        }
        cells.push(values[..usize::from(ncols)].to_vec());
        row_lines.push(*line);
        *i += 1;
    }
    // After the last row: a blank line, the end, or (tolerated) the next grid's header.
    if let Some((line, row)) = rows.get(*i)
        && !is_blank(row)
        && parse_header(row).is_none()
    {
        let label = row[0].trim();
        let message = if text_row(label).is_some() {
            format!(
                "row {} is outside the plate: {}",
                label.to_ascii_uppercase(),
                plate_rows_text(format)
            )
        } else {
            format!(
                "expected a blank line or the next grid's header after row {} of grid `{name}`, \
                 found `{}`",
                row_label(format.rows - 1),
                cells_text(row)
            )
        };
        return Err(PlateError::parse(source, Some(*line), message));
    }
    Ok(Grid {
        name,
        header_line,
        format,
        cells,
        row_lines,
    })
}

/// Row index of a label made of 1-2 letters.
fn text_row(label: &str) -> Option<u16> {
    if label.is_empty() || !label.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    crate::well::row_from_label(label)
}

/// Names of stacked grids made unique the way plater does: empty -> `values`, repeats get
/// `.2`, `.3`, ...
pub fn unique_names(grids: &[Grid]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(grids.len());
    for g in grids {
        let base = if g.name.is_empty() {
            "values".to_owned()
        } else {
            g.name.clone()
        };
        let mut name = base.clone();
        let mut k = 2;
        while out.contains(&name) {
            name = format!("{base}.{k}");
            k += 1;
        }
        out.push(name);
    }
    out
}

/// Whether the content looks like plate-shaped grid(s): the first non-blank row numbers at
/// least 3 columns `1,2,...,N` after a name cell (or without one), and the text carries no
/// vendor marker. Malformed grids are then reported by [`parse`].
pub fn detect(input: &Input<'_>) -> bool {
    detect_table(input, |header, _| grid_header_signal(header))
}

/// The detection prologue shared by the generic shapes (this module and [`super::long`]):
/// `false` for text carrying a vendor marker ([`text::has_vendor_marker`]) or without a
/// non-blank row; else `judge(first non-blank row, the next non-blank row if any)`.
pub(crate) fn detect_table(
    input: &Input<'_>,
    judge: impl FnOnce(&[String], Option<&[String]>) -> bool,
) -> bool {
    if input.text.as_deref().is_some_and(text::has_vendor_marker) {
        return false;
    }
    let Ok((rows, _)) = table_rows(input) else {
        return false;
    };
    let mut non_blank = rows.iter().filter(|(_, c)| !is_blank(c));
    let Some((_, header)) = non_blank.next() else {
        return false;
    };
    judge(header, non_blank.next().map(|(_, c)| c.as_slice()))
}

/// Whether `header` starts a grid: see [`detect`].
fn grid_header_signal(header: &[String]) -> bool {
    // `name,1,2,...,N`, or `1,2,...,N` (a grid missing its name cell and row labels, which
    // parse() then reports); N >= 3 consecutive column numbers is a strong enough signal.
    let mut with_name = vec![String::new()];
    with_name.extend(header.iter().cloned());
    let numbered = parse_header(header).or_else(|| parse_header(&with_name));
    numbered.is_some_and(|(_, ncols)| ncols >= 3)
}

/// Parse plate-shaped grid(s) into one plate with one read per grid.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let source = input.source;
    let (rows, decimal_comma) = table_rows(input)?;
    let grids = parse_grids(source, &rows, false)?;
    let names = unique_names(&grids);
    let format = grids[0].format;
    let mut plate = Plate::new("1", format);
    for (grid, name) in grids.iter().zip(names) {
        if grid.cells.iter().flatten().all(String::is_empty) {
            return Err(PlateError::parse(
                source,
                Some(grid.header_line),
                format!("grid `{name}` has no values: every cell is empty"),
            ));
        }
        let wavelength = text::wavelength_from_label(&name);
        let mut read = Read::new(name, wavelength, format);
        for well in format.wells() {
            let token = &grid.cells[usize::from(well.row)][usize::from(well.col)];
            let value = text::parse_value(token, decimal_comma).ok_or_else(|| {
                PlateError::at_well(
                    source,
                    Some(grid.line_of(well)),
                    &well.to_string(),
                    format!(
                        "`{token}` in grid `{}` is not a number or a known flag \
                         (OVRFLW, ?????, <x, >x, NaN, Masked, empty)",
                        read.label
                    ),
                )
            })?;
            if let Some(idx) = format.index(well) {
                read.values[idx] = Some(value);
            }
        }
        plate.reads.push(read);
    }
    Ok(vec![plate])
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::model::{Flag, Value};

    fn grid96(name: &str, delim: &str, value: &str) -> String {
        let mut s = String::from(name);
        for c in 1..=12 {
            write!(s, "{delim}{c}").unwrap();
        }
        s.push('\n');
        for r in 0..8u16 {
            s.push_str(&row_label(r));
            for _ in 1..=12 {
                s.push_str(delim);
                s.push_str(value);
            }
            s.push('\n');
        }
        s
    }

    fn read(text: &str) -> Result<Vec<Plate>, PlateError> {
        let input = Input::new("t.csv", text.as_bytes())?;
        parse(&input)
    }

    #[test]
    fn reads_two_grids_with_decimal_commas_and_semicolons() {
        let text = format!(
            "{}\n{}",
            grid96("450", ";", "0,25"),
            grid96("OD600", ";", "1,5")
        );
        let input = Input::new("t.csv", text.as_bytes()).unwrap();
        assert!(detect(&input));
        let plates = parse(&input).unwrap();
        assert_eq!(plates.len(), 1);
        let p = &plates[0];
        assert_eq!(p.format, PlateFormat::W96);
        assert_eq!(p.reads.len(), 2);
        assert_eq!(p.reads[0].wavelength_nm, Some(450.0));
        assert_eq!(p.reads[1].wavelength_nm, Some(600.0));
        let h12 = WellId::parse("H12").unwrap();
        assert_eq!(p.value(&p.reads[0], h12), Some(Value::Number(0.25)));
        assert_eq!(p.value(&p.reads[1], h12), Some(Value::Number(1.5)));
    }

    #[test]
    fn crlf_bom_and_tabs() {
        let text = format!("\u{feff}{}", grid96("abs", "\t", "1.25")).replace('\n', "\r\n");
        let plates = read(&text).unwrap();
        assert_eq!(plates[0].reads[0].label, "abs");
        assert_eq!(
            plates[0].value(&plates[0].reads[0], WellId::new(7, 11)),
            Some(Value::Number(1.25))
        );
        let bytes: Vec<u8> = [0xEF, 0xBB, 0xBF]
            .into_iter()
            .chain(grid96("x", ",", "2").bytes())
            .collect();
        let input = Input::new("b.csv", &bytes).unwrap();
        assert!(detect(&input));
        assert_eq!(parse(&input).unwrap()[0].reads[0].label, "x");
    }

    #[test]
    fn flags_kept_and_junk_rejected() {
        let text = grid96("v", ",", "1").replacen("A,1,1", "A,OVRFLW,", 1);
        let p = &read(&text).unwrap()[0];
        assert_eq!(
            p.value(&p.reads[0], WellId::new(0, 0)),
            Some(Value::Flag(Flag::Overflow))
        );
        assert_eq!(
            p.value(&p.reads[0], WellId::new(0, 1)),
            Some(Value::Flag(Flag::Empty))
        );
        let err = read(&grid96("v", ",", "1").replacen("C,1,1", "C,1,x1", 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.csv, line 4, well C2"), "{err}");
    }

    #[test]
    fn sizes_from_header() {
        for (cols, rows) in [(3u16, 2u16), (4, 3), (6, 4), (8, 6), (24, 16), (48, 32)] {
            let mut s = String::from("n");
            for c in 1..=cols {
                write!(s, ",{c}").unwrap();
            }
            s.push('\n');
            for r in 0..rows {
                s.push_str(&row_label(r));
                for _ in 0..cols {
                    s.push_str(",0.5");
                }
                s.push('\n');
            }
            let p = &read(&s).unwrap()[0];
            assert_eq!(p.format.well_count(), usize::from(rows * cols));
        }
    }
}
