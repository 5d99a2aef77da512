//! SynergyFinder's baseline correction (`correct_baseline = "non" | "part" | "all"`).
//!
//! baseline = the minimum fitted single-agent response (LL.4 fits of both monotherapies,
//! evaluated at their measured doses, dose 0 included); a response `x` (percent
//! inhibition) becomes `x - (100 - x) / 100 * baseline`. `Part` adjusts only negative
//! responses, `All` every response.

use serde::{Deserialize, Serialize};

use crate::grid::Grid;
use crate::score::SingleFits;

/// Baseline correction mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BaselineCorrection {
    /// No correction (SynergyFinder `"non"`).
    None,
    /// Adjust negative responses only (`"part"`).
    Part,
    /// Adjust all responses (`"all"`).
    All,
}

/// The correction of one value (percent inhibition) for a baseline.
pub fn correct_value(x: f64, baseline: f64) -> f64 {
    x - (100.0 - x) / 100.0 * baseline
}

/// Apply the correction to a mean-inhibition grid. Returns the corrected grid and the
/// baseline used (`None` when no single-agent fit was available: nothing is changed).
pub(crate) fn apply_baseline(
    m: &Grid<Option<f64>>,
    doses_a: &[f64],
    doses_b: &[f64],
    fits: &SingleFits,
    mode: BaselineCorrection,
) -> (Grid<Option<f64>>, Option<f64>) {
    if mode == BaselineCorrection::None {
        return (m.clone(), None);
    }
    let mut baseline: Option<f64> = None;
    let mut take = |v: f64| {
        if v.is_finite() {
            baseline = Some(baseline.map_or(v, |b: f64| b.min(v)));
        }
    };
    if let Some(fa) = &fits.a {
        for (i, &d) in doses_a.iter().enumerate() {
            if m.get(i, 0).is_some() {
                take(fa.curve.predict(d));
            }
        }
    }
    if let Some(fb) = &fits.b {
        for (j, &d) in doses_b.iter().enumerate() {
            if m.get(0, j).is_some() {
                take(fb.curve.predict(d));
            }
        }
    }
    let Some(base) = baseline else {
        return (m.clone(), None);
    };
    let out = m.map(|v| {
        v.map(|x| match mode {
            BaselineCorrection::All => correct_value(x, base),
            BaselineCorrection::Part if x < 0.0 => correct_value(x, base),
            _ => x,
        })
    });
    (out, Some(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_formula() {
        // a negative baseline lifts values toward 0; 100 % stays 100 %
        assert_eq!(correct_value(100.0, -10.0), 100.0);
        assert_eq!(correct_value(-10.0, -10.0), 1.0);
        assert_eq!(correct_value(50.0, -10.0), 55.0);
    }
}
