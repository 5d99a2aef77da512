//! Blank correction, viability and replicate outliers over one plate read and its layout.
//!
//! `blank` = mean of the `blank` wells (or a value given by the caller, or none);
//! `untreated` = mean of the `untreated` and `vehicle` wells;
//! `viability % = 100 (A - blank) / (untreated - blank)`; `inhibition % = 100 - viability %`.
//! Flagged wells (overflow, missed, ...) never enter a mean: they are listed as excluded
//! with their flag. Layout wells the export did not cover are listed in `not_read`.

// Negated float comparisons are deliberate: they send NaN down the failure branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::collections::BTreeMap;

use platesyn_plate::{Flag, Plate, PlateLayout, Read, Role, Value, WellId, WellInfo};
use thiserror::Error;

/// Robust outlier cutoff: `|x - median| > 3.5 * 1.4826 * MAD` (Iglewicz & Hoaglin's
/// modified z-score rule).
pub const OUTLIER_CUTOFF: f64 = 3.5;
/// MAD to standard-deviation factor for normal data.
pub const MAD_SCALE: f64 = 1.4826;

/// Where the blank (background) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum BlankMode {
    /// No blank subtraction (`blank = 0`).
    None,
    /// Mean of this plate's `blank` wells (error when there are none).
    #[default]
    PerPlate,
    /// A blank value given by the caller (e.g. shared across a run), in read units.
    Shared(f64),
}

/// Options for [`normalize_plate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalizeOptions {
    /// Blank source.
    pub blank: BlankMode,
    /// Exclude replicate outliers (robust rule) from control means and mark them excluded.
    /// When false they are only reported (`outlier_z`).
    pub exclude_outliers: bool,
    /// Modified z-score cutoff (default [`OUTLIER_CUTOFF`]).
    pub outlier_cutoff: f64,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        Self {
            blank: BlankMode::PerPlate,
            exclude_outliers: false,
            outlier_cutoff: OUTLIER_CUTOFF,
        }
    }
}

/// Why a well is left out of means and fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExclusionReason {
    /// The reader flagged the well.
    Flagged(Flag),
    /// A robust replicate outlier (modified z-score given), excluded on request.
    Outlier(f64),
}

impl ExclusionReason {
    /// Short text (`flag:overflow`, `outlier`).
    pub fn name(&self) -> String {
        match self {
            Self::Flagged(f) => format!("flag:{}", f.name()),
            Self::Outlier(_) => "outlier".to_owned(),
        }
    }
}

/// One well after normalization.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedWell {
    /// Well.
    pub well: WellId,
    /// Effective role from the layout.
    pub role: Role,
    /// Layout information (drugs, concentrations, cell line...).
    pub info: WellInfo,
    /// The reading, when a number.
    pub raw: Option<f64>,
    /// The reader's flag, when not a number.
    pub flag: Option<Flag>,
    /// `raw - blank` (read units).
    pub blank_corrected: Option<f64>,
    /// `100 (raw - blank) / (untreated - blank)`, percent.
    pub viability_pct: Option<f64>,
    /// `100 - viability_pct`, percent.
    pub inhibition_pct: Option<f64>,
    /// Modified z-score within its replicate group when it exceeds the cutoff.
    pub outlier_z: Option<f64>,
    /// Why the well is excluded, if it is.
    pub excluded: Option<ExclusionReason>,
}

/// A normalized plate read.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedPlate {
    /// Plate id.
    pub plate: String,
    /// Read name.
    pub read: String,
    /// Blank used (read units); 0 with [`BlankMode::None`].
    pub blank: f64,
    /// Untreated/vehicle mean (read units, not blank-corrected).
    pub untreated: f64,
    /// Wells of the layout that the export covers, in well order.
    pub wells: Vec<NormalizedWell>,
    /// Layout wells the export does not cover.
    pub not_read: Vec<WellId>,
    /// Human-readable notes (e.g. blank above some samples).
    pub warnings: Vec<String>,
}

/// Normalization errors.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NormalizeError {
    /// No usable untreated/vehicle well.
    #[error(
        "plate {plate}, read {read}: no untreated or vehicle well with a number (the 100 % reference)"
    )]
    NoUntreated {
        /// Plate id.
        plate: String,
        /// Read.
        read: String,
    },
    /// Per-plate blank requested but no usable blank well.
    #[error("plate {plate}, read {read}: blank mode per-plate but no blank well with a number")]
    NoBlank {
        /// Plate id.
        plate: String,
        /// Read.
        read: String,
    },
    /// `untreated - blank` is not positive.
    #[error(
        "plate {plate}, read {read}: untreated mean {untreated} is not above blank {blank}; viability undefined"
    )]
    NoWindow {
        /// Plate id.
        plate: String,
        /// Read.
        read: String,
        /// Untreated mean.
        untreated: f64,
        /// Blank.
        blank: f64,
    },
    /// The shared blank is not finite.
    #[error("shared blank {0} is not a finite number")]
    BadBlank(f64),
}

/// Median of a slice (copies); NaN when empty.
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// Modified z-scores `(x - median) / (1.4826 MAD)` of a replicate group (empty when fewer
/// than 3 values). When MAD = 0 a value off the median gets an infinite score.
pub fn robust_z(values: &[f64]) -> Vec<f64> {
    if values.len() < 3 {
        return vec![0.0; values.len()];
    }
    let med = median(values);
    let dev: Vec<f64> = values.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&dev);
    values
        .iter()
        .map(|x| {
            let d = x - med;
            if mad > 0.0 {
                d / (MAD_SCALE * mad)
            } else if d == 0.0 {
                0.0
            } else {
                d.signum() * f64::INFINITY
            }
        })
        .collect()
}

/// Mean of a slice (`None` when empty).
pub fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Sample standard deviation (n - 1; `None` below 2 values).
pub fn sd(v: &[f64]) -> Option<f64> {
    if v.len() < 2 {
        return None;
    }
    let m = mean(v)?;
    Some((v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt())
}

/// Replicate-group key: the layout's treatment description and role (dose A and dose B as
/// `f64` bits first, the cheapest to compare; then role, drug A, drug B, cell line, a missing
/// name being the empty name).
type GroupKey<'a> = (
    Option<u64>,
    Option<u64>,
    &'static str,
    &'a str,
    &'a str,
    &'a str,
);

fn group_key(role: Role, info: &WellInfo) -> GroupKey<'_> {
    (
        info.conc_a.map(f64::to_bits),
        info.conc_b.map(f64::to_bits),
        role.name(),
        info.drug_a.as_deref().unwrap_or(""),
        info.drug_b.as_deref().unwrap_or(""),
        info.cell_line.as_deref().unwrap_or(""),
    )
}

/// Normalize one read of one plate with its layout. Wells with role `empty` are skipped.
pub fn normalize_plate(
    plate: &Plate,
    read: &Read,
    layout: &PlateLayout,
    opts: &NormalizeOptions,
) -> Result<NormalizedPlate, NormalizeError> {
    let read_name = read.name();
    let mut wells = Vec::with_capacity(layout.wells.len());
    // replicate groups of wells with a number, keyed on the layout's (not the wells') text
    let mut groups: BTreeMap<GroupKey<'_>, Vec<usize>> = BTreeMap::new();
    let mut not_read = Vec::new();
    for (&well, info) in &layout.wells {
        let role = info.effective_role();
        if role == Role::Empty {
            continue;
        }
        let Some(v) = plate.value(read, well) else {
            not_read.push(well);
            continue;
        };
        let (raw, flag) = match v {
            Value::Number(x) if x.is_finite() => (Some(x), None),
            Value::Number(_) => (None, Some(Flag::Nan)),
            Value::Flag(f) => (None, Some(f)),
        };
        if raw.is_some() {
            groups
                .entry(group_key(role, info))
                .or_default()
                .push(wells.len());
        }
        wells.push(NormalizedWell {
            well,
            role,
            info: info.clone(),
            raw,
            flag,
            blank_corrected: None,
            viability_pct: None,
            inhibition_pct: None,
            outlier_z: None,
            excluded: flag.map(ExclusionReason::Flagged),
        });
    }
    // replicate outliers on raw values (groups are independent: their order does not matter)
    for idx in groups.values() {
        let vals: Vec<f64> = idx.iter().filter_map(|&i| wells[i].raw).collect();
        for (&i, z) in idx.iter().zip(robust_z(&vals)) {
            if z.abs() > opts.outlier_cutoff {
                wells[i].outlier_z = Some(z);
                if opts.exclude_outliers {
                    wells[i].excluded = Some(ExclusionReason::Outlier(z));
                }
            }
        }
    }
    let usable = |pred: &dyn Fn(Role) -> bool| -> Vec<f64> {
        wells
            .iter()
            .filter(|w| pred(w.role) && w.excluded.is_none())
            .filter_map(|w| w.raw)
            .collect()
    };
    let err_ctx = || (plate.id.clone(), read_name.clone());
    let blank = match opts.blank {
        BlankMode::None => 0.0,
        BlankMode::Shared(b) => {
            if !b.is_finite() {
                return Err(NormalizeError::BadBlank(b));
            }
            b
        }
        BlankMode::PerPlate => mean(&usable(&|r| r == Role::Blank)).ok_or_else(|| {
            let (plate, read) = err_ctx();
            NormalizeError::NoBlank { plate, read }
        })?,
    };
    let untreated = mean(&usable(&Role::is_negative_control)).ok_or_else(|| {
        let (plate, read) = err_ctx();
        NormalizeError::NoUntreated { plate, read }
    })?;
    if !(untreated - blank > 0.0) {
        let (plate, read) = err_ctx();
        return Err(NormalizeError::NoWindow {
            plate,
            read,
            untreated,
            blank,
        });
    }
    let mut warnings = Vec::new();
    let mut below_blank = 0;
    for w in &mut wells {
        if let Some(x) = w.raw {
            let bc = x - blank;
            if bc < 0.0 && w.role == Role::Sample {
                below_blank += 1;
            }
            let v = 100.0 * bc / (untreated - blank);
            w.blank_corrected = Some(bc);
            w.viability_pct = Some(v);
            w.inhibition_pct = Some(100.0 - v);
        }
    }
    if below_blank > 0 {
        warnings.push(format!(
            "{below_blank} sample well(s) read below the blank (negative viability kept as measured)"
        ));
    }
    let n_out = wells.iter().filter(|w| w.outlier_z.is_some()).count();
    if n_out > 0 {
        warnings.push(format!(
            "{n_out} replicate outlier(s) (|modified z| > {}){}",
            opts.outlier_cutoff,
            if opts.exclude_outliers {
                ", excluded"
            } else {
                ", kept"
            }
        ));
    }
    let n_flag = wells.iter().filter(|w| w.flag.is_some()).count();
    if n_flag > 0 {
        warnings.push(format!("{n_flag} flagged well(s) excluded"));
    }
    if !not_read.is_empty() {
        warnings.push(format!(
            "{} layout well(s) not in the export",
            not_read.len()
        ));
    }
    Ok(NormalizedPlate {
        plate: plate.id.clone(),
        read: read_name,
        blank,
        untreated,
        wells,
        not_read,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robust_z_flags_the_odd_one() {
        let z = robust_z(&[1.0, 1.1, 0.9, 1.0, 5.0]);
        // median 1.0, deviations 0, .1, .1, 0, 4 -> MAD 0.1
        assert!((z[4] - 4.0 / (MAD_SCALE * 0.1)).abs() < 1e-9);
        assert!(z[..4].iter().all(|v| v.abs() < OUTLIER_CUTOFF));
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        assert!((sd(&[1.0, 2.0, 3.0]).unwrap() - 1.0).abs() < 1e-15);
    }
}
