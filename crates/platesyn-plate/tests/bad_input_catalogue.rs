//! The ingest half of the bad-input catalogue (docs/robustness.md): the classes of bad input
//! not already covered by `bad_inputs.rs` (table of grid, long-table and layout errors) and
//! `never_panics.rs` (proptest). Each case pins what the user gets: the exact error message,
//! or `Ok` and what the plate then holds (ingest keeps values; it does not judge them).

mod common;

use platesyn_plate::formats::MAX_LINE_BYTES;
use platesyn_plate::layout::bind;
use platesyn_plate::{Flag, Layout, PlateFile, Value, WellId, read_bytes};
use std::fmt::Write as _;

const UNRECOGNIZED: &str = "unrecognized file: no known plate-reader export or plate table \
     matches its content (expected a Gen5, SoftMax Pro, Tecan, BMG, EnVision, Kaleido, SkanIt \
     export, a plate-shaped grid or a long well table)";

/// A 96-well grid named `OD450` with `value(row, col)` in each well.
fn grid96(value: impl Fn(usize, usize) -> String) -> String {
    let mut s = String::from("OD450,1,2,3,4,5,6,7,8,9,10,11,12\n");
    for r in 0..8 {
        s.push(char::from(b'A' + u8::try_from(r).unwrap()));
        for c in 0..12 {
            write!(s, ",{}", value(r, c)).unwrap();
        }
        s.push('\n');
    }
    s
}

/// The grid with `token` in well B2 and 0.5 elsewhere.
fn grid_b2(token: &str) -> String {
    grid96(|r, c| {
        if (r, c) == (1, 1) {
            token.into()
        } else {
            "0.5".into()
        }
    })
}

fn ok(source: &str, bytes: &[u8]) -> PlateFile {
    read_bytes(source, bytes, None).unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn err(source: &str, bytes: &[u8]) -> String {
    match read_bytes(source, bytes, None) {
        Ok(f) => panic!("{source}: unexpectedly read as {}", f.format),
        Err(e) => e.to_string(),
    }
}

fn value(f: &PlateFile, read: usize, well: &str) -> Option<Value> {
    let p = &f.plates[0];
    p.reads[read].values[p.format.index(WellId::parse(well).unwrap()).unwrap()]
}

// ---- encodings and line endings -------------------------------------------------------

#[test]
fn latin1_bytes_are_decoded_not_refused() {
    let g = grid96(|_, _| "0.5".into());
    let mut bytes = b"OD450 \xb5m,1,2,3,4,5,6,7,8,9,10,11,12\n".to_vec();
    bytes.extend_from_slice(g.split_once('\n').unwrap().1.as_bytes());
    let f = ok("latin1.csv", &bytes);
    assert_eq!(f.plates[0].reads[0].label, "OD450 \u{b5}m");
    assert_eq!(value(&f, 0, "H12"), Some(Value::Number(0.5)));
}

#[test]
fn utf8_and_utf16_byte_order_marks_are_accepted() {
    let g = grid_b2("0.25");
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(g.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(g.encode_utf16().flat_map(u16::to_le_bytes));
    for (name, b) in [("bom8.csv", utf8), ("bom16.csv", utf16)] {
        let f = ok(name, &b);
        assert_eq!(f.plates[0].reads[0].label, "OD450", "{name}");
        assert_eq!(value(&f, 0, "B2"), Some(Value::Number(0.25)), "{name}");
    }
    // UTF-16 without a byte-order mark: bad_inputs.rs, case "UTF-16 without BOM".
}

#[test]
fn nul_byte_in_text_is_refused_as_binary() {
    let mut b = grid96(|_, _| "0.5".into()).into_bytes();
    b[40] = 0;
    assert_eq!(
        err("nul.csv", &b),
        "nul.csv: unrecognized file: binary content (not text, xlsx or xls); UTF-16 text needs \
         a byte-order mark"
    );
}

#[test]
fn lone_cr_line_endings_are_accepted() {
    let f = ok("cr.csv", grid_b2("0.125").replace('\n', "\r").as_bytes());
    assert_eq!(value(&f, 0, "B2"), Some(Value::Number(0.125)));
    assert_eq!(value(&f, 0, "H12"), Some(Value::Number(0.5)));
}

// ---- size ---------------------------------------------------------------------------------

#[test]
fn ten_megabyte_single_line_is_refused_at_line_1() {
    // Refused by one linear scan before any format detector runs (no quadratic rescans).
    for (name, text) in [
        ("junk.txt", "x".repeat(10 << 20)),
        ("fields.csv", "0.5,".repeat(10 << 18)),
    ] {
        assert_eq!(
            err(name, text.as_bytes()),
            format!(
                "{name}, line 1: line is {} bytes long with no line break (at most {MAX_LINE_BYTES} \
                 expected): not a plate-reader export or plate table",
                10 << 20
            )
        );
    }
    // The limit applies per line: the third line here is the long one.
    let text = format!("well,value\nA1,1\n{}\n", "y".repeat(MAX_LINE_BYTES + 1));
    assert!(err("third.csv", text.as_bytes()).starts_with("third.csv, line 3: line is 1048577"));
}

// ---- junk values, NaN / inf, negative values, flat plates -----------------------------------

#[test]
fn nan_token_is_a_flag_never_a_number() {
    let f = ok("nan.csv", grid_b2("NaN").as_bytes());
    assert_eq!(value(&f, 0, "B2"), Some(Value::Flag(Flag::Nan)));
    let f = ok("nan_long.csv", b"well,value\nA1,NaN\nA2,1\n");
    assert_eq!(value(&f, 0, "A1"), Some(Value::Flag(Flag::Nan)));
    assert_eq!(value(&f, 0, "A2"), Some(Value::Number(1.0)));
}

#[test]
fn infinite_values_are_errors_naming_the_well() {
    for tok in ["inf", "1e999", "-Infinity"] {
        assert_eq!(
            err("inf.csv", grid_b2(tok).as_bytes()),
            format!(
                "inf.csv, line 3, well B2: `{tok}` in grid `OD450` is not a number or a known \
                 flag (OVRFLW, ?????, <x, >x, NaN, Masked, empty)"
            )
        );
    }
    assert_eq!(
        err("inf_long.csv", b"well,value\nA1,inf\nA2,1\n"),
        "inf_long.csv, line 2, well A1: `inf` is not a number or a known flag (OVRFLW, ?????, \
         <x, >x, NaN, Masked, empty)"
    );
}

#[test]
fn negative_readings_are_kept_as_data() {
    // Blank-subtracted exports hold small negative absorbances: ingest keeps the sign.
    let f = ok("neg.csv", grid_b2("-0.25").as_bytes());
    assert_eq!(value(&f, 0, "B2"), Some(Value::Number(-0.25)));
}

#[test]
fn all_flat_plate_is_read_unchanged() {
    // Ingest does not judge: a constant plate reads fine; the fit reports it as `flat`
    // (platesyn-dose tests/bad_numeric_input.rs).
    let f = ok("flat.csv", grid96(|_, _| "0.5".into()).as_bytes());
    let read = &f.plates[0].reads[0];
    assert_eq!(read.values.len(), 96);
    assert!(read.values.iter().all(|v| *v == Some(Value::Number(0.5))));
}

// ---- empty blocks and duplicates ----------------------------------------------------------

#[test]
fn grid_header_without_rows_is_an_error() {
    assert_eq!(
        err("header_only.csv", b"OD450,1,2,3,4,5,6,7,8,9,10,11,12\n"),
        "header_only.csv, line 1: grid `OD450` (header at line 1) ends right after its header, \
         but a 96-well (8x12) plate has rows A-H; expected row A here (truncated grid?)"
    );
}

#[test]
fn long_table_without_rows_or_values() {
    assert_eq!(
        err("long_header.csv", b"well,value\n"),
        format!("long_header.csv: {UNRECOGNIZED}")
    );
    // Wells listed with empty values: read, every value absent (never a silent zero).
    let f = ok("long_empty.csv", b"well,value\nA1,\nA2,\n");
    assert!(
        f.plates[0].reads[0]
            .values
            .iter()
            .all(|v| v.is_none_or(|v| v.number().is_none()))
    );
}

#[test]
fn same_grid_twice_keeps_both_reads() {
    let g = grid96(|_, _| "0.5".into());
    let f = ok("twice.csv", format!("{g}\n{}", grid_b2("0.75")).as_bytes());
    assert_eq!(f.plates.len(), 1);
    let labels: Vec<&str> = f.plates[0].reads.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert_eq!(value(&f, 0, "B2"), Some(Value::Number(0.5)));
    assert_eq!(value(&f, 1, "B2"), Some(Value::Number(0.75)));
    // Duplicate wells in a long table: bad_inputs.rs, cases "long: duplicate well ...".
}

// ---- inconsistent layouts -----------------------------------------------------------------

#[test]
fn layout_of_another_plate_size_does_not_bind() {
    let lay = Layout::from_toml_str(
        "l.toml",
        "[meta]\nwells = 384\n[well.P24]\nrole = 'blank'\n",
    )
    .unwrap();
    let f = ok("g.csv", grid96(|_, _| "1".into()).as_bytes());
    let e = bind(&lay.plates[0], &f.plates[0], None)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "layout plate `1` is a 384-well (16x24) plate but export plate `1` is a 96-well (8x12) \
         plate"
    );
    // Conflicting concentrations, unknown roles and wells outside the plate inside one
    // layout: bad_inputs.rs (TOML and plater cases).
}

// ---- truncated real exports -----------------------------------------------------------------

/// Every real export cut at 1/2 and 1/10 of its length and one byte short: `Ok` or an error
/// that starts with the file name; never a panic.
#[test]
fn truncated_real_exports_fail_cleanly() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let mut seen = 0;
    let mut errors = Vec::new();
    for dir in std::fs::read_dir(root.join("plates")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() || dir.ends_with("expected") {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            for cut in [
                bytes.len() / 2,
                bytes.len() / 10,
                bytes.len().saturating_sub(1),
            ] {
                seen += 1;
                if let Err(e) = read_bytes(&name, &bytes[..cut], None) {
                    let msg = e.to_string();
                    assert!(msg.starts_with(&name), "{msg}");
                    errors.push(msg);
                }
            }
        }
    }
    assert!(seen > 300, "only {seen} truncations");
    let has = |s: &str| errors.iter().any(|e| e == s);
    assert!(has(
        "MD_SMP_absorbance_endpoint_example01.txt, line 2: the `Plate:` block starting here is \
         not closed by a `~End` line (truncated export?)"
    ));
    assert!(has(
        "010307_114129_BNCH654563_stdcurve_singleplate01.txt, line 19: Gen5 procedure has no \
         `Read` step"
    ));
    assert!(has(
        "SLA01P01_ELISA.xlsx: not a readable xlsx/xls workbook: Cannot detect file format"
    ));
}
