//! Plate layouts: what each well holds (role, drugs, concentrations, cell line...).
//!
//! Parsed from wellmap-style TOML (see `docs/layout.md`) or plater-style plate-shaped CSV.

use std::collections::BTreeMap;
use std::fmt;

use crate::well::{PlateFormat, WellId};

/// What a well is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Treated cells (one or two drugs at some dose).
    Sample,
    /// Untreated cells: the 100 % viability reference.
    Untreated,
    /// Vehicle-treated cells (e.g. DMSO): also a 100 % viability reference.
    Vehicle,
    /// Medium without cells: the background (0 % viability) absorbance.
    Blank,
    /// Positive kill control (e.g. staurosporine, Triton): full effect.
    Positive,
    /// Nothing in the well, or a well to ignore.
    Empty,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 6] = [
        Self::Sample,
        Self::Untreated,
        Self::Vehicle,
        Self::Blank,
        Self::Positive,
        Self::Empty,
    ];

    /// The name used in layouts and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sample => "sample",
            Self::Untreated => "untreated",
            Self::Vehicle => "vehicle",
            Self::Blank => "blank",
            Self::Positive => "positive",
            Self::Empty => "empty",
        }
    }

    /// Parse a role name (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s))
    }

    /// Untreated or vehicle: a 100 % viability reference.
    pub fn is_negative_control(self) -> bool {
        matches!(self, Self::Untreated | Self::Vehicle)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the layout says of one well.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WellInfo {
    /// Role; `None` when the layout gives none (treated as `sample` when a drug is set).
    pub role: Option<Role>,
    /// Drug A name.
    pub drug_a: Option<String>,
    /// Drug A concentration, in `unit`.
    pub conc_a: Option<f64>,
    /// Drug B name.
    pub drug_b: Option<String>,
    /// Drug B concentration, in `unit`.
    pub conc_b: Option<f64>,
    /// Concentration unit (`nM`, `uM`, `ng/mL`...), shared by both drugs.
    pub unit: Option<String>,
    /// Cell line.
    pub cell_line: Option<String>,
    /// Replicate label.
    pub replicate: Option<String>,
    /// Every other key, as text.
    pub extra: BTreeMap<String, String>,
}

impl WellInfo {
    /// The role, defaulting to `sample` when a drug or concentration is set and `empty` otherwise.
    pub fn effective_role(&self) -> Role {
        self.role.unwrap_or(
            if self.drug_a.is_some() || self.drug_b.is_some() || self.conc_a.is_some() {
                Role::Sample
            } else {
                Role::Empty
            },
        )
    }
}

/// The layout of one plate.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateLayout {
    /// Plate name (the `NAME` of `[plate.NAME]`, or `1` for single-plate layouts).
    pub name: String,
    /// Geometry.
    pub format: PlateFormat,
    /// Wells the layout includes, with what it says of each.
    pub wells: BTreeMap<WellId, WellInfo>,
    /// Export files bound to this plate (from `[meta] paths` or the command line).
    pub paths: Vec<String>,
}

/// A whole layout: one or more plates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// Plates in the order the layout names them.
    pub plates: Vec<PlateLayout>,
    /// `[meta]` keys other than the ones platesyn interprets, as text.
    pub meta: BTreeMap<String, String>,
}
