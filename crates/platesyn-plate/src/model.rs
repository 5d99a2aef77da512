//! The plate model: plates, reads, per-well values and flags.

use std::collections::BTreeMap;
use std::fmt;

use crate::well::{PlateFormat, WellId};

/// Why a well has no number. A flag is never turned into a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// Signal above the detector's range (`OVRFLW`, `OVER`, `Sat`, `Saturated`).
    Overflow,
    /// The reader missed the well (`MISSED`).
    Missed,
    /// The reader software could not calculate the value (`?????`).
    CalcFailed,
    /// Below the reported range (`<0.000`).
    OutOfRangeLow,
    /// Above the reported range (`>4.000`).
    OutOfRangeHigh,
    /// The user or software masked the well (`Masked`).
    Masked,
    /// The export says `NaN` (or an equivalent not-a-number token).
    Nan,
    /// The cell is present but blank: the well was not read.
    Empty,
}

impl Flag {
    /// Every flag, in a stable order.
    pub const ALL: [Self; 8] = [
        Self::Overflow,
        Self::Missed,
        Self::CalcFailed,
        Self::OutOfRangeLow,
        Self::OutOfRangeHigh,
        Self::Masked,
        Self::Nan,
        Self::Empty,
    ];

    /// The name written in tables (`overflow`, `missed`, `calc_failed`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Overflow => "overflow",
            Self::Missed => "missed",
            Self::CalcFailed => "calc_failed",
            Self::OutOfRangeLow => "out_of_range_low",
            Self::OutOfRangeHigh => "out_of_range_high",
            Self::Masked => "masked",
            Self::Nan => "nan",
            Self::Empty => "empty",
        }
    }

    /// Inverse of [`Flag::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One well's reading: a number, or a flag saying why there is none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A finite reading in the read's own unit (absorbance/OD for absorbance reads).
    Number(f64),
    /// No usable number, and why.
    Flag(Flag),
}

impl Value {
    /// The number, if there is one.
    pub fn number(self) -> Option<f64> {
        match self {
            Self::Number(x) => Some(x),
            Self::Flag(_) => None,
        }
    }

    /// The flag, if there is one.
    pub fn flag(self) -> Option<Flag> {
        match self {
            Self::Number(_) => None,
            Self::Flag(f) => Some(f),
        }
    }
}

/// One read of a plate (a wavelength such as 490 nm, or a labelled measurement).
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// The read's label as the export names it (`490`, `Blank 450`, `Read 1:600`, ...).
    pub label: String,
    /// The wavelength in nm, when known.
    pub wavelength_nm: Option<f64>,
    /// Values indexed row-major by well (see [`PlateFormat::index`]); `None` = the export
    /// does not cover this well at all (partial plates), as opposed to `Some(Value::Flag(Flag::Empty))`.
    pub values: Vec<Option<Value>>,
}

impl Read {
    /// An empty read covering no wells of `format`.
    pub fn new(label: impl Into<String>, wavelength_nm: Option<f64>, format: PlateFormat) -> Self {
        Self {
            label: label.into(),
            wavelength_nm,
            values: vec![None; format.well_count()],
        }
    }

    /// The name used in tables: the wavelength in nm (`490`) when known, else the label.
    pub fn name(&self) -> String {
        match self.wavelength_nm {
            Some(w) => format_number(w),
            None => self.label.clone(),
        }
    }
}

/// Format a number the shortest way that round-trips (`490`, `0.25`).
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Free-text metadata from the export, kept as text (reader, software, date, barcode...).
pub type Metadata = BTreeMap<String, String>;

/// A plate: a geometry, one or more reads, and metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Plate {
    /// Plate id as the export names it (barcode, plate name, or `1`, `2`... by position).
    pub id: String,
    /// Geometry.
    pub format: PlateFormat,
    /// Reads, in file order.
    pub reads: Vec<Read>,
    /// Metadata, kept as text. Well-known keys: `reader`, `software`, `date`, `time`,
    /// `barcode`, `wavelength`.
    pub metadata: Metadata,
}

impl Plate {
    /// A plate with no reads.
    pub fn new(id: impl Into<String>, format: PlateFormat) -> Self {
        Self {
            id: id.into(),
            format,
            reads: Vec::new(),
            metadata: Metadata::new(),
        }
    }

    /// The read with this table name ([`Read::name`]) or label.
    pub fn read(&self, name: &str) -> Option<&Read> {
        self.reads
            .iter()
            .find(|r| r.name() == name)
            .or_else(|| self.reads.iter().find(|r| r.label == name))
    }

    /// The value of `well` in `read`, if the read covers it.
    pub fn value(&self, read: &Read, well: WellId) -> Option<Value> {
        self.format
            .index(well)
            .and_then(|i| read.values.get(i).copied().flatten())
    }
}

/// Which software (or generic shape) wrote a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceFormat {
    /// Plate-shaped grid(s): header `name,1,2,...` then rows `A..`.
    Grid,
    /// Long table: one row per well.
    Long,
    /// Agilent `BioTek` Gen5 text or xlsx.
    Gen5,
    /// Molecular Devices `SoftMax` Pro text.
    SoftMaxPro,
    /// Tecan i-control xlsx.
    TecanIControl,
    /// Tecan Magellan xlsx.
    TecanMagellan,
    /// BMG LABTECH MARS CSV.
    BmgMars,
    /// BMG LABTECH SMART Control xlsx.
    BmgSmartControl,
    /// `PerkinElmer`/Revvity `EnVision` CSV.
    Envision,
    /// Revvity Kaleido CSV.
    Kaleido,
    /// Thermo `SkanIt` xlsx.
    SkanIt,
    /// Thermo Multiskan (`MTPHandler` samples).
    Multiskan,
}

impl SourceFormat {
    /// Every format, in a stable order.
    pub const ALL: [Self; 12] = [
        Self::Grid,
        Self::Long,
        Self::Gen5,
        Self::SoftMaxPro,
        Self::TecanIControl,
        Self::TecanMagellan,
        Self::BmgMars,
        Self::BmgSmartControl,
        Self::Envision,
        Self::Kaleido,
        Self::SkanIt,
        Self::Multiskan,
    ];

    /// Short name used on the command line (`--format gen5`) and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Long => "long",
            Self::Gen5 => "gen5",
            Self::SoftMaxPro => "softmax",
            Self::TecanIControl => "tecan-icontrol",
            Self::TecanMagellan => "tecan-magellan",
            Self::BmgMars => "bmg-mars",
            Self::BmgSmartControl => "bmg-smartcontrol",
            Self::Envision => "envision",
            Self::Kaleido => "kaleido",
            Self::SkanIt => "skanit",
            Self::Multiskan => "multiskan",
        }
    }

    /// Inverse of [`SourceFormat::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything read from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateFile {
    /// The file's name or path as given by the caller.
    pub source: String,
    /// The format it was read as.
    pub format: SourceFormat,
    /// Plates in file order.
    pub plates: Vec<Plate>,
}
