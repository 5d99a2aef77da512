//! Row-labelled plate grids shared by the BMG, `EnVision` and Kaleido readers: a header row
//! `,1,2,...,N` (numbers may be zero-padded, a trailing delimiter is allowed), then one row per
//! plate row `A,v,v,...`, ended by a blank line or the end of the file.
//!
//! Blank cells are wells the export does not cover (BMG, `EnVision` and Kaleido print blank
//! cells for wells outside the measured layout); they become `None` in [`Read::values`], never
//! a number. Every other cell must be a number or a known flag token (see
//! [`crate::text::flag_token`]).

use std::borrow::Cow;

use crate::error::PlateError;
use crate::model::{Read, Value};
use crate::text;
use crate::well::{PlateFormat, WellId, row_label};

/// Split one line into fields. Lines without a double quote are split without copying.
pub(crate) fn cells(line: &str, delim: u8) -> Vec<Cow<'_, str>> {
    if line.as_bytes().contains(&b'"') {
        text::split_fields(line, delim)
            .into_iter()
            .map(Cow::Owned)
            .collect()
    } else {
        let n = line.bytes().filter(|&b| b == delim).count() + 1;
        let mut v = Vec::with_capacity(n);
        v.extend(split_plain(line, delim).map(Cow::Borrowed));
        v
    }
}

/// Split at an ASCII delimiter with a plain byte loop (fields are short; a `memchr` per
/// field costs more than it saves). Quotes are not interpreted.
pub(crate) fn split_plain(line: &str, delim: u8) -> impl Iterator<Item = &str> + Clone {
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        if let Some(p) = bytes[start..].iter().position(|&b| b == delim) {
            // `delim` is ASCII, so `start + p` is a char boundary
            let f = &line[start..start + p];
            start += p + 1;
            Some(f)
        } else {
            done = true;
            Some(&line[start..])
        }
    })
}

pub(crate) use crate::text::fast_decimal;

/// Whether every field of the line is empty or whitespace (`,,,,` counts as blank).
pub(crate) fn is_blank(line: &str, delim: u8) -> bool {
    line.bytes()
        .all(|b| b == delim || b.is_ascii_whitespace() || b == b'"')
}

/// The 0-based columns named by a grid header row (`,1,2,...` or `,01,02,...`): the first
/// field empty, then consecutive column numbers starting at 1, then only empty fields.
pub(crate) fn header_columns(fields: &[Cow<'_, str>]) -> Option<Vec<u16>> {
    let (first, rest) = fields.split_first()?;
    if !first.trim().is_empty() {
        return None;
    }
    let mut cols = Vec::with_capacity(rest.len());
    let mut ended = false;
    for f in rest {
        let t = f.trim();
        if t.is_empty() {
            ended = true;
            continue;
        }
        if ended || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 4 {
            return None;
        }
        let n: u16 = t.parse().ok()?;
        if usize::from(n) != cols.len() + 1 {
            return None;
        }
        cols.push(n - 1);
    }
    (!cols.is_empty()).then_some(cols)
}

/// 0-based row for a row label as these vendors write it: `A`..`Z` are rows 0..25; on
/// 1536-well plates BMG writes rows 27..32 as lowercase `a`..`f`, so a single lowercase
/// letter `a`..`f` is row 26..31; `AA`..`AF` are accepted too.
pub(crate) fn vendor_row(label: &str) -> Option<u16> {
    let t = label.trim();
    let b = t.as_bytes();
    match b {
        [c] if c.is_ascii_uppercase() => Some(u16::from(c - b'A')),
        [c] if (b'a'..=b'f').contains(c) => Some(26 + u16::from(c - b'a')),
        [a, c] if a.is_ascii_uppercase() && c.is_ascii_uppercase() => {
            crate::well::row_from_label(t)
        }
        _ => None,
    }
}

/// One data row of a grid.
#[derive(Debug)]
pub(crate) struct GridRow<'a> {
    /// 0-based plate row.
    pub row: u16,
    /// 1-based line number in the file.
    pub line: usize,
    /// The whole line, the row label first; split on demand.
    pub text: &'a str,
}

impl GridRow<'_> {
    /// Call `f(k, token)` for each value field (`k` = 0 for the field after the row label),
    /// splitting without allocating unless the line has quotes.
    pub fn for_each_value<E>(
        &self,
        delim: u8,
        mut f: impl FnMut(usize, &str) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.text.as_bytes().contains(&b'"') {
            for (k, c) in text::split_fields(self.text, delim)
                .iter()
                .skip(1)
                .enumerate()
            {
                f(k, c)?;
            }
        } else {
            for (k, c) in split_plain(self.text, delim).skip(1).enumerate() {
                f(k, c)?;
            }
        }
        Ok(())
    }

    /// Like [`GridRow::for_each_value`], with each field's value when it is a plain decimal,
    /// found while looking for the field's end (`None` for other fields and on quoted lines,
    /// which take the general path).
    pub fn for_each_scanned<E>(
        &self,
        delim: u8,
        mut f: impl FnMut(usize, &str, Option<f64>) -> Result<(), E>,
    ) -> Result<(), E> {
        let bytes = self.text.as_bytes();
        if bytes.contains(&b'"') {
            return self.for_each_value(delim, |k, token| f(k, token, None));
        }
        let Some(label_end) = bytes.iter().position(|&b| b == delim) else {
            return Ok(()); // a row label and no values
        };
        let mut start = label_end + 1;
        let mut k = 0;
        loop {
            let (number, end) = scan_field(bytes, start, delim);
            // `delim` is ASCII, so `start` and `end` are char boundaries
            f(k, &self.text[start..end], number)?;
            if end == bytes.len() {
                return Ok(());
            }
            start = end + 1;
            k += 1;
        }
    }
}

/// A grid block: its columns and rows.
#[derive(Debug)]
pub(crate) struct Grid<'a> {
    /// 0-based columns, in header order.
    pub cols: Vec<u16>,
    /// Rows in file order.
    pub rows: Vec<GridRow<'a>>,
    /// Index (0-based) of the first line after the block.
    pub next: usize,
    /// The field delimiter.
    pub delim: u8,
}

impl Grid<'_> {
    /// Number of rows and columns needed to hold this grid.
    pub fn extent(&self) -> (u16, u16) {
        let rows = self.rows.iter().map(|r| r.row + 1).max().unwrap_or(0);
        let cols = self.cols.iter().map(|c| c + 1).max().unwrap_or(0);
        (rows, cols)
    }
}

/// Read a grid whose header row is `lines[header]` (already checked with
/// [`header_columns`]). Rows run until a blank line or the end of the file.
pub(crate) fn read_grid<'a>(
    file: &str,
    lines: &[&'a str],
    header: usize,
    delim: u8,
) -> Result<Grid<'a>, PlateError> {
    let head = cells(lines[header], delim);
    let cols = header_columns(&head).ok_or_else(|| {
        PlateError::parse(
            file,
            Some(header + 1),
            format!(
                "expected a grid header `,1,2,...`, found `{}`",
                lines[header].trim()
            ),
        )
    })?;
    let mut rows = Vec::new();
    let mut i = header + 1;
    while i < lines.len() && !is_blank(lines[i], delim) {
        let first = split_plain(lines[i], delim).next().unwrap_or("");
        let label = first.trim().trim_matches('"');
        let Some(row) = vendor_row(label) else {
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                format!(
                    "expected a plate row letter (A, B, ...) at the start of the line, found `{label}`"
                ),
            ));
        };
        if rows.iter().any(|r: &GridRow<'_>| r.row == row) {
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                format!("row {} appears twice in the same grid", row_label(row)),
            ));
        }
        rows.push(GridRow {
            row,
            line: i + 1,
            text: lines[i],
        });
        i += 1;
    }
    Ok(Grid {
        cols,
        rows,
        next: i,
        delim,
    })
}

/// The smallest standard plate holding `rows` x `cols`, or an error naming the line.
pub(crate) fn format_for(
    file: &str,
    line: usize,
    rows: u16,
    cols: u16,
) -> Result<PlateFormat, PlateError> {
    PlateFormat::smallest_holding(rows, cols).ok_or_else(|| {
        PlateError::parse(
            file,
            Some(line),
            format!(
                "a grid of {rows} rows x {cols} columns fits no standard plate (up to 32 x 48)"
            ),
        )
    })
}

/// Parse one cell: blank -> `None` (well not covered), number or flag token -> `Some`,
/// anything else -> an error naming file, line and well.
pub(crate) fn cell_value(
    file: &str,
    line: usize,
    well: WellId,
    token: &str,
    decimal_comma: bool,
) -> Result<Option<Value>, PlateError> {
    if let Some(x) = fast_decimal(token.trim_ascii()) {
        return Ok(Some(Value::Number(x)));
    }
    let t = token.trim();
    if t.is_empty() {
        return Ok(None);
    }
    text::parse_value(t, decimal_comma)
        .map(Some)
        .ok_or_else(|| {
            PlateError::at_well(
                file,
                Some(line),
                &well.to_string(),
                format!("expected a number or a reader flag (OVER, NaN, Masked, ...), found `{t}`"),
            )
        })
}

/// Every covered well of `grid` with its value, in file order (blank cells are skipped).
/// Cells beyond the header's columns must be blank.
pub(crate) fn for_each_cell(
    file: &str,
    grid: &Grid<'_>,
    decimal_comma: bool,
    mut f: impl FnMut(WellId, Value),
) -> Result<(), PlateError> {
    let ncols = grid.cols.len();
    for r in &grid.rows {
        let mut cell = |k: usize, token: &str, number: Option<f64>| {
            if k < ncols {
                let well = WellId::new(r.row, grid.cols[k]);
                if let Some(x) = number {
                    f(well, Value::Number(x));
                } else if let Some(v) = cell_value(file, r.line, well, token, decimal_comma)? {
                    f(well, v);
                }
                Ok(())
            } else if token.trim().is_empty() {
                Ok(())
            } else {
                Err(PlateError::parse(
                    file,
                    Some(r.line),
                    format!(
                        "row {} has a value `{}` beyond the {ncols} columns of the grid header",
                        row_label(r.row),
                        token.trim(),
                    ),
                ))
            }
        };
        r.for_each_scanned(grid.delim, &mut cell)?;
    }
    Ok(())
}

/// The field of `bytes` starting at `start` and ending before the next `delim` (or at the
/// end): its end index, and its value when it is a plain decimal [`fast_decimal`] takes
/// (same value, found while looking for the end of the field).
fn scan_field(bytes: &[u8], start: usize, delim: u8) -> (Option<f64>, usize) {
    let mut i = start;
    let neg = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in &bytes[i..] {
        if c.is_ascii_digit() {
            if digits < 15 {
                m = m * 10 + u64::from(c - b'0');
            }
            digits += 1;
            frac += usize::from(dot);
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if i == bytes.len() || bytes[i] == delim {
        let number = (1..=15).contains(&digits).then(|| {
            let v = m as f64 / text::POW10[frac];
            if neg { -v } else { v }
        });
        return (number, i);
    }
    let end = bytes[i..]
        .iter()
        .position(|&c| c == delim)
        .map_or(bytes.len(), |p| i + p);
    (None, end)
}

/// Fill a [`Read`] on `format` from `grid` (a ragged row that stops early leaves the rest of
/// its wells uncovered).
pub(crate) fn fill_read(
    file: &str,
    grid: &Grid<'_>,
    format: PlateFormat,
    read: &mut Read,
    decimal_comma: bool,
) -> Result<(), PlateError> {
    let values = &mut read.values;
    let ncols = grid.cols.len();
    let on_plate = |row: u16, k: usize| format.index(WellId::new(row, grid.cols[k]));
    for r in &grid.rows {
        r.for_each_scanned(grid.delim, |k, token, number| match number {
            // the common case: a plain decimal in a header column
            Some(x) if k < ncols => {
                if let Some(i) = on_plate(r.row, k) {
                    values[i] = Some(Value::Number(x));
                }
                Ok(())
            }
            _ => store_cell(
                file,
                grid,
                r,
                k,
                token,
                number,
                decimal_comma,
                &mut *values,
                on_plate,
            ),
        })?;
    }
    Ok(())
}

/// One cell of [`fill_read`] off the fast path: a flag, a blank, a number written otherwise,
/// junk (an error naming the well) or a value beyond the header's columns (an error).
#[allow(clippy::too_many_arguments)]
fn store_cell(
    file: &str,
    grid: &Grid<'_>,
    r: &GridRow<'_>,
    k: usize,
    token: &str,
    number: Option<f64>,
    decimal_comma: bool,
    values: &mut [Option<Value>],
    on_plate: impl Fn(u16, usize) -> Option<usize>,
) -> Result<(), PlateError> {
    let ncols = grid.cols.len();
    if k >= ncols {
        if token.trim().is_empty() {
            return Ok(());
        }
        return Err(PlateError::parse(
            file,
            Some(r.line),
            format!(
                "row {} has a value `{}` beyond the {ncols} columns of the grid header",
                row_label(r.row),
                token.trim(),
            ),
        ));
    }
    let well = WellId::new(r.row, grid.cols[k]);
    let value = match number {
        Some(x) => Some(Value::Number(x)),
        None => cell_value(file, r.line, well, token, decimal_comma)?,
    };
    if let (Some(v), Some(i)) = (value, on_plate(r.row, k)) {
        values[i] = Some(v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_rows_and_blanks() {
        let h = cells(",01,02,03,", b',');
        assert_eq!(header_columns(&h), Some(vec![0, 1, 2]));
        assert_eq!(header_columns(&cells(",1,3", b',')), None);
        assert_eq!(header_columns(&cells("A,1,2", b',')), None);
        assert_eq!(header_columns(&cells(",1,,2", b',')), None);
        assert_eq!(vendor_row("A"), Some(0));
        assert_eq!(vendor_row("Z"), Some(25));
        assert_eq!(vendor_row("a"), Some(26));
        assert_eq!(vendor_row("e"), Some(30));
        assert_eq!(vendor_row("AF"), Some(31));
        assert_eq!(vendor_row("g"), None);
        assert_eq!(vendor_row("1"), None);
        assert!(is_blank(",,,,", b','));
        assert!(is_blank("  ", b','));
        assert!(!is_blank(",1,", b','));
    }

    #[test]
    fn fast_decimal_agrees_with_std_parse() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 10_u64.pow(1 + i % 15)).to_string();
            let cut = (x >> 40) as usize % (digits.len() + 1);
            let mut s = format!("{}.{}", &digits[..cut], &digits[cut..]);
            if i % 3 == 0 {
                s.insert(0, '-');
            }
            if s.ends_with('.') {
                s.push('0');
            }
            let want: f64 = s.parse().unwrap();
            match fast_decimal(&s) {
                Some(got) => assert_eq!(got.to_bits(), want.to_bits(), "{s}"),
                None => assert!(s.bytes().filter(u8::is_ascii_digit).count() > 15, "{s}"),
            }
        }
        for s in ["", "-", ".", "1e3", "1.2.3", "0,5", "abc", "1 2"] {
            assert_eq!(fast_decimal(s), None, "{s}");
        }
        assert_eq!(fast_decimal("2.380"), Some(2.38));
        assert_eq!(
            fast_decimal("-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(fast_decimal("0.043263275046433673"), None);
        let parts: Vec<&str> = split_plain("a,,b,", b',').collect();
        assert_eq!(parts, ["a", "", "b", ""]);
    }

    #[test]
    fn field_scan_agrees_with_fast_decimal_and_finds_field_ends() {
        for field in [
            "0.031",
            "-0.5",
            "+7",
            "12345678901234",
            "1234567890123456",
            "1.",
            ".5",
            ".",
            "-",
            "",
            "1e3",
            "OVER",
            " 0.5",
            "0.5 ",
            "1.2.3",
            "0,5",
            "<0.000",
        ] {
            let line = format!("{field};9");
            let (number, end) = scan_field(line.as_bytes(), 0, b';');
            assert_eq!(end, field.len(), "{field}");
            assert_eq!(
                number.map(f64::to_bits),
                fast_decimal(field).map(f64::to_bits),
                "{field}"
            );
            let (number, end) = scan_field(field.as_bytes(), 0, b';');
            assert_eq!(end, field.len(), "{field}");
            assert_eq!(number, fast_decimal(field), "{field}");
        }
    }

    #[test]
    fn grid_to_read_with_ragged_and_blank_cells() {
        let lines = [",1,2,3,", "A,0.5,,OVER", "B,1e-3", ""];
        let g = read_grid("f.csv", &lines, 0, b',').unwrap();
        assert_eq!(g.extent(), (2, 3));
        assert_eq!(g.next, 3);
        let mut read = Read::new("x", None, PlateFormat::W96);
        fill_read("f.csv", &g, PlateFormat::W96, &mut read, false).unwrap();
        assert_eq!(read.values[0], Some(Value::Number(0.5)));
        assert_eq!(read.values[1], None);
        assert_eq!(
            read.values[2],
            Some(Value::Flag(crate::model::Flag::Overflow))
        );
        assert_eq!(read.values[12], Some(Value::Number(0.001)));
        assert_eq!(read.values[13], None);
    }

    #[test]
    fn junk_cells_and_extra_cells_are_errors_naming_line_and_well() {
        let lines = [",1,2", "A,0.5,abc"];
        let g = read_grid("f.csv", &lines, 0, b',').unwrap();
        let mut read = Read::new("x", None, PlateFormat::W96);
        let e = fill_read("f.csv", &g, PlateFormat::W96, &mut read, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.csv, line 2, well A2") && e.contains("`abc`"),
            "{e}"
        );
        let lines = [",1,2", "A,0.5,1,7"];
        let g = read_grid("f.csv", &lines, 0, b',').unwrap();
        let e = fill_read("f.csv", &g, PlateFormat::W96, &mut read, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("beyond"), "{e}");
        let lines = [",1,2", "Q1,0.5,1"];
        let e = read_grid("f.csv", &lines, 0, b',').unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("row letter"), "{e}");
    }
}
