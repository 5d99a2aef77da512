//! Every plater file in ../shared/ref/plates/plater (GPL-3.0: read from there, never copied):
//! valid layouts parse to the right plate size, well count and values; malformed ones fail
//! with the error their name says, as plater's own tests (tests/testthat/test-read_plate.R,
//! test-convert_plate_to_column.R) decide which are malformed.

mod common;

use std::path::Path;

use platesyn_plate::{Layout, SourceFormat, WellId, read_path};

/// (file stem without the size prefix, wells in a 96 layout, wells in a 384 layout)
const VALID: [(&str, usize, usize); 16] = [
    ("allWellIds", 96, 384),
    ("dontAddWhiteSpace", 4, 4),
    ("missingColumnsWithCorrectTitles", 72, 336),
    ("missingPlateNames", 96, 384),
    ("nonEmptyTopLeft", 96, 384),
    ("oneFullOnePartEmpty", 96, 384),
    ("onePlateOneBlankRow", 96, 384),
    ("oneWell", 1, 1),
    ("read_plates-validOne", 96, 384),
    ("read_plates-validTwo", 96, 384),
    ("twoPlatesNoBlankRow", 96, 384),
    ("twoPlatesOneBlankRow", 96, 384),
    ("validPlate", 96, 384),
    ("validPlateWithWhiteSpaceInRowNames", 96, 384),
    ("weirdCharacters", 4, 4),
    ("wellIdsAndEmptyWells", 69, 354),
];

/// (stem, message part, line in the 96 file, line in the 384 file, same error when read as data)
const MALFORMED: [(&str, &str, usize, usize, bool); 9] = [
    ("incorrectRowLabels", "expected row label A", 2, 2, true),
    ("missingBottomRow", "truncated grid", 8, 16, true),
    ("missingMiddleRow", "truncated grid", 5, 7, true),
    (
        "missingRightColumn",
        "columns; a plate-shaped grid needs",
        1,
        1,
        true,
    ),
    ("missingRowLabels", "no row labels", 1, 1, true),
    ("oneExtraColumn", "header numbers only", 2, 2, true),
    ("oneExtraRow", "is outside the plate", 10, 18, true),
    // plater rejects two blank lines; as data files these are only a blank-line surplus
    ("onePlateTwoBlankRows", "two blank lines", 11, 19, false),
    ("twoPlatesTwoBlankRows", "two blank lines", 21, 37, false),
];

fn padded(w: WellId) -> String {
    format!("{}{:02}", w.row_label(), w.col_number())
}

fn value(layout: &Layout, well: &str, key: &str) -> Option<String> {
    let w = WellId::parse(well).unwrap();
    layout.plates[0]
        .wells
        .get(&w)
        .and_then(|i| i.fields().get(key).cloned())
}

#[test]
fn valid_plater_layouts() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/plater");
    for (stem, n96, n384) in VALID {
        for (size, n) in [(96usize, n96), (384, n384)] {
            let path = dir.join(format!("{size}__{stem}.csv"));
            let layout = Layout::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(layout.plates.len(), 1);
            let p = &layout.plates[0];
            assert_eq!(p.format.well_count(), size, "{stem}");
            assert!(p.format_explicit);
            assert_eq!(p.wells.len(), n, "{size}__{stem}");
            // grids holding well ids hold each well's own id
            for (w, info) in &p.wells {
                for (k, v) in info.fields() {
                    if v.len() == 3
                        && v.as_bytes()[0].is_ascii_uppercase()
                        && v[1..].bytes().all(|b| b.is_ascii_digit())
                    {
                        assert_eq!(v, padded(*w), "{size}__{stem} {k}");
                    }
                }
            }
        }
    }
    let d = |name: &str| Layout::from_path(&dir.join(name)).unwrap();
    let l = d("96__dontAddWhiteSpace.csv");
    assert_eq!(value(&l, "A1", "values").as_deref(), Some("1"));
    assert_eq!(value(&l, "A2", "values").as_deref(), Some("A"));
    assert_eq!(value(&l, "B1", "values").as_deref(), Some("20"));
    assert_eq!(value(&l, "B2", "values").as_deref(), Some("B"));
    let l = d("96__weirdCharacters.csv");
    assert_eq!(value(&l, "B1", "values").as_deref(), Some("`abc"));
    assert_eq!(value(&l, "D1", "values").as_deref(), Some("$"));
    let l = d("384__missingPlateNames.csv");
    assert_eq!(value(&l, "P24", "values").as_deref(), Some("P24"));
    assert_eq!(value(&l, "P24", "values.2"), None);
    assert_eq!(value(&l, "A1", "values.2").as_deref(), Some("A01"));
    let l = d("96__oneFullOnePartEmpty.csv");
    assert_eq!(value(&l, "C2", "full").as_deref(), Some("C02"));
    assert_eq!(value(&l, "C2", "partial"), None);
    let l = d("96__oneWell.csv");
    assert_eq!(value(&l, "A1", "values").as_deref(), Some("singleton"));
    let l = d("96__read_plates-validOne.csv");
    assert_eq!(value(&l, "A4", "Donor").as_deref(), Some("Donor B"));
    assert_eq!(value(&l, "H1", "Drug").as_deref(), Some("Drug D"));
    let l = d("96__validPlateWithWhiteSpaceInRowNames.csv");
    assert_eq!(value(&l, "H12", "values").as_deref(), Some("reference"));
}

#[test]
fn plater_examples() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/plater");
    for name in ["example-1.csv", "more-bacteria.csv", "example-2-part-B.csv"] {
        let l = Layout::from_path(&dir.join(name)).unwrap();
        assert_eq!(l.plates[0].format.well_count(), 96, "{name}");
        assert_eq!(value(&l, "A1", "Drug").as_deref(), Some("A"), "{name}");
        assert_eq!(value(&l, "E1", "Drug").as_deref(), Some("B"), "{name}");
        assert_eq!(
            value(&l, "A1", "Concentration").as_deref(),
            Some("100"),
            "{name}"
        );
        assert_eq!(
            value(&l, "A11", "Concentration").as_deref(),
            Some("0.00001024"),
            "{name}"
        );
    }
    let l = Layout::from_path(&dir.join("example-1.csv")).unwrap();
    assert_eq!(l.plates[0].wells.len(), 96);
    assert_eq!(
        value(&l, "B1", "Bacteria").as_deref(),
        Some("S. enterocolitis")
    );
    // example-2-part-A is plater's long data table (Wells,Killing): a long well table
    let f = read_path(&dir.join("example-2-part-A.csv"), None).unwrap();
    assert_eq!(f.format, SourceFormat::Long);
    let p = &f.plates[0];
    assert_eq!(p.reads[0].label, "Killing");
    let covered = p.reads[0].values.iter().filter(|v| v.is_some()).count();
    assert_eq!(covered, 96);
    let a1 = p.value(&p.reads[0], WellId::parse("A1").unwrap()).unwrap();
    assert_eq!(a1.number(), Some(98.0));
    assert!(
        Layout::from_path(&dir.join("example-2-part-A.csv"))
            .unwrap_err()
            .to_string()
            .contains("expected a grid header")
    );
}

fn check_error(path: &Path, msg: &str, part: &str, line: usize) {
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(&*name), "{msg}");
    assert!(msg.contains(part), "{name}: {msg}");
    assert!(
        msg.contains(&format!("line {line}:")) || msg.contains(&format!("line {line}, well")),
        "{name}: want line {line}: {msg}"
    );
}

#[test]
fn malformed_plater_files_fail_clearly() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/plater");
    for (stem, part, l96, l384, same_as_data) in MALFORMED {
        for (size, line) in [(96, l96), (384, l384)] {
            let path = dir.join(format!("{size}__{stem}.csv"));
            let err = Layout::from_path(&path).unwrap_err().to_string();
            check_error(&path, &err, part, line);
            let data = read_path(&path, None).unwrap_err().to_string();
            if same_as_data {
                check_error(&path, &data, part, line);
            } else {
                // text cells are not readings
                check_error(&path, &data, "is not a number", 2);
            }
        }
    }
}

#[test]
fn plater_layouts_are_not_readings() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/plater");
    for (stem, _, _) in VALID {
        for size in [96, 384] {
            let path = dir.join(format!("{size}__{stem}.csv"));
            let err = read_path(&path, None).unwrap_err().to_string();
            assert!(err.contains("is not a number"), "{err}");
            assert!(err.contains(", line ") && err.contains(", well "), "{err}");
        }
    }
}
