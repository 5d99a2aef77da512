//! Generic shapes against every file in ../shared/ref/plates: the plate-shaped and long files
//! parse (or fail clearly), and no vendor export is claimed by the generic detectors.

mod common;

use platesyn_plate::formats::{Input, grid, long};
use platesyn_plate::{PlateFormat, SourceFormat, Value, WellId, read_path};

#[test]
fn wellmap_data_files() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/wellmap");
    // 6 numbered columns = a 24-well (4x6) grid, but only rows A-C are given
    let err = read_path(&dir.join("std_curve.csv"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("std_curve.csv, line 4:"), "{err}");
    assert!(
        err.contains("24-well") && err.contains("expected row D"),
        "{err}"
    );
    for name in ["one_well_xy.csv", "one_well_xy_extras.csv"] {
        let err = read_path(&dir.join(name), None).unwrap_err().to_string();
        assert!(err.contains(&format!("{name}, line 2, well A1")), "{err}");
        assert!(err.contains("`xy` is not a number"), "{err}");
    }
}

/// User-made plate maps (PROVENANCE: "reader: layout (xlsx plate map)"), not vendor exports.
const PLATE_MAPS: [&str; 2] = ["assignment.xlsx", "plate_map_SAHH_kinetics.xlsx"];

#[test]
fn plate_maps_in_spreadsheets() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/mtphandler");
    // plate maps are refused by detection (they are layouts, not readings) ...
    for name in PLATE_MAPS {
        let err = read_path(&dir.join(name), None).unwrap_err().to_string();
        assert!(
            err.contains(name) && err.contains("not a plate-reader export: looks like a plate map"),
            "{err}"
        );
    }
    // ... but a user may still read one as a plain grid on purpose
    let f = read_path(&dir.join("assignment.xlsx"), Some(SourceFormat::Grid)).unwrap();
    let p = &f.plates[0];
    assert_eq!(p.format, PlateFormat::W96);
    let r = &p.reads[0];
    let numbers = r
        .values
        .iter()
        .filter(|v| matches!(v, Some(Value::Number(_))))
        .count();
    assert_eq!(numbers, 36);
    assert_eq!(
        p.value(r, WellId::parse("A2").unwrap()),
        Some(Value::Number(1.0))
    );
    assert_eq!(
        p.value(r, WellId::parse("B2").unwrap()),
        Some(Value::Number(2.0))
    );
}

#[test]
fn vendor_exports_are_not_claimed_by_generic_detectors() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let plates = shared.join("plates");
    let mut checked = 0;
    for dir in std::fs::read_dir(&plates).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !dir.is_dir() || ["plater", "wellmap", "expected"].contains(&name.as_str()) {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            let file_name = f.file_name().unwrap().to_string_lossy().to_string();
            if PLATE_MAPS.contains(&file_name.as_str()) {
                continue;
            }
            let bytes = std::fs::read(&f).unwrap();
            let source = f.display().to_string();
            let Ok(input) = Input::new(&source, &bytes) else {
                continue;
            };
            assert!(!grid::detect(&input), "grid claims {source}");
            assert!(!long::detect(&input), "long claims {source}");
            checked += 1;
        }
    }
    // every vendor export in the reference set that decodes (text or workbook)
    assert!(checked >= 90, "only {checked} vendor files checked");
}
