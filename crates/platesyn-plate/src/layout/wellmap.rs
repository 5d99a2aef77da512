//! wellmap-style TOML layouts (see `docs/layout.md`).
//!
//! The TOML is read with toml's borrowed parser ([`DeTable`]): keys and values point into the
//! text, so a large layout (10,000 plates, 10 MB) is never held as an owned tree as well.
//!
//! Parsing keeps each config level (the whole file, each `[plate.NAME]`) as compact sections:
//! parameters are small sorted vectors whose keys, values and section names are shared
//! (`Arc<str>`, interned per layout). A plate is resolved to wells only when asked for
//! ([`Parsed::resolve`]), by reading through its own sections and the top level's without
//! copying them.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use toml::de::{DeFloat, DeInteger, DeTable, DeValue};
use toml::{Spanned, Value};

use super::pattern;
use super::{PlateLayout, WellInfo, apply_key, check_key};
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

/// One parameter as a section gives it.
#[derive(Debug, Clone)]
struct Param {
    /// Dotted key (`drug_a`, `media.name`).
    key: Arc<str>,
    /// The value as text (numbers written the shortest way).
    text: Arc<str>,
    /// The value, when the TOML gave a number.
    number: Option<f64>,
    /// Section that set it (`row.A`, `plate.p1.block.2x2.A1`), for messages.
    section: Arc<str>,
}

/// Parameters, sorted by key, each key once.
type Params = Vec<Param>;

/// Insert `p`, replacing a parameter of the same key.
fn insert(params: &mut Params, p: Param) {
    match params.binary_search_by(|q| (*q.key).cmp(&p.key)) {
        Ok(i) => params[i] = p,
        Err(i) => params.insert(i, p),
    }
}

fn get<'a>(params: &'a Params, key: &str) -> Option<&'a Param> {
    params
        .binary_search_by(|q| (*q.key).cmp(key))
        .ok()
        .map(|i| &params[i])
}

/// Shares the text of keys, values and section names within one layout.
#[derive(Default)]
struct Interner(HashSet<Arc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(Arc::clone(&a));
        a
    }

    fn param(&mut self, key: &str, v: &DeValue<'_>, section: &Arc<str>) -> Param {
        let text = match v {
            DeValue::String(s) => self.get(s),
            other => self.get(&value_text(other)),
        };
        Param {
            key: self.get(key),
            text,
            number: number(v),
            section: Arc::clone(section),
        }
    }

    /// A number computed here (a dilution series step), written as a TOML float would be.
    fn number_param(&mut self, key: &str, x: f64, section: &Arc<str>) -> Param {
        Param {
            key: self.get(key),
            text: self.get(&crate::model::format_number(x)),
            number: Some(x),
            section: Arc::clone(section),
        }
    }
}

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

/// Best-effort 1-based line of a section such as `row.A-D` or `block.2x2.A1`: the table
/// header naming exactly that section (quotes and spaces aside), else the first table header
/// or dotted key line mentioning its last component.
fn section_line(text: &str, section: &str) -> Option<usize> {
    let bare = |h: &str| -> String {
        h.chars()
            .filter(|c| !matches!(c, '\'' | '"' | ' ' | '\t'))
            .collect()
    };
    let want = bare(section);
    let exact = text.lines().position(|l| {
        l.trim()
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .is_some_and(|(h, _)| !h.starts_with('[') && bare(h) == want)
    });
    if let Some(i) = exact {
        return Some(i + 1);
    }
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

/// A TOML integer as toml's owned parser reads it (`None` beyond `i64`, which it rejects).
fn int_of(i: &DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

/// A TOML float as toml's owned parser reads it (`None` when it overflows, which it rejects).
fn float_of(x: &DeFloat<'_>) -> Option<f64> {
    let s = x.as_str();
    let f: f64 = s.parse().ok()?;
    (!f.is_infinite() || s.contains("inf")).then_some(f)
}

/// The number a value gives, if it is an integer or a float.
fn number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => int_of(i).map(|i| i as f64),
        DeValue::Float(x) => float_of(x),
        _ => None,
    }
}

/// Whether every integer and float in `v` is one toml's owned parser accepts (`i64`, finite
/// unless written `inf`): the borrowed parser leaves that check to the reader.
fn numbers_ok(v: &DeValue<'_>) -> bool {
    match v {
        DeValue::Integer(i) => int_of(i).is_some(),
        DeValue::Float(x) => float_of(x).is_some(),
        DeValue::Array(a) => a.iter().all(|x| numbers_ok(x.get_ref())),
        DeValue::Table(t) => t.values().all(|x| numbers_ok(x.get_ref())),
        DeValue::String(_) | DeValue::Boolean(_) | DeValue::Datetime(_) => true,
    }
}

/// The owned value of `v` (for writing arrays and inline tables as TOML text). Numbers are
/// checked by [`numbers_ok`] at load; one that is not a number is kept as its literal text.
fn owned(v: &DeValue<'_>) -> Value {
    match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            int_of(i).map_or_else(|| Value::String(i.to_string()), Value::Integer)
        }
        DeValue::Float(x) => float_of(x).map_or_else(|| Value::String(x.to_string()), Value::Float),
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(*d),
        DeValue::Array(a) => Value::Array(a.iter().map(|x| owned(x.get_ref())).collect()),
        DeValue::Table(t) => Value::Table(
            t.iter()
                .map(|(k, x)| (k.get_ref().to_string(), owned(x.get_ref())))
                .collect(),
        ),
    }
}

/// The entries of a table, in file order, keys as text.
fn entries<'a, 'i>(t: &'a DeTable<'i>) -> impl Iterator<Item = (&'a str, &'a DeValue<'i>)> {
    t.iter().map(|(k, v)| (k.get_ref().as_ref(), v.get_ref()))
}

/// The value of `key` in a table.
fn field<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a DeValue<'i>> {
    t.get(key).map(toml::Spanned::get_ref)
}

/// A value as text: strings as they are, numbers the shortest way, arrays and tables as TOML.
fn value_text(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => s.to_string(),
        DeValue::Integer(i) => int_of(i).map_or_else(|| i.to_string(), |n| n.to_string()),
        DeValue::Float(x) => float_of(x).map_or_else(|| x.to_string(), crate::model::format_number),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Array(_) | DeValue::Table(_) => owned(v).to_string(),
    }
}

fn same_value(a: &Param, b: &Param) -> bool {
    match (a.number, b.number) {
        (Some(x), Some(y)) => x == y,
        _ => a.text == b.text,
    }
}

/// Flatten a section's table into dotted keys.
fn flatten(
    prefix: &str,
    table: &DeTable<'_>,
    section: &Arc<str>,
    out: &mut Params,
    ix: &mut Interner,
) {
    for (k, v) in table {
        let (k, v) = (k.get_ref(), v.get_ref());
        let key = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        if let DeValue::Table(t) = v {
            flatten(&key, t, section, out, ix);
        } else {
            insert(out, ix.param(&key, v, section));
        }
    }
}

fn params_of(
    ctx: &Ctx<'_>,
    v: &DeValue<'_>,
    section: &str,
    ix: &mut Interner,
) -> Result<Params, PlateError> {
    let DeValue::Table(t) = v else {
        return Err(ctx.err(
            section,
            None,
            format!("expected a table of parameters, found `{}`", value_text(v)),
        ));
    };
    let mut p = Params::new();
    flatten("", t, &ix.get(section), &mut p, ix);
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
    for p in new {
        if CONC_KEYS.contains(&&*p.key)
            && let Some(old) = get(into, &p.key)
            && old.section != p.section
            && !same_value(old, p)
        {
            return Err(ctx.err(
                &p.section,
                well,
                format!(
                    "conflicting concentrations for {what}: {} = {} here but {} in [{}] \
                     (same precedence level)",
                    p.key, p.text, old.text, old.section
                ),
            ));
        }
        insert(into, p.clone());
    }
    Ok(())
}

/// Add to `into` the parameters of `lower` whose keys it does not have yet (lower
/// precedence). Keys of one layout are interned: the same key is the same `Arc`.
fn fill<'a>(into: &mut Vec<&'a Param>, lower: &'a Params) {
    for p in lower {
        if !into.iter().any(|q| Arc::ptr_eq(&q.key, &p.key)) {
            into.push(p);
        }
    }
}

/// A `[block.WxH.WELL]` placed on the plate.
#[derive(Debug, Clone)]
struct Block {
    /// Top-left well.
    corner: WellId,
    /// Width (columns) and height (rows).
    w: u16,
    h: u16,
    /// Position among the blocks of its level, in file order (later ones win ties).
    order: usize,
    params: Params,
}

impl Block {
    fn area(&self) -> usize {
        usize::from(self.w) * usize::from(self.h)
    }

    fn contains(&self, well: WellId) -> bool {
        (self.corner.row..self.corner.row + self.h).contains(&well.row)
            && (self.corner.col..self.corner.col + self.w).contains(&well.col)
    }

    fn wells(&self) -> impl Iterator<Item = WellId> + '_ {
        (0..self.h).flat_map(move |di| {
            (0..self.w).map(move |dj| WellId::new(self.corner.row + di, self.corner.col + dj))
        })
    }
}

/// The sections of one config level (the whole file, or one `[plate.NAME]`).
#[derive(Debug, Default)]
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

impl Sections {
    /// Every parameter of every section of this level.
    fn all_params(&self) -> impl Iterator<Item = &Param> {
        self.wells
            .values()
            .chain(self.blocks.iter().map(|b| &b.params))
            .chain(self.rows.values())
            .chain(self.cols.values())
            .chain(std::iter::once(&self.expt))
            .flatten()
    }

    /// Whether every parameter passes the checks of [`apply_key`]: then no well built from
    /// this level can fail.
    fn keys_ok(&self) -> bool {
        self.all_params()
            .all(|p| check_key(&p.key, &p.text, p.number).is_ok())
    }
}

fn collect(
    ctx: &Ctx<'_>,
    cfg: &DeTable<'_>,
    prefix: &str,
    is_plate: bool,
    ix: &mut Interner,
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
    if let Some(v) = field(cfg, "well") {
        let DeValue::Table(t) = v else {
            return Err(ctx.err(&sec("well"), None, "expected [well.<pattern>] tables"));
        };
        for (pat, v) in entries(t) {
            let section = sec(&format!("well.{pat}"));
            let params = params_of(ctx, v, &section, ix)?;
            let wells = pattern::wells(pat).map_err(|m| ctx.err(&section, None, m))?;
            for w in wells {
                ctx.check_on_plate(&section, w)?;
                let entry = s.wells.entry(w).or_default();
                put(ctx, entry, &params, Some(w), &format!("well {w}"))?;
            }
        }
    }
    if let Some(v) = field(cfg, "block") {
        let DeValue::Table(t) = v else {
            return Err(ctx.err(&sec("block"), None, "expected [block.WxH.<well>] tables"));
        };
        for (size, v) in entries(t) {
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
            let DeValue::Table(tl) = v else {
                return Err(ctx.err(
                    &sec(&format!("block.{size}")),
                    None,
                    "expected [block.WxH.<well>] tables",
                ));
            };
            for (pat, v) in entries(tl) {
                let section = sec(&format!("block.{size}.{pat}"));
                let params = params_of(ctx, v, &section, ix)?;
                for corner in pattern::wells(pat).map_err(|m| ctx.err(&section, None, m))? {
                    // the far corner must be on the plate (checked before any arithmetic)
                    let far_row = u32::from(corner.row) + u32::from(h) - 1;
                    let far_col = u32::from(corner.col) + u32::from(w) - 1;
                    if far_row >= u32::from(ctx.limit.rows) || far_col >= u32::from(ctx.limit.cols)
                    {
                        return Err(ctx.err(
                            &section,
                            Some(corner),
                            format!(
                                "a {w}x{h} block at {corner} reaches beyond the {} plate",
                                ctx.limit
                            ),
                        ));
                    }
                    let order = s.blocks.len();
                    s.blocks.push(Block {
                        corner,
                        w,
                        h,
                        order,
                        params: params.clone(),
                    });
                }
            }
        }
        check_block_conflicts(ctx, &s.blocks)?;
    }
    for (dim, is_row) in [("row", true), ("col", false)] {
        let Some(v) = field(cfg, dim) else { continue };
        let DeValue::Table(t) = v else {
            return Err(ctx.err(
                &sec(dim),
                None,
                format!("expected [{dim}.<pattern>] tables"),
            ));
        };
        for (pat, v) in entries(t) {
            let section = sec(&format!("{dim}.{pat}"));
            let params = params_of(ctx, v, &section, ix)?;
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
    if let Some(v) = field(cfg, "series") {
        let DeValue::Table(t) = v else {
            return Err(ctx.err(&sec("series"), None, "expected [series.<key>] tables"));
        };
        for (key, v) in entries(t) {
            let section = sec(&format!("series.{key}"));
            expand_series(ctx, &section, key, v, &mut s, ix)?;
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
        let section = ix.get(prefix);
        for (k, v) in entries(cfg) {
            if SPECIAL.contains(&k) || k == "series" || k == "path" || k == "paths" {
                continue;
            }
            if let DeValue::Table(t) = v {
                flatten(k, t, &section, &mut s.expt, ix);
            } else {
                insert(&mut s.expt, ix.param(k, v, &section));
            }
        }
    } else if let Some(v) = field(cfg, "expt") {
        s.expt = params_of(ctx, v, "expt", ix)?;
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
    // a conflict needs two blocks of the same size over the same well, both setting a
    // concentration: most layouts have none, and need no per-well merge
    let has_conc = |b: &Block| b.params.iter().any(|p| CONC_KEYS.contains(&&*p.key));
    let overlap = |a: &Block, b: &Block| {
        a.corner.row < b.corner.row + b.h
            && b.corner.row < a.corner.row + a.h
            && a.corner.col < b.corner.col + b.w
            && b.corner.col < a.corner.col + a.w
    };
    let conc: Vec<&Block> = blocks.iter().filter(|b| has_conc(b)).collect();
    let any = conc.iter().enumerate().any(|(i, a)| {
        conc[i + 1..]
            .iter()
            .any(|b| a.area() == b.area() && overlap(a, b))
    });
    if !any {
        return Ok(());
    }
    // only concentrations can conflict, so only they are merged
    let mut by_well: BTreeMap<(WellId, usize), Params> = BTreeMap::new();
    for b in blocks {
        let conc: Params = b
            .params
            .iter()
            .filter(|p| CONC_KEYS.contains(&&*p.key))
            .cloned()
            .collect();
        if conc.is_empty() {
            continue;
        }
        for w in b.wells() {
            let entry = by_well.entry((w, b.area())).or_default();
            put(ctx, entry, &conc, Some(w), &format!("well {w}"))?;
        }
    }
    Ok(())
}
fn num(
    ctx: &Ctx<'_>,
    section: &str,
    t: &DeTable<'_>,
    key: &str,
) -> Result<Option<f64>, PlateError> {
    match field(t, key) {
        None => Ok(None),
        Some(v) if number(v).is_some() => Ok(number(v)),
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
    v: &DeValue<'_>,
    s: &mut Sections,
    ix: &mut Interner,
) -> Result<(), PlateError> {
    let DeValue::Table(t) = v else {
        return Err(ctx.err(
            section,
            None,
            "expected a table: top, factor, count, along, start",
        ));
    };

    if let Some((k, _)) = entries(t).find(|(k, _)| !SERIES_KEYS.contains(k)) {
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
        match field(t, k) {
            None => Ok(false),
            Some(DeValue::Boolean(b)) => Ok(*b),
            Some(v) => Err(ctx.err(
                section,
                None,
                format!("`{k}` must be true or false, found `{}`", value_text(v)),
            )),
        }
    };
    let zero = flag("zero")?;
    let ascending = flag("ascending")?;
    let along = match field(t, "along").map(value_text).as_deref() {
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
    let start_text = field(t, "start")
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
    let name = match field(t, "name") {
        None => None,
        Some(v) => {
            let Some(nk) = name_key else {
                return Err(ctx.err(
                    section,
                    None,
                    "`name` is only allowed for drug_a / drug_b series",
                ));
            };
            Some((nk, v))
        }
    };
    let span = match field(t, "span") {
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
    let sec = ix.get(section);
    let name = name.map(|(nk, v)| ix.param(nk, v, &sec));
    for (k, x) in values.iter().enumerate() {
        let pos = start + k as u16;
        let mut params = Params::new();
        insert(&mut params, ix.number_param(target, *x, &sec));
        if let Some(p) = &name {
            insert(&mut params, p.clone());
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

fn span(xs: impl Iterator<Item = u16>) -> Vec<u16> {
    let (lo, hi) = xs.fold((u16::MAX, 0), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if lo > hi {
        Vec::new()
    } else {
        (lo..=hi).collect()
    }
}

/// What one plate is resolved from: the top level, and the plate's own level overriding
/// it for the same well, row, column or key (absent for a layout without `[plate]`).
#[derive(Clone, Copy)]
struct Levels<'a> {
    top: &'a Sections,
    plate: Option<&'a Sections>,
}

impl<'a> Levels<'a> {
    /// The levels, the plate's first (it wins).
    fn each(self) -> impl Iterator<Item = &'a Sections> {
        self.plate.into_iter().chain(std::iter::once(self.top))
    }

    fn any_rows(self) -> bool {
        self.each().any(|s| s.any_rows)
    }

    fn any_cols(self) -> bool {
        self.each().any(|s| s.any_cols)
    }

    /// Whether any `[well]` or `[block]` section names a well.
    fn any_wells(self) -> bool {
        self.each()
            .any(|s| !s.wells.is_empty() || !s.blocks.is_empty())
    }

    /// The errors of wellmap's inclusion rules that need no well: rows without any column,
    /// columns without any row. Checked at load and again when resolving.
    fn check_inclusion(self, ctx: &Ctx<'_>, plate_name: &str) -> Result<(), PlateError> {
        let where_ = if plate_name.is_empty() {
            String::new()
        } else {
            format!(" (plate {plate_name})")
        };
        // a row crosses the span of the columns used anywhere: none when no well, block or
        // column is named (and the other way round)
        let no_cols = !self.any_wells() && self.each().all(|s| s.cols.is_empty());
        let no_rows = !self.any_wells() && self.each().all(|s| s.rows.is_empty());
        if self.any_rows() && no_cols {
            return Err(PlateError::parse(
                ctx.source,
                None,
                format!(
                    "found [row] sections but no columns{where_}: no wells defined (name columns with [col], [block] or [well], as wellmap requires)"
                ),
            ));
        }
        if self.any_cols() && no_rows {
            return Err(PlateError::parse(
                ctx.source,
                None,
                format!(
                    "found [col] sections but no rows{where_}: no wells defined (name rows with [row], [block] or [well], as wellmap requires)"
                ),
            ));
        }
        Ok(())
    }

    /// Whether the levels include no well at all (after [`Levels::check_inclusion`]).
    fn includes_nothing(self) -> bool {
        !self.any_wells() && self.each().all(|s| s.rows.is_empty() && s.cols.is_empty())
    }
}

/// Resolve the levels into wells with wellmap's inclusion and precedence rules.
fn resolve(
    ctx: &Ctx<'_>,
    levels: Levels<'_>,
    plate_name: &str,
) -> Result<BTreeMap<WellId, WellInfo>, PlateError> {
    levels.check_inclusion(ctx, plate_name)?;
    let mut included = WellSet::new(ctx.limit);
    for s in levels.each() {
        for &w in s.wells.keys() {
            included.insert(w);
        }
        for b in &s.blocks {
            for w in b.wells() {
                included.insert(w);
            }
        }
    }
    let rows = || levels.each().flat_map(|s| s.rows.keys().copied());
    let cols = || levels.each().flat_map(|s| s.cols.keys().copied());
    let occ_rows = span(included.iter().map(|w| w.row).chain(rows()));
    let occ_cols = span(included.iter().map(|w| w.col).chain(cols()));
    for r in rows() {
        for &c in &occ_cols {
            included.insert(WellId::new(r, c));
        }
    }
    for c in cols() {
        for &r in &occ_rows {
            included.insert(WellId::new(r, c));
        }
    }
    if let Some(w) = included.outside {
        return Err(PlateError::at_well(
            ctx.source,
            None,
            &w.to_string(),
            format!("well {w} is outside the {} plate", ctx.limit),
        ));
    }
    // smaller blocks first; among equal sizes the later-defined one first (it wins); the
    // plate's blocks come after the top level's
    let n_top = levels.top.blocks.len();
    let mut blocks: Vec<(usize, usize, &Block)> = levels
        .top
        .blocks
        .iter()
        .map(|b| (b.area(), b.order, b))
        .chain(
            levels
                .plate
                .into_iter()
                .flat_map(|s| &s.blocks)
                .map(|b| (b.area(), b.order + n_top, b)),
        )
        .collect();
    blocks.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = Vec::with_capacity(included.len());
    let mut acc: Vec<&Param> = Vec::new();
    for w in included.iter() {
        acc.clear();
        for s in levels.each() {
            if let Some(p) = s.wells.get(&w) {
                fill(&mut acc, p);
            }
        }
        for (_, _, b) in blocks.iter().filter(|(_, _, b)| b.contains(w)) {
            fill(&mut acc, &b.params);
        }
        for s in levels.each() {
            if let Some(p) = s.rows.get(&w.row) {
                fill(&mut acc, p);
            }
        }
        for s in levels.each() {
            if let Some(p) = s.cols.get(&w.col) {
                fill(&mut acc, p);
            }
        }
        for s in levels.each() {
            fill(&mut acc, &s.expt);
        }
        acc.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        let mut info = WellInfo::default();
        for p in &acc {
            apply_key(&mut info, &p.key, &p.text, p.number)
                .map_err(|m| ctx.err(&p.section, Some(w), m))?;
        }
        out.push((w, info));
    }
    // in well order already: the map is built in bulk
    Ok(out.into_iter().collect())
}

/// A set of wells of a plate of at most 64 columns, one bit per well, iterated in
/// [`WellId`] order (row by row).
struct WellSet {
    rows: Vec<u64>,
    limit: PlateFormat,
    /// The first well (in [`WellId`] order) outside the plate that was inserted.
    outside: Option<WellId>,
}

impl WellSet {
    fn new(limit: PlateFormat) -> Self {
        Self {
            rows: vec![0; usize::from(limit.rows)],
            limit,
            outside: None,
        }
    }

    fn insert(&mut self, w: WellId) {
        if self.limit.contains(w) && w.col < 64 {
            self.rows[usize::from(w.row)] |= 1 << w.col;
        } else if self.outside.is_none_or(|o| w < o) {
            self.outside = Some(w);
        }
    }

    fn len(&self) -> usize {
        self.rows.iter().map(|r| r.count_ones() as usize).sum()
    }

    fn iter(&self) -> impl Iterator<Item = WellId> + '_ {
        self.rows.iter().enumerate().flat_map(|(r, &bits)| {
            let r = u16::try_from(r).unwrap_or(u16::MAX);
            (0..64u16)
                .filter(move |c| bits & (1 << c) != 0)
                .map(move |c| WellId::new(r, c))
        })
    }
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

fn path_list(ctx: &Ctx<'_>, section: &str, v: &DeValue<'_>) -> Result<Vec<String>, PlateError> {
    match v {
        DeValue::String(s) => Ok(vec![s.to_string()]),
        DeValue::Array(a) => a
            .iter()
            .map(|x| match x.get_ref() {
                DeValue::String(s) => Ok(s.to_string()),
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

/// One plate of a parsed layout, not yet resolved to wells.
#[derive(Debug)]
struct PendingPlate {
    name: String,
    /// The plate's own sections; `None` for a layout without `[plate]` (one plate, `1`).
    own: Option<Sections>,
    paths: Vec<String>,
}

/// A wellmap layout parsed into compact sections and checked; plates are resolved to
/// wells on demand.
#[derive(Debug)]
pub(crate) struct Parsed {
    source: String,
    /// The layout text, to give the line of a section in messages.
    text: String,
    limit: PlateFormat,
    explicit: bool,
    top: Sections,
    plates: Vec<PendingPlate>,
    /// See [`super::Layout::meta`].
    pub(crate) meta: BTreeMap<String, String>,
    /// See [`super::Layout::extras`].
    pub(crate) extras: BTreeMap<String, String>,
}

impl Parsed {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            source: &self.source,
            text: &self.text,
            limit: self.limit,
            explicit: self.explicit,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.plates.len()
    }

    pub(crate) fn name(&self, i: usize) -> &str {
        &self.plates[i].name
    }

    pub(crate) fn paths(&self, i: usize) -> &[String] {
        &self.plates[i].paths
    }

    fn levels(&self, i: usize) -> Levels<'_> {
        Levels {
            top: &self.top,
            plate: self.plates[i].own.as_ref(),
        }
    }

    /// Resolve plate `i` to its wells.
    pub(crate) fn resolve(&self, i: usize) -> Result<PlateLayout, PlateError> {
        let p = &self.plates[i];
        let plate_name = if p.own.is_some() { p.name.as_str() } else { "" };
        let wells = resolve(&self.ctx(), self.levels(i), plate_name)?;
        let format = if self.explicit {
            self.limit
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
            name: p.name.clone(),
            format,
            format_explicit: self.explicit,
            wells,
            paths: p.paths.clone(),
        })
    }

    /// Parse a wellmap-style TOML layout and run every check that resolving a plate could
    /// fail, so that errors come at load with their file, line and well. `source` names the
    /// file in errors; relative paths in `[meta] path`/`paths` are resolved against its
    /// directory.
    ///
    /// A large layout is parsed a group of plates at a time ([`plate_pieces`]): toml's parser
    /// holds the tokens and events of all the text it is given (about 14 times the text), so a
    /// 10 MB layout read whole peaks near 200 MB. Any error, or any shape the cut could
    /// change the meaning of, parses the whole text instead, which gives the result (and the
    /// error) as reading it in one go.
    pub(crate) fn parse(source: &str, text: &str) -> Result<Self, PlateError> {
        Self::parse_in_pieces(source, text, PIECE_BYTES)
    }

    /// [`Parsed::parse`], cutting the plate sections into pieces of at least `piece_bytes`.
    fn parse_in_pieces(source: &str, text: &str, piece_bytes: usize) -> Result<Self, PlateError> {
        if text.len() > piece_bytes
            && let Some(parsed) = parse_pieces(source, text, piece_bytes)
        {
            return Ok(parsed);
        }
        parse_whole(source, text)
    }
}

/// Layouts longer than this (bytes) are parsed a group of plates at a time, each group at
/// least this long (see [`Parsed::parse`]).
const PIECE_BYTES: usize = 1 << 18;

/// The parse error of invalid TOML, with its line.
fn toml_error(source: &str, text: &str, e: &toml::de::Error) -> PlateError {
    let line = e
        .span()
        .and_then(|s| text.get(..s.start))
        .map(|t| t.matches('\n').count() + 1);
    PlateError::parse(source, line, format!("not valid TOML: {}", e.message()))
}

/// Parse TOML text with toml's borrowed parser. A number the owned parser would reject
/// (an integer beyond `i64`, an overflowing float) is that parser's error on the text, as
/// for any invalid TOML.
fn parse_toml<'i>(source: &str, text: &'i str) -> Result<Spanned<DeTable<'i>>, PlateError> {
    let root = DeTable::parse(text).map_err(|e| toml_error(source, text, &e))?;
    if root.get_ref().values().all(|v| numbers_ok(v.get_ref())) {
        return Ok(root);
    }
    Err(match text.parse::<toml::Table>() {
        Err(e) => toml_error(source, text, &e),
        Ok(_) => PlateError::parse(source, None, "not valid TOML: a number out of range"),
    })
}

/// The top level of a layout: `[meta]`, geometry, the top-level sections, meta and extras.
struct Head<'a, 'i> {
    out: Parsed,
    ix: Interner,
    meta_path: Option<&'a DeValue<'i>>,
    meta_paths: Option<&'a DeValue<'i>>,
}

impl<'a, 'i> Head<'a, 'i> {
    fn read(source: &str, text: &str, doc: &'a DeTable<'i>) -> Result<Self, PlateError> {
        let meta = match field(doc, "meta") {
            None => None,
            Some(DeValue::Table(t)) => Some(t),
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
        let meta_field = |key: &str| meta.and_then(|m| field(m, key));
        for key in ["include", "concat", "alert"] {
            if meta_field(key).is_some() {
                return Err(probe.unsupported(&format!("`meta.{key}`")));
            }
        }
        let (limit, explicit) = match meta_field("wells") {
            None => (PlateFormat::W1536, false),
            Some(v) => {
                let n = match v {
                    DeValue::Integer(i) => int_of(i).and_then(|n| usize::try_from(n).ok()),
                    _ => None,
                };
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
        let mut ix = Interner::default();
        let top = collect(&ctx, doc, "", false, &mut ix)?;
        let mut out = Parsed {
            source: source.to_owned(),
            text: text.to_owned(),
            limit,
            explicit,
            top,
            plates: Vec::new(),
            meta: BTreeMap::new(),
            extras: BTreeMap::new(),
        };
        for (k, v) in meta.into_iter().flat_map(|m| entries(m)) {
            if !matches!(k, "wells" | "path" | "paths" | "style" | "param_styles") {
                out.meta.insert(k.to_owned(), value_text(v));
            }
        }
        for (k, v) in entries(doc) {
            if !SPECIAL.contains(&k) && k != "series" {
                out.extras.insert(k.to_owned(), value_text(v));
            }
        }
        let meta_path = meta_field("path");
        let meta_paths = meta_field("paths");
        if meta_path.is_some() && meta_paths.is_some() {
            return Err(ctx.err("meta", None, "both `path` and `paths` given; ambiguous"));
        }
        Ok(Self {
            out,
            ix,
            meta_path,
            meta_paths,
        })
    }
}

/// A plate's own sections, checked as resolving the plate would check them.
fn plate_sections(
    ctx: &Ctx<'_>,
    top: &Sections,
    top_ok: bool,
    name: &str,
    section: &str,
    pt: &DeTable<'_>,
    ix: &mut Interner,
) -> Result<Sections, PlateError> {
    let own = collect(ctx, pt, section, true, ix)?;
    let levels = Levels {
        top,
        plate: Some(&own),
    };
    levels.check_inclusion(ctx, name)?;
    // a level whose keys all pass the checks of `apply_key` cannot fail when resolved;
    // a plate built from a level that may fail is resolved once here, to report it now
    if !(top_ok && own.keys_ok()) {
        resolve(ctx, levels, name)?;
    }
    Ok(own)
}

/// Whether `[meta] paths`, when a table, names exactly the plates `names`.
fn paths_keys_match<'n>(
    meta_paths: Option<&DeValue<'_>>,
    names: impl Iterator<Item = &'n str>,
) -> bool {
    match meta_paths {
        Some(DeValue::Table(t)) => {
            let names: BTreeSet<&str> = names.collect();
            let keys: BTreeSet<&str> = entries(t).map(|(k, _)| k).collect();
            names == keys
        }
        _ => true,
    }
}

/// The files `[meta] paths` gives plate `k` (named `name`) of `n`, for a plate that names
/// none itself. `keys_match`: see [`paths_keys_match`].
fn meta_plate_paths(
    ctx: &Ctx<'_>,
    meta_paths: Option<&DeValue<'_>>,
    (k, n): (usize, usize),
    name: &str,
    keys_match: bool,
) -> Result<Vec<String>, PlateError> {
    match meta_paths {
        None => Ok(Vec::new()),
        Some(DeValue::String(tpl)) => {
            if !tpl.contains("{}") {
                return Err(ctx.err(
                    "meta",
                    None,
                    "`paths` as one string needs a `{}` for the plate name",
                ));
            }
            Ok(vec![tpl.replace("{}", name)])
        }
        Some(DeValue::Array(a)) => {
            if a.len() != n {
                return Err(ctx.err(
                    "meta",
                    None,
                    format!("`paths` lists {} files for {n} [plate] sections", a.len()),
                ));
            }
            path_list(ctx, "meta", a[k].get_ref())
        }
        Some(DeValue::Table(t)) => match field(t, name).filter(|_| keys_match) {
            Some(v) => path_list(ctx, "meta", v),
            None => Err(ctx.err(
                "meta",
                None,
                "the keys of `paths` do not match the [plate] sections",
            )),
        },
        Some(other) => Err(ctx.err(
            "meta",
            None,
            format!(
                "`paths` must be a string, a list or a table, found `{}`",
                value_text(other)
            ),
        )),
    }
}

/// Parse a layout read in one go (see [`Parsed::parse`]).
fn parse_whole(source: &str, text: &str) -> Result<Parsed, PlateError> {
    let root = parse_toml(source, text)?;
    let doc = root.get_ref();
    let Head {
        mut out,
        mut ix,
        meta_path,
        meta_paths,
    } = Head::read(source, text, doc)?;
    let ctx = Ctx {
        source,
        text,
        limit: out.limit,
        explicit: out.explicit,
    };
    let base = Path::new(source).parent();
    let plates: Vec<(&str, &DeTable<'_>)> = match field(doc, "plate") {
        None => Vec::new(),
        Some(DeValue::Table(t)) => entries(t)
            .map(|(name, v)| match v {
                DeValue::Table(pt) => Ok((name, pt)),
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
    let top_ok = out.top.keys_ok();
    if plates.is_empty() {
        let levels = Levels {
            top: &out.top,
            plate: None,
        };
        levels.check_inclusion(&ctx, "")?;
        if levels.includes_nothing() {
            return Err(PlateError::parse(
                source,
                None,
                "no wells defined (name wells with [row]+[col], [block] or [well] sections)",
            ));
        }
        if !top_ok {
            resolve(&ctx, levels, "")?;
        }
        let mut paths = Vec::new();
        if let Some(v) = meta_path.or(meta_paths) {
            if let DeValue::Table(_) = v {
                return Err(ctx.err(
                    "meta",
                    None,
                    "`paths` as a table needs [plate.NAME] sections",
                ));
            }
            paths = path_list(&ctx, "meta", v)?
                .iter()
                .map(|s| resolve_path(base, s))
                .collect();
        }
        out.plates.push(PendingPlate {
            name: "1".to_owned(),
            own: None,
            paths,
        });
        return Ok(out);
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
    let keys_match = paths_keys_match(meta_paths, plates.iter().map(|(name, _)| *name));
    // plates in file order: the first error in file order is the one reported
    for (k, (name, pt)) in plates.into_iter().enumerate() {
        let section = format!("plate.{name}");
        let own = plate_sections(&ctx, &out.top, top_ok, name, &section, pt, &mut ix)?;
        let paths = match field(pt, "paths").or(field(pt, "path")) {
            Some(v) => path_list(&ctx, &section, v)?,
            None => meta_plate_paths(&ctx, meta_paths, (k, n), name, keys_match)?,
        }
        .iter()
        .map(|s| resolve_path(base, s))
        .collect();
        out.plates.push(PendingPlate {
            name: name.to_owned(),
            own: Some(own),
            paths,
        });
    }
    Ok(out)
}

/// Cut a layout into its head (the text before the first `[plate.NAME]` header) and pieces of
/// plate sections, each starting at the header of a new plate and, but the last, at least
/// `piece_bytes` long. `None` when a cut could change what the text means: no plate header,
/// an array of tables (`[[`), or, after the first plate header, a line opening anything but a
/// `[plate.…]` table. A cut inside a multi-line string or array leaves a piece that does not
/// parse, which [`parse_pieces`] gives up on.
fn plate_pieces(text: &str, piece_bytes: usize) -> Option<(&str, Vec<&str>)> {
    let mut cuts: Vec<usize> = Vec::new();
    let mut previous: Option<&str> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let t = line.trim_start();
        if t.starts_with("[[") {
            return None;
        }
        if !t.starts_with('[') {
            continue;
        }
        let Some(rest) = t.strip_prefix("[plate.") else {
            if cuts.is_empty() {
                continue;
            }
            return None;
        };
        // a bare plate name (a quoted one is never cut before)
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let name = (len > 0 && rest[len..].starts_with(['.', ']'])).then(|| &rest[..len]);
        match cuts.last() {
            None => cuts.push(start),
            Some(&last) => {
                if name.is_some() && name != previous && start - last >= piece_bytes {
                    cuts.push(start);
                }
            }
        }
        previous = name;
    }
    let head = &text[..*cuts.first()?];
    cuts.push(text.len());
    Some((head, cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect()))
}

/// Parse a layout a group of plates at a time (see [`Parsed::parse`]); `None` on any error or
/// any shape that could read differently in one go, for [`parse_whole`] to read it.
fn parse_pieces(source: &str, text: &str, piece_bytes: usize) -> Option<Parsed> {
    let (head, pieces) = plate_pieces(text, piece_bytes)?;
    let root = parse_toml(source, head).ok()?;
    let doc = root.get_ref();
    if doc.contains_key("plate") {
        return None;
    }
    let Head {
        mut out,
        mut ix,
        meta_path,
        meta_paths,
    } = Head::read(source, text, doc).ok()?;
    if meta_path.is_some() {
        return None;
    }
    let ctx = Ctx {
        source,
        text,
        limit: out.limit,
        explicit: out.explicit,
    };
    let top_ok = out.top.keys_ok();
    let mut seen: HashSet<String> = HashSet::new();
    // the plate's own paths; `None`: from `[meta] paths`, once every plate is known
    let mut own_paths: Vec<Option<Vec<String>>> = Vec::new();
    for piece in pieces {
        let root = parse_toml(source, piece).ok()?;
        let doc = root.get_ref();
        let (1, Some(DeValue::Table(plates))) = (doc.len(), field(doc, "plate")) else {
            return None;
        };
        for (name, v) in entries(plates) {
            // a plate in two pieces would be two definitions of one table read in one go
            let (DeValue::Table(pt), true) = (v, seen.insert(name.to_owned())) else {
                return None;
            };
            let section = format!("plate.{name}");
            let own = plate_sections(&ctx, &out.top, top_ok, name, &section, pt, &mut ix).ok()?;
            own_paths.push(match field(pt, "paths").or(field(pt, "path")) {
                Some(v) => Some(path_list(&ctx, &section, v).ok()?),
                None => None,
            });
            out.plates.push(PendingPlate {
                name: name.to_owned(),
                own: Some(own),
                paths: Vec::new(),
            });
        }
    }
    let n = out.plates.len();
    let keys_match = paths_keys_match(meta_paths, out.plates.iter().map(|p| p.name.as_str()));
    let base = Path::new(source).parent();
    for (k, own) in own_paths.into_iter().enumerate() {
        let paths = match own {
            Some(p) => p,
            None => {
                meta_plate_paths(&ctx, meta_paths, (k, n), &out.plates[k].name, keys_match).ok()?
            }
        };
        out.plates[k].paths = paths.iter().map(|s| resolve_path(base, s)).collect();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::layout::{Layout, Role};

    fn parse(source: &str, text: &str) -> Result<Layout, PlateError> {
        Layout::from_toml_str(source, text)
    }

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

    /// A layout with most of what a plate section can hold: top-level sections, `[meta]`
    /// geometry and paths (`paths` as given), extras, and per plate its own keys, blocks, a
    /// well, a row, a series, quoted names and, for some, its own paths.
    fn many_plates(paths: &str) -> String {
        let mut t = format!(
            "title = 'screen'\nnote = {{ by = 'me', n = 0x1F }}\n[meta]\nwells = 96\n{paths}\n\
             operator = ['a', 'b']\n[expt]\nunit = 'nM'\n[col.1]\nrole = 'untreated'\n\
             [block.1x4.A12]\nrole = 'blank'\n[row.'A-H']\nrole = 'sample'\n\
             drug_a = \"birinapant\"\nconc_a = 1_000\n"
        );
        for k in 0..9 {
            let name = if k == 4 {
                "'P 4'".to_owned()
            } else {
                format!("P{k}")
            };
            let _ = write!(
                t,
                "[plate.{name}]\ncell_line = 'LINE{}'\nreplicate = {}\nday.0 = 2024-01-0{}\n",
                k / 3,
                k % 3,
                k + 1
            );
            if k == 2 {
                t.push_str("path = 'own/two.csv'\n");
            }
            for c in 2..=5 {
                let _ = write!(
                    t,
                    "[plate.{name}.block.1x8.A{c}]\ndrug_b = 'partner{}'\nconc_b = {}\n",
                    k % 2,
                    f64::from(c) * 0.25
                );
            }
            if k % 3 == 1 {
                let _ = write!(
                    t,
                    "[plate.{name}.well.H5]\nrole = 'empty'\n[plate.{name}.row.B]\nedge = true\n\
                     [plate.{name}.series.drug_b]\ntop = 8\nfactor = 2\ncount = 3\n\
                     along = 'cols'\nstart = 6\nname = 'TNF'\n"
                );
            }
        }
        t
    }

    /// Both ways of reading: in pieces (one per plate) and in one go.
    fn both(text: &str) -> (Result<Parsed, PlateError>, Result<Parsed, PlateError>) {
        (
            Parsed::parse_in_pieces("dir/l.toml", text, 1),
            parse_whole("dir/l.toml", text),
        )
    }

    fn same(a: &Result<Parsed, PlateError>, b: &Result<Parsed, PlateError>) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => format!("{a:?}") == format!("{b:?}"),
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }

    #[test]
    fn a_layout_read_in_pieces_is_the_layout_read_in_one_go() {
        let names: Vec<String> = (0..9)
            .map(|k| {
                if k == 4 {
                    "P 4".into()
                } else {
                    format!("P{k}")
                }
            })
            .collect();
        let listed: Vec<String> = names.iter().map(|n| format!("'{n}.csv'")).collect();
        let table: Vec<String> = names
            .iter()
            .map(|n| format!("'{n}' = 'x/{n}.txt'"))
            .collect();
        for paths in [
            "paths = 'exports/{}.txt'".to_owned(),
            format!("paths = [{}]", listed.join(", ")),
            format!("paths = {{ {} }}", table.join(", ")),
            String::new(),
        ] {
            let text = many_plates(&paths);
            // one piece per plate with a bare name; the quoted one stays with the plate before
            let (head, pieces) = plate_pieces(&text, 1).unwrap();
            assert!(head.starts_with("title") && head.ends_with("conc_a = 1_000\n"));
            assert_eq!(pieces.len(), 8, "{paths}");
            let direct = parse_pieces("dir/l.toml", &text, 1).expect("read in pieces");
            let whole = parse_whole("dir/l.toml", &text).unwrap();
            assert_eq!(format!("{direct:?}"), format!("{whole:?}"), "{paths}");
            assert_eq!(direct.len(), 9);
            for i in 0..9 {
                assert_eq!(direct.resolve(i).unwrap(), whole.resolve(i).unwrap());
            }
            assert_eq!(direct.paths(2), ["dir/own/two.csv"]);
            assert_eq!(direct.extras["note"], whole.extras["note"]);
            assert_eq!(direct.meta["operator"], "[\"a\", \"b\"]");
        }
    }

    #[test]
    fn what_pieces_could_read_differently_is_read_in_one_go() {
        let base = many_plates("paths = 'e/{}.txt'");
        let cases = [
            // a plate coming back after another one (valid TOML), and one defined twice
            format!("{base}[plate.P1.col.7]\nlate = 1\n"),
            format!("{base}[plate.P1]\nx = 1\n"),
            // a top-level table after the plates, an array of tables, a `[plate]` header
            format!("{base}[col.9]\nrole = 'blank'\n"),
            format!("{base}[[runs]]\nid = 1\n"),
            format!("[plate]\nP9 = 1\n{base}"),
            format!("{base}[plate]\nP9 = 1\n"),
            // a header inside a multi-line string
            format!("{base}[plate.Q]\nnote = '''\n[plate.R]\nx = 1\n'''\n"),
        ];
        for text in &cases {
            assert!(parse_pieces("dir/l.toml", text, 1).is_none(), "{text}");
            let (a, b) = both(text);
            assert!(same(&a, &b), "{text}");
        }
        assert!(both(&cases[0]).0.is_ok());
        let err = both(&cases[1]).0.unwrap_err().to_string();
        assert!(
            err.contains("not valid TOML") && err.contains("duplicate"),
            "{err}"
        );
    }

    #[test]
    fn errors_in_pieces_are_the_errors_read_in_one_go() {
        let base = many_plates("paths = ['only.csv']");
        let cases = [
            // meta paths of the wrong length (reported at the first plate)
            base.clone(),
            // a bad concentration and a well off the plate in a late plate
            format!("{base}[plate.P9.block.1x1.A1]\nconc_a = 'lots'\n"),
            format!("{base}[plate.P9.well.J1]\nrole = 'blank'\n"),
            // numbers toml rejects, in a plate and at the top
            format!("{base}[plate.P9]\nbig = 9223372036854775808\n"),
            format!("huge = 1e999\n{base}"),
            // `path` with plates, and invalid TOML in a piece
            base.replace("paths = ['only.csv']", "path = 'one.csv'"),
            format!("{base}[plate.P9]\nx = \n"),
        ];
        for text in &cases {
            let (a, b) = both(text);
            assert!(a.is_err(), "{text}");
            assert!(same(&a, &b), "{text}");
        }
        let err = both(&cases[3]).0.unwrap_err().to_string();
        let want = toml_error(
            "dir/l.toml",
            &cases[3],
            &cases[3].parse::<toml::Table>().unwrap_err(),
        )
        .to_string();
        assert_eq!(err, want);
        assert!(
            err.contains(&format!("line {}:", cases[3].lines().count())),
            "{err}"
        );
    }

    /// The text of a value as the owned parser's `toml::Value` gave it (the reference).
    fn owned_text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Float(x) => crate::model::format_number(*x),
            Value::Boolean(b) => b.to_string(),
            Value::Datetime(d) => d.to_string(),
            Value::Array(_) | Value::Table(_) => v.to_string(),
        }
    }

    #[test]
    fn values_read_borrowed_are_written_as_the_owned_parser_reads_them() {
        let text = "s = 'a \"q\"'\nesc = \"tab\\there\"\ni = -42\nhex = 0xff\noct = 0o17\n\
                    bin = 0b101\nu = 1_000_000\nf = 6.02e23\ng = -0.0\nh = 1_0.5\ninf = -inf\n\
                    nan = nan\nt = true\nd = 1979-05-27T07:32:00Z\nld = 1979-05-27\n\
                    a = [1, 2.5, 'x', [true], { k = 1 }]\nit = { b = 2, a = 'z', n = { m = [] } }\n\
                    [tab]\nz = 1\ny.x = 'w'\n";
        let owned: toml::Table = text.parse().unwrap();
        let root = parse_toml("l.toml", text).unwrap();
        let keys: Vec<&str> = entries(root.get_ref()).map(|(k, _)| k).collect();
        assert_eq!(keys, owned.keys().map(String::as_str).collect::<Vec<_>>());
        for (k, v) in entries(root.get_ref()) {
            assert_eq!(value_text(v), owned_text(&owned[k]), "{k}");
            let want = match &owned[k] {
                Value::Integer(i) => Some(*i as f64),
                Value::Float(x) => Some(*x),
                _ => None,
            };
            assert_eq!(number(v).map(f64::to_bits), want.map(f64::to_bits), "{k}");
        }
    }
}
