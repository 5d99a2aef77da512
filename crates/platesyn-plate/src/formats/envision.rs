//! `PerkinElmer`/Revvity `EnVision` CSV exports.
//!
//! Layout: one section per plate and label, each opening with a `Plate information` title, a
//! header row `Plate,Repeat,Barcode,...` and one data row; then an optional
//! `Background information` table; then the results: either a titled grid
//! (`Results for A450(1) - channel 1 (A)` then `,01,02,...` zero-padded column headers and rows
//! `A,...`) or a bare grid of numbers (no title, no row letters, no column headers). After the
//! plates come `Basic assay information`, `Protocol information`, `Plate type:` (rows and
//! columns), `Platemap:`, `Labels:` and `Filters:`.
//!
//! * Read: every measured section (its header has `Label` and `Measinfo` columns), one
//!   [`Read`] per section, grouped into plates by plate number and barcode. Plate id = the
//!   barcode (`="..."` unwrapped) when present, else `Plate N`. Absorbance sections
//!   (`Measinfo` with `Ex=` set and `Em=N/A`) get a wavelength: the label's
//!   `Excitation wavelength` in the `Labels:` section, else the `CWL=` of its excitation filter
//!   in `Filters:`. Fluorescence, luminescence and Alpha reads keep their label, no wavelength.
//! * Skipped: calculated sections (header with `Formula`, titles `Calculated results: ...`):
//!   they are derived from the measured sections.
//! * Refused: plate repeats (`Repeat` > 1) or kinetics (`Kinetics` not 0) with "kinetic reads
//!   are not supported yet".
//! * Errors: a `Plate,Repeat,Barcode` header without its `Plate information` title
//!   (a truncated or edited file), data outside any section, junk cells; all name the line.

use std::collections::BTreeMap;

use super::Input;
use super::bmg::KINETIC_REFUSAL;
use super::bmg::rowgrid::{self, cells, header_columns, is_blank};
use crate::error::PlateError;
use crate::model::{Metadata, Plate, Read, Value};
use crate::text;
use crate::well::WellId;

/// The title line of every plate section.
const TITLE: &str = "Plate information";

/// Whether the text looks like an `EnVision` export: a `Plate information` title line and
/// either a `Plate,Repeat,Barcode` header or the `Exported with EnVision` footer.
pub fn detect(input: &Input<'_>) -> bool {
    let Some(text) = input.text.as_deref() else {
        return false;
    };
    if !text.contains(TITLE) {
        return false; // cheap reject: no line can be the title
    }
    let mut title = false;
    let mut marker = false;
    for line in text.lines() {
        let t = line.trim();
        if t == TITLE {
            title = true;
        } else if plate_header_delim(t).is_some() || t.starts_with("Exported with EnVision") {
            marker = true;
        }
        if title && marker {
            return true;
        }
    }
    false
}

/// The delimiter of a `Plate,Repeat,Barcode,...` header line, if `line` is one.
fn plate_header_delim(line: &str) -> Option<u8> {
    let rest = line.strip_prefix("Plate")?;
    let d = *rest.as_bytes().first()?;
    (matches!(d, b',' | b';' | b'\t') && rest[1..].starts_with("Repeat")).then_some(d)
}

/// `="barcode"` -> `barcode`.
fn unwrap_barcode(s: &str) -> String {
    let t = s.trim();
    let t = t.strip_prefix('=').unwrap_or(t);
    let t = t.strip_prefix('"').unwrap_or(t);
    let t = t.strip_suffix('"').unwrap_or(t);
    t.trim().to_owned()
}

/// A measured or calculated section's identity.
#[derive(Debug, Clone)]
struct Section {
    plate_number: String,
    barcode: String,
    label: Option<String>,
    measinfo: String,
    calculated: bool,
    date: Option<String>,
}

/// One grid read from the file, before the plate geometry is known.
#[derive(Debug)]
struct RawRead {
    plate: (String, String),
    label: String,
    base_label: String,
    measinfo: String,
    values: Vec<(WellId, Value)>,
    extent: (u16, u16),
    line: usize,
    date: Option<String>,
}

/// Key/value blocks of a trailing section (`Labels:`, `Filters:`): blocks separated by blank
/// lines, the first line of a block names it, later lines are `key,,,,value`.
fn keyed_blocks(
    lines: &[&str],
    title: &str,
    delim: u8,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some(start) = lines.iter().position(|l| l.trim() == title) else {
        return out;
    };
    let mut current: Option<String> = None;
    for line in &lines[start + 1..] {
        let t = line.trim();
        if is_blank(line, delim) {
            current = None;
            continue;
        }
        let f = cells(line, delim);
        if f.len() == 1 && t.ends_with(':') {
            break; // next section
        }
        let key = f[0].trim().to_owned();
        let value = f
            .iter()
            .skip(1)
            .rev()
            .find(|c| !c.trim().is_empty())
            .map(|c| c.trim().to_owned())
            .unwrap_or_default();
        match &current {
            None => {
                out.insert(key.clone(), BTreeMap::new());
                current = Some(key);
            }
            Some(name) => {
                if let Some(m) = out.get_mut(name) {
                    m.insert(key, value);
                }
            }
        }
    }
    out
}

/// Leading number of `562 nm` / `450`.
fn leading_number(s: &str) -> Option<f64> {
    let num: String = s
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    num.parse().ok().filter(|x: &f64| *x > 0.0)
}

/// `CWL=450nm` in a filter description -> 450.
fn cwl(desc: &str) -> Option<f64> {
    let i = desc.find("CWL=")?;
    leading_number(&desc[i + 4..])
}

fn is_absorbance(measinfo: &str) -> bool {
    measinfo.contains("Em=N/A") && measinfo.contains("Ex=") && !measinfo.contains("Ex=N/A")
}

/// The absorbance wavelength of label `base` from the `Labels:` and `Filters:` sections.
fn label_wavelength(
    base: &str,
    labels: &BTreeMap<String, BTreeMap<String, String>>,
    filters: &BTreeMap<String, BTreeMap<String, String>>,
) -> Option<f64> {
    let l = labels.get(base)?;
    if let Some(w) = l
        .get("Excitation wavelength")
        .and_then(|s| leading_number(s))
    {
        return Some(w);
    }
    let filter = l.get("Exc. filter")?;
    filters
        .get(filter)
        .and_then(|f| f.get("Description"))
        .and_then(|d| cwl(d))
}

/// `A450(1)` -> `A450`.
fn base_label(label: &str) -> String {
    let t = label.trim();
    match t.rfind('(') {
        Some(i)
            if t.ends_with(')') && t[i + 1..t.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            t[..i].trim().to_owned()
        }
        _ => t.to_owned(),
    }
}

/// Parse an `EnVision` export.
#[allow(clippy::too_many_lines)]
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let file = input.source;
    let text = input.text()?;
    let lines = text::lines(text);
    let delim = lines
        .iter()
        .find_map(|l| plate_header_delim(l.trim()))
        .unwrap_or(b',');
    let decimal_comma = delim == b';';

    let end = lines
        .iter()
        .position(|l| {
            let t = l.trim();
            t == "Basic assay information" || t == "Protocol information"
        })
        .unwrap_or(lines.len());
    let trailer = &lines[end..];
    let plate_type = keyed_value(trailer, "Number of rows", delim)
        .zip(keyed_value(trailer, "Number of columns", delim))
        .and_then(|(r, c)| Some((leading_number(&r)? as u16, leading_number(&c)? as u16)));
    let labels = keyed_blocks(trailer, "Labels:", delim);
    let filters = keyed_blocks(trailer, "Filters:", delim);

    let mut section: Option<Section> = None;
    let mut sections_seen = 0usize;
    let mut title: Option<String> = None;
    let mut skip_next_grid = false;
    let mut raws: Vec<RawRead> = Vec::new();
    // the last section's title line, while no grid has followed it (truncation check)
    let mut open_section: Option<usize> = None;
    // whether a section header carries EnVision's full column set (`Measurement date`)
    let mut full_export = false;
    let mut last_section = 0;
    let mut i = 0;
    while i < end {
        let line = lines[i];
        let t = line.trim();
        if is_blank(line, delim) {
            i += 1;
            continue;
        }
        if t == "Plate information" {
            let (s, next) = plate_info(file, &lines, i, delim)?;
            full_export |= lines[i + 1]
                .to_ascii_lowercase()
                .contains("measurement date");
            open_section = Some(i);
            last_section = i;
            section = Some(s);
            sections_seen += 1;
            title = None;
            skip_next_grid = false;
            i = next;
            continue;
        }
        if plate_header_delim(t).is_some() {
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                "found a plate table header `Plate,Repeat,Barcode,...` without the \
                 `Plate information` title line above it (expected every plate section to \
                 start with `Plate information`; the file looks truncated or edited)",
            ));
        }
        if t == "Background information" {
            i += 1;
            while i < end && !is_blank(lines[i], delim) {
                i += 1;
            }
            continue;
        }
        if t.starts_with("Calculated results") {
            skip_next_grid = true;
            i += 1;
            continue;
        }
        if let Some(rest) = t.strip_prefix("Results for ") {
            title = Some(rest.trim().to_owned());
            i += 1;
            continue;
        }
        // a grid
        let Some(sec) = &section else {
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                format!(
                    "expected a `Plate information` section before the data, found `{}`",
                    shorten(t)
                ),
            ));
        };
        let (values, extent, next) = if header_columns(&cells(line, delim)).is_some() {
            let g = rowgrid::read_grid(file, &lines, i, delim)?;
            let mut vals = Vec::new();
            rowgrid::for_each_cell(file, &g, decimal_comma, |well, v| vals.push((well, v)))?;
            (vals, g.extent(), g.next)
        } else {
            bare_grid(file, &lines, i, end, delim, decimal_comma, plate_type)?
        };
        let grid_line = i + 1;
        if next <= i {
            // a grid reader that consumed nothing would be asked again forever
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                format!("expected a data grid here, found `{}`", shorten(t)),
            ));
        }
        open_section = None;
        i = next;
        if skip_next_grid || sec.calculated {
            skip_next_grid = false;
            title = None;
            continue;
        }
        let label_col = sec.label.clone().unwrap_or_default();
        let label = title.take().unwrap_or_else(|| label_col.clone());
        raws.push(RawRead {
            plate: (sec.plate_number.clone(), sec.barcode.clone()),
            label,
            base_label: base_label(&label_col),
            measinfo: sec.measinfo.clone(),
            values,
            extent,
            line: grid_line,
            date: sec.date.clone(),
        });
    }
    if sections_seen == 0 {
        return Err(PlateError::parse(
            file,
            None,
            "no `Plate information` section found",
        ));
    }
    check_export_end(file, &lines, end, (last_section, open_section), full_export)?;
    if raws.is_empty() {
        return Err(PlateError::parse(
            file,
            None,
            "no measured results: every section is calculated or has no data grid",
        ));
    }

    // Build plates in order of first appearance.
    let software = lines
        .iter()
        .rev()
        .find_map(|l| l.trim().strip_prefix("Exported with "))
        .map(|s| {
            s.trim_end_matches(|c: char| c == ',' || c.is_whitespace())
                .to_owned()
        });
    let mut plates: Vec<Plate> = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    for key in raws.iter().map(|r| r.plate.clone()) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for key in keys {
        let members: Vec<&RawRead> = raws.iter().filter(|r| r.plate == key).collect();
        let (rows, cols) = members
            .iter()
            .fold(plate_type.unwrap_or((0, 0)), |(r, c), m| {
                (r.max(m.extent.0), c.max(m.extent.1))
            });
        let format = rowgrid::format_for(file, members[0].line, rows, cols)?;
        let id = if key.1.is_empty() {
            format!("Plate {}", key.0)
        } else {
            key.1.clone()
        };
        let mut plate = Plate::new(id, format);
        let mut meta = Metadata::new();
        meta.insert("plate_number".to_owned(), key.0.clone());
        if !key.1.is_empty() {
            meta.insert("barcode".to_owned(), key.1.clone());
        }
        if let Some(s) = &software {
            meta.insert("software".to_owned(), s.clone());
        }
        if let Some(d) = members.iter().find_map(|m| m.date.clone()) {
            meta.insert("date".to_owned(), d);
        }
        plate.metadata = meta;
        for m in members {
            let wl = if is_absorbance(&m.measinfo) {
                label_wavelength(&m.base_label, &labels, &filters)
            } else {
                None
            };
            let mut label = m.label.clone();
            if plate.reads.iter().any(|r| r.label == label) {
                let de = m
                    .measinfo
                    .split_whitespace()
                    .find(|w| w.starts_with("De="))
                    .unwrap_or("");
                label = if de.is_empty() {
                    format!("{label} #2")
                } else {
                    format!("{label} {de}")
                };
                let mut k = 2;
                while plate.reads.iter().any(|r| r.label == label) {
                    label = format!("{} #{k}", m.label);
                    k += 1;
                }
            }
            let mut read = Read::new(label, wl, format);
            for (well, v) in &m.values {
                if let Some(idx) = format.index(*well) {
                    read.values[idx] = Some(*v);
                }
            }
            plate.reads.push(read);
        }
        plates.push(plate);
    }
    Ok(plates)
}

/// Shorten a line for an error message.
fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// The value of the first `key,,,,value` line with this key.
fn keyed_value(lines: &[&str], key: &str, delim: u8) -> Option<String> {
    lines.iter().find_map(|l| {
        let f = cells(l, delim);
        (f.first()?.trim() == key).then(|| {
            f.iter()
                .skip(1)
                .rev()
                .find(|c| !c.trim().is_empty())
                .map(|c| c.trim().to_owned())
        })?
    })
}

/// Whether the export ends the way `EnVision` writes it: after the last plate section come
/// `Basic assay information` (index `end`), `Protocol information`, ... and a last line
/// `Exported with EnVision ...`. A file cut off before that must not read as complete:
///
/// * a plate section with no data grid before the end of the file (`sections.1`) is an
///   error naming its line (`sections.0` is the title line of the last section);
/// * a file whose section headers carry `EnVision`'s full column set (`Measurement date`,
///   `full_export`, as every export of the instrument software does) must end with the
///   `Exported with EnVision` line; without it the file was cut between or after plates
///   (or inside the trailer, losing the `Labels:` that give wavelengths). Minimal hand-made
///   tables without that column are held only to the first rule.
fn check_export_end(
    file: &str,
    lines: &[&str],
    end: usize,
    sections: (usize, Option<usize>),
    full_export: bool,
) -> Result<(), PlateError> {
    const TRAILER: &str = "`Basic assay information`, `Protocol information`, ... and a last \
                           line `Exported with EnVision ...`";
    let (last_section, open_section) = sections;
    let footer = lines
        .iter()
        .rev()
        .any(|l| l.trim_start().starts_with("Exported with EnVision"));
    if footer {
        return Ok(());
    }
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(1, |n| n + 1);
    if let Some(title) = open_section
        && end == lines.len()
    {
        return Err(PlateError::parse(
            file,
            Some(title + 1),
            format!(
                "the plate section starting here has no data grid before the file ends at \
                 line {last}: the export looks cut off (truncated file?); an EnVision export \
                 ends with {TRAILER}"
            ),
        ));
    }
    if full_export {
        let what = if end < lines.len() {
            format!("inside the trailer that starts at line {}", end + 1)
        } else {
            format!(
                "in the plate section that starts at line {}",
                last_section + 1
            )
        };
        return Err(PlateError::parse(
            file,
            Some(last),
            format!(
                "the file ends here, {what}, without the `Exported with EnVision ...` line: the \
                 export looks cut off (truncated file?); an EnVision export ends with {TRAILER}"
            ),
        ));
    }
    Ok(())
}

/// Read a `Plate information` section starting at title line `i`; returns the section and
/// the index of the line after its data row(s).
fn plate_info(
    file: &str,
    lines: &[&str],
    i: usize,
    delim: u8,
) -> Result<(Section, usize), PlateError> {
    let h = i + 1;
    let header = lines
        .get(h)
        .filter(|l| plate_header_delim(l.trim()).is_some())
        .ok_or_else(|| {
            PlateError::parse(
                file,
                Some(h + 1),
                "expected the header `Plate,Repeat,Barcode,...` right after `Plate information`",
            )
        })?;
    let names: Vec<String> = cells(header, delim)
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let d = h + 1;
    let data = lines
        .get(d)
        .filter(|l| !is_blank(l, delim))
        .ok_or_else(|| {
            PlateError::parse(
                file,
                Some(d + 1),
                "expected one data row under the `Plate,Repeat,Barcode,...` header",
            )
        })?;
    let values = cells(data, delim);
    let get = |name: &str| -> Option<String> {
        let k = names.iter().position(|n| n == name)?;
        values.get(k).map(|v| v.trim().to_owned())
    };
    let plate_number = get("plate").filter(|p| !p.is_empty()).ok_or_else(|| {
        PlateError::parse(
            file,
            Some(d + 1),
            "expected a plate number in column `Plate`",
        )
    })?;
    let repeat = get("repeat").unwrap_or_default();
    if !repeat.is_empty() && repeat != "1" {
        return Err(PlateError::Unsupported {
            file: file.to_owned(),
            message: format!(
                "{KINETIC_REFUSAL} (line {}: plate repeat {repeat}; repeats are time points)",
                d + 1
            ),
        });
    }
    if let Some(k) = get("kinetics")
        && !k.is_empty()
        && k != "0"
    {
        return Err(PlateError::Unsupported {
            file: file.to_owned(),
            message: format!("{KINETIC_REFUSAL} (line {}: Kinetics = {k})", d + 1),
        });
    }
    let label = get("label").filter(|l| !l.is_empty());
    let measinfo = get("measinfo").unwrap_or_default();
    let calculated = label.is_none() && names.iter().any(|n| n == "formula");
    if label.is_none() && !calculated {
        return Err(PlateError::parse(
            file,
            Some(h + 1),
            "expected a `Label` (measured section) or `Formula` (calculated section) column",
        ));
    }
    Ok((
        Section {
            plate_number,
            barcode: unwrap_barcode(&get("barcode").unwrap_or_default()),
            label,
            measinfo,
            calculated,
            date: get("measurement date"),
        },
        d + 1,
    ))
}

/// A bare grid (no row letters, no column header): lines until an empty line; all-empty rows
/// (`,,,,`) are rows of uncovered wells. Columns: the plate type's when known, else the
/// field count without a trailing delimiter.
#[allow(clippy::type_complexity)]
fn bare_grid(
    file: &str,
    lines: &[&str],
    start: usize,
    end: usize,
    delim: u8,
    decimal_comma: bool,
    plate_type: Option<(u16, u16)>,
) -> Result<(Vec<(WellId, Value)>, (u16, u16), usize), PlateError> {
    let mut i = start;
    let mut vals = Vec::new();
    let mut ncols = 0u16;
    while i < end && !lines[i].trim().is_empty() {
        let row = (i - start) as u16;
        let mut f = cells(lines[i], delim);
        if f.len() > 1 && f.last().is_some_and(|c| c.trim().is_empty()) {
            f.pop();
        }
        if let Some((_, pc)) = plate_type
            && f.len() > usize::from(pc)
        {
            if let Some(extra) = f[usize::from(pc)..].iter().find(|c| !c.trim().is_empty()) {
                return Err(PlateError::parse(
                    file,
                    Some(i + 1),
                    format!(
                        "expected at most {pc} values per row (plate type), found an extra `{}`",
                        extra.trim()
                    ),
                ));
            }
            f.truncate(usize::from(pc));
        }
        if let Some(first) = f.first()
            && rowgrid::vendor_row(first).is_some()
        {
            return Err(PlateError::parse(
                file,
                Some(i + 1),
                "a row starting with a row letter in a grid without a column header \
                 (expected `,01,02,...` above it)",
            ));
        }
        ncols = ncols.max(f.len() as u16);
        for (c, tok) in f.iter().enumerate() {
            let well = WellId::new(row, c as u16);
            if let Some(v) = rowgrid::cell_value(file, i + 1, well, tok, decimal_comma)? {
                vals.push((well, v));
            }
        }
        i += 1;
    }
    let rows = (i - start) as u16;
    if let Some((pr, _)) = plate_type
        && rows > pr
    {
        return Err(PlateError::parse(
            file,
            Some(start + 1),
            format!("the grid has {rows} rows but the plate type has {pr}"),
        ));
    }
    Ok((vals, (rows, ncols), i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::well::PlateFormat;

    #[test]
    fn helpers() {
        assert_eq!(
            unwrap_barcode("=\"8/22/2023 10:50:28 AM\""),
            "8/22/2023 10:50:28 AM"
        );
        assert_eq!(unwrap_barcode("=\"\""), "");
        assert_eq!(base_label("A450(1)"), "A450");
        assert_eq!(
            base_label("BCA Absorbance @ 562(1)"),
            "BCA Absorbance @ 562"
        );
        assert_eq!(cwl("M450 CWL=450nm BW=10nm Tmin=60%"), Some(450.0));
        assert!(is_absorbance("De=1st Ex=Btm Em=N/A Wdw=N/A (8)"));
        assert!(!is_absorbance("De=1st Ex=N/A Em=Top Wdw=N/A (14)"));
        assert!(!is_absorbance("De=USLum Ex=N/A Em=N/A Wdw=N/A (12)"));
        assert_eq!(plate_header_delim("Plate;Repeat;Barcode"), Some(b';'));
        assert_eq!(plate_header_delim("Plate information"), None);
    }

    fn parse_text(t: &str) -> Result<Vec<Plate>, PlateError> {
        parse(&Input::new("e.csv", t.as_bytes()).unwrap())
    }

    #[test]
    fn repeats_are_refused_as_kinetic() {
        let t = "Plate information\nPlate,Repeat,Barcode,Label,Measinfo,\n1,2,,A450(1),De=1st Ex=Btm Em=N/A,\n\n1,2\n";
        let e = parse_text(t).unwrap_err().to_string();
        assert!(e.contains(KINETIC_REFUSAL) && e.contains("line 3"), "{e}");
    }

    #[test]
    fn bare_grid_without_plate_type_and_same_label_channels() {
        let t = "Plate information\nPlate,Repeat,Barcode,Label,Measinfo,\n1,1,=\"\",X(1),De=1st Ex=Top Em=Top,\n\n1,2,\n3,,\n\n\
                 Plate information\nPlate,Repeat,Barcode,Label,Measinfo,\n1,1,=\"\",X(1),De=2nd Ex=Top Em=Top,\n\n5,6,\n7,8,\n";
        let p = parse_text(t).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].id, "Plate 1");
        assert_eq!(p[0].format, PlateFormat::W6);
        assert_eq!(p[0].reads[0].label, "X(1)");
        assert_eq!(p[0].reads[1].label, "X(1) De=2nd");
        assert_eq!(p[0].reads[0].values[3], Some(Value::Number(3.0)));
        assert_eq!(p[0].reads[0].values[4], None);
    }
}
