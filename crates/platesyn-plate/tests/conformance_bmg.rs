//! BMG LABTECH MARS CSV and SMART Control xlsx against the real exports in
//! `../shared/ref/plates/bmg_mars_allotropy/` and `bmg_smartcontrol_allotropy/`.

mod common;
mod vendor_csv;

use platesyn_plate::formats::{Input, bmg};
use platesyn_plate::{Flag, PlateFormat, SourceFormat, Value, read_bytes};
use vendor_csv::{
    compare_expected, expected_for, files, read, spot_check, tally, value_at, value_count,
};

const MARS: &str = "bmg_mars_allotropy";
const SMART: &str = "bmg_smartcontrol_allotropy";

/// Hand-read spot values `(plate, read, well, value)` for files without an expected table.
/// `None` = the cell is blank in the file (well not covered).
fn mars_spots(name: &str) -> &'static [(&'static str, &'static str, &'static str, Option<f64>)] {
    match name {
        // line 10 `A,25104,...`; line 24 `O,68426,60666,65656,66138,63289,107,...,94,,59,,...`;
        // line 25 `P,63471,...,103,,62,...`
        "16-02-29_14-34-46_Transcreener_ADP2_FI.csv"
        | "MARS_V3.40_V2_Output_Missing_line_end_separators.csv" => &[
            ("black 384w small volume", "580/620", "A1", Some(25104.0)),
            ("black 384w small volume", "580/620", "A20", Some(24361.0)),
            ("black 384w small volume", "580/620", "A21", None),
            ("black 384w small volume", "580/620", "O6", Some(107.0)),
            ("black 384w small volume", "580/620", "O11", None),
            ("black 384w small volume", "580/620", "O12", Some(59.0)),
            ("black 384w small volume", "580/620", "O13", None),
            ("black 384w small volume", "580/620", "P12", Some(62.0)),
        ],
        // line 10 `A,23864,23796,23934,,,...,231438,228111,...,24069,24096,24098`,
        // line 13 `D,,,,...,2679,2661,...`, line 25 `P,...,23715,23502,23949`
        "16-03-03_13-25-45_472_QC_384_FI.csv" => &[
            ("472-0016", "485/520", "A1", Some(23864.0)),
            ("472-0016", "485/520", "A4", None),
            ("472-0016", "485/520", "A12", Some(231_438.0)),
            ("472-0016", "485/520", "A24", Some(24098.0)),
            ("472-0016", "485/520", "D1", None),
            ("472-0016", "485/520", "D12", Some(2679.0)),
            ("472-0016", "485/520", "P24", Some(23949.0)),
        ],
        // line 10 `A,985,831,...,12623282,88396`; line 11 `G,79187,21272893,...`;
        // line 15 `e,36809,7509461,...,19500` (row e = AE, the 31st row of a 1536 plate)
        "24-10-16_15-09-52_Luminescence_1536.csv" => &[
            ("92A_4", "No filter", "A1", Some(985.0)),
            ("92A_4", "No filter", "A48", Some(88396.0)),
            ("92A_4", "No filter", "G2", Some(21_272_893.0)),
            ("92A_4", "No filter", "B1", None),
            ("92A_4", "No filter", "AE1", Some(36809.0)),
            ("92A_4", "No filter", "AE48", Some(19500.0)),
            ("92A_4", "No filter", "E1", None),
        ],
        _ => &[],
    }
}

/// Sheet `Microplate End point`, grid `4. Raw Data (480-14/520-30)` rows 51..58.
fn smart_spots(name: &str) -> &'static [(&'static str, &'static str, &'static str, Option<f64>)] {
    match name {
        // B51 = 4180171, E51 = 141150, K51 empty, K58 = 33324, M58 = 32522
        "fluroescence_endpoint_example1.xlsx" => &[
            (
                "RiboGreen NB-user-5097655-0067",
                "480-14/520-30",
                "A1",
                Some(4_180_171.0),
            ),
            (
                "RiboGreen NB-user-5097655-0067",
                "480-14/520-30",
                "A4",
                Some(141_150.0),
            ),
            (
                "RiboGreen NB-user-5097655-0067",
                "480-14/520-30",
                "A10",
                None,
            ),
            (
                "RiboGreen NB-user-5097655-0067",
                "480-14/520-30",
                "H10",
                Some(33324.0),
            ),
            (
                "RiboGreen NB-user-5097655-0067",
                "480-14/520-30",
                "H12",
                Some(32522.0),
            ),
        ],
        // B51 = 8168026, M51 = 184081, B58 = 15375, M58 = 15882
        "fluorescence_endpoint_example2.xlsx" => &[
            (
                "PicoGreen NB-user-5097655-0069",
                "480-14/520-30",
                "A1",
                Some(8_168_026.0),
            ),
            (
                "PicoGreen NB-user-5097655-0069",
                "480-14/520-30",
                "A12",
                Some(184_081.0),
            ),
            (
                "PicoGreen NB-user-5097655-0069",
                "480-14/520-30",
                "H1",
                Some(15375.0),
            ),
            (
                "PicoGreen NB-user-5097655-0069",
                "480-14/520-30",
                "H12",
                Some(15882.0),
            ),
        ],
        _ => &[],
    }
}

const MALFORMED: &str = "file_with_no_delimiter_malformed.csv";

#[test]
fn every_mars_file() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let all = files(&root, MARS);
    assert_eq!(all.len(), 8, "files in {MARS}");
    let mut checked = 0;
    for path in &all {
        let (name, res) = read(path);
        if name == MALFORMED {
            let e = res.expect_err("malformed header must fail").to_string();
            assert!(
                e.contains(MALFORMED) && e.contains("line 1") && e.contains("User = USER"),
                "{e}"
            );
            tally(MARS, &name, "failed (expected)", &e);
            continue;
        }
        let pf = res.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pf.format, SourceFormat::BmgMars, "{name}");
        assert_eq!(pf.plates.len(), 1, "{name}");
        if let Some(rows) = expected_for(&root, MARS, path) {
            // allotropy reports `Raw Data (450 1)` as 1 nm (see expected/README.md); 450 is right
            let alias = name == "BMG_Labtech_format.CSV";
            let n = compare_expected(&pf, &rows, &|want, got| {
                want == got || (alias && want == "1" && got == "450")
            });
            tally(
                MARS,
                &name,
                "read",
                &format!("{n}/{} expected values matched", rows.len()),
            );
        } else {
            let spots = mars_spots(&name);
            assert!(!spots.is_empty(), "{name}: no spot values");
            let n = spot_check(&pf, spots);
            tally(
                MARS,
                &name,
                "read",
                &format!("{n}/{n} spot values matched, {} values", value_count(&pf)),
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

#[test]
fn every_smart_control_file() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let all = files(&root, SMART);
    assert_eq!(all.len(), 2);
    for path in &all {
        let (name, res) = read(path);
        let pf = res.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pf.format, SourceFormat::BmgSmartControl, "{name}");
        assert_eq!(pf.plates.len(), 1);
        assert_eq!(pf.plates[0].format, PlateFormat::W96);
        // one raw read; the blank-corrected grid and layout/standards/dilutions are not reads
        assert_eq!(pf.plates[0].reads.len(), 1, "{name}");
        assert_eq!(
            pf.plates[0].metadata.get("mode").map(String::as_str),
            Some("Fluorescence (FI)")
        );
        let n = spot_check(&pf, smart_spots(&name));
        assert!(n > 0);
        tally(
            SMART,
            &name,
            "read",
            &format!("{n}/{n} spot values matched, {} values", value_count(&pf)),
        );
    }
}

#[test]
fn mars_wavelengths_and_geometry() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(MARS);
    let get = |n: &str| platesyn_plate::read_path(&dir.join(n), None).unwrap();
    // `Raw Data (450 1)` is 450 nm; `Raw Data  (450)` (two spaces) too; `Raw Data (484)`
    let p = get("BMG_Labtech_format.CSV");
    assert_eq!(p.plates[0].reads[0].wavelength_nm, Some(450.0));
    assert_eq!(p.plates[0].reads[0].label, "450 1");
    let p = get("PHERAstar_output_file.CSV");
    assert_eq!(p.plates[0].reads[0].wavelength_nm, Some(450.0));
    let p = get("16-03-03_16-54-03_472_ABS_384_QC.csv");
    assert_eq!(p.plates[0].format, PlateFormat::W384);
    assert_eq!(p.plates[0].reads[0].name(), "484");
    // fluorescence keeps the filter pair as its name, no wavelength
    let p = get("16-03-03_13-25-45_472_QC_384_FI.csv");
    assert_eq!(p.plates[0].reads[0].wavelength_nm, None);
    assert_eq!(p.plates[0].reads[0].name(), "485/520");
    let p = get("24-10-16_15-09-52_Luminescence_1536.csv");
    assert_eq!(p.plates[0].format, PlateFormat::W1536);
    assert_eq!(value_count(&p), 6 * 48);
}

/// Special token: trailing delimiter present (Transcreener, `...,,,,`) or absent with rows
/// cut short (MARS 3.40 `Missing_line_end_separators`): both give the same plate.
#[test]
fn token_trailing_delimiters_and_short_rows() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates").join(MARS);
    let a = platesyn_plate::read_path(
        &dir.join("16-02-29_14-34-46_Transcreener_ADP2_FI.csv"),
        None,
    )
    .unwrap();
    let b = platesyn_plate::read_path(
        &dir.join("MARS_V3.40_V2_Output_Missing_line_end_separators.csv"),
        None,
    )
    .unwrap();
    assert_eq!(a.plates[0].reads, b.plates[0].reads);
    assert_eq!(value_count(&a), 302);
}

/// Special token: blank cells of a partial plate are uncovered wells, never zeros.
#[test]
fn token_blank_cells_are_not_zero() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let p = platesyn_plate::read_path(
        &root
            .join("plates")
            .join(MARS)
            .join("16-03-03_16-54-03_472_ABS_384_QC.csv"),
        None,
    )
    .unwrap();
    // line 19 `J,,,,...` is all blank; line 12 `C,2.368,...,2.412,,,...` stops at C6
    assert_eq!(value_at(&p, "472-0016", "484", "J1"), None);
    assert_eq!(value_at(&p, "472-0016", "484", "C7"), None);
    assert_eq!(
        value_at(&p, "472-0016", "484", "C6"),
        Some(Value::Number(2.412))
    );
    assert!(
        p.plates[0].reads[0]
            .values
            .iter()
            .flatten()
            .all(|v| v.number().is_some())
    );
}

/// Special token: lowercase row letters `a`..`f` are rows 27..32 of a 1536-well plate.
#[test]
fn token_lowercase_rows_on_1536() {
    let text = "User: U,Test name: T\nID1: P\nLuminescence\n\nRaw Data (No filter)\n\n,1,2\nA,1,2\nf,3,4\n";
    let p = read_bytes("l.csv", text.as_bytes(), None).unwrap();
    assert_eq!(p.plates[0].format, PlateFormat::W1536);
    assert_eq!(
        value_at(&p, "P", "No filter", "AF2"),
        Some(Value::Number(4.0))
    );
}

/// Reader flags in a real file's grid (the MARS files here hold none; `OVER`/`overflow` are
/// what MARS writes for saturated wells): substituted into the real ABS 384 export.
#[test]
fn token_reader_flags_become_flags() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let text = std::fs::read_to_string(
        root.join("plates")
            .join(MARS)
            .join("16-03-03_16-54-03_472_ABS_384_QC.csv"),
    )
    .unwrap();
    let text = text
        .replacen("C,2.368,2.496,2.47,2.477", "C,OVER,overflow,NaN,Masked", 1)
        .replacen("D,1.226,", "D,Range,", 1);
    let p = read_bytes("x.csv", text.as_bytes(), None).unwrap();
    for (well, flag) in [
        ("C1", Flag::Overflow),
        ("C2", Flag::Overflow),
        ("C3", Flag::Nan),
        ("C4", Flag::Masked),
        ("D1", Flag::OutOfRangeHigh),
    ] {
        assert_eq!(
            value_at(&p, "472-0016", "484", well),
            Some(Value::Flag(flag)),
            "{well}"
        );
    }
    let bad = text.replacen("D,Range,", "D,1.2x,", 1);
    let e = read_bytes("x.csv", bad.as_bytes(), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("x.csv, line 13, well D1") && e.contains("`1.2x`"),
        "{e}"
    );
}

#[test]
fn detection_is_by_content() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    for path in files(&root, MARS) {
        let bytes = std::fs::read(&path).unwrap();
        let input = Input::new("f", &bytes).unwrap();
        assert!(bmg::detect_mars(&input), "{}", path.display());
        assert!(!bmg::detect_smart_control(&input));
    }
    for path in files(&root, SMART) {
        let bytes = std::fs::read(&path).unwrap();
        let input = Input::new("f", &bytes).unwrap();
        assert!(bmg::detect_smart_control(&input), "{}", path.display());
        assert!(!bmg::detect_mars(&input));
    }
}
