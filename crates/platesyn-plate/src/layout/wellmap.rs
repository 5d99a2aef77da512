//! wellmap-style TOML layouts (see `docs/layout.md`).

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::{Table, Value};

use super::pattern;
use super::{Layout, PlateLayout, WellInfo, apply_key};
use crate::error::{ErrorLocation, PlateError};
use crate::well::{PlateFormat, WellId, row_label};

/// Keys whose values must agree when two sections of the same precedence level name a well.
const CONC_KEYS: [&str; 2] = ["conc_a", "conc_b"];

/// Keys of a `[series.KEY]` table.
const SERIES_KEYS: [&str; 9] = [
    "top",
    "factor",
    "count",
    "along",
    "start",
    "zero",
    "ascending",
    "span",
    "name",
];

/// Top-level and per-plate tables wellmap interprets.
const SPECIAL: [&str; 9] = [
    "meta", "expt", "plate", "row", "col", "block", "well", "irow", "icol",
];

#[derive(Debug, Clone)]
struct Param {
    value: Value,
    section: String,
}

type Params = BTreeMap<String, Param>;

struct Ctx<'a> {
    source: &'a str,
    text: &'a str,
    /// Explicit plate geometry (`[meta] wells`), else the 1536-well limit.
    limit: PlateFormat,
    explicit: bool,
}

impl Ctx<'_> {
    fn line_of(&self, section: &str) -> Option<usize> {
        section_line(self.text, section)
    }

    fn err(&self, section: &str, well: Option<WellId>, message: impl Into<String>) -> PlateError {
        PlateError::Parse {
            at: ErrorLocation {
                file: self.source.to_owned(),
                line: self.line_of(section),
                well: well.map(|w| w.to_string()),
                sheet: None,
            },
            message: format!("[{section}]: {}", message.into()),
        }
    }

    fn unsupported(&self, what: &str) -> PlateError {
        PlateError::Unsupported {
            file: self.source.to_owned(),
            message: format!("{what} is a wellmap feature platesyn does not support"),
        }
    }

    fn check_on_plate(&self, section: &str, well: WellId) -> Result<(), PlateError> {
        if self.limit.contains(well) {
            Ok(())
        } else {
            Err(self.err(
                section,
                Some(well),
                format!(
                    "well {well} is outside the {} plate{}",
                    self.limit,
                    if self.explicit {
                        " given by [meta] wells"
                    } else {
                        " (the largest supported)"
                    }
                ),
            ))
        }
    }

    fn check_row(&self, section: &str, row: u16) -> Result<(), PlateError> {
        if row < self.limit.rows {
            Ok(())
        } else {
            Err(self.err(
                section,
                None,
                format!(
                    "row {} is outside the {} plate (rows A-{})",
                    row_label(row),
                    self.limit,
                    row_label(self.limit.rows - 1)
                ),
            ))
        }
    }

    fn check_col(&self, section: &str, col: u16) -> Result<(), PlateError> {
        if col < self.limit.cols {
            Ok(())
        } else {
            Err(self.err(
                section,
                None,
                format!(
                    "column {} is outside the {} plate (columns 1-{})",
                    col + 1,
                    self.limit,
                    self.limit.cols
                ),
            ))
        }
    }
}

/// Best-effort 1-based line of a section such as `row.A-D` or `block.2x2.A1`: the first
/// table header or dotted key line mentioning its last component.
fn section_line(text: &str, section: &str) -> Option<usize> {
    let parts: Vec<&str> = section.split('.').collect();
    let last = parts.last()?.trim_matches('\'');
    let first = parts.first()?;
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().position(|l| {
        let t = l.trim();
        t.starts_with('[') && t.contains(first) && t.contains(last)
    });
    header
        .or_else(|| {
            lines
                .iter()
                .position(|l| !l.trim().starts_with('#') && l.contains(last))
        })
        .map(|i| i + 1)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(x) => crate::model::format_number(*x),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) | Value::Table(_) => v.to_string(),
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (
        a.as_float().or(a.as_integer().map(|i| i as f64)),
        b.as_float().or(b.as_integer().map(|i| i as f64)),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => value_text(a) == value_text(b),
    }
}

/// Flatten a section's table into dotted keys.
fn flatten(prefix: &str, table: &Table, section: &str, out: &mut Params) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let Value::Table(t) = v {
            flatten(&key, t, section, out);
        } else {
            out.insert(
                key,
                Param {
                    value: v.clone(),
                    section: section.to_owned(),
                },
            );
        }
    }
}

fn params_of(ctx: &Ctx<'_>, v: &Value, section: &str) -> Result<Params, PlateError> {
    let Value::Table(t) = v else {
        return Err(ctx.err(
            section,
            None,
            format!("expected a table of parameters, found `{}`", value_text(v)),
        ));
    };
    let mut p = Params::new();
    flatten("", t, section, &mut p);
    Ok(p)
}

/// Merge `new` into `into`, later values winning, but two different concentrations from
/// two different sections at this level are an error.
fn put(
    ctx: &Ctx<'_>,
    into: &mut Params,
    new: &Params,
    well: Option<WellId>,
    what: &str,
) -> Result<(), PlateError> {
    for (k, p) in new {
        if CONC_KEYS.contains(&k.as_str())
            && let Some(old) = into.get(k)
            && old.section != p.section
            && !same_value(&old.value, &p.value)
        {
            return Err(ctx.err(
                &p.section,
                well,
                format!(
                    "conflicting concentrations for {what}: {k} = {} here but {} in [{}] \
                     (same precedence level)",
                    value_text(&p.value),
                    value_text(&old.value),
                    old.section
                ),
            ));
        }
        into.insert(k.clone(), p.clone());
    }
    Ok(())
}

/// Fill `into` with keys it does not have yet (lower precedence).
fn fill(into: &mut Params, lower: &Params) {
    for (k, p) in lower {
        into.entry(k.clone()).or_insert_with(|| p.clone());
    }
}

#[derive(Debug, Clone)]
struct Block {
    area: usize,
    order: usize,
    wells: Vec<WellId>,
    params: Params,
}

/// The sections of one config level (the whole file, or one `[plate.NAME]`).
#[derive(Default)]
struct Sections {
    wells: BTreeMap<WellId, Params>,
    blocks: Vec<Block>,
    rows: BTreeMap<u16, Params>,
    cols: BTreeMap<u16, Params>,
    /// `[expt]` (top level) or the plate's own keys.
    expt: Params,
    any_rows: bool,
    any_cols: bool,
}

fn collect(
    ctx: &Ctx<'_>,
    cfg: &Table,
    prefix: &str,
    is_plate: bool,
) -> Result<Sections, PlateError> {
    let mut s = Sections::default();
    for key in ["irow", "icol"] {
        if cfg.contains_key(key) {
            return Err(ctx.unsupported(&format!("[{key}] (interleaved rows/columns)")));
        }
    }
    let sec = |rest: &str| {
        if prefix.is_empty() {
            rest.to_owned()
        } else {
            format!("{prefix}.{rest}")
        }
    };
    if let Some(v) = cfg.get("well") {
        let Value::Table(t) = v else {
            return Err(ctx.err(&sec("well"), None, "expected [well.<pattern>] tables"));
        };
        for (pat, v) in t {
            let section = sec(&format!("well.{pat}"));
            let params = params_of(ctx, v, &section)?;
            let wells = pattern::wells(pat).map_err(|m| ctx.err(&section, None, m))?;
            for w in wells {
                ctx.check_on_plate(&section, w)?;
                let entry = s.wells.entry(w).or_default();
                put(ctx, entry, &params, Some(w), &format!("well {w}"))?;
            }
        }
    }
    if let Some(v) = cfg.get("block") {
        let Value::Table(t) = v else {
            return Err(ctx.err(&sec("block"), None, "expected [block.WxH.<well>] tables"));
        };
        for (size, v) in t {
            let (w, h) = parse_size(size).ok_or_else(|| {
                ctx.err(
                    &sec(&format!("block.{size}")),
                    None,
                    format!(
                        "unknown block size `{size}`, expected `WxH` with W and H positive \
                         integers (irregular blocks are not supported)"
                    ),
                )
            })?;
            let Value::Table(tl) = v else {
                return Err(ctx.err(
                    &sec(&format!("block.{size}")),
                    None,
                    "expected [block.WxH.<well>] tables",
                ));
            };
            for (pat, v) in tl {
                let section = sec(&format!("block.{size}.{pat}"));
                let params = params_of(ctx, v, &section)?;
                for top_left in pattern::wells(pat).map_err(|m| ctx.err(&section, None, m))? {
                    // the far corner must be on the plate (checked before any arithmetic)
                    let far_row = u32::from(top_left.row) + u32::from(h) - 1;
                    let far_col = u32::from(top_left.col) + u32::from(w) - 1;
                    if far_row >= u32::from(ctx.limit.rows) || far_col >= u32::from(ctx.limit.cols)
                    {
                        return Err(ctx.err(
                            &section,
                            Some(top_left),
                            format!(
                                "a {w}x{h} block at {top_left} reaches beyond the {} plate",
                                ctx.limit
                            ),
                        ));
                    }
                    let mut wells = Vec::with_capacity(usize::from(w) * usize::from(h));
                    for di in 0..h {
                        for dj in 0..w {
                            wells.push(WellId::new(top_left.row + di, top_left.col + dj));
                        }
                    }
                    let order = s.blocks.len();
                    s.blocks.push(Block {
                        area: usize::from(w) * usize::from(h),
                        order,
                        wells,
                        params: params.clone(),
                    });
                }
            }
        }
        check_block_conflicts(ctx, &s.blocks)?;
    }
    for (dim, is_row) in [("row", true), ("col", false)] {
        let Some(v) = cfg.get(dim) else { continue };
        let Value::Table(t) = v else {
            return Err(ctx.err(
                &sec(dim),
                None,
                format!("expected [{dim}.<pattern>] tables"),
            ));
        };
        for (pat, v) in t {
            let section = sec(&format!("{dim}.{pat}"));
            let params = params_of(ctx, v, &section)?;
            let idx = if is_row {
                pattern::rows(pat)
            } else {
                pattern::cols(pat)
            }
            .map_err(|m| ctx.err(&section, None, m))?;
            for i in idx {
                if is_row {
                    ctx.check_row(&section, i)?;
                    s.any_rows = true;
                    let entry = s.rows.entry(i).or_default();
                    put(ctx, entry, &params, None, &format!("row {}", row_label(i)))?;
                } else {
                    ctx.check_col(&section, i)?;
                    s.any_cols = true;
                    let entry = s.cols.entry(i).or_default();
                    put(ctx, entry, &params, None, &format!("column {}", i + 1))?;
                }
            }
        }
    }
    if let Some(v) = cfg.get("series") {
        let Value::Table(t) = v else {
            return Err(ctx.err(&sec("series"), None, "expected [series.<key>] tables"));
        };
        for (key, v) in t {
            let section = sec(&format!("series.{key}"));
            expand_series(ctx, &section, key, v, &mut s)?;
        }
    }
    if is_plate {
        if cfg.contains_key("expt") {
            return Err(ctx.err(
                &sec("expt"),
                None,
                "cannot use [expt] inside a [plate] table",
            ));
        }
        let section = prefix.to_owned();
        for (k, v) in cfg {
            if SPECIAL.contains(&k.as_str()) || k == "series" || k == "path" || k == "paths" {
                continue;
            }
            let mut one = Params::new();
            if let Value::Table(t) = v {
                flatten(k, t, &section, &mut one);
            } else {
                one.insert(
                    k.clone(),
                    Param {
                        value: v.clone(),
                        section: section.clone(),
                    },
                );
            }
            s.expt.extend(one);
        }
    } else if let Some(v) = cfg.get("expt") {
        s.expt = params_of(ctx, v, "expt")?;
    }
    Ok(s)
}

fn parse_size(size: &str) -> Option<(u16, u16)> {
    let (w, h) = size.split_once('x')?;
    let w: u16 = w
        .parse()
        .ok()
        .filter(|_| w.bytes().all(|b| b.is_ascii_digit()))?;
    let h: u16 = h
        .parse()
        .ok()
        .filter(|_| h.bytes().all(|b| b.is_ascii_digit()))?;
    (w > 0 && h > 0).then_some((w, h))
}

fn check_block_conflicts(ctx: &Ctx<'_>, blocks: &[Block]) -> Result<(), PlateError> {
    let mut by_well: BTreeMap<(WellId, usize), Params> = BTreeMap::new();
    for b in blocks {
        for &w in &b.wells {
            let entry = by_well.entry((w, b.area)).or_default();
            put(ctx, entry, &b.params, Some(w), &format!("well {w}"))?;
        }
    }
    Ok(())
}

fn num(ctx: &Ctx<'_>, section: &str, t: &Table, key: &str) -> Result<Option<f64>, PlateError> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::Integer(i)) => Ok(Some(*i as f64)),
        Some(Value::Float(x)) => Ok(Some(*x)),
        Some(v) => Err(ctx.err(
            section,
            None,
            format!("`{key}` must be a number, found `{}`", value_text(v)),
        )),
    }
}

fn expand_series(
    ctx: &Ctx<'_>,
    section: &str,
    key: &str,
    v: &Value,
    s: &mut Sections,
) -> Result<(), PlateError> {
    let Value::Table(t) = v else {
        return Err(ctx.err(
            section,
            None,
            "expected a table: top, factor, count, along, start",
        ));
    };

    if let Some(k) = t.keys().find(|k| !SERIES_KEYS.contains(&k.as_str())) {
        return Err(ctx.err(
            section,
            None,
            format!(
                "unknown series key `{k}` (expected one of {})",
                SERIES_KEYS.join(", ")
            ),
        ));
    }
    let (target, name_key) = match key {
        "drug_a" | "conc_a" => ("conc_a", Some("drug_a")),
        "drug_b" | "conc_b" => ("conc_b", Some("drug_b")),
        other => (other, None),
    };
    let need = |k: &str| ctx.err(section, None, format!("missing `{k}`"));
    let top = num(ctx, section, t, "top")?.ok_or_else(|| need("top"))?;
    let factor = num(ctx, section, t, "factor")?.ok_or_else(|| need("factor"))?;
    let count = num(ctx, section, t, "count")?.ok_or_else(|| need("count"))?;
    if !(top.is_finite() && top > 0.0) {
        return Err(ctx.err(section, None, "`top` must be a positive concentration"));
    }
    if !(factor.is_finite() && factor > 1.0) {
        return Err(ctx.err(
            section,
            None,
            "`factor` must be > 1 (each step divides by it)",
        ));
    }
    if !(count >= 1.0 && count.fract() == 0.0 && count <= 48.0) {
        return Err(ctx.err(section, None, "`count` must be a whole number from 1 to 48"));
    }
    let flag = |k: &str| -> Result<bool, PlateError> {
        match t.get(k) {
            None => Ok(false),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(v) => Err(ctx.err(
                section,
                None,
                format!("`{k}` must be true or false, found `{}`", value_text(v)),
            )),
        }
    };
    let zero = flag("zero")?;
    let ascending = flag("ascending")?;
    let along = match t.get("along").map(value_text).as_deref() {
        Some("rows" | "row") => true,
        Some("cols" | "col" | "columns" | "column") => false,
        Some(other) => {
            return Err(ctx.err(
                section,
                None,
                format!("`along` must be \"rows\" or \"cols\", found `{other}`"),
            ));
        }
        None => return Err(need("along")),
    };
    let start_text = t
        .get("start")
        .map(value_text)
        .ok_or_else(|| need("start"))?;
    let start = if along {
        pattern::rows(&start_text)
    } else {
        pattern::cols(&start_text)
    }
    .ok()
    .filter(|v| v.len() == 1)
    .map(|v| v[0])
    .ok_or_else(|| {
        ctx.err(
            section,
            None,
            format!(
                "`start` must be one {} , found `{start_text}`",
                if along { "row letter" } else { "column number" }
            ),
        )
    })?;
    let mut values: Vec<f64> = (0..count as i32).map(|k| top / factor.powi(k)).collect();
    if zero {
        values.push(0.0);
    }
    if ascending {
        values.reverse();
    }
    let name = match t.get("name") {
        None => None,
        Some(v) => {
            let Some(nk) = name_key else {
                return Err(ctx.err(
                    section,
                    None,
                    "`name` is only allowed for drug_a / drug_b series",
                ));
            };
            Some((nk, v.clone()))
        }
    };
    let span = match t.get("span") {
        None => None,
        Some(v) => {
            let p = value_text(v);
            Some(
                if along {
                    pattern::cols(&p)
                } else {
                    pattern::rows(&p)
                }
                .map_err(|m| ctx.err(section, None, m))?,
            )
        }
    };
    for (k, x) in values.iter().enumerate() {
        let pos = start + k as u16;
        let mut params = Params::new();
        params.insert(
            target.to_owned(),
            Param {
                value: Value::Float(*x),
                section: section.to_owned(),
            },
        );
        if let Some((nk, v)) = &name {
            params.insert(
                (*nk).to_owned(),
                Param {
                    value: v.clone(),
                    section: section.to_owned(),
                },
            );
        }
        match &span {
            Some(across) => {
                for &o in across {
                    let w = if along {
                        WellId::new(pos, o)
                    } else {
                        WellId::new(o, pos)
                    };
                    ctx.check_on_plate(section, w)?;
                    let entry = s.wells.entry(w).or_default();
                    put(ctx, entry, &params, Some(w), &format!("well {w}"))?;
                }
            }
            None if along => {
                ctx.check_row(section, pos)?;
                s.any_rows = true;
                let entry = s.rows.entry(pos).or_default();
                put(
                    ctx,
                    entry,
                    &params,
                    None,
                    &format!("row {}", row_label(pos)),
                )?;
            }
            None => {
                ctx.check_col(section, pos)?;
                s.any_cols = true;
                let entry = s.cols.entry(pos).or_default();
                put(ctx, entry, &params, None, &format!("column {}", pos + 1))?;
            }
        }
    }
    Ok(())
}

/// Plate-level sections override the top level's for the same well, row, column or key.
fn overlay(top: &Sections, plate: Sections) -> Sections {
    let mut out = Sections {
        any_rows: top.any_rows || plate.any_rows,
        any_cols: top.any_cols || plate.any_cols,
        ..Sections::default()
    };
    out.wells.clone_from(&top.wells);
    for (w, p) in plate.wells {
        out.wells.entry(w).or_default().extend(p);
    }
    out.blocks.clone_from(&top.blocks);
    let n = out.blocks.len();
    out.blocks.extend(plate.blocks.into_iter().map(|mut b| {
        b.order += n;
        b
    }));
    out.rows.clone_from(&top.rows);
    for (r, p) in plate.rows {
        out.rows.entry(r).or_default().extend(p);
    }
    out.cols.clone_from(&top.cols);
    for (c, p) in plate.cols {
        out.cols.entry(c).or_default().extend(p);
    }
    out.expt.clone_from(&top.expt);
    out.expt.extend(plate.expt);
    out
}

fn span(xs: impl Iterator<Item = u16>) -> Vec<u16> {
    let v: Vec<u16> = xs.collect();
    match (v.iter().min(), v.iter().max()) {
        (Some(&a), Some(&b)) => (a..=b).collect(),
        _ => Vec::new(),
    }
}

/// Resolve sections into wells with wellmap's inclusion and precedence rules.
fn resolve(
    ctx: &Ctx<'_>,
    s: &Sections,
    plate_name: &str,
) -> Result<BTreeMap<WellId, Params>, PlateError> {
    let mut included: BTreeSet<WellId> = s.wells.keys().copied().collect();
    for b in &s.blocks {
        included.extend(b.wells.iter().copied());
    }
    let occ_rows = span(included.iter().map(|w| w.row).chain(s.rows.keys().copied()));
    let occ_cols = span(included.iter().map(|w| w.col).chain(s.cols.keys().copied()));
    let where_ = if plate_name.is_empty() {
        String::new()
    } else {
        format!(" (plate {plate_name})")
    };
    if s.any_rows && occ_cols.is_empty() {
        return Err(PlateError::parse(
            ctx.source,
            None,
            format!(
                "found [row] sections but no columns{where_}: no wells defined (name columns with [col], [block] or [well], as wellmap requires)"
            ),
        ));
    }
    if s.any_cols && occ_rows.is_empty() {
        return Err(PlateError::parse(
            ctx.source,
            None,
            format!(
                "found [col] sections but no rows{where_}: no wells defined (name rows with [row], [block] or [well], as wellmap requires)"
            ),
        ));
    }
    for &r in s.rows.keys() {
        for &c in &occ_cols {
            included.insert(WellId::new(r, c));
        }
    }
    for &c in s.cols.keys() {
        for &r in &occ_rows {
            included.insert(WellId::new(r, c));
        }
    }
    let mut blocks: Vec<&Block> = s.blocks.iter().collect();
    // smaller blocks first; among equal sizes the later-defined one first (it wins)
    blocks.sort_by(|a, b| a.area.cmp(&b.area).then(b.order.cmp(&a.order)));
    let mut out = BTreeMap::new();
    for w in included {
        ctx.check_on_plate("well", w).map_err(|_| {
            PlateError::at_well(
                ctx.source,
                None,
                &w.to_string(),
                format!("well {w} is outside the {} plate", ctx.limit),
            )
        })?;
        let mut p = s.wells.get(&w).cloned().unwrap_or_default();
        for b in blocks.iter().filter(|b| b.wells.contains(&w)) {
            fill(&mut p, &b.params);
        }
        if let Some(r) = s.rows.get(&w.row) {
            fill(&mut p, r);
        }
        if let Some(c) = s.cols.get(&w.col) {
            fill(&mut p, c);
        }
        fill(&mut p, &s.expt);
        out.insert(w, p);
    }
    Ok(out)
}

fn to_info(ctx: &Ctx<'_>, well: WellId, params: &Params) -> Result<WellInfo, PlateError> {
    let mut info = WellInfo::default();
    for (k, p) in params {
        let number = match &p.value {
            Value::Integer(i) => Some(*i as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        };
        apply_key(&mut info, k, &value_text(&p.value), number)
            .map_err(|m| ctx.err(&p.section, Some(well), m))?;
    }
    Ok(info)
}

fn resolve_path(base: Option<&Path>, p: &str) -> String {
    let path = Path::new(p);
    if path.is_absolute() {
        return p.to_owned();
    }
    match base {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(path).display().to_string(),
        _ => p.to_owned(),
    }
}

fn path_list(ctx: &Ctx<'_>, section: &str, v: &Value) -> Result<Vec<String>, PlateError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(ctx.err(
                    section,
                    None,
                    format!("paths must be strings, found `{}`", value_text(other)),
                )),
            })
            .collect(),
        other => Err(ctx.err(
            section,
            None,
            format!(
                "expected a path or a list of paths, found `{}`",
                value_text(other)
            ),
        )),
    }
}

/// Parse a wellmap-style TOML layout. `source` names the file in errors; relative paths in
/// `[meta] path`/`paths` are resolved against its directory.
pub fn parse(source: &str, text: &str) -> Result<Layout, PlateError> {
    let doc: Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map(|t| t.matches('\n').count() + 1);
        PlateError::parse(source, line, format!("not valid TOML: {}", e.message()))
    })?;
    let meta = match doc.get("meta") {
        None => Table::new(),
        Some(Value::Table(t)) => t.clone(),
        Some(_) => {
            return Err(PlateError::parse(
                source,
                section_line(text, "meta"),
                "[meta] must be a table",
            ));
        }
    };
    let probe = Ctx {
        source,
        text,
        limit: PlateFormat::W1536,
        explicit: false,
    };
    for key in ["include", "concat", "alert"] {
        if meta.contains_key(key) {
            return Err(probe.unsupported(&format!("`meta.{key}`")));
        }
    }
    let (limit, explicit) = match meta.get("wells") {
        None => (PlateFormat::W1536, false),
        Some(v) => {
            let n = v.as_integer().and_then(|n| usize::try_from(n).ok());
            let f = n.and_then(PlateFormat::from_well_count).ok_or_else(|| {
                probe.err(
                    "meta",
                    None,
                    format!(
                        "`wells` must be 6, 12, 24, 48, 96, 384 or 1536, found `{}`",
                        value_text(v)
                    ),
                )
            })?;
            (f, true)
        }
    };
    let ctx = Ctx {
        source,
        text,
        limit,
        explicit,
    };
    let base = Path::new(source).parent();
    let top = collect(&ctx, &doc, "", false)?;
    let mut layout = Layout::default();
    for (k, v) in &meta {
        if !matches!(
            k.as_str(),
            "wells" | "path" | "paths" | "style" | "param_styles"
        ) {
            layout.meta.insert(k.clone(), value_text(v));
        }
    }
    for (k, v) in &doc {
        if !SPECIAL.contains(&k.as_str()) && k != "series" {
            layout.extras.insert(k.clone(), value_text(v));
        }
    }
    let meta_path = meta.get("path");
    let meta_paths = meta.get("paths");
    if meta_path.is_some() && meta_paths.is_some() {
        return Err(ctx.err("meta", None, "both `path` and `paths` given; ambiguous"));
    }
    let plates: Vec<(&String, &Table)> = match doc.get("plate") {
        None => Vec::new(),
        Some(Value::Table(t)) => t
            .iter()
            .map(|(name, v)| match v {
                Value::Table(pt) => Ok((name, pt)),
                other => Err(ctx.err(
                    "plate",
                    None,
                    format!(
                        "`{name} = {}` inside [plate] but outside any [plate.NAME] table",
                        value_text(other)
                    ),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ctx.err("plate", None, "expected [plate.NAME] tables")),
    };
    let finish = |name: &str, wells: BTreeMap<WellId, Params>| -> Result<PlateLayout, PlateError> {
        let mut infos = BTreeMap::new();
        for (w, p) in &wells {
            infos.insert(*w, to_info(&ctx, *w, p)?);
        }
        let format = if explicit {
            limit
        } else {
            let (r, c) = wells
                .keys()
                .fold((0, 0), |(r, c), w| (r.max(w.row + 1), c.max(w.col + 1)));
            [PlateFormat::W96, PlateFormat::W384, PlateFormat::W1536]
                .into_iter()
                .find(|f| f.rows >= r && f.cols >= c)
                .unwrap_or(PlateFormat::W1536)
        };
        Ok(PlateLayout {
            name: name.to_owned(),
            format,
            format_explicit: explicit,
            wells: infos,
            paths: Vec::new(),
        })
    };
    if plates.is_empty() {
        let wells = resolve(&ctx, &top, "")?;
        if wells.is_empty() {
            return Err(PlateError::parse(
                source,
                None,
                "no wells defined (name wells with [row]+[col], [block] or [well] sections)",
            ));
        }
        let mut p = finish("1", wells)?;
        if let Some(v) = meta_path.or(meta_paths) {
            if let Value::Table(_) = v {
                return Err(ctx.err(
                    "meta",
                    None,
                    "`paths` as a table needs [plate.NAME] sections",
                ));
            }
            p.paths = path_list(&ctx, "meta", v)?
                .iter()
                .map(|s| resolve_path(base, s))
                .collect();
        }
        layout.plates.push(p);
        return Ok(layout);
    }
    if meta_path.is_some() {
        return Err(ctx.err(
            "meta",
            None,
            "`path` given with [plate] sections; use `paths`",
        ));
    }
    let n = plates.len();
    // `paths` as a table must name exactly the [plate] sections (checked once, not per plate)
    let paths_keys_match = match meta_paths {
        Some(Value::Table(t)) => {
            let names: BTreeSet<&String> = plates.iter().map(|(n, _)| *n).collect();
            let keys: BTreeSet<&String> = t.keys().collect();
            names == keys
        }
        _ => true,
    };
    // plates resolve independently: in parallel, collected in file order (the first error in
    // file order is the one reported)
    let one = |k: usize, name: &str, pt: &Table| -> Result<PlateLayout, PlateError> {
        let section = format!("plate.{name}");
        let ps = collect(&ctx, pt, &section, true)?;
        let merged = overlay(&top, ps);
        let wells = resolve(&ctx, &merged, name)?;
        let mut p = finish(name, wells)?;
        let own = pt.get("paths").or(pt.get("path"));
        p.paths = match (own, meta_paths) {
            (Some(v), _) => path_list(&ctx, &section, v)?,
            (None, None) => Vec::new(),
            (None, Some(Value::String(tpl))) => {
                if !tpl.contains("{}") {
                    return Err(ctx.err(
                        "meta",
                        None,
                        "`paths` as one string needs a `{}` for the plate name",
                    ));
                }
                vec![tpl.replace("{}", name)]
            }
            (None, Some(Value::Array(a))) => {
                if a.len() != n {
                    return Err(ctx.err(
                        "meta",
                        None,
                        format!("`paths` lists {} files for {n} [plate] sections", a.len()),
                    ));
                }
                path_list(&ctx, "meta", &a[k])?
            }
            (None, Some(Value::Table(t))) => {
                if !paths_keys_match {
                    return Err(ctx.err(
                        "meta",
                        None,
                        "the keys of `paths` do not match the [plate] sections",
                    ));
                }
                path_list(&ctx, "meta", &t[name])?
            }
            (None, Some(other)) => {
                return Err(ctx.err(
                    "meta",
                    None,
                    format!(
                        "`paths` must be a string, a list or a table, found `{}`",
                        value_text(other)
                    ),
                ));
            }
        }
        .iter()
        .map(|s| resolve_path(base, s))
        .collect();
        Ok(p)
    };
    let resolved: Vec<Result<PlateLayout, PlateError>> = plates
        .par_iter()
        .enumerate()
        .map(|(k, (name, pt))| one(k, name, pt))
        .collect();
    for p in resolved {
        layout.plates.push(p?);
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Role;

    fn w(s: &str) -> WellId {
        WellId::parse(s).unwrap()
    }

    fn one(text: &str) -> PlateLayout {
        let mut l = parse("dir/l.toml", text).unwrap();
        l.plates.remove(0)
    }

    #[test]
    fn precedence_well_block_row_col_plate_expt() {
        let text = "[expt]\nx = 'expt'\ny = 'expt'\n\
                    [col.'1-4']\nx = 'col'\nz = 'col'\n\
                    [row.'A-D']\nx = 'row'\n\
                    [block.2x2.A1]\nx = 'big'\n\
                    [block.1x1.A1]\nx = 'small'\n\
                    [well.B2]\nx = 'well'\n";
        let p = one(text);
        assert_eq!(p.wells.len(), 16);
        let x = |s: &str| p.wells[&w(s)].extra["x"].clone();
        assert_eq!(x("B2"), "well");
        assert_eq!(x("A1"), "small");
        assert_eq!(x("A2"), "big");
        assert_eq!(x("C3"), "row"); // rows beat columns, as wellmap
        assert_eq!(p.wells[&w("C3")].extra["z"], "col");
        assert_eq!(p.wells[&w("D4")].extra["y"], "expt");
    }

    #[test]
    fn inclusion_spans_rows_and_columns() {
        // wellmap: a row crosses the span of columns used anywhere (1..5 here)
        let p = one("[row.A]\nr = 1\n[col.5]\nc = 1\n[well.C1]\nw = 1\n");
        let names: Vec<String> = p.wells.keys().map(ToString::to_string).collect();
        assert_eq!(names, ["A1", "A2", "A3", "A4", "A5", "B5", "C1", "C5"]);
        // [expt] alone includes nothing
        let err = parse("l.toml", "[expt]\nx = 1\n").unwrap_err().to_string();
        assert!(err.contains("no wells defined"), "{err}");
    }

    #[test]
    fn plates_override_top_level_and_take_paths() {
        let text = "[meta]\npaths = ['a.txt', 'sub/b.txt']\n\
                    [plate.p1]\nreplicate = 1\n[plate.p2]\nreplicate = 2\n[plate.p2.row.A]\nrole = 'blank'\n\
                    [row.A]\nrole = 'sample'\nconc_a = 1.5\n[col.'1-2']\ncell_line = 'HeLa'\n";
        let l = parse("dir/l.toml", text).unwrap();
        assert_eq!(l.plates.len(), 2);
        let (p1, p2) = (&l.plates[0], &l.plates[1]);
        assert_eq!(p1.paths, ["dir/a.txt"]);
        assert_eq!(p2.paths, ["dir/sub/b.txt"]);
        assert_eq!(p1.wells[&w("A1")].role, Some(Role::Sample));
        assert_eq!(p2.wells[&w("A1")].role, Some(Role::Blank));
        assert_eq!(p2.wells[&w("A2")].conc_a, Some(1.5));
        assert_eq!(p2.wells[&w("A2")].replicate.as_deref(), Some("2"));
        assert_eq!(p1.wells[&w("A2")].cell_line.as_deref(), Some("HeLa"));
        let t = parse(
            "l.toml",
            "[meta]\npaths = 'run_{}.csv'\n[plate.x]\n[plate.y]\n[well.A1]\nk=1\n",
        )
        .unwrap();
        assert_eq!(t.plates[1].paths, ["run_y.csv"]);
        let single = parse("/abs/l.toml", "[meta]\npath = 'r.txt'\n[well.A1]\nk=1\n").unwrap();
        assert_eq!(single.plates[0].paths, ["/abs/r.txt"]);
        let err = parse(
            "l.toml",
            "[meta]\npaths = ['a']\n[plate.x]\n[plate.y]\n[well.A1]\nk=1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("lists 1 files for 2"), "{err}");
    }

    #[test]
    fn series_without_span_are_rows_or_columns() {
        let p = one(
            "[series.drug_b]\ntop = 8\nfactor = 2\ncount = 4\nalong = 'cols'\nstart = 3\nascending = true\n\
             [row.'A-B']\nrole = 'sample'\n",
        );
        assert_eq!(p.wells.len(), 8);
        assert_eq!(p.wells[&w("A3")].conc_b, Some(1.0));
        assert_eq!(p.wells[&w("B6")].conc_b, Some(8.0));
        assert_eq!(p.format, PlateFormat::W96);
        assert!(!p.format_explicit);
        let err = parse("l.toml", "[series.drug_a]\ntop = 1\nfactor = 2\ncount = 2\nalong = 'rows'\nstart = 'A'\nstep = 3\n[col.1]\nx=1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown series key `step`"), "{err}");
    }

    #[test]
    fn later_sections_win_within_a_level_in_file_order() {
        // checked against wellmap 3.5.2: B1 x = 1, A1/B1 z = "second"
        let p = one("[row.B]\nx=2\n[row.'A-C']\nx=1\n[col.1]\ny=1\n\
             [block.1x1.A1]\nz='first'\n[block.1x1.'A1,B1']\nz='second'\n");
        assert_eq!(p.wells.len(), 3);
        assert_eq!(p.wells[&w("B1")].extra["x"], "1");
        assert_eq!(p.wells[&w("A1")].extra["z"], "second");
        assert_eq!(p.wells[&w("B1")].extra["z"], "second");
        assert!(!p.wells[&w("C1")].extra.contains_key("z"));
    }

    #[test]
    fn same_concentration_twice_is_not_a_conflict() {
        let p = one("[row.'A-B']\nconc_a = 2\n[row.B]\nconc_a = 2.0\n[col.1]\nx = 1\n");
        assert_eq!(p.wells[&w("B1")].conc_a, Some(2.0));
        // across levels the higher one wins silently, as in wellmap
        let p = one("[row.A]\nconc_a = 2\n[well.A1]\nconc_a = 3\n[col.1]\nx = 1\n");
        assert_eq!(p.wells[&w("A1")].conc_a, Some(3.0));
    }
}
