//! Generic nonlinear least squares: a Levenberg-Marquardt core (QR-solved damped steps,
//! MINPACK-style column scaling) over any [`LsqProblem`], and a Nelder-Mead polish through
//! argmin.
//!
//! The core knows nothing of dose-response curves: the same code fits LL.4 and the NIST StRD
//! reference problems. Convention: residual `r_i = y_i - f_i(p)`; the problem supplies the
//! Jacobian of the *model* `J_ij = d f_i / d p_j`.

// Dense linear algebra on flat buffers reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use nalgebra::DVector;

/// A nonlinear least-squares problem: minimise `sum r_i(p)^2`.
pub trait LsqProblem {
    /// Number of observations `n`.
    fn n_obs(&self) -> usize;
    /// Number of parameters `p`.
    fn n_params(&self) -> usize;
    /// Fill `r` (length `n`) with `y_i - f_i(p)`. Returns `false` when `p` is outside the
    /// model's domain or the result is not finite.
    fn residuals(&self, p: &[f64], r: &mut [f64]) -> bool;
    /// Fill `jac` (row-major `n x p`) with `d f_i / d p_j`. Returns `false` when not finite.
    fn jacobian(&self, p: &[f64], jac: &mut [f64]) -> bool;
    /// Optional second-order information: fill `jac` as [`LsqProblem::jacobian`] does and `s`
    /// (row-major `p x p`, symmetric) with `sum_i r_i d^2 f_i / dp_j dp_k` for the residuals
    /// `r` at `p`, so that the Hessian of the RSS is `2 (J'J - S)`. Problems that supply it get
    /// Newton steps near the optimum (quadratic instead of linear convergence on
    /// non-zero-residual fits) and an exact [`rss_hessian`]. `None` (the default): not
    /// available; `Some(false)`: not finite.
    fn jacobian_second_order(
        &self,
        _p: &[f64],
        _r: &[f64],
        _jac: &mut [f64],
        _s: &mut [f64],
    ) -> Option<bool> {
        None
    }
    /// Length of the per-point cache the problem shares between
    /// [`LsqProblem::residuals_cached`] and [`LsqProblem::jacobian_second_order_cached`]
    /// (e.g. the exponentials of a sigmoid, computed once per point). 0 (the default): none.
    fn cache_len(&self) -> usize {
        0
    }
    /// [`LsqProblem::residuals`] that also fills `cache` (length [`LsqProblem::cache_len`])
    /// with values the Jacobian at the same `p` may reuse. The default ignores `cache`.
    fn residuals_cached(&self, p: &[f64], r: &mut [f64], _cache: &mut [f64]) -> bool {
        self.residuals(p, r)
    }
    /// [`LsqProblem::jacobian_second_order`] at the `p` of the [`LsqProblem::residuals_cached`]
    /// call that filled `cache` (and returned `true`). Must give the same numbers as without
    /// the cache; the default ignores it.
    fn jacobian_second_order_cached(
        &self,
        p: &[f64],
        r: &[f64],
        _cache: &[f64],
        jac: &mut [f64],
        s: &mut [f64],
    ) -> Option<bool> {
        self.jacobian_second_order(p, r, jac, s)
    }
}

/// Stopping rules for [`levenberg_marquardt`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LmOptions {
    /// Maximum number of Jacobian evaluations (outer iterations).
    pub max_iter: usize,
    /// Relative tolerance on the scaled step `||D dp|| <= xtol (||D p|| + xtol)`.
    pub xtol: f64,
    /// Relative tolerance on the actual and predicted reduction of the RSS.
    pub ftol: f64,
    /// Tolerance on the cosine between the residual vector and each Jacobian column.
    pub gtol: f64,
    /// Initial damping, relative to the squared column scaling `D^2`.
    pub lambda0: f64,
}

impl Default for LmOptions {
    fn default() -> Self {
        Self {
            max_iter: 200,
            xtol: 1e-10,
            ftol: 1e-14,
            gtol: 1e-12,
            lambda0: 1e-3,
        }
    }
}

/// Why the solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LmStop {
    /// Step tolerance met.
    Xtol,
    /// RSS reduction tolerance met.
    Ftol,
    /// Gradient orthogonality tolerance met.
    Gtol,
    /// Exact fit (RSS = 0).
    ZeroResidual,
    /// Damping grew without an acceptable step (at a minimum up to rounding).
    Stalled,
    /// Iteration limit reached.
    MaxIter,
    /// The start point was outside the domain or gave non-finite values.
    BadStart,
}

impl LmStop {
    /// True when the stop is a convergence criterion (not a limit or a failure).
    pub fn converged(self) -> bool {
        matches!(
            self,
            Self::Xtol | Self::Ftol | Self::Gtol | Self::ZeroResidual | Self::Stalled
        )
    }
}

/// Result of a least-squares solve.
#[derive(Debug, Clone, PartialEq)]
pub struct LmResult {
    /// Parameters at the end.
    pub params: Vec<f64>,
    /// Residual sum of squares at `params`.
    pub rss: f64,
    /// Number of Jacobian evaluations.
    pub iterations: usize,
    /// Why it stopped.
    pub stop: LmStop,
}

/// Reusable buffers for [`levenberg_marquardt_in`]: one workspace serves any number of solves
/// (of any size) without allocating again once it has grown to the largest problem.
#[derive(Debug, Clone, Default)]
pub struct LmWorkspace {
    n: usize,
    p: usize,
    r: Vec<f64>,
    r_new: Vec<f64>,
    jac: Vec<f64>,
    /// Augmented matrix `(n + p) x p`, column-major.
    a: Vec<f64>,
    rhs: Vec<f64>,
    diag: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
    jtr: Vec<f64>,
    /// `J'J - S` (row-major `p x p`) when the problem supplies second-order terms.
    hess: Vec<f64>,
    /// `J'J` (row-major `p x p`) when the problem supplies second-order terms.
    jtj: Vec<f64>,
    /// Second-order term `S`, then scratch for the damped Newton matrix.
    s: Vec<f64>,
    /// Problem cache at the current point and at the trial point.
    cache: Vec<f64>,
    cache_new: Vec<f64>,
    /// Squared column norms of the Jacobian.
    cn2: Vec<f64>,
}

impl LmWorkspace {
    /// An empty workspace (grows on first use).
    pub fn new() -> Self {
        Self::default()
    }

    fn reset(&mut self, n: usize, p: usize, cache: usize) {
        self.n = n;
        self.p = p;
        for (v, len) in [
            (&mut self.cache, cache),
            (&mut self.cache_new, cache),
            (&mut self.cn2, p),
            (&mut self.r, n),
            (&mut self.r_new, n),
            (&mut self.jac, n * p),
            (&mut self.a, (n + p) * p),
            (&mut self.rhs, n + p),
            (&mut self.diag, p),
            (&mut self.step, p),
            (&mut self.trial, p),
            (&mut self.jtr, p),
            (&mut self.hess, p * p),
            (&mut self.jtj, p * p),
            (&mut self.s, p * p),
        ] {
            v.clear();
            v.resize(len, 0.0);
        }
    }

    /// Damped step from the normal equations by an `L D L'` factorisation:
    /// `(J'J - S + lambda D^2) dp = J'r` (Newton, `full`) or `(J'J + lambda D^2) dp = J'r`
    /// (Gauss-Newton). Returns false when the matrix is not positive definite.
    fn normal_step(&mut self, lambda: f64, full: bool) -> bool {
        let src = if full { &self.hess } else { &self.jtj };
        let (m, d, g, x) = (&mut self.s, &self.diag, &self.jtr, &mut self.step);
        match self.p {
            1 => normal_solve::<1>(m, src, d, g, x, lambda),
            2 => normal_solve::<2>(m, src, d, g, x, lambda),
            3 => normal_solve::<3>(m, src, d, g, x, lambda),
            4 => normal_solve::<4>(m, src, d, g, x, lambda),
            5 => normal_solve::<5>(m, src, d, g, x, lambda),
            p => normal_solve_impl(m, src, d, g, x, lambda, p),
        }
    }

    /// Solve `min ||J dp - r||^2 + lambda ||D dp||^2` by Householder QR of `[J; sqrt(lambda) D]`.
    /// Returns false when the system is singular.
    fn damped_step(&mut self, lambda: f64) -> bool {
        let (n, p) = (self.n, self.p);
        let m = n + p;
        let sl = lambda.sqrt();
        for j in 0..p {
            let col = &mut self.a[j * m..(j + 1) * m];
            for i in 0..n {
                col[i] = self.jac[i * p + j];
            }
            for (k, v) in col[n..].iter_mut().enumerate() {
                *v = if k == j { sl * self.diag[j] } else { 0.0 };
            }
        }
        self.rhs[..n].copy_from_slice(&self.r);
        self.rhs[n..].fill(0.0);
        // Householder QR, applying reflections to rhs.
        for k in 0..p {
            let norm = self.a[k * m + k..(k + 1) * m]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            if norm == 0.0 || !norm.is_finite() {
                return false;
            }
            let akk = self.a[k * m + k];
            let alpha = if akk > 0.0 { -norm } else { norm };
            // v = x - alpha e1, stored in place; v1 = akk - alpha
            let v1 = akk - alpha;
            self.a[k * m + k] = v1;
            let vnorm2 = v1 * v1
                + self.a[k * m + k + 1..(k + 1) * m]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>();
            if vnorm2 > 0.0 {
                for j in (k + 1)..p {
                    let mut dot = 0.0;
                    for i in k..m {
                        dot += self.a[k * m + i] * self.a[j * m + i];
                    }
                    let s = 2.0 * dot / vnorm2;
                    for i in k..m {
                        self.a[j * m + i] -= s * self.a[k * m + i];
                    }
                }
                let mut dot = 0.0;
                for i in k..m {
                    dot += self.a[k * m + i] * self.rhs[i];
                }
                let s = 2.0 * dot / vnorm2;
                for i in k..m {
                    self.rhs[i] -= s * self.a[k * m + i];
                }
            }
            // R diagonal
            self.a[k * m + k] = alpha;
        }
        // back substitution R dp = Q' rhs (upper triangle: a[j*m + i], i <= j)
        for i in (0..p).rev() {
            let mut s = self.rhs[i];
            for j in (i + 1)..p {
                s -= self.a[j * m + i] * self.step[j];
            }
            let rii = self.a[i * m + i];
            if rii == 0.0 {
                return false;
            }
            self.step[i] = s / rii;
        }
        self.step.iter().all(|v| v.is_finite())
    }
}

fn sumsq(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

/// `(src + lambda D^2) step = g` by an `L D L'` factorisation in `m` (all row-major
/// `p x p`), for a compile-time `P` (unrolled, no bounds checks; the same operations as the
/// generic code).
fn normal_solve<const P: usize>(
    m: &mut [f64],
    src: &[f64],
    d: &[f64],
    g: &[f64],
    x: &mut [f64],
    lambda: f64,
) -> bool {
    normal_solve_impl(
        &mut m[..P * P],
        &src[..P * P],
        &d[..P],
        &g[..P],
        &mut x[..P],
        lambda,
        P,
    )
}

/// See [`normal_solve`]: factorise, then `L z = g`, `y = D^-1 z`, `L' step = y`. False when
/// the damped matrix is not positive definite.
#[inline(always)] // the fixed-size callers rely on it for unrolling
#[allow(clippy::inline_always)]
fn normal_solve_impl(
    m: &mut [f64],
    src: &[f64],
    d: &[f64],
    g: &[f64],
    x: &mut [f64],
    lambda: f64,
    p: usize,
) -> bool {
    m.copy_from_slice(src);
    for j in 0..p {
        m[j * p + j] += lambda * d[j] * d[j];
    }
    if !ldl_impl(m, p) {
        return false;
    }
    // L z = g (unit lower), y = D^-1 z (the diagonal holds 1 / D_i), L' x = y
    for i in 0..p {
        let mut v = g[i];
        for k in 0..i {
            v -= m[i * p + k] * x[k];
        }
        x[i] = v;
    }
    for i in 0..p {
        x[i] *= m[i * p + i];
    }
    for i in (0..p).rev() {
        let mut v = x[i];
        for k in (i + 1)..p {
            v -= m[k * p + i] * x[k];
        }
        x[i] = v;
    }
    x.iter().all(|v| v.is_finite())
}

/// In-place factorisation `M = L D L'` (`L` unit lower triangular) of a symmetric positive
/// definite row-major `p x p` matrix: `L` overwrites the strict lower triangle, `1 / D_jj` the
/// diagonal (the solves multiply by it), `L D` the strict upper triangle. False when a pivot
/// is not positive and finite (the matrix is not positive definite).
fn ldl_in_place(m: &mut [f64], p: usize) -> bool {
    match p {
        1 => ldl_impl(&mut m[..1], 1),
        2 => ldl_impl(&mut m[..4], 2),
        3 => ldl_impl(&mut m[..9], 3),
        4 => ldl_impl(&mut m[..16], 4),
        5 => ldl_impl(&mut m[..25], 5),
        _ => ldl_impl(m, p),
    }
}

#[inline(always)] // the fixed-size callers rely on it for unrolling
#[allow(clippy::inline_always)]
fn ldl_impl(m: &mut [f64], p: usize) -> bool {
    // LDL' (no square roots on the dependency chain): column j gives D_j and
    // L_ij = W_ij / D_j with W_ij = L_ij D_j kept in the (free) upper triangle, m[j][i]
    for j in 0..p {
        let mut d = m[j * p + j];
        for k in 0..j {
            d -= m[j * p + k] * m[k * p + j];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let inv = 1.0 / d;
        m[j * p + j] = inv;
        for i in (j + 1)..p {
            let mut v = m[i * p + j];
            for k in 0..j {
                v -= m[i * p + k] * m[k * p + j];
            }
            m[j * p + i] = v;
            m[i * p + j] = v * inv;
        }
    }
    true
}

/// Levenberg-Marquardt from `start`. Never panics; a bad start gives [`LmStop::BadStart`]
/// with `rss = inf`.
///
/// Steps are Gauss-Newton steps damped by `lambda D^2` (QR-solved). When the problem supplies
/// [`LsqProblem::jacobian_second_order`] and the full Hessian `J'J - S` of `RSS / 2` is
/// positive definite at the current point, the damped step uses it instead (a Newton step
/// under the same trust-region control: the reduction ratio is taken against the quadratic
/// model with the full Hessian), so the run converges quadratically to the same optimum.
///
/// Saturation safeguard: when the run ends where a Jacobian column has collapsed (norm below
/// `1e-6` of its largest value seen during the run: a parameter has lost all influence, e.g.
/// an exponential rate run off to infinity, the failure mode of MINPACK on NIST BoxBOD from
/// Start 1), the solve is repeated from `start` with `lambda0 * 1e6` (short, gradient-like
/// first steps) and the lower RSS is kept.
pub fn levenberg_marquardt<P: LsqProblem + ?Sized>(
    prob: &P,
    start: &[f64],
    opts: &LmOptions,
) -> LmResult {
    levenberg_marquardt_in(prob, start, opts, &mut LmWorkspace::new())
}

/// [`levenberg_marquardt`] with caller-owned buffers (no allocation per solve once `ws` has
/// grown; the same numbers as [`levenberg_marquardt`]).
pub fn levenberg_marquardt_in<P: LsqProblem + ?Sized>(
    prob: &P,
    start: &[f64],
    opts: &LmOptions,
    ws: &mut LmWorkspace,
) -> LmResult {
    let (first, saturated) = lm_run(prob, start, opts, ws);
    if !saturated {
        return first;
    }
    let conservative = LmOptions {
        lambda0: opts.lambda0 * 1e6,
        ..*opts
    };
    let (second, _) = lm_run(prob, start, &conservative, ws);
    if second.rss < first.rss {
        second
    } else {
        first
    }
}

/// `J'r`, the squared column norms of `J` and (when `full`) `J'J` (row-major `p x p`,
/// symmetric) of a row-major `n x p` Jacobian, in one pass over its rows. Each entry is summed
/// over the rows in order, so the numbers do not depend on the specialisation used.
fn accumulate(
    jac: &[f64],
    r: &[f64],
    p: usize,
    full: bool,
    jtj: &mut [f64],
    jtr: &mut [f64],
    cn2: &mut [f64],
) {
    match p {
        1 => accumulate_fixed::<1>(jac, r, full, jtj, jtr, cn2),
        2 => accumulate_fixed::<2>(jac, r, full, jtj, jtr, cn2),
        3 => accumulate_fixed::<3>(jac, r, full, jtj, jtr, cn2),
        4 => accumulate_fixed::<4>(jac, r, full, jtj, jtr, cn2),
        5 => accumulate_fixed::<5>(jac, r, full, jtj, jtr, cn2),
        _ => {
            jtr.fill(0.0);
            cn2.fill(0.0);
            if full {
                jtj.fill(0.0);
            }
            for (row, &ri) in jac.chunks_exact(p).zip(r) {
                for a in 0..p {
                    let ja = row[a];
                    jtr[a] += ja * ri;
                    cn2[a] += ja * ja;
                    if full {
                        for b in 0..a {
                            jtj[a * p + b] += ja * row[b];
                        }
                    }
                }
            }
            if full {
                for a in 0..p {
                    jtj[a * p + a] = cn2[a];
                    for b in 0..a {
                        jtj[b * p + a] = jtj[a * p + b];
                    }
                }
            }
        }
    }
}

/// [`accumulate`] for a compile-time number of parameters (unrolled, no bounds checks).
#[inline]
fn accumulate_fixed<const P: usize>(
    jac: &[f64],
    r: &[f64],
    full: bool,
    jtj: &mut [f64],
    jtr: &mut [f64],
    cn2: &mut [f64],
) {
    let mut m = [[0.0; P]; P];
    let mut g = [0.0; P];
    let mut c = [0.0; P];
    for (row, &ri) in jac.chunks_exact(P).zip(r) {
        let row: [f64; P] = std::array::from_fn(|k| row[k]);
        for a in 0..P {
            let ja = row[a];
            g[a] += ja * ri;
            c[a] += ja * ja;
            if full {
                for b in 0..a {
                    m[a][b] += ja * row[b];
                }
            }
        }
    }
    jtr[..P].copy_from_slice(&g);
    cn2[..P].copy_from_slice(&c);
    if full {
        for a in 0..P {
            jtj[a * P + a] = c[a];
            for b in 0..a {
                jtj[a * P + b] = m[a][b];
                jtj[b * P + a] = m[a][b];
            }
        }
    }
}

/// Evaluate the Jacobian at `x` into `w`, with `J'r` and the squared column norms (and, when
/// the problem supplies second-order terms, `J'J` and `J'J - S`). Returns `(finite, newton)`:
/// `newton` when `want_newton` and `J'J - S` is available and positive definite.
fn eval_jacobian<P: LsqProblem + ?Sized>(
    prob: &P,
    x: &[f64],
    w: &mut LmWorkspace,
    second_order: &mut bool,
    want_newton: bool,
) -> (bool, bool) {
    let p = w.p;
    let mut full = false;
    if *second_order {
        match prob.jacobian_second_order_cached(x, &w.r, &w.cache, &mut w.jac, &mut w.s) {
            None => *second_order = false,
            Some(false) => return (false, false),
            Some(true) => full = true,
        }
    }
    if !full && !prob.jacobian(x, &mut w.jac) {
        return (false, false);
    }
    accumulate(&w.jac, &w.r, p, full, &mut w.jtj, &mut w.jtr, &mut w.cn2);
    if !full {
        return (true, false);
    }
    for (h, (&a, &b)) in w.hess.iter_mut().zip(w.jtj.iter().zip(&w.s)) {
        *h = a - b;
    }
    if !want_newton {
        return (true, false);
    }
    // positive definite? (L D L' of a copy; s is scratch from here on)
    w.s.copy_from_slice(&w.hess);
    let pd = ldl_in_place(&mut w.s, p);
    (true, pd)
}

fn lm_run<P: LsqProblem + ?Sized>(
    prob: &P,
    start: &[f64],
    opts: &LmOptions,
    w: &mut LmWorkspace,
) -> (LmResult, bool) {
    // the dose-response sizes with `p` known at compile time (unrolled; the same operations)
    match prob.n_params() {
        3 => lm_run_impl(prob, start, opts, w, 3),
        4 => lm_run_impl(prob, start, opts, w, 4),
        p => lm_run_impl(prob, start, opts, w, p),
    }
}

#[inline(always)] // specialised per size by `lm_run`
#[allow(clippy::inline_always)]
fn lm_run_impl<P: LsqProblem + ?Sized>(
    prob: &P,
    start: &[f64],
    opts: &LmOptions,
    w: &mut LmWorkspace,
    p: usize,
) -> (LmResult, bool) {
    let n = prob.n_obs();
    let mut x = start.to_vec();
    w.reset(n, p, prob.cache_len());
    if x.len() != p || !prob.residuals_cached(&x, &mut w.r, &mut w.cache) {
        let r = LmResult {
            params: x,
            rss: f64::INFINITY,
            iterations: 0,
            stop: LmStop::BadStart,
        };
        return (r, false);
    }
    let mut rss = sumsq(&w.r);
    let mut lambda = opts.lambda0;
    let mut nu = 2.0;
    let mut iterations = 0;
    let mut need_jac = true;
    let mut saturated = false;
    let mut second_order = true;
    // Newton steps: only near the optimum (after an accepted Gauss-Newton step whose
    // reduction was small and well predicted), and never again after a rejected one (far
    // from a well-modelled minimum, e.g. a slope running off to infinity, plain damped
    // Gauss-Newton is the more robust and reproducible path).
    let mut newton_zone = false;
    let mut newton_failed = false;
    // scaled length of the previous accepted step if it was a Newton step, else 0
    let mut newton_dx = 0.0;
    let mut newton = false;
    let stop = loop {
        if rss == 0.0 {
            break LmStop::ZeroResidual;
        }
        if need_jac {
            if iterations >= opts.max_iter {
                break LmStop::MaxIter;
            }
            iterations += 1;
            let want_newton = newton_zone && !newton_failed;
            let (ok, pd) = eval_jacobian(prob, &x, w, &mut second_order, want_newton);
            if !ok {
                break LmStop::Stalled;
            }
            newton = pd;
            // column scaling (max over iterations) and gradient test
            let rnorm = rss.sqrt();
            let mut gmax: f64 = 0.0;
            saturated = false;
            for j in 0..p {
                let cn = w.cn2[j].sqrt();
                let g = w.jtr[j];
                saturated |= cn < 1e-6 * w.diag[j];
                if cn > 0.0 {
                    gmax = gmax.max((g / (cn * rnorm)).abs());
                }
                w.diag[j] = w.diag[j].max(cn);
                if w.diag[j] == 0.0 {
                    w.diag[j] = 1.0;
                }
            }
            if gmax <= opts.gtol {
                break LmStop::Gtol;
            }
            need_jac = false;
        }
        let used_newton = newton && newton_zone && !newton_failed && w.normal_step(lambda, true);
        // Gauss-Newton: for problems with second-order terms (small, well-scaled) from the
        // damped normal equations when their factorisation succeeds, else by QR
        let stepped =
            used_newton || (second_order && w.normal_step(lambda, false)) || w.damped_step(lambda);
        if !stepped {
            lambda *= nu;
            nu *= 2.0;
            if lambda > 1e20 {
                break LmStop::Stalled;
            }
            continue;
        }
        for j in 0..p {
            w.trial[j] = x[j] + w.step[j];
        }
        // predicted reduction of the quadratic model: ||r||^2 - ||r - J dp||^2 =
        // 2 dp'J'r - ||J dp||^2 (Gauss-Newton), or 2 dp'J'r - dp'(J'J - S)dp (Newton)
        let curv = if used_newton {
            let mut q = 0.0;
            for a in 0..p {
                for b in 0..p {
                    q += w.step[a] * w.hess[a * p + b] * w.step[b];
                }
            }
            q
        } else {
            let mut jdp2 = 0.0;
            for row in w.jac.chunks_exact(p) {
                let s = row.iter().zip(&w.step).fold(0.0, |s, (a, b)| s + a * b);
                jdp2 += s * s;
            }
            jdp2
        };
        let dpjtr: f64 = (0..p).map(|j| w.step[j] * w.jtr[j]).sum();
        let pred = 2.0 * dpjtr - curv;
        let ok = prob.residuals_cached(&w.trial, &mut w.r_new, &mut w.cache_new);
        let rss_new = if ok { sumsq(&w.r_new) } else { f64::INFINITY };
        let actual = rss - rss_new;
        let rho = if pred > 0.0 { actual / pred } else { -1.0 };
        let dx: f64 = (0..p)
            .map(|j| (w.diag[j] * w.step[j]).powi(2))
            .sum::<f64>()
            .sqrt();
        let xn: f64 = (0..p)
            .map(|j| (w.diag[j] * x[j]).powi(2))
            .sum::<f64>()
            .sqrt();
        if rho > 1e-4 && rss_new.is_finite() {
            x.copy_from_slice(&w.trial);
            std::mem::swap(&mut w.r, &mut w.r_new);
            std::mem::swap(&mut w.cache, &mut w.cache_new);
            let old = rss;
            rss = rss_new;
            if !used_newton && pred <= 0.1 * old && rho > 0.5 && rho < 2.0 {
                newton_zone = true;
            }
            lambda *= (1.0 - (2.0 * rho - 1.0).powi(3)).max(1.0 / 3.0);
            lambda = lambda.max(1e-300);
            nu = 2.0;
            need_jac = true;
            if actual <= opts.ftol * old && pred <= opts.ftol * old {
                break LmStop::Ftol;
            }
            if dx <= opts.xtol * (xn + opts.xtol) {
                break LmStop::Xtol;
            }
            // Quadratic convergence (two accepted Newton steps, the second < 0.1 of the first,
            // model reduction matched to 10 %): the next step would be about
            // dx^3 / dx_prev^2; stop when ten times that already meets the step tolerance.
            if used_newton
                && newton_dx > 0.0
                && dx < 0.1 * newton_dx
                && (rho - 1.0).abs() < 0.1
                && 10.0 * dx * (dx / newton_dx).powi(2) <= opts.xtol * (xn + opts.xtol)
            {
                break LmStop::Xtol;
            }
            newton_dx = if used_newton { dx } else { 0.0 };
        } else {
            newton_failed |= used_newton;
            // rejected: converged if the step is negligible
            if dx <= opts.xtol * (xn + opts.xtol) * 1e-2 || pred <= f64::EPSILON * rss * 1e-2 {
                break LmStop::Stalled;
            }
            lambda *= nu;
            nu *= 2.0;
            if lambda > 1e20 {
                break LmStop::Stalled;
            }
        }
    };
    let r = LmResult {
        params: x,
        rss,
        iterations,
        stop,
    };
    (r, saturated)
}

/// Residual sum of squares at `p` (infinite outside the domain).
pub fn rss_at<P: LsqProblem + ?Sized>(prob: &P, p: &[f64]) -> f64 {
    // small problems (dose-response levels) on the stack
    let n = prob.n_obs();
    let mut stack = [0.0; 32];
    let mut heap;
    let r: &mut [f64] = if n <= stack.len() {
        &mut stack[..n]
    } else {
        heap = vec![0.0; n];
        &mut heap
    };
    if prob.residuals(p, r) {
        sumsq(r)
    } else {
        f64::INFINITY
    }
}

/// Hessian of the RSS at `p` (`p x p`, row-major). Exact, `2 (J'J - S)`, when the problem
/// supplies [`LsqProblem::jacobian_second_order`]; otherwise by central differences of the
/// analytic gradient `-2 J' r`, symmetrised, step per parameter `1e-4 * max(|p_j|, 1e-3)`.
/// Returns `None` when any evaluation fails.
pub fn rss_hessian<P: LsqProblem + ?Sized>(prob: &P, p: &[f64]) -> Option<Vec<f64>> {
    let n = prob.n_obs();
    let k = prob.n_params();
    let mut r = vec![0.0; n];
    let mut jac = vec![0.0; n * k];
    if !prob.residuals(p, &mut r) {
        return None;
    }
    let mut s = vec![0.0; k * k];
    match prob.jacobian_second_order(p, &r, &mut jac, &mut s) {
        Some(false) => return None,
        Some(true) => {
            for a in 0..k {
                for b in 0..=a {
                    let jtj: f64 = (0..n).map(|i| jac[i * k + a] * jac[i * k + b]).sum();
                    let h = 2.0 * (jtj - s[a * k + b]);
                    s[a * k + b] = h;
                    s[b * k + a] = h;
                }
            }
            return s.iter().all(|v| v.is_finite()).then_some(s);
        }
        None => {}
    }
    let mut grad = |x: &[f64], out: &mut [f64]| -> bool {
        if !prob.residuals(x, &mut r) || !prob.jacobian(x, &mut jac) {
            return false;
        }
        for j in 0..k {
            out[j] = -2.0 * (0..n).map(|i| jac[i * k + j] * r[i]).sum::<f64>();
        }
        true
    };
    let mut h = vec![0.0; k * k];
    let mut gp = vec![0.0; k];
    let mut gm = vec![0.0; k];
    let mut x = p.to_vec();
    for j in 0..k {
        let step = 1e-4 * p[j].abs().max(1e-3);
        x[j] = p[j] + step;
        let hp = x[j] - p[j];
        if !grad(&x, &mut gp) {
            return None;
        }
        x[j] = p[j] - step;
        let hm = p[j] - x[j];
        if !grad(&x, &mut gm) {
            return None;
        }
        x[j] = p[j];
        for i in 0..k {
            h[i * k + j] = (gp[i] - gm[i]) / (hp + hm);
        }
    }
    for i in 0..k {
        for j in (i + 1)..k {
            let s = 0.5 * (h[i * k + j] + h[j * k + i]);
            h[i * k + j] = s;
            h[j * k + i] = s;
        }
    }
    h.iter().all(|v| v.is_finite()).then_some(h)
}

struct NmCost<'a, P: ?Sized>(&'a P);

impl<P: LsqProblem + ?Sized> CostFunction for NmCost<'_, P> {
    type Param = DVector<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        let v = rss_at(self.0, p.as_slice());
        Ok(if v.is_finite() { v } else { f64::MAX })
    }
}

/// Nelder-Mead polish (argmin) from `start`, simplex edges `rel_step * max(|p_j|, 1e-3)`.
/// Returns the best point and its RSS, or `None` when argmin reports an error.
pub fn nelder_mead_polish<P: LsqProblem + ?Sized>(
    prob: &P,
    start: &[f64],
    rel_step: f64,
    max_iter: u64,
) -> Option<(Vec<f64>, f64)> {
    let k = start.len();
    let mut simplex = vec![DVector::from_column_slice(start)];
    for j in 0..k {
        let mut v = DVector::from_column_slice(start);
        v[j] += rel_step * start[j].abs().max(1e-3);
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-14).ok()?;
    let res = Executor::new(NmCost(prob), solver)
        .configure(|s| s.max_iters(max_iter))
        .run()
        .ok()?;
    let st = res.state();
    let best = st.get_best_param()?.as_slice().to_vec();
    let rss = rss_at(prob, &best);
    rss.is_finite().then_some((best, rss))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = a exp(b x), exact data.
    struct Exp {
        x: Vec<f64>,
        y: Vec<f64>,
    }
    impl LsqProblem for Exp {
        fn n_obs(&self) -> usize {
            self.x.len()
        }
        fn n_params(&self) -> usize {
            2
        }
        fn residuals(&self, p: &[f64], r: &mut [f64]) -> bool {
            for i in 0..self.x.len() {
                r[i] = self.y[i] - p[0] * (p[1] * self.x[i]).exp();
            }
            r.iter().all(|v| v.is_finite())
        }
        fn jacobian(&self, p: &[f64], j: &mut [f64]) -> bool {
            for i in 0..self.x.len() {
                let e = (p[1] * self.x[i]).exp();
                j[2 * i] = e;
                j[2 * i + 1] = p[0] * self.x[i] * e;
            }
            true
        }
    }

    /// The same model with second-order terms: Newton steps near the optimum.
    struct ExpNewton(Exp);
    impl LsqProblem for ExpNewton {
        fn n_obs(&self) -> usize {
            self.0.n_obs()
        }
        fn n_params(&self) -> usize {
            2
        }
        fn residuals(&self, p: &[f64], r: &mut [f64]) -> bool {
            self.0.residuals(p, r)
        }
        fn jacobian(&self, p: &[f64], j: &mut [f64]) -> bool {
            self.0.jacobian(p, j)
        }
        fn jacobian_second_order(
            &self,
            p: &[f64],
            r: &[f64],
            j: &mut [f64],
            s: &mut [f64],
        ) -> Option<bool> {
            self.0.jacobian(p, j);
            s.fill(0.0);
            for (i, &x) in self.0.x.iter().enumerate() {
                let e = (p[1] * x).exp();
                // d2f/da2 = 0, d2f/dadb = x e, d2f/db2 = a x^2 e
                s[1] += r[i] * x * e;
                s[3] += r[i] * p[0] * x * x * e;
            }
            s[2] = s[1];
            Some(s.iter().all(|v| v.is_finite()))
        }
    }

    #[test]
    fn newton_steps_reach_the_same_optimum_and_exact_hessian() {
        // noisy data: a non-zero-residual problem, where Gauss-Newton converges linearly
        let x: Vec<f64> = (0..12).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| 2.5 * (-0.3 * v).exp() + 0.05 * if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let plain = Exp { x, y };
        let gn = levenberg_marquardt(&plain, &[1.0, -0.1], &LmOptions::default());
        let newton_prob = ExpNewton(plain);
        let mut ws = LmWorkspace::new();
        let nt = levenberg_marquardt_in(&newton_prob, &[1.0, -0.1], &LmOptions::default(), &mut ws);
        assert!(gn.stop.converged() && nt.stop.converged(), "{gn:?} {nt:?}");
        for k in 0..2 {
            assert!((gn.params[k] - nt.params[k]).abs() < 1e-8, "{gn:?} {nt:?}");
        }
        assert!(nt.iterations <= gn.iterations, "{nt:?} vs {gn:?}");
        // exact Hessian 2 (J'J - S) agrees with the central-difference one
        let exact = rss_hessian(&newton_prob, &nt.params).unwrap();
        let numeric = rss_hessian(&newton_prob.0, &nt.params).unwrap();
        for (a, b) in exact.iter().zip(&numeric) {
            assert!(
                (a - b).abs() < 1e-6 * b.abs().max(1.0),
                "{exact:?} vs {numeric:?}"
            );
        }
    }

    #[test]
    fn recovers_exact_exponential() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y = x.iter().map(|v| 2.5 * (-0.3 * v).exp()).collect();
        let prob = Exp { x, y };
        let res = levenberg_marquardt(&prob, &[1.0, 0.1], &LmOptions::default());
        assert!(res.stop.converged(), "{res:?}");
        assert!((res.params[0] - 2.5).abs() < 1e-9);
        assert!((res.params[1] + 0.3).abs() < 1e-9);
        // Hessian of RSS at an exact fit equals 2 J'J
        let h = rss_hessian(&prob, &res.params).unwrap();
        let mut jac = vec![0.0; 20];
        prob.jacobian(&res.params, &mut jac);
        let jtj00: f64 = (0..10).map(|i| jac[2 * i] * jac[2 * i]).sum();
        assert!((h[0] - 2.0 * jtj00).abs() < 1e-6 * jtj00);
        let (p, rss) = nelder_mead_polish(&prob, &[2.4, -0.29], 0.05, 2000).unwrap();
        assert!(rss < 1e-10, "{p:?} {rss}");
    }
}
