//! The `MTPHandler` samples (`../shared/ref/plates/mtphandler/`) and the `SoftMax` Pro XML
//! (`../shared/ref/plates/softermax/`). Each file is routed by content: read here (Multiskan,
//! Tecan Spark, Magellan kinetic), refused (plate maps), or left to the Gen5 / `SoftMax` text
//! readers (which this branch does not contain; asserted by none of this branch's detectors
//! claiming them). Spot values are hard-coded with their sheet and cell (or line).

mod common;
mod vendor_support;

use platesyn_plate::formats::{Input, multiskan, skanit, softmax_xml, tecan};
use platesyn_plate::{PlateError, PlateFormat, SourceFormat};
use vendor_support::{bytes, read, spot, tally, tolerances, value_count};

/// What each file is expected to be.
enum Route {
    /// Read as this format.
    Read(SourceFormat),
    /// Refused as a plate map.
    PlateMap,
    /// A Gen5 or `SoftMax` Pro text export: left to that reader.
    Elsewhere(&'static str),
}

const FILES: [(&str, Route); 10] = [
    (
        "20240719_biotek_FDH.V9_0.02enzyme_kinetics.xlsx",
        Route::Elsewhere("Gen5 xlsx (Epoch 2, kinetic)"),
    ),
    (
        "ABTS_EnzymeML_340nm_420nm_2.5x_pH3_25deg.txt",
        Route::Read(SourceFormat::Multiskan),
    ),
    (
        "BioTek_Epoch2.xlsx",
        Route::Elsewhere("Gen5 xlsx (ELx808, kinetic)"),
    ),
    ("Multiskan_Sky.xlsx", Route::Read(SourceFormat::Multiskan)),
    (
        "Spectramax190_molecular_Devices.txt",
        Route::Elsewhere("SoftMax Pro text (UTF-16, kinetic)"),
    ),
    ("assignment.xlsx", Route::PlateMap),
    ("magellan.xlsx", Route::Read(SourceFormat::TecanMagellan)),
    (
        "multiskan_spectrum_1500.txt",
        Route::Read(SourceFormat::Multiskan),
    ),
    ("plate_map_SAHH_kinetics.xlsx", Route::PlateMap),
    ("tekan_spark.xlsx", Route::Read(SourceFormat::TecanIControl)),
];

fn claimed_here(input: &Input<'_>) -> bool {
    tecan::detect_icontrol(input)
        || tecan::detect_magellan(input)
        || skanit::detect(input)
        || multiskan::detect(input)
        || softmax_xml::detect(input)
}

#[test]
fn every_mtphandler_file_is_routed() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates/mtphandler");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("mtphandler dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = FILES.iter().map(|f| f.0).collect();
    assert_eq!(on_disk, listed, "files in {}", dir.display());
    for (name, route) in FILES {
        let path = dir.join(name);
        match route {
            Route::Read(expected) => {
                let (format, plates) = read(&path).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(format, expected, "{name}");
                let matched = check_spots(name, &plates);
                tally(
                    name,
                    &format!("read as {format}"),
                    &format!(
                        "{} plate(s), {} read(s), {} values, {matched} spot values matched",
                        plates.len(),
                        plates.iter().map(|p| p.reads.len()).sum::<usize>(),
                        value_count(&plates)
                    ),
                );
            }
            Route::PlateMap => {
                let err = read(&path).expect_err("plate map must be refused");
                assert!(
                    matches!(err, PlateError::Unsupported { .. }),
                    "{name}: {err:?}"
                );
                let msg = err.to_string();
                assert!(
                    msg.contains("not a plate-reader export: looks like a plate map"),
                    "{msg}"
                );
                assert!(msg.contains(name), "{msg}");
                tally(name, "refused", &msg);
            }
            Route::Elsewhere(what) => {
                let source = path.display().to_string();
                let b = bytes(&path);
                let input = Input::new(&source, &b).unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    !claimed_here(&input),
                    "{name} is a {what}: must be left to that reader"
                );
                tally(name, "left to another reader", what);
            }
        }
    }
}

/// Spot values per file, from the cells (xlsx: sheet!cell) or lines (text).
fn check_spots(name: &str, plates: &[platesyn_plate::Plate]) -> usize {
    let t = tolerances::EXACT;
    let p = &plates[0];
    match name {
        "ABTS_EnzymeML_340nm_420nm_2.5x_pH3_25deg.txt" => {
            assert_eq!(
                (p.id.as_str(), p.format, p.reads.len()),
                ("1", PlateFormat::W96, 62)
            );
            spot(
                name,
                p,
                "340 nm iteration 1",
                "A1",
                0.065_430_932_760_224_8,
                tolerances::TEXT_EXACT,
            ); // line 6
            spot(
                name,
                p,
                "340 nm iteration 1",
                "A2",
                0.119_133_963_189_226,
                tolerances::TEXT_EXACT,
            ); // line 6
            spot(
                name,
                p,
                "420 nm iteration 1",
                "A1",
                0.057_932_309_801_539_6,
                tolerances::TEXT_EXACT,
            ); // line 318
            spot(
                name,
                p,
                "420 nm iteration 1",
                "B1",
                0.044_747_341_736_423,
                tolerances::TEXT_EXACT,
            ); // line 319
            4
        }
        "multiskan_spectrum_1500.txt" => {
            assert_eq!(p.metadata["kinetic"], "62 time points");
            // 2 wavelengths x 31 iterations; rows A-F, columns 1-10 read, G-H blank
            assert_eq!(
                (p.id.as_str(), p.format, p.reads.len()),
                ("1", PlateFormat::W96, 62)
            );
            assert!(
                p.reads
                    .iter()
                    .all(|r| r.values.iter().flatten().count() == 60)
            );
            spot(
                name,
                p,
                "340 nm iteration 1",
                "A1",
                0.044_080_285_305_613_5,
                tolerances::TEXT_EXACT,
            ); // line 6
            spot(
                name,
                p,
                "340 nm iteration 1",
                "A10",
                3.111_043_884_038_45,
                tolerances::TEXT_EXACT,
            ); // line 6
            // line 17 has a stray tab between its 8th and 9th values: packed to B9, B10
            spot(
                name,
                p,
                "340 nm iteration 2",
                "B9",
                2.575_618_801_191_68,
                tolerances::TEXT_EXACT,
            );
            spot(
                name,
                p,
                "340 nm iteration 2",
                "B10",
                3.052_116_964_725_69,
                tolerances::TEXT_EXACT,
            );
            4
        }
        "Multiskan_Sky.xlsx" => {
            // 7 wells (A2..G2) x 101 readings at 340 nm
            assert_eq!(p.reads.len(), 101);
            assert_eq!(p.metadata["kinetic"], "101 time points");
            assert!(p.reads.iter().all(|r| r.wavelength_nm == Some(340.0)));
            assert!(
                p.reads
                    .iter()
                    .all(|r| r.values.iter().flatten().count() == 7)
            );
            spot(name, p, "340 nm reading 0", "A2", 1.1296, t); // Raw data 340 nm!C6
            spot(name, p, "340 nm reading 100", "A2", 1.0306, t); // Raw data 340 nm!C106
            spot(name, p, "340 nm reading 0", "B2", 1.1318, t); // Raw data 340 nm!C107
            spot(name, p, "340 nm reading 100", "G2", 0.1093, t); // Raw data 340 nm!C712
            4
        }
        "magellan.xlsx" => {
            // sheet `Magellan2 Sheet 1`: 7 time points; wells written out of place (E8 at A12,
            // H9 at AO16) are placed by their label
            assert_eq!(p.reads.len(), 7);
            assert_eq!(p.reads[6].label, "Magellan cycle 7 (5400 s)");
            spot(name, p, "Magellan cycle 1 (0 s)", "A4", 2.7409, t); // B10
            spot(name, p, "Magellan cycle 7 (5400 s)", "A4", 2.7063, t); // H10
            spot(name, p, "Magellan cycle 1 (0 s)", "E8", 2.6871, t); // B12
            spot(name, p, "Magellan cycle 1 (0 s)", "H9", 3.0639, t); // AP16
            spot(name, p, "Magellan cycle 7 (5400 s)", "H9", 3.0519, t); // AV16
            spot(name, p, "Magellan cycle 7 (5400 s)", "H12", -0.0462, t); // BT18
            // 62 well labels on the sheet (openpyxl count of cells matching [A-H][0-9]{1,2});
            // the plate-map copy at O25:AA34 and the `Well assignment` sheet are not read
            assert!(
                p.reads
                    .iter()
                    .all(|r| r.values.iter().flatten().count() == 62)
            );
            6
        }
        "tekan_spark.xlsx" => {
            // sheet `Result sheet`: kinetic, 61 cycles at 420 nm, plate area A1-B12;C1-C9;D1-D12
            assert_eq!(p.reads.len(), 61);
            assert_eq!(p.metadata["kinetic"], "61 time points");
            assert_eq!(p.format, PlateFormat::W96);
            assert!(p.reads.iter().all(|r| r.wavelength_nm == Some(420.0)));
            assert!(
                p.reads
                    .iter()
                    .all(|r| r.values.iter().flatten().count() == 45)
            );
            spot(name, p, "Label 1 cycle 1 (0 s)", "A1", 0.9969, t); // D47
            spot(name, p, "Label 1 cycle 1 (0 s)", "B12", 2.005, t); // AA47
            spot(name, p, "Label 1 cycle 2 (29.849 s)", "C9", 0.2334, t); // AJ48
            spot(name, p, "Label 1 cycle 1 (0 s)", "D1", 0.3681, t); // AN47
            let c10 = p.format.index(platesyn_plate::WellId::new(2, 9)).unwrap();
            assert_eq!(p.reads[0].values[c10], None); // AK47 blank: outside the plate area
            4
        }
        other => panic!("no spot values for {other}"),
    }
}

#[test]
fn softmax_xml_crystal_violet() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let path = root.join("plates/softermax/crystal_violet_dilutions.xml");
    let name = "crystal_violet_dilutions.xml";
    let source = path.display().to_string();
    let b = bytes(&path);
    let input = Input::new(&source, &b).unwrap_or_else(|e| panic!("{e}"));
    assert!(softmax_xml::detect(&input));
    assert!(!tecan::detect_icontrol(&input) && !multiskan::detect(&input));
    let plates = softmax_xml::parse(&input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plates.len(), 1);
    let p = &plates[0];
    assert_eq!(
        (p.id.as_str(), p.format, p.reads.len()),
        ("Plate1", PlateFormat::W96, 1)
    );
    let r = &p.reads[0];
    assert_eq!((r.label.as_str(), r.wavelength_nm), ("595", Some(595.0)));
    assert_eq!(r.values.iter().flatten().count(), 96);
    let t = tolerances::TEXT_EXACT;
    spot(name, p, "595", "A1", 4.0, t); // <Well Name="A1"><RawData>4 (the reader's ceiling, kept)
    spot(name, p, "595", "A8", 2.7609, t);
    spot(name, p, "595", "A12", 0.2671, t);
    spot(name, p, "595", "H12", 0.0576, t);
    tally(
        name,
        "read (direct call; the dispatcher hands it over via softmax)",
        "1 plate, 1 read, 96 values, 4 spot values matched",
    );
}

/// None of this branch's detectors may claim another vendor's reference file (they are read
/// by other modules; a false claim here would shadow them in the dispatcher).
#[test]
fn other_vendors_files_are_not_claimed() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let mut checked = 0;
    for folder in [
        "bmg_mars_allotropy",
        "bmg_smartcontrol_allotropy",
        "envision_allotropy",
        "gen5_allotropy",
        "kaleido_allotropy",
        "softmax_allotropy",
        "plater",
        "wellmap",
    ] {
        let dir = root.join("plates").join(folder);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.expect("entry").path();
            let source = path.display().to_string();
            let b = bytes(&path);
            let Ok(input) = Input::new(&source, &b) else {
                continue;
            };
            assert!(
                !claimed_here(&input),
                "{source} claimed by a Tecan/SkanIt/Multiskan/XML detector"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} files checked");
    println!("tally: other vendors' reference files: {checked} checked, none claimed here");
}
