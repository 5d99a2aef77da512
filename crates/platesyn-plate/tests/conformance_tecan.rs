//! Tecan i-control and Magellan reference files (`../shared/ref/plates/tecan_*`): every file is
//! read (or fails clearly), values checked against the expected tables or spot cells.

mod common;
mod vendor_support;

use platesyn_plate::{PlateFormat, SourceFormat};
use vendor_support::{compare_with_expected, read, spot, tally, tolerances, value_count};

#[test]
fn magellan_files_match_expected_tables() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let dir = root.join("plates/tecan_magellan_allotropy");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("magellan dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "files in {}", dir.display());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = root.join(format!(
            "plates/expected/tecan_magellan_allotropy/{name}.expected.csv"
        ));
        if name == "no_well_positions.xlsx" {
            let err = read(&path)
                .expect_err("no_well_positions.xlsx must fail")
                .to_string();
            for needle in [
                "no_well_positions.xlsx",
                "[sheet Magellan Sheet 1]",
                "line 1",
                "`Well positions`",
                "Raw data, Plate",
            ] {
                assert!(err.contains(needle), "{err}\n(missing {needle:?})");
            }
            tally(&name, "failed (as expected)", &err);
            continue;
        }
        let (format, plates) = read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format, SourceFormat::TecanMagellan, "{name}");
        let rows = common::load_expected(&expected);
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
    }
}

#[test]
fn magellan_plate_geometry_and_labels() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let (_, plates) =
        read(&root.join("plates/tecan_magellan_allotropy/SLA01P01_ELISA.xlsx")).unwrap();
    let p = &plates[0];
    assert_eq!((p.id.as_str(), p.format), ("COS384ft", PlateFormat::W384));
    let labels: Vec<_> = p
        .reads
        .iter()
        .map(|r| (r.label.as_str(), r.wavelength_nm))
        .collect();
    assert_eq!(labels, [("Label1", Some(485.0)), ("Label2", Some(560.0))]);
    // SLA01P01_assay.xlsx names the wavelengths in notes `Label1=535`, `Label2=700` (E1:E2)
    let (_, plates) =
        read(&root.join("plates/tecan_magellan_allotropy/SLA01P01_assay.xlsx")).unwrap();
    let w: Vec<_> = plates[0].reads.iter().map(|r| r.wavelength_nm).collect();
    assert_eq!(w, [Some(535.0), Some(700.0)]);
    // SLA01P01_OD.xlsx: plate id from the `Plate` column, 96 wells from `GRE96ft.pdf`
    let (_, plates) = read(&root.join("plates/tecan_magellan_allotropy/SLA01P01_OD.xlsx")).unwrap();
    assert_eq!(
        (plates[0].id.as_str(), plates[0].format),
        ("96WEL008", PlateFormat::W96)
    );
    assert_eq!(plates[0].reads[0].label, "Raw data");
}

#[test]
fn icontrol_endpoint_grid_and_kinetic_table() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let path = root.join("plates/tecan_icontrol_xlsx/sample_ODs.xlsx");
    let name = "sample_ODs.xlsx";
    let (format, plates) = read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(format, SourceFormat::TecanIControl);
    // sheet `Sheet0` holds the data; `Tabelle1` is empty
    assert_eq!(plates.len(), 1);
    let p = &plates[0];
    assert_eq!(p.format, PlateFormat::W96);
    assert_eq!(p.metadata["reader"], "infinite 200Pro");
    // 1 endpoint grid (Label: Abs600_Copy1) + 632 measured kinetic cycles (Label: Abs600;
    // the header announces cycle 633 at XJ64 but its column is empty: the run stopped)
    assert_eq!(p.reads.len(), 1 + 632);
    assert_eq!(p.metadata["kinetic"], "632 time points");
    let end = &p.reads[0];
    assert_eq!(
        (end.label.as_str(), end.wavelength_nm),
        ("Abs600_Copy1", Some(600.0))
    );
    assert_eq!(end.values.iter().flatten().count(), 96);
    // spot cells, Sheet0 (float32 noise kept as stored)
    let tol = tolerances::EXACT;
    spot(name, p, "Abs600_Copy1", "A1", 0.256_199_985_742_568_97, tol); // B29
    spot(name, p, "Abs600_Copy1", "H12", 0.086_000_002_920_627_6, tol); // M36
    spot(name, p, "Abs600_Copy1", "E6", 0.100_800_000_131_130_22, tol); // G33
    spot(
        name,
        p,
        "Abs600 cycle 1 (0 s)",
        "A1",
        0.256_999_999_284_744_26,
        tol,
    ); // B67
    spot(
        name,
        p,
        "Abs600 cycle 2 (95.3 s)",
        "A1",
        0.255_899_995_565_414_43,
        tol,
    ); // C67
    spot(
        name,
        p,
        "Abs600 cycle 12 (1048.4 s)",
        "H12",
        0.085_799_999_535_083_77,
        tol,
    ); // M162
    let last = p.reads.last().unwrap();
    assert!(
        last.label.starts_with("Abs600 cycle 632 ("),
        "{}",
        last.label
    );
    spot(name, p, &last.label, "H12", 0.955_600_023_269_653_3, tol); // XI162
    assert!(p.reads.iter().all(|r| r.wavelength_nm == Some(600.0)));
    tally(
        name,
        "read",
        &format!(
            "1 plate, {} reads (1 endpoint + 632 kinetic cycles), {} values, 8 spot cells matched",
            p.reads.len(),
            value_count(&plates)
        ),
    );
}
