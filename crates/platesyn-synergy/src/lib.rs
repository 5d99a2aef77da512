//! Drug-combination synergy scores for platesyn: Bliss, HSA, Loewe, ZIP and the
//! Chou-Talalay combination index, with block summaries and a seeded replicate bootstrap.
//! Pure: no file I/O.
//!
//! Conventions:
//! - A block ([`DoseMatrix`], alias [`SynergyGrid`]) is drug A (rows) x drug B (columns)
//!   including the zero row and column; replicates allowed; cells may be missing.
//! - Input responses carry an explicit [`ResponseScale`]; nothing is guessed. Internally
//!   viability is a fraction; scores are reported in percentage points of inhibition,
//!   positive = synergy. Monotherapy and control cells score 0.
//! - A combination index below 1 means synergy.
//! - LL.4 fits (Loewe, ZIP, baseline) are drc-compatible by default, reproducing
//!   SynergyFinder; [`FitMode::Global`] gives the least-squares optimum instead.
//!
//! Quick use: build blocks with [`group_records`] (or [`DoseMatrix::new`]), score with
//! [`score_block`], summarise with [`summarize`] / [`summary_rows`], emit [`cell_rows`].

pub mod baseline;
pub mod block;
pub mod bootstrap;
pub mod ci;
pub mod curve;
pub mod error;
pub mod fitting;
pub mod grid;
pub mod input;
pub mod rows;
pub mod scale;
pub mod score;
pub mod summary;

pub use baseline::BaselineCorrection;
pub use block::{DoseMatrix, Point, SynergyGrid};
pub use bootstrap::{BootStats, BootstrapOptions, BootstrapResult, ModelBootstrap, bootstrap};
pub use ci::{CombinationIndex, EffectLevelCi, MedianEffect, RayCi};
pub use curve::{Ll4, SingleFit};
pub use error::SynergyError;
pub use fitting::FitMode;
pub use grid::Grid;
pub use input::{Field, HeaderMap, LongRecord, group_records};
pub use rows::{CELL_COLUMNS, CellRow, SUMMARY_COLUMNS, SummaryRow, cell_rows, summary_rows};
pub use scale::{ResponseKind, ResponseScale, ResponseUnit};
pub use score::{
    CellScore, Drug, FitFlag, LoeweMode, MissingReason, Model, ScoreMatrix, ScoreOptions,
    ScoredBlock, SingleFits, score_block,
};
pub use summary::{BlockSummary, most_synergistic_area, sf_p_value, summarize};
