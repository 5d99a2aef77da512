//! Reports for platesyn: batch tables (polars, CSV and Parquet), figures (plotters, SVG and PNG,
//! with an embedded font) and the self-contained HTML report.
//!
//! What does not live here: parsing (platesyn-plate) and numbers (platesyn-dose, platesyn-synergy).
//! Every input is plain data (vectors, matrices of `Option<f64>`, strings), so the crate can be
//! wired to the other crates' types by the caller.
//!
//! Every file is written through [`OutputGuard::write_atomic`]: temporary file in the same
//! directory, then rename, and never over a declared input.

pub mod error;
pub mod figures;
pub mod fmt;
pub mod html;
pub mod output;
pub mod screen;
pub mod screen_report;
pub mod table;

pub use error::ReportError;
pub use output::{AtomicFile, OutputGuard};
pub use table::{ColumnData, DictColumn, Table, TableStream};

/// The platesyn version written into reports (this crate's version; the workspace shares one).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
