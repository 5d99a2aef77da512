//! Revvity Kaleido CSV against the real exports in `../shared/ref/plates/kaleido_allotropy/`,
//! plus a cross-check that the BMG, `EnVision` and Kaleido detectors claim only their own files.

mod common;
mod vendor_csv;

use platesyn_plate::formats::{Input, bmg, envision, kaleido};
use platesyn_plate::{PlateFormat, SourceFormat, Value, read_bytes};
use vendor_csv::{
    compare_expected, expected_for, files, read, spot_check, tally, value_at, value_count,
};

const FOLDER: &str = "kaleido_allotropy";

type Spot = (&'static str, &'static str, &'static str, Option<f64>);

/// Hand-read spot values `(plate, read, well, value)`.
fn spots(name: &str) -> &'static [Spot] {
    const FL: &str = "Fluorescence intensity 1";
    const LUM: &str = "Luminescence 1";
    match name {
        // line 11 `A,18126,20520,...`, line 12 `B,...,34601,98912,...`,
        // line 26 `P,79071,...,92371,85178,`
        "fluorescence_endpoint_single_plate_example_01.csv" => &[
            ("V-2022-11-10 12:11:46", FL, "A1", Some(18126.0)),
            ("V-2022-11-10 12:11:46", FL, "B9", Some(98912.0)),
            ("V-2022-11-10 12:11:46", FL, "P23", Some(92371.0)),
            ("V-2022-11-10 12:11:46", FL, "P24", Some(85178.0)),
        ],
        // line 11 `A,40,48,...,173,4`, line 12 `B,0,54,...`, line 18 `H,21,...,41,55`
        "fluorescence_v3.5_pure_csv_format_example.csv" => &[
            ("BARCODE_1 12:10:14", FL, "A1", Some(40.0)),
            ("BARCODE_1 12:10:14", FL, "A12", Some(4.0)),
            ("BARCODE_1 12:10:14", FL, "B1", Some(0.0)),
            ("BARCODE_1 12:10:14", FL, "H12", Some(55.0)),
        ],
        // line 11 `A,94395,87450,...,75,`, line 18 `H,3065,...,35,75,`
        "luminescence_endpoint_single_plate_example_01.csv" => &[
            ("V-2023-05-17 16:21:29", LUM, "A1", Some(94395.0)),
            ("V-2023-05-17 16:21:29", LUM, "A12", Some(75.0)),
            ("V-2023-05-17 16:21:29", LUM, "H1", Some(3065.0)),
            ("V-2023-05-17 16:21:29", LUM, "H12", Some(75.0)),
        ],
        // line 11 `A,3330,2830,...,3510`, line 12 `B,3020,218540,...`, line 18 `H,...,2460`
        "luminescence_v3.5_pure_csv_format_example.csv" => &[
            ("BARCODE_1 13:39:01", LUM, "A1", Some(3330.0)),
            ("BARCODE_1 13:39:01", LUM, "B2", Some(218_540.0)),
            ("BARCODE_1 13:39:01", LUM, "H12", Some(2460.0)),
        ],
        _ => &[],
    }
}

#[test]
fn every_kaleido_file() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let all = files(&root, FOLDER);
    assert_eq!(all.len(), 5);
    for path in &all {
        let (name, res) = read(path);
        let pf = res.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pf.format, SourceFormat::Kaleido, "{name}");
        assert_eq!(pf.plates.len(), 1, "{name}");
        assert_eq!(pf.plates[0].reads.len(), 1, "{name}");
        if let Some(rows) = expected_for(&root, FOLDER, path) {
            let n = compare_expected(&pf, &rows, &|want, got| want == got);
            tally(
                FOLDER,
                &name,
                "read",
                &format!("{n}/{} expected values matched", rows.len()),
            );
        } else {
            let s = spots(&name);
            assert!(!s.is_empty(), "{name}: no spot values");
            let n = spot_check(&pf, s);
            tally(
                FOLDER,
                &name,
                "read",
                &format!("{n}/{n} spot values matched, {} values", value_count(&pf)),
            );
        }
    }
}

/// Geometry comes from the grid: the 3.0 fluorescence export says `Number of Rows,,24` and
/// `Number of Columns,,16` (swapped) for a 16 x 24 grid.
#[test]
fn geometry_from_the_grid() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(FOLDER);
    let f = platesyn_plate::read_path(
        &dir.join("fluorescence_endpoint_single_plate_example_01.csv"),
        None,
    )
    .unwrap();
    assert_eq!(f.plates[0].format, PlateFormat::W384);
    assert_eq!(f.plates[0].reads[0].wavelength_nm, None);
    let a = platesyn_plate::read_path(
        &dir.join("absorbance_endpoint_single_plate_example_01.csv"),
        None,
    )
    .unwrap();
    assert_eq!(a.plates[0].format, PlateFormat::W96);
    assert_eq!(a.plates[0].reads[0].label, "ABS mono 1");
    assert_eq!(a.plates[0].reads[0].wavelength_nm, Some(450.0));
}

/// Special token: 17-significant-digit numbers parse to the exact double the reference gives
/// (its shortest round-trip form): `0.043263275046433673` (G10) -> `0.04326327504643367`.
#[test]
fn token_seventeen_digit_numbers_are_exact() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let a = platesyn_plate::read_path(
        &root
            .join("plates")
            .join(FOLDER)
            .join("absorbance_endpoint_single_plate_example_01.csv"),
        None,
    )
    .unwrap();
    let v = value_at(&a, "V-2020-10-26 16:16:17", "450", "G10");
    assert_eq!(v, Some(Value::Number(0.043_263_275_046_433_67)));
}

/// Special token: non-breaking spaces in `Results for\u{a0}ABS mono 1` and
/// `Barcode:\u{a0}V-...,\u{a0}PlateRepeat:\u{a0}1` (Kaleido 2.x); the plate id has none.
#[test]
fn token_non_breaking_spaces() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let bytes = std::fs::read(
        root.join("plates")
            .join(FOLDER)
            .join("absorbance_endpoint_single_plate_example_01.csv"),
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("Results for\u{a0}ABS mono 1"));
    let a = read_bytes("a.csv", &bytes, None).unwrap();
    assert_eq!(a.plates[0].id, "V-2020-10-26 16:16:17");
}

/// Special token: 3.5 "pure csv" pads blank lines with delimiters (`,,,,,,,,,,,,`); these end
/// the grid like empty lines. Also `PlateRepeat: 2` is a time series and is refused.
#[test]
fn token_padded_blank_lines_and_repeats() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(FOLDER);
    let v35 = platesyn_plate::read_path(
        &dir.join("luminescence_v3.5_pure_csv_format_example.csv"),
        None,
    )
    .unwrap();
    assert_eq!(value_count(&v35), 96);
    let text = std::fs::read_to_string(dir.join("absorbance_endpoint_single_plate_example_01.csv"))
        .unwrap()
        .replacen("PlateRepeat:\u{a0}1", "PlateRepeat:\u{a0}2", 1);
    let e = read_bytes("r.csv", text.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("kinetic reads are not supported yet") && e.contains("line 5"),
        "{e}"
    );
}

/// Reader flags substituted into a real Kaleido grid become flags, junk is an error naming
/// file, line and well.
#[test]
fn token_flags_and_junk() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let text = std::fs::read_to_string(
        root.join("plates")
            .join(FOLDER)
            .join("luminescence_endpoint_single_plate_example_01.csv"),
    )
    .unwrap();
    let t = text.replacen("A,94395,87450,", "A,OVER,NaN,", 1);
    let p = read_bytes("l.csv", t.as_bytes(), None).unwrap();
    assert_eq!(
        value_at(&p, "V-2023-05-17 16:21:29", "Luminescence 1", "A1"),
        Some(Value::Flag(platesyn_plate::Flag::Overflow))
    );
    assert_eq!(
        value_at(&p, "V-2023-05-17 16:21:29", "Luminescence 1", "A2"),
        Some(Value::Flag(platesyn_plate::Flag::Nan))
    );
    let t = text.replacen("A,94395,", "A,9x4395,", 1);
    let e = read_bytes("l.csv", t.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("l.csv, line 11, well A1"), "{e}");
}

/// Files above this size are left out of the cross-check (test time only).
const MAX_CROSS_CHECK_BYTES: usize = 400_000;

/// Each of the three detectors claims exactly its own vendor's files, and none claims a file
/// of any other reference folder.
#[test]
fn detectors_claim_only_their_own_files() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let mut folders: Vec<_> = std::fs::read_dir(root.join("plates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut n = 0;
    for dir in folders {
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        if folder == "expected" {
            continue;
        }
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let bytes = std::fs::read(&p).unwrap();
                // loading a large workbook takes seconds in a debug build; the one such file
                // (tecan_icontrol_xlsx/sample_ODs.xlsx, 690 KB) is another vendor's
                if bytes.len() > MAX_CROSS_CHECK_BYTES && folder.starts_with("tecan") {
                    continue;
                }
                let Ok(input) = Input::new("f", &bytes) else {
                    continue;
                };
                let got = (
                    bmg::detect_mars(&input),
                    bmg::detect_smart_control(&input),
                    envision::detect(&input),
                    kaleido::detect(&input),
                );
                let want = (
                    folder == "bmg_mars_allotropy",
                    folder == "bmg_smartcontrol_allotropy",
                    folder == "envision_allotropy",
                    folder == "kaleido_allotropy",
                );
                assert_eq!(got, want, "{}", p.display());
                n += 1;
            }
        }
    }
    assert!(n > 50, "only {n} files checked");
}
