//! Colour scales used by the figures.

use plotters::style::RGBColor;

/// ColorBrewer RdBu anchors, from strong blue (negative) through near-white (0) to strong red.
const RDBU: [(u8, u8, u8); 7] = [
    (33, 102, 172),
    (103, 169, 207),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (239, 138, 98),
    (178, 24, 43),
];

/// Viridis anchors (matplotlib), dark purple (low) to yellow (high).
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Grey for wells or cells without a value.
pub const MISSING: RGBColor = RGBColor(205, 205, 205);

/// Ten distinct series colours (Tableau 10).
pub const SERIES: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn interpolate(anchors: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.5 } else { t.clamp(0.0, 1.0) };
    let n = anchors.len() - 1;
    let pos = t * n as f64;
    let i = (pos.floor() as usize).min(n - 1);
    let f = pos - i as f64;
    let (a, b) = (anchors[i], anchors[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Diverging colour for `value` on a symmetric scale `[-limit, limit]`: blue for negative
/// (antagonism), near-white at 0, red for positive (synergy); values beyond the limit saturate.
pub fn diverging(value: f64, limit: f64) -> RGBColor {
    let limit = if limit > 0.0 && limit.is_finite() {
        limit
    } else {
        1.0
    };
    interpolate(&RDBU, 0.5 + 0.5 * value / limit)
}

/// Sequential (viridis) colour for `value` on `[lo, hi]`; outside values saturate; a degenerate
/// range (`lo == hi`) maps everything to the middle colour.
pub fn sequential(value: f64, lo: f64, hi: f64) -> RGBColor {
    let span = hi - lo;
    let t = if span > 0.0 { (value - lo) / span } else { 0.5 };
    interpolate(&VIRIDIS, t)
}

/// Black or white, whichever reads better on `bg` (relative luminance threshold 0.45).
pub fn text_on(bg: RGBColor) -> RGBColor {
    let lum =
        (0.2126 * f64::from(bg.0) + 0.7152 * f64::from(bg.1) + 0.0722 * f64::from(bg.2)) / 255.0;
    if lum > 0.45 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(255, 255, 255)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_is_centred_and_signed() {
        assert_eq!(diverging(0.0, 10.0), RGBColor(247, 247, 247));
        assert_eq!(diverging(-10.0, 10.0), RGBColor(33, 102, 172));
        assert_eq!(diverging(10.0, 10.0), RGBColor(178, 24, 43));
        assert_eq!(diverging(25.0, 10.0), RGBColor(178, 24, 43));
        let pos = diverging(5.0, 10.0);
        let neg = diverging(-5.0, 10.0);
        assert!(pos.0 > pos.2, "positive is red: {pos:?}");
        assert!(neg.2 > neg.0, "negative is blue: {neg:?}");
    }

    #[test]
    fn sequential_ends_and_degenerate() {
        assert_eq!(sequential(0.0, 0.0, 1.0), RGBColor(68, 1, 84));
        assert_eq!(sequential(1.0, 0.0, 1.0), RGBColor(253, 231, 37));
        assert_eq!(sequential(3.0, 3.0, 3.0), sequential(0.5, 0.0, 1.0));
    }

    #[test]
    fn text_contrast() {
        assert_eq!(text_on(RGBColor(253, 231, 37)), RGBColor(0, 0, 0));
        assert_eq!(text_on(RGBColor(68, 1, 84)), RGBColor(255, 255, 255));
    }
}
