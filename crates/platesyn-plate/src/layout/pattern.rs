//! wellmap's row, column and well pattern syntax: `A`, `A,C`, `A-D`, `A,C,...,G`,
//! `1`, `1-3`, `1,3,...,11`, `A1`, `A1,B2`, `A1-B3`, `A1,A3,...,A11`, `A1,C3,...,G11`.
//!
//! Rules (as wellmap): a range `x-y` needs `x < y` for rows and columns (for wells the two
//! corners span a rectangle); an ellipsis pattern is exactly `first,second,...,last` with
//! `first < second < last` and `last - first` a multiple of `second - first`.

use crate::well::{WellId, row_from_label};

fn row_index(token: &str) -> Result<u16, String> {
    let t = token.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "cannot parse row `{t}`, expected letter(s) e.g. A, B, AA"
        ));
    }
    row_from_label(t).ok_or_else(|| format!("row `{t}` is beyond row ZZ"))
}

fn col_index(token: &str) -> Result<u16, String> {
    let t = token.trim();
    let n: u16 = t
        .parse()
        .ok()
        .filter(|_| t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("cannot parse column `{t}`, expected digit(s) e.g. 1, 2, 12"))?;
    n.checked_sub(1)
        .ok_or_else(|| "columns count from 1; column 0 does not exist".to_owned())
}

fn well_index(token: &str) -> Result<(u16, u16), String> {
    let t = token.trim();
    WellId::parse(t)
        .map(|w| (w.row, w.col))
        .ok_or_else(|| format!("cannot parse well `{t}`, expected A1, B2, ..."))
}

fn step_range(x0: u16, x1: Option<u16>, xn: u16, single_step_ok: bool) -> Result<Vec<u16>, String> {
    let ok_last = |a: u16| if single_step_ok { a <= xn } else { a < xn };
    match x1 {
        None => {
            if !ok_last(x0) {
                return Err("expected first < last".to_owned());
            }
            Ok((x0..=xn).collect())
        }
        Some(x1) => {
            if !(x0 < x1 && ok_last(x1)) {
                return Err("expected first < second < last".to_owned());
            }
            let step = x1 - x0;
            if (xn - x0) % step != 0 {
                return Err(format!("cannot get from first to last in steps of {step}"));
            }
            Ok((x0..=xn).step_by(usize::from(step)).collect())
        }
    }
}

fn tokens(pattern: &str) -> Vec<&str> {
    pattern.split(',').map(str::trim).collect()
}

fn expand_1d(pattern: &str, solo: fn(&str) -> Result<u16, String>) -> Result<Vec<u16>, String> {
    let toks = tokens(pattern);
    let wrap = |e: String| format!("`{pattern}`: {e}");
    if toks.contains(&"...") {
        if toks.len() != 4 || toks[2] != "..." {
            return Err(format!(
                "expected `<first>,<second>,...,<last>`, not `{pattern}`"
            ));
        }
        let (x0, x1, xn) = (solo(toks[0])?, solo(toks[1])?, solo(toks[3])?);
        return step_range(x0, Some(x1), xn, false).map_err(wrap);
    }
    let mut out = Vec::new();
    for t in toks {
        if let Some((a, b)) = t.split_once('-') {
            if b.contains('-') {
                return Err(format!("expected `<first>-<last>`, not `{t}`"));
            }
            out.extend(step_range(solo(a)?, None, solo(b)?, false).map_err(wrap)?);
        } else {
            out.push(solo(t)?);
        }
    }
    Ok(out)
}

/// Row indices (0-based) named by a row pattern.
pub fn rows(pattern: &str) -> Result<Vec<u16>, String> {
    expand_1d(pattern, row_index)
}

/// Column indices (0-based) named by a column pattern.
pub fn cols(pattern: &str) -> Result<Vec<u16>, String> {
    expand_1d(pattern, col_index)
}

fn well_range(
    (i0, j0): (u16, u16),
    x1: Option<(u16, u16)>,
    (iz, jz): (u16, u16),
) -> Result<Vec<WellId>, String> {
    let (i1, j1) = (x1.map(|x| x.0), x1.map(|x| x.1));
    if i0 == iz && (i1.is_none() || i1 == Some(i0)) {
        return Ok(step_range(j0, j1, jz, false)?
            .into_iter()
            .map(|j| WellId::new(i0, j))
            .collect());
    }
    if j0 == jz && (j1.is_none() || j1 == Some(j0)) {
        return Ok(step_range(i0, i1, iz, false)?
            .into_iter()
            .map(|i| WellId::new(i, j0))
            .collect());
    }
    let is = step_range(i0, i1, iz, true)?;
    let js = step_range(j0, j1, jz, true)?;
    Ok(is
        .iter()
        .flat_map(|&i| js.iter().map(move |&j| WellId::new(i, j)))
        .collect())
}

/// Wells named by a well pattern.
pub fn wells(pattern: &str) -> Result<Vec<WellId>, String> {
    let toks = tokens(pattern);
    let wrap = |e: String| format!("`{pattern}`: {e}");
    if toks.contains(&"...") {
        if toks.len() != 4 || toks[2] != "..." {
            return Err(format!(
                "expected `<first>,<second>,...,<last>`, not `{pattern}`"
            ));
        }
        let (x0, x1, xn) = (
            well_index(toks[0])?,
            well_index(toks[1])?,
            well_index(toks[3])?,
        );
        return well_range(x0, Some(x1), xn).map_err(wrap);
    }
    let mut out = Vec::new();
    for t in toks {
        if let Some((a, b)) = t.split_once('-') {
            if b.contains('-') {
                return Err(format!("expected `<first>-<last>`, not `{t}`"));
            }
            out.extend(well_range(well_index(a)?, None, well_index(b)?).map_err(wrap)?);
        } else {
            let (i, j) = well_index(t)?;
            out.push(WellId::new(i, j));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ws: &[WellId]) -> Vec<String> {
        ws.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn rows_and_cols() {
        assert_eq!(rows("A").unwrap(), vec![0]);
        assert_eq!(rows("A-C").unwrap(), vec![0, 1, 2]);
        assert_eq!(rows("A,C,...,G").unwrap(), vec![0, 2, 4, 6]);
        assert_eq!(rows("D,F").unwrap(), vec![3, 5]);
        assert_eq!(cols("1,3,...,11").unwrap(), vec![0, 2, 4, 6, 8, 10]);
        assert_eq!(cols("2-4").unwrap(), vec![1, 2, 3]);
        assert!(rows("A-A").is_err());
        assert!(cols("1,3,...,12").unwrap_err().contains("steps of 2"));
        assert!(cols("0").is_err());
        assert!(rows("1").is_err());
        assert!(cols("1,...,5").is_err());
    }

    #[test]
    fn wells_patterns() {
        assert_eq!(names(&wells("A1-B2").unwrap()), ["A1", "A2", "B1", "B2"]);
        assert_eq!(names(&wells("A1,B2").unwrap()), ["A1", "B2"]);
        assert_eq!(
            names(&wells("A1,A3,...,A7").unwrap()),
            ["A1", "A3", "A5", "A7"]
        );
        assert_eq!(
            names(&wells("A1,C3,...,E5").unwrap()),
            ["A1", "A3", "A5", "C1", "C3", "C5", "E1", "E3", "E5"]
        );
        assert_eq!(names(&wells("A1-A3").unwrap()), ["A1", "A2", "A3"]);
        assert!(wells("B2-A1").is_err());
        assert!(wells("A1-A1").is_err());
    }
}
