//! Ingest for platesyn: plate-reader exports and plate layouts into typed plates.
//!
//! What lives here: the plate model ([`Plate`], [`WellId`], [`Read`], [`Value`], [`Flag`]),
//! text decoding and delimiter sniffing, format detection, one module per file shape
//! (generic grids and long tables, and each vendor export), and plate layouts (wellmap-style
//! TOML and plater-style CSV).
//!
//! What does not: anything numerical beyond parsing a number. Blank correction, viability,
//! QC and fitting live in `platesyn-dose`; this crate knows files and knows nothing of fitting.

pub mod error;
pub mod layout;
pub mod model;
pub mod well;

pub use error::{ErrorLocation, PlateError};
pub use layout::{
    BindError, Binding, BoundWell, Exclusion, ExclusionReason, Layout, LazyLayout, PlateLayout,
    Role, WellInfo, bind, bind_file,
};
pub use model::{Flag, Metadata, Plate, PlateFile, Read, SourceFormat, Value};
pub use well::{PlateFormat, WellId};
pub mod formats;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod tidy;
pub mod write;

pub use formats::{read_bytes, read_path};
pub use tidy::{TIDY_COLUMNS, TidyRow, tidy_rows, write_tidy_csv};
