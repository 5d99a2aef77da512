//! The only place that calls the dose crate's LL.4 fitters.

use platesyn_dose::fit::FLAT_P_VALUE;
use platesyn_dose::{DrcFit, DrcModel, FitSpec, Fixed, ModelKind, fit_curve, fit_ll4_drc};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use crate::curve::{Ll4, SingleFit};

/// Which LL.4 fitter the block's curves (single agents, ZIP rows/columns, baseline) use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FitMode {
    /// What R drc's `drm()` returns, as SynergyFinder calls it
    /// ([`platesyn_dose::fit_ll4_drc`]): drc's self-starter, one BFGS minimisation with
    /// drc's scaling and tolerances, and SynergyFinder's `L.4`-on-log-dose fallback when
    /// drc fails. Reproduces SynergyFinder's ZIP and Loewe, including where drc stops
    /// before the least-squares optimum on ill-posed data.
    DrcCompatible,
    /// The least-squares optimum ([`platesyn_dose::fit_curve`], multi-start
    /// Levenberg-Marquardt): lower residuals than drc on ill-posed data, so ZIP and Loewe
    /// can differ from SynergyFinder there.
    Global,
}

/// Status text of a drc-compatible fit whose `L.4` fallback was used.
pub const STATUS_DRC_L4_FALLBACK: &str = "drc_l4_fallback";

/// Fit drc's LL.4 to `(dose, response)` (percent inhibition), optionally with `c` fixed
/// (SynergyFinder's ZIP row/column fits fix the zero-dose level). Returns `None` when the
/// fitter failed (callers mark dependent scores missing or fall back to observed values).
/// A finite fit whose status is not ok is returned with `ok = false`.
pub(crate) fn fit_ll4(
    dose: &[f64],
    response: &[f64],
    fixed_c: Option<f64>,
    mode: FitMode,
) -> Option<SingleFit> {
    match mode {
        FitMode::DrcCompatible => fit_drc(dose, response, fixed_c),
        FitMode::Global => fit_global(dose, response, fixed_c),
    }
}

fn fit_drc(dose: &[f64], response: &[f64], fixed_c: Option<f64>) -> Option<SingleFit> {
    // SynergyFinder (FitDoseResponse): a constant response gets 1e-10 added to its last
    // value, so that drc can fit it.
    let constant = response.len() > 1 && response.iter().all(|&v| v == response[0]);
    let fit = if constant {
        let mut r = response.to_vec();
        *r.last_mut()? += 1e-10;
        fit_ll4_drc(dose, &r, fixed_c)
    } else {
        fit_ll4_drc(dose, response, fixed_c)
    }
    .ok()?;
    let curve = Ll4 {
        b: fit.b,
        c: fit.c,
        d: fit.d,
        e: fit.e,
    };
    if ![curve.b, curve.c, curve.d, curve.e]
        .iter()
        .all(|v| v.is_finite())
        || curve.e <= 0.0
    {
        return None;
    }
    let status = drc_status(dose, response, &fit, fixed_c.is_none());
    Some(SingleFit {
        curve,
        ok: status == "ok",
        status: status.to_owned(),
        n_points: dose.len(),
    })
}

/// Status of a drc-compatible fit, in order: `drc_l4_fallback`; then, for
/// fits with `c` free (single agents), the dose crate's rules that need no Hessian: `flat`
/// (F-test against the mean model, p >= [`platesyn_dose::fit::FLAT_P_VALUE`]),
/// `ic50_above_range` / `ic50_below_range` (`e` beyond the tested positive doses); else `ok`.
fn drc_status(dose: &[f64], response: &[f64], fit: &DrcFit, c_free: bool) -> &'static str {
    if fit.model == DrcModel::L4LogDose {
        return STATUS_DRC_L4_FALLBACK;
    }
    // Reaching optim's maxit (500) is not a warning: drc ignores it and returns the point,
    // and it happens mostly on near-exact fits, where the relative RSS test cannot be met.
    if !c_free {
        return "ok";
    }
    let n = response.len();
    let p = 4;
    if n > p {
        let mean = response.iter().sum::<f64>() / n as f64;
        let tss: f64 = response.iter().map(|y| (y - mean).powi(2)).sum();
        let df = (n - p) as f64;
        let f_stat = ((tss - fit.rss) / (p - 1) as f64) / (fit.rss / df);
        let flat_p = FisherSnedecor::new((p - 1) as f64, df).map_or(f64::NAN, |dist| {
            if f_stat.is_finite() {
                dist.sf(f_stat.max(0.0))
            } else {
                0.0
            }
        });
        if flat_p >= FLAT_P_VALUE {
            return "flat";
        }
    }
    let dose_min = dose
        .iter()
        .copied()
        .filter(|&x| x > 0.0)
        .fold(f64::INFINITY, f64::min);
    let dose_max = dose.iter().copied().fold(0.0, f64::max);
    if fit.e > dose_max {
        "ic50_above_range"
    } else if fit.e < dose_min {
        "ic50_below_range"
    } else {
        "ok"
    }
}

fn fit_global(dose: &[f64], response: &[f64], fixed_c: Option<f64>) -> Option<SingleFit> {
    let spec = FitSpec {
        model: ModelKind::Ll4,
        fixed: Fixed {
            c: fixed_c,
            ..Fixed::default()
        },
    };
    let fit = fit_curve(dose, response, &spec);
    // A constant response is fitted exactly by the flat model (b = 0, c = d = mean); its
    // location is meaningless, so any e > 0 reproduces it.
    let e = if fit.b == 0.0 && !fit.e.is_finite() {
        1.0
    } else {
        fit.e
    };
    let curve = Ll4 {
        b: fit.b,
        c: fit.c,
        d: fit.d,
        e,
    };
    if ![curve.b, curve.c, curve.d, curve.e]
        .iter()
        .all(|v| v.is_finite())
        || curve.e <= 0.0
    {
        return None;
    }
    let status = fit.status.to_string();
    Some(SingleFit {
        curve,
        ok: fit.status.is_ok(),
        status,
        n_points: dose.len(),
    })
}
