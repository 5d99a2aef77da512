//! The only place that calls the dose crate's LL.4 fitter.

use platesyn_dose::{FitSpec, Fixed, ModelKind, fit_curve};

use crate::curve::{Ll4, SingleFit};

/// Fit drc's LL.4 to `(dose, response)` (percent inhibition), optionally with `c` fixed
/// (SynergyFinder's ZIP row/column fits fix the zero-dose level). Returns `None` when the
/// fitter produced non-finite parameters (a failed fit; callers mark dependent scores
/// missing). A finite fit whose status is not ok is returned with `ok = false`.
pub(crate) fn fit_ll4(dose: &[f64], response: &[f64], fixed_c: Option<f64>) -> Option<SingleFit> {
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
