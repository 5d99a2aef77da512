//! Gen5 conformance over every file in `../shared/ref/plates/gen5_allotropy/` (and the Gen5
//! xlsx exports in `mtphandler/`): expected tables, spot values read by eye, refusals, errors.

mod common;
mod gen5_softmax_support;

use std::path::Path;

use gen5_softmax_support::{Outcome, compare, files_in, is_refusal, tally, value_at};
use platesyn_plate::{Flag, PlateError, SourceFormat, Value, read_path};

const FOLDER: &str = "gen5_allotropy";

/// Files with an expected table (compared in full).
const WITH_EXPECTED: [&str; 11] = [
    "010307_114129_BNCH654563_stdcurve_singleplate01.txt",
    "240411_172731_BNCH2345883_abs450_96well_non_numeric_values.txt",
    "Lowry_Protein_Assay_no_results_matrix.txt",
    "absorbance_error_document_example.txt",
    "endpoint_pathlength_correct_singleplate.txt",
    "endpoint_pathlength_correct_singleplate_no_pm_in_time.txt",
    "endpoint_stdcurve_singleplate.txt",
    "endpoint_stdcurve_singleplate_2.txt",
    "endpoint_wavelength_measurement_labels.txt",
    "multiple_read_modes.txt",
    "two_same_read_modes.txt",
];

/// Spot values read by eye: (file, plate, read, well, value, where in the file).
const SPOTS: [(&str, &str, &str, &str, f64, &str); 15] = [
    // UTF-16LE, three plates, 630 nm
    (
        "endpoint_stdcurve_multiplate.txt",
        "Plate 1",
        "630",
        "A1",
        3.481,
        "line 50 col 1",
    ),
    (
        "endpoint_stdcurve_multiplate.txt",
        "Plate 2",
        "630",
        "A1",
        3.496,
        "line 129 col 1",
    ),
    (
        "endpoint_stdcurve_multiplate.txt",
        "Plate 3",
        "630",
        "H12",
        0.241,
        "line 229 col 12",
    ),
    (
        "endpoint_stdcurve_multiplate.txt",
        "Plate 2",
        "630",
        "H4",
        0.304,
        "line 150 col 4",
    ),
    // luminescence, three plates
    (
        "exclude__endpoint_multiplate.txt",
        "Plate 1",
        "LUM:Lum",
        "A1",
        8366.0,
        "line 47 col 1",
    ),
    (
        "exclude__endpoint_multiplate.txt",
        "Plate 2",
        "LUM:Lum",
        "A12",
        269.0,
        "line 110 col 12",
    ),
    (
        "exclude__endpoint_multiplate.txt",
        "Plate 3",
        "LUM:Lum",
        "H1",
        336.0,
        "line 187 col 1",
    ),
    // fluorescence, two filter sets
    (
        "endpoint_multiplate.txt",
        "Plate 1",
        "DAPI/GFP:360/40,460/40",
        "A1",
        9303.0,
        "line 49 col 1",
    ),
    (
        "endpoint_multiplate.txt",
        "Plate 1",
        "DAPI/GFP:485/20,528/20",
        "A2",
        6500.0,
        "line 50 col 2",
    ),
    (
        "endpoint_singleplate.txt",
        "Plate 1",
        "DAPI/GFP:360/40,460/40",
        "H12",
        9160.0,
        "line 91 col 12",
    ),
    (
        "endpoint_singleplate.txt",
        "Plate 1",
        "DAPI/GFP:485/20,528/20",
        "H1",
        436.0,
        "line 92 col 1",
    ),
    (
        "luminescence__endpoint_singleplate.txt",
        "Plate 1",
        "LUM:Lum",
        "A1",
        8718.0,
        "line 47 col 1",
    ),
    (
        "luminescence__endpoint_singleplate.txt",
        "Plate 1",
        "LUM:Lum",
        "H7",
        920.0,
        "line 61 col 7",
    ),
    (
        "alphalisa_endpoint_singleplate.txt",
        "Plate 1",
        "Alpha",
        "A2",
        2.0,
        "line 57 col 2",
    ),
    (
        "alphalisa_endpoint_singleplate.txt",
        "Plate 1",
        "Alpha",
        "A4",
        0.0,
        "line 57 col 4",
    ),
];

/// Kinetic, spectrum and area-scan files: refused, with the message part that must appear.
const REFUSED: [(&str, &str); 9] = [
    (
        "240307_114129_BNCH654563_spectralScan_example01.txt",
        "spectrum reads are not supported yet",
    ),
    ("spectrum_data.txt", "spectrum reads are not supported yet"),
    (
        "spectrum_data_with_nan_value.txt",
        "spectrum reads are not supported yet",
    ),
    (
        "Kinetic_Analysis_Mean_Slope_and_Standard_Curve_tab.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "kinetic_helper_gene_growth_curve.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "kinetic_multiplate.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "kinetic_singleplate.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "Synergy_instrument_datafile_(Fibrillation_data)_-_TXT_format.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "240307_125255_BNCH786865_areaScan_example01.txt",
        "area scan reads are not supported yet",
    ),
];

/// Error fixtures: (file, text the message must contain).
const ERRORS: [(&str, &str); 3] = [
    ("garbage_error.txt", "garbage_error.txt"),
    ("missing_results_error.txt", "has no results"),
    (
        "calculated_data_with_no_measurements_error.txt",
        "only calculated rows",
    ),
];

#[test]
fn every_gen5_file_is_read_refused_or_fails_clearly() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates").join(FOLDER);
    let exp_dir = shared.join("plates/expected").join(FOLDER);
    let mut covered = 0;
    for name in files_in(&dir) {
        let path = dir.join(&name);
        let outcome = if WITH_EXPECTED.contains(&name.as_str()) {
            let f = read_path(&path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(f.format, SourceFormat::Gen5, "{name}");
            let expected = common::load_expected(&exp_dir.join(format!("{name}.expected.csv")));
            Outcome::Read(compare(&name, &f, &expected))
        } else if SPOTS.iter().any(|s| s.0 == name) {
            let f = read_path(&path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(f.format, SourceFormat::Gen5, "{name}");
            let mut n = 0;
            for &(_, plate, read, well, v, at) in SPOTS.iter().filter(|s| s.0 == name) {
                assert_eq!(
                    value_at(&f, plate, read, well),
                    Some(Value::Number(v)),
                    "{name} {plate} {read} {well} ({at})"
                );
                n += 1;
            }
            Outcome::Read(n)
        } else if let Some(&(_, msg)) = REFUSED.iter().find(|r| r.0 == name) {
            let e = read_path(&path, None).expect_err(&name);
            assert!(is_refusal(&e), "{name}: {e:?}");
            let text = e.to_string();
            assert!(text.contains(msg) && text.contains(&name), "{name}: {text}");
            assert!(text.contains("line "), "{name}: {text}");
            Outcome::Refused(text)
        } else if let Some(&(_, msg)) = ERRORS.iter().find(|r| r.0 == name) {
            // forced as Gen5, so the Gen5 parser itself has to explain what is wrong
            let e = read_path(&path, Some(SourceFormat::Gen5)).expect_err(&name);
            let text = e.to_string();
            assert!(matches!(e, PlateError::Parse { .. }), "{name}: {e:?}");
            assert!(
                text.contains(&name) && text.contains("line "),
                "{name}: {text}"
            );
            assert!(text.contains(msg), "{name}: {text}");
            Outcome::Failed(text)
        } else {
            panic!("{name}: not classified in this test; add it to one of the tables");
        };
        tally(FOLDER, &name, &outcome);
        covered += 1;
    }
    assert_eq!(covered, 29, "files in {FOLDER}");
}

#[test]
fn garbage_is_not_detected_as_gen5() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let e = read_path(
        &shared.join("plates/gen5_allotropy/garbage_error.txt"),
        None,
    )
    .expect_err("garbage");
    assert!(e.to_string().contains("garbage_error.txt"), "{e}");
}

#[test]
fn gen5_xlsx_exports_in_mtphandler_are_kinetic_and_refused() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    for name in [
        "BioTek_Epoch2.xlsx",
        "20240719_biotek_FDH.V9_0.02enzyme_kinetics.xlsx",
    ] {
        let e = read_path(&shared.join("plates/mtphandler").join(name), None).expect_err(name);
        let text = e.to_string();
        assert!(
            text.contains("kinetic reads are not supported yet"),
            "{name}: {text}"
        );
        tally("mtphandler", name, &Outcome::Refused(text));
    }
}

fn gen5(shared: &Path, name: &str) -> platesyn_plate::PlateFile {
    read_path(&shared.join("plates/gen5_allotropy").join(name), None).expect(name)
}

#[test]
fn token_ovrflw_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // 240411_..._non_numeric_values.txt line 29: A8 is OVRFLW; A7 is 2.270
    let f = gen5(
        &shared,
        "240411_172731_BNCH2345883_abs450_96well_non_numeric_values.txt",
    );
    assert_eq!(f.plates[0].id, "BNCH2345883");
    assert_eq!(
        value_at(&f, "BNCH2345883", "450", "A8"),
        Some(Value::Flag(Flag::Overflow))
    );
    assert_eq!(
        value_at(&f, "BNCH2345883", "450", "A7"),
        Some(Value::Number(2.27))
    );
    let r = f.plates[0].read("450").unwrap();
    let n = r
        .values
        .iter()
        .filter(|v| **v == Some(Value::Flag(Flag::Overflow)))
        .count();
    assert_eq!(n, 8);
}

#[test]
fn token_missed_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // same file, line 32: D12 is MISSED
    let f = gen5(
        &shared,
        "240411_172731_BNCH2345883_abs450_96well_non_numeric_values.txt",
    );
    assert_eq!(
        value_at(&f, "BNCH2345883", "450", "D12"),
        Some(Value::Flag(Flag::Missed))
    );
    let r = f.plates[0].read("450").unwrap();
    let n = r
        .values
        .iter()
        .filter(|v| **v == Some(Value::Flag(Flag::Missed)))
        .count();
    assert_eq!(n, 5);
}

#[test]
fn token_asterisk_value_is_masked_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // Lowry_Protein_Assay_no_results_matrix.txt: block `660`, row H, column 3 is `*0.356*`
    let f = gen5(&shared, "Lowry_Protein_Assay_no_results_matrix.txt");
    assert_eq!(
        value_at(&f, "Plate 1", "660", "H3"),
        Some(Value::Flag(Flag::Masked))
    );
    assert_eq!(
        value_at(&f, "Plate 1", "660", "H4"),
        Some(Value::Number(0.459))
    );
}

#[test]
fn token_ovrflw_in_partial_results_grid() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // absorbance_error_document_example.txt: only row A is exported; A1 is OVRFLW
    let f = gen5(&shared, "absorbance_error_document_example.txt");
    let p = &f.plates[0];
    assert_eq!(
        value_at(&f, "Plate 1", "260", "A1"),
        Some(Value::Flag(Flag::Overflow))
    );
    assert_eq!(
        value_at(&f, "Plate 1", "260", "B1"),
        None,
        "row B is not in the export"
    );
    assert_eq!(p.reads.len(), 1);
}

#[test]
fn utf16_and_utf8_bom_files_decode() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // endpoint_stdcurve_singleplate_2.txt starts with a UTF-8 BOM
    let f = gen5(&shared, "endpoint_stdcurve_singleplate_2.txt");
    assert_eq!(f.plates.len(), 1);
    // endpoint_stdcurve_multiplate.txt is UTF-16LE with BOM, three reports
    let f = gen5(&shared, "endpoint_stdcurve_multiplate.txt");
    let ids: Vec<&str> = f.plates.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["Plate 1", "Plate 2", "Plate 3"]);
}

#[test]
fn tokens_in_calculated_rows_of_real_file_are_flags() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // Lowry_Protein_Assay_no_results_matrix.txt, `Conc` block (calculated, so skipped by the
    // parser): row A column 1 is `<0.000`, row H column 3 is `?????`. The tokens themselves
    // must come out as flags, never as numbers.
    let text = std::fs::read_to_string(
        shared.join("plates/gen5_allotropy/Lowry_Protein_Assay_no_results_matrix.txt"),
    )
    .expect("readable");
    let conc_rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.trim_end().ends_with("\tConc"))
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(conc_rows.len(), 8);
    assert_eq!(conc_rows[0][1], "<0.000");
    assert_eq!(
        platesyn_plate::text::parse_value(conc_rows[0][1], false),
        Some(Value::Flag(Flag::OutOfRangeLow))
    );
    assert_eq!(conc_rows[7][3], "?????");
    assert_eq!(
        platesyn_plate::text::parse_value(conc_rows[7][3], false),
        Some(Value::Flag(Flag::CalcFailed))
    );
    // and the parsed plate holds the raw 660 nm reading there, not the Conc value
    let f = gen5(&shared, "Lowry_Protein_Assay_no_results_matrix.txt");
    assert_eq!(
        value_at(&f, "Plate 1", "660", "A1"),
        Some(Value::Number(0.044))
    );
    assert_eq!(f.plates[0].reads.len(), 1);
}

#[test]
fn no_other_vendor_sample_is_taken_for_gen5_or_softmax() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let plates = shared.join("plates");
    let mut checked = 0;
    for folder in files_in(&plates) {
        let dir = plates.join(&folder);
        if !dir.is_dir()
            || matches!(
                folder.as_str(),
                "gen5_allotropy" | "softmax_allotropy" | "expected"
            )
        {
            continue;
        }
        for name in files_in(&dir) {
            let path = dir.join(&name);
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let Ok(input) = platesyn_plate::formats::Input::new(&name, &bytes) else {
                continue;
            };
            let gen5_xlsx = folder == "mtphandler"
                && matches!(
                    name.as_str(),
                    "BioTek_Epoch2.xlsx" | "20240719_biotek_FDH.V9_0.02enzyme_kinetics.xlsx"
                );
            // the SoftMax Pro text export in mtphandler/ and the XML export in softermax/
            let softmax_txt = name == "Spectramax190_molecular_Devices.txt"
                || name == "crystal_violet_dilutions.xml";
            assert_eq!(
                platesyn_plate::formats::gen5::detect(&input),
                gen5_xlsx,
                "{folder}/{name}"
            );
            assert_eq!(
                platesyn_plate::formats::softmax::detect(&input),
                softmax_txt,
                "{folder}/{name}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} files checked");
}
