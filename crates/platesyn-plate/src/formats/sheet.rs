//! Spreadsheets (xlsx, xls) loaded once through calamine into plain cells.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use crate::error::PlateError;

/// One spreadsheet cell, as the parsers see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No content.
    Empty,
    /// Text (also used for dates, booleans and spreadsheet errors, written as text).
    Text(String),
    /// A number.
    Number(f64),
}

impl Cell {
    /// The cell as text (numbers written the shortest round-trip way).
    pub fn text(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(s) => s.clone(),
            Self::Number(x) => crate::model::format_number(*x),
        }
    }

    /// Whether the cell is empty or blank text.
    pub fn is_blank(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(s) => s.trim().is_empty(),
            Self::Number(_) => false,
        }
    }
}

/// One worksheet: its name and its cells, row-major, rows padded to the same width.
/// `rows[0][0]` is the sheet's cell A1 (leading empty rows and columns are kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Worksheet name.
    pub name: String,
    /// Cells; `rows[r][c]` is spreadsheet row `r + 1`, column `c + 1`.
    pub rows: Vec<Vec<Cell>>,
}

/// A whole workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// Worksheets in workbook order.
    pub sheets: Vec<Sheet>,
}

/// Whether the bytes start like a zip (xlsx) or OLE2 (xls) container.
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Load every worksheet.
pub fn load(source: &str, bytes: &[u8]) -> Result<Workbook, PlateError> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
        PlateError::parse(
            source,
            None,
            format!("not a readable xlsx/xls workbook: {e}"),
        )
    })?;
    let names = wb.sheet_names().clone();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = wb.worksheet_range(&name).map_err(|e| {
            PlateError::parse(source, None, format!("cannot read sheet {name:?}: {e}"))
        })?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let width = range.width() + c0 as usize;
        let mut rows: Vec<Vec<Cell>> = vec![vec![Cell::Empty; width]; r0 as usize];
        for row in range.rows() {
            let mut out = vec![Cell::Empty; c0 as usize];
            out.extend(row.iter().map(convert));
            rows.push(out);
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { sheets })
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(x) => Cell::Number(*x),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::Error(e) => Cell::Text(format!("{e}")),
        other => Cell::Text(other.to_string()),
    }
}

/// A blank cell, returned for positions outside a sheet.
static BLANK: Cell = Cell::Empty;

impl Sheet {
    /// The cell at 0-based `(row, col)`; an empty cell outside the sheet.
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&BLANK)
    }

    /// The trimmed text of the cell at 0-based `(row, col)` (numbers written the shortest way).
    pub fn text_at(&self, row: usize, col: usize) -> String {
        self.cell(row, col).text().trim().to_owned()
    }
}

/// A data cell as a well value: a number (also numbers stored as text), or the flag a
/// special token stands for (`OVER`, `NaN`, `Masked`, `<0.000`...). Blank cells give
/// `Ok(None)` (the caller decides whether blank means "not covered" or [`Flag::Empty`]);
/// any other text gives `Err(text)` for the caller to report with file, sheet, row and well.
///
/// [`Flag::Empty`]: crate::model::Flag::Empty
pub fn cell_value(cell: &Cell) -> Result<Option<crate::model::Value>, String> {
    use crate::model::Value;
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(x) if x.is_finite() => Ok(Some(Value::Number(*x))),
        Cell::Number(x) => Err(x.to_string()),
        Cell::Text(s) if s.trim().is_empty() => Ok(None),
        Cell::Text(s) => crate::text::parse_value(s, false)
            .map(Some)
            .ok_or_else(|| s.trim().to_owned()),
    }
}

/// A parse error located in a worksheet: `row0` is the 0-based row index (reported 1-based,
/// as the spreadsheet shows it).
pub fn sheet_error(
    file: &str,
    sheet: &str,
    row0: Option<usize>,
    well: Option<String>,
    message: impl Into<String>,
) -> PlateError {
    PlateError::Parse {
        at: crate::error::ErrorLocation {
            file: file.to_owned(),
            line: row0.map(|r| r + 1),
            well,
            sheet: Some(sheet.to_owned()),
        },
        message: message.into(),
    }
}
