//! Shared by `conformance_gen5.rs` and `conformance_softmax.rs`: comparing parsed plates with
//! the expected tables in `../shared/ref/plates/expected/` and the per-file tally.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use platesyn_plate::{Flag, PlateError, PlateFile, Value, WellId};

use crate::common::ExpectedRow;

/// Relative tolerance for comparing a parsed value with the expected table. The expected
/// numbers are the allotropy JSON's shortest round-trip float64 texts of the very numbers in
/// the input, so they should parse to the same double; 1e-12 only absorbs a last-bit difference
/// between two correct decimal-to-binary conversions (float64 has ~2.2e-16 relative spacing).
pub const REL_TOL: f64 = 1e-12;

/// How the expected table's flag texts map onto our flags.
///
/// * `OVRFLW` -> [`Flag::Overflow`], `MISSED` -> [`Flag::Missed`] (Gen5 status tokens);
/// * `*0.356*` -> [`Flag::Masked`] (Gen5 writes the value of a masked/excluded well between
///   asterisks; it is not a usable reading);
/// * `Path?` -> [`Flag::CalcFailed`] (SoftMax could not compute the pathcheck-corrected value);
/// * `nan` -> the well is not covered at all (`None`): SoftMax partial plates, wells outside the
///   read area;
/// * `Not reported` -> no raw read at that wavelength exists (SoftMax block exported as
///   `Reduced` only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExpectedFlag {
    /// A flag on a covered well.
    Flag(Flag),
    /// Well not covered by the read.
    NotCovered,
    /// No raw read at all.
    NotReported,
}

/// Map a reference flag text (see [`ExpectedFlag`]).
pub fn map_flag(text: &str) -> ExpectedFlag {
    match text {
        "OVRFLW" => ExpectedFlag::Flag(Flag::Overflow),
        "MISSED" => ExpectedFlag::Flag(Flag::Missed),
        "Path?" => ExpectedFlag::Flag(Flag::CalcFailed),
        "nan" => ExpectedFlag::NotCovered,
        "Not reported" => ExpectedFlag::NotReported,
        t if t.starts_with('*') && t.ends_with('*') => ExpectedFlag::Flag(Flag::Masked),
        other => panic!("unmapped reference flag {other:?}"),
    }
}

/// Compare every absorbance read (reads with a wavelength) of `file` with `expected`.
/// Returns the number of matched rows; panics with every mismatch listed.
pub fn compare(name: &str, file: &PlateFile, expected: &[ExpectedRow]) -> usize {
    // our values per (plate, well, read name), in read order
    let mut ours: HashMap<(String, String, String), Vec<Option<Value>>> = HashMap::new();
    let mut our_values = 0usize;
    for p in &file.plates {
        for r in p.reads.iter().filter(|r| r.wavelength_nm.is_some()) {
            for (i, v) in r.values.iter().enumerate() {
                let w = p.format.well_at(i).expect("index on plate");
                if v.is_some() {
                    our_values += 1;
                }
                ours.entry((p.id.clone(), w.to_string(), r.name()))
                    .or_default()
                    .push(*v);
            }
        }
    }
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut problems = Vec::new();
    let mut matched = 0;
    let mut expected_values = 0;
    for e in expected {
        assert!(WellId::parse(&e.well).is_some(), "bad well {}", e.well);
        let key = (e.plate.clone(), e.well.clone(), e.read.clone());
        let k = seen.entry(key.clone()).or_default();
        let slot = *k;
        *k += 1;
        let got = ours.get(&key).and_then(|v| v.get(slot).copied());
        let ok = match (e.value, map_flag_opt(&e.flag)) {
            (Some(x), None) => {
                expected_values += 1;
                matches!(got, Some(Some(Value::Number(y))) if close(x, y))
            }
            (None, Some(ExpectedFlag::Flag(f))) => {
                expected_values += 1;
                got == Some(Some(Value::Flag(f)))
            }
            (None, Some(ExpectedFlag::NotCovered)) => got == Some(None),
            (None, Some(ExpectedFlag::NotReported)) => got.is_none(),
            _ => false,
        };
        if ok {
            matched += 1;
        } else if problems.len() < 20 {
            problems.push(format!(
                "{name}: {}/{}/{} expected value {:?} flag {:?}, got {got:?}",
                e.plate, e.well, e.read, e.value, e.flag
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        our_values, expected_values,
        "{name}: we read {our_values} absorbance values, the reference has {expected_values}"
    );
    matched
}

fn map_flag_opt(text: &str) -> Option<ExpectedFlag> {
    (!text.is_empty()).then(|| map_flag(text))
}

fn close(x: f64, y: f64) -> bool {
    x == y || (x - y).abs() <= REL_TOL * x.abs().max(y.abs())
}

/// The value of `well` in the read named `read` (table name or label) of plate `plate`.
pub fn value_at(file: &PlateFile, plate: &str, read: &str, well: &str) -> Option<Value> {
    let p = file.plates.iter().find(|p| p.id == plate)?;
    let r = p.read(read)?;
    p.value(r, WellId::parse(well)?)
}

/// Outcome of one file, for the tally line.
#[derive(Debug)]
pub enum Outcome {
    /// Read; values matched.
    Read(usize),
    /// Refused as kinetic/spectrum/scan.
    Refused(String),
    /// Failed with an error, as expected for an error fixture.
    Failed(String),
}

/// Print one tally line.
pub fn tally(folder: &str, name: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Read(n) => eprintln!("tally {folder}/{name}: read, {n} values matched"),
        Outcome::Refused(m) => eprintln!("tally {folder}/{name}: refused ({m})"),
        Outcome::Failed(m) => eprintln!("tally {folder}/{name}: failed as expected ({m})"),
    }
}

/// Whether an error is a kinetic/spectrum/scan refusal.
pub fn is_refusal(e: &PlateError) -> bool {
    matches!(e, PlateError::Unsupported { .. })
}

/// Every file name in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("folder readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
