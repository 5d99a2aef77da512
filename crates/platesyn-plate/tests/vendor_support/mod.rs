//! Shared by `conformance_tecan`, `conformance_skanit` and `conformance_mtphandler`: reading a
//! reference file, comparing plates with an expected table, and the per-file tally line.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use platesyn_plate::formats::{Input, detect, parse_as};
use platesyn_plate::{Plate, PlateError, SourceFormat, Value, WellId};

use crate::common::ExpectedRow;

/// Tolerances, in one place.
pub mod tolerances {
    /// Values read from xlsx cells are compared with the expected tables (allotropy JSON,
    /// numbers as written) and with spot values read by openpyxl exactly: both sides are the
    /// same IEEE double stored in the cell, so no tolerance is needed. i-control's float32
    /// noise (`0.25619998574256897` for 0.2562) is kept as stored and compared exactly too.
    pub const EXACT: f64 = 0.0;
    /// Multiskan Spectrum text writes 15-17 significant digits; Rust's and Python's
    /// shortest-round-trip parsers agree on them, so text values are compared exactly as well.
    pub const TEXT_EXACT: f64 = 0.0;
}

/// The bytes of a reference file.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Detect and parse with this crate's dispatcher (format detection by content only).
pub fn read(path: &Path) -> Result<(SourceFormat, Vec<Plate>), PlateError> {
    let source = path.display().to_string();
    let b = bytes(path);
    let input = Input::new(&source, &b)?;
    let format = detect(&input).ok_or_else(|| PlateError::Unrecognized {
        file: source.clone(),
        message: "not detected".to_owned(),
    })?;
    parse_as(format, &input).map(|p| (format, p))
}

/// Every covered value as `(plate, well, read name) -> value`, in file order.
pub fn covered(plates: &[Plate]) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for p in plates {
        for r in &p.reads {
            for w in p.format.wells() {
                if let Some(v) = p.value(r, w) {
                    out.push((p.id.clone(), w.to_string(), r.name(), v));
                }
            }
        }
    }
    out
}

/// Compare plates with an expected table: the same (plate, well, read) keys, each value
/// equal within `tol` (or the same flag). Returns the number of matched rows.
pub fn compare_with_expected(
    file: &str,
    plates: &[Plate],
    expected: &[ExpectedRow],
    tol: f64,
) -> usize {
    let got = covered(plates);
    let mut ours: BTreeMap<(String, String, String), Vec<Value>> = BTreeMap::new();
    for (p, w, r, v) in got {
        ours.entry((p, w, r)).or_default().push(v);
    }
    let mut theirs: BTreeMap<(String, String, String), Vec<&ExpectedRow>> = BTreeMap::new();
    for e in expected {
        theirs
            .entry((e.plate.clone(), e.well.clone(), e.read.clone()))
            .or_default()
            .push(e);
    }
    let missing: Vec<_> = theirs
        .keys()
        .filter(|k| !ours.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<_> = ours
        .keys()
        .filter(|k| !theirs.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && ours.len() == theirs.len(),
        "{file}: keys differ: {} ours vs {} expected; missing e.g. {missing:?}; extra e.g. {extra:?}",
        ours.len(),
        theirs.len()
    );
    let mut matched = 0;
    for (k, exp) in &theirs {
        let got = &ours[k];
        assert_eq!(got.len(), exp.len(), "{file}: {k:?} count");
        for (g, e) in got.iter().zip(exp) {
            match (g, e.value) {
                (Value::Number(x), Some(y)) => {
                    assert!((x - y).abs() <= tol, "{file}: {k:?}: got {x}, expected {y}");
                }
                (Value::Flag(f), None) => {
                    assert!(
                        !e.flag.is_empty(),
                        "{file}: {k:?}: got flag {f}, expected no flag"
                    );
                }
                _ => panic!("{file}: {k:?}: got {g:?}, expected {e:?}"),
            }
            matched += 1;
        }
    }
    matched
}

/// Check a spot value: the number in `well` of the read with this exact label.
pub fn spot(file: &str, plate: &Plate, read_label: &str, well: &str, expected: f64, tol: f64) {
    let read = plate
        .reads
        .iter()
        .find(|r| r.label == read_label)
        .unwrap_or_else(|| panic!("{file}: no read labelled {read_label:?}"));
    let w = WellId::parse(well).expect("well");
    match plate.value(read, w) {
        Some(Value::Number(x)) => assert!(
            (x - expected).abs() <= tol,
            "{file}: {read_label} {well}: got {x}, expected {expected}"
        ),
        other => panic!("{file}: {read_label} {well}: got {other:?}, expected {expected}"),
    }
}

/// How many covered values the plates hold.
pub fn value_count(plates: &[Plate]) -> usize {
    plates
        .iter()
        .flat_map(|p| &p.reads)
        .map(|r| r.values.iter().flatten().count())
        .sum()
}

/// The per-file tally line.
pub fn tally(file: &str, outcome: &str, detail: &str) {
    println!("tally: {file}: {outcome}; {detail}");
}
