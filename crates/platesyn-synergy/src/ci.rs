//! Chou-Talalay combination index from median-effect fits.
//!
//! Median-effect equation: `fa / fu = (D / Dm)^m` with `fa` = fraction affected
//! (= inhibition / 100) and `fu = 1 - fa`. Fitted by least squares of
//! `ln(fa / fu)` on `ln D` over the monotherapy wells with `D > 0` and `0 < fa < 1`.
//! CI = `a / Dx_A + b / Dx_B`, where `Dx` is the single-agent dose giving the same `fa`;
//! CI < 1 synergy, = 1 additive, > 1 antagonism. Dose reduction index `DRI_A = Dx_A / a`.

use serde::{Deserialize, Serialize};

use crate::grid::Grid;

/// A median-effect fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedianEffect {
    /// Slope `m` (sigmoidicity).
    pub m: f64,
    /// Median-effect dose `Dm` (dose unit of the block).
    pub dm: f64,
    /// Linear correlation coefficient of the median-effect plot.
    pub r: f64,
    /// Points used.
    pub n: usize,
}

impl MedianEffect {
    /// Fit from doses and fractions affected; points with `D <= 0` or `fa` outside `(0, 1)`
    /// are skipped. `None` with fewer than 2 usable points or a zero slope.
    pub fn fit(dose: &[f64], fa: &[f64]) -> Option<Self> {
        let pts: Vec<(f64, f64)> = dose
            .iter()
            .zip(fa)
            .filter(|&(&d, &f)| d > 0.0 && f > 0.0 && f < 1.0 && d.is_finite())
            .map(|(&d, &f)| (d.ln(), (f / (1.0 - f)).ln()))
            .collect();
        let n = pts.len();
        if n < 2 {
            return None;
        }
        let nf = n as f64;
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / nf;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / nf;
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let syy: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        if sxx <= 0.0 || sxy == 0.0 {
            return None;
        }
        let m = sxy / sxx;
        let intercept = my - m * mx;
        let dm = (-intercept / m).exp();
        let r = if syy > 0.0 {
            sxy / (sxx * syy).sqrt()
        } else {
            1.0
        };
        (m.is_finite() && dm.is_finite() && dm > 0.0).then_some(Self { m, dm, r, n })
    }

    /// Dose giving fraction affected `fa` (`0 < fa < 1`), `Dm * (fa / (1 - fa))^(1/m)`.
    pub fn dose_for(&self, fa: f64) -> Option<f64> {
        (fa > 0.0 && fa < 1.0).then(|| self.dm * (fa / (1.0 - fa)).powf(1.0 / self.m))
    }
}

/// CI and dose reductions at one effect level along a constant-ratio ray.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EffectLevelCi {
    /// Fraction affected (0.5, 0.75, 0.9 for ED50/75/90).
    pub fa: f64,
    /// Combination index.
    pub ci: f64,
    /// Drug A dose in the combination giving `fa`.
    pub dose_a: f64,
    /// Drug B dose in the combination giving `fa`.
    pub dose_b: f64,
    /// Dose reduction index of A (`Dx_A / dose_a`).
    pub dri_a: f64,
    /// Dose reduction index of B.
    pub dri_b: f64,
}

/// A constant-ratio ray of combination cells (same `a / b`), with its median-effect fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RayCi {
    /// Dose ratio `a / b` of the ray.
    pub ratio_a_to_b: f64,
    /// Median-effect fit of the combination along the ray (total dose `a + b`).
    pub fit: MedianEffect,
    /// CI at ED50, ED75, ED90.
    pub levels: Vec<EffectLevelCi>,
}

/// Effect levels reported for each ray.
pub const ED_LEVELS: [f64; 3] = [0.5, 0.75, 0.9];

/// Combination index results of a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CombinationIndex {
    /// Median-effect fit of drug A.
    pub fit_a: Option<MedianEffect>,
    /// Median-effect fit of drug B.
    pub fit_b: Option<MedianEffect>,
    /// Per-cell CI (combination cells; `None` when the effect is outside `(0, 1)`, a fit
    /// is missing, or the cell is a monotherapy/control cell).
    pub ci: Grid<Option<f64>>,
    /// Per-cell dose reduction index of A.
    pub dri_a: Grid<Option<f64>>,
    /// Per-cell dose reduction index of B.
    pub dri_b: Grid<Option<f64>>,
    /// Constant-ratio rays with at least 2 usable cells.
    pub rays: Vec<RayCi>,
}

/// Compute the combination index on a mean percent-inhibition grid.
pub fn combination_index(
    doses_a: &[f64],
    doses_b: &[f64],
    m: &Grid<Option<f64>>,
) -> CombinationIndex {
    let (na, nb) = (m.n_a(), m.n_b());
    let mono = |a: bool| -> (Vec<f64>, Vec<f64>) {
        let mut d = Vec::new();
        let mut f = Vec::new();
        for (idx, &dose) in (if a { doses_a } else { doses_b }).iter().enumerate() {
            let v = if a { m.get(idx, 0) } else { m.get(0, idx) };
            if let Some(v) = v {
                d.push(dose);
                f.push(v / 100.0);
            }
        }
        (d, f)
    };
    let (da, fa_a) = mono(true);
    let (db, fa_b) = mono(false);
    let fit_a = MedianEffect::fit(&da, &fa_a);
    let fit_b = MedianEffect::fit(&db, &fa_b);
    let mut ci = Grid::filled(na, nb, None);
    let mut dri_a = Grid::filled(na, nb, None);
    let mut dri_b = Grid::filled(na, nb, None);
    if let (Some(ea), Some(eb)) = (fit_a, fit_b) {
        for (i, &a) in doses_a.iter().enumerate().take(na).skip(1) {
            for (j, &b) in doses_b.iter().enumerate().take(nb).skip(1) {
                let Some(v) = *m.get(i, j) else { continue };
                let f = v / 100.0;
                if let (Some(xa), Some(xb)) = (ea.dose_for(f), eb.dose_for(f)) {
                    *ci.get_mut(i, j) = Some(a / xa + b / xb);
                    *dri_a.get_mut(i, j) = Some(xa / a);
                    *dri_b.get_mut(i, j) = Some(xb / b);
                }
            }
        }
    }
    // constant-ratio rays
    let mut cells: Vec<(f64, f64, f64, f64)> = Vec::new(); // (ln ratio, a, b, fa)
    for (i, &a) in doses_a.iter().enumerate().take(na).skip(1) {
        for (j, &b) in doses_b.iter().enumerate().take(nb).skip(1) {
            if let Some(v) = *m.get(i, j) {
                cells.push(((a / b).ln(), a, b, v / 100.0));
            }
        }
    }
    cells.sort_by(|x, y| x.0.total_cmp(&y.0));
    // single-agent doses at each effect level, shared by all rays
    let single_at_levels =
        |e: Option<MedianEffect>| ED_LEVELS.map(|x| e.and_then(|e| e.dose_for(x)));
    let (xa_levels, xb_levels) = (single_at_levels(fit_a), single_at_levels(fit_b));
    let mut rays = Vec::new();
    let mut k = 0;
    while k < cells.len() {
        let mut end = k + 1;
        while end < cells.len() && (cells[end].0 - cells[k].0).abs() < 1e-6 {
            end += 1;
        }
        let group = &cells[k..end];
        k = end;
        let total: Vec<f64> = group.iter().map(|c| c.1 + c.2).collect();
        let fas: Vec<f64> = group.iter().map(|c| c.3).collect();
        let (Some(fit), Some(_), Some(_)) = (MedianEffect::fit(&total, &fas), fit_a, fit_b) else {
            continue;
        };
        let ratio = group[0].1 / group[0].2;
        let share_a = ratio / (1.0 + ratio);
        let levels = ED_LEVELS
            .iter()
            .zip(xa_levels.iter().zip(&xb_levels))
            .filter_map(|(&x, (&xa, &xb))| {
                let d = fit.dose_for(x)?;
                let (a, b) = (d * share_a, d * (1.0 - share_a));
                let (xa, xb) = (xa?, xb?);
                Some(EffectLevelCi {
                    fa: x,
                    ci: a / xa + b / xb,
                    dose_a: a,
                    dose_b: b,
                    dri_a: xa / a,
                    dri_b: xb / b,
                })
            })
            .collect();
        rays.push(RayCi {
            ratio_a_to_b: ratio,
            fit,
            levels,
        });
    }
    CombinationIndex {
        fit_a,
        fit_b,
        ci,
        dri_a,
        dri_b,
        rays,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_effect_recovers_hill() {
        // fa = d^h / (C^h + d^h) is exactly median-effect with m = h, Dm = C
        let d = [0.1, 0.3, 1.0, 3.0, 10.0];
        let fa: Vec<f64> = d
            .iter()
            .map(|&x: &f64| x.powf(1.3) / (2f64.powf(1.3) + x.powf(1.3)))
            .collect();
        let f = MedianEffect::fit(&d, &fa).unwrap();
        assert!((f.m - 1.3).abs() < 1e-12);
        assert!((f.dm - 2.0).abs() < 1e-12);
        assert!((f.dose_for(0.5).unwrap() - 2.0).abs() < 1e-12);
        assert!(MedianEffect::fit(&[1.0], &[0.5]).is_none());
    }
}
