//! Normalization, plate QC and dose-response fitting for platesyn.
//!
//! What lives here: blank correction and viability, plate QC (Z'-factor, CV, edge effects),
//! replicate outliers, and single-agent dose-response models (LL.4 in R drc's
//! parameterization and relatives) fitted with a Levenberg-Marquardt core generic over
//! [`lsq::LsqProblem`] (argmin Nelder-Mead as a polish). Pure: no file I/O.
//!
//! Sign conventions: viability is a fraction or percent of untreated (1 or 100 = untreated);
//! inhibition = 100 - viability (%).

pub mod fit;
pub mod lsq;
pub mod model;

pub use fit::{CurveFit, EdEstimate, FIT_COLUMNS, FitRow, FitSpec, FitStatus, Fixed, fit_curve};
pub use model::ModelKind;
