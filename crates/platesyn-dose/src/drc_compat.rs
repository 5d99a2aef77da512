//! A drc-compatible LL.4 fit: what R drc 3.0's `drm(y ~ x, fct = LL.4(fixed = ...))` returns,
//! including where it stops on ill-posed data.
//!
//! [`crate::fit_curve`] searches for the least-squares optimum (several starts). drc instead
//! makes one local minimisation, and tools built on it (SynergyFinder) publish whatever that
//! returns. This module reproduces drc's steps so such numbers can be matched:
//!
//! 1. **Scaling** (`drm`): doses are divided by `10^floor(log10(median(dose)))` and responses by
//!    `10^floor(log10(median(response)))`; a scale that is not finite or below `1e-15`
//!    (for example a negative median response) becomes 1.
//! 2. **Self-starter** (`llogistic.ssf`, method 1, on the scaled data): `c0 = min(y) - r`,
//!    `d0 = max(y) + r` with `r = 0.001 (max(y) - min(y))`, then the least-squares line of
//!    `ln((d0 - y) / (y - c0))` on `ln(x)` over the doses `x > 0` gives `b0` (slope) and
//!    `e0 = exp(-intercept / b0)`. A fixed `c` is *not* used by the starter (drc computes `b0`,
//!    `e0` with its own `c0`), only dropped from the start vector.
//! 3. **Optimisation** (`drmOpt`): R's `optim(method = "BFGS")` (`vmmin`) on the residual sum
//!    of squares of the scaled problem, without analytic derivatives (`drmc(useD = FALSE)`):
//!    central differences with `ndeps = 1e-3` in `parscale` units, `parscale = |start|`
//!    (1 where below 1e-4), `reltol = 1e-7`, `maxit = 500`; then `hessian = TRUE`, whose
//!    finite differences must be finite too.
//! 4. **Failure** (any non-finite start, objective at the start, or finite difference): drc
//!    reports "Convergence failed". SynergyFinder (and the reference generator
//!    `ref/synergy/generators/sf_style_drc.R`) then fits drc's `L.4` to `ln(dose)` with dose 0
//!    replaced by `1e-10`; this is done here too ([`DrcModel::L4LogDose`]). `L.4` has no
//!    scaling and its self-starter regresses `ln((d0 - y)/(y - c0))` on `ln(dose)` over all
//!    points (`e0 = -intercept / b0`).
//!
//! The returned parameters are drc's LL.4 `(b, c, d, e)` in the caller's units:
//! `f(x) = c + (d - c) / (1 + exp(b (ln x - ln e)))`. An `L.4` fallback fit on `ln(dose)` with
//! location `e_L` is returned as the same curve with `e = exp(e_L)` (identical predictions at
//! every dose > 0; drc evaluates the dose-0 point at `1e-10`).
//!
//! The algorithm (starter, `optim`'s finite differences and BFGS steps, tolerances) is drc's;
//! the arithmetic is drc's up to rounding. drc evaluates `(d - c) / (1 + exp(b log(x / e)))`
//! afresh at every point of every objective call; here `ln x` is computed once per fit,
//! `ln e` once per call, and the finite differences in `b` and `e` rescale the base point's
//! `exp` terms (`Factored`): about 4x fewer `exp`/`ln` calls, the same values to a few
//! units in the last place. Those `exp` calls use an inlined table-driven `exp` (`fast_exp`,
//! within one unit in the last place of glibc's, equal to it in all but ~0.1 % of
//! arguments) instead of libm's. R's extended-precision `sum` is approximated by a
//! compensated sum. Not reproduced bit for bit: R fits the self-starter line by QR and rounds its sums
//! from 80 bits, and the factored evaluation rounds differently. On well-posed data this
//! does not matter; on ill-posed data (where BFGS creeps along a flat valley) the last bits
//! can move drc's stopping point, by up to ~0.3 points of a block-mean score on the
//! SynergyFinder examples (docs/synergy.md), and on a noise-only slice can decide whether
//! drc's LL.4 converges or fails (then the `L.4` fallback is used).

// Negated float comparisons are deliberate: they send NaN down the same branch as R's C code.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};

/// `optim`'s finite-difference step (`ndeps`), in `parscale` units.
const NDEPS: f64 = 1e-3;
/// drc's `drmc()$relTol`, passed to `optim` as `reltol`.
const RELTOL: f64 = 1e-7;
/// drc's `drmc()$maxIt`.
const MAXIT: usize = 500;
/// `vmmin`'s constants (R `src/appl/optim.c`).
const STEPREDN: f64 = 0.2;
const ACCTOL: f64 = 1e-4;
const RELTEST: f64 = 10.0;
/// drc's `drmc()$dscaleThres` and `rscaleThres`.
const SCALE_THRES: f64 = 1e-15;
/// Dose that SynergyFinder substitutes for 0 before taking logs in the `L.4` fallback.
const L4_ZERO_DOSE: f64 = 1e-10;

/// Which drc model produced a [`DrcFit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DrcModel {
    /// `LL.4` on the doses (the normal case).
    Ll4,
    /// `LL.4` failed; `L.4` on `ln(dose)` (dose 0 -> `1e-10`), SynergyFinder's fallback.
    L4LogDose,
}

/// A drc-compatible LL.4 fit (percent or any response unit; doses in the caller's unit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DrcFit {
    /// Slope `b` (drc sign: negative for a response that rises with dose).
    pub b: f64,
    /// Asymptote at `ln x -> -inf` when `b < 0` (the fixed value when `c` was fixed).
    pub c: f64,
    /// The other asymptote.
    pub d: f64,
    /// Inflection dose (> 0 for a usable curve), dose units.
    pub e: f64,
    /// Model drc ended with.
    pub model: DrcModel,
    /// Residual sum of squares at the returned parameters (response units squared).
    pub rss: f64,
    /// BFGS iterations (`optim`'s gradient count).
    pub iterations: usize,
    /// False when BFGS stopped at `maxit` (drc still returns the point).
    pub converged: bool,
}

impl DrcFit {
    /// Response at dose `x >= 0` (drc's LL.4 formula; `x = 0` gives the zero-dose limit).
    pub fn predict(&self, x: f64) -> f64 {
        self.c + (self.d - self.c) / (1.0 + (self.b * (x / self.e).ln()).exp())
    }
}

/// Why a drc-compatible fit (both `LL.4` and the `L.4` fallback) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DrcFitError {
    /// Fewer than two distinct doses > 0, more than [`MAX_POINTS`] points, mismatched
    /// lengths, a negative dose or non-finite data.
    #[error(
        "drc-compatible fit needs equal-length finite dose (>= 0) and response vectors of at most 64 points with at least two distinct doses > 0"
    )]
    BadInput,
    /// drc's optimiser failed for `LL.4` and for the `L.4` fallback (non-finite start,
    /// objective or finite difference).
    #[error("drc-compatible fit failed: LL.4 and the L.4 fallback did not converge")]
    Failed,
}

/// Fit drc's LL.4 to `(dose, response)` as `drm()` does (module docs), with `c` optionally
/// fixed (response units). Doses must be >= 0; dose 0 is the control.
///
/// # Errors
/// [`DrcFitError::BadInput`] for unusable data; [`DrcFitError::Failed`] when drc would fail
/// for both `LL.4` and its `L.4` fallback.
pub fn fit_ll4_drc(
    dose: &[f64],
    response: &[f64],
    fixed_c: Option<f64>,
) -> Result<DrcFit, DrcFitError> {
    let n = dose.len();
    if n != response.len()
        || n > MAX_POINTS
        || dose.iter().any(|d| !d.is_finite() || *d < 0.0)
        || response.iter().any(|y| !y.is_finite())
        || fixed_c.is_some_and(|c| !c.is_finite())
    {
        return Err(DrcFitError::BadInput);
    }
    let mut pos = dose.iter().filter(|&&d| d > 0.0);
    let first = pos.next().copied();
    if !first.is_some_and(|f| pos.any(|&d| d != f)) {
        return Err(DrcFitError::BadInput);
    }
    // buffers sized to the points (zeroing 64-point buffers cost more than an 8-point fit's
    // arithmetic); the same computation for every size
    match n {
        0..=8 => fit_sized::<8>(dose, response, fixed_c),
        9..=16 => fit_sized::<16>(dose, response, fixed_c),
        _ => fit_sized::<MAX_POINTS>(dose, response, fixed_c),
    }
}

/// [`fit_ll4_drc`] after the input checks, with work buffers of `P >= dose.len()` points.
fn fit_sized<const P: usize>(
    dose: &[f64],
    response: &[f64],
    fixed_c: Option<f64>,
) -> Result<DrcFit, DrcFitError> {
    if let Some(fit) = fit_ll4::<P>(dose, response, fixed_c) {
        return Ok(fit);
    }
    fit_l4_log::<P>(dose, response, fixed_c).ok_or(DrcFitError::Failed)
}

/// Largest number of points a drc-compatible fit takes (stack buffers; a synergy block
/// slice has one point per dose level).
pub const MAX_POINTS: usize = 64;

/// R's `median` (mean of the two middle values for even `n`).
fn median<const P: usize>(v: &[f64]) -> f64 {
    let mut buf = [0.0f64; P];
    let s = &mut buf[..v.len()];
    s.copy_from_slice(v);
    s.sort_by(f64::total_cmp);
    let k = s.len();
    if k % 2 == 1 {
        s[k / 2]
    } else {
        f64::midpoint(s[k / 2 - 1], s[k / 2])
    }
}

/// drc's scale factor `10^floor(log10(median))`, 1 when not finite or below 1e-15.
fn scaling<const P: usize>(v: &[f64]) -> f64 {
    let s = 10f64.powf(median::<P>(v).log10().floor());
    if s.is_nan() || s < SCALE_THRES {
        1.0
    } else {
        s
    }
}

/// drc's `findcd`: range of `y` widened by 0.1 % on each side.
fn findcd(y: &[f64]) -> (f64, f64) {
    let lo = y.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let r = 0.001 * (hi - lo);
    (lo - r, hi + r)
}

/// Least-squares line `v = a + s u` over the pairs with finite `u`; `(a, s)`.
fn line(u: impl Iterator<Item = (f64, f64)> + Clone) -> (f64, f64) {
    let (mut k, mut su, mut sv) = (0.0, 0.0, 0.0);
    for (x, y) in u.clone() {
        k += 1.0;
        su += x;
        sv += y;
    }
    let (mu, mv) = (su / k, sv / k);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, y) in u {
        sxy += (x - mu) * (y - mv);
        sxx += (x - mu) * (x - mu);
    }
    let s = sxy / sxx;
    (mv - s * mu, s)
}

/// The scaled least-squares problem drc hands to `optim`.
struct Problem<'a, const P: usize> {
    /// Scaled dose (LL.4) or log dose (L.4).
    x: &'a [f64],
    /// Scaled response.
    y: &'a [f64],
    /// Log-logistic (`b ln(x / e)`) or logistic (`b (x - e)`) in `x`.
    log_logistic: bool,
    /// Whether some dose is 0 (LL.4: `b = 0` then gives `0 * -inf`, a NaN).
    has_zero_dose: bool,
    /// Fixed `c` on the scaled response, if any.
    fixed_c: Option<f64>,
    /// Free parameters (3 with `c` fixed, else 4).
    n: usize,
    /// `optim`'s `parscale`.
    parscale: [f64; 4],
    /// Per-fit constants of the factored LL.4 evaluation (`None` for L.4).
    fac: Option<Factored<P>>,
}

/// Per-fit constants of the factored LL.4 evaluation. drc evaluates `exp(b log(x / e))`
/// afresh at every point of every objective call (about 60 libm calls per BFGS iteration on
/// an 8-point slice). The same values, to rounding, come from `ln x` computed once per fit
/// and one `ln e` per call: `l = ln x - ln e`, `t = exp(b l)`; the finite differences then
/// rescale the base point's `t` instead of re-evaluating: in `e` by
/// `exp(-b (ln e' - ln e))`, in `b` by `exp(h ln x) exp(-h ln e)` (`h` the step in `b`).
/// Each objective call then needs `n` calls of `exp` and one of `ln`, each gradient four of
/// `exp` and two of `ln`. The iterates are drc's up to rounding (a few units in the last
/// place of `t`, where drc's own `log(x / e)` rounds too).
#[derive(Clone, Copy)]
struct Factored<const P: usize> {
    /// `ln x` of the scaled doses (`-inf` at dose 0).
    lx: [f64; P],
    /// `exp(h ln x)` and `exp(-h ln x)` (unused at dose 0).
    pp: [f64; P],
    pm: [f64; P],
    /// Finite-difference step in `b`, `ndeps * parscale[0]`.
    h: f64,
}

/// `exp` for the factored LL.4 evaluation, inlined (no libm call): table-driven like glibc's
/// (`x = k ln2 / 128 + r`, `exp(x) = 2^(k/128) exp(r)` with `2^(j/128)` to double-double
/// precision and a degree-5 polynomial for `exp(r)`, `|r| <= ln2 / 256`). Error below
/// 0.51 units in the last place, as glibc's, so the two differ only where the exact value
/// lies within about 0.01 unit of a rounding boundary (a last-bit difference). Arguments
/// with `|x| >= 708` (and NaN, infinities) go to `f64::exp`.
mod fast_exp {
    /// Table size (`2^7`).
    const N: usize = 128;
    /// `N / ln 2`.
    const INV_LN2_N: f64 = 184.664_965_233_787_3;
    /// `ln 2 / N` in two parts: the high part has 36 significant bits, so `k * LN2_HI_N` is
    /// exact for `|k| < 2^17` (all `|x| < 708`).
    const LN2_HI_N: f64 = f64::from_bits(0x3f76_2e42_fefa_0000);
    /// `ln 2 / N - LN2_HI_N`, rounded (computed to 60 digits).
    const LN2_LO_N: f64 = f64::from_bits(0x3d0c_f79a_bc9e_3b3a);
    /// `1.5 * 2^52`: adding it rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    /// Beyond this `|x|` the scaled table entry could leave the normal range.
    const LIMIT: f64 = 708.0;

    /// `a + b` exactly as `(sum, error)` (Knuth's TwoSum).
    const fn two_sum(a: f64, b: f64) -> (f64, f64) {
        let s = a + b;
        let bb = s - a;
        (s, (a - (s - bb)) + (b - bb))
    }

    /// `a * b` exactly as `(product, error)` (Dekker, without FMA).
    const fn two_prod(a: f64, b: f64) -> (f64, f64) {
        const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
        let p = a * b;
        let ca = SPLIT * a;
        let ah = ca - (ca - a);
        let al = a - ah;
        let cb = SPLIT * b;
        let bh = cb - (cb - b);
        let bl = b - bh;
        (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    /// Double-double product, normalised.
    const fn dd_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
        let (p, e) = two_prod(a.0, b.0);
        let e = e + (a.0 * b.1 + a.1 * b.0);
        two_sum(p, e)
    }

    /// Double-double square root of `x` in `[1, 2]`: Newton in `f64`, then one
    /// double-double correction.
    const fn dd_sqrt(x: (f64, f64)) -> (f64, f64) {
        let mut y = 1.5;
        let mut k = 0;
        while k < 8 {
            y = 0.5 * (y + x.0 / y);
            k += 1;
        }
        let (p, e) = two_prod(y, y);
        let r = ((x.0 - p) - e) + x.1;
        two_sum(y, r / (2.0 * y))
    }

    /// `(bits of 2^(j/N) - (j << 45), relative tail)`: the high part's bits pre-shifted so
    /// that adding `k << 45` (`k = 128 m + j`) multiplies by `2^m`; the tail is
    /// `(2^(j/N) - hi) / hi`.
    const fn table() -> [(u64, f64); N] {
        let mut root = (2.0, 0.0);
        let mut k = 0;
        while k < 7 {
            root = dd_sqrt(root);
            k += 1;
        }
        let mut t = [(0u64, 0.0f64); N];
        let mut v: (f64, f64) = (1.0, 0.0);
        let mut j = 0;
        while j < N {
            t[j] = (v.0.to_bits().wrapping_sub((j as u64) << 45), v.1 / v.0);
            v = dd_mul(v, root);
            j += 1;
        }
        t
    }

    static TABLE: [(u64, f64); N] = table();

    /// `e^x` (see the module docs).
    #[inline]
    pub(super) fn exp(x: f64) -> f64 {
        if !(x.abs() < LIMIT) {
            return x.exp();
        }
        let kd = x * INV_LN2_N + SHIFT;
        let ki = kd.to_bits();
        let kd = kd - SHIFT;
        let r = (x - kd * LN2_HI_N) - kd * LN2_LO_N;
        let (tbits, tail) = TABLE[(ki as usize) & (N - 1)];
        let r2 = r * r;
        let p =
            tail + r + r2 * (0.5 + r * (1.0 / 6.0)) + (r2 * r2) * (1.0 / 24.0 + r * (1.0 / 120.0));
        let scale = f64::from_bits(tbits.wrapping_add(ki << 45));
        scale + scale * p
    }

    #[cfg(test)]
    mod tests {
        /// glibc's `exp` and this one are each within ~0.51 ulp of the exact value, so
        /// they differ by at most one unit in the last place.
        const MAX_ULP_DIFF: u64 = 1;

        #[test]
        fn matches_libm_to_one_ulp() {
            let mut worst = 0u64;
            let mut differ = 0usize;
            let n = 200_000u32;
            for k in 0..=n {
                let x = -745.0 + 1455.0 * f64::from(k) / f64::from(n);
                for x in [x, x * 1e-3, x * 1e-7] {
                    let (a, b) = (super::exp(x), x.exp());
                    let d = a.to_bits().abs_diff(b.to_bits());
                    worst = worst.max(d);
                    differ += usize::from(d != 0);
                }
            }
            assert!(worst <= MAX_ULP_DIFF, "worst {worst} ulp");
            // rare: only near rounding boundaries
            let total = 3 * (n as usize + 1);
            assert!(differ < total / 50, "{differ} of {total} differ");
            for x in [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 1000.0, -1000.0] {
                assert_eq!(super::exp(x).to_bits(), x.exp().to_bits(), "{x}");
            }
            assert!(super::exp(f64::NAN).is_nan());
            assert_eq!(super::exp(1.0).to_bits(), std::f64::consts::E.to_bits());
        }
    }
}

/// Bound on `|h ln x|` and `|h ln e|` for the factored differences in `b`: the factors
/// `exp(h ln x) exp(-h ln e)` then stay finite and positive (`e^700 < f64::MAX`), so that
/// `t * factor` is never `0 * inf`.
const MAX_SLOPE_STEP_EXPONENT: f64 = 350.0;

impl<const P: usize> Factored<P> {
    /// Constants for scaled doses `x` and `optim`'s step `h` in `b`; `None` (direct
    /// evaluation) when `h ln x` is out of [`MAX_SLOPE_STEP_EXPONENT`] for some dose.
    fn new(x: &[f64], h: f64) -> Option<Self> {
        let mut f = Self {
            lx: [0.0; P],
            pp: [0.0; P],
            pm: [0.0; P],
            h,
        };
        for (k, &x) in x.iter().enumerate() {
            if x == 0.0 {
                f.lx[k] = f64::NEG_INFINITY;
                f.pp[k] = 1.0;
                f.pm[k] = 1.0;
            } else {
                let lx = x.ln();
                if !((h * lx).abs() < MAX_SLOPE_STEP_EXPONENT) {
                    return None;
                }
                f.lx[k] = lx;
                f.pp[k] = fast_exp::exp(h * lx);
                f.pm[k] = fast_exp::exp(-h * lx);
            }
        }
        Some(f)
    }
}

/// Per-point terms of one `(b, e)`: `l = ln(x / e)` (LL.4; `x - e` for L.4) and the
/// denominators `q = 1 + exp(b l)`; the curve is `c + (d - c) / q`. The finite differences
/// in `b` reuse `l`, those in `c` and `d` reuse `q` (bit for bit the values a fresh
/// evaluation would give). Only the first `n` (number of points) entries are used.
/// With the factored evaluation ([`Factored`]) also `t = exp(b l)` and `ln e`.
#[derive(Clone, Copy)]
struct Weights<const P: usize> {
    l: [f64; P],
    q: [f64; P],
    t: [f64; P],
    /// `ln e` (factored evaluation).
    le: f64,
    /// Whether `l`, `q` were evaluated directly (L.4, or parameters outside the factored
    /// evaluation's range); then `t` and `le` are not set.
    direct: bool,
}

impl<const P: usize> Weights<P> {
    fn new() -> Self {
        Self {
            l: [0.0; P],
            q: [0.0; P],
            t: [0.0; P],
            le: 0.0,
            direct: true,
        }
    }
}

/// Work buffers of the finite differences and residual sums, set up once per fit (zeroing
/// them per evaluation cost more than the arithmetic on 8-point slices).
struct Scratch<const P: usize> {
    /// Squared residuals of the up to 8 finite-difference points, point-major.
    res: [[f64; 8]; P],
    l: [f64; P],
    q1: [f64; P],
    q2: [f64; P],
    v1: [f64; P],
    v2: [f64; P],
}

impl<const P: usize> Scratch<P> {
    fn new() -> Self {
        Self {
            res: [[0.0; 8]; P],
            l: [0.0; P],
            q1: [0.0; P],
            q2: [0.0; P],
            v1: [0.0; P],
            v2: [0.0; P],
        }
    }
}

/// `1 + exp(b l)` for every `l` into `q`: at dose 0 (`l = -inf`) `exp(b l)` is
/// `exp(-inf) = 0` for `b > 0` and `exp(inf) = inf` for `b < 0` (NaN for `b = 0` or NaN):
/// the same values without the libm call.
#[inline]
fn slope_terms(b: f64, l: &[f64], q: &mut [f64]) {
    let q0 = 1.0 + zero_dose_term(b);
    for (q, &l) in q.iter_mut().zip(l) {
        *q = if l == f64::NEG_INFINITY {
            q0
        } else {
            1.0 + (b * l).exp()
        };
    }
}

/// `exp(b * -inf)`: 0 for `b > 0`, `inf` for `b < 0`, NaN for `b = 0` or NaN.
#[inline]
fn zero_dose_term(b: f64) -> f64 {
    if b > 0.0 {
        0.0
    } else if b < 0.0 {
        f64::INFINITY
    } else {
        f64::NAN
    }
}

/// Compensated (TwoSum) sum of `v` in order: R's `sum` accumulates in extended precision,
/// which this reproduces far better than a plain sum.
#[inline]
fn compensated_sum(v: &[f64]) -> f64 {
    let (mut s, mut comp) = (0.0f64, 0.0f64);
    for &v in v {
        // TwoSum: the exact rounding error of s + v, without a branch
        let t = s + v;
        let bp = t - s;
        comp += (s - (t - bp)) + (v - bp);
        s = t;
    }
    s + comp
}

/// [`compensated_sum`] of `a` and of `b` (same length), in one loop: the two dependency
/// chains interleave.
#[inline]
fn compensated_sum2(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (mut s1, mut c1, mut s2, mut c2) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (&v, &w) in a.iter().zip(b) {
        let t = s1 + v;
        let bp = t - s1;
        c1 += (s1 - (t - bp)) + (v - bp);
        s1 = t;
        let t = s2 + w;
        let bp = t - s2;
        c2 += (s2 - (t - bp)) + (w - bp);
        s2 = t;
    }
    (s1 + c1, s2 + c2)
}

impl<const P: usize> Problem<'_, P> {
    /// `(b, c, d, e)` from the free parameters.
    fn full(&self, p: &[f64; 4]) -> [f64; 4] {
        match self.fixed_c {
            Some(c) => [p[0], c, p[1], p[2]],
            None => *p,
        }
    }

    /// Index of `e` among the free parameters (`c`, `d` come before it).
    fn e_index(&self) -> usize {
        self.n - 1
    }

    /// `l` for location `e`, with drc's arithmetic (`log(dose / e)`); used by L.4 and where
    /// the factored evaluation does not apply (`e <= 0`, non-finite parameters).
    #[inline]
    fn location_terms(&self, e: f64, l: &mut [f64]) {
        if self.log_logistic {
            // ln(0 / e) is -inf for any e other than 0 or NaN; skipping the call is bit for
            // bit the same and avoids libm's slow divide-by-zero path
            let l0 = if e == 0.0 || e.is_nan() {
                f64::NAN
            } else {
                f64::NEG_INFINITY
            };
            for (l, &x) in l.iter_mut().zip(self.x) {
                *l = if x == 0.0 { l0 } else { (x / e).ln() };
            }
        } else {
            for (l, &x) in l.iter_mut().zip(self.x) {
                *l = x - e;
            }
        }
    }

    /// The denominators of `(b, e)` into `w`: factored ([`Factored`]) for LL.4 with a
    /// finite `b` and `0 < e < inf`, else directly.
    fn weights(&self, b: f64, e: f64, w: &mut Weights<P>) {
        let n = self.x.len();
        let fac = self
            .fac
            .as_ref()
            .filter(|_| e > 0.0 && e < f64::INFINITY && b.is_finite());
        if let Some(fac) = fac {
            let le = e.ln();
            let t0 = zero_dose_term(b);
            for k in 0..n {
                let lx = fac.lx[k];
                let l = lx - le;
                let t = if lx == f64::NEG_INFINITY {
                    t0
                } else {
                    fast_exp::exp(b * l)
                };
                w.l[k] = l;
                w.t[k] = t;
                w.q[k] = 1.0 + t;
            }
            w.le = le;
            w.direct = false;
        } else {
            self.location_terms(e, &mut w.l[..n]);
            slope_terms(b, &w.l[..n], &mut w.q[..n]);
            w.direct = true;
        }
    }

    /// Sum of squared residuals for asymptotes `c`, `d` and denominators `q` (compensated
    /// sum in point order). The residuals are formed first, in a loop the compiler can
    /// vectorise, and summed afterwards: the same operations as one fused loop.
    #[inline]
    fn rss_q(&self, c: f64, d: f64, q: &[f64], v: &mut [f64; P]) -> f64 {
        let n = self.y.len();
        for ((v, &y), &q) in v[..n].iter_mut().zip(self.y).zip(&q[..n]) {
            let r = y - (c + (d - c) / q);
            *v = r * r;
        }
        compensated_sum(&v[..n])
    }

    /// Residual sums of squares for `(c1, d1)` with denominators `s.q1` and `(c2, d2)` with
    /// `s.q2` (each as [`Problem::rss_q`] would give it).
    #[inline]
    fn rss_pair(&self, cd1: (f64, f64), cd2: (f64, f64), s: &mut Scratch<P>) -> (f64, f64) {
        let n = self.y.len();
        let (c1, d1) = cd1;
        let (c2, d2) = cd2;
        for k in 0..n {
            let y = self.y[k];
            let r1 = y - (c1 + (d1 - c1) / s.q1[k]);
            let r2 = y - (c2 + (d2 - c2) / s.q2[k]);
            s.v1[k] = r1 * r1;
            s.v2[k] = r2 * r2;
        }
        compensated_sum2(&s.v1[..n], &s.v2[..n])
    }

    /// Residual sum of squares at free parameters `p` (problem units); fills `w`.
    fn rss(&self, p: &[f64; 4], w: &mut Weights<P>, s: &mut Scratch<P>) -> f64 {
        let [b, c, d, e] = self.full(p);
        self.weights(b, e, w);
        self.rss_q(c, d, &w.q, &mut s.v1)
    }

    /// `optim`'s `fminfn`: objective at optimiser coordinates `u` (`p = u * parscale`).
    fn fminfn(&self, u: &[f64; 4], w: &mut Weights<P>, s: &mut Scratch<P>) -> Option<f64> {
        let mut p = [0.0; 4];
        for i in 0..self.n {
            if !u[i].is_finite() {
                return None; // "non-finite value supplied by optim"
            }
            p[i] = u[i] * self.parscale[i];
        }
        Some(self.rss(&p, w, s))
    }

    /// `optim`'s `fmingr` without a gradient function: central differences of `ndeps`.
    /// `w0` holds the weights at `u` (from the `fminfn` call that accepted `u`). `None` on
    /// a non-finite difference (R: error "non-finite finite-difference value").
    fn fmingr<const N: usize>(
        &self,
        u: &[f64; 4],
        w0: &Weights<P>,
        g: &mut [f64; 4],
        s: &mut Scratch<P>,
    ) -> Option<()> {
        if let Some(ok) = self.fmingr_factored::<N>(u, w0, g, s) {
            return ok.then_some(());
        }
        let k = self.x.len();
        let mut p = [0.0; 4];
        for i in 0..self.n {
            p[i] = u[i] * self.parscale[i];
        }
        let e_at = self.e_index();
        for i in 0..self.n {
            let plus = (u[i] + NDEPS) * self.parscale[i];
            let minus = (u[i] - NDEPS) * self.parscale[i];
            let factored = if w0.direct {
                None
            } else {
                self.factored_difference(i, plus, minus, &p, w0, s)
            };
            let (v1, v2) = if let Some(v) = factored {
                v
            } else if i == e_at {
                let [b, c, d, _] = self.full(&p);
                self.location_terms(plus, &mut s.l[..k]);
                slope_terms(b, &s.l[..k], &mut s.q1[..k]);
                self.location_terms(minus, &mut s.l[..k]);
                slope_terms(b, &s.l[..k], &mut s.q2[..k]);
                self.rss_pair((c, d), (c, d), s)
            } else if i == 0 {
                // b: ln(x / e) does not change
                let [_, c, d, _] = self.full(&p);
                slope_terms(plus, &w0.l[..k], &mut s.q1[..k]);
                slope_terms(minus, &w0.l[..k], &mut s.q2[..k]);
                self.rss_pair((c, d), (c, d), s)
            } else {
                // c or d: the denominators do not change
                p[i] = plus;
                let [_, c1, d1, _] = self.full(&p);
                p[i] = minus;
                let [_, c2, d2, _] = self.full(&p);
                p[i] = u[i] * self.parscale[i];
                s.q1[..k].copy_from_slice(&w0.q[..k]);
                s.q2[..k].copy_from_slice(&w0.q[..k]);
                self.rss_pair((c1, d1), (c2, d2), s)
            };
            g[i] = (v1 - v2) / (2.0 * NDEPS);
            if !g[i].is_finite() {
                return None;
            }
        }
        Some(())
    }

    /// [`Problem::fmingr`] with every difference from the base point's terms ([`Factored`]):
    /// the `2 N` residual vectors are formed in one pass over the points and their
    /// compensated sums run interleaved (each the same operations, in the same order, as
    /// [`compensated_sum`]). `None` where it does not apply (direct evaluation, or a factor
    /// that is not finite and positive); else whether all differences are finite.
    #[inline]
    fn fmingr_factored<const N: usize>(
        &self,
        u: &[f64; 4],
        w0: &Weights<P>,
        g: &mut [f64; 4],
        s: &mut Scratch<P>,
    ) -> Option<bool> {
        let fac = self.fac.as_ref()?;
        if w0.direct {
            return None;
        }
        let k = self.x.len();
        let ps = &self.parscale;
        let mut p = [0.0; 4];
        for i in 0..N {
            p[i] = u[i] * ps[i];
        }
        let [b, c, d, _] = self.full(&p);
        let usable = |f: f64| f > 0.0 && f < f64::INFINITY;
        let ie = N - 1;
        let (e_plus, e_minus) = ((u[ie] + NDEPS) * ps[ie], (u[ie] - NDEPS) * ps[ie]);
        if !(usable(e_plus) && usable(e_minus)) {
            return None;
        }
        let fep = fast_exp::exp(-b * (e_plus.ln() - w0.le));
        let fem = fast_exp::exp(-b * (e_minus.ln() - w0.le));
        if !(usable(fep) && usable(fem) && (fac.h * w0.le).abs() < MAX_SLOPE_STEP_EXPONENT) {
            return None;
        }
        let ebp = fast_exp::exp(-fac.h * w0.le);
        let ebm = fast_exp::exp(fac.h * w0.le);
        let (b_plus, b_minus) = ((u[0] + NDEPS) * ps[0], (u[0] - NDEPS) * ps[0]);
        let (q0p, q0m) = (1.0 + zero_dose_term(b_plus), 1.0 + zero_dose_term(b_minus));
        // (c, d) of each difference point; those of b and e keep (c, d)
        let mut cd = [(c, d); 8];
        for i in 1..ie {
            let mut q = p;
            q[i] = (u[i] + NDEPS) * ps[i];
            let [_, c1, d1, _] = self.full(&q);
            q[i] = (u[i] - NDEPS) * ps[i];
            let [_, c2, d2, _] = self.full(&q);
            cd[2 * i] = (c1, d1);
            cd[2 * i + 1] = (c2, d2);
        }
        for j in 0..k {
            let (y, t, q) = (self.y[j], w0.t[j], w0.q[j]);
            let zero = fac.lx[j] == f64::NEG_INFINITY;
            let res = &mut s.res[j];
            let sq = |(c, d): (f64, f64), q: f64| {
                let r = y - (c + (d - c) / q);
                r * r
            };
            // b: t exp(+-h l); at dose 0 the limit for the shifted slope
            let qbp = if zero {
                q0p
            } else {
                1.0 + t * (fac.pp[j] * ebp)
            };
            let qbm = if zero {
                q0m
            } else {
                1.0 + t * (fac.pm[j] * ebm)
            };
            res[0] = sq(cd[0], qbp);
            res[1] = sq(cd[1], qbm);
            for i in 1..ie {
                res[2 * i] = sq(cd[2 * i], q);
                res[2 * i + 1] = sq(cd[2 * i + 1], q);
            }
            // e: t exp(-b (ln e' - ln e)); at dose 0 t is 0, inf or NaN and stays so
            res[2 * ie] = sq(cd[2 * ie], 1.0 + t * fep);
            res[2 * ie + 1] = sq(cd[2 * ie + 1], 1.0 + t * fem);
        }
        let (mut sum, mut comp) = ([0.0f64; 8], [0.0f64; 8]);
        for res in &s.res[..k] {
            for v in 0..2 * N {
                let x = res[v];
                let t = sum[v] + x;
                let bp = t - sum[v];
                comp[v] += (sum[v] - (t - bp)) + (x - bp);
                sum[v] = t;
            }
        }
        for i in 0..N {
            let v1 = sum[2 * i] + comp[2 * i];
            let v2 = sum[2 * i + 1] + comp[2 * i + 1];
            g[i] = (v1 - v2) / (2.0 * NDEPS);
            if !g[i].is_finite() {
                return Some(false);
            }
        }
        Some(true)
    }

    /// The objective at `plus` and `minus` in free parameter `i` (`e` or `b`) from the base
    /// point's `t` ([`Factored`]); `None` for the other parameters and where a factor is not
    /// finite and positive (then the caller evaluates directly).
    #[inline]
    fn factored_difference(
        &self,
        i: usize,
        plus: f64,
        minus: f64,
        p: &[f64; 4],
        w0: &Weights<P>,
        s: &mut Scratch<P>,
    ) -> Option<(f64, f64)> {
        let fac = self.fac.as_ref()?;
        let k = self.x.len();
        let [b, c, d, _] = self.full(p);
        let usable = |f: f64| f > 0.0 && f < f64::INFINITY;
        if i == self.e_index() {
            if !(usable(plus) && usable(minus)) {
                return None;
            }
            let fp = fast_exp::exp(-b * (plus.ln() - w0.le));
            let fm = fast_exp::exp(-b * (minus.ln() - w0.le));
            if !(usable(fp) && usable(fm)) {
                return None;
            }
            // at dose 0 t is 0, inf or NaN and stays so
            for j in 0..k {
                let t = w0.t[j];
                s.q1[j] = 1.0 + t * fp;
                s.q2[j] = 1.0 + t * fm;
            }
        } else if i == 0 {
            if !((fac.h * w0.le).abs() < MAX_SLOPE_STEP_EXPONENT) {
                return None;
            }
            let ep = fast_exp::exp(-fac.h * w0.le);
            let em = fast_exp::exp(fac.h * w0.le);
            let (q0p, q0m) = (1.0 + zero_dose_term(plus), 1.0 + zero_dose_term(minus));
            for j in 0..k {
                let t = w0.t[j];
                let zero = fac.lx[j] == f64::NEG_INFINITY;
                s.q1[j] = if zero {
                    q0p
                } else {
                    1.0 + t * (fac.pp[j] * ep)
                };
                s.q2[j] = if zero {
                    q0m
                } else {
                    1.0 + t * (fac.pm[j] * em)
                };
            }
        } else {
            return None;
        }
        Some(self.rss_pair((c, d), (c, d), s))
    }

    /// Whether the objective is finite at `p` (problem units), without evaluating it: with
    /// finite data it is NaN only for non-finite parameters, `e <= 0` (LL.4: `ln` of a
    /// negative dose ratio) or `b = 0` at a zero dose (LL.4: `0 * -inf`).
    fn finite_at(&self, p: &[f64; 4]) -> bool {
        let [b, c, d, e] = self.full(p);
        [b, c, d, e].iter().all(|v| v.is_finite())
            && (!self.log_logistic || (e > 0.0 && !(b == 0.0 && self.has_zero_dose)))
    }

    /// `optimhess`'s finite differences at the solution `par` (problem units): only whether
    /// they are all finite matters (a non-finite one makes `optim` fail in R). They are the
    /// central differences of `fmingr` at `par +- ndeps / parscale` in each coordinate, so
    /// every parameter vector they evaluate is checked with [`Problem::finite_at`].
    fn hessian_finite(&self, par: &[f64; 4]) -> bool {
        let mut u = [0.0; 4];
        for i in 0..self.n {
            u[i] = par[i] / self.parscale[i];
        }
        let at = |u: &[f64; 4]| {
            let mut p = [0.0; 4];
            for i in 0..self.n {
                p[i] = u[i] * self.parscale[i];
            }
            p
        };
        for i in 0..self.n {
            let eps = NDEPS / self.parscale[i];
            for shift in [eps, -eps] {
                let mut v = u;
                v[i] += shift;
                for k in 0..self.n {
                    for s2 in [NDEPS, -NDEPS] {
                        let mut q = v;
                        q[k] += s2;
                        if !self.finite_at(&at(&q)) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }
}

/// Outcome of [`vmmin`]: final optimiser coordinates, iteration count, converged flag.
struct VmminOut {
    u: [f64; 4],
    iter: usize,
    converged: bool,
}

/// R's `vmmin` (variable-metric BFGS of Nash), `abstol = -Inf`. `None` where R errors.
/// `N` is the number of free parameters (`prob.n`); as a constant it lets the compiler
/// unroll the small matrix loops (same operations in the same order).
#[allow(clippy::many_single_char_names, clippy::too_many_lines)]
fn vmmin<const N: usize, const P: usize>(
    prob: &Problem<'_, P>,
    start: [f64; 4],
) -> Option<VmminOut> {
    debug_assert_eq!(prob.n, N);
    let n = N;
    let mut b = start;
    let mut g = [0.0; 4];
    let mut t = [0.0; 4];
    let mut xv = [0.0; 4];
    let mut c = [0.0; 4];
    let mut bm = [[0.0f64; 4]; 4];
    // weights of the last evaluated point and of the last accepted one
    let mut ws = [Weights::new(), Weights::new()];
    let mut acc = 0usize;
    let mut scratch = Scratch::new();
    let mut f = prob.fminfn(&b, &mut ws[acc], &mut scratch)?;
    if !f.is_finite() {
        return None; // "initial value in 'vmmin' is not finite"
    }
    let mut fmin = f;
    let mut gradcount = 1usize;
    prob.fmingr::<N>(&b, &ws[acc], &mut g, &mut scratch)?;
    let mut iter = 1usize;
    let mut ilast = gradcount;
    let mut count;
    loop {
        if ilast == gradcount {
            for (i, row) in bm.iter_mut().enumerate().take(n) {
                for v in row.iter_mut().take(i) {
                    *v = 0.0;
                }
                row[i] = 1.0;
            }
        }
        xv[..n].copy_from_slice(&b[..n]);
        c[..n].copy_from_slice(&g[..n]);
        let mut gradproj = 0.0;
        for i in 0..n {
            let mut s = 0.0;
            for j in 0..=i {
                s -= bm[i][j] * g[j];
            }
            for j in i + 1..n {
                s -= bm[j][i] * g[j];
            }
            t[i] = s;
            gradproj += s * g[i];
        }
        if gradproj < 0.0 {
            let mut steplength = 1.0;
            let mut accpoint = false;
            loop {
                count = 0;
                for i in 0..n {
                    b[i] = xv[i] + steplength * t[i];
                    if RELTEST + xv[i] == RELTEST + b[i] {
                        count += 1;
                    }
                }
                if count < n {
                    f = prob.fminfn(&b, &mut ws[1 - acc], &mut scratch)?;
                    accpoint = f.is_finite() && f <= fmin + gradproj * steplength * ACCTOL;
                    if !accpoint {
                        steplength *= STEPREDN;
                    }
                }
                if count == n || accpoint {
                    break;
                }
            }
            let enough = f > f64::NEG_INFINITY && (f - fmin).abs() > RELTOL * (fmin.abs() + RELTOL);
            if !enough {
                count = n;
                fmin = f;
            }
            if count < n {
                fmin = f;
                // the accepted point is the last one evaluated
                acc = 1 - acc;
                prob.fmingr::<N>(&b, &ws[acc], &mut g, &mut scratch)?;
                gradcount += 1;
                iter += 1;
                let mut d1 = 0.0;
                for i in 0..n {
                    t[i] *= steplength;
                    c[i] = g[i] - c[i];
                    d1 += t[i] * c[i];
                }
                if d1 > 0.0 {
                    let mut d2 = 0.0;
                    for i in 0..n {
                        let mut s = 0.0;
                        for j in 0..=i {
                            s += bm[i][j] * c[j];
                        }
                        for j in i + 1..n {
                            s += bm[j][i] * c[j];
                        }
                        xv[i] = s;
                        d2 += s * c[i];
                    }
                    d2 = 1.0 + d2 / d1;
                    for i in 0..n {
                        for j in 0..=i {
                            bm[i][j] += (d2 * t[i] * t[j] - xv[i] * t[j] - t[i] * xv[j]) / d1;
                        }
                    }
                } else {
                    ilast = gradcount;
                }
            } else if ilast < gradcount {
                count = 0;
                ilast = gradcount;
            }
        } else {
            count = 0;
            if ilast == gradcount {
                count = n;
            } else {
                ilast = gradcount;
            }
        }
        if iter >= MAXIT {
            break;
        }
        if gradcount - ilast > 2 * n {
            ilast = gradcount;
        }
        if count == n && ilast == gradcount {
            break;
        }
    }
    Some(VmminOut {
        u: b,
        iter,
        converged: iter < MAXIT,
    })
}

/// Run `optim(BFGS)` from `start` (problem units); the solution in problem units.
fn optim<const P: usize>(
    prob: &mut Problem<'_, P>,
    start: &[f64; 4],
) -> Option<([f64; 4], usize, bool)> {
    let n = prob.n;
    let mut u0 = [0.0; 4];
    for i in 0..n {
        if !start[i].is_finite() {
            return None;
        }
        let a = start[i].abs();
        prob.parscale[i] = if a < 1e-4 { 1.0 } else { a };
        u0[i] = start[i] / prob.parscale[i];
    }
    if prob.log_logistic {
        prob.fac = Factored::new(prob.x, NDEPS * prob.parscale[0]);
    }
    let out = if n == 3 {
        vmmin::<3, P>(prob, u0)?
    } else {
        vmmin::<4, P>(prob, u0)?
    };
    let mut par = [0.0; 4];
    for ((p, u), s) in par.iter_mut().zip(&out.u).zip(&prob.parscale).take(n) {
        *p = u * s;
    }
    if !prob.hessian_finite(&par) {
        return None;
    }
    Some((par, out.iter, out.converged))
}

/// drc `LL.4` (steps 1-3 of the module docs); `None` where drc fails.
fn fit_ll4<const P: usize>(dose: &[f64], response: &[f64], fixed_c: Option<f64>) -> Option<DrcFit> {
    let ds = scaling::<P>(dose);
    let rs = scaling::<P>(response);
    let mut xb = [0.0; P];
    let mut yb = [0.0; P];
    let x = &mut xb[..dose.len()];
    let y = &mut yb[..dose.len()];
    for k in 0..dose.len() {
        x[k] = dose[k] / ds;
        y[k] = response[k] / rs;
    }
    let (c0, d0) = findcd(y);
    let pairs = x
        .iter()
        .zip(y.iter())
        .filter(|(x, _)| **x > 0.0)
        .map(|(&x, &y)| (x.ln(), ((d0 - y) / (y - c0)).ln()));
    let (a, s) = line(pairs);
    let (b0, e0) = (s, (-a / s).exp());
    let mut prob = Problem::<P> {
        x,
        y,
        log_logistic: true,
        has_zero_dose: dose.contains(&0.0),
        fixed_c: fixed_c.map(|c| c / rs),
        n: if fixed_c.is_some() { 3 } else { 4 },
        parscale: [1.0; 4],
        fac: None,
    };
    let start = if fixed_c.is_some() {
        [b0, d0, e0, 0.0]
    } else {
        [b0, c0, d0, e0]
    };
    let (par, iterations, converged) = optim(&mut prob, &start)?;
    let [b, c, d, e] = prob.full(&par);
    let rss = prob.rss(&par, &mut Weights::new(), &mut Scratch::new()) * rs * rs;
    Some(DrcFit {
        b,
        c: fixed_c.unwrap_or(c * rs),
        d: d * rs,
        e: e * ds,
        model: DrcModel::Ll4,
        rss,
        iterations,
        converged,
    })
}

/// drc `L.4` on `ln(dose)` with dose 0 -> `1e-10` (SynergyFinder's fallback; no scaling).
fn fit_l4_log<const P: usize>(
    dose: &[f64],
    response: &[f64],
    fixed_c: Option<f64>,
) -> Option<DrcFit> {
    let mut xb = [0.0; P];
    let x = &mut xb[..dose.len()];
    for (xi, &d) in x.iter_mut().zip(dose) {
        *xi = if d == 0.0 { L4_ZERO_DOSE } else { d }.ln();
    }
    let (c0, d0) = findcd(response);
    let (a, s) = line(
        x.iter()
            .zip(response)
            .map(|(&x, &y)| (x, ((d0 - y) / (y - c0)).ln())),
    );
    let (b0, e0) = (s, -a / s);
    let mut prob = Problem::<P> {
        x,
        y: response,
        log_logistic: false,
        has_zero_dose: false,
        fixed_c,
        n: if fixed_c.is_some() { 3 } else { 4 },
        parscale: [1.0; 4],
        fac: None,
    };
    let start = if fixed_c.is_some() {
        [b0, d0, e0, 0.0]
    } else {
        [b0, c0, d0, e0]
    };
    let (par, iterations, converged) = optim(&mut prob, &start)?;
    let [b, c, d, e] = prob.full(&par);
    Some(DrcFit {
        b,
        c,
        d,
        e: e.exp(),
        model: DrcModel::L4LogDose,
        rss: prob.rss(&par, &mut Weights::new(), &mut Scratch::new()),
        iterations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll4(x: f64, b: f64, c: f64, d: f64, e: f64) -> f64 {
        c + (d - c) / (1.0 + (b * (x.ln() - e.ln())).exp())
    }

    /// An 8-dose slice (dose 0 first): an LL.4 curve plus a deterministic wobble of +-3.
    fn noisy_slice() -> ([f64; 8], Vec<f64>) {
        let dose = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
        let y = dose
            .iter()
            .enumerate()
            .map(|(k, &x)| ll4(x, -1.2, 2.0, 90.0, 0.4) + 3.0 * (1.7 * k as f64).sin())
            .collect();
        (dose, y)
    }

    #[test]
    fn recovers_an_exact_curve() {
        let dose = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
        let y: Vec<f64> = dose.iter().map(|&x| ll4(x, -1.2, 2.0, 90.0, 0.4)).collect();
        let f = fit_ll4_drc(&dose, &y, None).unwrap();
        assert_eq!(f.model, DrcModel::Ll4);
        assert!(f.converged);
        for &x in &dose[1..] {
            assert!(
                (f.predict(x) - ll4(x, -1.2, 2.0, 90.0, 0.4)).abs() < 0.05,
                "{f:?}"
            );
        }
        // with c fixed at the truth the remaining three parameters are recovered too
        let g = fit_ll4_drc(&dose, &y, Some(2.0)).unwrap();
        assert_eq!(g.c, 2.0);
        assert!(
            (g.e - 0.4).abs() < 0.01 && (g.b + 1.2).abs() < 0.02,
            "{g:?}"
        );
    }

    #[test]
    fn l4_fallback_fits_log_dose() {
        let dose = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
        let y: Vec<f64> = dose.iter().map(|&x| ll4(x, -1.2, 2.0, 90.0, 0.4)).collect();
        let f = fit_l4_log::<8>(&dose, &y, None).unwrap();
        assert_eq!(f.model, DrcModel::L4LogDose);
        for &x in &dose[1..] {
            assert!(
                (f.predict(x) - ll4(x, -1.2, 2.0, 90.0, 0.4)).abs() < 0.05,
                "{f:?}"
            );
        }
        // its RSS is evaluated with dose 0 at 1e-10, as drc sees it
        assert!(f.rss < 0.05, "{f:?}");
    }

    #[test]
    fn buffer_capacity_does_not_change_the_fit() {
        let (dose, y) = noisy_slice();
        for fixed_c in [None, Some(2.0)] {
            let small = fit_sized::<8>(&dose, &y, fixed_c).unwrap();
            assert_eq!(small, fit_sized::<16>(&dose, &y, fixed_c).unwrap());
            assert_eq!(small, fit_sized::<MAX_POINTS>(&dose, &y, fixed_c).unwrap());
            assert_eq!(small, fit_ll4_drc(&dose, &y, fixed_c).unwrap());
            let l4 = fit_l4_log::<8>(&dose, &y, fixed_c).unwrap();
            assert_eq!(l4, fit_l4_log::<MAX_POINTS>(&dose, &y, fixed_c).unwrap());
        }
    }

    #[test]
    fn r_median_and_scaling() {
        assert_eq!(median::<8>(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(scaling::<8>(&[0.0, 0.3, 0.9, 2.7]), 0.1);
        assert_eq!(scaling::<8>(&[-5.0, -1.0, 2.0]), 1.0);
        assert_eq!(scaling::<8>(&[0.0, 0.0, 1.0]), 1.0);
        assert_eq!(scaling::<8>(&[20.0, 45.0, 80.0]), 10.0);
    }

    #[test]
    fn rejects_unusable_input() {
        assert_eq!(
            fit_ll4_drc(&[0.0, 1.0, 1.0], &[0.0, 5.0, 6.0], None),
            Err(DrcFitError::BadInput)
        );
        assert_eq!(
            fit_ll4_drc(&[0.0, 1.0, 2.0], &[0.0, f64::NAN, 6.0], None),
            Err(DrcFitError::BadInput)
        );
        assert_eq!(
            fit_ll4_drc(&[0.0, 1.0], &[0.0], None),
            Err(DrcFitError::BadInput)
        );
    }

    /// The factored evaluation rounds differently from drc's direct one; the objective
    /// agrees to a few units in the last place (relative), the central differences (which
    /// divide by `2 ndeps`) to that over `2 ndeps`.
    const FACTORED_RSS_REL: f64 = 1e-13;
    const FACTORED_GRAD_REL: f64 = 1e-10;

    #[test]
    fn factored_evaluation_matches_direct_to_rounding() {
        let (dose, y) = noisy_slice();
        for fixed_c in [None, Some(2.0)] {
            let n = if fixed_c.is_some() { 3 } else { 4 };
            let direct = Problem::<8> {
                x: &dose,
                y: &y,
                log_logistic: true,
                has_zero_dose: true,
                fixed_c,
                n,
                parscale: [1.3, 2.0, 90.0, 0.4],
                fac: None,
            };
            let factored = Problem {
                fac: Factored::new(&dose, NDEPS * 1.3),
                ..direct
            };
            assert!(factored.fac.is_some());
            let mut s = Scratch::new();
            for u in [
                [-0.9, 1.1, 0.95, 1.2],
                [-1.4, 0.8, 1.02, 0.3],
                [0.7, 1.5, 0.9, 7.0],
            ] {
                let u = if n == 3 { [u[0], u[2], u[3], 0.0] } else { u };
                let (mut w1, mut w2) = (Weights::new(), Weights::new());
                let f1 = direct.fminfn(&u, &mut w1, &mut s).unwrap();
                let f2 = factored.fminfn(&u, &mut w2, &mut s).unwrap();
                assert!(w1.direct && !w2.direct);
                assert!((f1 - f2).abs() <= FACTORED_RSS_REL * f1, "{f1} vs {f2}");
                let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
                if n == 3 {
                    direct.fmingr::<3>(&u, &w1, &mut g1, &mut s).unwrap();
                    factored.fmingr::<3>(&u, &w2, &mut g2, &mut s).unwrap();
                } else {
                    direct.fmingr::<4>(&u, &w1, &mut g1, &mut s).unwrap();
                    factored.fmingr::<4>(&u, &w2, &mut g2, &mut s).unwrap();
                }
                for i in 0..n {
                    assert!(
                        (g1[i] - g2[i]).abs() <= FACTORED_GRAD_REL * f1,
                        "gradient {i}: {g1:?} vs {g2:?}"
                    );
                }
            }
        }
    }
}
