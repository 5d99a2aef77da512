//! Number formatting shared by tables, figures and the HTML report.
//!
//! Two formats, each deterministic:
//! - [`format_float_exact`] — the shortest string that parses back to the same `f64`
//!   (Rust's `{:?}`): `0.1`, `100.0`, `1e-7`, `1.5e16`, `NaN`, `inf`, `-inf`. Used in CSV files.
//! - [`format_float_display`] — a fixed number of significant digits for people (figures, HTML).

/// Shortest round-trip representation of `v` (Rust's `Debug` for `f64`).
///
/// Integers keep a trailing `.0` so a reader infers a float column; magnitudes below `1e-4` or
/// from `1e16` up use exponent notation (`1e-7`); non-finite values are `NaN`, `inf`, `-inf`.
/// Same bytes as `format!("{v:?}")` (see [`write_float_exact`]).
pub fn format_float_exact(v: f64) -> String {
    let mut buf = Vec::with_capacity(24);
    write_float_exact(&mut buf, v);
    // only ASCII digits, signs, '.', 'e', "NaN" and "inf" are written
    String::from_utf8(buf).unwrap_or_default()
}

/// Binary exponent below which a finite `f64` (mantissa made odd) cannot sit exactly halfway
/// between two shortest decimal candidates: a tie needs `v = (2d + 1) 10^k / 2` with `d` of at
/// most 17 digits, so `v`'s odd mantissa times `2^e` must have `e >= -25`. Kept with a margin.
const NO_TIE_BELOW_EXP: i32 = -30;

/// Appends [`format_float_exact`]`(v)` to `buf`: byte for byte `format!("{v:?}")`, without the
/// formatting machinery on the common path.
///
/// Common path (`1e-4 <= |v| < 1e16`, i.e. plain decimal notation, and `v` not a short binary
/// fraction): the `zmij` shortest round-trip digits, which are laid out as Rust's `Debug` in
/// that range. Both algorithms give the shortest digits that parse back to `v` and, among those,
/// the closest to `v`; they differ only on exact ties (zmij rounds half to even, Rust half up),
/// which need `v`'s binary exponent at or above [`NO_TIE_BELOW_EXP`]. Zero is written directly;
/// every other value (ties possible, exponent notation, NaN, infinities) goes through
/// `{v:?}` itself.
pub fn write_float_exact(buf: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased != 0 && biased != 0x7ff && (1e-4..1e16).contains(&v.abs()) {
        let mantissa = (bits & ((1_u64 << 52) - 1)) | (1_u64 << 52);
        // v = odd * 2^exp
        let exp = biased - 1075 + mantissa.trailing_zeros() as i32;
        if exp < NO_TIE_BELOW_EXP {
            buf.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
            return;
        }
    }
    if v == 0.0 {
        buf.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    // writing to a Vec cannot fail
    let _ = write!(buf, "{v:?}");
}

/// Appends the decimal digits of `x` (`-12`, `0`) to `buf`: `format!("{x}")` without the
/// formatting machinery.
pub fn write_i64(buf: &mut Vec<u8>, x: i64) {
    let mut digits = [0_u8; 20];
    let mut n = x.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if x < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&digits[i..]);
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

    /// Values around every boundary of [`write_float_exact`]: zero, the `1e-4` and `1e16`
    /// notation switches, subnormals, integers, powers of ten, exact ties, non-finite values.
    fn edge_values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            5e-324,
            -5e-324,
            1e-323,
            2.225_073_858_507_200_4e-308,
            0.1,
            0.3,
            100.0,
            1.0 / 3.0,
            // exact ties: zmij rounds these half to even, Rust half up
            1_500_000_000_000_000.2,
            1_500_000_000_000_000.4,
            233_115_890_514_796.12,
            5.444_310_685_350_916e14,
        ];
        for base in [
            1e-4_f64,
            1e-5,
            1e15,
            1e16,
            1e22,
            1e23,
            1.0,
            9_007_199_254_740_992.0,
        ] {
            for x in [base, -base] {
                v.extend([x, x.next_up(), x.next_down()]);
            }
        }
        for e in -325..=308 {
            let p: f64 = format!("1e{e}").parse().unwrap();
            v.extend([p, p.next_up(), p.next_down(), -1.5 * p]);
        }
        for i in 0..2000_i32 {
            v.extend([f64::from(i), f64::from(i) / 8.0, f64::from(i) * 0.01]);
        }
        v
    }

    fn exact(v: f64) -> String {
        let mut buf = Vec::new();
        write_float_exact(&mut buf, v);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn exact_equals_debug_on_edge_values() {
        for v in edge_values() {
            assert_eq!(exact(v), format!("{v:?}"), "bits {:#018x}", v.to_bits());
            assert_eq!(format_float_exact(v), format!("{v:?}"));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(20_000))]

        #[test]
        fn exact_equals_debug_on_any_bits(bits in proptest::num::u64::ANY) {
            let v = f64::from_bits(bits);
            proptest::prop_assert_eq!(exact(v), format!("{v:?}"));
        }

        #[test]
        fn exact_equals_debug_on_short_binary_fractions(
            m in 0_u64..(1 << 53),
            zeros in 0_u32..53,
            e in -80_i32..80,
            neg in proptest::bool::ANY,
        ) {
            // mantissas with trailing zero bits: where exact decimal ties live
            let v = (m >> zeros << zeros) as f64 * 2_f64.powi(e) * if neg { -1.0 } else { 1.0 };
            proptest::prop_assert_eq!(exact(v), format!("{v:?}"));
        }

        #[test]
        fn exact_equals_debug_on_plain_decimals(x in -1e6_f64..1e6) {
            proptest::prop_assert_eq!(exact(x), format!("{x:?}"));
            proptest::prop_assert_eq!(exact(x * 1e-3), format!("{:?}", x * 1e-3));
        }

        #[test]
        fn integers_equal_display(x in proptest::num::i64::ANY) {
            let mut buf = Vec::new();
            write_i64(&mut buf, x);
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), x.to_string());
        }
    }

    #[test]
    fn integer_edges() {
        for x in [0, 1, -1, 9, 10, -10, i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            write_i64(&mut buf, x);
            assert_eq!(String::from_utf8(buf).unwrap(), x.to_string());
        }
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
