//! Binding a layout plate to an export plate: which reading belongs to which layout well.

use crate::layout::{PlateLayout, WellInfo};
use crate::model::{Flag, Plate, PlateFile, Value};
use crate::well::{PlateFormat, WellId};

/// Why a layout well has no reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExclusionReason {
    /// The export does not cover the well at all, or its cell is blank (the well was not read).
    NotRead,
}

/// A layout well left out of a binding, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// The well.
    pub well: WellId,
    /// Why.
    pub reason: ExclusionReason,
}

/// One layout well with its reading.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundWell {
    /// The well.
    pub well: WellId,
    /// What the layout says of it.
    pub info: WellInfo,
    /// The reading, in the read's own unit; a flag (overflow, masked, ...) is kept as a flag
    /// for the caller to judge. Never `Flag::Empty` (those wells are exclusions).
    pub value: Value,
}

/// A layout plate bound to one read of one export plate.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The layout plate's name.
    pub layout_plate: String,
    /// The export plate's id.
    pub plate: String,
    /// The read used ([`crate::Read::name`]: wavelength in nm, else label).
    pub read: String,
    /// Layout wells with a reading, row-major.
    pub wells: Vec<BoundWell>,
    /// Layout wells without a reading, row-major.
    pub excluded: Vec<Exclusion>,
    /// Wells the export read but the layout does not name, row-major (ignored downstream).
    pub unlabelled: Vec<WellId>,
}

/// Why a layout plate cannot be bound to an export plate.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BindError {
    /// The layout states a geometry different from the export's.
    #[error(
        "layout plate `{layout}` is a {layout_format} plate but export plate `{plate}` is a \
         {plate_format} plate"
    )]
    FormatMismatch {
        /// Layout plate name.
        layout: String,
        /// Its geometry.
        layout_format: PlateFormat,
        /// Export plate id.
        plate: String,
        /// Its geometry.
        plate_format: PlateFormat,
    },
    /// A layout well lies outside the export plate.
    #[error(
        "layout plate `{layout}` names well {well}, which is outside export plate `{plate}` ({plate_format})"
    )]
    WellOutside {
        /// Layout plate name.
        layout: String,
        /// The well.
        well: WellId,
        /// Export plate id.
        plate: String,
        /// Its geometry.
        plate_format: PlateFormat,
    },
    /// The export plate has no reads.
    #[error("export plate `{plate}` has no reads")]
    NoRead {
        /// Export plate id.
        plate: String,
    },
    /// Several reads and none chosen.
    #[error("export plate `{plate}` has several reads ({reads}); choose one")]
    AmbiguousRead {
        /// Export plate id.
        plate: String,
        /// The read names, comma-separated.
        reads: String,
    },
    /// The chosen read does not exist.
    #[error("export plate `{plate}` has no read `{read}` (it has: {reads})")]
    UnknownRead {
        /// Export plate id.
        plate: String,
        /// The read asked for.
        read: String,
        /// The read names, comma-separated.
        reads: String,
    },
    /// An error binding a plate of a file.
    #[error("{file}: {error}")]
    InFile {
        /// The export file.
        file: String,
        /// The error.
        error: Box<BindError>,
    },
}

/// Bind `layout` to one read of `plate` (`read` = a read name or label; `None` when the
/// plate has exactly one read).
///
/// A layout that states its geometry must match the export's; an inferred geometry only
/// needs every layout well to lie on the export plate.
pub fn bind(layout: &PlateLayout, plate: &Plate, read: Option<&str>) -> Result<Binding, BindError> {
    let names = || {
        plate
            .reads
            .iter()
            .map(crate::model::Read::name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let r = match read {
        Some(name) => plate.read(name).ok_or_else(|| BindError::UnknownRead {
            plate: plate.id.clone(),
            read: name.to_owned(),
            reads: names(),
        })?,
        None => match plate.reads.as_slice() {
            [] => {
                return Err(BindError::NoRead {
                    plate: plate.id.clone(),
                });
            }
            [only] => only,
            _ => {
                return Err(BindError::AmbiguousRead {
                    plate: plate.id.clone(),
                    reads: names(),
                });
            }
        },
    };
    if layout.format_explicit && layout.format != plate.format {
        return Err(BindError::FormatMismatch {
            layout: layout.name.clone(),
            layout_format: layout.format,
            plate: plate.id.clone(),
            plate_format: plate.format,
        });
    }
    if let Some(&well) = layout.wells.keys().find(|w| !plate.format.contains(**w)) {
        return Err(BindError::WellOutside {
            layout: layout.name.clone(),
            well,
            plate: plate.id.clone(),
            plate_format: plate.format,
        });
    }
    let mut wells = Vec::new();
    let mut excluded = Vec::new();
    for (&well, info) in &layout.wells {
        match plate.value(r, well) {
            None | Some(Value::Flag(Flag::Empty)) => excluded.push(Exclusion {
                well,
                reason: ExclusionReason::NotRead,
            }),
            Some(value) => wells.push(BoundWell {
                well,
                info: info.clone(),
                value,
            }),
        }
    }
    let unlabelled = plate
        .format
        .wells()
        .filter(|w| !layout.wells.contains_key(w))
        .filter(|w| !matches!(plate.value(r, *w), None | Some(Value::Flag(Flag::Empty))))
        .collect();
    let key = |w: &WellId| plate.format.index(*w);
    wells.sort_by_key(|b| key(&b.well));
    excluded.sort_by_key(|e| key(&e.well));
    Ok(Binding {
        layout_plate: layout.name.clone(),
        plate: plate.id.clone(),
        read: r.name(),
        wells,
        excluded,
        unlabelled,
    })
}

/// Bind `layout` to every plate of an export file (errors name the file).
pub fn bind_file(
    layout: &PlateLayout,
    file: &PlateFile,
    read: Option<&str>,
) -> Result<Vec<Binding>, BindError> {
    file.plates
        .iter()
        .map(|p| {
            bind(layout, p, read).map_err(|e| BindError::InFile {
                file: file.source.clone(),
                error: Box::new(e),
            })
        })
        .collect()
}
