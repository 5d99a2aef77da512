//! Helpers for the BMG, EnVision and Kaleido conformance tests: running every file of a
//! reference folder, comparing against the expected tables, spot checks and tally lines.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use platesyn_plate::{Plate, PlateError, PlateFile, Value, WellId, read_path};

use super::common::{ExpectedRow, load_expected};

/// Relative tolerance for comparing parsed numbers with the expected tables. The tables copy
/// the JSON number text, which is the shortest round-trip form of the same double the input's
/// decimal text denotes (e.g. Kaleido's 17-digit `0.043263275046433673` ->
/// `0.04326327504643367`), so values agree to the last bit or within 1 ulp (~2.2e-16 relative);
/// 1e-12 is the comparison bound the task sets.
pub const REL_TOL: f64 = 1e-12;

/// Whether `a` equals `b` exactly or within [`REL_TOL`] relative.
pub fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= REL_TOL * a.abs().max(b.abs())
}

/// Every file (sorted) of `ref/plates/<folder>`.
pub fn files(root: &Path, folder: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("plates").join(folder))
        .expect("reference folder readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// The expected table for `file`, if there is one.
pub fn expected_for(root: &Path, folder: &str, file: &Path) -> Option<Vec<ExpectedRow>> {
    let name = file.file_name()?.to_str()?;
    let p = root
        .join("plates/expected")
        .join(folder)
        .join(format!("{name}.expected.csv"));
    p.is_file().then(|| load_expected(&p))
}

/// Number of (plate, read, well) values a file holds.
pub fn value_count(pf: &PlateFile) -> usize {
    pf.plates
        .iter()
        .flat_map(|p| p.reads.iter())
        .map(|r| r.values.iter().filter(|v| v.is_some()).count())
        .sum()
}

/// Compare a parsed file with its expected table: same plates, every expected row found with
/// the same value (or a flag where the table has one), and no extra covered well.
/// `read_ok(expected_read, read_name)` decides whether a read matches the table's `read`
/// column (empty column: the plate must have exactly one read). Returns the matched count.
pub fn compare_expected(
    pf: &PlateFile,
    rows: &[ExpectedRow],
    read_ok: &dyn Fn(&str, &str) -> bool,
) -> usize {
    let mut plate_ids: Vec<&str> = rows.iter().map(|r| r.plate.as_str()).collect();
    plate_ids.dedup();
    let mut got_ids: Vec<&str> = pf.plates.iter().map(|p| p.id.as_str()).collect();
    got_ids.sort_unstable();
    let mut want_ids = plate_ids.clone();
    want_ids.sort_unstable();
    want_ids.dedup();
    assert_eq!(got_ids, want_ids, "{}: plate ids", pf.source);
    let mut matched = 0;
    for row in rows {
        let plate = pf.plates.iter().find(|p| p.id == row.plate).unwrap();
        let read = if row.read.is_empty() {
            assert_eq!(
                plate.reads.len(),
                1,
                "{}: plate {} reads",
                pf.source,
                plate.id
            );
            &plate.reads[0]
        } else {
            let found: Vec<_> = plate
                .reads
                .iter()
                .filter(|r| read_ok(&row.read, &r.name()))
                .collect();
            assert_eq!(
                found.len(),
                1,
                "{}: read {} on {}",
                pf.source,
                row.read,
                plate.id
            );
            found[0]
        };
        let well = WellId::parse(&row.well).expect("expected well id");
        let v = plate.value(read, well);
        match (row.value, v) {
            (Some(want), Some(Value::Number(got))) => {
                assert!(
                    close(want, got),
                    "{}: {} {} {}: want {want}, got {got}",
                    pf.source,
                    row.plate,
                    row.well,
                    row.read
                );
            }
            (None, Some(Value::Flag(_))) if !row.flag.is_empty() => {}
            other => panic!(
                "{}: {} {} {}: want {:?}/{}, got {:?}",
                pf.source, row.plate, row.well, row.read, row.value, row.flag, other.1
            ),
        }
        matched += 1;
    }
    assert_eq!(
        value_count(pf),
        rows.len(),
        "{}: covered wells beyond the expected table",
        pf.source
    );
    matched
}

/// The value of `well` in the read named `read` (by [`platesyn_plate::Read::name`] or label)
/// of plate `plate`.
pub fn value_at(pf: &PlateFile, plate: &str, read: &str, well: &str) -> Option<Value> {
    let p: &Plate = pf
        .plates
        .iter()
        .find(|p| p.id == plate)
        .unwrap_or_else(|| panic!("{}: no plate {plate}", pf.source));
    let r = p
        .read(read)
        .unwrap_or_else(|| panic!("{}: no read {read} on {plate}", pf.source));
    p.value(r, WellId::parse(well).expect("well"))
}

/// Check hand-read spot values: `(plate, read, well, value)`; `None` = the file has a blank
/// cell there (well not covered). Returns how many were checked.
pub fn spot_check(pf: &PlateFile, spots: &[(&str, &str, &str, Option<f64>)]) -> usize {
    for (plate, read, well, want) in spots {
        let got = value_at(pf, plate, read, well);
        match (want, got) {
            (Some(w), Some(Value::Number(g))) => assert!(
                close(*w, g),
                "{}: {plate} {read} {well}: want {w}, got {g}",
                pf.source
            ),
            (None, None) => {}
            _ => panic!(
                "{}: {plate} {read} {well}: want {want:?}, got {got:?}",
                pf.source
            ),
        }
    }
    spots.len()
}

/// Read a file, returning the result and the file name.
pub fn read(p: &Path) -> (String, Result<PlateFile, PlateError>) {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    (name, read_path(p, None))
}

/// Print one tally line.
pub fn tally(folder: &str, name: &str, status: &str, detail: &str) {
    println!("tally {folder}/{name}: {status}; {detail}");
}
