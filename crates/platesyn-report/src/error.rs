//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while building tables, drawing figures or writing files.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A column was added whose length differs from the columns already in the table.
    #[error(
        "table column `{column}`: expected {expected} rows (like the other columns), got {got}"
    )]
    ColumnLength {
        /// Name of the offending column.
        column: String,
        /// Row count of the columns already present.
        expected: usize,
        /// Row count of the new column.
        got: usize,
    },
    /// A column name was used twice in one table.
    #[error("table column `{column}`: a column with this name already exists")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },
    /// A row of a dictionary text column ([`crate::ColumnData::Dict`]) points past its values.
    #[error(
        "table column `{column}`, row {row}: dictionary code {code} but the column has {values} values"
    )]
    DictCode {
        /// Name of the offending column.
        column: String,
        /// 0-based row.
        row: usize,
        /// The code found.
        code: u32,
        /// Number of values (valid codes are `0..values`).
        values: usize,
    },
    /// polars refused to build, write or read a frame.
    #[error("{context}: {source}")]
    Polars {
        /// What was being done (and on which file, if any).
        context: String,
        /// The polars error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The output path is one of the declared inputs; it is never overwritten.
    #[error("{}: refusing to write an output over an input file", path.display())]
    WouldOverwriteInput {
        /// The output path that resolves to an input.
        path: PathBuf,
    },
    /// The data handed to a figure is inconsistent (e.g. label count differs from matrix size).
    #[error("figure `{figure}`: {message}")]
    FigureData {
        /// Which figure (its title).
        figure: String,
        /// What was expected.
        message: String,
    },
    /// plotters or the PNG encoder failed while drawing.
    #[error("figure `{figure}`: drawing failed: {message}")]
    Draw {
        /// Which figure (its title).
        figure: String,
        /// The backend's message.
        message: String,
    },
}
