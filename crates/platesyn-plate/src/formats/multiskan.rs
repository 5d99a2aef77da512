//! Thermo Multiskan exports as found among the `MTPHandler` samples, and the refusal of
//! plate-map workbooks that sit beside such exports.
//!
//! * Multiskan Sky xlsx (`SkanIt` 6 "Measurement results" report): the `Raw data <N> nm`
//!   sheets, a long table `Well | Wavelength(s) [nm] | Raw absorbance | Measurement time(s)`
//!   with wells written `A 2`. Each well's k-th row is reading k. A single reading per well is
//!   an endpoint read named by its wavelength; several make a kinetic run: one [`Read`] per
//!   reading, labelled `<N> nm reading <k>`.
//! * Multiskan Spectrum text (`Results of Photometric1`): blocks `Plate:<p> - Wavelength:<N>`,
//!   then `Iteration: <k>` grids (tab-separated, a leading empty field, one line per plate
//!   row). One iteration per wavelength is an endpoint read; several are a kinetic run: one
//!   [`Read`] per iteration, labelled `<N> nm iteration <k>`. This export writes stray extra
//!   tabs inside some rows (e.g. `1.76\t\t2.57`): the values of a row are taken in order with
//!   empty fields dropped, i.e. packed from column 1 (what `MTPHandler` does too). A row with a
//!   genuinely unread well in the middle would be shifted; the export gives no way to tell.
//! * Plate maps (`assignment.xlsx`, `plate_map_*.xlsx`): workbooks whose every sheet is a bare
//!   plate grid of design values (few distinct values, no reader metadata). They are claimed
//!   here so that no generic grid reader takes concentrations for absorbances, and refused with
//!   "not a plate-reader export: looks like a plate map".

use super::Input;
use super::sheet::{Cell, Sheet, Workbook, cell_value, sheet_error};
use super::tecan::{format_for_wells, header_numbers};
use crate::error::PlateError;
use crate::model::{Flag, Plate, Read, Value, format_number};
use crate::text;
use crate::well::{PlateFormat, WellId, row_from_label};

/// Whether the content is a Multiskan export (Sky xlsx or Spectrum text) or a plate map.
pub fn detect(input: &Input<'_>) -> bool {
    if let Some(t) = &input.text {
        return is_spectrum_text(t);
    }
    input.workbook.as_ref().is_some_and(|wb| {
        wb.sheets.iter().any(is_sky_raw_sheet) || looks_like_plate_map(wb).is_some()
    })
}

/// Parse a Multiskan export; refuse a plate map.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    if let Some(t) = &input.text {
        return parse_spectrum_text(input.source, t);
    }
    let wb = super::tecan::workbook(input)?;
    if wb.sheets.iter().any(is_sky_raw_sheet) {
        return parse_sky(input.source, wb);
    }
    if let Some(why) = looks_like_plate_map(wb) {
        return Err(PlateError::Unsupported {
            file: input.source.to_owned(),
            message: format!(
                "not a plate-reader export: looks like a plate map ({why}); \
                 give it as a layout instead"
            ),
        });
    }
    Err(PlateError::parse(
        input.source,
        None,
        "not a Multiskan export: no `Raw data <N> nm` sheet",
    ))
}

// ---------------------------------------------------------------------------------------
// Multiskan Sky xlsx

fn is_sky_raw_sheet(s: &Sheet) -> bool {
    s.name.starts_with("Raw data")
        && (0..s.rows.len().min(10))
            .any(|r| s.text_at(r, 0) == "Well" && s.text_at(r, 1).starts_with("Wavelength"))
}

fn parse_sky(file: &str, wb: &Workbook) -> Result<Vec<Plate>, PlateError> {
    // (wavelength, reading index, well, value)
    let mut rows: Vec<(f64, usize, WellId, Option<Value>)> = Vec::new();
    let mut date = String::new();
    for sheet in wb.sheets.iter().filter(|s| is_sky_raw_sheet(s)) {
        if date.is_empty() {
            date = sheet.text_at(1, 0);
        }
        let hr = (0..sheet.rows.len())
            .find(|&r| sheet.text_at(r, 0) == "Well")
            .unwrap_or(0);
        let mut count: std::collections::HashMap<(u64, WellId), usize> =
            std::collections::HashMap::new();
        for r in hr + 1..sheet.rows.len() {
            let w = sheet.text_at(r, 0).replace(' ', "");
            if w.is_empty() {
                break;
            }
            let well = WellId::parse(&w).ok_or_else(|| {
                sheet_error(
                    file,
                    &sheet.name,
                    Some(r),
                    None,
                    format!("expected a well such as `A 2`, found {w:?}"),
                )
            })?;
            let wl = match sheet.cell(r, 1) {
                Cell::Number(x) => *x,
                c => text::parse_number(&c.text(), false).ok_or_else(|| {
                    sheet_error(
                        file,
                        &sheet.name,
                        Some(r),
                        Some(well.to_string()),
                        "expected a wavelength in nm",
                    )
                })?,
            };
            let v = cell_value(sheet.cell(r, 2))
                .map_err(|t| super::tecan::bad_value(file, sheet, r, well, &t))?;
            let k = count.entry((wl.to_bits(), well)).or_default();
            rows.push((wl, *k, well, Some(v.unwrap_or(Value::Flag(Flag::Empty)))));
            *k += 1;
        }
    }
    let format = format_for_wells(rows.iter().map(|r| r.2));
    let kinetic = rows.iter().any(|r| r.1 > 0);
    let mut keys: Vec<(f64, usize)> = Vec::new();
    for r in &rows {
        if !keys
            .iter()
            .any(|k| k.0.to_bits() == r.0.to_bits() && k.1 == r.1)
        {
            keys.push((r.0, r.1));
        }
    }
    let mut plate = Plate::new("1", format);
    for (wl, k) in keys {
        let label = if kinetic {
            format!("{} nm reading {}", format_number(wl), k)
        } else {
            format_number(wl)
        };
        let mut read = Read::new(label, Some(wl), format);
        for r in rows
            .iter()
            .filter(|r| r.0.to_bits() == wl.to_bits() && r.1 == k)
        {
            if let Some(i) = format.index(r.2) {
                read.values[i] = r.3;
            }
        }
        plate.reads.push(read);
    }
    plate
        .metadata
        .insert("reader".to_owned(), "Thermo Multiskan Sky".to_owned());
    if !date.is_empty() {
        plate.metadata.insert("date".to_owned(), date);
    }
    if kinetic {
        let n = plate.reads.len();
        plate
            .metadata
            .insert("kinetic".to_owned(), format!("{n} time points"));
    }
    Ok(vec![plate])
}

// ---------------------------------------------------------------------------------------
// Multiskan Spectrum text

fn is_spectrum_text(t: &str) -> bool {
    let head: Vec<&str> = text::lines(t).into_iter().take(10).collect();
    head.first()
        .is_some_and(|l| l.trim().starts_with("Results of Photometric"))
        || (head
            .iter()
            .any(|l| l.trim().starts_with("Plate:") && l.contains("Wavelength:"))
            && head.iter().any(|l| l.trim().starts_with("Iteration:")))
}

fn parse_spectrum_text(file: &str, t: &str) -> Result<Vec<Plate>, PlateError> {
    struct Block {
        plate: String,
        wavelength: f64,
        iteration: String,
        rows: Vec<(usize, Vec<String>)>,
    }
    let mut blocks: Vec<Block> = Vec::new();
    let (mut plate, mut wavelength) = (String::new(), None::<f64>);
    let mut in_grid = false;
    for (i, line) in text::lines(t).into_iter().enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Plate:") {
            let (p, w) = rest.split_once("- Wavelength:").ok_or_else(|| {
                PlateError::parse(file, Some(i + 1), "expected `Plate:<p> - Wavelength:<nm>`")
            })?;
            p.trim().clone_into(&mut plate);
            wavelength = Some(text::parse_number(w, false).ok_or_else(|| {
                PlateError::parse(
                    file,
                    Some(i + 1),
                    format!("expected a wavelength in nm, found {:?}", w.trim()),
                )
            })?);
            in_grid = false;
        } else if let Some(k) = trimmed.strip_prefix("Iteration:") {
            let wl = wavelength.ok_or_else(|| {
                PlateError::parse(
                    file,
                    Some(i + 1),
                    "`Iteration:` before any `Plate: - Wavelength:` line",
                )
            })?;
            blocks.push(Block {
                plate: plate.clone(),
                wavelength: wl,
                iteration: k.trim().to_owned(),
                rows: Vec::new(),
            });
            in_grid = true;
        } else if line.is_empty() {
            in_grid = false;
        } else if in_grid && line.starts_with('\t') {
            let fields: Vec<String> = line
                .split('\t')
                .skip(1)
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect();
            blocks
                .last_mut()
                .expect("in_grid implies a block")
                .rows
                .push((i + 1, fields));
        } else if !trimmed.is_empty() && !trimmed.starts_with("Results of") {
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                format!(
                    "unexpected line {trimmed:?} (expected `Plate:`, `Iteration:` or a tab-separated plate row)"
                ),
            ));
        }
    }
    if blocks.is_empty() {
        return Err(PlateError::parse(file, None, "no `Iteration:` grid found"));
    }
    let n_rows = blocks.iter().map(|b| b.rows.len()).max().unwrap_or(0) as u16;
    let n_cols = blocks
        .iter()
        .flat_map(|b| b.rows.iter().map(|r| r.1.len()))
        .max()
        .unwrap_or(0)
        .max(12) as u16;
    let format = PlateFormat::smallest_holding(n_rows, n_cols).ok_or_else(|| {
        PlateError::parse(
            file,
            None,
            format!("{n_rows} x {n_cols} grid is larger than a 1536-well plate"),
        )
    })?;
    let mut plates: Vec<Plate> = Vec::new();
    for b in &blocks {
        let kinetic = blocks
            .iter()
            .filter(|o| o.plate == b.plate && o.wavelength.to_bits() == b.wavelength.to_bits())
            .count()
            > 1;
        let label = if kinetic {
            format!(
                "{} nm iteration {}",
                format_number(b.wavelength),
                b.iteration
            )
        } else {
            format_number(b.wavelength)
        };
        let mut read = Read::new(label, Some(b.wavelength), format);
        for (r, (line, fields)) in b.rows.iter().enumerate() {
            for (c, f) in fields.iter().enumerate() {
                let well = WellId::new(r as u16, c as u16);
                let v = text::parse_value(f, false).ok_or_else(|| {
                    PlateError::at_well(
                        file,
                        Some(*line),
                        &well.to_string(),
                        format!("expected a number or a flag, found {f:?}"),
                    )
                })?;
                if let Some(i) = format.index(well) {
                    read.values[i] = Some(v);
                }
            }
        }
        let i = if let Some(i) = plates.iter().position(|p| p.id == b.plate) {
            i
        } else {
            let mut p = Plate::new(b.plate.clone(), format);
            p.metadata
                .insert("reader".to_owned(), "Thermo Multiskan Spectrum".to_owned());
            plates.push(p);
            plates.len() - 1
        };
        plates[i].reads.push(read);
    }
    for p in &mut plates {
        let n = p
            .reads
            .iter()
            .filter(|r| r.label.contains(" iteration "))
            .count();
        if n > 0 {
            p.metadata
                .insert("kinetic".to_owned(), format!("{n} time points"));
        }
    }
    Ok(plates)
}

// ---------------------------------------------------------------------------------------
// plate maps

/// Why a workbook looks like a plate map (design values per well) rather than readings, or
/// `None`. A plate map here: every non-empty sheet is one bare plate grid (column numbers
/// `1..` across, row letters down, at most a title cell above) and nothing else, and the
/// grids hold design values: non-numeric labels, or at most half as many distinct numbers as
/// filled wells (readings are almost all distinct; concentrations repeat).
pub fn looks_like_plate_map(wb: &Workbook) -> Option<String> {
    let mut grids = Vec::new();
    let (mut filled, mut distinct, mut labels) = (0usize, 0usize, 0usize);
    for sheet in &wb.sheets {
        let nonblank: Vec<(usize, usize)> = (0..sheet.rows.len())
            .flat_map(|r| (0..sheet.rows[r].len()).map(move |c| (r, c)))
            .filter(|&(r, c)| !sheet.cell(r, c).is_blank())
            .collect();
        if nonblank.is_empty() {
            continue;
        }
        let (hr, hc) = find_bare_grid(sheet)?;
        let cols = header_numbers(sheet, hr, hc + 1);
        let n_rows = (hr + 1..sheet.rows.len())
            .take_while(|&r| row_from_label(&sheet.text_at(r, hc)) == Some((r - hr - 1) as u16))
            .count();
        let inside = |r: usize, c: usize| {
            (r == hr && c > hc && c <= hc + cols.len())
                || (c == hc && r > hr && r <= hr + n_rows)
                || (r > hr && r <= hr + n_rows && c > hc && c <= hc + cols.len())
        };
        let mut values: Vec<u64> = Vec::new();
        for &(r, c) in &nonblank {
            if inside(r, c) {
                if r > hr && c > hc {
                    filled += 1;
                    match cell_value(sheet.cell(r, c)) {
                        Ok(Some(Value::Number(x))) => values.push(x.to_bits()),
                        _ => labels += 1,
                    }
                }
            } else if !(r + 1 == hr && c <= hc + 1 && matches!(sheet.cell(r, c), Cell::Text(_))) {
                return None; // something besides the grid and a title: not a bare plate map
            }
        }
        values.sort_unstable();
        values.dedup();
        distinct += values.len();
        grids.push(sheet.name.clone());
    }
    if grids.is_empty() {
        return None;
    }
    let design = labels > 0 || filled == 0 || distinct * 2 <= filled;
    design.then(|| {
        format!(
            "sheets {} hold bare plate grids of design values ({filled} filled wells, \
             {distinct} distinct numbers) and no reader metadata",
            grids.join(", ")
        )
    })
}

/// The header row and corner column of a bare plate grid: a row whose cells right of the
/// corner are `1, 2, 3...`, and whose next row starts with `A`.
fn find_bare_grid(sheet: &Sheet) -> Option<(usize, usize)> {
    (0..sheet.rows.len().min(5)).find_map(|r| {
        (0..sheet.rows[r].len().min(3)).find_map(|c| {
            (header_numbers(sheet, r, c + 1).len() >= 2
                && row_from_label(&sheet.text_at(r + 1, c)) == Some(0)
                && sheet.cell(r, c).is_blank())
            .then_some((r, c))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectrum_text_endpoint_and_stray_tabs() {
        let t = "Results of Photometric1\r\n\r\n\tPlate:1 - Wavelength:405\r\n\r\n\tIteration: 1\r\n\t0.1\t0.2\t\t0.3\t\t\r\n\tOVER\t0.5\t\t\r\n\t\t\t\t\r\n\r\n";
        assert!(is_spectrum_text(t));
        let plates = parse_spectrum_text("s.txt", t).unwrap();
        let p = &plates[0];
        assert_eq!(
            (p.id.as_str(), p.format, p.reads.len()),
            ("1", PlateFormat::W96, 1)
        );
        let r = &p.reads[0];
        assert_eq!((r.label.as_str(), r.wavelength_nm), ("405", Some(405.0)));
        assert_eq!(p.value(r, WellId::new(0, 2)), Some(Value::Number(0.3)));
        assert_eq!(
            p.value(r, WellId::new(1, 0)),
            Some(Value::Flag(Flag::Overflow))
        );
        assert_eq!(p.value(r, WellId::new(1, 2)), None);
        let bad =
            "Results of Photometric1\n\tPlate:1 - Wavelength:405\n\tIteration: 1\n\t0.1\tjunk\n";
        let err = parse_spectrum_text("s.txt", bad).unwrap_err().to_string();
        assert!(err.contains("s.txt, line 4, well A2"), "{err}");
    }

    fn grid(name: &str, value: impl Fn(usize, usize) -> Cell) -> Sheet {
        let mut rows = vec![
            std::iter::once(Cell::Empty)
                .chain((1..=12).map(|c| Cell::Text(c.to_string())))
                .collect::<Vec<_>>(),
        ];
        for r in 0..8 {
            let mut row = vec![Cell::Text(row_label(r))];
            row.extend((0..12).map(|c| value(r, c)));
            rows.push(row);
        }
        Sheet {
            name: name.to_owned(),
            rows,
        }
    }

    fn row_label(r: usize) -> String {
        char::from(b'A' + r as u8).to_string()
    }

    #[test]
    fn plate_map_versus_data_grid() {
        let conc = grid("conc", |_, c| Cell::Number([0.0, 1.0, 10.0][c % 3]));
        let map = Workbook { sheets: vec![conc] };
        assert!(looks_like_plate_map(&map).unwrap().contains("sheets conc"));
        let od = grid("Sheet1", |r, c| {
            Cell::Number(0.1 + (r * 12 + c) as f64 * 0.001)
        });
        assert!(
            looks_like_plate_map(&Workbook {
                sheets: vec![od.clone()]
            })
            .is_none()
        );
        // a grid with reader metadata beside it is not a bare plate map
        let mut with_meta = od;
        with_meta
            .rows
            .push(vec![Cell::Text("Wavelength: 450 nm".to_owned())]);
        assert!(
            looks_like_plate_map(&Workbook {
                sheets: vec![with_meta]
            })
            .is_none()
        );
    }
}
