//! Dose-response model functions in R drc's parameterization, their derivatives and inverses.
//!
//! Full parameter vector `theta = [b, c, d, ln e, f]` (indices [`B`], [`C`], [`D`], [`LE`],
//! [`F`]). With `t = b (ln x - ln e)` and `u = exp(t)`, every model is
//! `y = c + (d - c) g(t)`:
//! - LL.4 / LL.3 / LL.5: `g = (1 + u)^(-f)` (`f = 1` except LL.5; LL.3 has `c = 0`),
//! - W1.4: `g = exp(-u)`,
//! - W2.4: `g = 1 - exp(-u)`.
//!
//! Dose 0 is the `x -> 0` limit (`t = -inf` for `b > 0`, `+inf` for `b < 0`), never dropped.

use serde::{Deserialize, Serialize};

/// Index of the slope `b` in the full parameter vector.
pub const B: usize = 0;
/// Index of the lower asymptote `c` (response as `g -> 0`).
pub const C: usize = 1;
/// Index of the upper asymptote `d` (response as `g -> 1`).
pub const D: usize = 2;
/// Index of `ln e` (`e` = relative ED50 for LL.4, in dose units).
pub const LE: usize = 3;
/// Index of the LL.5 asymmetry `f` (1 for the other models).
pub const F: usize = 4;
/// Parameter names in full-vector order, as drc names them (`e` stands for `ln e` internally).
pub const PARAM_NAMES: [&str; 5] = ["b", "c", "d", "e", "f"];

/// Which dose-response model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ModelKind {
    /// Four-parameter log-logistic (drc `LL.4`).
    #[default]
    Ll4,
    /// Three-parameter log-logistic, lower limit 0 (drc `LL.3`).
    Ll3,
    /// Five-parameter generalised log-logistic (drc `LL.5`).
    Ll5,
    /// Four-parameter Weibull type 1 (drc `W1.4`).
    W14,
    /// Four-parameter Weibull type 2 (drc `W2.4`).
    W24,
}

impl ModelKind {
    /// Every model.
    pub const ALL: [Self; 5] = [Self::Ll4, Self::Ll3, Self::Ll5, Self::W14, Self::W24];

    /// drc's name (`LL.4`, `LL.3`, `LL.5`, `W1.4`, `W2.4`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ll4 => "LL.4",
            Self::Ll3 => "LL.3",
            Self::Ll5 => "LL.5",
            Self::W14 => "W1.4",
            Self::W24 => "W2.4",
        }
    }

    /// Inverse of [`ModelKind::name`] (case-insensitive, the dot optional).
    pub fn from_name(s: &str) -> Option<Self> {
        let norm = |x: &str| x.replace('.', "").to_ascii_lowercase();
        let s = norm(s.trim());
        Self::ALL.into_iter().find(|m| norm(m.name()) == s)
    }

    /// Which of `[b, c, d, e, f]` the model itself estimates (before user-fixed values).
    pub fn own_free(self) -> [bool; 5] {
        match self {
            Self::Ll4 | Self::W14 | Self::W24 => [true, true, true, true, false],
            Self::Ll3 => [true, false, true, true, false],
            Self::Ll5 => [true; 5],
        }
    }

    /// Log-logistic family (LL.3, LL.4, LL.5).
    pub fn is_log_logistic(self) -> bool {
        matches!(self, Self::Ll4 | Self::Ll3 | Self::Ll5)
    }
}

/// `ln(1 + exp(t))` without overflow.
fn softplus(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// `t = b (ln x - ln e)`, with the `x -> 0` limit. Returns `(t, at_zero)`.
#[inline]
fn t_of(b: f64, le: f64, lx: f64) -> (f64, bool) {
    if lx == f64::NEG_INFINITY {
        let t = if b > 0.0 {
            f64::NEG_INFINITY
        } else if b < 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        (t, true)
    } else {
        (b * (lx - le), false)
    }
}

/// Log-logistic `g = 1 / (1 + exp(t))` and its complement `s = 1 - g`, each accurate in its
/// own tail (one `exp` of `-|t|` and one division). Both are exactly 0 or 1 where they
/// saturate, so products such as `g s` vanish there.
#[inline]
pub(crate) fn ll_g(t: f64) -> (f64, f64) {
    let u = (-t.abs()).exp();
    let inv = 1.0 / (1.0 + u);
    if t > 0.0 {
        (u * inv, inv)
    } else {
        (inv, u * inv)
    }
}

/// `g(t)` and `dg/dt`, `dg/df` for model `kind` (asymmetry `f`).
#[inline]
fn g_and_derivs(kind: ModelKind, t: f64, f: f64) -> (f64, f64, f64) {
    match kind {
        ModelKind::Ll4 | ModelKind::Ll3 => {
            let (g, s) = ll_g(t);
            (g, -g * s, 0.0)
        }
        ModelKind::Ll5 => {
            let sp = softplus(t);
            let g = (-f * sp).exp();
            let s = if t > 0.0 {
                1.0 / (1.0 + (-t).exp())
            } else {
                let u = t.exp();
                u / (1.0 + u)
            };
            let dgdt = if g == 0.0 { 0.0 } else { -f * g * s };
            let dgdf = if g == 0.0 { 0.0 } else { -sp * g };
            (g, dgdt, dgdf)
        }
        ModelKind::W14 => {
            let u = t.exp();
            let g = (-u).exp();
            let dgdt = if g == 0.0 || u == 0.0 { 0.0 } else { -u * g };
            (g, dgdt, 0.0)
        }
        ModelKind::W24 => {
            let u = t.exp();
            let em = (-u).exp();
            let g = -(-u).exp_m1();
            let dgdt = if em == 0.0 || u == 0.0 { 0.0 } else { u * em };
            (g, dgdt, 0.0)
        }
    }
}

/// Second derivatives of `g` for model `kind` at finite or infinite `t`: `(g_tt, g_tf, g_ff)`
/// (zero wherever `g` is saturated at 0 or 1 in floating point).
#[inline]
fn g_second(kind: ModelKind, t: f64, f: f64) -> (f64, f64, f64) {
    match kind {
        ModelKind::Ll4 | ModelKind::Ll3 => {
            // g = 1/(1+u): g_t = -g s, g_tt = g s (1 - 2 g) with s = 1 - g
            let (g, s) = ll_g(t);
            (g * s * (1.0 - 2.0 * g), 0.0, 0.0)
        }
        ModelKind::Ll5 => {
            // G = exp(-f sp(t)), s = sigmoid(t): G_tt = f G s (f s - (1 - s)),
            // G_tf = G s (f sp - 1), G_ff = sp^2 G
            let sp = softplus(t);
            let g = (-f * sp).exp();
            if g == 0.0 || !t.is_finite() {
                return (0.0, 0.0, 0.0);
            }
            let s = if t > 0.0 {
                1.0 / (1.0 + (-t).exp())
            } else {
                let u = t.exp();
                u / (1.0 + u)
            };
            (
                f * g * s * (f * s - (1.0 - s)),
                g * s * (f * sp - 1.0),
                sp * sp * g,
            )
        }
        ModelKind::W14 => {
            // g = exp(-u): g_tt = u g (u - 1)
            let u = t.exp();
            let g = (-u).exp();
            if g == 0.0 || u == 0.0 {
                (0.0, 0.0, 0.0)
            } else {
                (u * g * (u - 1.0), 0.0, 0.0)
            }
        }
        ModelKind::W24 => {
            // g = 1 - exp(-u): g_tt = u exp(-u) (1 - u)
            let u = t.exp();
            let em = (-u).exp();
            if em == 0.0 || u == 0.0 {
                (0.0, 0.0, 0.0)
            } else {
                (u * em * (1.0 - u), 0.0, 0.0)
            }
        }
    }
}

/// Response, gradient and Hessian (row-major 5x5, symmetric) with respect to the full
/// `theta = [b, c, d, ln e, f]` at `ln x` (pass `f64::NEG_INFINITY` for dose 0).
///
/// With `A = d - c`, `L = ln x - ln e`, `t = b L`: `f_bb = A g_tt L^2`,
/// `f_b,ln e = -A (g_tt b L + g_t)`, `f_ln e,ln e = A g_tt b^2`, `f_bc = -g_t L`,
/// `f_bd = g_t L`, `f_c,ln e = g_t b`, `f_d,ln e = -g_t b`, and for LL.5 the `f` row from
/// `g_f`, `g_tf`, `g_ff`; `f_cc = f_cd = f_dd = 0`.
#[inline]
#[allow(clippy::needless_range_loop)] // symmetric fill of a 5x5 array
pub fn response_grad_hess(
    kind: ModelKind,
    theta: &[f64; 5],
    lx: f64,
) -> (f64, [f64; 5], [[f64; 5]; 5]) {
    let (t, at_zero) = t_of(theta[B], theta[LE], lx);
    let ((g, gt, gf), second) = if matches!(kind, ModelKind::Ll4 | ModelKind::Ll3) {
        // one exp for g and its t-derivatives: g_t = -g s, g_tt = g s (1 - 2 g)
        let (g, s) = ll_g(t);
        let gtt = g * s * (1.0 - 2.0 * g);
        ((g, -g * s, 0.0), Some((gtt, 0.0, 0.0)))
    } else {
        (g_and_derivs(kind, t, theta[F]), None)
    };
    let amp = theta[D] - theta[C];
    let mut h = [[0.0; 5]; 5];
    let y = theta[C] + amp * g;
    let gf_full = if kind == ModelKind::Ll5 { gf } else { 0.0 };
    if at_zero {
        // g is the constant limit: only c and d (and f through g_f) move the response
        let grad = [0.0, 1.0 - g, g, 0.0, amp * gf_full];
        if kind == ModelKind::Ll5 {
            let (_, _, gff) = g_second(kind, t, theta[F]);
            h[F][F] = amp * gff;
            h[C][F] = -gf_full;
            h[F][C] = -gf_full;
            h[D][F] = gf_full;
            h[F][D] = gf_full;
        }
        return (y, grad, h);
    }
    let l = lx - theta[LE];
    let b = theta[B];
    let (gtt, gtf, gff) = second.unwrap_or_else(|| g_second(kind, t, theta[F]));
    let grad = [amp * gt * l, 1.0 - g, g, -amp * gt * b, amp * gf_full];
    h[B][B] = amp * gtt * l * l;
    h[B][C] = -gt * l;
    h[B][D] = gt * l;
    h[B][LE] = -amp * (gtt * b * l + gt);
    h[C][LE] = gt * b;
    h[D][LE] = -gt * b;
    h[LE][LE] = amp * gtt * b * b;
    if kind == ModelKind::Ll5 {
        h[B][F] = amp * gtf * l;
        h[C][F] = -gf;
        h[D][F] = gf;
        h[LE][F] = -amp * gtf * b;
        h[F][F] = amp * gff;
    }
    for i in 0..5 {
        for j in 0..i {
            h[i][j] = h[j][i];
        }
    }
    (y, grad, h)
}

/// `g` at `ln x` for full parameters `theta`.
#[inline]
pub fn g_at(kind: ModelKind, theta: &[f64; 5], lx: f64) -> f64 {
    let (t, _) = t_of(theta[B], theta[LE], lx);
    g_and_derivs(kind, t, theta[F]).0
}

/// Model response at `ln x` (pass `f64::NEG_INFINITY` for dose 0).
#[inline]
pub fn response_at(kind: ModelKind, theta: &[f64; 5], lx: f64) -> f64 {
    theta[C] + (theta[D] - theta[C]) * g_at(kind, theta, lx)
}

/// Response and its gradient with respect to the full `theta` at `ln x`.
#[inline]
pub fn response_and_grad(kind: ModelKind, theta: &[f64; 5], lx: f64) -> (f64, [f64; 5]) {
    let (t, at_zero) = t_of(theta[B], theta[LE], lx);
    let (g, dgdt, dgdf) = g_and_derivs(kind, t, theta[F]);
    let amp = theta[D] - theta[C];
    let (db, dle) = if at_zero || dgdt == 0.0 {
        (0.0, 0.0)
    } else {
        (amp * dgdt * (lx - theta[LE]), -amp * dgdt * theta[B])
    };
    (theta[C] + amp * g, [db, 1.0 - g, g, dle, amp * dgdf])
}

/// `g` as `x -> 0` (0 or 1; 0.5 when `b = 0`).
pub fn g_at_zero(kind: ModelKind, theta: &[f64; 5]) -> f64 {
    g_at(kind, theta, f64::NEG_INFINITY)
}

/// `u = exp(t)` solving `g(t) = g_target` (`None` unless `0 < g_target < 1`).
pub fn u_for_g(kind: ModelKind, theta: &[f64; 5], g_target: f64) -> Option<f64> {
    if !(g_target > 0.0 && g_target < 1.0) {
        return None;
    }
    let u = match kind {
        ModelKind::Ll4 | ModelKind::Ll3 => (1.0 - g_target) / g_target,
        ModelKind::Ll5 => {
            if theta[F] <= 0.0 {
                return None;
            }
            (-g_target.ln() / theta[F]).exp_m1()
        }
        ModelKind::W14 => -g_target.ln(),
        ModelKind::W24 => -(-g_target).ln_1p(),
    };
    (u > 0.0 && u.is_finite()).then_some(u)
}

/// `ln x` at which `g = g_target` (`None` when `b = 0` or out of range).
pub fn log_dose_for_g(kind: ModelKind, theta: &[f64; 5], g_target: f64) -> Option<f64> {
    if theta[B] == 0.0 || !theta[B].is_finite() {
        return None;
    }
    let u = u_for_g(kind, theta, g_target)?;
    let lx = theta[LE] + u.ln() / theta[B];
    lx.is_finite().then_some(lx)
}

/// Mean of `g` over `ln x` in `[l0, l1]` (`l0 < l1`): closed form for LL.3/LL.4, composite
/// Simpson with 256 intervals otherwise.
pub fn mean_g(kind: ModelKind, theta: &[f64; 5], l0: f64, l1: f64) -> f64 {
    let b = theta[B];
    if matches!(kind, ModelKind::Ll4 | ModelKind::Ll3) && b != 0.0 {
        // integral of 1/(1 + exp(b (l - le))) dl = l - softplus(b (l - le)) / b
        let anti = |l: f64| l - softplus(b * (l - theta[LE])) / b;
        return (anti(l1) - anti(l0)) / (l1 - l0);
    }
    let m = 256;
    let h = (l1 - l0) / f64::from(m);
    let mut s = g_at(kind, theta, l0) + g_at(kind, theta, l1);
    for i in 1..m {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        s += w * g_at(kind, theta, l0 + h * f64::from(i));
    }
    s * h / 3.0 / (l1 - l0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ll4_values_and_limits() {
        let th = [2.0, 1.0, 9.0, 2f64.ln(), 1.0];
        // at x = e the response is the midpoint
        assert!((response_at(ModelKind::Ll4, &th, 2f64.ln()) - 5.0).abs() < 1e-12);
        // x = 0 gives d for b > 0, c for b < 0
        assert_eq!(response_at(ModelKind::Ll4, &th, f64::NEG_INFINITY), 9.0);
        let neg = [-2.0, 1.0, 9.0, 2f64.ln(), 1.0];
        assert_eq!(response_at(ModelKind::Ll4, &neg, f64::NEG_INFINITY), 1.0);
        // x = 4 = 2e: 1 + 8/(1+4) = 2.6
        assert!((response_at(ModelKind::Ll4, &th, 4f64.ln()) - 2.6).abs() < 1e-12);
    }

    #[test]
    fn gradients_match_finite_differences() {
        for kind in ModelKind::ALL {
            let th = [1.7, 0.4, 7.5, 1.1, 0.8];
            let lx = 0.6;
            let (_, grad) = response_and_grad(kind, &th, lx);
            for k in 0..5 {
                let mut p = th;
                let h = 1e-6;
                p[k] += h;
                let up = response_at(kind, &p, lx);
                p[k] -= 2.0 * h;
                let dn = response_at(kind, &p, lx);
                let fd = (up - dn) / (2.0 * h);
                assert!(
                    (fd - grad[k]).abs() < 1e-6,
                    "{kind:?} {k}: {fd} vs {}",
                    grad[k]
                );
            }
        }
    }

    #[test]
    fn hessians_match_finite_differences() {
        for kind in ModelKind::ALL {
            for (th, lx) in [
                ([1.7, 0.4, 7.5, 1.1, 0.8], 0.6),
                ([-2.3, 9.0, 1.5, -0.4, 1.3], -1.2),
                ([0.9, 0.0, 100.0, 2.0, 1.0], f64::NEG_INFINITY),
            ] {
                let (y, grad, h) = response_grad_hess(kind, &th, lx);
                let (y0, g0) = response_and_grad(kind, &th, lx);
                assert!((y - y0).abs() < 1e-12 * y0.abs().max(1.0), "{kind:?}");
                for k in 0..5 {
                    assert!((grad[k] - g0[k]).abs() < 1e-12 * g0[k].abs().max(1.0));
                }
                for k in 0..5 {
                    let hstep = 1e-6;
                    let mut p = th;
                    p[k] += hstep;
                    let (_, up) = response_and_grad(kind, &p, lx);
                    p[k] -= 2.0 * hstep;
                    let (_, dn) = response_and_grad(kind, &p, lx);
                    for j in 0..5 {
                        let fd = (up[j] - dn[j]) / (2.0 * hstep);
                        assert!(
                            (fd - h[j][k]).abs() < 1e-5 * fd.abs().max(1.0),
                            "{kind:?} lx {lx} d2/d{j}d{k}: fd {fd} vs {}",
                            h[j][k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn inverse_and_mean() {
        for kind in ModelKind::ALL {
            let th = [1.3, 0.0, 1.0, 0.5, 0.7];
            let lx = log_dose_for_g(kind, &th, 0.3).unwrap();
            assert!((g_at(kind, &th, lx) - 0.3).abs() < 1e-12, "{kind:?}");
        }
        // closed-form LL.4 mean agrees with Simpson (via LL.5 with f = 1)
        let th = [3.0, 0.0, 1.0, 0.2, 1.0];
        let a = mean_g(ModelKind::Ll4, &th, -3.0, 2.0);
        let b = mean_g(ModelKind::Ll5, &th, -3.0, 2.0);
        assert!((a - b).abs() < 1e-8, "{a} {b}");
    }
}
