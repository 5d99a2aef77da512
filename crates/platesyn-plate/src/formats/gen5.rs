//! Agilent BioTek Gen5 text exports (tab- or semicolon-separated; UTF-8, Windows-1252 or
//! UTF-16LE with BOM) and the same report saved as xlsx.
//!
//! A Gen5 report is a header block (`Software Version`, `Plate Number`, `Date`, ...), a
//! `Procedure Details` block naming each `Read` step (mode, wavelengths, filter sets), an
//! optional `Layout` block, and data grids: a `Results` grid or blocks titled by the read
//! (`660`), each headed by a tab and the column numbers, with one line per plate row and
//! read, the read's name in the last column (`abs450:450`, `Blank 260:260`, `Conc`).
//! Multi-plate exports repeat the whole report per plate, each starting at `Software Version`.
//!
//! What is read: every raw measurement row of an endpoint read. A row is raw when its label is
//! one the procedure defines (`<step>:<wavelength>`, `<step>:977 [Test]`, fluorescence
//! `<step>:<ex>,<em>`, luminescence `<step>:Lum`, `Alpha`). Calculated rows (`Blank ...`,
//! `Corrected [...]`, concentrations, ratios, `Pathlength`, layout rows) are not readings and are
//! skipped. Absorbance reads carry their wavelength in nm; fluorescence/luminescence/alpha reads
//! have no wavelength (their label names the filters).
//!
//! What is refused: kinetic procedures (`Start Kinetic`), spectral scans (`Absorbance Spectrum`)
//! and area/well scans, with [`PlateError::Unsupported`]. Reports without a raw measurement row
//! fail with a [`PlateError::Parse`] naming the file and line.

use std::collections::HashMap;

use super::Input;
use crate::error::PlateError;
use crate::model::{Flag, Plate, Read, Value};
use crate::text;
use crate::well::{PlateFormat, WellId, row_from_label};

/// Row labels of the `Layout` block (plate map, not readings).
const LAYOUT_LABELS: [&str; 4] = ["Well ID", "Conc/Dil", "Name", "Sample ID"];

/// The marker every Gen5 report starts with.
const MARKER: &str = "Software Version";

/// Whether the content looks like a Gen5 report: a `Software Version` line followed by a
/// delimiter, plus one of the other Gen5 section names.
pub fn detect(input: &Input<'_>) -> bool {
    if let Some(text) = &input.text {
        if !text.contains(MARKER) {
            return false; // cheap reject: the marker line cannot be there
        }
        let mut has_marker = false;
        let mut has_section = false;
        for line in text.split(['\n', '\r']).take(800) {
            let t = line.trim_start_matches('\u{feff}').trim_start();
            if let Some(rest) = t.strip_prefix(MARKER) {
                has_marker |= rest.starts_with(['\t', ';']);
            }
            has_section |= t.starts_with("Procedure Details")
                || t.starts_with("Plate Number")
                || t.starts_with("Reader Type:");
            if has_marker && has_section {
                return true;
            }
        }
        return false;
    }
    input
        .workbook
        .as_ref()
        .is_some_and(|wb| wb.sheets.iter().any(|s| sheet_marker_row(s).is_some()))
}

fn sheet_marker_row(sheet: &super::sheet::Sheet) -> Option<usize> {
    sheet.rows.iter().take(100).position(|r| {
        r.first()
            .is_some_and(|c| c.text().trim() == MARKER && r.len() > 1)
    })
}

/// One line of the report: 1-based line (or spreadsheet row) number and its fields.
struct Line<'a, 't> {
    no: usize,
    fields: &'a [&'t str],
}

impl Line<'_, '_> {
    fn field(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |f| f.trim())
    }

    fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }

    /// All fields after the first, joined by a space (procedure lines, whatever the delimiter).
    fn rest(&self) -> String {
        self.fields
            .iter()
            .skip(1)
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Parse a Gen5 report (text or xlsx) into one plate per report.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    let file = input.source;
    if let Some(text) = &input.text {
        let text = text.trim_start_matches('\u{feff}');
        let delim = text
            .match_indices(MARKER)
            .find_map(|(i, _)| {
                let at_line_start = text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| matches!(c, '\n' | '\r' | ' '));
                let next = text[i + MARKER.len()..].chars().next();
                next.filter(|c| at_line_start && matches!(c, '\t' | ';'))
            })
            .ok_or_else(|| {
                PlateError::parse(
                    file,
                    Some(1),
                    "not a Gen5 export: expected a `Software Version` line followed by a tab or \
                     semicolon",
                )
            })?;
        let (all, spans) = split_table(text, delim as u8);
        let lines: Vec<Line<'_, '_>> = spans
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| Line {
                no: i + 1,
                fields: &all[a..b],
            })
            .collect();
        return parse_lines(file, &lines, delim == ';');
    }
    let wb = input
        .workbook
        .as_ref()
        .ok_or_else(|| PlateError::parse(file, None, "expected a Gen5 text or xlsx export"))?;
    let sheet = wb
        .sheets
        .iter()
        .find(|s| sheet_marker_row(s).is_some())
        .ok_or_else(|| {
            PlateError::parse(
                file,
                Some(1),
                "not a Gen5 export: no sheet has a `Software Version` cell in column A",
            )
        })?;
    let texts: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| r.iter().map(super::sheet::Cell::text).collect())
        .collect();
    let refs: Vec<Vec<&str>> = texts
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let lines: Vec<Line<'_, '_>> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| Line {
            no: i + 1,
            fields: r.as_slice(),
        })
        .collect();
    parse_lines(file, &lines, false).map_err(|e| match e {
        PlateError::Parse { mut at, message } => {
            at.sheet = Some(sheet.name.clone());
            PlateError::Parse { at, message }
        }
        other => other,
    })
}

fn parse_lines(
    file: &str,
    lines: &[Line<'_, '_>],
    decimal_comma: bool,
) -> Result<Vec<Plate>, PlateError> {
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.field(0) == MARKER)
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() {
        return Err(PlateError::parse(
            file,
            Some(1),
            "not a Gen5 export: no `Software Version` line",
        ));
    }
    let single = starts.len() == 1;
    let mut plates = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        let mut plate = parse_report(file, &lines[s..end], decimal_comma, single)?;
        if !single && plates.iter().any(|p: &Plate| p.id == plate.id) {
            plate.id = format!("{} ({})", plate.id, k + 1);
        }
        plates.push(plate);
    }
    Ok(plates)
}

/// Read mode of a Gen5 `Read` step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Absorbance,
    Fluorescence,
    Luminescence,
    Alpha,
}

impl Mode {
    fn from_text(s: &str) -> Option<Self> {
        let s = s.trim();
        let word = s.split_whitespace().next()?;
        match word {
            "Absorbance" => Some(Self::Absorbance),
            "Fluorescence" => Some(Self::Fluorescence),
            "Luminescence" => Some(Self::Luminescence),
            "Alpha" | "AlphaScreen" | "AlphaLISA" => Some(Self::Alpha),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Absorbance => "absorbance",
            Self::Fluorescence => "fluorescence",
            Self::Luminescence => "luminescence",
            Self::Alpha => "alpha",
        }
    }
}

/// What a raw row label means.
#[derive(Debug, Clone, Copy)]
struct LabelInfo {
    mode: Mode,
    wavelength_nm: Option<f64>,
}

/// One `Read` step of the procedure.
#[derive(Debug, Default)]
struct Step {
    label: Option<String>,
    mode: Option<Mode>,
    mode_line: usize,
    wavelengths: Vec<String>,
    pathlength: Option<(String, String)>,
    filters: Vec<(Option<String>, Option<String>)>,
}

fn parse_report(
    file: &str,
    lines: &[Line<'_, '_>],
    decimal_comma: bool,
    single_plate: bool,
) -> Result<Plate, PlateError> {
    let mut meta: Vec<(&'static str, String)> = Vec::new();
    let proc_idx = lines
        .iter()
        .position(|l| l.field(0) == "Procedure Details")
        .ok_or_else(|| {
            PlateError::parse(
                file,
                Some(lines[0].no),
                "Gen5 report has no `Procedure Details` section after `Software Version`",
            )
        })?;
    for l in &lines[..proc_idx] {
        let key = match l.field(0) {
            "Software Version" => "software",
            "Plate Number" => "plate_number",
            "Date" => "date",
            "Time" => "time",
            "Reader Type:" => "reader",
            "Reader Serial Number:" => "reader_serial",
            "Experiment File Path:" => "experiment_file",
            "Protocol File Path:" => "protocol_file",
            "Barcode" | "Plate Barcode" | "Plate ID" => "barcode",
            _ => continue,
        };
        let v = l.field(1);
        if !v.is_empty() && !meta.iter().any(|(k, _)| *k == key) {
            meta.push((key, v.to_owned()));
        }
    }

    // Procedure: first non-blank line after the title up to the next blank line.
    let mut i = proc_idx + 1;
    while i < lines.len() && lines[i].is_blank() {
        i += 1;
    }
    let proc_start = i;
    while i < lines.len() && !lines[i].is_blank() {
        i += 1;
    }
    let procedure = &lines[proc_start..i];
    let data_start = i;

    let mut plate_type = String::new();
    let mut steps: Vec<Step> = Vec::new();
    for l in procedure {
        let key = l.field(0);
        let rest = l.rest();
        if key == "Plate Type" {
            plate_type.clone_from(&rest);
        }
        if key.starts_with("Start Kinetic") {
            return Err(refuse(
                file,
                l.no,
                "kinetic reads are not supported yet (the Gen5 procedure has a `Start Kinetic` \
                 step); export an endpoint read",
            ));
        }
        let mode_line = Mode::from_text(&rest).is_some();
        if mode_line && rest.ends_with("Spectrum") {
            return Err(refuse(
                file,
                l.no,
                "spectrum reads are not supported yet (the Gen5 procedure has a spectral scan)",
            ));
        }
        if mode_line && (rest.ends_with("Area Scan") || rest.ends_with("Well Scan")) {
            return Err(refuse(
                file,
                l.no,
                "area scan reads are not supported yet (the Gen5 procedure scans within wells)",
            ));
        }
        if key == "Read" {
            let mut step = Step::default();
            if let Some(m) = Mode::from_text(&rest).filter(|_| rest.ends_with("Endpoint")) {
                step.mode = Some(m);
                step.mode_line = l.no;
            } else if !rest.is_empty() {
                step.label = Some(rest.clone());
            }
            steps.push(step);
            continue;
        }
        let Some(step) = steps.last_mut() else {
            continue;
        };
        if step.mode.is_none() && rest.ends_with("Endpoint") {
            step.mode = Mode::from_text(&rest);
            step.mode_line = l.no;
        }
        if let Some(w) = rest.strip_prefix("Wavelengths:") {
            step.wavelengths = w
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        } else if let Some(p) = rest.strip_prefix("Pathlength Correction:") {
            let mut parts = p.split('/').map(|s| s.trim().to_owned());
            if let (Some(t), Some(r)) = (parts.next(), parts.next()) {
                step.pathlength = Some((t, r));
            }
        } else if rest.contains("Excitation:") || rest.contains("Emission:") {
            let mut ex = None;
            let mut em = None;
            for part in rest.split(",  ") {
                if let Some(v) = part.trim().strip_prefix("Excitation:") {
                    ex = Some(v.trim().to_owned());
                } else if let Some(v) = part.trim().strip_prefix("Emission:") {
                    em = Some(v.trim().to_owned());
                }
            }
            step.filters.push((ex, em));
        }
    }
    if steps.is_empty() {
        return Err(PlateError::parse(
            file,
            Some(lines[proc_idx].no),
            "Gen5 procedure has no `Read` step",
        ));
    }

    // Every label a raw measurement row may carry.
    let mut labels: HashMap<String, LabelInfo> = HashMap::new();
    let multi = steps.len() > 1;
    for (n, step) in steps.iter().enumerate() {
        let Some(mode) = step.mode else {
            continue;
        };
        let mut prefixes: Vec<String> = Vec::new();
        if let Some(s) = &step.label {
            prefixes.push(format!("{s}:"));
        } else {
            prefixes.push(String::new());
            if multi {
                prefixes.push(format!("Read {}:", n + 1));
            }
        }
        let mut names: Vec<(String, Option<f64>)> = Vec::new();
        match mode {
            Mode::Absorbance => {
                for w in &step.wavelengths {
                    names.push((w.clone(), leading_number(w)));
                }
                if let Some((t, r)) = &step.pathlength {
                    names.push((format!("{t} [Test]"), leading_number(t)));
                    names.push((format!("{r} [Ref]"), leading_number(r)));
                }
            }
            Mode::Fluorescence => {
                for (ex, em) in &step.filters {
                    let (Some(ex), Some(em)) = (ex, em) else {
                        continue;
                    };
                    names.push((format!("{ex},{em}"), None));
                    let short = |s: &str| s.split('/').next().unwrap_or(s).trim().to_owned();
                    names.push((format!("{},{}", short(ex), short(em)), None));
                }
            }
            Mode::Luminescence => {
                let mut any = false;
                for (_, em) in &step.filters {
                    if let Some(em) = em {
                        any = true;
                        let name = if matches!(em.as_str(), "Full light" | "Plug" | "Hole") {
                            "Lum".to_owned()
                        } else {
                            em.clone()
                        };
                        names.push((name, None));
                    }
                }
                if !any {
                    names.push(("Lum".to_owned(), None));
                }
            }
            Mode::Alpha => {
                names.push(("Alpha".to_owned(), None));
            }
        }
        for (name, wl) in names {
            for p in &prefixes {
                labels.insert(
                    format!("{p}{name}"),
                    LabelInfo {
                        mode,
                        wavelength_nm: wl,
                    },
                );
            }
            if mode == Mode::Alpha {
                labels.insert(
                    name.clone(),
                    LabelInfo {
                        mode,
                        wavelength_nm: None,
                    },
                );
            }
        }
    }
    if labels.is_empty() {
        let no = steps
            .iter()
            .map(|s| s.mode_line)
            .find(|&n| n > 0)
            .unwrap_or(lines[proc_start.min(lines.len() - 1)].no);
        return Err(PlateError::parse(
            file,
            Some(no),
            "Gen5 procedure defines no endpoint read this parser knows (expected `Absorbance \
             Endpoint` with `Wavelengths:`, or a fluorescence/luminescence/alpha endpoint)",
        ));
    }

    // Data grids after the procedure.
    let mut order: Vec<String> = Vec::new();
    let mut cells: Vec<(usize, WellId, Value, usize)> = Vec::new();
    let mut first_calc: Option<(usize, String)> = None;
    let mut grid_seen = false;
    let mut max_rc = (0u16, 0u16);
    let mut j = data_start;
    while j < lines.len() {
        let Some(ncols) = grid_header(&lines[j]) else {
            j += 1;
            continue;
        };
        max_rc.1 = max_rc.1.max(ncols as u16);
        j += 1;
        let mut row: Option<u16> = None;
        while j < lines.len() && !lines[j].is_blank() {
            let l = &lines[j];
            let head = l.field(0);
            if !head.is_empty() {
                match row_from_label(head) {
                    Some(r) if head.len() <= 2 => row = Some(r),
                    _ => break,
                }
            }
            let Some(r) = row else {
                j += 1;
                continue;
            };
            let label = l.field(ncols + 1);
            if label.is_empty() && l.fields.len() < ncols + 2 {
                // every Gen5 grid row ends with its read label: a short row without one is a
                // cut-off file, never a partial plate
                return Err(PlateError::parse(
                    file,
                    Some(l.no),
                    format!(
                        "grid row {} stops after {} of {ncols} values without its read label (`<read>:<nm>`); the file looks truncated",
                        crate::well::row_label(r),
                        l.fields.len().saturating_sub(1)
                    ),
                ));
            }
            let is_layout = LAYOUT_LABELS.contains(&label);
            grid_seen |= !is_layout;
            if !labels.contains_key(label) {
                if first_calc.is_none() && !label.is_empty() && !is_layout {
                    first_calc = Some((l.no, label.to_owned()));
                }
                j += 1;
                continue;
            }
            let idx = if let Some(i) = order.iter().position(|o| o == label) {
                i
            } else {
                order.push(label.to_owned());
                order.len() - 1
            };
            max_rc.0 = max_rc.0.max(r + 1);
            for c in 0..ncols {
                let well = WellId::new(r, c as u16);
                let tok = l.fields.get(c + 1).copied().unwrap_or("");
                let value = gen5_value(tok, decimal_comma).ok_or_else(|| {
                    PlateError::at_well(
                        file,
                        Some(l.no),
                        &well.to_string(),
                        format!(
                            "expected a number or a Gen5 status (OVRFLW, MISSED, ?????, <x, >x, \
                             *x*) in read `{label}`, found {:?}",
                            tok.trim()
                        ),
                    )
                })?;
                cells.push((idx, well, value, l.no));
            }
            j += 1;
        }
    }
    if cells.is_empty() {
        let at = lines.get(data_start).map_or(lines[0].no, |l| l.no);
        let wanted: Vec<&str> = {
            let mut v: Vec<&str> = labels.keys().map(String::as_str).collect();
            v.sort_unstable();
            v
        };
        return Err(match (grid_seen, first_calc) {
            (true, Some((no, calc))) => PlateError::parse(
                file,
                Some(no),
                format!(
                    "Gen5 results hold only calculated rows (first: `{calc}`), no raw \
                     measurement row; expected a row labelled one of {wanted:?}"
                ),
            ),
            _ => PlateError::parse(
                file,
                Some(at),
                format!(
                    "Gen5 report has no results: expected a `Results` grid or a block titled by \
                     the read, with rows labelled one of {wanted:?}"
                ),
            ),
        });
    }

    let format = format_from_plate_type(&plate_type)
        .filter(|f| f.rows >= max_rc.0 && f.cols >= max_rc.1)
        .or_else(|| PlateFormat::smallest_holding(max_rc.0, max_rc.1))
        .ok_or_else(|| {
            PlateError::parse(
                file,
                Some(lines[data_start.min(lines.len() - 1)].no),
                format!(
                    "Gen5 grid of {} rows x {} columns fits no standard plate",
                    max_rc.0, max_rc.1
                ),
            )
        })?;
    let mut reads: Vec<Read> = order
        .iter()
        .map(|label| {
            let info = labels[label.as_str()];
            Read::new(label.clone(), info.wavelength_nm, format)
        })
        .collect();
    for (idx, well, value, no) in cells {
        let i = format.index(well).expect("well inside the chosen format");
        let read = &mut reads[idx];
        match read.values[i] {
            None => read.values[i] = Some(value),
            Some(prev) if same_value(prev, value) => {}
            Some(prev) => {
                return Err(PlateError::at_well(
                    file,
                    Some(no),
                    &well.to_string(),
                    format!(
                        "read `{}` gives this well twice with different values ({prev:?} and \
                         {value:?})",
                        read.label
                    ),
                ));
            }
        }
    }

    let get = |k: &str| meta.iter().find(|(m, _)| *m == k).map(|(_, v)| v.clone());
    let id = get("barcode")
        .or_else(|| single_plate.then(|| barcode_from_file_name(file)).flatten())
        .or_else(|| get("plate_number"))
        .unwrap_or_else(|| "1".to_owned());
    let mut plate = Plate::new(id, format);
    for (k, v) in meta {
        plate.metadata.insert(k.to_owned(), v);
    }
    if !plate_type.is_empty() {
        plate.metadata.insert("plate_type".to_owned(), plate_type);
    }
    for r in &reads {
        plate.metadata.insert(
            format!("read_mode:{}", r.label),
            labels[r.label.as_str()].mode.name().to_owned(),
        );
    }
    plate.reads = reads;
    Ok(plate)
}

fn refuse(file: &str, line: usize, message: &str) -> PlateError {
    PlateError::Unsupported {
        file: file.to_owned(),
        message: format!("line {line}: {message}"),
    }
}

fn same_value(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Flag(x), Value::Flag(y)) => x == y,
        _ => false,
    }
}

/// Split text into fields in one pass: every field of every line in one vector, and per line
/// the range of its fields. Line breaks are LF, CRLF or a lone CR (as in [`text::lines`]).
fn split_table(text: &str, delim: u8) -> (Vec<&str>, Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut all: Vec<&str> = Vec::with_capacity(bytes.len() / 4 + 1);
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(bytes.len() / 32 + 1);
    let mut line_start_field = 0;
    let mut field_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == delim {
            all.push(&text[field_start..i]);
            field_start = i + 1;
        } else if b == b'\n' || b == b'\r' {
            all.push(&text[field_start..i]);
            spans.push((line_start_field, all.len()));
            line_start_field = all.len();
            if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            field_start = i + 1;
        }
        i += 1;
    }
    all.push(&text[field_start..]);
    spans.push((line_start_field, all.len()));
    (all, spans)
}

/// A grid header: first field empty, then `1`, `2`, ... `n`; returns `n`.
fn grid_header(l: &Line<'_, '_>) -> Option<usize> {
    if !l.field(0).is_empty() {
        return None;
    }
    let mut n = 0usize;
    for f in l.fields.iter().skip(1) {
        let f = f.trim();
        if f.is_empty() {
            break;
        }
        if f.parse::<usize>().ok()? != n + 1 {
            return None;
        }
        n += 1;
    }
    // the rest must be empty
    if l.fields.iter().skip(1 + n).any(|f| !f.trim().is_empty()) {
        return None;
    }
    (n > 0).then_some(n)
}

/// A Gen5 cell: a number, a status token, or `*0.356*` (a value Gen5 marks with asterisks:
/// the well is masked/excluded, so the number is not used).
fn gen5_value(token: &str, decimal_comma: bool) -> Option<Value> {
    let t = token.trim();
    if t.len() >= 2 && t.starts_with('*') && t.ends_with('*') {
        return Some(Value::Flag(Flag::Masked));
    }
    text::parse_value(t, decimal_comma)
}

/// The number a label starts with (`977 [Test]` -> 977, `450` -> 450).
fn leading_number(s: &str) -> Option<f64> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s[..end].parse::<f64>().ok()
}

/// The well count named in `Plate Type` (`96 WELL PLATE`, `Generic 96 UV`, `PE 1/2 area plate 96`).
fn format_from_plate_type(s: &str) -> Option<PlateFormat> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse::<usize>().ok())
        .find_map(PlateFormat::from_well_count)
}

/// Gen5's default export name `yymmdd_hhmmss_<barcode>_<protocol>.txt` carries the plate barcode.
fn barcode_from_file_name(path: &str) -> Option<String> {
    let name = path.rsplit(['/', '\\']).next()?;
    let stem = name.strip_suffix(".txt")?;
    let mut parts = stem.splitn(4, '_');
    let (d, t, code) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next()?;
    let digits6 = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit());
    (digits6(d) && digits6(t) && !code.is_empty()).then(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::read_bytes;
    use crate::model::SourceFormat;

    fn report(delim: &str, values: &[&str]) -> String {
        use std::fmt::Write as _;
        let d = delim;
        let mut s = format!(
            "\n\nSoftware Version{d}3.12.08\n\nPlate Number{d}Plate 7\nDate{d}1/2/2024\n\n\
             Procedure Details\n\nPlate Type{d}96 WELL PLATE\nRead{d}od\n{d}Absorbance Endpoint\n\
             {d}Full Plate\n{d}Wavelengths:  600\n\nResults\n"
        );
        s.push_str(d);
        s.push_str(&(1..=3).map(|c| c.to_string()).collect::<Vec<_>>().join(d));
        s.push('\n');
        writeln!(s, "A{d}{}{d}od:600", values.join(d)).unwrap();
        writeln!(s, "{d}9{d}9{d}9{d}Blank od:600").unwrap();
        s
    }

    #[test]
    fn semicolon_export_with_decimal_commas() {
        let text = report(";", &["0,125", "1,5", "OVRFLW"]);
        let f = read_bytes("x.txt", text.as_bytes(), None).unwrap();
        assert_eq!(f.format, SourceFormat::Gen5);
        let p = &f.plates[0];
        assert_eq!(p.id, "Plate 7");
        assert_eq!(p.reads.len(), 1);
        let r = p.read("600").unwrap();
        assert_eq!(r.values[0], Some(Value::Number(0.125)));
        assert_eq!(r.values[1], Some(Value::Number(1.5)));
        assert_eq!(r.values[2], Some(Value::Flag(Flag::Overflow)));
        assert_eq!(r.values[3], None);
    }

    #[test]
    fn utf16le_with_bom() {
        let text = report("\t", &["0.1", "0.2", "*0.3*"]);
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let f = read_bytes("y.txt", &bytes, None).unwrap();
        let r = f.plates[0].read("600").unwrap();
        assert_eq!(r.values[1], Some(Value::Number(0.2)));
        assert_eq!(r.values[2], Some(Value::Flag(Flag::Masked)));
    }

    #[test]
    fn junk_cell_names_line_and_well() {
        let text = report("\t", &["0.1", "abc", "0.3"]);
        let e = read_bytes("z.txt", text.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("z.txt, line 18, well A2"), "{e}");
    }

    #[test]
    fn splits_lines_and_fields_like_text_lines() {
        let text = "a\tb\r\nc\rd\te\n\nf";
        let (all, spans) = split_table(text, b'\t');
        let rows: Vec<&[&str]> = spans.iter().map(|&(a, b)| &all[a..b]).collect();
        assert_eq!(rows.len(), text::lines(text).len());
        assert_eq!(
            rows,
            vec![&["a", "b"][..], &["c"], &["d", "e"], &[""], &["f"]]
        );
    }

    #[test]
    fn xlsx_report_reads_like_text() {
        use crate::formats::sheet::{Cell, Sheet, Workbook};
        let text = report("\t", &["0.5", "OVRFLW", "1.25"]);
        let rows: Vec<Vec<Cell>> = text::lines(&text)
            .iter()
            .map(|l| {
                l.split('\t')
                    .map(|f| match f.parse::<f64>() {
                        Ok(x) => Cell::Number(x),
                        Err(_) if f.is_empty() => Cell::Empty,
                        Err(_) => Cell::Text(f.to_owned()),
                    })
                    .collect()
            })
            .collect();
        let input = Input {
            source: "r.xlsx",
            bytes: &[],
            text: None,
            workbook: Some(Workbook {
                sheets: vec![Sheet {
                    name: "Sheet1".to_owned(),
                    rows,
                }],
            }),
        };
        assert!(detect(&input));
        let plates = parse(&input).unwrap();
        let r = plates[0].read("600").unwrap();
        assert_eq!(r.values[0], Some(Value::Number(0.5)));
        assert_eq!(r.values[1], Some(Value::Flag(Flag::Overflow)));
        assert_eq!(r.values[2], Some(Value::Number(1.25)));
    }

    #[test]
    fn barcode_from_default_file_name() {
        assert_eq!(
            barcode_from_file_name("/a/240411_172731_BNCH2345883_abs450.txt").as_deref(),
            Some("BNCH2345883")
        );
        assert_eq!(barcode_from_file_name("endpoint_singleplate.txt"), None);
    }
}
