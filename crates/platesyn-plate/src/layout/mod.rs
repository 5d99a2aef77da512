//! Plate layouts: what each well holds (role, drugs, concentrations, cell line...).
//!
//! Parsed from wellmap-style TOML (see `docs/layout.md`) or plater-style plate-shaped CSV.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::error::PlateError;
use crate::well::{PlateFormat, WellId};

mod bind;
pub mod pattern;
mod plater;
mod wellmap;

pub use bind::{BindError, Binding, BoundWell, Exclusion, ExclusionReason, bind, bind_file};

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

impl WellInfo {
    /// Every key the layout gave this well, as text (platesyn keys and extras together),
    /// as a wellmap table would list them. Concentrations are written the shortest way.
    pub fn fields(&self) -> BTreeMap<String, String> {
        let mut out = self.extra.clone();
        let num = crate::model::format_number;
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.insert(k.to_owned(), v);
            }
        };
        put("role", self.role.map(|r| r.name().to_owned()));
        put("drug_a", self.drug_a.clone());
        put("conc_a", self.conc_a.map(num));
        put("drug_b", self.drug_b.clone());
        put("conc_b", self.conc_b.map(num));
        put("unit", self.unit.clone());
        put("cell_line", self.cell_line.clone());
        put("replicate", self.replicate.clone());
        out
    }
}

/// The layout of one plate.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateLayout {
    /// Plate name (the `NAME` of `[plate.NAME]`, or `1` for single-plate layouts).
    pub name: String,
    /// Geometry.
    pub format: PlateFormat,
    /// Whether the layout states the geometry (`[meta] wells = 384`, or a plate-shaped CSV);
    /// when `false` it was inferred as the smallest of 96, 384 and 1536 wells holding every
    /// layout well, and [`bind`] accepts any export plate that holds them.
    pub format_explicit: bool,
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
    /// Top-level keys and tables that are not part of the layout (wellmap's "extras", e.g.
    /// `[bradford] format = 'biotek'`), flattened to text.
    pub extras: BTreeMap<String, String>,
}

impl Layout {
    /// Parse a wellmap-style TOML layout (see `docs/layout.md`). `source` names the file in
    /// error messages, and relative export paths are resolved against its directory.
    pub fn from_toml_str(source: &str, text: &str) -> Result<Self, PlateError> {
        LazyLayout::from_toml_str(source, text)?.into_layout()
    }

    /// Parse a plater-style plate-shaped layout CSV (one grid per key, key name in the
    /// top-left cell, grids separated by one blank line) into a one-plate layout.
    pub fn from_plater_str(source: &str, text: &str) -> Result<Self, PlateError> {
        plater::parse(source, text)
    }

    /// Read a layout file: `.toml` as wellmap-style TOML, anything else (`.csv`, `.tsv`,
    /// `.txt`) as a plater-style plate-shaped CSV.
    pub fn from_path(path: &Path) -> Result<Self, PlateError> {
        LazyLayout::from_path(path)?.into_layout()
    }

    /// The plate with this name.
    pub fn plate(&self, name: &str) -> Option<&PlateLayout> {
        self.plates.iter().find(|p| p.name == name)
    }
}

/// A layout parsed and checked but not yet resolved to wells: each plate's wells are worked
/// out on demand ([`LazyLayout::resolve`], [`LazyLayout::resolve_plates`]), so a screen of
/// thousands of plates never holds every well of every plate at once.
///
/// Loading reports the same errors, with the same file, line and well, as [`Layout`] does:
/// every check that does not need a plate's wells runs at load, and a plate whose keys could
/// fail (an unknown role, a concentration that is not a number) is resolved at load once to
/// find out. Resolving a plate of a loaded layout therefore does not fail in practice; it
/// still returns a `Result` so that a caller can treat a bad plate as one failed plate.
#[derive(Debug)]
pub struct LazyLayout {
    inner: Lazy,
}

#[derive(Debug)]
enum Lazy {
    /// A wellmap TOML layout: compact sections, resolved per plate.
    Toml(wellmap::Parsed),
    /// A plater CSV layout: one small plate, resolved at load.
    Resolved(Layout),
}

impl LazyLayout {
    /// Parse and check a wellmap-style TOML layout; see [`Layout::from_toml_str`].
    pub fn from_toml_str(source: &str, text: &str) -> Result<Self, PlateError> {
        Ok(Self {
            inner: Lazy::Toml(wellmap::Parsed::parse(source, text)?),
        })
    }

    /// Parse a plater-style layout CSV (resolved at once: it holds one plate).
    pub fn from_plater_str(source: &str, text: &str) -> Result<Self, PlateError> {
        Ok(Self {
            inner: Lazy::Resolved(plater::parse(source, text)?),
        })
    }

    /// Read a layout file, `.toml` as wellmap-style TOML, anything else as plater-style CSV;
    /// see [`Layout::from_path`].
    pub fn from_path(path: &Path) -> Result<Self, PlateError> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| PlateError::Io {
            path: source.clone(),
            source: e,
        })?;
        let Some((text, _)) = crate::text::decode(&bytes) else {
            return Err(PlateError::parse(
                &source,
                None,
                "binary content; a layout is a TOML or CSV text file",
            ));
        };
        drop(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if is_toml {
            Self::from_toml_str(&source, text)
        } else {
            Self::from_plater_str(&source, text)
        }
    }

    /// Number of plates.
    pub fn len(&self) -> usize {
        match &self.inner {
            Lazy::Toml(t) => t.len(),
            Lazy::Resolved(l) => l.plates.len(),
        }
    }

    /// Whether the layout has no plate (never, for a layout that loaded).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Name of plate `i` (`0..len()`, in the order the layout names them); see
    /// [`PlateLayout::name`]. Panics when `i` is out of range, like slice indexing.
    pub fn plate_name(&self, i: usize) -> &str {
        match &self.inner {
            Lazy::Toml(t) => t.name(i),
            Lazy::Resolved(l) => &l.plates[i].name,
        }
    }

    /// Plate names, in the order the layout names them.
    pub fn plate_names(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.plate_name(i))
    }

    /// Export files bound to plate `i` by the layout; see [`PlateLayout::paths`]. Panics when
    /// `i` is out of range.
    pub fn plate_paths(&self, i: usize) -> &[String] {
        match &self.inner {
            Lazy::Toml(t) => t.paths(i),
            Lazy::Resolved(l) => &l.plates[i].paths,
        }
    }

    /// `[meta]` keys other than the ones platesyn interprets; see [`Layout::meta`].
    pub fn meta(&self) -> &BTreeMap<String, String> {
        match &self.inner {
            Lazy::Toml(t) => &t.meta,
            Lazy::Resolved(l) => &l.meta,
        }
    }

    /// Top-level keys that are not part of the layout; see [`Layout::extras`].
    pub fn extras(&self) -> &BTreeMap<String, String> {
        match &self.inner {
            Lazy::Toml(t) => &t.extras,
            Lazy::Resolved(l) => &l.extras,
        }
    }

    /// Resolve plate `i` to its wells. Panics when `i` is out of range.
    pub fn resolve(&self, i: usize) -> Result<PlateLayout, PlateError> {
        match &self.inner {
            Lazy::Toml(t) => t.resolve(i),
            Lazy::Resolved(l) => Ok(l.plates[i].clone()),
        }
    }

    /// Resolve the plates at `indices`, in parallel (on the current rayon pool), in the
    /// order given. Panics when an index is out of range.
    pub fn resolve_plates(&self, indices: &[usize]) -> Vec<Result<PlateLayout, PlateError>> {
        use rayon::prelude::*;
        indices.par_iter().map(|&i| self.resolve(i)).collect()
    }

    /// Resolve every plate (in parallel) into a [`Layout`]; the first error in file order
    /// is the one returned.
    pub fn into_layout(self) -> Result<Layout, PlateError> {
        match self.inner {
            Lazy::Resolved(l) => Ok(l),
            Lazy::Toml(t) => {
                use rayon::prelude::*;
                let resolved: Vec<Result<PlateLayout, PlateError>> =
                    (0..t.len()).into_par_iter().map(|i| t.resolve(i)).collect();
                let plates = resolved.into_iter().collect::<Result<Vec<_>, _>>()?;
                Ok(Layout {
                    plates,
                    meta: t.meta,
                    extras: t.extras,
                })
            }
        }
    }
}

/// The platesyn keys a layout interprets; every other key goes to [`WellInfo::extra`].
pub const LAYOUT_KEYS: [&str; 8] = [
    "role",
    "drug_a",
    "conc_a",
    "drug_b",
    "conc_b",
    "unit",
    "cell_line",
    "replicate",
];

/// The role named by `text`, or what was expected.
fn role_of(text: &str) -> Result<Role, String> {
    Role::from_name(text).ok_or_else(|| {
        format!(
            "unknown role `{text}` (expected one of sample, untreated, vehicle, blank, \
             positive, empty)"
        )
    })
}

/// The concentration `k` given as `text` (or `number`, when the source gave a number).
fn conc_of(k: &str, text: &str, number: Option<f64>) -> Result<f64, String> {
    let x = number
        .or_else(|| crate::text::parse_number(text, false))
        .ok_or_else(|| {
            format!("{k} must be a number (a concentration in `unit`), found `{text}`")
        })?;
    if x < 0.0 {
        return Err(format!("{k} must not be negative, found {text}"));
    }
    Ok(x)
}

/// Whether [`apply_key`] accepts this key and value, without building anything: the same
/// checks, the same messages.
pub(crate) fn check_key(key: &str, text: &str, number: Option<f64>) -> Result<(), String> {
    match key {
        "role" => role_of(text).map(drop),
        "conc_a" | "conc_b" => conc_of(key, text, number).map(drop),
        _ => Ok(()),
    }
}

/// Set one key of `info` from its text (and its number, when the source gave a number).
/// Errors say what was expected; the caller adds file, section/line and well.
pub(crate) fn apply_key(
    info: &mut WellInfo,
    key: &str,
    text: &str,
    number: Option<f64>,
) -> Result<(), String> {
    match key {
        "role" => info.role = Some(role_of(text)?),
        "drug_a" => info.drug_a = Some(text.to_owned()),
        "drug_b" => info.drug_b = Some(text.to_owned()),
        "conc_a" => info.conc_a = Some(conc_of("conc_a", text, number)?),
        "conc_b" => info.conc_b = Some(conc_of("conc_b", text, number)?),
        "unit" => info.unit = Some(text.to_owned()),
        "cell_line" => info.cell_line = Some(text.to_owned()),
        "replicate" => info.replicate = Some(text.to_owned()),
        other => {
            info.extra.insert(other.to_owned(), text.to_owned());
        }
    }
    Ok(())
}
