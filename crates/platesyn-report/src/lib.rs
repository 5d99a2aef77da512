//! Reports for platesyn: batch tables (polars, CSV and Parquet), figures (plotters, SVG and PNG,
//! with an embedded font) and the self-contained HTML report.
//!
//! What does not live here: parsing (platesyn-plate) and numbers (platesyn-dose, platesyn-synergy).
