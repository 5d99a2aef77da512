//! Single-agent curves used by Loewe, ZIP and baseline correction: drc's LL.4 on percent
//! inhibition, `f(x) = c + (d - c) / (1 + exp(b * (ln x - ln e)))`, fitted by
//! `platesyn_dose::fit_ll4_drc` (drc-compatible, the default) or `platesyn_dose::fit_curve`
//! (least squares), see [`crate::FitMode`]; this crate does not fit LL.4 itself.

use serde::{Deserialize, Serialize};

/// An LL.4 curve on percent inhibition (drc parameterisation; `(b, c, d)` and `(-b, d, c)`
/// are the same curve).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ll4 {
    /// Slope parameter (drc `b`; negative for a response that rises with dose).
    pub b: f64,
    /// Asymptote reached as `ln x -> -inf` when `b < 0` (at `+inf` when `b > 0`).
    pub c: f64,
    /// The other asymptote.
    pub d: f64,
    /// Inflection dose (> 0), same unit as the doses.
    pub e: f64,
}

/// R's `x ^ y` (`R_pow`) for the cases the Loewe grid can hit: `(-Inf) ^ non-integer` is
/// NaN in R whereas IEEE `pow` gives `+Inf`.
pub(crate) fn r_pow(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY && !(y.is_finite() && y == y.floor()) {
        return f64::NAN;
    }
    x.powf(y)
}

impl Ll4 {
    /// Response (percent inhibition) at dose `x >= 0`; `x = 0` gives the zero-dose limit.
    pub fn predict(&self, x: f64) -> f64 {
        self.with_ln_e().predict_ln(x.ln())
    }

    /// This curve with `ln e` precomputed ([`Ll4Ln::predict_ln`]).
    pub(crate) fn with_ln_e(self) -> Ll4Ln {
        Ll4Ln {
            curve: self,
            ln_e: self.e.ln(),
        }
    }

    /// Response at dose 0.
    pub fn at_zero(&self) -> f64 {
        if self.b > 0.0 { self.d } else { self.c }
    }

    /// Response as dose -> infinity.
    pub fn at_infinity(&self) -> f64 {
        if self.b > 0.0 { self.c } else { self.d }
    }

    /// True when the response rises with dose (an inhibitor on the inhibition scale).
    pub fn is_increasing(&self) -> bool {
        self.at_infinity() > self.at_zero() && self.b != 0.0 && self.e > 0.0
    }

    /// SynergyFinder's inverse: `e * ((d - y) / (y - c)) ^ (1 / b)` with R's arithmetic;
    /// NaN becomes `+Inf` when `y` is above both asymptotes and `0` otherwise.
    pub fn inverse_sf(&self, y: f64) -> f64 {
        let x = self.e * r_pow((self.d - y) / (y - self.c), 1.0 / self.b);
        if x.is_nan() {
            if y > self.c.max(self.d) {
                f64::INFINITY
            } else {
                0.0
            }
        } else {
            x
        }
    }

    /// `self.inverse_sf(y).is_finite()`, without the `pow` call where the result is
    /// certainly finite: a ratio `(d - y) / (y - c)` in `(0, inf)` raised to a finite `1/b`
    /// and times `e`, with binary exponents bounding the result to `(2^-1020, 2^1020)`.
    pub fn inverse_sf_is_finite(&self, y: f64) -> bool {
        let ratio = (self.d - y) / (y - self.c);
        let p = 1.0 / self.b;
        if ratio > 0.0 && ratio < f64::INFINITY && p.is_finite() && self.e > 0.0 {
            // |log2 x| <= |binary exponent| + 1 for a positive finite x (subnormals included:
            // their log2 is above -1075)
            let log2_bound = |x: f64| {
                let e = ((x.to_bits() >> 52) & 0x7ff) as f64;
                if e == 0.0 {
                    1075.0
                } else {
                    (e - 1023.0).abs() + 1.0
                }
            };
            if self.e < f64::INFINITY && p.abs() * log2_bound(ratio) + log2_bound(self.e) < 1020.0 {
                return true;
            }
        }
        self.inverse_sf(y).is_finite()
    }

    /// Dose of this drug alone giving response `y`, for an increasing curve: `0` at or
    /// below the zero-dose response, `+Inf` at or beyond the maximum (the drug cannot reach
    /// `y`, so it contributes no dose equivalent).
    pub fn inverse_exact(&self, y: f64) -> f64 {
        let lo = self.at_zero();
        let hi = self.at_infinity();
        if y <= lo {
            0.0
        } else if y >= hi {
            f64::INFINITY
        } else {
            self.e * ((self.d - y) / (y - self.c)).powf(1.0 / self.b)
        }
    }
}

/// An [`Ll4`] with `ln e` computed once, for predictions at many doses whose `ln` is known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ll4Ln {
    curve: Ll4,
    ln_e: f64,
}

impl Ll4Ln {
    /// [`Ll4::predict`] at the dose whose natural log is `ln_x` (`-inf` for dose 0): the
    /// same operations, so the same value to the bit.
    pub(crate) fn predict_ln(&self, ln_x: f64) -> f64 {
        let f = &self.curve;
        f.c + (f.d - f.c) / (1.0 + (f.b * (ln_x - self.ln_e)).exp())
    }
}

/// A fitted single-agent (or row/column) curve with the fitter's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SingleFit {
    /// The curve (percent inhibition).
    pub curve: Ll4,
    /// False when the dose crate reported a status other than ok (poor or degenerate fit);
    /// scores that depend on the curve are flagged.
    pub ok: bool,
    /// The dose crate's status, as text.
    pub status: String,
    /// Points used.
    pub n_points: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ll4_limits_and_inverses() {
        let f = Ll4 {
            b: -1.5,
            c: 0.0,
            d: 100.0,
            e: 0.3,
        };
        assert_eq!(f.predict(0.0), 0.0);
        assert!((f.predict(0.3) - 50.0).abs() < 1e-12);
        assert!(f.is_increasing());
        let x = f.inverse_exact(80.0);
        assert!((f.predict(x) - 80.0).abs() < 1e-10);
        assert!((f.inverse_sf(80.0) - x).abs() < 1e-12);
        assert_eq!(f.inverse_exact(100.0), f64::INFINITY);
        assert_eq!(f.inverse_sf(120.0), f64::INFINITY);
        assert_eq!(f.inverse_sf(-5.0), 0.0);
        // the mirrored parameterisation is the same curve
        let g = Ll4 {
            b: 1.5,
            c: 100.0,
            d: 0.0,
            e: 0.3,
        };
        assert!((g.predict(0.7) - f.predict(0.7)).abs() < 1e-12);
        assert!((g.inverse_exact(30.0) - f.inverse_exact(30.0)).abs() < 1e-12);
        assert!(r_pow(f64::NEG_INFINITY, 0.5).is_nan());
    }

    #[test]
    fn inverse_sf_finiteness_shortcut_agrees() {
        let curves = [
            Ll4 {
                b: -1.5,
                c: 0.0,
                d: 100.0,
                e: 0.3,
            },
            Ll4 {
                b: 1.5,
                c: 100.0,
                d: 0.0,
                e: 0.3,
            },
            Ll4 {
                b: -0.01,
                c: 5.0,
                d: 60.0,
                e: 1e-6,
            },
            Ll4 {
                b: -2e-3,
                c: -10.0,
                d: 10.0,
                e: 2.0,
            },
            Ll4 {
                b: 0.0,
                c: 0.0,
                d: 50.0,
                e: 1.0,
            },
            Ll4 {
                b: -1.0,
                c: 0.0,
                d: 50.0,
                e: 1e300,
            },
        ];
        for f in curves {
            for k in -300..=300 {
                let y = f64::from(k) * 0.5;
                for y in [y, f.c, f.d, f.c + 1e-12, f.d - 1e-12] {
                    assert_eq!(
                        f.inverse_sf_is_finite(y),
                        f.inverse_sf(y).is_finite(),
                        "{f:?} at {y}"
                    );
                }
            }
        }
    }
}
