//! Thermo `SkanIt` reference files (`../shared/ref/plates/skanit_allotropy/`): the three
//! absorbance files must yield exactly their expected tables; the luminescence file is read
//! and spot-checked against its cells.

mod common;
mod vendor_support;

use platesyn_plate::{PlateFormat, SourceFormat};
use vendor_support::{compare_with_expected, read, spot, tally, tolerances, value_count};

#[test]
fn every_skanit_file() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates/skanit_allotropy");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("skanit dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "files in {}", dir.display());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (format, plates) = read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format, SourceFormat::SkanIt, "{name}");
        let expected = root.join(format!(
            "plates/expected/skanit_allotropy/{name}.expected.csv"
        ));
        if expected.is_file() {
            let rows = common::load_expected(&expected);
            let mut plates = plates;
            if name == "skanit_different_plate_pattern.xlsx" {
                plates = check_and_strip_unlisted_steps(&name, plates);
            }
            let matched = compare_with_expected(&name, &plates, &rows, tolerances::EXACT);
            assert_eq!(matched, rows.len());
            tally(
                &name,
                "read",
                &format!(
                    "{} plate(s), {} read(s), values matched {matched}/{} expected",
                    plates.len(),
                    plates.iter().map(|p| p.reads.len()).sum::<usize>(),
                    rows.len()
                ),
            );
        } else {
            // luciferase_assay_example.xlsx: luminescence (`RLU` grid, `Wavelength: 0 nm`)
            assert_eq!(name, "luciferase_assay_example.xlsx");
            assert_eq!(plates.len(), 1);
            let p = &plates[0];
            assert_eq!((p.id.as_str(), p.format), ("Plate 1", PlateFormat::W96));
            assert_eq!(p.reads.len(), 1);
            let r = &p.reads[0];
            assert_eq!(
                (r.label.as_str(), r.wavelength_nm),
                ("Luminescence 1", None)
            );
            assert_eq!(r.values.iter().flatten().count(), 96);
            // sheet `Luminescence 1_01`
            spot(&name, p, "Luminescence 1", "A1", 105.4, tolerances::EXACT); // B11
            spot(&name, p, "Luminescence 1", "H12", 1043.0, tolerances::EXACT); // M18
            spot(
                &name,
                p,
                "Luminescence 1",
                "B7",
                398_100.0,
                tolerances::EXACT,
            ); // H12
            tally(
                &name,
                "read (luminescence, no expected table)",
                &format!(
                    "1 plate, 1 read, {} values, 3 spot cells matched",
                    value_count(&plates)
                ),
            );
        }
    }
}

#[test]
fn calculated_steps_are_not_readings() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    // skanit_data.xlsx also has `Blank Subtraction 1_02`, `Standard Curve 1_03` and
    // `Dilution Factor 1_04` sheets: derived values, not read.
    let (_, plates) = read(&root.join("plates/skanit_allotropy/skanit_data.xlsx")).unwrap();
    assert_eq!(plates.len(), 1);
    let p = &plates[0];
    assert_eq!(p.reads.len(), 1);
    assert_eq!(
        (p.reads[0].label.as_str(), p.reads[0].wavelength_nm),
        ("Absorbance 1 450 nm", Some(450.0))
    );
    assert!(p.metadata["skipped_sheets"].contains("Blank Subtraction 1_02"));
    // multi-plate_example01.xlsx: five plates, each with a 214 and a 280 nm read; plate 3 has
    // only 26 wells in its pattern (blank cells are outside the pattern, not readings)
    let (_, plates) =
        read(&root.join("plates/skanit_allotropy/multi-plate_example01.xlsx")).unwrap();
    let ids: Vec<_> = plates.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["Plate 1", "Plate 2", "Plate 3", "Plate 4", "Plate 5"]);
    assert!(plates.iter().all(|p| p.reads.len() == 2));
    assert_eq!(plates[2].reads[0].values.iter().flatten().count(), 26);
}

/// `skanit_different_plate_pattern.xlsx` has three raw absorbance steps (sheets
/// `Absorbance 260_01`, `Absorbance 280_03`, `Absorbance 320_05`), but the expected table
/// (allotropy's JSON) lists only the first one, at 260 nm. The 280 and 320 nm readings are in
/// the file, so they are read; they are checked here against their cells and then set aside
/// so that the rest can be compared with the expected table exactly.
fn check_and_strip_unlisted_steps(
    name: &str,
    mut plates: Vec<platesyn_plate::Plate>,
) -> Vec<platesyn_plate::Plate> {
    let ids: Vec<_> = plates.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids, ["Blank plate", "Sample Plate"]);
    for p in &plates {
        let labels: Vec<_> = p.reads.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Absorbance 260", "Absorbance 280", "Absorbance 320"],
            "{name}: {}",
            p.id
        );
        assert!(
            p.reads
                .iter()
                .all(|r| r.values.iter().flatten().count() == 1)
        );
    }
    let tol = tolerances::EXACT;
    spot(name, &plates[0], "Absorbance 280", "A2", 0.0444, tol); // Absorbance 280_03!C11
    spot(name, &plates[1], "Absorbance 280", "A2", 0.0582, tol); // Absorbance 280_03!C36
    spot(name, &plates[0], "Absorbance 320", "A2", 0.042, tol); // Absorbance 320_05!C11
    spot(name, &plates[1], "Absorbance 320", "A2", 0.0427, tol); // Absorbance 320_05!C36
    for p in &mut plates {
        p.reads.retain(|r| r.wavelength_nm == Some(260.0));
    }
    println!(
        "note: {name}: 280 and 320 nm steps read and spot-checked (4 cells); not in the expected table"
    );
    plates
}
