//! `PerkinElmer`/Revvity `EnVision` CSV against the real exports in
//! `../shared/ref/plates/envision_allotropy/`.

mod common;
mod vendor_csv;

use platesyn_plate::formats::{Input, envision};
use platesyn_plate::{PlateFormat, SourceFormat, Value, read_bytes};
use vendor_csv::{
    compare_expected, expected_for, files, read, spot_check, tally, value_at, value_count,
};

const FOLDER: &str = "envision_allotropy";
const MISSING_HEADER: &str = "example01_missing_header_error.csv";

type Spot = (&'static str, &'static str, &'static str, Option<f64>);

const CH1: &str = "AC HTRF Laser [Eu](1) - channel 1 window 1 (Counts)";
const CH2: &str = "AC HTRF Laser [Eu](1) - channel 2 window 1 (Counts)";
const LUM: &str = "0_1 US LUM 384(1) - channel 0 (CPS)";
const LUM_P1: &str = "8/22/2023 11:01:43 AM";
const LUM_P2: &str = "8/22/2023 12:16:57 PM";

/// Hand-read spot values `(plate, read, well, value)`; `None` = blank cell in the file.
fn spots(name: &str) -> &'static [Spot] {
    match name {
        // channel 1 grid `A,31441,31278,31727,,32350,...` and `H,3266,...,3339,,,...`;
        // channel 2 grid `A,80368,...` and `H,81011,...,81633,,,...`
        "PE_Envision_extra_espaces.csv" | "PE_Envision_fluorescence_example01.csv" => &[
            ("Plate 1", CH1, "A1", Some(31441.0)),
            ("Plate 1", CH1, "A4", None),
            ("Plate 1", CH1, "A5", Some(32350.0)),
            ("Plate 1", CH1, "H7", Some(3339.0)),
            ("Plate 1", CH1, "H8", None),
            ("Plate 1", CH2, "A1", Some(80368.0)),
            ("Plate 1", CH2, "H7", Some(81633.0)),
        ],
        // bare grids: plate 1 line 5 `5230093,...,103760,,,,,`, lines 9-12 `,,,,` (rows E-H
        // not read); plate 2 line 18 `4817678,...,397881,` and line 25 `...,16328,`;
        // plate 5 line 57 `2475378,...`
        "PE_Envision_fluorescence_example02.csv" => &[
            ("Plate 1", "Alexa-488(1)", "A1", Some(5_230_093.0)),
            ("Plate 1", "Alexa-488(1)", "A8", Some(103_760.0)),
            ("Plate 1", "Alexa-488(1)", "A9", None),
            ("Plate 1", "Alexa-488(1)", "E1", None),
            ("Plate 2", "Alexa-488(1)", "A1", Some(4_817_678.0)),
            ("Plate 2", "Alexa-488(1)", "A12", Some(397_881.0)),
            ("Plate 2", "Alexa-488(1)", "H12", Some(16328.0)),
            ("Plate 5", "Alexa-488(1)", "A1", Some(2_475_378.0)),
        ],
        // bare 16 x 24 grid, line 9 `512740,...,554048,` and line 24 `2600,...,2692,`
        "PE_Envision_fluorescence_example03.csv" => &[
            (
                "LoP_pool",
                "GENE - HTS Screen 384 Plate(1)",
                "A1",
                Some(512_740.0),
            ),
            (
                "LoP_pool",
                "GENE - HTS Screen 384 Plate(1)",
                "A24",
                Some(554_048.0),
            ),
            (
                "LoP_pool",
                "GENE - HTS Screen 384 Plate(1)",
                "P1",
                Some(2600.0),
            ),
            (
                "LoP_pool",
                "GENE - HTS Screen 384 Plate(1)",
                "P24",
                Some(2692.0),
            ),
        ],
        // plate 1 (barcode 81) measured grid lines 34-49: `20,36,...,16,` ... `28,...,32,16,`;
        // plate 2 measured grid lines 84-99: `4,8,...,8,0,` ... `4,4,...,4,8,`
        "PE_Envision_fluorescence_example04.csv" => &[
            ("81", "RA 384 OptiPlate(1)", "A1", Some(20.0)),
            ("81", "RA 384 OptiPlate(1)", "A2", Some(36.0)),
            ("81", "RA 384 OptiPlate(1)", "P24", Some(16.0)),
            (
                "8/22/2023 10:46:25 AM",
                "HTS 384 OptiPlate(1)",
                "A1",
                Some(4.0),
            ),
            (
                "8/22/2023 10:46:25 AM",
                "HTS 384 OptiPlate(1)",
                "A24",
                Some(0.0),
            ),
            (
                "8/22/2023 10:46:25 AM",
                "HTS 384 OptiPlate(1)",
                "P24",
                Some(8.0),
            ),
        ],
        // only rows A, E, I, M are in this file: plate 1 line 26 `A,0,40,...,40,40,`,
        // line 29 `M,40,...,0,`; plate 2 line 56 `A,40,0,...,40,0,`, line 59 `M,0,...,40,`
        "PE_Envision_luminescence_example01.csv" => &[
            (LUM_P1, LUM, "A1", Some(0.0)),
            (LUM_P1, LUM, "A2", Some(40.0)),
            (LUM_P1, LUM, "B1", None),
            (LUM_P1, LUM, "M24", Some(0.0)),
            (LUM_P2, LUM, "A1", Some(40.0)),
            (LUM_P2, LUM, "M24", Some(40.0)),
        ],
        // full plates: plate 1 lines 38 `A,0,40,...,40,40,` and 53 `P,0,40,...,0,0,`;
        // plate 2 lines 92 `A,40,0,...` and 107 `P,0,0,...,40,40,`
        "PE_Envision_missing_plate_maps.csv" => &[
            (LUM_P1, LUM, "A1", Some(0.0)),
            (LUM_P1, LUM, "A24", Some(40.0)),
            (LUM_P1, LUM, "P24", Some(0.0)),
            (LUM_P2, LUM, "A1", Some(40.0)),
            (LUM_P2, LUM, "P24", Some(40.0)),
        ],
        _ => &[],
    }
}

#[test]
fn every_envision_file() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let all = files(&root, FOLDER);
    assert_eq!(all.len(), 10);
    let mut ok = 0;
    for path in &all {
        let (name, res) = read(path);
        if name == MISSING_HEADER {
            let e = res.expect_err("missing header must fail").to_string();
            assert!(
                e.contains(MISSING_HEADER)
                    && e.contains("line 21")
                    && e.contains("Plate information"),
                "{e}"
            );
            tally(FOLDER, &name, "failed (expected)", &e);
            continue;
        }
        let pf = res.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pf.format, SourceFormat::Envision, "{name}");
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
        ok += 1;
    }
    assert_eq!(ok, 9);
}

/// The reference has no wavelength for `EnVision`; the files do: `A450` uses filter `BFP 450`
/// (`CWL=450nm`), `BCA Absorbance @ 562` has `Excitation wavelength,,,,562 nm`.
#[test]
fn absorbance_wavelengths_from_labels_and_filters() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(FOLDER);
    let a = platesyn_plate::read_path(&dir.join("PE_Envision_absorbance_A450_example.csv"), None)
        .unwrap();
    assert_eq!(a.plates.len(), 2);
    for p in &a.plates {
        assert_eq!(p.reads.len(), 1);
        assert_eq!(p.reads[0].wavelength_nm, Some(450.0));
        assert_eq!(p.format, PlateFormat::W96);
    }
    let b =
        platesyn_plate::read_path(&dir.join("PE_Envision_absorbance_example01.csv"), None).unwrap();
    assert_eq!(b.plates[0].reads[0].wavelength_nm, Some(562.0));
    assert_eq!(b.plates[0].format, PlateFormat::W384);
    // plate 2 is an Alpha read (Em=Top, Ex=N/A): no wavelength; its calculated
    // crosstalk section is skipped, so one read only
    assert_eq!(b.plates[1].reads.len(), 1);
    assert_eq!(b.plates[1].reads[0].wavelength_nm, None);
}

/// Special token: `="..."` barcodes (quoted and doubled quotes) and `=""` (none -> `Plate N`).
#[test]
fn token_excel_formula_barcodes() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(FOLDER);
    let b =
        platesyn_plate::read_path(&dir.join("PE_Envision_absorbance_example01.csv"), None).unwrap();
    assert_eq!(b.plates[0].id, "8/22/2023 10:50:28 AM");
    let a = platesyn_plate::read_path(&dir.join("PE_Envision_absorbance_A450_example.csv"), None)
        .unwrap();
    assert_eq!(a.plates[0].id, "Plate 1");
    assert_eq!(a.plates[1].id, "Plate 2");
}

/// Special token: trailing zeros and `0.0` (`0.1500`, `40.000`, `0.0`) are plain numbers;
/// bare all-blank rows (`,,,,,,,,,,,,`) are uncovered wells, not zeros.
#[test]
fn token_number_forms_and_blank_rows() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(FOLDER);
    let a = platesyn_plate::read_path(&dir.join("PE_Envision_absorbance_A450_example.csv"), None)
        .unwrap();
    // line 12 `A,0.1500,0.0850,...`
    assert_eq!(
        value_at(&a, "Plate 1", "450", "A1"),
        Some(Value::Number(0.15))
    );
    let f = platesyn_plate::read_path(&dir.join("PE_Envision_fluorescence_example02.csv"), None)
        .unwrap();
    let p1 = &f.plates[0];
    assert_eq!(p1.reads[0].values.iter().flatten().count(), 32);
    assert!(p1.reads[0].values[4 * 12..].iter().all(Option::is_none));
    // `0.0` in a measured grid (calculated sections use it too)
    let text = "Plate information\nPlate,Repeat,Barcode,Label,Measinfo,\n1,1,=\"\",L(1),De=1st,\n\n\
                Results for L(1)\n,01,02,\nA,0.0,40.000,\n";
    let p = read_bytes("t.csv", text.as_bytes(), None).unwrap();
    assert_eq!(
        value_at(&p, "Plate 1", "L(1)", "A1"),
        Some(Value::Number(0.0))
    );
    assert_eq!(
        value_at(&p, "Plate 1", "L(1)", "A2"),
        Some(Value::Number(40.0))
    );
}

/// Special token: zero-padded column headers `,01,02,...` are columns 1, 2, ...
#[test]
fn token_zero_padded_columns() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let a = platesyn_plate::read_path(
        &root
            .join("plates")
            .join(FOLDER)
            .join("PE_Envision_absorbance_A450_example.csv"),
        None,
    )
    .unwrap();
    // line 19 `H,0.1800,...,0.0950,0.0950,` -> H12
    assert_eq!(
        value_at(&a, "Plate 1", "450", "H12"),
        Some(Value::Number(0.095))
    );
    assert_eq!(
        value_at(&a, "Plate 1", "450", "A10"),
        Some(Value::Number(0.65))
    );
}

#[test]
fn detection_is_by_content() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    for path in files(&root, FOLDER) {
        let bytes = std::fs::read(&path).unwrap();
        let input = Input::new("f", &bytes).unwrap();
        assert!(envision::detect(&input), "{}", path.display());
    }
}
