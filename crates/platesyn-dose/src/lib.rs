//! Normalization, plate QC and dose-response fitting for platesyn.
//!
//! What lives here: blank correction and viability ([`normalize`]), plate QC (Z'-factor, CV,
//! signal window, edge effects: [`qc`]), replicate outliers, and single-agent dose-response
//! models (LL.4 in R drc's parameterization and relatives: [`fit`], [`model`]) fitted with a
//! Levenberg-Marquardt core generic over [`lsq::LsqProblem`] (argmin Nelder-Mead available as
//! a polish). Pure: no file I/O.
//!
//! Sign conventions: viability is percent of untreated (100 = untreated);
//! inhibition = 100 - viability (%).

pub mod drc_compat;
pub mod fit;
pub mod lsq;
pub mod model;
pub mod normalize;
pub mod qc;

pub use drc_compat::{DrcFit, DrcFitError, DrcModel, fit_ll4_drc};
pub use fit::{
    CurveFit, EdEstimate, FIT_COLUMNS, FitOptions, FitRow, FitSpec, FitStatus, Fixed, FoldShift,
    FoldShiftError, fit_curve, fit_curve_with, ic50_fold_shift,
};
pub use model::ModelKind;
pub use normalize::{
    BlankMode, ExclusionReason, NormalizeError, NormalizeOptions, NormalizedPlate, NormalizedWell,
    normalize_plate,
};
pub use qc::{PlateQc, QcThresholds, ZReference, plate_qc};
