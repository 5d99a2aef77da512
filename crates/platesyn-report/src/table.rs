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
//!
//! Long text columns that repeat a few names (file, plate, well, drug) can be given as a
//! dictionary ([`ColumnData::Dict`], built with [`DictColumn`]): the same CSV and Parquet as the
//! spelled-out [`ColumnData::Str`], without a `String` per cell, each value quoted once.

use std::io::{BufWriter, Cursor, Write as _};
use std::path::Path;

use polars::io::parquet::write::BatchedWriter;

use polars::prelude::{
    Column, CsvWriter, DataFrame, ParquetCompression, ParquetWriter, PlSmallStr, SerWriter,
};

use crate::error::ReportError;
use crate::fmt::{format_float_display, format_float_exact, write_float_exact, write_i64};
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
    /// Text given as a dictionary: row `i` is `values[codes[i]]`, `None` a missing value.
    /// Written exactly as the [`ColumnData::Str`] column of the spelled-out values (CSV and
    /// Parquet); values may repeat.
    Dict {
        /// The distinct texts (repeats allowed).
        values: Vec<String>,
        /// Per row: an index into `values`, or `None` for a missing value.
        codes: Vec<Option<u32>>,
    },
}

/// The text of each row of a dictionary column (`None` = missing).
fn dict_texts<'a>(
    values: &'a [String],
    codes: &'a [Option<u32>],
) -> impl Iterator<Item = Option<&'a str>> {
    codes.iter().map(|c| c.map(|c| values[c as usize].as_str()))
}

/// Builds a [`ColumnData::Dict`] row by row, each distinct text stored once.
#[derive(Debug, Default)]
pub struct DictColumn {
    values: Vec<String>,
    index: polars::prelude::PlHashMap<String, u32>,
    codes: Vec<Option<u32>>,
    /// The code returned last (rows often repeat the previous row's text).
    last: Option<u32>,
}

impl DictColumn {
    /// An empty column with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            codes: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// The code of `s`, added to the values on first sight.
    pub fn code(&mut self, s: &str) -> u32 {
        if let Some(c) = self.last.filter(|&c| self.values[c as usize] == s) {
            return c;
        }
        let c = if let Some(&c) = self.index.get(s) {
            c
        } else {
            let c = u32::try_from(self.values.len()).expect("fewer than 2^32 distinct values");
            self.values.push(s.to_owned());
            self.index.insert(s.to_owned(), c);
            c
        };
        self.last = Some(c);
        c
    }

    /// Appends a row holding `s` (`None` = missing).
    pub fn push(&mut self, s: Option<&str>) {
        let c = s.map(|s| self.code(s));
        self.codes.push(c);
    }

    /// Appends a row holding the value of `code` (from [`DictColumn::code`]); `None` = missing.
    pub fn push_code(&mut self, code: Option<u32>) {
        self.codes.push(code);
    }

    /// The text of every row so far (`None` = missing).
    pub fn texts(&self) -> impl Iterator<Item = Option<&str>> {
        dict_texts(&self.values, &self.codes)
    }

    /// The finished column.
    pub fn finish(self) -> ColumnData {
        ColumnData::Dict {
            values: self.values,
            codes: self.codes,
        }
    }
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Str(v) => v.len(),
            Self::F64(v) => v.len(),
            Self::I64(v) => v.len(),
            Self::Bool(v) => v.len(),
            Self::Dict { codes, .. } => codes.len(),
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
            Self::Dict { values, codes } => codes[row].map(|c| values[c as usize].clone()),
        }
    }

    /// The first row whose dictionary code points past the values, as (row, code).
    fn bad_code(&self) -> Option<(usize, u32)> {
        match self {
            Self::Dict { values, codes } => codes
                .iter()
                .enumerate()
                .find_map(|(i, c)| c.filter(|&c| c as usize >= values.len()).map(|c| (i, c))),
            _ => None,
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

    /// Appends a column. Fails when the name is taken, the length differs from the columns
    /// already present, or a dictionary code points past its values.
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
        if let Some((row, code)) = data.bad_code() {
            let values = match &data {
                ColumnData::Dict { values, .. } => values.len(),
                _ => 0,
            };
            return Err(ReportError::DictCode {
                column: name,
                row,
                code,
                values,
            });
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
                    ColumnData::Dict { values, codes } => ColumnData::Dict {
                        values: values.clone(),
                        codes: codes.iter().take(n).copied().collect(),
                    },
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

    /// Builds the frame; with `floats_as_text` the float columns become exact text (CSV view,
    /// with std's `{:?}` itself: the reference the fast CSV writer is tested against).
    fn frame(&self, floats_as_text: bool) -> Result<DataFrame, ReportError> {
        let cols: Vec<Column> = self
            .columns
            .iter()
            .map(|(name, data)| {
                let name = PlSmallStr::from_str(name);
                match data {
                    ColumnData::Str(v) => Column::new(name, v),
                    ColumnData::Dict { values, codes } => {
                        let v: Vec<Option<&str>> = dict_texts(values, codes).collect();
                        Column::new(name, v)
                    }
                    ColumnData::F64(v) if floats_as_text => {
                        let s: Vec<Option<String>> =
                            v.iter().map(|x| x.map(|x| format!("{x:?}"))).collect();
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
        // each dictionary value as a CSV field once: (bytes, end offset of each value)
        let dicts: Vec<Option<(Vec<u8>, Vec<usize>)>> = self
            .columns
            .iter()
            .map(|(_, data)| match data {
                ColumnData::Dict { values, .. } => {
                    let mut bytes = Vec::new();
                    let ends = values
                        .iter()
                        .map(|v| {
                            csv_str(&mut bytes, v);
                            bytes.len()
                        })
                        .collect();
                    Some((bytes, ends))
                }
                _ => None,
            })
            .collect();
        for row in 0..self.n_rows() {
            for (k, ((_, data), dict)) in self.columns.iter().zip(&dicts).enumerate() {
                if k > 0 {
                    buf.push(b',');
                }
                match data {
                    ColumnData::Str(v) => {
                        if let Some(s) = &v[row] {
                            csv_str(buf, s);
                        }
                    }
                    ColumnData::Dict { codes, .. } => {
                        if let (Some(c), Some((bytes, ends))) = (codes[row], dict) {
                            let c = c as usize;
                            let start = if c == 0 { 0 } else { ends[c - 1] };
                            buf.extend_from_slice(&bytes[start..ends[c]]);
                        }
                    }
                    ColumnData::F64(v) => {
                        if let Some(x) = v[row] {
                            // format_float_exact, without the String (never needs quoting)
                            write_float_exact(buf, x);
                        }
                    }
                    ColumnData::I64(v) => {
                        if let Some(x) = v[row] {
                            write_i64(buf, x);
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
    /// The CSV text of a chunk, reused from chunk to chunk (no fresh pages per chunk).
    csv_buf: Vec<u8>,
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
            csv_buf: Vec::new(),
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
            ColumnData::Dict { .. } => ColumnData::Dict {
                values: Vec::new(),
                codes: Vec::new(),
            },
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
        let bytes = &mut self.csv_buf;
        let (csv_done, parquet_done) = rayon::join(
            || -> Result<(), ReportError> {
                if let Some(csv) = csv {
                    bytes.clear();
                    bytes.reserve(chunk.n_rows() * 16 * chunk.n_cols());
                    chunk.write_csv_rows(bytes);
                    let path = csv.get_ref().path().to_path_buf();
                    csv.write_all(bytes)
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
        let mut d = DictColumn::with_capacity(n);
        for s in texts.iter().rev() {
            d.push(*s);
        }
        t.push("dict", d.finish()).unwrap();
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

    /// A dictionary column and its spelled-out text column, with repeats, missing values, an
    /// empty text and values that need quoting.
    fn dict_and_text() -> (Table, Table) {
        let rows = [
            Some("a,b"),
            None,
            Some("plain"),
            Some("a,b"),
            Some(""),
            Some("say \"hi\""),
            Some("plain"),
            None,
        ];
        let mut d = DictColumn::with_capacity(rows.len());
        for r in rows {
            d.push(r);
        }
        let mut dict = Table::new();
        dict.push("name", d.finish()).unwrap();
        dict.push_f64("x", (0..rows.len()).map(|i| Some(i as f64 * 0.1)))
            .unwrap();
        let mut text = Table::new();
        text.push_str("name", rows).unwrap();
        text.push_f64("x", (0..rows.len()).map(|i| Some(i as f64 * 0.1)))
            .unwrap();
        (dict, text)
    }

    #[test]
    fn dict_column_writes_like_its_text_column() {
        let (dict, text) = dict_and_text();
        assert_eq!(dict.to_csv_bytes().unwrap(), text.to_csv_bytes().unwrap());
        assert_eq!(
            dict.to_csv_string().unwrap(),
            "name,x\n\"a,b\",0.0\n,0.1\nplain,0.2\n\"a,b\",0.30000000000000004\n\"\",0.4\n\"say \"\"hi\"\"\",0.5\nplain,0.6000000000000001\n,0.7000000000000001\n"
        );
        assert_eq!(
            dict.to_parquet_bytes().unwrap(),
            text.to_parquet_bytes().unwrap()
        );
        assert!(
            dict.to_dataframe()
                .unwrap()
                .equals_missing(&text.to_dataframe().unwrap())
        );
        for row in 0..text.n_rows() {
            assert_eq!(
                dict.columns()[0].1.csv_cell(row),
                text.columns()[0].1.csv_cell(row)
            );
        }
        let head = dict.head(3);
        assert_eq!(
            head.to_csv_bytes().unwrap(),
            text.head(3).to_csv_bytes().unwrap()
        );
        // values: "a,b", "plain", "", "say \"hi\"" (each once)
        match &dict.columns()[0].1 {
            ColumnData::Dict { values, codes } => {
                assert_eq!(values.len(), 4);
                assert_eq!(codes[0], codes[3]);
            }
            other => panic!("not a dictionary: {other:?}"),
        }
    }

    #[test]
    fn dict_code_past_the_values_is_refused() {
        let mut t = Table::new();
        let err = t
            .push(
                "d",
                ColumnData::Dict {
                    values: vec!["a".into()],
                    codes: vec![Some(0), None, Some(1)],
                },
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "table column `d`, row 2: dictionary code 1 but the column has 1 values"
        );
        assert_eq!(t.n_cols(), 0);
    }
}
