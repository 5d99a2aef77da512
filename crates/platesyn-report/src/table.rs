//! A small columnar table builder and its CSV / Parquet writers.
//!
//! Build a [`Table`] from plain vectors (one named column at a time), then write it with
//! [`Table::write_csv`] / [`Table::write_parquet`] (atomic, via [`OutputGuard`]) or render it with
//! [`Table::to_csv_string`].
//!
//! # CSV format (deterministic)
//! - comma separator, `\n` line ends, a header row, UTF-8 without BOM;
//! - missing values (`None`) are empty fields;
//! - floats are written with [`format_float_exact`] — the shortest text that parses back to the
//!   same `f64` (`0.1`, `100.0`, `1e-7`, `NaN`, `inf`) — so the CSV is byte-identical for the
//!   same table and loses no precision; polars' own float writer is not used for this;
//! - booleans are `true` / `false`; strings are quoted only when they contain a comma, a quote
//!   or a line break (quotes doubled).
//!
//! Parquet keeps the typed columns (Utf8, Float64, Int64, Boolean) with nulls.

use std::io::{BufWriter, Cursor, Write as _};
use std::path::Path;

use polars::io::parquet::write::BatchedWriter;

use polars::prelude::{
    Column, CsvWriter, DataFrame, ParquetCompression, ParquetWriter, PlSmallStr, SerWriter,
};

use crate::error::ReportError;
use crate::fmt::{format_float_display, format_float_exact};
use crate::output::{AtomicFile, OutputGuard};

/// The values of one column; `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Text.
    Str(Vec<Option<String>>),
    /// 64-bit floats (may hold NaN / ±inf; these are written as `NaN`, `inf`, `-inf`).
    F64(Vec<Option<f64>>),
    /// 64-bit signed integers.
    I64(Vec<Option<i64>>),
    /// Booleans.
    Bool(Vec<Option<bool>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Str(v) => v.len(),
            Self::F64(v) => v.len(),
            Self::I64(v) => v.len(),
            Self::Bool(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `row` as it appears in the CSV (`None` for a missing value); floats exact.
    pub fn csv_cell(&self, row: usize) -> Option<String> {
        match self {
            Self::Str(v) => v[row].clone(),
            Self::F64(v) => v[row].map(format_float_exact),
            Self::I64(v) => v[row].map(|x| x.to_string()),
            Self::Bool(v) => v[row].map(|x| x.to_string()),
        }
    }

    /// Cell `row` for people (`None` for a missing value); floats to `float_sig` significant
    /// digits (see [`format_float_display`]).
    pub fn display_cell(&self, row: usize, float_sig: usize) -> Option<String> {
        match self {
            Self::F64(v) => v[row].map(|x| format_float_display(x, float_sig)),
            _ => self.csv_cell(row),
        }
    }

    /// Whether this column holds numbers (floats or integers); HTML aligns them right.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Self::F64(_) | Self::I64(_))
    }
}

/// A table of named, equally long, typed columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    columns: Vec<(String, ColumnData)>,
}

impl Table {
    /// An empty table (no columns, no rows).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a column. Fails when the name is taken or the length differs from the columns
    /// already present.
    pub fn push(
        &mut self,
        name: impl Into<String>,
        data: ColumnData,
    ) -> Result<&mut Self, ReportError> {
        let name = name.into();
        if self.columns.iter().any(|(n, _)| *n == name) {
            return Err(ReportError::DuplicateColumn { column: name });
        }
        if let Some((_, first)) = self.columns.first() {
            if first.len() != data.len() {
                return Err(ReportError::ColumnLength {
                    column: name,
                    expected: first.len(),
                    got: data.len(),
                });
            }
        }
        self.columns.push((name, data));
        Ok(self)
    }

    /// Appends a text column (see [`Table::push`]).
    pub fn push_str<S: Into<String>>(
        &mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<S>>,
    ) -> Result<&mut Self, ReportError> {
        let v = values.into_iter().map(|o| o.map(Into::into)).collect();
        self.push(name, ColumnData::Str(v))
    }

    /// Appends a float column (see [`Table::push`]).
    pub fn push_f64(
        &mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<f64>>,
    ) -> Result<&mut Self, ReportError> {
        self.push(name, ColumnData::F64(values.into_iter().collect()))
    }

    /// Appends an integer column (see [`Table::push`]).
    pub fn push_i64(
        &mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<i64>>,
    ) -> Result<&mut Self, ReportError> {
        self.push(name, ColumnData::I64(values.into_iter().collect()))
    }

    /// Appends a boolean column (see [`Table::push`]).
    pub fn push_bool(
        &mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<bool>>,
    ) -> Result<&mut Self, ReportError> {
        self.push(name, ColumnData::Bool(values.into_iter().collect()))
    }

    /// Number of rows (0 for a table without columns).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// Column names in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The columns in order, as (name, data).
    pub fn columns(&self) -> &[(String, ColumnData)] {
        &self.columns
    }

    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&ColumnData> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The first `n` rows (all of them when there are fewer).
    #[must_use]
    pub fn head(&self, n: usize) -> Table {
        let columns = self
            .columns
            .iter()
            .map(|(name, data)| {
                let data = match data {
                    ColumnData::Str(v) => ColumnData::Str(v.iter().take(n).cloned().collect()),
                    ColumnData::F64(v) => ColumnData::F64(v.iter().take(n).copied().collect()),
                    ColumnData::I64(v) => ColumnData::I64(v.iter().take(n).copied().collect()),
                    ColumnData::Bool(v) => ColumnData::Bool(v.iter().take(n).copied().collect()),
                };
                (name.clone(), data)
            })
            .collect();
        Table { columns }
    }

    /// The typed polars frame (Utf8 / Float64 / Int64 / Boolean columns, nulls kept).
    pub fn to_dataframe(&self) -> Result<DataFrame, ReportError> {
        self.frame(false)
    }

    /// Builds the frame; with `floats_as_text` the float columns become exact text (CSV view).
    fn frame(&self, floats_as_text: bool) -> Result<DataFrame, ReportError> {
        let cols: Vec<Column> = self
            .columns
            .iter()
            .map(|(name, data)| {
                let name = PlSmallStr::from_str(name);
                match data {
                    ColumnData::Str(v) => Column::new(name, v),
                    ColumnData::F64(v) if floats_as_text => {
                        let s: Vec<Option<String>> =
                            v.iter().map(|x| x.map(format_float_exact)).collect();
                        Column::new(name, s)
                    }
                    ColumnData::F64(v) => Column::new(name, v),
                    ColumnData::I64(v) => Column::new(name, v),
                    ColumnData::Bool(v) => Column::new(name, v),
                }
            })
            .collect();
        DataFrame::new(self.n_rows(), cols).map_err(|source| ReportError::Polars {
            context: "building the table frame".to_string(),
            source,
        })
    }

    /// The CSV bytes (format in the module docs).
    pub fn to_csv_bytes(&self) -> Result<Vec<u8>, ReportError> {
        self.csv_bytes(true)
    }

    /// The CSV bytes, with or without the header row.
    ///
    /// Written by [`Table::write_csv_rows`], byte for byte what polars' `CsvWriter` writes for
    /// the frame with floats as exact text (the tests compare the two); a table without columns
    /// goes through polars.
    fn csv_bytes(&self, header: bool) -> Result<Vec<u8>, ReportError> {
        if self.columns.is_empty() {
            return self.csv_bytes_polars(header);
        }
        let mut buf = Vec::with_capacity(self.n_rows() * 16 * self.n_cols() + 64);
        if header {
            for (k, (name, _)) in self.columns.iter().enumerate() {
                if k > 0 {
                    buf.push(b',');
                }
                csv_str(&mut buf, name);
            }
            buf.push(b'\n');
        }
        self.write_csv_rows(&mut buf);
        Ok(buf)
    }

    /// Appends every row as CSV (no header) to `buf`: polars' rules for `QuoteStyle::Necessary`
    /// with `,`, `"`, `\n` and an empty null value (see [`csv_str`]).
    fn write_csv_rows(&self, buf: &mut Vec<u8>) {
        use std::io::Write as _;
        for row in 0..self.n_rows() {
            for (k, (_, data)) in self.columns.iter().enumerate() {
                if k > 0 {
                    buf.push(b',');
                }
                match data {
                    ColumnData::Str(v) => {
                        if let Some(s) = &v[row] {
                            csv_str(buf, s);
                        }
                    }
                    ColumnData::F64(v) => {
                        if let Some(x) = v[row] {
                            // format_float_exact, without the String (never needs quoting)
                            let _ = write!(buf, "{x:?}");
                        }
                    }
                    ColumnData::I64(v) => {
                        if let Some(x) = v[row] {
                            let _ = write!(buf, "{x}");
                        }
                    }
                    ColumnData::Bool(v) => {
                        if let Some(x) = v[row] {
                            buf.extend_from_slice(if x { b"true" } else { b"false" });
                        }
                    }
                }
            }
            buf.push(b'\n');
        }
    }

    /// The CSV bytes as polars' `CsvWriter` writes them (the reference for [`Table::csv_bytes`]).
    fn csv_bytes_polars(&self, header: bool) -> Result<Vec<u8>, ReportError> {
        let mut df = self.frame(true)?;
        let mut buf = Vec::new();
        CsvWriter::new(&mut buf)
            .include_header(header)
            .with_separator(b',')
            .with_line_terminator(PlSmallStr::from_static("\n"))
            .with_null_value(PlSmallStr::EMPTY)
            .n_threads(1)
            .finish(&mut df)
            .map_err(|source| ReportError::Polars {
                context: "writing CSV".to_string(),
                source,
            })?;
        Ok(buf)
    }

    /// The CSV text (format in the module docs); handy for snapshots.
    pub fn to_csv_string(&self) -> Result<String, ReportError> {
        let bytes = self.to_csv_bytes()?;
        // The frame holds only Rust strings, so the CSV is valid UTF-8.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The Parquet bytes (zstd-compressed, typed columns).
    pub fn to_parquet_bytes(&self) -> Result<Vec<u8>, ReportError> {
        let mut df = self.to_dataframe()?;
        let mut buf = Cursor::new(Vec::new());
        ParquetWriter::new(&mut buf)
            .with_compression(ParquetCompression::Zstd(None))
            .set_parallel(false)
            .finish(&mut df)
            .map_err(|source| ReportError::Polars {
                context: "writing Parquet".to_string(),
                source,
            })?;
        Ok(buf.into_inner())
    }

    /// Writes the CSV to `path` atomically; refuses when `path` is an input protected by `guard`.
    pub fn write_csv(&self, path: &Path, guard: &OutputGuard) -> Result<(), ReportError> {
        let bytes = self.to_csv_bytes()?;
        guard.write_atomic(path, &bytes)
    }

    /// Writes Parquet to `path` atomically; refuses when `path` is an input protected by `guard`.
    pub fn write_parquet(&self, path: &Path, guard: &OutputGuard) -> Result<(), ReportError> {
        let bytes = self.to_parquet_bytes().map_err(|e| match e {
            ReportError::Polars { source, .. } => ReportError::Polars {
                context: format!("{}: writing Parquet", path.display()),
                source,
            },
            other => other,
        })?;
        guard.write_atomic(path, &bytes)
    }
}

/// One CSV text field as polars writes it (`QuoteStyle::Necessary`): empty text as `""` (an
/// empty field is a missing value), quoted when it holds a comma, a quote or a line break,
/// quotes doubled.
fn csv_str(buf: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if b.is_empty() {
        buf.extend_from_slice(b"\"\"");
        return;
    }
    if !b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        buf.extend_from_slice(b);
        return;
    }
    buf.push(b'"');
    for part in s.split_inclusive('"') {
        buf.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            buf.push(b'"');
        }
    }
    buf.push(b'"');
}

/// A table too large to hold in memory, written chunk by chunk to CSV (and Parquet, one row
/// group per chunk): the same bytes as writing the concatenated table at once for the CSV, the
/// same typed columns for the Parquet. Both files appear only at [`TableStream::finish`]
/// (atomic, via [`OutputGuard::create_atomic`]); dropped unfinished, nothing is left.
pub struct TableStream {
    csv: Option<BufWriter<AtomicFile>>,
    parquet: Option<(BatchedWriter<std::fs::File>, AtomicFile)>,
    /// Column names and types of the first chunk; every chunk must match them.
    shape: Vec<(String, std::mem::Discriminant<ColumnData>)>,
    rows: usize,
}

impl TableStream {
    /// Opens the outputs. `empty` fixes the columns and their types (a table with no rows is
    /// fine); the CSV header is written at once, so an empty stream still gives a valid table.
    pub fn create(
        csv: Option<&Path>,
        parquet: Option<&Path>,
        guard: &OutputGuard,
        empty: &Table,
    ) -> Result<Self, ReportError> {
        let shape = Self::shape_of(empty);
        let header_table = {
            let mut t = Table::new();
            for (name, data) in &empty.columns {
                t.push(name.clone(), Self::empty_like(data))?;
            }
            t
        };
        let csv_file = match csv {
            None => None,
            Some(csv) => {
                let mut f = BufWriter::with_capacity(1 << 20, guard.create_atomic(csv)?);
                let head = header_table.csv_bytes(true)?;
                f.write_all(&head).map_err(|source| ReportError::Io {
                    path: csv.to_path_buf(),
                    source,
                })?;
                Some(f)
            }
        };
        let parquet = match parquet {
            None => None,
            Some(path) => {
                let out = guard.create_atomic(path)?;
                let schema = header_table.to_dataframe()?.schema().as_ref().clone();
                let writer = ParquetWriter::new(out.try_clone_file()?)
                    .with_compression(ParquetCompression::Zstd(None))
                    .set_parallel(false)
                    .batched(&schema)
                    .map_err(|source| ReportError::Polars {
                        context: format!("{}: starting Parquet", path.display()),
                        source,
                    })?;
                Some((writer, out))
            }
        };
        Ok(Self {
            csv: csv_file,
            parquet,
            shape,
            rows: 0,
        })
    }

    fn shape_of(t: &Table) -> Vec<(String, std::mem::Discriminant<ColumnData>)> {
        t.columns
            .iter()
            .map(|(n, d)| (n.clone(), std::mem::discriminant(d)))
            .collect()
    }

    fn empty_like(data: &ColumnData) -> ColumnData {
        match data {
            ColumnData::Str(_) => ColumnData::Str(Vec::new()),
            ColumnData::F64(_) => ColumnData::F64(Vec::new()),
            ColumnData::I64(_) => ColumnData::I64(Vec::new()),
            ColumnData::Bool(_) => ColumnData::Bool(Vec::new()),
        }
    }

    /// Appends the rows of `chunk` (same columns and types as the table given to
    /// [`TableStream::create`]).
    pub fn append(&mut self, chunk: &Table) -> Result<(), ReportError> {
        if Self::shape_of(chunk) != self.shape {
            let path = match (&self.csv, &self.parquet) {
                (Some(c), _) => c.get_ref().path().display().to_string(),
                (None, Some((_, p))) => p.path().display().to_string(),
                (None, None) => String::new(),
            };
            return Err(ReportError::ColumnLength {
                column: format!("{path} (chunk columns or types differ from the table's)"),
                expected: self.shape.len(),
                got: chunk.n_cols(),
            });
        }
        if chunk.n_rows() == 0 {
            return Ok(());
        }
        // the CSV text and the Parquet row group of a chunk are independent: build them at once
        let csv = self.csv.as_mut();
        let parquet = self.parquet.as_mut();
        let (csv_done, parquet_done) = rayon::join(
            || -> Result<(), ReportError> {
                if let Some(csv) = csv {
                    let mut bytes = Vec::with_capacity(chunk.n_rows() * 16 * chunk.n_cols());
                    chunk.write_csv_rows(&mut bytes);
                    let path = csv.get_ref().path().to_path_buf();
                    csv.write_all(&bytes)
                        .map_err(|source| ReportError::Io { path, source })?;
                }
                Ok(())
            },
            || -> Result<(), ReportError> {
                if let Some((w, out)) = parquet {
                    let df = chunk.to_dataframe()?;
                    w.write_batch(&df).map_err(|source| ReportError::Polars {
                        context: format!("{}: writing Parquet", out.path().display()),
                        source,
                    })?;
                }
                Ok(())
            },
        );
        csv_done?;
        parquet_done?;
        self.rows += chunk.n_rows();
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Finishes both files and makes them visible (atomic renames). Returns the row count.
    pub fn finish(self) -> Result<usize, ReportError> {
        let Self {
            csv, parquet, rows, ..
        } = self;
        let csv = match csv {
            None => None,
            Some(csv) => {
                let csv_path = csv.get_ref().path().to_path_buf();
                Some(csv.into_inner().map_err(|e| ReportError::Io {
                    path: csv_path,
                    source: e.into_error(),
                })?)
            }
        };
        if let Some((w, out)) = parquet {
            w.finish().map_err(|source| ReportError::Polars {
                context: format!("{}: finishing Parquet", out.path().display()),
                source,
            })?;
            drop(w);
            out.commit()?;
        }
        if let Some(csv) = csv {
            csv.commit()?;
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;
    use polars::prelude::SerReader as _;

    fn chunk(rows: std::ops::Range<i64>) -> Table {
        let mut t = Table::new();
        t.push_str("name", rows.clone().map(|i| Some(format!("w{i}, \"q\""))))
            .unwrap();
        t.push_f64(
            "x",
            rows.clone().map(|i| (i % 3 != 0).then_some(i as f64 / 7.0)),
        )
        .unwrap();
        t.push_i64("n", rows.clone().map(Some)).unwrap();
        t.push_bool("ok", rows.map(|i| Some(i % 2 == 0))).unwrap();
        t
    }

    #[test]
    fn streamed_chunks_equal_the_whole_table() {
        let dir = tempfile::tempdir().unwrap();
        let guard = OutputGuard::new();
        let (csv, pq) = (dir.path().join("t.csv"), dir.path().join("t.parquet"));
        let mut s = TableStream::create(Some(&csv), Some(&pq), &guard, &chunk(0..0)).unwrap();
        for r in [0..5, 5..5, 5..12, 12..13] {
            s.append(&chunk(r)).unwrap();
        }
        assert!(!csv.exists() && !pq.exists());
        assert_eq!(s.finish().unwrap(), 13);
        let whole = chunk(0..13);
        assert_eq!(std::fs::read(&csv).unwrap(), whole.to_csv_bytes().unwrap());
        let df = polars::prelude::ParquetReader::new(std::fs::File::open(&pq).unwrap())
            .finish()
            .unwrap();
        assert!(df.equals_missing(&whole.to_dataframe().unwrap()));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }

    #[test]
    fn empty_stream_is_a_valid_table_and_bad_chunks_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let guard = OutputGuard::new();
        let csv = dir.path().join("e.csv");
        let mut s = TableStream::create(Some(&csv), None, &guard, &chunk(0..0)).unwrap();
        let mut other = Table::new();
        other.push_str("name", [Some("a")]).unwrap();
        assert!(s.append(&other).is_err());
        s.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), "name,x,n,ok\n");
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn fast_csv_is_byte_for_byte_polars_csv() {
        let texts = [
            Some("plain"),
            Some(""),
            None,
            Some("a,b"),
            Some("say \"hi\""),
            Some("\"\""),
            Some("line\nbreak"),
            Some("cr\rhere"),
            Some("µM — δ"),
            Some("end\""),
        ];
        let n = texts.len();
        let mut t = Table::new();
        t.push_str("na,me \"q\"", texts).unwrap();
        t.push_f64(
            "x",
            [
                Some(0.1),
                Some(100.0),
                None,
                Some(f64::NAN),
                Some(f64::INFINITY),
                Some(f64::NEG_INFINITY),
                Some(1e-7),
                Some(-2.5e16),
                Some(-0.0),
                Some(5e-324),
            ],
        )
        .unwrap();
        t.push_i64(
            "n",
            (0..n as i64).map(|i| (i != 3).then_some(i * -1_234_567_891)),
        )
        .unwrap();
        t.push_bool("ok", (0..n).map(|i| (i % 3 != 0).then_some(i % 2 == 0)))
            .unwrap();
        for header in [true, false] {
            let fast = t.csv_bytes(header).unwrap();
            let polars = t.csv_bytes_polars(header).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&polars),
                "header {header}"
            );
        }
        let empty = t.head(0);
        assert_eq!(
            empty.csv_bytes(true).unwrap(),
            empty.csv_bytes_polars(true).unwrap()
        );
    }
}
