//! Normalization, plate QC and dose-response fitting for platesyn.
//!
//! What lives here: blank correction and viability, plate QC (Z'-factor, CV, edge effects),
//! replicate outliers, and single-agent dose-response models (LL.4 in R drc's
//! parameterization and relatives) fitted with argmin. Pure: no file I/O.
//!
//! Sign conventions: viability is a fraction or percent of untreated (1 or 100 = untreated);
//! inhibition = 100 - viability (%).
