//! Table builder: CSV and Parquet output, atomic writes, determinism.

use std::fs;

use platesyn_report::{ColumnData, OutputGuard, ReportError, Table};
use polars::prelude::*;

fn sample() -> Table {
    let mut t = Table::new();
    t.push_str("well", [Some("A1"), Some("B2"), None, Some("C, \"3\"")])
        .unwrap()
        .push_f64("viability", [Some(0.1), Some(100.0), None, Some(1e-7)])
        .unwrap()
        .push_i64("replicate", [Some(1), None, Some(3), Some(-4)])
        .unwrap()
        .push_bool("excluded", [Some(false), Some(true), None, Some(false)])
        .unwrap();
    t
}

#[test]
fn csv_snapshot() {
    let csv = sample().to_csv_string().unwrap();
    insta::assert_snapshot!(csv);
}

#[test]
fn csv_is_exact_and_deterministic() {
    let t = sample();
    let a = t.to_csv_bytes().unwrap();
    let b = t.clone().to_csv_bytes().unwrap();
    assert_eq!(a, b);
    let text = String::from_utf8(a).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "well,viability,replicate,excluded");
    assert_eq!(lines[1], "A1,0.1,1,false");
    assert_eq!(lines[2], "B2,100.0,,true");
    assert_eq!(lines[3], ",,3,");
    assert_eq!(lines[4], "\"C, \"\"3\"\"\",1e-7,-4,false");
    assert!(text.ends_with('\n'));
}

#[test]
fn csv_round_trips_through_polars_reader() {
    let mut t = Table::new();
    let xs = [
        Some(1.0 / 3.0),
        Some(-2.5e-12),
        None,
        Some(6.02e23),
        Some(42.0),
    ];
    t.push_f64("x", xs).unwrap();
    t.push_i64("n", [Some(1), Some(2), Some(3), None, Some(i64::MAX)])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    t.write_csv(&path, &OutputGuard::new()).unwrap();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.clone()))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(df.height(), 5);
    let x: Vec<Option<f64>> = df.column("x").unwrap().f64().unwrap().iter().collect();
    assert_eq!(x, xs.to_vec(), "floats are bit-exact after the round trip");
    let n: Vec<Option<i64>> = df.column("n").unwrap().i64().unwrap().iter().collect();
    assert_eq!(n, vec![Some(1), Some(2), Some(3), None, Some(i64::MAX)]);
}

#[test]
fn parquet_reads_back_typed_values() {
    let t = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    t.write_parquet(&path, &OutputGuard::new()).unwrap();
    let df = ParquetReader::new(fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.shape(), (4, 4));
    let well: Vec<Option<&str>> = df.column("well").unwrap().str().unwrap().iter().collect();
    assert_eq!(well, vec![Some("A1"), Some("B2"), None, Some("C, \"3\"")]);
    let v: Vec<Option<f64>> = df
        .column("viability")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(v, vec![Some(0.1), Some(100.0), None, Some(1e-7)]);
    let r: Vec<Option<i64>> = df
        .column("replicate")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(r, vec![Some(1), None, Some(3), Some(-4)]);
    let e: Vec<Option<bool>> = df
        .column("excluded")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(e, vec![Some(false), Some(true), None, Some(false)]);
    assert_eq!(df, t.to_dataframe().unwrap());
}

#[test]
fn writes_leave_only_the_outputs() {
    let t = sample();
    let dir = tempfile::tempdir().unwrap();
    let guard = OutputGuard::new();
    t.write_csv(&dir.path().join("a.csv"), &guard).unwrap();
    t.write_csv(&dir.path().join("a.csv"), &guard).unwrap();
    t.write_parquet(&dir.path().join("a.parquet"), &guard)
        .unwrap();
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["a.csv", "a.parquet"]);
}

#[test]
fn never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("raw.csv");
    fs::write(&input, "original").unwrap();
    let mut guard = OutputGuard::new();
    guard.protect(&input);
    let err = sample().write_csv(&input, &guard).unwrap_err();
    assert!(
        matches!(err, ReportError::WouldOverwriteInput { .. }),
        "{err}"
    );
    let err = sample().write_parquet(&input, &guard).unwrap_err();
    assert!(
        matches!(err, ReportError::WouldOverwriteInput { .. }),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&input).unwrap(), "original");
}

#[test]
fn builder_rejects_bad_columns() {
    let mut t = Table::new();
    t.push_f64("x", [Some(1.0), Some(2.0)]).unwrap();
    let err = t.push_i64("n", [Some(1)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "table column `n`: expected 2 rows (like the other columns), got 1"
    );
    let err = t.push("x", ColumnData::Bool(vec![None, None])).unwrap_err();
    assert!(matches!(err, ReportError::DuplicateColumn { ref column } if column == "x"));
    assert_eq!((t.n_rows(), t.n_cols()), (2, 1));
    assert_eq!(t.column_names(), vec!["x"]);
}

#[test]
fn empty_table_writes_header_only() {
    let mut t = Table::new();
    t.push_f64("x", Vec::<Option<f64>>::new()).unwrap();
    assert_eq!(t.to_csv_string().unwrap(), "x\n");
}

#[test]
fn non_finite_floats_are_spelled_out() {
    let mut t = Table::new();
    t.push_f64(
        "x",
        [
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(-0.0),
        ],
    )
    .unwrap();
    assert_eq!(t.to_csv_string().unwrap(), "x\nNaN\ninf\n-inf\n-0.0\n");
}
