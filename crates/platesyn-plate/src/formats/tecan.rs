//! Tecan xlsx exports: i-control / SparkControl (`Label:` blocks with a `<>` plate grid or a
//! `Cycle Nr.` kinetic table) and Magellan (a long `Well positions` table, or the transposed
//! kinetic sheet Magellan writes with one `date / N sec / temperature` line per time point).
//!
//! Values are kept exactly as stored. i-control writes absorbance as float32 values widened
//! to float64, so a reading shown as `0.2562` in the instrument is stored as
//! `0.25619998574256897`; nothing here rounds it (rounding would invent precision rules
//! the export does not state).
//!
//! Kinetic tables become one [`Read`] per time point, labelled
//! `<label> cycle <n> (<t> s)`, all with the measurement wavelength.

use std::collections::BTreeMap;

use super::Input;
use super::sheet::{Cell, Sheet, Workbook, cell_value, sheet_error};
use crate::error::PlateError;
use crate::model::{Flag, Plate, Read, Value, format_number};
use crate::well::{PlateFormat, WellId};

/// Whether the content is a Tecan i-control or SparkControl xlsx export: an
/// `Application: ... i-control` / `Application: SparkControl` line, or a `<>` grid corner.
pub fn detect_icontrol(input: &Input<'_>) -> bool {
    input
        .workbook
        .as_ref()
        .is_some_and(|wb| wb.sheets.iter().any(is_icontrol_sheet))
}

fn is_icontrol_sheet(sheet: &Sheet) -> bool {
    let app_line = (0..sheet.rows.len().min(40)).any(|r| {
        let a = sheet.text_at(r, 0);
        a.starts_with("Application:") && (a.contains("i-control") || a.contains("Spark"))
    });
    app_line
        || sheet.rows.iter().any(|row| {
            row.iter()
                .any(|c| matches!(c, Cell::Text(t) if t.trim() == "<>"))
        })
}

/// Parse an i-control / SparkControl export: one plate per worksheet holding data.
pub fn parse_icontrol(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let wb = workbook(input)?;
    let mut plates = Vec::new();
    for sheet in &wb.sheets {
        if let Some(plate) = parse_icontrol_sheet(input.source, sheet, plates.len() + 1)? {
            plates.push(plate);
        }
    }
    if plates.is_empty() {
        return Err(PlateError::parse(
            input.source,
            None,
            "Tecan i-control export without data: no `<>` plate grid and no `Cycle Nr.` \
             kinetic table in any sheet",
        ));
    }
    Ok(plates)
}

/// Reads found in one sheet, before the plate geometry is fixed.
struct PendingRead {
    label: String,
    wavelength_nm: Option<f64>,
    values: Vec<(WellId, Option<Value>)>,
    /// Geometry stated by the block itself (a full `<>` grid).
    grid_format: Option<PlateFormat>,
}

fn parse_icontrol_sheet(
    file: &str,
    sheet: &Sheet,
    position: usize,
) -> Result<Option<Plate>, PlateError> {
    let mut metadata = BTreeMap::new();
    let mut label = String::new();
    let mut wavelength: Option<f64> = None;
    let mut label_wavelengths: BTreeMap<String, f64> = BTreeMap::new();
    let mut pending_label: Option<String> = None;
    let mut plate_text = String::new();
    let mut reads: Vec<PendingRead> = Vec::new();
    let mut n_kinetic = 0;
    let mut r = 0;
    while r < sheet.rows.len() {
        let a = sheet.text_at(r, 0);
        if let Some(app) = a.strip_prefix("Application:") {
            let version = first_text_after(sheet, r, 1);
            metadata.insert("software".to_owned(), join_nonempty(app.trim(), &version));
        } else if let Some(dev) = a.strip_prefix("Device:") {
            metadata.insert("reader".to_owned(), dev.trim().to_owned());
        } else if a == "Date:" || a == "Date" {
            insert_nonempty(&mut metadata, "date", first_text_after(sheet, r, 1));
        } else if a == "Time:" || a == "Time" {
            insert_nonempty(&mut metadata, "time", first_text_after(sheet, r, 1));
        } else if a == "Plate" {
            let t = first_text_after(sheet, r, 1);
            if !t.is_empty() {
                plate_text = t;
            }
        } else if let Some(l) = a.strip_prefix("Label:") {
            // i-control: a new labelled measurement; its wavelength row follows.
            l.trim().clone_into(&mut label);
            wavelength = None;
        } else if a == "Name" && sheet.text_at(r, 1).starts_with("Label") {
            pending_label = Some(sheet.text_at(r, 1));
        } else if a.eq_ignore_ascii_case("Measurement wavelength") {
            wavelength = first_number_after(sheet, r, 1);
            if let (Some(l), Some(w)) = (pending_label.take(), wavelength) {
                label_wavelengths.insert(l, w);
            }
        } else if a.starts_with("Label") && row_is_single_cell(sheet, r) {
            // SparkControl: a bare `Label 1` line right above the data table.
            label.clone_from(&a);
            if let Some(w) = label_wavelengths.get(&a) {
                wavelength = Some(*w);
            }
        } else if a == "Cycle Nr." {
            let (mut found, next) = kinetic_table(file, sheet, r, &label, wavelength)?;
            n_kinetic += found.len();
            reads.append(&mut found);
            r = next;
            continue;
        }
        if let Some(c) = (0..sheet.rows[r].len())
            .find(|&c| matches!(sheet.cell(r, c), Cell::Text(t) if t.trim() == "<>"))
        {
            let (read, next) = corner_grid(file, sheet, r, c, &label, wavelength)?;
            reads.push(read);
            r = next;
            continue;
        }
        r += 1;
    }
    if reads.is_empty() {
        return Ok(None);
    }
    let format = reads
        .iter()
        .find_map(|p| p.grid_format)
        .or_else(|| plate_format_hint(&plate_text))
        .unwrap_or_else(|| {
            format_for_wells(reads.iter().flat_map(|p| p.values.iter().map(|v| v.0)))
        });
    let mut plate = Plate::new(position.to_string(), format);
    plate.metadata = metadata;
    if !plate_text.is_empty() {
        plate.metadata.insert("plate_type".to_owned(), plate_text);
    }
    plate
        .metadata
        .insert("sheet".to_owned(), sheet.name.clone());
    if n_kinetic > 0 {
        plate
            .metadata
            .insert("kinetic".to_owned(), format!("{n_kinetic} time points"));
    }
    for p in reads {
        plate.reads.push(place(file, &sheet.name, format, p)?);
    }
    Ok(Some(plate))
}

/// A `<>` grid: header row of column numbers to the right of the corner, row letters below it.
fn corner_grid(
    file: &str,
    sheet: &Sheet,
    r: usize,
    c: usize,
    label: &str,
    wavelength: Option<f64>,
) -> Result<(PendingRead, usize), PlateError> {
    let cols = header_numbers(sheet, r, c + 1);
    if cols.is_empty() {
        return Err(sheet_error(
            file,
            &sheet.name,
            Some(r),
            None,
            "`<>` corner cell without column numbers 1, 2, ... to its right",
        ));
    }
    // a partial grid may start below row A / right of column 1; rows must be consecutive
    let mut values = Vec::new();
    let mut rr = r + 1;
    let first_row = crate::well::row_from_label(&sheet.text_at(rr, c)).unwrap_or(0);
    let mut next_row: u16 = first_row;
    while let Some(row) = crate::well::row_from_label(&sheet.text_at(rr, c)) {
        if row != next_row {
            break;
        }
        for (k, &col) in cols.iter().enumerate() {
            let well = WellId::new(row, col - 1);
            let v = cell_value(sheet.cell(rr, c + 1 + k))
                .map_err(|t| bad_value(file, sheet, rr, well, &t))?;
            values.push((well, v));
        }
        next_row += 1;
        rr += 1;
    }
    let max_col = cols.iter().copied().max().unwrap_or(0);
    // a full grid (A..., 1...) states the plate; a partial one only bounds it
    let grid_format = if first_row == 0 && cols[0] == 1 {
        PlateFormat::STANDARD
            .into_iter()
            .find(|f| f.rows == next_row && f.cols == max_col)
            .or_else(|| PlateFormat::smallest_holding(next_row, max_col))
    } else {
        None
    };
    let label = if label.is_empty() {
        "Label 1".to_owned()
    } else {
        label.to_owned()
    };
    Ok((
        PendingRead {
            label,
            wavelength_nm: wavelength,
            values,
            grid_format,
        },
        rr,
    ))
}

/// A `Cycle Nr.` kinetic table, in either orientation: i-control writes cycles across
/// (rows `Cycle Nr.`, `Time [s]`, `Temp. [°C]`, then one row per well); SparkControl writes
/// cycles down (header `Cycle Nr. | Time [s] | Temp. [°C] | A1 | A2 ...`).
fn kinetic_table(
    file: &str,
    sheet: &Sheet,
    r: usize,
    label: &str,
    wavelength: Option<f64>,
) -> Result<(Vec<PendingRead>, usize), PlateError> {
    let label = if label.is_empty() { "Label 1" } else { label };
    let mut reads = Vec::new();
    if sheet.text_at(r, 1) == "Time [s]" {
        // cycles down, wells across
        let wells: Vec<(usize, WellId)> = (3..sheet.rows[r].len())
            .filter_map(|c| WellId::parse(&sheet.text_at(r, c)).map(|w| (c, w)))
            .collect();
        let mut rr = r + 1;
        while let Some(cycle) = crate::text::parse_number(&sheet.text_at(rr, 0), false) {
            let time = sheet.text_at(rr, 1);
            let mut values = Vec::with_capacity(wells.len());
            for &(c, well) in &wells {
                let v = cell_value(sheet.cell(rr, c))
                    .map_err(|t| bad_value(file, sheet, rr, well, &t))?;
                values.push((well, v));
            }
            reads.push(PendingRead {
                label: kinetic_label(label, cycle, &time),
                wavelength_nm: wavelength,
                values,
                grid_format: None,
            });
            rr += 1;
        }
        return Ok((reads, rr));
    }
    // cycles across, wells down
    let cycles = counting_numbers(sheet, r, 1, u16::MAX);
    let mut times = vec![String::new(); cycles.len()];
    let mut rr = r + 1;
    let mut well_rows = Vec::new();
    loop {
        let a = sheet.text_at(rr, 0);
        if a.starts_with("Time") {
            for (k, t) in times.iter_mut().enumerate() {
                *t = sheet.text_at(rr, 1 + k);
            }
        } else if let Some(w) = WellId::parse(&a) {
            well_rows.push((rr, w));
        } else if !a.starts_with("Temp") {
            break;
        }
        rr += 1;
    }
    for (k, &cycle) in cycles.iter().enumerate() {
        let mut values = Vec::with_capacity(well_rows.len());
        for &(row, well) in &well_rows {
            let v = cell_value(sheet.cell(row, 1 + k))
                .map_err(|t| bad_value(file, sheet, row, well, &t))?;
            values.push((well, v));
        }
        if values.iter().all(|(_, v)| v.is_none()) {
            continue; // a cycle announced in the header but never measured (run stopped)
        }
        reads.push(PendingRead {
            label: kinetic_label(label, f64::from(cycle), &times[k]),
            wavelength_nm: wavelength,
            values,
            grid_format: None,
        });
    }
    Ok((reads, rr))
}

fn kinetic_label(label: &str, cycle: f64, time_s: &str) -> String {
    if time_s.is_empty() {
        format!("{label} cycle {}", format_number(cycle))
    } else {
        format!("{label} cycle {} ({time_s} s)", format_number(cycle))
    }
}

/// Put a pending read's values on a plate of `format`; a well outside it is an error.
fn place(file: &str, sheet: &str, format: PlateFormat, p: PendingRead) -> Result<Read, PlateError> {
    let mut read = Read::new(p.label, p.wavelength_nm, format);
    for (well, v) in p.values {
        let i = format.index(well).ok_or_else(|| {
            sheet_error(
                file,
                sheet,
                None,
                Some(well.to_string()),
                format!("well {well} lies outside the {format} plate"),
            )
        })?;
        read.values[i] = v;
    }
    Ok(read)
}

// ---------------------------------------------------------------------------------------
// Magellan

/// Whether the content is a Tecan Magellan xlsx export: a `Well positions` header cell, a
/// sheet named `Magellan... Sheet N`, or Magellan method/workspace paths in column A.
pub fn detect_magellan(input: &Input<'_>) -> bool {
    input.workbook.as_ref().is_some_and(|wb| {
        wb.sheets.iter().any(|s| {
            s.name.contains("Magellan")
                || (0..s.rows.len().min(10))
                    .any(|r| (0..s.rows[r].len()).any(|c| s.text_at(r, c) == "Well positions"))
                || (0..s.rows.len()).any(|r| s.text_at(r, 0).contains("\\Tecan\\Magellan\\"))
        })
    })
}

/// Parse a Magellan export: the long `Well positions` table (one row per well, one column
/// per measurement label), or the transposed kinetic sheet.
pub fn parse_magellan(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let wb = workbook(input)?;
    let mut plates = Vec::new();
    let mut problems = Vec::new();
    for sheet in &wb.sheets {
        let meta = MagellanMeta::collect(sheet);
        if let Some((hr, wc)) = find_cell(sheet, 10, "Well positions") {
            plates.push(magellan_long(input.source, sheet, hr, wc, &meta)?);
        } else if let Some(plate) = magellan_kinetic(input.source, sheet, &meta)? {
            plates.push(plate);
        } else if let Some((hr, _)) =
            find_cell(sheet, 10, "Raw data").or_else(|| find_cell(sheet, 10, "Label1"))
        {
            let header: Vec<String> = (0..sheet.rows[hr].len())
                .map(|c| sheet.text_at(hr, c))
                .filter(|t| !t.is_empty())
                .collect();
            problems.push(sheet_error(
                input.source,
                &sheet.name,
                Some(hr),
                None,
                format!(
                    "Magellan table without a `Well positions` column (header: {}); \
                     export it again with well positions switched on",
                    header.join(", ")
                ),
            ));
        }
    }
    if plates.is_empty() {
        return Err(problems.into_iter().next().unwrap_or_else(|| {
            PlateError::parse(
                input.source,
                None,
                "Tecan Magellan export without data: no `Well positions` table and no \
                 kinetic time-point lines in any sheet",
            )
        }));
    }
    Ok(plates)
}

/// The metadata lines Magellan writes below its table.
#[derive(Default)]
struct MagellanMeta {
    wavelengths: Vec<f64>,
    plate_definition: Option<String>,
    label_wavelengths: BTreeMap<String, f64>,
    metadata: BTreeMap<String, String>,
}

impl MagellanMeta {
    fn collect(sheet: &Sheet) -> Self {
        let mut m = Self::default();
        for r in 0..sheet.rows.len() {
            for c in 0..sheet.rows[r].len() {
                let t = sheet.text_at(r, c);
                if let Some(w) = t.strip_prefix("Measurement wavelength:") {
                    if let Some(x) = leading_number(w) {
                        m.wavelengths.push(x);
                    }
                } else if let Some(p) = t.strip_prefix("Plate definition file:") {
                    let p = p.trim();
                    m.plate_definition = Some(p.strip_suffix(".pdf").unwrap_or(p).to_owned());
                } else if let Some((l, w)) = t.split_once('=') {
                    if l.starts_with("Label") {
                        if let Some(x) = leading_number(w) {
                            m.label_wavelengths.insert(l.trim().to_owned(), x);
                        }
                    }
                } else if let Some(d) = t.strip_prefix("Date of measurement:") {
                    m.metadata.insert("date".to_owned(), d.trim().to_owned());
                } else if let Some(s) = t.strip_prefix("Instrument serial number:") {
                    m.metadata.insert("serial".to_owned(), s.trim().to_owned());
                } else if let Some(s) = t.strip_prefix("Measurement mode:") {
                    m.metadata
                        .entry("mode".to_owned())
                        .or_insert_with(|| s.trim().to_owned());
                }
            }
        }
        m.metadata
            .insert("software".to_owned(), "Tecan Magellan".to_owned());
        m
    }
}

fn magellan_long(
    file: &str,
    sheet: &Sheet,
    hr: usize,
    wc: usize,
    meta: &MagellanMeta,
) -> Result<Plate, PlateError> {
    let mut plate_col = None;
    let mut data_cols = Vec::new();
    for c in 0..sheet.rows[hr].len() {
        let t = sheet.text_at(hr, c);
        if c == wc || t.is_empty() || t.contains('=') {
            continue;
        }
        if t == "Plate" {
            plate_col = Some(c);
        } else {
            data_cols.push((c, t));
        }
    }
    if data_cols.is_empty() {
        return Err(sheet_error(
            file,
            &sheet.name,
            Some(hr),
            None,
            "`Well positions` table without a data column (expected `Raw data` or `Label1`...)",
        ));
    }
    let wavelength_of = |k: usize, name: &str| {
        meta.label_wavelengths
            .get(name)
            .copied()
            .or_else(|| (meta.wavelengths.len() == data_cols.len()).then(|| meta.wavelengths[k]))
    };
    let mut pending: Vec<PendingRead> = data_cols
        .iter()
        .enumerate()
        .map(|(k, (_, name))| PendingRead {
            label: name.clone(),
            wavelength_nm: wavelength_of(k, name),
            values: Vec::new(),
            grid_format: None,
        })
        .collect();
    let mut plate_id = None;
    let mut started = false;
    let mut seen = std::collections::HashSet::new();
    for r in hr + 1..sheet.rows.len() {
        let wt = sheet.text_at(r, wc);
        let Some(well) = WellId::parse(&wt) else {
            if started {
                break;
            }
            continue;
        };
        started = true;
        if !seen.insert(well) {
            return Err(sheet_error(
                file,
                &sheet.name,
                Some(r),
                Some(well.to_string()),
                "well listed twice",
            ));
        }
        if let Some(pc) = plate_col {
            let p = sheet.text_at(r, pc);
            if plate_id.is_none() && !p.is_empty() {
                plate_id = Some(p);
            }
        }
        for (k, (c, _)) in data_cols.iter().enumerate() {
            let v =
                cell_value(sheet.cell(r, *c)).map_err(|t| bad_value(file, sheet, r, well, &t))?;
            // every listed well was measured: a blank cell is an empty reading, not "not covered"
            pending[k]
                .values
                .push((well, Some(v.unwrap_or(Value::Flag(Flag::Empty)))));
        }
    }
    if !started {
        return Err(sheet_error(
            file,
            &sheet.name,
            Some(hr),
            None,
            "`Well positions` column holds no well (expected A1, B1, ...)",
        ));
    }
    let format = meta
        .plate_definition
        .as_deref()
        .and_then(plate_format_hint)
        .unwrap_or_else(|| {
            format_for_wells(pending.iter().flat_map(|p| p.values.iter().map(|v| v.0)))
        });
    let id = plate_id
        .or_else(|| meta.plate_definition.clone())
        .unwrap_or_else(|| "1".to_owned());
    let mut plate = Plate::new(id, format);
    plate.metadata.clone_from(&meta.metadata);
    plate
        .metadata
        .insert("sheet".to_owned(), sheet.name.clone());
    for p in pending {
        plate.reads.push(place(file, &sheet.name, format, p)?);
    }
    Ok(plate)
}

/// Magellan's transposed kinetic sheet: lines `<date>: <time> / <N> sec / <T>°C`, one per
/// time point, then cells `<well>` followed by one value per time point, anywhere on the sheet.
fn magellan_kinetic(
    file: &str,
    sheet: &Sheet,
    meta: &MagellanMeta,
) -> Result<Option<Plate>, PlateError> {
    let mut times = Vec::new();
    for r in 0..sheet.rows.len() {
        let a = sheet.text_at(r, 0);
        let parts: Vec<&str> = a.split(" / ").collect();
        if parts.len() == 3 && parts[1].trim().ends_with("sec") {
            times.push(parts[1].trim().trim_end_matches("sec").trim().to_owned());
        }
    }
    if times.is_empty() {
        return Ok(None);
    }
    let n = times.len();
    let mut pending: Vec<PendingRead> = times
        .iter()
        .enumerate()
        .map(|(k, t)| PendingRead {
            label: kinetic_label("Magellan", (k + 1) as f64, t),
            wavelength_nm: (meta.wavelengths.len() == 1).then(|| meta.wavelengths[0]),
            values: Vec::new(),
            grid_format: None,
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for r in 0..sheet.rows.len() {
        for c in 0..sheet.rows[r].len() {
            let Cell::Text(t) = sheet.cell(r, c) else {
                continue;
            };
            let Some(well) = WellId::parse(t) else {
                continue;
            };
            if !matches!(sheet.cell(r, c + 1), Cell::Number(_)) {
                continue;
            }
            if !seen.insert(well) {
                return Err(sheet_error(
                    file,
                    &sheet.name,
                    Some(r),
                    Some(well.to_string()),
                    "well listed twice",
                ));
            }
            for (k, p) in pending.iter_mut().enumerate() {
                let v = cell_value(sheet.cell(r, c + 1 + k))
                    .map_err(|t| bad_value(file, sheet, r, well, &t))?;
                p.values
                    .push((well, Some(v.unwrap_or(Value::Flag(Flag::Empty)))));
            }
        }
    }
    if seen.is_empty() {
        return Err(sheet_error(
            file,
            &sheet.name,
            None,
            None,
            format!("{n} Magellan time-point lines but no well followed by values"),
        ));
    }
    let format = format_for_wells(seen.iter().copied());
    let mut plate = Plate::new("1", format);
    plate.metadata.clone_from(&meta.metadata);
    plate
        .metadata
        .insert("sheet".to_owned(), sheet.name.clone());
    plate
        .metadata
        .insert("kinetic".to_owned(), format!("{n} time points"));
    for p in pending {
        plate.reads.push(place(file, &sheet.name, format, p)?);
    }
    Ok(Some(plate))
}

// ---------------------------------------------------------------------------------------
// helpers shared with the SkanIt and Multiskan readers

pub(crate) fn workbook<'a>(input: &'a Input<'_>) -> Result<&'a Workbook, PlateError> {
    input.workbook.as_ref().ok_or_else(|| {
        PlateError::parse(
            input.source,
            None,
            "expected an xlsx workbook, found a text file",
        )
    })
}

pub(crate) fn bad_value(
    file: &str,
    sheet: &Sheet,
    row0: usize,
    well: WellId,
    token: &str,
) -> PlateError {
    sheet_error(
        file,
        &sheet.name,
        Some(row0),
        Some(well.to_string()),
        format!("expected a number or a known flag (OVER, NaN, Masked, ...), found {token:?}"),
    )
}

/// Column numbers `1, 2, 3...` from `(r, c0)` rightwards (numbers or number text), stopping
/// at the first cell that is not the next column number.
///
/// Plate column numbers are at most 48 (1536-well plates).
pub(crate) fn header_numbers(sheet: &Sheet, r: usize, c0: usize) -> Vec<u16> {
    counting_numbers(sheet, r, c0, 48)
}

/// Whole numbers in `1..=max` from `(r, c0)` rightwards, each one more than the last (the
/// first may be any, for grids of part of a plate).
fn counting_numbers(sheet: &Sheet, r: usize, c0: usize, max: u16) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::new();
    let mut c = c0;
    while let Some(x) = crate::text::parse_number(&sheet.text_at(r, c), false) {
        let ok = match out.last() {
            Some(&l) => x == f64::from(l) + 1.0,
            None => x >= 1.0 && x.fract() == 0.0,
        };
        if !ok || x > f64::from(max) {
            break;
        }
        out.push(x as u16);
        c += 1;
    }
    out
}

/// A standard plate size named in a plate-type text (`GRE96ft`, `COS384ft`,
/// `Nunclon 96 Flat`): the first run of digits that is a standard well count of 96 or more.
pub(crate) fn plate_format_hint(text: &str) -> Option<PlateFormat> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse::<usize>().ok())
        .filter(|&n| n >= 96)
        .find_map(PlateFormat::from_well_count)
}

/// The smallest 96-, 384- or 1536-well plate holding every well (exports listing wells
/// rarely come from plates under 96 wells, and listing a subset of a 96-well plate must
/// not shrink it).
pub(crate) fn format_for_wells(wells: impl Iterator<Item = WellId>) -> PlateFormat {
    let (mut rows, mut cols) = (0u16, 0u16);
    for w in wells {
        rows = rows.max(w.row + 1);
        cols = cols.max(w.col + 1);
    }
    [PlateFormat::W96, PlateFormat::W384, PlateFormat::W1536]
        .into_iter()
        .find(|f| f.rows >= rows && f.cols >= cols)
        .unwrap_or(PlateFormat::W1536)
}

fn find_cell(sheet: &Sheet, max_rows: usize, text: &str) -> Option<(usize, usize)> {
    (0..sheet.rows.len().min(max_rows)).find_map(|r| {
        (0..sheet.rows[r].len())
            .find(|&c| sheet.text_at(r, c) == text)
            .map(|c| (r, c))
    })
}

fn leading_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    crate::text::parse_number(&s[..end], false)
}

fn first_text_after(sheet: &Sheet, r: usize, c0: usize) -> String {
    (c0..sheet.rows[r].len())
        .map(|c| sheet.text_at(r, c))
        .find(|t| !t.is_empty())
        .unwrap_or_default()
}

fn first_number_after(sheet: &Sheet, r: usize, c0: usize) -> Option<f64> {
    (c0..sheet.rows[r].len()).find_map(|c| match sheet.cell(r, c) {
        Cell::Number(x) => Some(*x),
        Cell::Text(t) => crate::text::parse_number(t, false),
        Cell::Empty => None,
    })
}

fn row_is_single_cell(sheet: &Sheet, r: usize) -> bool {
    (1..sheet.rows[r].len()).all(|c| sheet.cell(r, c).is_blank())
}

fn join_nonempty(a: &str, b: &str) -> String {
    if b.is_empty() {
        a.to_owned()
    } else {
        format!("{a} {b}")
    }
}

fn insert_nonempty(m: &mut BTreeMap<String, String>, key: &str, value: String) {
    if !value.is_empty() {
        m.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plate_hints_and_fallbacks() {
        assert_eq!(plate_format_hint("GRE96ft"), Some(PlateFormat::W96));
        assert_eq!(plate_format_hint("COS384ft"), Some(PlateFormat::W384));
        assert_eq!(
            plate_format_hint("[Thermo_Immulon96ft] - Nunclon 96 Flat"),
            Some(PlateFormat::W96)
        );
        assert_eq!(plate_format_hint("plate 12"), None);
        let wells = [WellId::new(1, 5), WellId::new(0, 0)];
        assert_eq!(format_for_wells(wells.into_iter()), PlateFormat::W96);
        assert_eq!(
            format_for_wells([WellId::new(15, 23)].into_iter()),
            PlateFormat::W384
        );
        assert_eq!(leading_number(" 595 nm"), Some(595.0));
        assert_eq!(
            kinetic_label("Abs600", 3.0, "190.6"),
            "Abs600 cycle 3 (190.6 s)"
        );
    }

    fn sheet(rows: Vec<Vec<Cell>>) -> Sheet {
        Sheet {
            name: "Sheet0".to_owned(),
            rows,
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[test]
    fn corner_grid_reads_numbers_and_flags() {
        let mut rows = vec![vec![t("Label: Abs"), Cell::Empty, Cell::Empty]];
        rows.push(vec![
            t("Measurement Wavelength"),
            Cell::Number(450.0),
            t("nm"),
        ]);
        rows.push(vec![t("<>"), Cell::Number(1.0), Cell::Number(2.0)]);
        rows.push(vec![t("A"), Cell::Number(0.5), t("OVER")]);
        rows.push(vec![t("B"), Cell::Empty, Cell::Number(0.25)]);
        let p = parse_icontrol_sheet("f.xlsx", &sheet(rows), 1)
            .unwrap()
            .unwrap();
        assert_eq!(p.format, PlateFormat::W6);
        let read = &p.reads[0];
        assert_eq!(
            (read.label.as_str(), read.wavelength_nm),
            ("Abs", Some(450.0))
        );
        assert_eq!(p.value(read, WellId::new(0, 0)), Some(Value::Number(0.5)));
        assert_eq!(
            p.value(read, WellId::new(0, 1)),
            Some(Value::Flag(Flag::Overflow))
        );
        assert_eq!(p.value(read, WellId::new(1, 0)), None);
        assert_eq!(p.value(read, WellId::new(1, 1)), Some(Value::Number(0.25)));
    }

    #[test]
    fn junk_in_a_grid_names_sheet_row_and_well() {
        let rows = vec![vec![t("<>"), Cell::Number(1.0)], vec![t("A"), t("oops")]];
        let err = parse_icontrol_sheet("f.xlsx", &sheet(rows), 1)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.xlsx [sheet Sheet0], line 2, well A1"),
            "{err}"
        );
        assert!(err.contains("\"oops\""), "{err}");
    }
    #[test]
    fn magellan_long_table_flags_and_errors() {
        let rows = vec![
            vec![t("Well positions"), t("Raw data"), t("Plate")],
            vec![t("A1"), Cell::Number(0.1), t("P1")],
            vec![t("A2"), t("OVER"), Cell::Empty],
            vec![t("A3"), Cell::Empty, Cell::Empty],
            vec![t("Measurement wavelength: 450 nm")],
            vec![t("Plate definition file: GRE96ft.pdf")],
        ];
        let s = sheet(rows);
        let meta = MagellanMeta::collect(&s);
        let p = magellan_long("m.xlsx", &s, 0, 0, &meta).unwrap();
        assert_eq!((p.id.as_str(), p.format), ("P1", PlateFormat::W96));
        let r = &p.reads[0];
        assert_eq!(
            (r.label.as_str(), r.wavelength_nm),
            ("Raw data", Some(450.0))
        );
        assert_eq!(p.value(r, WellId::new(0, 0)), Some(Value::Number(0.1)));
        assert_eq!(
            p.value(r, WellId::new(0, 1)),
            Some(Value::Flag(Flag::Overflow))
        );
        assert_eq!(
            p.value(r, WellId::new(0, 2)),
            Some(Value::Flag(Flag::Empty))
        );
        assert_eq!(p.value(r, WellId::new(0, 3)), None);
        let mut bad = s.clone();
        bad.rows[2][1] = t("Invalid");
        let err = magellan_long("m.xlsx", &bad, 0, 0, &meta)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("m.xlsx [sheet Sheet0], line 3, well A2"),
            "{err}"
        );
    }
    #[test]
    fn partial_corner_grid_keeps_positions() {
        let rows = vec![
            vec![t("<>"), Cell::Number(3.0), Cell::Number(4.0)],
            vec![t("B"), Cell::Number(0.1), Cell::Number(0.2)],
            vec![t("C"), Cell::Number(0.3), t("Masked")],
        ];
        let p = parse_icontrol_sheet("f.xlsx", &sheet(rows), 1)
            .unwrap()
            .unwrap();
        assert_eq!(p.format, PlateFormat::W96);
        let r = &p.reads[0];
        assert_eq!(
            p.value(r, WellId::parse("B3").unwrap()),
            Some(Value::Number(0.1))
        );
        assert_eq!(
            p.value(r, WellId::parse("C4").unwrap()),
            Some(Value::Flag(Flag::Masked))
        );
        assert_eq!(r.values.iter().flatten().count(), 4);
    }
}
