//! Number formatting shared by tables, figures and the HTML report.
//!
//! Two formats, each deterministic:
//! - [`format_float_exact`] — the shortest string that parses back to the same `f64`
//!   (Rust's `{:?}`): `0.1`, `100.0`, `1e-7`, `1.5e16`, `NaN`, `inf`, `-inf`. Used in CSV files.
//! - [`format_float_display`] — a fixed number of significant digits for people (figures, HTML).

/// Shortest round-trip representation of `v` (Rust's `Debug` for `f64`).
///
/// Integers keep a trailing `.0` so a reader infers a float column; magnitudes below `1e-5` or
/// from `1e16` up use exponent notation (`1e-7`); non-finite values are `NaN`, `inf`, `-inf`.
pub fn format_float_exact(v: f64) -> String {
    format!("{v:?}")
}

/// `v` rounded to `sig` significant digits (at least 1) for display.
///
/// Plain decimal notation for `1e-3 <= |v| < 1e6`, exponent notation (`1.23e-5`) outside,
/// `0` for zero, trailing zeros trimmed (`0.5`, not `0.5000`); non-finite values as `NaN`,
/// `inf`, `-inf`. Negative zero prints as `0`.
pub fn format_float_display(v: f64, sig: usize) -> String {
    let sig = sig.max(1);
    if !v.is_finite() {
        return format!("{v:?}");
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        let s = format!("{:.*e}", sig - 1, v);
        // Trim zeros in the mantissa: 1.500e-5 -> 1.5e-5.
        if let Some((mant, exp)) = s.split_once('e') {
            return format!("{}e{exp}", trim_zeros(mant));
        }
        return s;
    }
    let magnitude = a.log10().floor() as i32;
    let decimals = (sig as i32 - 1 - magnitude).max(0) as usize;
    let s = format!("{v:.decimals$}");
    let s = trim_zeros(&s);
    if s == "-0" { "0".to_string() } else { s }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_round_trips() {
        for v in [0.1, 1.0 / 3.0, 100.0, 1e-7, 1.5e16, -2.5, 6.02e23, 5e-324] {
            let s = format_float_exact(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(format_float_exact(100.0), "100.0");
        assert_eq!(format_float_exact(1e-7), "1e-7");
        assert_eq!(format_float_exact(f64::NAN), "NaN");
        assert_eq!(format_float_exact(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn display_significant_digits() {
        assert_eq!(format_float_display(12.3456, 3), "12.3");
        assert_eq!(format_float_display(0.5, 3), "0.5");
        assert_eq!(format_float_display(-0.012_345, 2), "-0.012");
        assert_eq!(format_float_display(1234.0, 3), "1234");
        assert_eq!(format_float_display(0.0, 3), "0");
        assert_eq!(format_float_display(-0.0001, 2), "-1e-4");
        assert_eq!(format_float_display(2.5e-5, 3), "2.5e-5");
        assert_eq!(format_float_display(3.0e7, 3), "3e7");
        assert_eq!(format_float_display(-0.0004, 1), "-4e-4");
        assert_eq!(format_float_display(f64::INFINITY, 3), "inf");
        assert_eq!(format_float_display(99.96, 3), "100");
    }
}
