//! Errors raised while building blocks from input records.

use thiserror::Error;

/// Everything that can go wrong turning long-table records into a [`crate::DoseMatrix`].
///
/// Messages name the block, the record (0-based index in the input slice, or the
/// concentration pair) and what was expected.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SynergyError {
    /// A concentration is negative, NaN or infinite.
    #[error(
        "block {block}: record {record}: concentration {value} for drug {drug} is not a finite number >= 0"
    )]
    BadConcentration {
        /// Block id.
        block: String,
        /// Record index within the input.
        record: usize,
        /// Which drug (`A` or `B`).
        drug: char,
        /// The offending value.
        value: f64,
    },
    /// The block has no zero-dose row or column, so monotherapies cannot be identified.
    #[error(
        "block {block}: no zero concentration for drug {drug}; a dose matrix needs the monotherapy row/column (dose 0)"
    )]
    NoZeroDose {
        /// Block id.
        block: String,
        /// Which drug (`A` or `B`).
        drug: char,
    },
    /// Fewer than 2 non-zero doses for a drug.
    #[error(
        "block {block}: drug {drug} has {found} non-zero concentration(s); at least 2 are needed"
    )]
    TooFewDoses {
        /// Block id.
        block: String,
        /// Which drug (`A` or `B`).
        drug: char,
        /// Number of non-zero doses found.
        found: usize,
    },
    /// Records disagree on a per-block attribute (drug names, unit, scale).
    #[error(
        "block {block}: record {record}: {what} is {found:?} but earlier records of this block have {expected:?}"
    )]
    Inconsistent {
        /// Block id.
        block: String,
        /// Record index within the input.
        record: usize,
        /// Attribute name.
        what: &'static str,
        /// Value seen first.
        expected: String,
        /// Conflicting value.
        found: String,
    },
    /// A header lacks a required column.
    #[error("header: no column for {field}; expected one of {accepted}")]
    MissingColumn {
        /// The logical field (e.g. `conc_a`).
        field: &'static str,
        /// Accepted column names, comma separated.
        accepted: String,
    },
    /// Two header columns map to the same logical field.
    #[error("header: columns {first:?} and {second:?} both map to {field}")]
    DuplicateColumn {
        /// The logical field.
        field: &'static str,
        /// First column name.
        first: String,
        /// Second column name.
        second: String,
    },
    /// A cell of a long table is not a number.
    #[error("line {line}: column {column:?}: {text:?} is not a number")]
    BadNumber {
        /// 1-based line number in the source table (header = line 1).
        line: usize,
        /// Column name.
        column: String,
        /// The text found.
        text: String,
    },
    /// A row of a long table has fewer fields than the header.
    #[error("line {line}: {found} fields but the header needs column {needed} ({column:?})")]
    ShortRow {
        /// 1-based line number.
        line: usize,
        /// Fields found.
        found: usize,
        /// 1-based index of the needed column.
        needed: usize,
        /// Column name.
        column: String,
    },
    /// No records for the block.
    #[error("block {block}: no records")]
    Empty {
        /// Block id.
        block: String,
    },
}
