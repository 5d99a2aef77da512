//! Dose-response fitting that matches R drc (`drm(y ~ x, fct = LL.4())` and relatives).
//!
//! Ordinary least squares on `theta = (b, c, d, ln e[, f])` with analytic first and second
//! derivatives, Levenberg-Marquardt (see [`crate::lsq`]; Newton steps near the optimum) from
//! drc's self-starter and from the best point of a profiled grid of `(b, ln e)` starts (c
//! and d solved linearly at each grid point); the lowest RSS wins. Standard errors as drc
//! reports them: `SE = sqrt(diag(2 s^2 H^-1))`, `H` = Hessian of the RSS at the optimum
//! (exact, `2 (J'J - S)` from the analytic second derivatives; drc takes it numerically from
//! `optim()`), `s^2 = RSS / (n - p)`.
//!
//! Units: doses in the caller's unit (dose 0 allowed: the `x -> 0` limit); responses in the
//! caller's unit (percent viability for the `ic50_abs` convention at level 50).

// Negated float comparisons are deliberate: they send NaN down the failure branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// The small dense linear algebra (5x5 Hessians) reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

use std::cell::RefCell;
use std::fmt;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

use crate::lsq::{LmOptions, LmResult, LmWorkspace, LsqProblem, levenberg_marquardt_in};
pub use crate::model::ModelKind;
use crate::model::{B, C, D, F, LE, g_at_zero, log_dose_for_g, mean_g, response_and_grad};

/// Condition-number limit of the (diagonally scaled) RSS Hessian above which a fit is
/// `unstable` (GraphPad Prism's rule of thumb, 6.7e8).
pub const UNSTABLE_CONDITION: f64 = 6.7e8;
/// F-test p-value at or above which a curve is `flat` (no evidence against the mean model).
pub const FLAT_P_VALUE: f64 = 0.05;

/// Parameters held fixed at given values (in the response and dose units of the data;
/// `e` in dose units, not log).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Fixed {
    /// Slope.
    pub b: Option<f64>,
    /// Lower asymptote (bottom).
    pub c: Option<f64>,
    /// Upper asymptote (top).
    pub d: Option<f64>,
    /// ED50-type location `e` (> 0).
    pub e: Option<f64>,
}

/// What to fit. `Default` = LL.4 with nothing fixed.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FitSpec {
    /// The model.
    pub model: ModelKind,
    /// Fixed parameters (LL.3 fixes `c = 0` on its own).
    pub fixed: Fixed,
}

impl FitSpec {
    /// A spec for `model` with nothing fixed.
    pub fn new(model: ModelKind) -> Self {
        Self {
            model,
            fixed: Fixed::default(),
        }
    }
}

/// Response level (response units) of the absolute IC50 by default: 50 % viability.
pub const DEFAULT_ABS_LEVEL: f64 = 50.0;

/// Secondary fitting options (see [`fit_curve_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Response level for the absolute IC50 (`ic50_abs`) and for censoring unstable fits, in
    /// response units; [`DEFAULT_ABS_LEVEL`] (50, percent viability) by default.
    pub abs_level: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            abs_level: DEFAULT_ABS_LEVEL,
        }
    }
}

/// Outcome class of a fit. Names (see [`FitStatus::name`]) are the `status` column values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FitStatus {
    /// Converged, well-conditioned, ED50 inside the tested dose range.
    Ok,
    /// No evidence of a dose effect: F-test against the mean model has p >= 0.05 (or the
    /// response is constant). ED values are not reported.
    Flat,
    /// The Hessian is (nearly) singular: condition number above [`UNSTABLE_CONDITION`].
    Unstable,
    /// The ED50 lies above the highest tested dose: reported as censored (`> max dose`).
    Ic50AboveRange,
    /// The ED50 lies below the lowest positive tested dose: censored (`< min dose`).
    Ic50BelowRange,
    /// No fit; the reason says why.
    Failed(String),
}

impl FitStatus {
    /// `ok`, `flat`, `unstable`, `ic50_above_range`, `ic50_below_range` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Flat => "flat",
            Self::Unstable => "unstable",
            Self::Ic50AboveRange => "ic50_above_range",
            Self::Ic50BelowRange => "ic50_below_range",
            Self::Failed(_) => "failed",
        }
    }

    /// True for `ok` only.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
    }
}

impl fmt::Display for FitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(r) => write!(f, "failed: {r}"),
            s => f.write_str(s.name()),
        }
    }
}

/// An effective-dose estimate with its delta-method standard error and CI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdEstimate {
    /// The dose (dose units).
    pub estimate: f64,
    /// Delta-method standard error (dose units); `None` without a covariance.
    pub se: Option<f64>,
    /// Lower CI bound: `estimate - t(1 - alpha/2, n - p) se` (drc's `interval = "delta"`).
    pub lo: Option<f64>,
    /// Upper CI bound.
    pub hi: Option<f64>,
}

/// A fitted curve. Parameters in drc's parameterization; `e` in dose units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    /// The model.
    pub model: ModelKind,
    /// Slope (`b > 0`: response falls from `d` to `c` as dose rises, for log-logistic).
    pub b: f64,
    /// Lower asymptote.
    pub c: f64,
    /// Upper asymptote.
    pub d: f64,
    /// Location (relative ED50 for LL.3/LL.4), dose units.
    pub e: f64,
    /// LL.5 asymmetry; 1 for the other models.
    pub f: f64,
    /// Which of `[b, c, d, e, f]` were estimated.
    pub free: [bool; 5],
    /// Standard errors of `[b, c, d, e, f]` (`None` when fixed or unavailable).
    pub se: [Option<f64>; 5],
    /// Covariance of `[b, c, d, e, f]` (row-major 5x5, zero rows for fixed parameters).
    pub cov: Option<[[f64; 5]; 5]>,
    /// Covariance of `[b, c, d, ln e, f]` (the fitting parameterization).
    pub cov_log: Option<[[f64; 5]; 5]>,
    /// Number of observations.
    pub n: usize,
    /// Residual degrees of freedom `n - p`.
    pub df: usize,
    /// Residual sum of squares.
    pub rss: f64,
    /// Residual standard error `sqrt(RSS / df)`.
    pub rse: f64,
    /// Gaussian log-likelihood at the MLE of sigma: `-n/2 (ln(2 pi RSS / n) + 1)`.
    pub loglik: f64,
    /// drc's AIC: `-2 logLik + 2 (p + 1)` (sigma counted as a parameter).
    pub aic: f64,
    /// `1 - RSS / TSS` (TSS about the mean).
    pub r2: f64,
    /// p-value of the F-test against the mean (flat) model.
    pub flat_p: f64,
    /// Condition number of the diagonally scaled RSS Hessian (infinite when singular).
    pub condition: f64,
    /// Lowest positive tested dose.
    pub dose_min: f64,
    /// Highest tested dose.
    pub dose_max: f64,
    /// Normalized AUC: area under the fitted curve over `[log10 dose_min, log10 dose_max]`
    /// divided by that width, i.e. the mean fitted response over the tested range on a log
    /// scale (response units; 100 = no effect for percent viability).
    pub auc: f64,
    /// Observed Emax: the most extreme dose-level mean response in the direction of the
    /// effect (lowest for falling curves, highest for rising ones), response units.
    pub emax_obs: f64,
    /// Response level used for `ic50_abs`.
    pub abs_level: f64,
    /// LM iterations (Jacobian evaluations) of the winning start.
    pub iterations: usize,
    /// Outcome.
    pub status: FitStatus,
}

/// The least-squares problem of one curve: free parameters in `[b, c, d, ln e, f]` order.
///
/// Replicates share a Jacobian row, so the problem is posed on dose-level means with
/// weights `sqrt(n_k)`: `RSS = sum_k n_k (mean_k - f_k)^2 + within-level SS`, exactly the
/// same minimiser and Hessian as the per-observation problem at a fraction of the cost. The
/// residuals this problem reports are the weighted level residuals; add
/// [`DoseProblem::within_ss`] for the full RSS.
#[derive(Debug, Clone)]
pub struct DoseProblem {
    kind: ModelKind,
    lv: Levels,
    w: Vec<f64>,
    within: f64,
    template: [f64; 5],
    /// Indices of the free parameters in the full vector (first `nfree` entries).
    free_idx: [usize; 5],
    nfree: usize,
}

/// LL.3/LL.4's `S = sum r_i w_i d2f_i` (see [`LsqProblem::jacobian_second_order`]) needs only
/// five per-level sums: of `rw * (g_tt L^2, g_t L, g_tt L, g_t, g_tt)` over the levels with
/// dose > 0 (`rw` = weighted residual times weight, `L = ln x - ln e`, `g_t`, `g_tt` the
/// derivatives of `g = 1 / (1 + exp(b L))` in `t = b L`).
#[derive(Default)]
struct LlSSums([f64; 5]);

impl LlSSums {
    /// Adds one level.
    #[inline(always)] // called per level in the Jacobian loops
    #[allow(clippy::inline_always)]
    fn add(&mut self, rw: f64, gt: f64, gtt: f64, l: f64) {
        let a = &mut self.0;
        a[0] += rw * gtt * l * l;
        a[1] += rw * gt * l;
        a[2] += rw * gtt * l;
        a[3] += rw * gt;
        a[4] += rw * gtt;
    }

    /// Writes `S` for the free parameters `idx` (row-major `k x k`, `k = idx.len()`) from the
    /// Hessian of f (see `crate::model::response_grad_hess`) summed against `rw`; false when an
    /// entry is not finite.
    #[inline(always)] // with a constant `idx` (the common all-free case) the loops unroll
    #[allow(clippy::inline_always)]
    fn store(&self, amp: f64, b: f64, idx: &[usize], s: &mut [f64]) -> bool {
        let a = &self.0;
        let mut h = [[0.0; 5]; 5];
        h[B][B] = amp * a[0];
        h[B][C] = -a[1];
        h[B][D] = a[1];
        h[B][LE] = -amp * (b * a[2] + a[3]);
        h[C][LE] = b * a[3];
        h[D][LE] = -b * a[3];
        h[LE][LE] = amp * b * b * a[4];
        let k = idx.len();
        let mut ok = true;
        for (x, &fx) in idx.iter().enumerate() {
            for (y, &fy) in idx.iter().enumerate() {
                let v = if fx <= fy { h[fx][fy] } else { h[fy][fx] };
                ok &= v.is_finite();
                s[x * k + y] = v;
            }
        }
        ok
    }
}

impl DoseProblem {
    /// Build from doses (>= 0), responses, the model and the full template (fixed values).
    pub fn new(
        kind: ModelKind,
        dose: &[f64],
        y: &[f64],
        template: [f64; 5],
        free: [bool; 5],
    ) -> Self {
        let mut idx: Vec<usize> = (0..dose.len()).collect();
        idx.sort_by(|&a, &b| dose[a].total_cmp(&dose[b]));
        let dose: Vec<f64> = idx.iter().map(|&i| dose[i]).collect();
        let y: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
        let lv = levels_sorted(&dose, &y);
        Self::from_levels(kind, lv, &dose, &y, template, free)
    }

    /// Build from the levels of dose-sorted data (`dose`, `y` sorted by dose).
    fn from_levels(
        kind: ModelKind,
        lv: Levels,
        dose: &[f64],
        y: &[f64],
        template: [f64; 5],
        free: [bool; 5],
    ) -> Self {
        let ybar = &lv.mean;
        let mut within = 0.0;
        let mut k = 0;
        for i in 0..dose.len() {
            if i > 0 && dose[i] != dose[i - 1] {
                k += 1;
            }
            within += (y[i] - ybar[k]).powi(2);
        }
        let mut free_idx = [0; 5];
        let mut nfree = 0;
        for k in (0..5).filter(|&k| free[k]) {
            free_idx[nfree] = k;
            nfree += 1;
        }
        Self {
            kind,
            w: lv.count.iter().map(|c| c.sqrt()).collect(),
            lv,
            within,
            template,
            free_idx,
            nfree,
        }
    }

    /// True for LL.3/LL.4 (`g = 1 / (1 + exp(t))`), which have the fast paths below.
    fn is_ll(&self) -> bool {
        matches!(self.kind, ModelKind::Ll4 | ModelKind::Ll3)
    }

    /// Weighted LL.3/LL.4 residuals at full parameters `th`; stores `g` and `1 - g` per level
    /// in `cache` (`2 n` values) when given (the Jacobian at the same point reuses them). The
    /// same arithmetic as [`crate::model::response_at`].
    fn ll_residuals(&self, th: &[f64; 5], r: &mut [f64], cache: Option<&mut [f64]>) -> bool {
        let (b, le, c, amp) = (th[B], th[LE], th[C], th[D] - th[C]);
        let lv = &self.lv;
        let z = lv.first_pos;
        let mut ok = true;
        if z == 1 {
            let f = c + amp * g_at_zero(self.kind, th);
            r[0] = self.w[0] * (lv.mean[0] - f);
            ok &= r[0].is_finite();
        }
        let levels = r[z..]
            .iter_mut()
            .zip(&lv.lx[z..])
            .zip(self.w[z..].iter().zip(&lv.mean[z..]));
        if let Some(cache) = cache {
            for (((ri, &lx), (&wi, &mean)), gs) in levels.zip(cache[2 * z..].chunks_exact_mut(2)) {
                let (g, sg) = crate::model::ll_g(b * (lx - le));
                gs[0] = g;
                gs[1] = sg;
                *ri = wi * (mean - (c + amp * g));
                ok &= ri.is_finite();
            }
        } else {
            for ((ri, &lx), (&wi, &mean)) in levels {
                let (g, _) = crate::model::ll_g(b * (lx - le));
                *ri = wi * (mean - (c + amp * g));
                ok &= ri.is_finite();
            }
        }
        ok
    }

    /// [`LsqProblem::jacobian_second_order`] for LL.3/LL.4 (`g = 1 / (1 + exp(t))`): every
    /// entry of `S` is a multiple of one of five per-level sums, so `S` is assembled once
    /// from those sums instead of from a Hessian per level. `cache`: `g` and `1 - g` per
    /// level from [`DoseProblem::ll_residuals`] at the same point, if available.
    fn ll_jacobian_second_order(
        &self,
        th: &[f64; 5],
        r: &[f64],
        cache: Option<&[f64]>,
        jac: &mut [f64],
        s: &mut [f64],
    ) -> bool {
        let idx = self.free_idx();
        let k = idx.len();
        let (b, amp) = (th[B], th[D] - th[C]);
        let all4 = idx == [B, C, D, LE];
        if let Some(gs) = cache.filter(|_| all4 && self.lv.first_pos == 0) {
            return self.ll4_jacobian_second_order(th, r, gs, jac, s);
        }
        let mut sums = LlSSums::default();
        let rows = jac.chunks_exact_mut(k);
        for (i, ((row, &lx), (&wi, &ri))) in
            rows.zip(&self.lv.lx).zip(self.w.iter().zip(r)).enumerate()
        {
            let (g, gt, gtt, l) = if lx.is_finite() {
                let l = lx - th[LE];
                let t = b * l;
                let (g, sg) = match cache {
                    Some(c) => (c[2 * i], c[2 * i + 1]),
                    None => crate::model::ll_g(t),
                };
                (g, -g * sg, g * sg * (1.0 - 2.0 * g), l)
            } else {
                // dose 0: the constant limit, only c and d move the response
                (g_at_zero(self.kind, th), 0.0, 0.0, 0.0)
            };
            let grad = [amp * gt * l, 1.0 - g, g, -amp * gt * b, 0.0];
            if all4 {
                row.copy_from_slice(&[wi * grad[0], wi * grad[1], wi * grad[2], wi * grad[3]]);
            } else {
                for (v, &fj) in row.iter_mut().zip(idx) {
                    *v = wi * grad[fj];
                }
            }
            sums.add(ri * wi, gt, gtt, l);
        }
        jac.iter().all(|v| v.is_finite()) && sums.store(amp, b, idx, s)
    }

    /// [`DoseProblem::ll_jacobian_second_order`] for the common case: LL.3/LL.4 with `b, c,
    /// d, e` free, no dose-0 level, `g` and `1 - g` cached. The same expressions in a loop
    /// without index maps (the same numbers).
    fn ll4_jacobian_second_order(
        &self,
        th: &[f64; 5],
        r: &[f64],
        gs: &[f64],
        jac: &mut [f64],
        s: &mut [f64],
    ) -> bool {
        let (b, amp) = (th[B], th[D] - th[C]);
        let mut sums = LlSSums::default();
        let levels = jac
            .chunks_exact_mut(4)
            .zip(gs.chunks_exact(2))
            .zip(self.lv.lx.iter().zip(self.w.iter().zip(r)));
        for ((row, gsi), (&lx, (&wi, &ri))) in levels {
            let l = lx - th[LE];
            let (g, sg) = (gsi[0], gsi[1]);
            let gt = -g * sg;
            let gtt = g * sg * (1.0 - 2.0 * g);
            row[0] = wi * (amp * gt * l);
            row[1] = wi * (1.0 - g);
            row[2] = wi * g;
            row[3] = wi * (-amp * gt * b);
            sums.add(ri * wi, gt, gtt, l);
        }
        jac.iter().all(|v| v.is_finite()) && sums.store(amp, b, &[B, C, D, LE], s)
    }

    /// Indices of the free parameters in `[b, c, d, ln e, f]`.
    fn free_idx(&self) -> &[usize] {
        &self.free_idx[..self.nfree]
    }

    /// Exact Hessian of the full RSS at the free parameters `p`: `2 (J'J - S)` in the
    /// leading `p x p` block (see [`LsqProblem::jacobian_second_order`]). `None` when not
    /// finite.
    fn rss_hessian_exact(&self, p: &[f64]) -> Option<[[f64; 5]; 5]> {
        let th = self.full(p);
        let idx = self.free_idx();
        let mut h = [[0.0; 5]; 5];
        if self.is_ll() && idx == [B, C, D, LE] {
            // LL.3/LL.4 (one code path in the model) with b, c, d, e free: the same
            // arithmetic with the model kind and the index map known at compile time
            for (i, &lx) in self.lv.lx.iter().enumerate() {
                let (f, g, hi) = crate::model::response_grad_hess(ModelKind::Ll4, &th, lx);
                let w2 = self.lv.count[i];
                let r = self.lv.mean[i] - f;
                for a in 0..4 {
                    for b in 0..=a {
                        h[a][b] += 2.0 * w2 * (g[a] * g[b] - r * hi[a][b]);
                    }
                }
            }
        } else {
            for (i, &lx) in self.lv.lx.iter().enumerate() {
                let (f, g, hi) = crate::model::response_grad_hess(self.kind, &th, lx);
                let w2 = self.lv.count[i];
                let r = self.lv.mean[i] - f;
                for (a, &fa) in idx.iter().enumerate() {
                    for (b, &fb) in idx.iter().enumerate().take(a + 1) {
                        h[a][b] += 2.0 * w2 * (g[fa] * g[fb] - r * hi[fa][fb]);
                    }
                }
            }
        }
        for a in 0..idx.len() {
            for b in 0..a {
                h[b][a] = h[a][b];
            }
        }
        h.iter().flatten().all(|v| v.is_finite()).then_some(h)
    }

    /// Within-dose-level sum of squares (the part of the RSS no curve can explain).
    pub fn within_ss(&self) -> f64 {
        self.within
    }

    /// Full `theta` from the free parameter vector.
    pub fn full(&self, p: &[f64]) -> [f64; 5] {
        let mut th = self.template;
        for (k, &i) in self.free_idx().iter().enumerate() {
            th[i] = p[k];
        }
        th
    }

    /// Free parameter vector from a full `theta`.
    pub fn free_of(&self, th: &[f64; 5]) -> Vec<f64> {
        self.free_idx().iter().map(|&i| th[i]).collect()
    }
}

impl LsqProblem for DoseProblem {
    fn n_obs(&self) -> usize {
        self.lv.lx.len()
    }
    fn n_params(&self) -> usize {
        self.nfree
    }
    fn cache_len(&self) -> usize {
        if self.is_ll() {
            2 * self.lv.lx.len()
        } else {
            0
        }
    }
    fn residuals_cached(&self, p: &[f64], r: &mut [f64], cache: &mut [f64]) -> bool {
        if self.is_ll() {
            self.ll_residuals(&self.full(p), r, Some(cache))
        } else {
            self.residuals(p, r)
        }
    }
    fn jacobian_second_order_cached(
        &self,
        p: &[f64],
        r: &[f64],
        cache: &[f64],
        jac: &mut [f64],
        s: &mut [f64],
    ) -> Option<bool> {
        if self.is_ll() {
            Some(self.ll_jacobian_second_order(&self.full(p), r, Some(cache), jac, s))
        } else {
            self.jacobian_second_order(p, r, jac, s)
        }
    }
    fn residuals(&self, p: &[f64], r: &mut [f64]) -> bool {
        let th = self.full(p);
        if self.is_ll() {
            return self.ll_residuals(&th, r, None);
        }
        if self.kind == ModelKind::Ll5 && th[F] <= 0.0 {
            return false;
        }
        let mut ok = true;
        for (k, ri) in r.iter_mut().enumerate() {
            let f = crate::model::response_at(self.kind, &th, self.lv.lx[k]);
            *ri = self.w[k] * (self.lv.mean[k] - f);
            ok &= ri.is_finite();
        }
        ok
    }
    fn jacobian_second_order(
        &self,
        p: &[f64],
        r: &[f64],
        jac: &mut [f64],
        s: &mut [f64],
    ) -> Option<bool> {
        // LL.5: no Newton steps. Its fits on LL.4-shaped data often crawl along a flat
        // (c, f) valley to the iteration limit, and there Newton steps ended at a higher RSS
        // than Gauss-Newton in 531 of 2,000 synthetic curves (better in 112).
        if self.kind == ModelKind::Ll5 {
            return None;
        }
        let th = self.full(p);
        let idx = self.free_idx();
        let k = idx.len();
        if self.is_ll() {
            return Some(self.ll_jacobian_second_order(&th, r, None, jac, s));
        }
        s[..k * k].fill(0.0);
        let mut ok = true;
        for (i, &lx) in self.lv.lx.iter().enumerate() {
            let (_, g, h) = crate::model::response_grad_hess(self.kind, &th, lx);
            let wi = self.w[i];
            let rw = r[i] * wi;
            for (a, &fa) in idx.iter().enumerate() {
                let v = wi * g[fa];
                ok &= v.is_finite();
                jac[i * k + a] = v;
                for (b, &fb) in idx.iter().enumerate().take(a + 1) {
                    s[a * k + b] += rw * h[fa][fb];
                }
            }
        }
        for a in 0..k {
            for b in 0..a {
                s[b * k + a] = s[a * k + b];
            }
        }
        ok &= s[..k * k].iter().all(|v| v.is_finite());
        Some(ok)
    }
    fn jacobian(&self, p: &[f64], jac: &mut [f64]) -> bool {
        let th = self.full(p);
        let idx = self.free_idx();
        let k = idx.len();
        let mut ok = true;
        for (i, &lx) in self.lv.lx.iter().enumerate() {
            let (_, g) = response_and_grad(self.kind, &th, lx);
            for (j, &fi) in idx.iter().enumerate() {
                let v = self.w[i] * g[fi];
                ok &= v.is_finite();
                jac[i * k + j] = v;
            }
        }
        ok
    }
}

/// Per-dose-level summary used by starts and statistics.
#[derive(Debug, Clone)]
struct Levels {
    /// ln dose per level (ascending; `-inf` for dose 0).
    lx: Vec<f64>,
    count: Vec<f64>,
    sum: Vec<f64>,
    /// `sum / count`.
    mean: Vec<f64>,
    /// Index of the first positive dose level (0 or 1).
    first_pos: usize,
}

impl Levels {
    /// ln dose of the positive dose levels (ascending).
    fn pos_lx(&self) -> &[f64] {
        &self.lx[self.first_pos..]
    }
}

/// Levels of data sorted by dose.
fn levels_sorted(dose: &[f64], y: &[f64]) -> Levels {
    let mut out = Levels {
        lx: Vec::with_capacity(dose.len()),
        count: Vec::with_capacity(dose.len()),
        sum: Vec::with_capacity(dose.len()),
        mean: Vec::new(),
        first_pos: 0,
    };
    for (i, (&x, &yi)) in dose.iter().zip(y).enumerate() {
        if i == 0 || x != dose[i - 1] {
            out.lx.push(x.ln());
            out.count.push(0.0);
            out.sum.push(0.0);
        }
        let k = out.lx.len() - 1;
        out.count[k] += 1.0;
        out.sum[k] += yi;
    }
    out.mean = out.sum.iter().zip(&out.count).map(|(s, c)| s / c).collect();
    out.first_pos = usize::from(out.lx.first().is_some_and(|v| !v.is_finite()));
    out
}

fn failed(spec: &FitSpec, options: FitOptions, n: usize, reason: impl Into<String>) -> CurveFit {
    CurveFit {
        model: spec.model,
        b: f64::NAN,
        c: f64::NAN,
        d: f64::NAN,
        e: f64::NAN,
        f: f64::NAN,
        free: [false; 5],
        se: [None; 5],
        cov: None,
        cov_log: None,
        n,
        df: 0,
        rss: f64::NAN,
        rse: f64::NAN,
        loglik: f64::NAN,
        aic: f64::NAN,
        r2: f64::NAN,
        flat_p: f64::NAN,
        condition: f64::NAN,
        dose_min: f64::NAN,
        dose_max: f64::NAN,
        auc: f64::NAN,
        emax_obs: f64::NAN,
        abs_level: options.abs_level,
        iterations: 0,
        status: FitStatus::Failed(reason.into()),
    }
}

/// The per-observation transform `z = t` implied by response fraction `g` (for the
/// self-starter's linear regression of `t` on `ln x`).
fn t_of_g(kind: ModelKind, g: f64) -> f64 {
    match kind {
        ModelKind::W14 => (-g.ln()).ln(),
        ModelKind::W24 => (-(-g).ln_1p()).ln(),
        _ => ((1.0 - g) / g).ln(),
    }
}

/// drc-style self-starter: asymptotes from the extreme level means (widened by 5 % of the
/// range unless fixed), then `b`, `ln e` from the regression of the linearised response on
/// `ln x` over positive doses.
fn self_start(kind: ModelKind, lv: &Levels, template: &[f64; 5], free: [bool; 5]) -> [f64; 5] {
    let means = &lv.mean;
    let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let margin = 0.05 * (hi - lo) + 1e-12 * hi.abs().max(lo.abs()).max(1e-300);
    let mut th = *template;
    // Direction: falling response with dose => b > 0 for LL/W1, b < 0 for W2 (drc).
    let pos = lv.first_pos..lv.lx.len();
    let (mx, my) = pos
        .clone()
        .fold((0.0, 0.0), |(a, b), k| (a + lv.lx[k], b + means[k]));
    let np = pos.len().max(1) as f64;
    let (mx, my) = (mx / np, my / np);
    let cov: f64 = pos.clone().map(|k| (lv.lx[k] - mx) * (means[k] - my)).sum();
    let falling = cov <= 0.0;
    // In drc's parameterization, c is the x->inf asymptote for b > 0.
    let (c0, d0) = (lo - margin, hi + margin);
    let (c0, d0) = if free[C] && free[D] {
        (c0, d0)
    } else if free[C] {
        // d fixed: c on the far side
        if falling == (template[D] >= my) {
            (c0, template[D])
        } else {
            (d0, template[D])
        }
    } else if free[D] {
        if falling == (template[C] <= my) {
            (template[C], d0)
        } else {
            (template[C], c0)
        }
    } else {
        (template[C], template[D])
    };
    th[C] = c0;
    th[D] = d0;
    if free[F] {
        th[F] = 1.0;
    }
    let amp = d0 - c0;
    let (mut sx, mut sz, mut sxx, mut sxz, mut w) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for k in pos {
        let g = ((means[k] - c0) / amp).clamp(1e-3, 1.0 - 1e-3);
        let z = t_of_g(kind, g);
        let x = lv.lx[k];
        sx += x;
        sz += z;
        sxx += x * x;
        sxz += x * z;
        w += 1.0;
    }
    let den = w * sxx - sx * sx;
    let mut b = if den > 0.0 {
        (w * sxz - sx * sz) / den
    } else {
        1.0
    };
    if !b.is_finite() || b.abs() < 1e-3 {
        b = if falling { 1.0 } else { -1.0 };
    }
    let a = (sz - b * sx) / w;
    let mut le = -a / b;
    let (lmin, lmax) = (lv.pos_lx()[0], lv.lx[lv.lx.len() - 1]);
    let span = (lmax - lmin).max(1e-6);
    if !le.is_finite() {
        le = 0.5 * (lmin + lmax);
    }
    le = le.clamp(lmin - span, lmax + span);
    if free[B] {
        th[B] = b.clamp(-20.0, 20.0);
    }
    if free[LE] {
        th[LE] = le;
    }
    th
}

/// Grid locations evaluated together in [`grid_start`].
const GRID_LANES: usize = 4;

/// Profiled grid: for each `(b, ln e)` on the grid solve `c`, `d` by linear least squares
/// (per dose level), return the full theta with the lowest RSS and that RSS.
fn grid_start(
    kind: ModelKind,
    lv: &Levels,
    template: &[f64; 5],
    free: [bool; 5],
    sign: f64,
    sumsq_y: f64,
) -> Option<([f64; 5], f64)> {
    let pos = lv.pos_lx();
    let (lmin, lmax) = (pos[0], pos[pos.len() - 1]);
    let step = ((lmax - lmin) / (pos.len().max(2) - 1) as f64).max(1e-3);
    // locations: every positive level, then one step beyond each end (or the fixed value)
    let (les_pos, les_ext): (&[f64], [f64; 2]) = if free[LE] {
        (pos, [lmin - step, lmax + step])
    } else {
        (&[], [template[LE], f64::NAN])
    };
    let n_ext = if free[LE] { 2 } else { 1 };
    let les = les_pos.iter().chain(&les_ext[..n_ext]);
    let bs: [f64; 3] = if free[B] {
        [0.8, 2.0, 5.0].map(|m| m * sign / step.max(0.3))
    } else {
        [template[B]; 3]
    };
    let bs = &bs[..if free[B] { 3 } else { 1 }];
    let ntot: f64 = lv.count.iter().sum();
    let sy: f64 = lv.sum.iter().sum();
    let mut best: Option<([f64; 5], f64)> = None;
    let mut th = *template;
    if free[F] {
        th[F] = 1.0;
    }
    // Log-logistic grid points (f = 1): g = 1 / (1 + u) with u = exp(b (lx - le)) factored as
    // exp(b (lx - mid)) exp(-b (le - mid)): one exp per level and per location instead of
    // one per pair. Used only when both factors are finite and positive (then a product
    // that over- or underflows is the correct limit g = 0 or 1); exact g_at otherwise.
    let factored = kind.is_log_logistic() && th[F] == 1.0;
    let mid = 0.5 * (lmin + lmax);
    let z = lv.first_pos;
    let mut ex = vec![0.0; lv.lx.len()];
    let les: Vec<f64> = les.copied().collect();
    // per location: sums of n g, n g^2, (sum y) g over the levels
    let mut sums = vec![[0.0; 3]; les.len()];
    let (count_pos, sum_pos) = (&lv.count[z..], &lv.sum[z..]);
    for &b in bs {
        th[B] = b;
        let mut fast_b = factored;
        if factored {
            for (e, &lx) in ex[z..].iter_mut().zip(&lv.lx[z..]) {
                *e = (b * (lx - mid)).exp();
                fast_b &= *e > 0.0 && e.is_finite();
            }
        }
        // dose 0 (first level, if any): the x -> 0 limit, independent of le
        let g_zero = (z == 1).then(|| crate::model::g_at(kind, &th, f64::NEG_INFINITY));
        let zero_sums = |acc: &mut [f64; 3]| {
            if let Some(g) = g_zero {
                acc[0] += lv.count[0] * g;
                acc[1] += lv.count[0] * g * g;
                acc[2] += lv.sum[0] * g;
            }
        };
        // location i: exp(-b (le - mid)); at a level's own ln dose that is 1 / ex of the level
        let el_of = |i: usize, le: f64| {
            if !fast_b {
                f64::NAN
            } else if i < les_pos.len() {
                1.0 / ex[z + i]
            } else {
                (-b * (le - mid)).exp()
            }
        };
        let is_fast = |el: f64| el > 0.0 && el.is_finite();
        let chunks = les.chunks(GRID_LANES).zip(sums.chunks_mut(GRID_LANES));
        for (ci, (chunk, out)) in chunks.enumerate() {
            let els: [f64; GRID_LANES] = std::array::from_fn(|j| {
                chunk
                    .get(j)
                    .map_or(1.0, |&le| el_of(ci * GRID_LANES + j, le))
            });
            if els.iter().all(|&el| is_fast(el)) {
                // GRID_LANES locations at once: independent sums (each in level order, the
                // same numbers as one at a time) that overlap their division latencies
                let mut acc = [[0.0; 3]; GRID_LANES];
                for a in &mut acc {
                    zero_sums(a);
                }
                for ((&e, &n), &sy) in ex[z..].iter().zip(count_pos).zip(sum_pos) {
                    for (a, &el) in acc.iter_mut().zip(&els) {
                        let g = 1.0 / (1.0 + e * el);
                        a[0] += n * g;
                        a[1] += n * g * g;
                        a[2] += sy * g;
                    }
                }
                out.copy_from_slice(&acc[..out.len()]);
                continue;
            }
            for ((&le, o), &el) in chunk.iter().zip(out.iter_mut()).zip(&els) {
                th[LE] = le;
                let mut acc = [0.0; 3];
                zero_sums(&mut acc);
                if is_fast(el) {
                    for ((&e, &n), &sy) in ex[z..].iter().zip(count_pos).zip(sum_pos) {
                        let g = 1.0 / (1.0 + e * el);
                        acc[0] += n * g;
                        acc[1] += n * g * g;
                        acc[2] += sy * g;
                    }
                } else {
                    for k in z..lv.lx.len() {
                        let g = crate::model::g_at(kind, &th, lv.lx[k]);
                        acc[0] += lv.count[k] * g;
                        acc[1] += lv.count[k] * g * g;
                        acc[2] += lv.sum[k] * g;
                    }
                }
                *o = acc;
            }
        }
        for (&le, &[sg, sgg, sgy]) in les.iter().zip(&sums) {
            th[LE] = le;
            // y ~ c + (d - c) g = c + s g
            let (c, d) = if free[C] && free[D] {
                let den = ntot * sgg - sg * sg;
                if den <= 1e-12 * ntot * sgg.max(1e-300) {
                    continue;
                }
                let s = (ntot * sgy - sg * sy) / den;
                let c = (sy - s * sg) / ntot;
                (c, c + s)
            } else if free[D] {
                let c = template[C];
                if sgg <= 0.0 {
                    continue;
                }
                (c, c + (sgy - c * sg) / sgg)
            } else if free[C] {
                let d = template[D];
                // y - d = (c - d)(1 - g)
                let h = ntot - 2.0 * sg + sgg;
                if h <= 0.0 {
                    continue;
                }
                let shy = (sy - sgy) - d * (ntot - sg);
                (d + shy / h, d)
            } else {
                (template[C], template[D])
            };
            let s = d - c;
            // RSS = sum (y - c - s g)^2
            let rss = sumsq_y - 2.0 * c * sy - 2.0 * s * sgy
                + ntot * c * c
                + 2.0 * c * s * sg
                + s * s * sgg;
            if rss.is_finite() && best.as_ref().is_none_or(|(_, r)| rss < *r) {
                let mut t = th;
                t[C] = c;
                t[D] = d;
                best = Some((t, rss));
            }
        }
    }
    best
}

thread_local! {
    /// LM buffers reused by every fit on this thread (no allocation per LM run).
    static LM_WORKSPACE: RefCell<LmWorkspace> = RefCell::new(LmWorkspace::new());
}

/// Levenberg-Marquardt with this thread's reusable workspace.
fn lm(prob: &DoseProblem, start: &[f64], opts: &LmOptions) -> LmResult {
    LM_WORKSPACE.with(|ws| match ws.try_borrow_mut() {
        Ok(mut w) => levenberg_marquardt_in(prob, start, opts, &mut w),
        Err(_) => levenberg_marquardt_in(prob, start, opts, &mut LmWorkspace::new()),
    })
}

/// Fit one curve. Never panics: bad input or no convergence give `status = failed`.
///
/// Doses must be finite and `>= 0` (0 = untreated, the `x -> 0` limit); responses finite.
/// Flagged or missing wells must be left out by the caller (never passed as numbers).
/// Uses [`FitOptions::default`] (absolute level 50).
pub fn fit_curve(dose: &[f64], response: &[f64], spec: &FitSpec) -> CurveFit {
    fit_curve_with(dose, response, spec, &FitOptions::default())
}

/// [`fit_curve`] with explicit [`FitOptions`].
pub fn fit_curve_with(
    dose: &[f64],
    response: &[f64],
    spec: &FitSpec,
    options: &FitOptions,
) -> CurveFit {
    let n = dose.len();
    if response.len() != n {
        return failed(
            spec,
            *options,
            n,
            format!("{} doses but {} responses", n, response.len()),
        );
    }
    if let Some(i) = dose.iter().position(|x| !x.is_finite() || *x < 0.0) {
        return failed(
            spec,
            *options,
            n,
            format!(
                "dose {} at row {} is not a finite dose >= 0",
                dose[i],
                i + 1
            ),
        );
    }
    if let Some(i) = response.iter().position(|x| !x.is_finite()) {
        return failed(
            spec,
            *options,
            n,
            format!("response at row {} is not finite", i + 1),
        );
    }
    // Canonical row order (by dose, then response): the fit is bit-identical under any
    // permutation of the input rows.
    // Doses already ascending (the usual case): only the responses of each dose level are
    // put in order (a few elements each), the same order the full sort gives.
    let doses_in_order = (1..n).all(|i| dose[i - 1].total_cmp(&dose[i]).is_le());
    let sorted_buf;
    let (dose, response) = if doses_in_order {
        let mut y = response.to_vec();
        let mut start = 0;
        for i in 1..=n {
            if i == n || dose[i].total_cmp(&dose[start]).is_ne() {
                // insertion sort: replicate runs are short
                for j in (start + 1)..i {
                    let v = y[j];
                    let mut k = j;
                    while k > start && y[k - 1].total_cmp(&v).is_gt() {
                        y[k] = y[k - 1];
                        k -= 1;
                    }
                    y[k] = v;
                }
                start = i;
            }
        }
        sorted_buf = y;
        (dose, sorted_buf.as_slice())
    } else {
        let mut rows: Vec<(f64, f64)> =
            dose.iter().copied().zip(response.iter().copied()).collect();
        rows.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut sorted = Vec::with_capacity(2 * n);
        sorted.extend(rows.iter().map(|r| r.0));
        sorted.extend(rows.iter().map(|r| r.1));
        sorted_buf = sorted;
        sorted_buf.split_at(n)
    };
    let kind = spec.model;
    let mut free = kind.own_free();
    let mut template = [1.0, 0.0, 1.0, 0.0, 1.0];
    let fx = &spec.fixed;
    for (k, v) in [fx.b, fx.c, fx.d, fx.e.map(f64::ln)]
        .into_iter()
        .enumerate()
    {
        if let Some(v) = v {
            if !v.is_finite() {
                return failed(
                    spec,
                    *options,
                    n,
                    format!(
                        "fixed {} is not finite (e must be > 0)",
                        crate::model::PARAM_NAMES[k]
                    ),
                );
            }
            template[k] = v;
            free[k] = false;
        }
    }
    let p = free.iter().filter(|&&v| v).count();
    let lv = levels_sorted(dose, response);
    let npos = lv.pos_lx().len();
    if npos < 2 {
        return failed(
            spec,
            *options,
            n,
            format!("need at least 2 distinct positive doses, got {npos}"),
        );
    }
    if n <= p {
        return failed(
            spec,
            *options,
            n,
            format!("{n} observations for {p} parameters: no residual df"),
        );
    }
    let df = n - p;
    let mean_y = response.iter().sum::<f64>() / n as f64;
    let tss: f64 = response.iter().map(|y| (y - mean_y).powi(2)).sum();
    let sumsq_y: f64 = response.iter().map(|y| y * y).sum();
    let dose_min = dose
        .iter()
        .copied()
        .filter(|&x| x > 0.0)
        .fold(f64::INFINITY, f64::min);
    let dose_max = dose.iter().copied().fold(0.0, f64::max);

    let prob = DoseProblem::from_levels(kind, lv, dose, response, template, free);
    let lv = &prob.lv;
    let means = &lv.mean;
    let within = prob.within_ss();
    let scale = response
        .iter()
        .map(|y| y.abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    if tss <= (1e-13 * scale).powi(2) * n as f64 {
        // Constant response: the flat model is exact.
        let mut out = failed(spec, *options, n, "");
        out.free = free;
        out.b = 0.0;
        out.c = mean_y;
        out.d = mean_y;
        out.f = template[F];
        out.df = df;
        out.rss = tss;
        out.rse = (tss / df as f64).sqrt();
        out.r2 = 0.0;
        out.flat_p = 1.0;
        out.dose_min = dose_min;
        out.dose_max = dose_max;
        out.auc = mean_y;
        out.emax_obs = mean_y;
        out.status = FitStatus::Flat;
        return out;
    }

    // Dose fits: steps below 1e-9 of the scaled parameter norm are far inside every
    // reported precision (drc itself stops at relTol 1e-7 on the RSS).
    // 100 iterations: well-posed curves converge in ~10; the rest are steps whose slope
    // runs off to infinity (flagged unstable/censored anyway).
    let opts = LmOptions {
        xtol: 1e-9,
        ftol: 1e-12,
        max_iter: 100,
        ..LmOptions::default()
    };
    let s0 = self_start(kind, lv, &template, free);
    let sign = if s0[B] >= 0.0 { 1.0 } else { -1.0 };
    // Two starts: drc's self-starter and the best point of the profiled grid with the same
    // slope sign. LM runs from the lower-RSS start first, then from the other one only when
    // that start is already below the first optimum (another basin) or the first run failed.
    let p_self = prob.free_of(&s0);
    let rss_self = crate::lsq::rss_at(&prob, &p_self);
    let grid = grid_start(kind, lv, &template, free, sign, sumsq_y)
        .map(|(g, r)| (prob.free_of(&g), r - within));
    let (first, second) = match grid {
        Some((pg, rg)) if rg < rss_self => ((pg, rg), Some((p_self, rss_self))),
        Some(g) => ((p_self, rss_self), Some(g)),
        None => ((p_self, rss_self), None),
    };
    let mut best = lm(&prob, &first.0, &opts);
    if let Some((p2, r2)) = second {
        if r2 < best.rss * (1.0 - 1e-6) || !best.stop.converged() {
            let r = lm(&prob, &p2, &opts);
            if r.rss < best.rss {
                best = r;
            }
        }
    }
    // Opposite slope sign only when the fit explains little (R^2 < 0.5): a clear curve
    // fixes the direction of the effect.
    if free[B] && !(1.0 - (best.rss + within) / tss >= 0.5) {
        if let Some((g0, grss)) = grid_start(kind, lv, &template, free, -sign, sumsq_y) {
            if grss - within < best.rss {
                let r = lm(&prob, &prob.free_of(&g0), &opts);
                if r.rss < best.rss {
                    best = r;
                }
            }
        }
    }
    if !best.rss.is_finite() {
        return failed(spec, *options, n, "no start gave finite residuals");
    }
    let th = prob.full(&best.params);
    if th.iter().any(|v| !v.is_finite()) {
        return failed(spec, *options, n, "non-finite parameters");
    }
    let rss = best.rss + within;
    let s2 = rss / df as f64;
    let y_range = response.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - response.iter().copied().fold(f64::INFINITY, f64::min);
    // Hessian of RSS -> covariance in the fitting parameterization.
    let (cov_log, condition) = match prob.rss_hessian_exact(&best.params) {
        Some(h) => covariance(&h, p, s2, free, y_range),
        None => (None, f64::INFINITY),
    };
    let e = th[LE].exp();
    let cov = cov_log.map(|cl| {
        let mut c = cl;
        for row in &mut c {
            row[LE] *= e;
        }
        for v in &mut c[LE] {
            *v *= e;
        }
        c
    });
    let se: [Option<f64>; 5] = std::array::from_fn(|k| {
        if free[k] {
            cov.and_then(|c| (c[k][k] >= 0.0).then(|| c[k][k].sqrt()))
        } else {
            None
        }
    });
    let nf = n as f64;
    let loglik = -0.5 * nf * ((2.0 * std::f64::consts::PI * rss / nf).ln() + 1.0);
    let flat_p = if p > 1 {
        let f_stat = ((tss - rss) / (p - 1) as f64) / s2;
        FisherSnedecor::new((p - 1) as f64, df as f64).map_or(f64::NAN, |dist| {
            if f_stat.is_finite() {
                dist.sf(f_stat.max(0.0))
            } else {
                0.0
            }
        })
    } else {
        f64::NAN
    };
    let g0 = g_at_zero(kind, &th);
    let falling = (th[D] - th[C]) * (1.0 - 2.0 * g0) < 0.0;
    let emax_obs = if falling {
        means.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        means.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    let auc = if dose_max > dose_min {
        // ln dose_min and ln dose_max are the first positive and the last level
        let (l0, l1) = (lv.pos_lx()[0], lv.lx[lv.lx.len() - 1]);
        th[C] + (th[D] - th[C]) * mean_g(kind, &th, l0, l1)
    } else {
        f64::NAN
    };
    let mut fit = CurveFit {
        model: kind,
        b: th[B],
        c: th[C],
        d: th[D],
        e,
        f: th[F],
        free,
        se,
        cov,
        cov_log,
        n,
        df,
        rss,
        rse: s2.sqrt(),
        loglik,
        aic: -2.0 * loglik + 2.0 * (p as f64 + 1.0),
        r2: 1.0 - rss / tss,
        flat_p,
        condition,
        dose_min,
        dose_max,
        auc,
        emax_obs,
        abs_level: options.abs_level,
        iterations: best.iterations,
        status: FitStatus::Ok,
    };
    fit.status = classify(&fit, lv, means);
    fit
}

/// Status rules, in order: flat (F-test p >= 0.05); unstable (condition > 6.7e8) — unless the
/// data never cross `abs_level` and move towards it across the tested range, in which case
/// the ED50 is censored above (or, if every level is already past it, below) the range;
/// ED50 above / below the tested positive doses; otherwise ok.
fn classify(fit: &CurveFit, lv: &Levels, means: &[f64]) -> FitStatus {
    if fit.flat_p >= FLAT_P_VALUE {
        return FitStatus::Flat;
    }
    if !(fit.condition <= UNSTABLE_CONDITION) {
        let pos: Vec<usize> = (0..lv.lx.len()).filter(|&k| lv.lx[k].is_finite()).collect();
        let y_lo = means[pos[0]];
        let y_hi = means[pos[pos.len() - 1]];
        let level = fit.abs_level;
        let first = means[0];
        let all_above = means.iter().all(|&m| m > level);
        let all_below = means.iter().all(|&m| m < level);
        if all_above || all_below {
            // moving towards the level with dose: the crossing lies beyond the top dose
            let towards =
                (y_hi - y_lo).abs() > 0.0 && ((y_hi - level).abs() < (first - level).abs());
            return if towards {
                FitStatus::Ic50AboveRange
            } else {
                FitStatus::Ic50BelowRange
            };
        }
        return FitStatus::Unstable;
    }
    if fit.e > fit.dose_max {
        FitStatus::Ic50AboveRange
    } else if fit.e < fit.dose_min {
        FitStatus::Ic50BelowRange
    } else {
        FitStatus::Ok
    }
}

type Cov5 = [[f64; 5]; 5];

/// Eigenvalues of the symmetric leading `p x p` block of `a` (`p <= 5`) by cyclic Jacobi
/// rotations (accurate for small eigenvalues; no allocation). Unordered.
fn sym_eigenvalues(a: Cov5, p: usize) -> [f64; 5] {
    // the common sizes with `p` known at compile time (unrolled; the same operations)
    match p {
        2 => jacobi_eigenvalues(a, 2),
        3 => jacobi_eigenvalues(a, 3),
        4 => jacobi_eigenvalues(a, 4),
        5 => jacobi_eigenvalues(a, 5),
        _ => jacobi_eigenvalues(a, p),
    }
}

/// See [`sym_eigenvalues`].
#[inline(always)] // specialised per size by the callers above
#[allow(clippy::inline_always)]
fn jacobi_eigenvalues(mut a: Cov5, p: usize) -> [f64; 5] {
    for _sweep in 0..64 {
        let mut off = 0.0;
        let mut diag = 0.0;
        for i in 0..p {
            diag += a[i][i] * a[i][i];
            for j in (i + 1)..p {
                off += a[i][j] * a[i][j];
            }
        }
        if !(off > 1e-32 * diag) {
            break;
        }
        // round-robin order: the rotations of one round act on disjoint index pairs, so
        // their angles are independent (their sqrt/division latencies overlap)
        let rounds: &[[(usize, usize); 3]] = if p <= 2 {
            &JACOBI_ROUNDS_2
        } else if p <= 4 {
            &JACOBI_ROUNDS_4
        } else {
            &JACOBI_ROUNDS_6
        };
        for round in rounds {
            let mut rot = [(0, 0, 1.0, 0.0); 3];
            let mut nrot = 0;
            for &(i, j) in round {
                if j >= p || i == j {
                    continue;
                }
                let apq = a[i][j];
                // negligible against its own diagonal (|a_ij| <= 1e-18 sqrt(a_ii a_jj), far
                // below rounding): set to zero instead of rotating, which keeps the relative
                // accuracy of the small eigenvalues (Demmel-Veselic stopping rule)
                if apq * apq <= 1e-36 * (a[i][i] * a[j][j]).abs() {
                    a[i][j] = 0.0;
                    a[j][i] = 0.0;
                    continue;
                }
                let theta = (a[j][j] - a[i][i]) / (2.0 * apq);
                let t = if theta.abs() > 1e150 {
                    0.5 / theta
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                rot[nrot] = (i, j, c, t * c);
                nrot += 1;
            }
            for &(i, j, c, s) in &rot[..nrot] {
                for k in 0..p {
                    let (akp, akq) = (a[k][i], a[k][j]);
                    a[k][i] = c * akp - s * akq;
                    a[k][j] = s * akp + c * akq;
                }
                for k in 0..p {
                    let (apk, aqk) = (a[i][k], a[j][k]);
                    a[i][k] = c * apk - s * aqk;
                    a[j][k] = s * apk + c * aqk;
                }
            }
        }
    }
    std::array::from_fn(|i| if i < p { a[i][i] } else { f64::NAN })
}

/// Round-robin Jacobi orderings for 2, 4 and 6 indices: every pair once per sweep, each
/// round made of disjoint pairs (`(0, 0)`: no pair). Sizes 3 and 5 skip the pairs with the
/// missing last index.
const JACOBI_ROUNDS_2: [[(usize, usize); 3]; 1] = [[(0, 1), (0, 0), (0, 0)]];
const JACOBI_ROUNDS_4: [[(usize, usize); 3]; 3] = [
    [(0, 1), (2, 3), (0, 0)],
    [(0, 2), (1, 3), (0, 0)],
    [(0, 3), (1, 2), (0, 0)],
];
const JACOBI_ROUNDS_6: [[(usize, usize); 3]; 5] = [
    [(0, 1), (2, 3), (4, 5)],
    [(0, 2), (1, 4), (3, 5)],
    [(0, 3), (1, 5), (2, 4)],
    [(0, 4), (1, 3), (2, 5)],
    [(0, 5), (1, 2), (3, 4)],
];

/// Inverse of the symmetric positive definite leading `p x p` block of `a` by Cholesky;
/// `None` when not positive definite.
fn spd_inverse(a: &Cov5, p: usize) -> Option<Cov5> {
    match p {
        3 => spd_inverse_impl(a, 3),
        4 => spd_inverse_impl(a, 4),
        _ => spd_inverse_impl(a, p),
    }
}

/// See [`spd_inverse`].
#[inline(always)] // specialised per size by the caller above
#[allow(clippy::inline_always)]
fn spd_inverse_impl(a: &Cov5, p: usize) -> Option<Cov5> {
    let mut l = [[0.0; 5]; 5];
    for j in 0..p {
        let mut d = a[j][j];
        for k in 0..j {
            d -= l[j][k] * l[j][k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        let d = d.sqrt();
        l[j][j] = d;
        let inv = 1.0 / d;
        for i in (j + 1)..p {
            let mut v = a[i][j];
            for k in 0..j {
                v -= l[i][k] * l[j][k];
            }
            l[i][j] = v * inv;
        }
    }
    // inv(L) (lower triangular), then inv(A) = inv(L)' inv(L)
    let mut li = [[0.0; 5]; 5];
    for j in 0..p {
        li[j][j] = 1.0 / l[j][j];
    }
    for j in 0..p {
        for i in (j + 1)..p {
            let mut v = 0.0;
            for k in j..i {
                v -= l[i][k] * li[k][j];
            }
            li[i][j] = v * li[i][i];
        }
    }
    let mut inv = [[0.0; 5]; 5];
    for i in 0..p {
        for j in 0..=i {
            let v: f64 = (i..p).map(|k| li[k][i] * li[k][j]).sum();
            inv[i][j] = v;
            inv[j][i] = v;
        }
    }
    Some(inv)
}

/// `2 s^2 H^-1` expanded to 5x5, and the condition number of `H` on the response rescaled
/// to unit range `r` (parameters `b, c/r, d/r, ln e, f`): invariant to dose and response
/// units, sensitive (as Prism's rule intends) to parameters the data cannot pin down.
fn covariance(h: &Cov5, p: usize, s2: f64, free: [bool; 5], r: f64) -> (Option<Cov5>, f64) {
    let mut idx = [0usize; 5];
    for (slot, k) in idx.iter_mut().zip((0..5).filter(|&k| free[k])) {
        *slot = k;
    }
    // H with the response rescaled to unit range: entries of b and ln e (and f) divided by
    // r once each, those of c and d unchanged
    let inv_r = 1.0 / r;
    let sc: [f64; 5] = std::array::from_fn(|a| {
        if a < p && (idx[a] == C || idx[a] == D) {
            1.0
        } else {
            inv_r
        }
    });
    let mut normed = [[0.0; 5]; 5];
    for i in 0..p {
        for j in 0..p {
            normed[i][j] = h[i][j] * sc[i] * sc[j];
        }
    }
    let eig = sym_eigenvalues(normed, p);
    let min = eig[..p].iter().copied().fold(f64::INFINITY, f64::min);
    let max = eig[..p].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let condition = if min > 0.0 && max.is_finite() {
        max / min
    } else {
        f64::INFINITY
    };
    let diag: [f64; 5] = std::array::from_fn(|i| if i < p { h[i][i] } else { 1.0 });
    if diag[..p].iter().any(|&v| !(v > 0.0)) {
        return (None, f64::INFINITY);
    }
    // invert the correlation-scaled matrix for accuracy
    let inv_sd: [f64; 5] = std::array::from_fn(|i| 1.0 / diag[i].sqrt());
    let mut scaled = [[0.0; 5]; 5];
    for i in 0..p {
        for j in 0..p {
            scaled[i][j] = h[i][j] * inv_sd[i] * inv_sd[j];
        }
    }
    let Some(inv_s) = spd_inverse(&scaled, p) else {
        return (None, condition);
    };
    let mut cov = [[0.0; 5]; 5];
    for a in 0..p {
        for b in 0..p {
            cov[idx[a]][idx[b]] = 2.0 * s2 * inv_s[a][b] * inv_sd[a] * inv_sd[b];
        }
    }
    let ok = cov.iter().flatten().all(|v| v.is_finite());
    (ok.then_some(cov), condition)
}

impl CurveFit {
    /// Full parameter vector `[b, c, d, ln e, f]`.
    pub fn theta(&self) -> [f64; 5] {
        [self.b, self.c, self.d, self.e.ln(), self.f]
    }

    /// Fitted response at `dose` (dose 0 = the `x -> 0` limit). NaN for failed fits.
    pub fn predict(&self, dose: f64) -> f64 {
        if self.e.is_nan() && self.b == 0.0 {
            return self.c; // constant (flat) model
        }
        crate::model::response_at(self.model, &self.theta(), dose.ln())
    }

    /// Dose at which the fitted curve reaches response `y`; `None` when `y` is not strictly
    /// between the asymptotes (the curve never gets there).
    pub fn dose_for_response(&self, y: f64) -> Option<f64> {
        let th = self.theta();
        let g = (y - th[C]) / (th[D] - th[C]);
        log_dose_for_g(self.model, &th, g).map(f64::exp)
    }

    /// Target `g` for a relative ED: `p` percent of the way from the `x -> 0` asymptote to
    /// the `x -> inf` asymptote (drc's `ED(type = "relative")`, reference = control).
    fn g_relative(&self, p: f64) -> f64 {
        let g0 = g_at_zero(self.model, &self.theta());
        g0 + (p / 100.0) * (1.0 - 2.0 * g0)
    }

    /// Delta-method ED from a `ln dose` function of theta.
    fn ed_from(&self, lnx: impl Fn(&[f64; 5]) -> Option<f64>, level: f64) -> Option<EdEstimate> {
        let th = self.theta();
        let l0 = lnx(&th)?;
        let x = l0.exp();
        let mut out = EdEstimate {
            estimate: x,
            se: None,
            lo: None,
            hi: None,
        };
        let Some(cov) = self.cov_log else {
            return Some(out);
        };
        let mut grad = [0.0; 5];
        for k in 0..5 {
            if !self.free[k] {
                continue;
            }
            let h = 1e-6 * th[k].abs().max(1e-3);
            let mut tp = th;
            tp[k] += h;
            let mut tm = th;
            tm[k] -= h;
            grad[k] = (lnx(&tp)? - lnx(&tm)?) / (2.0 * h);
        }
        let var: f64 = (0..5)
            .map(|i| (0..5).map(|j| grad[i] * cov[i][j] * grad[j]).sum::<f64>())
            .sum();
        if var >= 0.0 && var.is_finite() {
            let se = x * var.sqrt();
            out.se = Some(se);
            if let Some(t) = t_quantile(level, self.df) {
                out.lo = Some(x - t * se);
                out.hi = Some(x + t * se);
            }
        }
        Some(out)
    }

    /// Relative effective dose `ED(p)` (`0 < p < 100`, percent) with a delta-method CI at
    /// confidence `level` (e.g. 0.95) on `t(n - p)`, as drc `ED(..., interval = "delta")`.
    pub fn ed_relative(&self, p: f64, level: f64) -> Option<EdEstimate> {
        if !(p > 0.0 && p < 100.0) || matches!(self.status, FitStatus::Failed(_)) {
            return None;
        }
        let kind = self.model;
        let g = self.g_relative(p);
        self.ed_from(|th| log_dose_for_g(kind, th, g), level)
    }

    /// Absolute effective dose: where the curve crosses response `y` (e.g. 50 % viability),
    /// with a delta-method CI; `None` when the curve never crosses `y`.
    pub fn ed_absolute(&self, y: f64, level: f64) -> Option<EdEstimate> {
        if matches!(self.status, FitStatus::Failed(_)) {
            return None;
        }
        let kind = self.model;
        self.ed_from(
            |th| log_dose_for_g(kind, th, (y - th[C]) / (th[D] - th[C])),
            level,
        )
    }

    /// The `platesyn fit` row for this curve (see [`FIT_COLUMNS`]).
    pub fn row(&self, curve: &str) -> FitRow {
        let usable = !matches!(self.status, FitStatus::Failed(_) | FitStatus::Flat);
        let censored = matches!(
            self.status,
            FitStatus::Ic50AboveRange | FitStatus::Ic50BelowRange
        );
        let ed = if usable {
            self.ed_relative(50.0, 0.95)
        } else {
            None
        };
        let ed_shown = ed.filter(|_| !censored);
        let fin = |v: f64| v.is_finite().then_some(v);
        let param = |v: f64| {
            if usable || self.status == FitStatus::Flat {
                fin(v)
            } else {
                None
            }
        };
        let ed50_censored = match self.status {
            FitStatus::Ic50AboveRange => Some(format!("> {}", fmt_num(self.dose_max))),
            FitStatus::Ic50BelowRange => Some(format!("< {}", fmt_num(self.dose_min))),
            _ => None,
        };
        FitRow {
            curve: curve.to_owned(),
            model: self.model.name(),
            n: self.n,
            b: param(self.b),
            c: param(self.c),
            d: param(self.d),
            e: if usable { fin(self.e) } else { None },
            se_b: self.se[B],
            se_c: self.se[C],
            se_d: self.se[D],
            se_e: self.se[LE],
            rss: fin(self.rss),
            rse: fin(self.rse),
            df: self.df,
            ed50: ed_shown.map(|x| x.estimate),
            ed50_censored,
            ed50_se: ed_shown.and_then(|x| x.se),
            ed50_lo: ed_shown.and_then(|x| x.lo),
            ed50_hi: ed_shown.and_then(|x| x.hi),
            ic50_abs: if usable && !censored {
                self.dose_for_response(self.abs_level)
            } else {
                None
            },
            auc: fin(self.auc),
            r2: fin(self.r2),
            status: self.status.name(),
        }
    }
}

fn fmt_num(x: f64) -> String {
    format!("{x}")
}

/// Two-sided `t` quantile `t(1 - (1 - level)/2, df)`.
pub fn t_quantile(level: f64, df: usize) -> Option<f64> {
    if df == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .ok()
        .map(|t| t.inverse_cdf(1.0 - (1.0 - level) / 2.0))
}

/// Column names of the `platesyn fit` table, in order.
pub const FIT_COLUMNS: [&str; 22] = [
    "curve", "model", "n", "b", "c", "d", "e", "se_b", "se_c", "se_d", "se_e", "rss", "rse", "df",
    "ed50", "ed50_se", "ed50_lo", "ed50_hi", "ic50_abs", "auc", "r2", "status",
];

/// One row of the `platesyn fit` table. `None` = empty cell. Parameters are blank for
/// failed fits; ED50 columns blank for flat fits; a censored ED50 is shown as `> max dose` /
/// `< min dose` text in the `ed50` column (never a number extrapolated off the data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitRow {
    /// Curve id.
    pub curve: String,
    /// Model name (`LL.4`, ...).
    pub model: &'static str,
    /// Observations.
    pub n: usize,
    /// Slope.
    pub b: Option<f64>,
    /// Lower asymptote.
    pub c: Option<f64>,
    /// Upper asymptote.
    pub d: Option<f64>,
    /// Location `e` (dose units).
    pub e: Option<f64>,
    /// SE of b.
    pub se_b: Option<f64>,
    /// SE of c.
    pub se_c: Option<f64>,
    /// SE of d.
    pub se_d: Option<f64>,
    /// SE of e.
    pub se_e: Option<f64>,
    /// Residual sum of squares.
    pub rss: Option<f64>,
    /// Residual standard error.
    pub rse: Option<f64>,
    /// Residual df.
    pub df: usize,
    /// Relative ED50 (dose units).
    pub ed50: Option<f64>,
    /// Censored ED50 text (`> 10`, `< 0.001`) when the status says so.
    pub ed50_censored: Option<String>,
    /// Delta-method SE of ED50.
    pub ed50_se: Option<f64>,
    /// Lower 95 % CI of ED50.
    pub ed50_lo: Option<f64>,
    /// Upper 95 % CI of ED50.
    pub ed50_hi: Option<f64>,
    /// Dose where the curve crosses the absolute level (50), if it does.
    pub ic50_abs: Option<f64>,
    /// Normalized AUC (mean fitted response over the log10 dose range).
    pub auc: Option<f64>,
    /// R squared.
    pub r2: Option<f64>,
    /// Status name.
    pub status: &'static str,
}

impl FitRow {
    /// The 22 cells as text in [`FIT_COLUMNS`] order (`None` -> empty; numbers in Rust's
    /// shortest round-trip form).
    pub fn to_record(&self) -> Vec<String> {
        let o = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
        vec![
            self.curve.clone(),
            self.model.to_owned(),
            self.n.to_string(),
            o(self.b),
            o(self.c),
            o(self.d),
            o(self.e),
            o(self.se_b),
            o(self.se_c),
            o(self.se_d),
            o(self.se_e),
            o(self.rss),
            o(self.rse),
            self.df.to_string(),
            self.ed50_censored.clone().unwrap_or_else(|| o(self.ed50)),
            o(self.ed50_se),
            o(self.ed50_lo),
            o(self.ed50_hi),
            o(self.ic50_abs),
            o(self.auc),
            o(self.r2),
            self.status.to_owned(),
        ]
    }
}

/// IC50 fold-shift of drug A alone vs drug A at a fixed dose of drug B.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldShift {
    /// `e_alone / e_combo` (> 1: the combination lowers drug A's ED50).
    pub fold: f64,
    /// SE of `ln fold` = `sqrt(Var(ln e_alone) + Var(ln e_combo))` (independent fits).
    pub log_se: f64,
    /// Lower CI bound: `exp(ln fold - t se)`.
    pub lo: f64,
    /// Upper CI bound.
    pub hi: f64,
    /// Degrees of freedom of the t quantile: `df_alone + df_combo`.
    pub df: usize,
}

/// Why a fold-shift cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldShiftError {
    /// One of the fits has no usable ED50 (its status is given).
    #[error("the {which} fit has status {status}: no ED50 to compare")]
    NotUsable {
        /// `alone` or `combo`.
        which: &'static str,
        /// Its status name.
        status: &'static str,
    },
    /// A fit has no covariance (singular Hessian) or `e` is fixed.
    #[error("the {0} fit has no standard error for e")]
    NoSe(&'static str),
    /// Bad confidence level.
    #[error("confidence level must be in (0, 1)")]
    Level,
}

/// `fold = IC50_alone / IC50_combo` (relative ED50 `e` of each fit) with a delta-method CI on
/// the log ratio at confidence `level` (t quantile on `df_alone + df_combo`).
pub fn ic50_fold_shift(
    alone: &CurveFit,
    combo: &CurveFit,
    level: f64,
) -> Result<FoldShift, FoldShiftError> {
    let var = |f: &CurveFit, which: &'static str| -> Result<f64, FoldShiftError> {
        if !f.status.is_ok() {
            return Err(FoldShiftError::NotUsable {
                which,
                status: f.status.name(),
            });
        }
        f.cov_log
            .map(|c| c[LE][LE])
            .filter(|v| *v > 0.0 && f.free[LE])
            .ok_or(FoldShiftError::NoSe(which))
    };
    let va = var(alone, "alone")?;
    let vc = var(combo, "combo")?;
    let df = alone.df + combo.df;
    let t = t_quantile(level, df).ok_or(FoldShiftError::Level)?;
    let lf = alone.e.ln() - combo.e.ln();
    let se = (va + vc).sqrt();
    Ok(FoldShift {
        fold: lf.exp(),
        log_se: se,
        lo: (lf - t * se).exp(),
        hi: (lf + t * se).exp(),
        df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A symmetric positive definite 5x5 matrix with a spread of scales (condition ~1e6).
    fn spd() -> Cov5 {
        let b = [
            [3.0, 0.1, -0.4, 0.2, 1e-3],
            [0.5, 2.0, 0.3, -0.1, 2e-3],
            [0.0, -0.7, 1.5, 0.4, -1e-3],
            [1.2, 0.0, 0.2, 0.9, 3e-3],
            [0.1, 0.2, 0.0, -0.3, 2e-3],
        ];
        // A = B B'
        std::array::from_fn(|i| std::array::from_fn(|j| (0..5).map(|k| b[i][k] * b[j][k]).sum()))
    }

    /// First-order model code vs the fused LL Jacobian: the same formulas, rounding apart.
    const JAC_REL: f64 = 1e-12;

    #[test]
    fn ll_cache_gives_the_same_numbers_as_the_generic_model_code() {
        // 6 doses in duplicate, with and without dose 0; LL.4 free (the fused path without
        // dose 0) and with c fixed (another index map)
        let doses = [0.0, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
        let cases = [&doses[..], &doses[1..]].into_iter().flat_map(|d| {
            [
                (d, ModelKind::Ll4, [true, true, true, true, false]),
                (d, ModelKind::Ll4, [true, false, true, true, false]),
                (d, ModelKind::Ll3, [true, false, true, true, false]),
            ]
        });
        for (doses, kind, free) in cases {
            let dose: Vec<f64> = doses.iter().flat_map(|&d| [d, d]).collect();
            let y: Vec<f64> = dose
                .iter()
                .enumerate()
                .map(|(i, &d)| 5.0 + 90.0 / (1.0 + (d / 3.0).powf(1.3)) + f64::from(i as u8 % 3))
                .collect();
            let template = [1.0, 4.0, 1.0, 0.0, 1.0];
            let prob = DoseProblem::new(kind, &dose, &y, template, free);
            let th = [1.2, 4.0, 97.0, 3f64.ln(), 1.0];
            let p = prob.free_of(&th);
            let (n, k) = (prob.n_obs(), prob.n_params());
            let mut cache = vec![0.0; prob.cache_len()];
            let (mut r1, mut r2) = (vec![0.0; n], vec![0.0; n]);
            assert!(prob.residuals_cached(&p, &mut r1, &mut cache));
            assert!(prob.residuals(&p, &mut r2));
            // the generic per-level model code gives the same residuals
            for (lvl, &r) in r1.iter().enumerate() {
                let f = crate::model::response_at(kind, &th, prob.lv.lx[lvl]);
                assert_eq!(r, prob.w[lvl] * (prob.lv.mean[lvl] - f));
            }
            assert_eq!(r1, r2);
            let (mut j1, mut j2) = (vec![0.0; n * k], vec![0.0; n * k]);
            let (mut s1, mut s2) = (vec![0.0; k * k], vec![0.0; k * k]);
            let c1 = prob.jacobian_second_order_cached(&p, &r1, &cache, &mut j1, &mut s1);
            let c2 = prob.jacobian_second_order(&p, &r1, &mut j2, &mut s2);
            assert_eq!((c1, c2), (Some(true), Some(true)));
            assert_eq!((&j1, &s1), (&j2, &s2));
            // and the same Jacobian as the first-order model code
            let mut j3 = vec![0.0; n * k];
            for (lvl, row) in j3.chunks_exact_mut(k).enumerate() {
                let (_, g) = response_and_grad(kind, &th, prob.lv.lx[lvl]);
                for (v, &fi) in row.iter_mut().zip(prob.free_idx()) {
                    *v = prob.w[lvl] * g[fi];
                }
            }
            for (a, b) in j1.iter().zip(&j3) {
                assert!(
                    (a - b).abs() <= JAC_REL * b.abs().max(1.0),
                    "{j1:?} vs {j3:?}"
                );
            }
        }
    }

    #[test]
    fn jacobi_eigenvalues_match_nalgebra() {
        let a = spd();
        for p in 2..=5 {
            let m = nalgebra::DMatrix::from_fn(p, p, |i, j| a[i][j]);
            let mut want: Vec<f64> = nalgebra::SymmetricEigen::new(m)
                .eigenvalues
                .iter()
                .copied()
                .collect();
            let mut got: Vec<f64> = sym_eigenvalues(a, p)[..p].to_vec();
            want.sort_by(f64::total_cmp);
            got.sort_by(f64::total_cmp);
            let max = want[p - 1];
            for (g, w) in got.iter().zip(&want) {
                // both are backward stable: agreement to rounding of the largest eigenvalue
                assert!((g - w).abs() <= 1e-13 * max, "p {p}: {got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn cholesky_inverse_is_an_inverse() {
        let a = spd();
        for p in 1..=5 {
            let inv = spd_inverse(&a, p).unwrap();
            for i in 0..p {
                for j in 0..p {
                    let v: f64 = (0..p).map(|k| a[i][k] * inv[k][j]).sum();
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((v - want).abs() < 1e-8, "p {p} ({i},{j}): {v}");
                }
            }
        }
        let mut not_pd = a;
        not_pd[1][1] = -1.0;
        assert!(spd_inverse(&not_pd, 3).is_none());
    }
}
