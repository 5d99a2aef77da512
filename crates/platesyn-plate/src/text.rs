//! Text decoding, delimiter sniffing and value tokens shared by every text parser.

use std::borrow::Cow;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::model::{Flag, Value};

/// The encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (with or without BOM).
    Utf8,
    /// UTF-16 little-endian with BOM.
    Utf16Le,
    /// UTF-16 big-endian with BOM.
    Utf16Be,
    /// Windows-1252 (the fallback for bytes that are not valid UTF-8).
    Windows1252,
}

/// Decode file bytes to text: UTF-8 with or without BOM, UTF-16LE/BE with BOM,
/// else Windows-1252. Returns `None` for binary content (NUL bytes without a UTF-16 BOM,
/// or mostly control characters). See [`decode_borrowed`] for the copy-free variant.
pub fn decode(bytes: &[u8]) -> Option<(String, TextEncoding)> {
    decode_borrowed(bytes).map(|(text, enc)| (text.into_owned(), enc))
}

/// [`decode`] without copying valid UTF-8: the text borrows `bytes` (after any UTF-8 BOM)
/// and is owned only when it had to be converted (UTF-16, Windows-1252).
pub fn decode_borrowed(bytes: &[u8]) -> Option<(Cow<'_, str>, TextEncoding)> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Some(match std::str::from_utf8(rest) {
            Ok(s) => (Cow::Borrowed(s), TextEncoding::Utf8),
            Err(_) => (
                WINDOWS_1252.decode_without_bom_handling(rest).0,
                TextEncoding::Windows1252,
            ),
        });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let (cow, _) = UTF_16LE.decode_without_bom_handling(&bytes[2..]);
        return Some((Cow::Owned(cow.into_owned()), TextEncoding::Utf16Le));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let (cow, _) = UTF_16BE.decode_without_bom_handling(&bytes[2..]);
        return Some((Cow::Owned(cow.into_owned()), TextEncoding::Utf16Be));
    }
    if looks_binary(bytes) {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), TextEncoding::Utf8),
        Err(_) => (
            WINDOWS_1252.decode_without_bom_handling(bytes).0,
            TextEncoding::Windows1252,
        ),
    })
}

/// NUL bytes, or more than 10 % control characters other than tab/CR/LF/FF in the first 8 KiB.
pub fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    // one branch-free pass in chunks of at most 255 bytes with `u8` counters, which the
    // compiler vectorizes: NUL bytes, and bytes below 0x20 other than tab, LF, FF and CR
    let mut control = 0usize;
    for chunk in head.chunks(255) {
        let (nul, ctrl) = chunk.iter().fold((0u8, 0u8), |(nul, ctrl), &b| {
            let is_control = b < 0x20 && b != b'\t' && b != b'\n' && b != 0x0C && b != b'\r';
            (nul | u8::from(b == 0), ctrl + u8::from(is_control))
        });
        if nul != 0 {
            return true;
        }
        control += usize::from(ctrl);
    }
    control * 10 > head.len()
}

/// Whether `bytes` hold a CR that is not the first half of a CRLF (a lone CR line break).
fn has_lone_cr(bytes: &[u8]) -> bool {
    // branch-free over pairs, in chunks, so that the compiler vectorizes it
    const CHUNK: usize = 256;
    let Some((&last, _)) = bytes.split_last() else {
        return false;
    };
    let pairs = bytes.len() - 1;
    let mut i = 0;
    while i < pairs {
        let n = CHUNK.min(pairs - i);
        let a = &bytes[i..i + n];
        let b = &bytes[i + 1..=i + n];
        let lone = a.iter().zip(b).fold(0u8, |acc, (&x, &y)| {
            acc | u8::from(x == b'\r' && y != b'\n')
        });
        if lone != 0 {
            return true;
        }
        i += n;
    }
    last == b'\r'
}

/// Split text into lines, accepting LF, CRLF and lone CR.
pub fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / 48 + 1);
    if has_lone_cr(text.as_bytes()) {
        out.extend(line_iter(text));
    } else {
        // every CR ends a CRLF: split at LF and drop the CR before it
        out.extend(text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)));
    }
    out
}

/// The lines of `text` as [`lines`] gives them, without collecting them.
pub fn line_iter(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|l| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        l.split('\r')
    })
}

/// Pick the field delimiter among tab, comma and semicolon by looking at many lines:
/// the candidate that splits the most non-empty lines into a consistent number (>1) of
/// fields wins. Returns `None` when no candidate splits any line.
pub fn sniff_delimiter(lines: &[&str]) -> Option<u8> {
    let sample: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .take(200)
        .collect();
    let mut best: Option<(u8, usize)> = None;
    for delim in [b'\t', b';', b','] {
        let c = char::from(delim);
        let mut counts = std::collections::HashMap::<usize, usize>::new();
        for l in &sample {
            let n = l.matches(c).count();
            if n > 0 {
                *counts.entry(n).or_default() += 1;
            }
        }
        // score: lines sharing the most common non-zero field count, plus all lines split at all
        let split_lines: usize = counts.values().sum();
        let modal = counts.values().copied().max().unwrap_or(0);
        let score = modal * 2 + split_lines;
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((delim, score));
        }
    }
    best.map(|(d, _)| d)
}

/// Split one line on `delim`, honouring double quotes (`"a,b"` is one field, `""` an escaped quote).
pub fn split_fields(line: &str, delim: u8) -> Vec<String> {
    let delim = char::from(delim);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_quotes {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(ch);
            }
        } else if ch == '"' && cur.trim().is_empty() {
            cur.clear();
            in_quotes = true;
        } else if ch == delim {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
    }
    out.push(cur);
    out
}

/// Powers of ten that are exact in an `f64` (up to 10^15, the longest fast-path fraction).
pub(crate) const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Fast path for plain decimals (`-?digits[.digits]`, at most 15 digits in all): the digits
/// form an integer below 2^53 and the divisor 10^k is exact, so one IEEE division gives the
/// correctly rounded value, the same double `str::parse::<f64>` returns. Anything else
/// (exponents, more digits, `,` decimals) returns `None` and takes the general path.
pub fn fast_decimal(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let mut m: u64 = 0;
    let mut nd = 0usize;
    let mut frac = 0usize;
    let mut dot = false;
    for &c in digits {
        if c.is_ascii_digit() {
            m = m * 10 + u64::from(c - b'0');
            nd += 1;
            frac += usize::from(dot);
            if nd > 15 {
                return None;
            }
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
    }
    if nd == 0 {
        return None;
    }
    let v = m as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

/// Parse a number as exports write it: `0.123`, `1.2E-03`, `-0`, and with `decimal_comma`
/// also `0,123`. Surrounding whitespace allowed. Returns `None` for anything else.
pub fn parse_number(token: &str, decimal_comma: bool) -> Option<f64> {
    let t = token.trim();
    if let Some(x) = fast_decimal(t) {
        return Some(x);
    }
    if t.is_empty() {
        return None;
    }
    let owned;
    let t = if decimal_comma && t.contains(',') && !t.contains('.') {
        owned = t.replacen(',', ".", 1);
        owned.as_str()
    } else {
        t
    };
    let ok = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !ok {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The flag a special token stands for, if it is one (case-insensitive):
/// `OVRFLW`/`OVER`/`Sat`/`Saturated`/`Overflow` -> overflow, `MISSED` -> missed,
/// `?????` -> calc_failed, `<...` -> out_of_range_low, `>...` -> out_of_range_high,
/// `Masked` -> masked, `NaN` -> nan, empty -> empty.
pub fn flag_token(token: &str) -> Option<Flag> {
    let t = token.trim();
    if t.is_empty() {
        return Some(Flag::Empty);
    }
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "ovrflw" | "over" | "sat" | "saturated" | "overflow" | "ovflw" => Some(Flag::Overflow),
        "missed" => Some(Flag::Missed),
        "masked" => Some(Flag::Masked),
        "nan" | "n/a" | "#n/a" | "na" => Some(Flag::Nan),
        "range" | "out of range" => Some(Flag::OutOfRangeHigh),
        _ if !t.is_empty() && t.bytes().all(|b| b == b'?') => Some(Flag::CalcFailed),
        _ if t.starts_with('<') => Some(Flag::OutOfRangeLow),
        _ if t.starts_with('>') => Some(Flag::OutOfRangeHigh),
        _ => None,
    }
}

/// A cell's value: a number, or the flag its token stands for; `None` for junk
/// (the caller reports it with file, line and well).
pub fn parse_value(token: &str, decimal_comma: bool) -> Option<Value> {
    if let Some(x) = parse_number(token, decimal_comma) {
        return Some(Value::Number(x));
    }
    flag_token(token).map(Value::Flag)
}

/// Markers of vendor exports that generic grid/long detection must never claim
/// (checked case-insensitively).
pub const VENDOR_MARKERS: [&str; 12] = [
    "software version",
    "##blocks",
    "plate information",
    "gen5",
    "softmax",
    "i-control",
    "magellan",
    "envision",
    "kaleido",
    "skanit",
    "mars",
    "reader serial",
];

/// Whether `text` carries a vendor marker (see [`VENDOR_MARKERS`]) in its first 64 KiB.
pub fn has_vendor_marker(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(65_536)
        .collect::<String>()
        .to_ascii_lowercase();
    VENDOR_MARKERS.iter().any(|m| head.contains(m))
}

/// Whether `hay` contains `needle` ignoring ASCII case (`needle` may be in any case).
pub fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let first = first.to_ascii_lowercase();
    (0..=hay.len() - needle.len()).any(|i| {
        hay[i].to_ascii_lowercase() == first
            && hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest)
    })
}

/// The wavelength (nm) a read label names, if any: `450`, `450nm`, `450 nm`, `OD600`,
/// `OD 600`, `A490`, `Abs 450`, `Abs_450`, `Absorbance 450 nm`. Only whole numbers from 200 to
/// 1000 nm count; anything else (`Read 1`, `values`) gives `None`.
pub fn wavelength_from_label(label: &str) -> Option<f64> {
    let lower = label.trim().to_ascii_lowercase();
    let mut s = lower.as_str();
    for prefix in ["absorbance", "abs", "od", "a"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
            break;
        }
    }
    let s = s.trim_start_matches([' ', '_', ':', '@', '-']);
    let s = s.strip_suffix("nm").unwrap_or(s).trim_end();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nm: u32 = s.parse().ok()?;
    (200..=1000).contains(&nm).then_some(f64::from(nm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_fallback() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap().0, "a,b");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("A1".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            decode(&utf16).unwrap(),
            ("A1".to_owned(), TextEncoding::Utf16Le)
        );
        assert_eq!(
            decode(b"caf\xe9").unwrap(),
            ("café".to_owned(), TextEncoding::Windows1252)
        );
        assert!(decode(b"A\0B\0").is_none());
    }

    #[test]
    fn line_splitting_fast_path_agrees_with_the_general_one() {
        // every mix of LF, CRLF and lone CR, at the ends and in runs, both sides of the
        // 256-byte chunks of the lone-CR scan
        let pieces = ["a", "", "\n", "\r\n", "\r", "\r\r\n", "\n\r", "bb,c"];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for n in 0..3000 {
            let mut s = String::new();
            let len = n % 300;
            while s.len() < len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            let general: Vec<&str> = line_iter(&s).collect();
            assert_eq!(lines(&s), general, "{s:?}");
            let lone = s.replace("\r\n", "").contains('\r');
            assert_eq!(has_lone_cr(s.as_bytes()), lone, "{s:?}");
        }
        assert_eq!(lines("a\r\nb\rc\n"), ["a", "b", "c", ""]);
    }

    #[test]
    fn binary_check_counts_control_bytes() {
        assert!(looks_binary(b"ab\0cd"));
        assert!(!looks_binary(b"a\tb\r\nc\x0cd"));
        // 10 % control bytes is still text, more is binary; also past the first chunk
        let mut text = vec![b'x'; 900];
        text.extend([1u8; 100]);
        assert!(!looks_binary(&text));
        text.push(2);
        assert!(looks_binary(&text));
        let mut late_nul = vec![b'x'; 5000];
        late_nul.push(0);
        assert!(looks_binary(&late_nul));
        assert!(!looks_binary(b""));
    }

    #[test]
    fn sniffs_delimiters_over_many_lines() {
        let text = "title, with comma\nx;1;2;3\nA;1,5;2,5;3\nB;1;2;3";
        assert_eq!(sniff_delimiter(&lines(text)), Some(b';'));
        assert_eq!(sniff_delimiter(&lines("a\tb\tc\n1\t2\t3")), Some(b'\t'));
        assert_eq!(sniff_delimiter(&lines("abc\ndef")), None);
    }

    #[test]
    fn values_and_flags() {
        assert_eq!(parse_value("0,25", true), Some(Value::Number(0.25)));
        assert_eq!(parse_value(" 1.5E-01 ", false), Some(Value::Number(0.15)));
        assert_eq!(
            parse_value("OVRFLW", false),
            Some(Value::Flag(Flag::Overflow))
        );
        assert_eq!(
            parse_value("?????", false),
            Some(Value::Flag(Flag::CalcFailed))
        );
        assert_eq!(
            parse_value("<0.000", false),
            Some(Value::Flag(Flag::OutOfRangeLow))
        );
        assert_eq!(
            parse_value(">4.000", false),
            Some(Value::Flag(Flag::OutOfRangeHigh))
        );
        assert_eq!(parse_value("", false), Some(Value::Flag(Flag::Empty)));
        assert_eq!(parse_value("abc", false), None);
        assert_eq!(parse_number("inf", false), None);
        assert_eq!(split_fields("\"a,b\",c", b','), vec!["a,b", "c"]);
    }

    #[test]
    fn wavelengths_from_labels() {
        for (label, nm) in [
            ("450", Some(450.0)),
            ("OD600", Some(600.0)),
            ("A490 nm", Some(490.0)),
            ("Abs_405", Some(405.0)),
            ("values", None),
            ("Read 1", None),
            ("12", None),
        ] {
            assert_eq!(wavelength_from_label(label), nm, "{label}");
        }
        assert!(has_vendor_marker("x\nSoftware Version\t3.1"));
        assert!(!has_vendor_marker("well,value\nA1,0.5"));
    }
}
