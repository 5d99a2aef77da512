//! BMG LABTECH exports: MARS CSV (plate format) and SMART Control xlsx (`Microplate End point`).
//!
//! **MARS CSV.** A header of `Key: value` fields (`User: USER,Path: ...,Test run no.: 4`,
//! `Test name: ...,Date: ...,Time: ...`, `ID1: ...,ID2: ...,ID3: ...`), a line naming the
//! measurement (`Absorbance`, `Fluorescence (FI)`, `Luminescence`), then one or more blocks:
//! a title `Raw Data (450)` / `Raw Data (450 1)` / `Raw Data (485/520)`, a grid header
//! `,1,2,...,N` and rows `A,...` (rows 27..32 of 1536-well plates are written `a`..`f`).
//! Lines may or may not end with a trailing delimiter; rows may stop early (MARS <= 3.40);
//! blank cells are wells outside the measured layout and are not covered (`None`).
//!
//! * Read: every `Raw Data (...)` block, one [`Read`] each, on one plate whose id is `ID1`
//!   (else `ID2`, else `1`). For absorbance, the wavelength (nm) is the first number in the
//!   parentheses (`450 1` -> 450); fluorescence/luminescence reads keep the label
//!   (`485/520`, `No filter`) and no wavelength.
//! * Skipped: blocks with other titles (`Blank corrected based on Raw Data (...)`, averages):
//!   these are calculated from the raw data.
//! * Refused: kinetic/spectrum exports (a mode or title naming cycles, time, kinetic or
//!   spectrum, or two raw blocks with the same label) with "kinetic reads are not supported
//!   yet"; a header not written `Key: value` (e.g. `User = USER`), naming the line.
//!
//! **SMART Control xlsx.** The `Microplate End point` sheet holds numbered grids
//! (`1. Layout`, `2. Standard Concentrations`, `3. Dilutions`, `4. Raw Data (480-14/520-30)`,
//! `5. Blank corrected based on Raw Data (...)`). Only `Raw Data (...)` grids are read, with
//! the same label and wavelength rules as MARS.

pub(crate) mod rowgrid;

use super::Input;
use super::sheet::{Cell, Sheet};
use crate::error::{ErrorLocation, PlateError};
use crate::model::{Metadata, Plate, Read, Value};
use crate::text;
use crate::well::{PlateFormat, WellId, row_label};
use rowgrid::{cells, header_columns, is_blank};

/// The refusal text for time series and spectra (the same for every format).
pub const KINETIC_REFUSAL: &str = "kinetic reads are not supported yet";

/// How many leading lines detection looks at for the BMG header.
const HEADER_SCAN_LINES: usize = 12;

/// Whether the text looks like a BMG MARS CSV export: a `User`/`Test name` header field in
/// the first lines and a `Raw Data (` block title. Malformed headers (`User = USER`) are still
/// detected so that the parser can say what is wrong with them.
pub fn detect_mars(input: &Input<'_>) -> bool {
    let Some(text) = input.text.as_deref() else {
        return false;
    };
    let mut header = false;
    let mut raw = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start_matches(['"', ' ', '\u{feff}']);
        if i < HEADER_SCAN_LINES {
            let lower = t.get(..10).unwrap_or(t).to_ascii_lowercase();
            if lower.starts_with("user:")
                || lower.starts_with("user =")
                || lower.starts_with("test name")
                || lower.starts_with("testname:")
            {
                header = true;
            }
        }
        if t.starts_with("Raw Data") {
            raw = true;
        }
        if header && raw {
            return true;
        }
    }
    false
}

/// What kind of measurement the header names.
fn is_absorbance(mode: Option<&str>) -> bool {
    mode.is_some_and(|m| m.trim().to_ascii_lowercase().starts_with("absorbance"))
}

/// Whether a mode line or block title names a time series or spectrum.
fn names_kinetic(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        "kinetic", "spectr", "cycle", "time [", "time(", " min)", " s)",
    ]
    .iter()
    .any(|k| l.contains(k))
}

/// Label and wavelength of a `Raw Data (...)` title: `Raw Data  (450 1)` -> (`450 1`, 450 if
/// absorbance). Returns `None` when the title has no parentheses.
fn raw_label(title: &str, absorbance: bool) -> Option<(String, Option<f64>)> {
    let rest = title.trim().strip_prefix("Raw Data")?;
    let open = rest.find('(')?;
    let close = rest.rfind(')')?;
    if close <= open {
        return None;
    }
    let inner = rest[open + 1..close].trim().to_owned();
    let wl = if absorbance {
        let num: String = inner.chars().take_while(char::is_ascii_digit).collect();
        num.parse::<f64>().ok().filter(|w| *w > 0.0)
    } else {
        None
    };
    Some((inner, wl))
}

/// Metadata keys for the BMG header field names (matched ignoring ASCII case); other names
/// are kept lowercased with spaces as `_`.
const HEADER_KEYS: [(&str, &str); 8] = [
    ("user", "user"),
    ("path", "path"),
    ("test run no.", "test_run"),
    ("test id", "test_id"),
    ("test name", "test_name"),
    ("testname", "test_name"),
    ("date", "date"),
    ("time", "time"),
];

/// Record `Key: value` header fields into metadata. `Err` carries the offending field.
fn header_fields<'f>(
    fields: impl Iterator<Item = &'f str> + Clone,
    meta: &mut Metadata,
) -> Result<(), String> {
    let mut nonempty = fields.map(str::trim).filter(|f| !f.is_empty());
    if let (Some(only), None) = (nonempty.clone().next(), nonempty.clone().nth(1))
        && !only.contains(':')
    {
        meta.insert("mode".to_owned(), only.to_owned());
        return Ok(());
    }
    for f in nonempty.by_ref() {
        let Some((k, v)) = f.split_once(':') else {
            return Err(f.to_owned());
        };
        let k = k.trim();
        let key = HEADER_KEYS
            .iter()
            .find(|(name, _)| k.eq_ignore_ascii_case(name))
            .map_or_else(
                || k.to_ascii_lowercase().replace(' ', "_"),
                |(_, key)| (*key).to_owned(),
            );
        meta.insert(key, v.trim().to_owned());
    }
    Ok(())
}

/// Plate id from the header: `ID1`, else `ID2`, else `1`.
fn plate_id(meta: &Metadata) -> String {
    ["id1", "id2"]
        .iter()
        .filter_map(|k| meta.get(*k))
        .find(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| "1".to_owned())
}

/// The next non-blank line index at or after `i`.
fn next_nonblank(lines: &[&str], mut i: usize, delim: u8) -> Option<usize> {
    while i < lines.len() {
        if !is_blank(lines[i], delim) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether `line` is a block title: one non-empty first field, the rest empty. `quoted`:
/// whether the file has any double quote (else fields are split without copying).
fn title_of(line: &str, delim: u8, quoted: bool) -> Option<String> {
    let b = line.as_bytes();
    if !quoted && b.is_ascii() {
        // one pass, no allocation: data rows fail at the first byte after the row label
        let first_end = b.iter().position(|&c| c == delim).unwrap_or(b.len());
        if b[first_end..]
            .iter()
            .any(|&c| c != delim && !c.is_ascii_whitespace())
        {
            return None;
        }
        let first = line[..first_end].trim();
        return (!first.is_empty()).then(|| first.to_owned());
    }
    if is_blank(line, delim) {
        return None;
    }
    let f = cells(line, delim);
    let first = f.first()?.trim();
    (!first.is_empty() && f[1..].iter().all(|c| c.trim().is_empty())).then(|| first.to_owned())
}

/// Parse a MARS CSV export.
pub fn parse_mars(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let file = input.source;
    let text = input.text()?;
    let lines = text::lines(text);
    // the grid header `,1,2,...` starts with the delimiter; else sniff
    let delim = lines
        .iter()
        .find_map(|l| match l.as_bytes() {
            [d @ (b',' | b';' | b'\t'), b'1', ..] => Some(*d),
            _ => None,
        })
        .or_else(|| text::sniff_delimiter(&lines))
        .unwrap_or(b',');
    let decimal_comma = delim == b';';
    let quoted = text.as_bytes().contains(&b'"');

    // Block titles: a single-field line whose next non-blank line is a grid header.
    let mut titles = Vec::new();
    // the first `Raw Data (...)` title with no grid header after it (a file cut off there)
    let mut orphan: Option<(usize, String)> = None;
    let mut i = 0;
    while i < lines.len() {
        if let Some(t) = title_of(lines[i], delim, quoted) {
            if let Some(h) = next_nonblank(&lines, i + 1, delim)
                && header_columns(&cells(lines[h], delim)).is_some()
            {
                titles.push((i, t, h));
                i = h + 1;
                continue;
            }
            if orphan.is_none() && t.starts_with("Raw Data") {
                orphan = Some((i, t));
            }
        }
        i += 1;
    }
    let Some(&(first_title, _, _)) = titles.first() else {
        return Err(PlateError::parse(
            file,
            None,
            "no `Raw Data (...)` block followed by a grid header `,1,2,...` was found",
        ));
    };

    // Header: `Key: value` fields and the measurement line.
    let mut meta = Metadata::new();
    meta.insert("software".to_owned(), "BMG LABTECH MARS".to_owned());
    for (n, line) in lines[..first_title].iter().enumerate() {
        if is_blank(line, delim) {
            continue;
        }
        let fields = if quoted {
            header_fields(cells(line, delim).iter().map(AsRef::as_ref), &mut meta)
        } else {
            header_fields(rowgrid::split_plain(line, delim), &mut meta)
        };
        fields.map_err(|bad| {
            PlateError::parse(
                file,
                Some(n + 1),
                format!(
                    "expected BMG header fields written `Key: value` (like `User: USER`, \
                     `Test name: ...`, `ID1: ...`), found `{bad}`"
                ),
            )
        })?;
    }
    if !meta.contains_key("user") && !meta.contains_key("test_name") && !meta.contains_key("id1") {
        return Err(PlateError::parse(
            file,
            Some(1),
            "expected a BMG header (`User: ...`, `Test name: ...`, `ID1: ...`) before the first \
             data block",
        ));
    }
    let mode = meta.get("mode").cloned();
    if let Some(m) = &mode
        && names_kinetic(m)
    {
        return Err(unsupported(file, &format!("the export is `{m}`")));
    }
    let absorbance = is_absorbance(mode.as_deref());

    // Blocks.
    let mut grids = Vec::new();
    for (idx, (tline, title, hline)) in titles.iter().enumerate() {
        if !title.starts_with("Raw Data") {
            continue; // calculated block (blank corrected, averages...)
        }
        if names_kinetic(title) {
            return Err(unsupported(
                file,
                &format!("line {}: `{title}` is a time point or spectrum", tline + 1),
            ));
        }
        let (label, wl) = raw_label(title, absorbance).ok_or_else(|| {
            PlateError::parse(
                file,
                Some(tline + 1),
                format!(
                    "expected a block title like `Raw Data (450)` naming the read, found `{title}`"
                ),
            )
        })?;
        let grid = rowgrid::read_grid(file, &lines, *hline, delim)?;
        if grid.rows.is_empty() {
            return Err(PlateError::parse(
                file,
                Some(hline + 1),
                format!(
                    "the grid header of `{title}` has no rows after it: the export looks cut \
                     off (truncated file?)"
                ),
            ));
        }
        let end = titles.get(idx + 1).map_or(lines.len(), |t| t.0);
        check_trailing(file, &lines, grid.next, end, delim)?;
        grids.push((*tline, label, wl, grid));
    }
    if grids.is_empty() {
        return Err(PlateError::parse(
            file,
            None,
            "no `Raw Data (...)` block found (only calculated blocks)",
        ));
    }
    for (a, b) in grids
        .iter()
        .enumerate()
        .flat_map(|(k, a)| grids[k + 1..].iter().map(move |b| (a, b)))
    {
        if a.1 == b.1 {
            return Err(unsupported(
                file,
                &format!(
                    "`Raw Data ({})` appears at lines {} and {} (repeated reads of one label are a time series)",
                    a.1,
                    a.0 + 1,
                    b.0 + 1
                ),
            ));
        }
    }
    let (rows, cols) = grids.iter().fold((0, 0), |(r, c), g| {
        let (gr, gc) = g.3.extent();
        (r.max(gr), c.max(gc))
    });
    let format = rowgrid::format_for(file, grids[0].0 + 1, rows, cols)?;
    if let Some((line, title)) = orphan {
        return Err(PlateError::parse(
            file,
            Some(line + 1),
            format!(
                "`{title}` is not followed by a grid header `,1,2,...`: the export looks cut \
                 off here (truncated file?)"
            ),
        ));
    }
    if let Some(last) = grids.last()
        && titles.last().is_some_and(|t| t.0 == last.0)
        && lines[last.3.next..].iter().all(|l| is_blank(l, delim))
    {
        check_last_grid(file, text, &lines, &last.3)?;
    }
    let mut plate = Plate::new(plate_id(&meta), format);
    plate.metadata = meta;
    for (_, label, wl, grid) in &grids {
        let mut read = Read::new(label.clone(), *wl, format);
        rowgrid::fill_read(file, grid, format, &mut read, decimal_comma)?;
        plate.reads.push(read);
    }
    Ok(vec![plate])
}

/// The grid that ends the file must not look cut off:
///
/// * its rows follow a regular pattern from their first row (every row, or every n-th as in
///   sparse 1536-well layouts) and the file ends before that pattern reaches the last row of
///   the plate its header declares (12 columns: 96 wells, rows A-H; 24: 384; 48: 1536) (MARS writes the rows of the measured layout down to the end of the plate, blank
///   cells included); an irregular set of rows cannot be judged and is accepted;
/// * the file ends without a line break inside a row that has fewer fields than the header.
///
/// A cut inside the very last number of a file without a final line break, or exactly
/// between two complete blocks, cannot be told from a complete export.
fn check_last_grid(
    file: &str,
    text: &str,
    lines: &[&str],
    grid: &rowgrid::Grid<'_>,
) -> Result<(), PlateError> {
    // the plate the header declares: the standard plate with exactly that many columns
    // (a header of another width declares nothing and its rows are not judged)
    let ncols = grid.cols.len();
    let declared = PlateFormat::STANDARD
        .into_iter()
        .find(|f| usize::from(f.cols) == ncols);
    let rows: Vec<u16> = grid.rows.iter().map(|r| r.row).collect();
    let step = match rows.as_slice() {
        [a, b, ..] if b > a => b - a,
        [_, _, ..] => return Ok(()), // rows not in plate order: no pattern to judge
        _ => 1,
    };
    let regular = rows.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] == step);
    let last = grid.rows.last().map_or(0, |r| r.line);
    if let Some(format) = declared
        && regular
        && rows.last().is_some_and(|&r| r + step < format.rows)
    {
        let (first, l) = (rows[0], rows[rows.len() - 1]);
        let pattern = if step == 1 {
            format!("every row from {}", row_label(first))
        } else {
            format!("one row in {step} from {}", row_label(first))
        };
        return Err(PlateError::parse(
            file,
            Some(last),
            format!(
                "the file ends after row {} of a {}-well plate (rows A-{}) whose grid lists \
                 {pattern}, so row {} and on are missing: the export looks cut off (truncated \
                 file?)",
                row_label(l),
                format.well_count(),
                row_label(format.rows - 1),
                row_label(l + step),
            ),
        ));
    }
    let ends_with_break = text.ends_with(['\n', '\r']);
    if !ends_with_break && last == lines.len() {
        let fields = |l: &str| cells(l, grid.delim).len();
        // rows follow the header line directly; `line` is 1-based
        let header = grid.rows.first().map_or(1, |r| r.line).saturating_sub(2);
        let (want, got) = (fields(lines[header]), fields(lines[last - 1]));
        if got < want {
            return Err(PlateError::parse(
                file,
                Some(last),
                format!(
                    "the file ends inside this row, without a line break and with {got} of the \
                     header's {want} fields: the export looks cut off (truncated file?)"
                ),
            ));
        }
    }
    Ok(())
}

/// Between the end of a grid and the next block only blank or free-text lines may appear;
/// a line that looks like a data row (`A,0.1,...`) means a broken grid.
fn check_trailing(
    file: &str,
    lines: &[&str],
    from: usize,
    to: usize,
    delim: u8,
) -> Result<(), PlateError> {
    for (n, line) in lines.iter().enumerate().take(to).skip(from) {
        let f = cells(line, delim);
        if f.len() > 1
            && rowgrid::vendor_row(&f[0]).is_some()
            && text::parse_number(&f[1], delim == b';').is_some()
        {
            return Err(PlateError::parse(
                file,
                Some(n + 1),
                "a data row outside any grid (a blank line inside a grid?)",
            ));
        }
    }
    Ok(())
}

fn unsupported(file: &str, what: &str) -> PlateError {
    PlateError::Unsupported {
        file: file.to_owned(),
        message: format!("{KINETIC_REFUSAL} ({what})"),
    }
}

// ---------------------------------------------------------------------------------------------
// SMART Control xlsx

/// A `Raw Data (...)` grid title in a sheet, `4. Raw Data (480-14/520-30)` -> the title text.
fn sheet_raw_title(cell: &Cell) -> Option<String> {
    let Cell::Text(s) = cell else { return None };
    let t = s.trim();
    let t = t
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches('.')
        .trim();
    t.starts_with("Raw Data").then(|| t.to_owned())
}

fn sheet_cell_text(sheet: &Sheet, r: usize, c: usize) -> String {
    sheet
        .rows
        .get(r)
        .and_then(|row| row.get(c))
        .map(Cell::text)
        .unwrap_or_default()
}

/// Whether row `r` holds a grid header `1, 2, ...` starting at column `c`; returns the columns.
fn sheet_header(sheet: &Sheet, r: usize, c: usize) -> Option<Vec<u16>> {
    let row = sheet.rows.get(r)?;
    let mut cols = Vec::new();
    for cell in row.iter().skip(c) {
        let n = match cell {
            Cell::Number(x) => *x,
            Cell::Text(t) if !t.trim().is_empty() => t.trim().parse().ok()?,
            _ => break,
        };
        if (n - (cols.len() + 1) as f64).abs() > 0.0 {
            break;
        }
        cols.push(cols.len() as u16);
    }
    (!cols.is_empty()).then_some(cols)
}

/// Whether the workbook looks like a BMG SMART Control export: a `User:` header cell and a
/// `Raw Data (` grid title in the same sheet.
pub fn detect_smart_control(input: &Input<'_>) -> bool {
    let Some(wb) = &input.workbook else {
        return false;
    };
    wb.sheets.iter().any(|s| {
        let header = s.rows.iter().take(20).any(|row| {
            row.first()
                .is_some_and(|c| c.text().trim_start().starts_with("User:"))
        });
        header
            && s.rows
                .iter()
                .any(|row| row.iter().any(|c| sheet_raw_title(c).is_some()))
    })
}

fn sheet_error(
    file: &str,
    sheet: &Sheet,
    row: usize,
    well: Option<WellId>,
    msg: String,
) -> PlateError {
    PlateError::Parse {
        at: ErrorLocation {
            file: file.to_owned(),
            line: Some(row + 1),
            well: well.map(|w| w.to_string()),
            sheet: Some(sheet.name.clone()),
        },
        message: msg,
    }
}

/// Parse a SMART Control workbook.
pub fn parse_smart_control(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let file = input.source;
    let wb = input
        .workbook
        .as_ref()
        .ok_or_else(|| PlateError::parse(file, None, "expected an xlsx workbook, found text"))?;
    for sheet in &wb.sheets {
        let lname = sheet.name.to_ascii_lowercase();
        // block titles with a grid header right below them
        let mut blocks = Vec::new();
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if let Some(title) = sheet_raw_title(cell)
                    && c > 0
                    && let Some(cols) = sheet_header(sheet, r + 1, c)
                {
                    blocks.push((r, c, title, cols));
                }
            }
        }
        if blocks.is_empty() {
            continue;
        }
        if lname.contains("kinetic") || lname.contains("spectr") {
            return Err(unsupported(file, &format!("sheet `{}`", sheet.name)));
        }
        let mut meta = Metadata::new();
        meta.insert(
            "software".to_owned(),
            "BMG LABTECH SMART Control".to_owned(),
        );
        // the header is the column-A text above the first row that uses other columns
        for row in sheet.rows.iter().take(blocks[0].0) {
            if row.iter().skip(1).any(|c| !c.is_blank()) {
                break;
            }
            let Some(Cell::Text(t)) = row.first() else {
                continue;
            };
            // `header_fields` wants fields; one cell is one field here
            let _ = header_fields(std::iter::once(t.as_str()), &mut meta);
        }
        let mode = meta.get("mode").cloned();
        if let Some(m) = &mode
            && names_kinetic(m)
        {
            return Err(unsupported(file, &format!("the export is `{m}`")));
        }
        let absorbance = is_absorbance(mode.as_deref());

        let mut parsed = Vec::new();
        for (r, c, title, cols) in &blocks {
            if names_kinetic(title) {
                return Err(unsupported(file, &format!("`{title}`")));
            }
            let (label, wl) = raw_label(title, absorbance).ok_or_else(|| {
                sheet_error(
                    file,
                    sheet,
                    *r,
                    None,
                    format!("expected `Raw Data (...)`, found `{title}`"),
                )
            })?;
            let mut rows = Vec::new();
            let mut rr = r + 2;
            while rr < sheet.rows.len() {
                let lab = sheet_cell_text(sheet, rr, c - 1);
                let Some(prow) = rowgrid::vendor_row(&lab) else {
                    break;
                };
                rows.push((rr, prow));
                rr += 1;
            }
            parsed.push((*r, *c, label, wl, cols.clone(), rows));
        }
        let nrows = parsed
            .iter()
            .flat_map(|p| p.5.iter().map(|x| x.1 + 1))
            .max()
            .unwrap_or(0);
        let ncols = parsed.iter().map(|p| p.4.len() as u16).max().unwrap_or(0);
        let format = PlateFormat::smallest_holding(nrows, ncols).ok_or_else(|| {
            sheet_error(
                file,
                sheet,
                parsed[0].0,
                None,
                format!("a grid of {nrows} x {ncols} fits no standard plate"),
            )
        })?;
        let mut plate = Plate::new(plate_id(&meta), format);
        plate.metadata = meta;
        for (_, c, label, wl, cols, rows) in parsed {
            let mut read = Read::new(label, wl, format);
            for (rr, prow) in rows {
                for &col in &cols {
                    let well = WellId::new(prow, col);
                    let cell = sheet.rows[rr]
                        .get(c + usize::from(col))
                        .unwrap_or(&Cell::Empty);
                    let v = match cell {
                        Cell::Empty => None,
                        Cell::Number(x) => Some(Value::Number(*x)),
                        Cell::Text(t) => rowgrid::cell_value(file, rr + 1, well, t, false)
                            .map_err(|_| {
                                sheet_error(
                                    file,
                                    sheet,
                                    rr,
                                    Some(well),
                                    format!(
                                        "expected a number or a reader flag, found `{}`",
                                        t.trim()
                                    ),
                                )
                            })?,
                    };
                    if let Some(i) = format.index(well) {
                        read.values[i] = v;
                    }
                }
            }
            plate.reads.push(read);
        }
        return Ok(vec![plate]);
    }
    Err(PlateError::parse(
        file,
        None,
        "no `Raw Data (...)` grid with a `1, 2, ...` header below it in any sheet",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Plate>, PlateError> {
        let input = Input::new("t.csv", text.as_bytes()).unwrap();
        parse_mars(&input)
    }

    #[test]
    fn second_block_cut_after_its_title_is_an_error() {
        let head = "User: U,Test name: T\nAbsorbance\n\nRaw Data (450 1)\n,1,2,3\nA,1,2,3\n\
                    B,4,5,6\n";
        let whole = format!("{head}\nRaw Data (600 2)\n,1,2,3\nA,1,2,3\nB,4,5,6\n");
        let p = parse(&whole).unwrap();
        assert_eq!(p[0].reads.len(), 2);
        let e = parse(&format!("{head}\nRaw Data (600 2)\n"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv, line 9: `Raw Data (600 2)` is not followed by a grid header `,1,2,...`: the \
             export looks cut off here (truncated file?)"
        );
        // a last row cut short without a line break; with the break it is a ragged row
        let e = parse(&format!("{head}\nRaw Data (600 2)\n,1,2,3\nA,1,2,3\nB,4,5"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.csv, line 12: the file ends inside this row"),
            "{e}"
        );
        let p = parse(&format!(
            "{head}\nRaw Data (600 2)\n,1,2,3\nA,1,2,3\nB,4,5\n"
        ))
        .unwrap();
        assert_eq!(p[0].reads[1].values[5], None);
    }

    #[test]
    fn labels_and_wavelengths() {
        assert_eq!(
            raw_label("Raw Data (450 1)", true),
            Some(("450 1".to_owned(), Some(450.0)))
        );
        assert_eq!(
            raw_label("Raw Data  (450)", true),
            Some(("450".to_owned(), Some(450.0)))
        );
        assert_eq!(
            raw_label("Raw Data (485/520)", false),
            Some(("485/520".to_owned(), None))
        );
        assert_eq!(raw_label("Raw Data", true), None);
    }

    #[test]
    fn two_wavelengths_are_two_reads() {
        let t = "User: U,Test name: T\nID1: P7\nAbsorbance\n\nRaw Data (450 1)\n\n,1,2\nA,0.1,0.2\n\nRaw Data (600 2)\n\n,1,2\nA,0.3,OVER\n";
        let p = parse(t).unwrap();
        assert_eq!(p[0].id, "P7");
        assert_eq!(p[0].format, PlateFormat::W6);
        assert_eq!(p[0].reads.len(), 2);
        assert_eq!(p[0].reads[1].name(), "600");
        assert_eq!(
            p[0].reads[1].values[1],
            Some(Value::Flag(crate::model::Flag::Overflow))
        );
    }

    #[test]
    fn repeated_label_is_refused_as_kinetic() {
        let t = "User: U\nAbsorbance\n\nRaw Data (450)\n\n,1,2\nA,0.1,0.2\n\nRaw Data (450)\n\n,1,2\nA,0.3,0.4\n";
        let e = parse(t).unwrap_err().to_string();
        assert!(e.contains(KINETIC_REFUSAL), "{e}");
        let t = "User: U\nAbsorbance kinetic\n\nRaw Data (450)\n\n,1,2\nA,0.1,0.2\n";
        assert!(parse(t).unwrap_err().to_string().contains(KINETIC_REFUSAL));
    }

    #[test]
    fn calculated_blocks_are_skipped() {
        let t = "User: U\nAbsorbance\n\nRaw Data (450)\n\n,1,2\nA,0.5,0.2\n\nBlank corrected based on Raw Data (450)\n\n,1,2\nA,0.4,0.1\n";
        let p = parse(t).unwrap();
        assert_eq!(p[0].reads.len(), 1);
        assert_eq!(p[0].reads[0].values[0], Some(Value::Number(0.5)));
    }
}
