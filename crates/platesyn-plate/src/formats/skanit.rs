//! Thermo `SkanIt` xlsx exports (Varioskan, Multiskan SkanIt 6/7 reports).
//!
//! The report has one sheet per session step (`Absorbance 1_01`, `Blank Subtraction 1_02`,
//! `Standard Curve 1_03`...), then `General information`, `Session information`,
//! `Instrument information`, `Protocol parameters`, `Run log` and `Layout definitions`.
//! A step sheet holds blocks `Wavelength: <N> nm`, `<plate name>`, then a plate grid whose
//! corner cell names the quantity (`Abs`, `RLU`, `RFU`, `Blank subtracted`, `Sample`...)
//! and whose column headers are numbers stored as floats (`1.0`, `2.0`...).
//!
//! Read: grids whose corner is a raw measurement unit (`Abs`, `OD`, `RLU`, `RFU`,
//! `Counts`), one [`Read`] per block, added to the plate of that name (plates are matched by
//! name across blocks and sheets). Not read: calculated steps (blank subtraction, standard
//! curves, dilution factors) and `Sample` layout grids: they are derived data, not readings.
//! A blank cell is a well outside the step's plate pattern and is left uncovered (`None`).

use super::Input;
use super::sheet::{Sheet, cell_value};
use super::tecan::{bad_value, header_numbers, workbook};
use crate::error::PlateError;
use crate::model::Plate;
use crate::model::Read;
use crate::well::{PlateFormat, WellId, row_from_label};

/// Grid corner labels that mark raw readings (compared case-insensitively).
const RAW_CORNERS: [&str; 5] = ["abs", "od", "rlu", "rfu", "counts"];

/// Whether the content is a `SkanIt` report: a step sheet starting `Measurement results` that
/// holds a `Wavelength: ...` line, or a `General information` sheet naming `SkanIt`.
pub fn detect(input: &Input<'_>) -> bool {
    input.workbook.as_ref().is_some_and(|wb| {
        wb.sheets.iter().any(|s| {
            (s.text_at(0, 0) == "Measurement results"
                && (0..s.rows.len()).any(|r| s.text_at(r, 0).starts_with("Wavelength:")))
                || (s.name == "General information"
                    && (0..s.rows.len())
                        .any(|r| (0..s.rows[r].len()).any(|c| s.text_at(r, c).contains("SkanIt"))))
        })
    })
}

/// Parse a `SkanIt` report: every raw-measurement grid of every step sheet.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let wb = workbook(input)?;
    let mut plates: Vec<Plate> = Vec::new();
    let mut skipped = Vec::new();
    for sheet in &wb.sheets {
        if sheet.text_at(0, 0) != "Measurement results" {
            continue;
        }
        let found = parse_step_sheet(input.source, sheet, &mut plates)?;
        if !found {
            skipped.push(sheet.name.clone());
        }
    }
    if plates.is_empty() {
        return Err(PlateError::parse(
            input.source,
            None,
            format!(
                "SkanIt report without raw readings: no grid with corner Abs/OD/RLU/RFU/Counts \
                 (step sheets seen: {})",
                if skipped.is_empty() {
                    "none".to_owned()
                } else {
                    skipped.join(", ")
                }
            ),
        ));
    }
    for p in &mut plates {
        p.metadata
            .insert("software".to_owned(), "Thermo SkanIt".to_owned());
        if !skipped.is_empty() {
            p.metadata
                .insert("skipped_sheets".to_owned(), skipped.join("; "));
        }
    }
    Ok(plates)
}

/// Read the raw grids of one step sheet into `plates`; returns whether it held any.
fn parse_step_sheet(
    file: &str,
    sheet: &Sheet,
    plates: &mut Vec<Plate>,
) -> Result<bool, PlateError> {
    let step = sheet.text_at(4, 0);
    let step = if step.is_empty() {
        sheet.name.clone()
    } else {
        step
    };
    let mut wavelength: Option<f64> = None;
    let mut wavelength_text = String::new();
    let mut plate_name: Option<String> = None;
    let mut expect_plate_name = false;
    let mut any = false;
    let mut r = 0;
    while r < sheet.rows.len() {
        let a = sheet.text_at(r, 0);
        if let Some(w) = a.strip_prefix("Wavelength:") {
            let w = w.trim();
            w.clone_into(&mut wavelength_text);
            let nm = crate::text::parse_number(w.trim_end_matches("nm"), false);
            // luminescence steps say `Wavelength: 0 nm`: no wavelength
            wavelength = nm.filter(|&x| x > 0.0);
            expect_plate_name = true;
            r += 1;
            continue;
        }
        if expect_plate_name && !a.is_empty() {
            let cols = header_numbers(sheet, r, 1);
            if cols.is_empty() {
                plate_name = Some(a.clone());
                expect_plate_name = false;
                r += 1;
                continue;
            }
        }
        let cols = header_numbers(sheet, r, 1);
        if !a.is_empty()
            && cols.first() == Some(&1)
            && row_from_label(&sheet.text_at(r + 1, 0)) == Some(0)
        {
            let corner = a.to_ascii_lowercase();
            let n_rows = (r + 1..sheet.rows.len())
                .take_while(|&rr| {
                    row_from_label(&sheet.text_at(rr, 0)) == Some((rr - r - 1) as u16)
                })
                .count();
            if RAW_CORNERS.contains(&corner.as_str()) {
                let name = plate_name.clone().ok_or_else(|| {
                    super::sheet::sheet_error(
                        file,
                        &sheet.name,
                        Some(r),
                        None,
                        "plate grid without a plate name line above it",
                    )
                })?;
                let max_col = cols.iter().copied().max().unwrap_or(0);
                let format = PlateFormat::STANDARD
                    .into_iter()
                    .find(|f| usize::from(f.rows) == n_rows && f.cols == max_col)
                    .or_else(|| PlateFormat::smallest_holding(n_rows as u16, max_col))
                    .unwrap_or(PlateFormat::W1536);
                let nm_digits = wavelength_text.trim_end_matches("nm").trim();
                let label = if wavelength.is_some() && !step.ends_with(nm_digits) {
                    format!("{step} {wavelength_text}")
                } else {
                    step.clone()
                };
                let mut read = Read::new(label, wavelength, format);
                for k in 0..n_rows {
                    let rr = r + 1 + k;
                    for (j, &col) in cols.iter().enumerate() {
                        let well = WellId::new(k as u16, col - 1);
                        let v = cell_value(sheet.cell(rr, 1 + j))
                            .map_err(|t| bad_value(file, sheet, rr, well, &t))?;
                        if let Some(i) = format.index(well) {
                            read.values[i] = v;
                        }
                    }
                }
                let i = if let Some(i) = plates.iter().position(|p| p.id == name) {
                    i
                } else {
                    let mut p = Plate::new(name.clone(), format);
                    p.metadata.insert("sheet".to_owned(), sheet.name.clone());
                    plates.push(p);
                    plates.len() - 1
                };
                let plate = &mut plates[i];
                if plate.format != format {
                    return Err(super::sheet::sheet_error(
                        file,
                        &sheet.name,
                        Some(r),
                        None,
                        format!(
                            "plate {name:?} is a {} here but a {} in an earlier block",
                            format, plate.format
                        ),
                    ));
                }
                plate.reads.push(read);
                any = true;
            }
            r += 1 + n_rows;
            continue;
        }
        r += 1;
    }
    Ok(any)
}

#[cfg(test)]
mod tests {
    use super::super::sheet::Cell;
    use super::*;
    use crate::model::Value;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[test]
    fn raw_grid_is_read_and_calculated_grid_is_not() {
        let mut rows = vec![
            vec![t("Measurement results")],
            vec![t("x.skax")],
            vec![t("date")],
            vec![t(" ")],
            vec![t("Absorbance 1")],
            vec![t("Wavelength: 450 nm")],
            vec![t(" ")],
            vec![t("Plate 1")],
            vec![t(" ")],
        ];
        for (corner, a1) in [("Abs", 0.5), ("Blank subtracted", 0.1)] {
            let mut header = vec![t(corner)];
            header.extend((1..=12).map(|c| Cell::Number(f64::from(c))));
            rows.push(header);
            for r in 0..8u8 {
                let mut row = vec![t(&char::from(b'A' + r).to_string())];
                row.extend((0..12).map(|c| {
                    if r == 0 && c == 0 {
                        Cell::Number(a1)
                    } else if r == 0 && c == 1 {
                        t("NaN")
                    } else {
                        Cell::Empty
                    }
                }));
                rows.push(row);
            }
            rows.push(vec![Cell::Empty]);
        }
        let sheet = Sheet {
            name: "Absorbance 1_01".to_owned(),
            rows,
        };
        let mut plates = Vec::new();
        assert!(parse_step_sheet("f.xlsx", &sheet, &mut plates).unwrap());
        assert_eq!(plates.len(), 1);
        let p = &plates[0];
        assert_eq!(
            (p.id.as_str(), p.format, p.reads.len()),
            ("Plate 1", PlateFormat::W96, 1)
        );
        let read = &p.reads[0];
        assert_eq!(
            (read.label.as_str(), read.wavelength_nm),
            ("Absorbance 1 450 nm", Some(450.0))
        );
        assert_eq!(p.value(read, WellId::new(0, 0)), Some(Value::Number(0.5)));
        assert_eq!(
            p.value(read, WellId::new(0, 1)),
            Some(Value::Flag(crate::model::Flag::Nan))
        );
        assert_eq!(read.values.iter().flatten().count(), 2);
    }
}
