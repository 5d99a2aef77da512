//! SoftMax Pro conformance over every file in `../shared/ref/plates/softmax_allotropy/` and the
//! SoftMax export in `mtphandler/`: expected tables, spot values read by eye, refusals, errors.

mod common;
mod gen5_softmax_support;

use gen5_softmax_support::{Outcome, compare, files_in, is_refusal, tally, value_at};
use platesyn_plate::{Flag, PlateError, SourceFormat, Value, read_path};

const FOLDER: &str = "softmax_allotropy";

/// Files with an expected table (compared in full).
const WITH_EXPECTED: [&str; 14] = [
    "MD_SMP_absorbance_endpoint_example01.txt",
    "MD_SMP_absorbance_endpoint_example02.txt",
    "MD_SMP_absorbance_endpoint_example04.txt",
    "MD_SMP_absorbance_endpoint_example05.txt",
    "MD_SMP_absorbance_endpoint_partial_plate_example01.txt",
    "MD_SMP_absorbance_endpoint_partial_plate_example02.txt",
    "MD_SMP_absorbance_endpoint_partial_plate_example03.txt",
    "MD_SMP_absorbance_endpoint_partial_plate_example04.txt",
    "MD_SMP_absorbance_endpoint_partial_plate_example05.txt",
    "abs_endpoint_plates.txt",
    "group_cols_with_int_sample_names.txt",
    "group_with_partial_rows.txt",
    "softmaxpro_example_group_with_missing_calc_column.txt",
    "softmaxpro_example_reduced.txt",
];

/// Spot values read by eye (line numbers counted in the UTF-8 transcoded file, which has the
/// same lines): (file, plate, read label, well, value, where).
const SPOTS: [(&str, &str, &str, &str, f64, &str); 7] = [
    // TimeFormat fluorescence, read area C3..F10
    (
        "MD_SMP_fluorescence_endpoint_partial_plate_example01.txt",
        "Plate1",
        "Ex 485 / Em 535",
        "C3",
        1_057_803.0,
        "line 4, first value",
    ),
    (
        "MD_SMP_fluorescence_endpoint_partial_plate_example01.txt",
        "Plate1",
        "Ex 550 / Em 610",
        "C3",
        3_437_488.0,
        "line 6, first value",
    ),
    (
        "MD_SMP_fluorescence_endpoint_partial_plate_example01.txt",
        "Plate1",
        "Ex 650 / Em 720",
        "F10",
        3_314_621.0,
        "line 8, last value",
    ),
    // PlateFormat fluorescence, same numbers
    (
        "MD_SMP_fluorescence_endpoint_partial_plate_example02.txt",
        "Plate1",
        "Ex 485 / Em 535",
        "C3",
        1_057_803.0,
        "line 6, column 3 of group 1",
    ),
    (
        "MD_SMP_fluorescence_endpoint_partial_plate_example02.txt",
        "Plate1",
        "Ex 650 / Em 720",
        "F10",
        3_314_621.0,
        "line 9, column 10 of group 3",
    ),
    // fluorescence + two luminescence plates
    (
        "softmaxpro_no_calc_docs.txt",
        "PLate1",
        "Ex 380 / Em 505",
        "A1",
        8723.182,
        "line 4, column 1",
    ),
    (
        "softmaxpro_no_calc_docs.txt",
        "Plate2",
        "Lum",
        "H1",
        3491.865,
        "line 23, column 1",
    ),
];

/// A third spot in the same file, kept apart to keep the table short.
const SPOT_PLATE3: (&str, &str, &str, &str, f64) = (
    "softmaxpro_no_calc_docs.txt",
    "Plate3",
    "Lum",
    "D2",
    35322.422,
); // line 31, column 2

/// Kinetic and spectrum files: refused (mtphandler/Spectramax190_molecular_Devices.txt is
/// checked in its own test).
const REFUSED: [(&str, &str); 4] = [
    (
        "fl_kinetic_plates.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "missing_kinetic_measurement.txt",
        "kinetic reads are not supported yet",
    ),
    (
        "spectramax340_kinetic_partial_plate.txt",
        "kinetic reads are not supported yet",
    ),
    ("partial_plate.txt", "spectrum reads are not supported yet"),
];

/// Error fixtures: (file, text the message must contain).
const ERRORS: [(&str, &str); 4] = [
    ("header_size_mismatch.txt", "header size mismatch"),
    ("missing_measurement_table_row.txt", "raw data has 3 row(s)"),
    (
        "multi-plate-block_non-unique_plate_ID.txt",
        "plate name `Plate01` is used by two",
    ),
    ("no_measurements.txt", "not closed by a `~End`"),
];

#[test]
fn every_softmax_file_is_read_refused_or_fails_clearly() {
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
            assert_eq!(f.format, SourceFormat::SoftMaxPro, "{name}");
            let expected = common::load_expected(&exp_dir.join(format!("{name}.expected.csv")));
            Outcome::Read(compare(&name, &f, &expected))
        } else if SPOTS.iter().any(|s| s.0 == name) {
            let f = read_path(&path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(f.format, SourceFormat::SoftMaxPro, "{name}");
            let mut n = 0;
            for &(_, plate, read, well, v, at) in SPOTS.iter().filter(|s| s.0 == name) {
                assert_eq!(
                    value_at(&f, plate, read, well),
                    Some(Value::Number(v)),
                    "{name} {plate} {read} {well} ({at})"
                );
                n += 1;
            }
            if name == SPOT_PLATE3.0 {
                let (_, plate, read, well, v) = SPOT_PLATE3;
                assert_eq!(value_at(&f, plate, read, well), Some(Value::Number(v)));
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
            let e = read_path(&path, None).expect_err(&name);
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
    assert_eq!(covered, 25, "files in {FOLDER}");
}

#[test]
fn spectramax190_in_mtphandler_is_kinetic_and_refused() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let name = "Spectramax190_molecular_Devices.txt";
    let e = read_path(&shared.join("plates/mtphandler").join(name), None).expect_err(name);
    let text = e.to_string();
    assert!(is_refusal(&e), "{e:?}");
    assert!(
        text.contains("kinetic reads are not supported yet"),
        "{text}"
    );
    assert!(text.contains("line 2"), "{text}");
    tally("mtphandler", name, &Outcome::Refused(text));
}

#[test]
fn token_path_question_mark_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // abs_endpoint_plates.txt line 20: B1 of the first 426 nm read is `Path?`
    let f = read_path(
        &shared.join("plates/softmax_allotropy/abs_endpoint_plates.txt"),
        None,
    )
    .expect("abs_endpoint_plates");
    assert_eq!(
        value_at(&f, "Plate1", "426", "B1"),
        Some(Value::Flag(Flag::CalcFailed))
    );
    // the two other 426 nm reads are labelled by their slot
    assert_eq!(
        value_at(&f, "Plate1", "426 (read 2)", "B1"),
        Some(Value::Number(0.26))
    );
}

#[test]
fn decimal_comma_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // abs_endpoint_plates.txt line 19: A2 of the first read is `0,02`; line 20 A2 is `0,14`
    let f = read_path(
        &shared.join("plates/softmax_allotropy/abs_endpoint_plates.txt"),
        None,
    )
    .expect("abs_endpoint_plates");
    assert_eq!(
        value_at(&f, "Plate1", "426", "A2"),
        Some(Value::Number(0.02))
    );
    assert_eq!(
        value_at(&f, "Plate1", "426", "B2"),
        Some(Value::Number(0.14))
    );
}

#[test]
fn token_nan_and_partial_area_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // MD_SMP_absorbance_endpoint_partial_plate_example05.txt: read area C3..F10 (header
    // fields first column 3, 8 columns, first row 3, 4 rows); line 6 holds row C
    let f = read_path(
        &shared.join(
            "plates/softmax_allotropy/MD_SMP_absorbance_endpoint_partial_plate_example05.txt",
        ),
        None,
    )
    .expect("partial plate");
    assert_eq!(
        value_at(&f, "Plate1", "230", "C3"),
        Some(Value::Number(3.147))
    );
    assert_eq!(
        value_at(&f, "Plate1", "340", "F10"),
        Some(Value::Number(3.071))
    );
    assert_eq!(
        value_at(&f, "Plate1", "230", "A1"),
        None,
        "outside the read area"
    );
    assert_eq!(
        value_at(&f, "Plate1", "230", "C11"),
        None,
        "outside the read area"
    );
    // MD_SMP_absorbance_endpoint_example01.txt line 3: the temperature cell is `NaN`, which is
    // not a well value; A1 (first value on that line) is a number
    let f = read_path(
        &shared.join("plates/softmax_allotropy/MD_SMP_absorbance_endpoint_example01.txt"),
        None,
    )
    .expect("example01");
    assert_eq!(
        value_at(&f, "Plate01", "450", "A1"),
        Some(Value::Number(3.417_976_666_666_67))
    );
}

#[test]
fn reduced_only_block_is_labelled_reduced() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // softmaxpro_example_reduced.txt: the plate block is `Reduced` (450 - 650); line 12 A1 is
    // 1.8565999999999998
    let f = read_path(
        &shared.join("plates/softmax_allotropy/softmaxpro_example_reduced.txt"),
        None,
    )
    .expect("reduced");
    let p = &f.plates[0];
    assert_eq!(p.reads.len(), 1);
    assert_eq!(p.reads[0].label, "Reduced");
    assert_eq!(p.reads[0].wavelength_nm, None);
    assert_eq!(
        value_at(&f, "Plate1", "Reduced", "A1"),
        Some(Value::Number(1.856_599_999_999_999_8))
    );
}

#[test]
fn token_quoted_nan_from_real_file() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // no_measurements.txt: a 6-well fluorescence plate whose cells (lines 4-5) are all `"NaN"`;
    // the file lacks its `~End` (so it is an error fixture). Closing the block shows the
    // tokens themselves come out as NaN flags, never as numbers.
    let path = shared.join("plates/softmax_allotropy/no_measurements.txt");
    let mut bytes = std::fs::read(&path).expect("readable");
    bytes.extend_from_slice(b"\n~End\n");
    let f = platesyn_plate::read_bytes("no_measurements+End.txt", &bytes, None).expect("parses");
    let p = &f.plates[0];
    assert_eq!(p.id, "PLate1");
    let r = &p.reads[0];
    assert_eq!(r.label, "Ex 380 / Em 505");
    assert_eq!(r.values.len(), 6);
    assert!(
        r.values.iter().all(|v| *v == Some(Value::Flag(Flag::Nan))),
        "{:?}",
        r.values
    );
}
