//! Conformance over EVERY plate-reader file in `../shared/ref/plates/` (all folders except the
//! layouts `wellmap/`, `plater/` and the oracle `expected/`), through the public detection path
//! `read_path(path, None)` only.
//!
//! [`TABLE`] states the outcome of every file: read (as which format), refused (kinetic,
//! spectrum, or another named reason such as a plate map), or an error (error fixtures). A file
//! on disk that is not in the table, a table entry with no file, or any change of outcome fails
//! the test, so a regression in one vendor's reader or in detection order shows up here.
//!
//! For the 37 files with `expected/<folder>/<file>.expected.csv` every plate, well, read
//! (wavelength), value (compared as numbers) and flag is compared; see [`compare`] for the
//! flag mapping and [`READ_ALIASES`] / [`EXTRA_READS`] for the documented oracle quirks.
//! A per-vendor tally is printed at the end (`cargo test --test conformance_all -- --nocapture`).

mod common;

use std::collections::{BTreeMap, HashMap};

use platesyn_plate::{Flag, PlateError, PlateFile, SourceFormat, Value, WellId, read_path};

/// Tolerances, in one place.
mod tolerances {
    /// Relative tolerance between a parsed value and the expected table. The expected numbers
    /// are allotropy's JSON texts of the very numbers in the input (shortest round-trip float64,
    /// trailing zeros dropped), so both sides parse to the same double; 1e-12 only absorbs a
    /// last-bit difference between two correct decimal-to-binary conversions (float64 spacing
    /// is ~2.2e-16 relative).
    pub const REL_TOL: f64 = 1e-12;
}

/// What reading a file must do.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Read, detected as this format.
    Read(SourceFormat),
    /// Refused: [`KINETIC`].
    RefusedKinetic,
    /// Refused: [`SPECTRUM`].
    RefusedSpectrum,
    /// Refused ([`PlateError::Unsupported`]) for another reason; the message contains this.
    RefusedOther(&'static str),
    /// An error fixture: [`PlateError::Parse`] or [`PlateError::Unrecognized`] whose message
    /// contains this text.
    Error(&'static str),
}

use Expect::{Error, Read, RefusedKinetic, RefusedOther, RefusedSpectrum};

/// Message part of every kinetic refusal.
const KINETIC: &str = "kinetic reads are not supported yet";
/// Message part of every spectrum refusal.
const SPECTRUM: &str = "spectrum reads are not supported yet";
/// Message part of the plate-map refusal (a layout given as if it were a reader export).
const PLATE_MAP: &str = "looks like a plate map";
/// Message part of "nothing matches" errors.
const UNRECOGNIZED: &str = "unrecognized file";

/// Every file: (folder, file, vendor for the tally, expected outcome). `mtphandler/` holds
/// several vendors' files; each is tallied under its own vendor (`plate map` for the two
/// layout workbooks).
const TABLE: &[(&str, &str, &str, Expect)] = &[
    (
        "bmg_mars_allotropy",
        "16-02-29_14-34-46_Transcreener_ADP2_FI.csv",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "16-03-03_13-25-45_472_QC_384_FI.csv",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "16-03-03_16-54-03_472_ABS_384_QC.csv",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "24-10-16_15-09-52_Luminescence_1536.csv",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "BMG_Labtech_format.CSV",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "MARS_V3.40_V2_Output_Missing_line_end_separators.csv",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "PHERAstar_output_file.CSV",
        "bmg",
        Read(SourceFormat::BmgMars),
    ),
    (
        "bmg_mars_allotropy",
        "file_with_no_delimiter_malformed.csv",
        "bmg",
        Error("expected BMG header fields written `Key: value`"),
    ),
    (
        "bmg_smartcontrol_allotropy",
        "fluorescence_endpoint_example2.xlsx",
        "bmg",
        Read(SourceFormat::BmgSmartControl),
    ),
    (
        "bmg_smartcontrol_allotropy",
        "fluroescence_endpoint_example1.xlsx",
        "bmg",
        Read(SourceFormat::BmgSmartControl),
    ),
    (
        "envision_allotropy",
        "PE_Envision_absorbance_A450_example.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_absorbance_example01.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_extra_espaces.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_fluorescence_example01.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_fluorescence_example02.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_fluorescence_example03.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_fluorescence_example04.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_luminescence_example01.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "PE_Envision_missing_plate_maps.csv",
        "envision",
        Read(SourceFormat::Envision),
    ),
    (
        "envision_allotropy",
        "example01_missing_header_error.csv",
        "envision",
        Error("without the `Plate information` title line"),
    ),
    (
        "gen5_allotropy",
        "010307_114129_BNCH654563_stdcurve_singleplate01.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "240307_114129_BNCH654563_spectralScan_example01.txt",
        "gen5",
        RefusedSpectrum,
    ),
    (
        "gen5_allotropy",
        "240307_125255_BNCH786865_areaScan_example01.txt",
        "gen5",
        RefusedOther("area scan reads are not supported yet"),
    ),
    (
        "gen5_allotropy",
        "240411_172731_BNCH2345883_abs450_96well_non_numeric_values.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "Kinetic_Analysis_Mean_Slope_and_Standard_Curve_tab.txt",
        "gen5",
        RefusedKinetic,
    ),
    (
        "gen5_allotropy",
        "Lowry_Protein_Assay_no_results_matrix.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "Synergy_instrument_datafile_(Fibrillation_data)_-_TXT_format.txt",
        "gen5",
        RefusedKinetic,
    ),
    (
        "gen5_allotropy",
        "absorbance_error_document_example.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "alphalisa_endpoint_singleplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "calculated_data_with_no_measurements_error.txt",
        "gen5",
        Error("only calculated rows"),
    ),
    (
        "gen5_allotropy",
        "endpoint_multiplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_pathlength_correct_singleplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_pathlength_correct_singleplate_no_pm_in_time.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_singleplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_stdcurve_multiplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_stdcurve_singleplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_stdcurve_singleplate_2.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "endpoint_wavelength_measurement_labels.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "exclude__endpoint_multiplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "garbage_error.txt",
        "gen5",
        Error(UNRECOGNIZED),
    ),
    (
        "gen5_allotropy",
        "kinetic_helper_gene_growth_curve.txt",
        "gen5",
        RefusedKinetic,
    ),
    (
        "gen5_allotropy",
        "kinetic_multiplate.txt",
        "gen5",
        RefusedKinetic,
    ),
    (
        "gen5_allotropy",
        "kinetic_singleplate.txt",
        "gen5",
        RefusedKinetic,
    ),
    (
        "gen5_allotropy",
        "luminescence__endpoint_singleplate.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "missing_results_error.txt",
        "gen5",
        Error("has no results"),
    ),
    (
        "gen5_allotropy",
        "multiple_read_modes.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "gen5_allotropy",
        "spectrum_data.txt",
        "gen5",
        RefusedSpectrum,
    ),
    (
        "gen5_allotropy",
        "spectrum_data_with_nan_value.txt",
        "gen5",
        RefusedSpectrum,
    ),
    (
        "gen5_allotropy",
        "two_same_read_modes.txt",
        "gen5",
        Read(SourceFormat::Gen5),
    ),
    (
        "kaleido_allotropy",
        "absorbance_endpoint_single_plate_example_01.csv",
        "kaleido",
        Read(SourceFormat::Kaleido),
    ),
    (
        "kaleido_allotropy",
        "fluorescence_endpoint_single_plate_example_01.csv",
        "kaleido",
        Read(SourceFormat::Kaleido),
    ),
    (
        "kaleido_allotropy",
        "fluorescence_v3.5_pure_csv_format_example.csv",
        "kaleido",
        Read(SourceFormat::Kaleido),
    ),
    (
        "kaleido_allotropy",
        "luminescence_endpoint_single_plate_example_01.csv",
        "kaleido",
        Read(SourceFormat::Kaleido),
    ),
    (
        "kaleido_allotropy",
        "luminescence_v3.5_pure_csv_format_example.csv",
        "kaleido",
        Read(SourceFormat::Kaleido),
    ),
    (
        "mtphandler",
        "20240719_biotek_FDH.V9_0.02enzyme_kinetics.xlsx",
        "gen5",
        RefusedKinetic,
    ),
    (
        "mtphandler",
        "ABTS_EnzymeML_340nm_420nm_2.5x_pH3_25deg.txt",
        "multiskan",
        Read(SourceFormat::Multiskan),
    ),
    ("mtphandler", "BioTek_Epoch2.xlsx", "gen5", RefusedKinetic),
    (
        "mtphandler",
        "Multiskan_Sky.xlsx",
        "multiskan",
        Read(SourceFormat::Multiskan),
    ),
    (
        "mtphandler",
        "Spectramax190_molecular_Devices.txt",
        "softmax",
        RefusedKinetic,
    ),
    (
        "mtphandler",
        "assignment.xlsx",
        "plate map",
        RefusedOther(PLATE_MAP),
    ),
    (
        "mtphandler",
        "magellan.xlsx",
        "tecan",
        Read(SourceFormat::TecanMagellan),
    ),
    (
        "mtphandler",
        "multiskan_spectrum_1500.txt",
        "multiskan",
        Read(SourceFormat::Multiskan),
    ),
    (
        "mtphandler",
        "plate_map_SAHH_kinetics.xlsx",
        "plate map",
        RefusedOther(PLATE_MAP),
    ),
    (
        "mtphandler",
        "tekan_spark.xlsx",
        "tecan",
        Read(SourceFormat::TecanIControl),
    ),
    (
        "skanit_allotropy",
        "luciferase_assay_example.xlsx",
        "skanit",
        Read(SourceFormat::SkanIt),
    ),
    (
        "skanit_allotropy",
        "multi-plate_example01.xlsx",
        "skanit",
        Read(SourceFormat::SkanIt),
    ),
    (
        "skanit_allotropy",
        "skanit_data.xlsx",
        "skanit",
        Read(SourceFormat::SkanIt),
    ),
    (
        "skanit_allotropy",
        "skanit_different_plate_pattern.xlsx",
        "skanit",
        Read(SourceFormat::SkanIt),
    ),
    (
        "softermax",
        "crystal_violet_dilutions.xml",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_example01.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_example02.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_example04.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_example05.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_partial_plate_example01.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_partial_plate_example02.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_partial_plate_example03.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_partial_plate_example04.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_absorbance_endpoint_partial_plate_example05.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_fluorescence_endpoint_partial_plate_example01.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "MD_SMP_fluorescence_endpoint_partial_plate_example02.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "abs_endpoint_plates.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "fl_kinetic_plates.txt",
        "softmax",
        RefusedKinetic,
    ),
    (
        "softmax_allotropy",
        "group_cols_with_int_sample_names.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "group_with_partial_rows.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "header_size_mismatch.txt",
        "softmax",
        Error("header size mismatch"),
    ),
    (
        "softmax_allotropy",
        "missing_kinetic_measurement.txt",
        "softmax",
        RefusedKinetic,
    ),
    (
        "softmax_allotropy",
        "missing_measurement_table_row.txt",
        "softmax",
        Error("raw data has 3 row(s)"),
    ),
    (
        "softmax_allotropy",
        "multi-plate-block_non-unique_plate_ID.txt",
        "softmax",
        Error("plate name `Plate01` is used by two"),
    ),
    (
        "softmax_allotropy",
        "no_measurements.txt",
        "softmax",
        Error("not closed by a `~End`"),
    ),
    (
        "softmax_allotropy",
        "partial_plate.txt",
        "softmax",
        RefusedSpectrum,
    ),
    (
        "softmax_allotropy",
        "softmaxpro_example_group_with_missing_calc_column.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "softmaxpro_example_reduced.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "softmaxpro_no_calc_docs.txt",
        "softmax",
        Read(SourceFormat::SoftMaxPro),
    ),
    (
        "softmax_allotropy",
        "spectramax340_kinetic_partial_plate.txt",
        "softmax",
        RefusedKinetic,
    ),
    (
        "tecan_icontrol_xlsx",
        "sample_ODs.xlsx",
        "tecan",
        Read(SourceFormat::TecanIControl),
    ),
    (
        "tecan_magellan_allotropy",
        "SLA01P01_ELISA.xlsx",
        "tecan",
        Read(SourceFormat::TecanMagellan),
    ),
    (
        "tecan_magellan_allotropy",
        "SLA01P01_OD.xlsx",
        "tecan",
        Read(SourceFormat::TecanMagellan),
    ),
    (
        "tecan_magellan_allotropy",
        "SLA01P01_assay.xlsx",
        "tecan",
        Read(SourceFormat::TecanMagellan),
    ),
    (
        "tecan_magellan_allotropy",
        "no_well_positions.xlsx",
        "tecan",
        Error("without a `Well positions` column"),
    ),
];

/// Oracle quirks: our read name -> the expected table's `read` for that file.
/// * EnVision: allotropy's JSON has no wavelength, so the expected `read` is empty; we read
///   `A450(1)` as 450 nm, `BCA Absorbance @ 562(1)` as 562 nm, and the second plate of
///   example01 (a `Screen 384 OptiPlate` label that allotropy calls absorbance) by its label.
/// * `BMG_Labtech_format.CSV`: the file says `Raw Data (450 1)`; allotropy gives 1 nm (its
///   bug, see `expected/README.md`); we say 450.
const READ_ALIASES: &[(&str, &str, &str)] = &[
    ("PE_Envision_absorbance_A450_example.csv", "450", ""),
    ("PE_Envision_absorbance_example01.csv", "562", ""),
    (
        "PE_Envision_absorbance_example01.csv",
        "Screen 384 OptiPlate(1)",
        "",
    ),
    ("BMG_Labtech_format.CSV", "450", "1"),
];

/// Reads with a wavelength and values that the expected table does not list (checked by
/// `conformance_skanit`'s spot cells): (file, read name). Reads without a wavelength
/// (fluorescence, luminescence, `Reduced`) and reads covering no well (SoftMax blocks whose raw
/// lines are empty, `MD_SMP_absorbance_endpoint_example05.txt` plates 2 and 3) are not compared.
const EXTRA_READS: &[(&str, &str)] = &[
    ("skanit_different_plate_pattern.xlsx", "280"),
    ("skanit_different_plate_pattern.xlsx", "320"),
];

/// How a reference flag text maps onto our values.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ExpectedFlag {
    /// A flag on a covered well.
    Flag(Flag),
    /// The well is outside the read area: not covered (`None`).
    NotCovered,
    /// No raw read at that wavelength exists at all.
    NotReported,
}

/// Map a reference flag text: `OVRFLW` overflow, `MISSED` missed (Gen5 tokens); `*0.356*`
/// masked (Gen5 writes an excluded well's value between asterisks); `Path?` calc failed
/// (SoftMax pathcheck); `nan` well not covered (SoftMax partial plates); `Not reported`: the
/// block is exported `Reduced` only, so no raw read exists.
fn map_flag(text: &str) -> ExpectedFlag {
    match text {
        "OVRFLW" => ExpectedFlag::Flag(Flag::Overflow),
        "MISSED" => ExpectedFlag::Flag(Flag::Missed),
        "Path?" => ExpectedFlag::Flag(Flag::CalcFailed),
        "nan" => ExpectedFlag::NotCovered,
        "Not reported" => ExpectedFlag::NotReported,
        t if t.len() > 2 && t.starts_with('*') && t.ends_with('*') => {
            ExpectedFlag::Flag(Flag::Masked)
        }
        other => panic!("unmapped reference flag {other:?}"),
    }
}

fn close(x: f64, y: f64) -> bool {
    x == y || (x - y).abs() <= tolerances::REL_TOL * x.abs().max(y.abs())
}

/// Compare `file` with its expected rows; returns (matched, expected) row counts. Panics
/// listing up to 20 mismatches.
fn compare(name: &str, file: &PlateFile, expected: &[common::ExpectedRow]) -> (usize, usize) {
    let alias = |read: &str| {
        READ_ALIASES
            .iter()
            .find(|(f, ours, _)| *f == name && *ours == read)
            .map_or_else(|| read.to_owned(), |(_, _, theirs)| (*theirs).to_owned())
    };
    let listed: std::collections::HashSet<(String, String)> = expected
        .iter()
        .map(|e| (e.plate.clone(), e.read.clone()))
        .collect();
    let mut ours: HashMap<(String, String, String), Vec<Option<Value>>> = HashMap::new();
    let mut our_values = 0usize;
    for p in &file.plates {
        for r in &p.reads {
            let rname = alias(&r.name());
            if !listed.contains(&(p.id.clone(), rname.clone())) {
                assert!(
                    r.wavelength_nm.is_none()
                        || r.values.iter().all(Option::is_none)
                        || EXTRA_READS.contains(&(name, rname.as_str())),
                    "{name}: plate {} read {rname:?} has a wavelength and values but is not in \
                     the expected table (nor in EXTRA_READS)",
                    p.id
                );
                continue;
            }
            for (i, v) in r.values.iter().enumerate() {
                let w = p.format.well_at(i).expect("index on plate");
                if v.is_some() {
                    our_values += 1;
                }
                ours.entry((p.id.clone(), w.to_string(), rname.clone()))
                    .or_default()
                    .push(*v);
            }
        }
    }
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut problems = Vec::new();
    let (mut matched, mut expected_values) = (0, 0);
    for e in expected {
        assert!(
            WellId::parse(&e.well).is_some(),
            "{name}: bad well {}",
            e.well
        );
        let key = (e.plate.clone(), e.well.clone(), e.read.clone());
        let slot = seen.entry(key.clone()).or_default();
        let got = ours.get(&key).and_then(|v| v.get(*slot).copied());
        *slot += 1;
        let ok = match (e.value, (!e.flag.is_empty()).then(|| map_flag(&e.flag))) {
            (Some(x), None) => {
                expected_values += 1;
                matches!(got, Some(Some(Value::Number(y))) if close(x, y))
            }
            (None, Some(ExpectedFlag::Flag(f))) => {
                expected_values += 1;
                got == Some(Some(Value::Flag(f)))
            }
            (None, Some(ExpectedFlag::NotCovered)) => got == Some(None),
            (None, Some(ExpectedFlag::NotReported)) => got.is_none(),
            _ => false,
        };
        if ok {
            matched += 1;
        } else if problems.len() < 20 {
            problems.push(format!(
                "{name}: {}/{}/{:?} expected value {:?} flag {:?}, got {got:?}",
                e.plate, e.well, e.read, e.value, e.flag
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        our_values, expected_values,
        "{name}: the compared reads hold {our_values} values, the reference {expected_values}"
    );
    (matched, expected.len())
}

/// Per-vendor counts.
#[derive(Debug, Default)]
struct Tally {
    read: usize,
    refused: usize,
    failed: usize,
    matched: usize,
    expected: usize,
}

#[test]
fn every_plate_file_is_read_refused_or_fails_as_tabled() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let plates = shared.join("plates");
    // the walk: every file of every folder except the layouts and the oracle
    let mut on_disk = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(&plates)
        .expect("plates folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for dir in folders {
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        if matches!(folder.as_str(), "wellmap" | "plater" | "expected") {
            continue;
        }
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            on_disk.push((
                folder.clone(),
                f.file_name().unwrap().to_string_lossy().into_owned(),
            ));
        }
    }
    for (folder, name) in &on_disk {
        assert!(
            TABLE.iter().any(|t| t.0 == folder && t.1 == name),
            "{folder}/{name}: on disk but not in TABLE; add its expected outcome"
        );
    }
    for t in TABLE {
        assert!(
            on_disk.iter().any(|(f, n)| f == t.0 && n == t.1),
            "{}/{}: in TABLE but not on disk",
            t.0,
            t.1
        );
    }
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut with_expected = 0;
    for &(folder, name, vendor, expect) in TABLE {
        let path = plates.join(folder).join(name);
        let exp_path = plates
            .join("expected")
            .join(folder)
            .join(format!("{name}.expected.csv"));
        let t = tally.entry(vendor).or_default();
        let result = read_path(&path, None);
        match (expect, result) {
            (Read(format), Ok(file)) => {
                assert_eq!(file.format, format, "{folder}/{name}: detected format");
                assert!(
                    file.plates
                        .iter()
                        .any(|p| p.reads.iter().any(|r| r.values.iter().any(Option::is_some))),
                    "{folder}/{name}: read but holds no value"
                );
                t.read += 1;
                if exp_path.is_file() {
                    let rows = common::load_expected(&exp_path);
                    let (m, n) = compare(name, &file, &rows);
                    assert_eq!(m, n, "{folder}/{name}");
                    t.matched += m;
                    t.expected += n;
                    with_expected += 1;
                }
            }
            (Read(_), Err(e)) => panic!("{folder}/{name}: expected to be read, got {e}"),
            (_, Ok(file)) => panic!(
                "{folder}/{name}: expected {expect:?}, but it was read as {} ({} plates)",
                file.format,
                file.plates.len()
            ),
            (RefusedKinetic | RefusedSpectrum | RefusedOther(_), Err(e)) => {
                let text = e.to_string();
                let needle = match expect {
                    RefusedKinetic => KINETIC,
                    RefusedSpectrum => SPECTRUM,
                    RefusedOther(s) => s,
                    _ => unreachable!("matched above"),
                };
                assert!(
                    matches!(e, PlateError::Unsupported { .. }),
                    "{folder}/{name}: expected a refusal, got {e:?}"
                );
                assert!(
                    text.contains(needle),
                    "{folder}/{name}: {text}\n(expected {needle:?})"
                );
                assert!(
                    text.contains(name),
                    "{folder}/{name}: message must name the file: {text}"
                );
                assert!(
                    !exp_path.is_file(),
                    "{folder}/{name}: refused but has an expected table"
                );
                t.refused += 1;
            }
            (Error(needle), Err(e)) => {
                let text = e.to_string();
                assert!(
                    matches!(
                        e,
                        PlateError::Parse { .. } | PlateError::Unrecognized { .. }
                    ),
                    "{folder}/{name}: expected a parse/unrecognized error, got {e:?}"
                );
                assert!(
                    text.contains(needle),
                    "{folder}/{name}: {text}\n(expected {needle:?})"
                );
                assert!(
                    text.contains(name),
                    "{folder}/{name}: message must name the file: {text}"
                );
                assert!(
                    !exp_path.is_file(),
                    "{folder}/{name}: fails but has an expected table"
                );
                t.failed += 1;
            }
        }
    }
    assert_eq!(with_expected, 37, "files compared with an expected table");
    for (vendor, t) in &tally {
        println!(
            "tally {vendor}: read {}, refused {}, failed {}, values matched {}/{}",
            t.read, t.refused, t.failed, t.matched, t.expected
        );
    }
    let total: usize = tally.values().map(|t| t.matched).sum();
    println!("tally all: {} files, values matched {total}", TABLE.len());
}
