//! Long-table input: records -> blocks, and header mapping for SynergyFinder's column names.

use serde::{Deserialize, Serialize};

use crate::block::{DoseMatrix, Point};
use crate::error::SynergyError;
use crate::scale::ResponseScale;

/// One row of a long table (one well).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LongRecord {
    /// Block identifier.
    pub block: String,
    /// Concentration of drug A (row drug).
    pub conc_a: f64,
    /// Concentration of drug B (column drug).
    pub conc_b: f64,
    /// Response on the scale given to [`group_records`]. NaN = unusable well.
    pub response: f64,
    /// Drug A name.
    pub drug_a: Option<String>,
    /// Drug B name.
    pub drug_b: Option<String>,
    /// Replicate label (informational: replicates are recognised by repeated dose pairs).
    pub replicate: Option<String>,
    /// Concentration unit.
    pub unit: Option<String>,
}

fn check_same(
    block: &str,
    record: usize,
    what: &'static str,
    slot: &mut Option<String>,
    found: Option<&String>,
) -> Result<(), SynergyError> {
    if let Some(f) = found {
        match slot {
            None => *slot = Some(f.clone()),
            Some(e) if e != f => {
                return Err(SynergyError::Inconsistent {
                    block: block.to_owned(),
                    record,
                    what,
                    expected: e.clone(),
                    found: f.clone(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Group long-table records into blocks (in order of first appearance). All responses are
/// on `scale`; the scale is never guessed. Drug names and unit must agree within a block.
pub fn group_records(
    records: &[LongRecord],
    scale: ResponseScale,
) -> Result<Vec<DoseMatrix>, SynergyError> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (k, r) in records.iter().enumerate() {
        let e = groups.entry(r.block.as_str()).or_default();
        if e.is_empty() {
            order.push(r.block.clone());
        }
        e.push(k);
    }
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let idx = &groups[id.as_str()];
        let (mut da, mut db, mut unit) = (None, None, None);
        let mut pts = Vec::with_capacity(idx.len());
        for &k in idx {
            let r = &records[k];
            check_same(&id, k, "drug_a", &mut da, r.drug_a.as_ref())?;
            check_same(&id, k, "drug_b", &mut db, r.drug_b.as_ref())?;
            check_same(&id, k, "unit", &mut unit, r.unit.as_ref())?;
            pts.push(Point {
                conc_a: r.conc_a,
                conc_b: r.conc_b,
                response: r.response,
            });
        }
        let mut m = DoseMatrix::new(id, scale, &pts).map_err(|e| match e {
            // report the record index in the caller's slice, not within the block
            SynergyError::BadConcentration {
                block,
                record,
                drug,
                value,
            } => SynergyError::BadConcentration {
                block,
                record: idx[record],
                drug,
                value,
            },
            other => other,
        })?;
        m.drug_a = da;
        m.drug_b = db;
        m.conc_unit = unit;
        out.push(m);
    }
    Ok(out)
}

/// Logical fields of a long table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    /// Block id.
    Block,
    /// Drug A concentration.
    ConcA,
    /// Drug B concentration.
    ConcB,
    /// Response.
    Response,
    /// Drug A name.
    DrugA,
    /// Drug B name.
    DrugB,
    /// Replicate label.
    Replicate,
    /// Concentration unit (drug A, or both).
    Unit,
    /// Concentration unit of drug B (SynergyFinder `conc_unit2` / `conc_c_unit`).
    UnitB,
}

/// Accepted column names per field (compared case-insensitively, ignoring `_`, `-`, spaces).
/// Covers platesyn's own names and SynergyFinder's (`block_id, drug1, drug2, conc1, conc2,
/// response, conc_unit` and the older `drug_row, drug_col, conc_r, conc_c`).
pub const ACCEPTED_COLUMNS: &[(Field, &[&str])] = &[
    (
        Field::Block,
        &["block", "block_id", "pair_index", "pairindex"],
    ),
    (Field::ConcA, &["conc_a", "conc1", "conc_r", "conc_row"]),
    (Field::ConcB, &["conc_b", "conc2", "conc_c", "conc_col"]),
    (Field::Response, &["response", "inhibition", "viability"]),
    (Field::DrugA, &["drug_a", "drug1", "drug_row"]),
    (Field::DrugB, &["drug_b", "drug2", "drug_col"]),
    (Field::Replicate, &["replicate", "rep"]),
    (
        Field::Unit,
        &["unit", "conc_unit", "conc_unit1", "conc_r_unit"],
    ),
    (Field::UnitB, &["conc_unit2", "conc_c_unit"]),
];

fn norm(s: &str) -> String {
    s.trim()
        .trim_matches('"')
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::Block => "block",
        Field::ConcA => "conc_a",
        Field::ConcB => "conc_b",
        Field::Response => "response",
        Field::DrugA => "drug_a",
        Field::DrugB => "drug_b",
        Field::Replicate => "replicate",
        Field::Unit => "unit",
        Field::UnitB => "unit_b",
    }
}

/// Column positions of the logical fields in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    names: Vec<String>,
    pos: Vec<(Field, usize)>,
}

impl HeaderMap {
    /// Map header column names to fields. `block`, `conc_a`, `conc_b` and `response` are
    /// required (any accepted spelling); unknown columns are ignored.
    pub fn from_header<S: AsRef<str>>(columns: &[S]) -> Result<Self, SynergyError> {
        let names: Vec<String> = columns.iter().map(|c| c.as_ref().to_owned()).collect();
        let mut pos: Vec<(Field, usize)> = Vec::new();
        for (k, c) in names.iter().enumerate() {
            let n = norm(c);
            for (field, accepted) in ACCEPTED_COLUMNS {
                if accepted.iter().any(|a| norm(a) == n) {
                    if let Some(&(_, prev)) = pos.iter().find(|(f, _)| f == field) {
                        return Err(SynergyError::DuplicateColumn {
                            field: field_name(*field),
                            first: names[prev].clone(),
                            second: c.clone(),
                        });
                    }
                    pos.push((*field, k));
                }
            }
        }
        for req in [Field::Block, Field::ConcA, Field::ConcB, Field::Response] {
            if !pos.iter().any(|(f, _)| *f == req) {
                let accepted = ACCEPTED_COLUMNS
                    .iter()
                    .find(|(f, _)| *f == req)
                    .map(|(_, a)| a.join(", "))
                    .unwrap_or_default();
                return Err(SynergyError::MissingColumn {
                    field: field_name(req),
                    accepted,
                });
            }
        }
        Ok(Self { names, pos })
    }

    /// Column index of a field, if present.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.pos.iter().find(|(f, _)| *f == field).map(|&(_, k)| k)
    }

    /// Parse one data row (`line` = 1-based line number in the source, for messages).
    /// Empty or `NA` response text becomes NaN (a missing well, kept and reported as such).
    pub fn parse_row<S: AsRef<str>>(
        &self,
        row: &[S],
        line: usize,
    ) -> Result<LongRecord, SynergyError> {
        let get = |f: Field| -> Result<Option<&str>, SynergyError> {
            match self.index(f) {
                None => Ok(None),
                Some(k) => row.get(k).map(|s| Some(s.as_ref().trim())).ok_or_else(|| {
                    SynergyError::ShortRow {
                        line,
                        found: row.len(),
                        needed: k + 1,
                        column: self.names[k].clone(),
                    }
                }),
            }
        };
        let num = |f: Field, allow_na: bool| -> Result<f64, SynergyError> {
            let t = get(f)?.unwrap_or("");
            if allow_na
                && (t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan"))
            {
                return Ok(f64::NAN);
            }
            t.parse::<f64>().map_err(|_| SynergyError::BadNumber {
                line,
                column: self.names[self.index(f).unwrap_or(0)].clone(),
                text: t.to_owned(),
            })
        };
        let text = |f: Field| -> Result<Option<String>, SynergyError> {
            Ok(get(f)?.filter(|s| !s.is_empty()).map(str::to_owned))
        };
        let unit = match (text(Field::Unit)?, text(Field::UnitB)?) {
            (Some(a), Some(b)) if a != b => Some(format!("{a}/{b}")),
            (a, b) => a.or(b),
        };
        Ok(LongRecord {
            block: get(Field::Block)?.unwrap_or("").to_owned(),
            conc_a: num(Field::ConcA, false)?,
            conc_b: num(Field::ConcB, false)?,
            response: num(Field::Response, true)?,
            drug_a: text(Field::DrugA)?,
            drug_b: text(Field::DrugB)?,
            replicate: text(Field::Replicate)?,
            unit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_synergyfinder_headers() {
        let h = HeaderMap::from_header(&[
            "block_id",
            "drug_row",
            "drug_col",
            "conc_r",
            "conc_c",
            "response",
            "conc_r_unit",
            "conc_c_unit",
        ])
        .unwrap();
        assert_eq!(h.index(Field::ConcA), Some(3));
        assert_eq!(h.index(Field::DrugB), Some(2));
        let r = h
            .parse_row(
                &[
                    "1",
                    "ispinesib",
                    "ibrutinib",
                    "2500.0",
                    "50.0",
                    "7.8",
                    "nM",
                    "nM",
                ],
                2,
            )
            .unwrap();
        assert_eq!(r.conc_a, 2500.0);
        assert_eq!(r.unit.as_deref(), Some("nM"));
        let h = HeaderMap::from_header(&[
            "BlockId", "Drug1", "Drug2", "Conc1", "Conc2", "Response", "ConcUnit",
        ])
        .unwrap();
        assert_eq!(h.index(Field::Unit), Some(6));
        let e = h
            .parse_row(&["1", "a", "b", "x", "1", "2", "uM"], 7)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 7: column \"Conc1\": \"x\" is not a number"
        );
        assert!(matches!(
            HeaderMap::from_header(&["block", "conc1", "response"]),
            Err(SynergyError::MissingColumn {
                field: "conc_b",
                ..
            })
        ));
    }

    #[test]
    fn groups_records_into_blocks() {
        let mut recs = Vec::new();
        for blk in ["2", "1"] {
            for a in [0.0, 1.0, 2.0] {
                for b in [0.0, 1.0, 2.0] {
                    recs.push(LongRecord {
                        block: blk.into(),
                        conc_a: a,
                        conc_b: b,
                        response: 100.0 - a * 10.0 - b,
                        drug_a: Some("x".into()),
                        drug_b: Some("y".into()),
                        replicate: None,
                        unit: Some("uM".into()),
                    });
                }
            }
        }
        let blocks = group_records(&recs, ResponseScale::PERCENT_VIABILITY).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].id, "2");
        assert_eq!(blocks[1].drug_a.as_deref(), Some("x"));
        recs[3].drug_b = Some("z".into());
        let e = group_records(&recs, ResponseScale::PERCENT_VIABILITY).unwrap_err();
        assert!(matches!(
            e,
            SynergyError::Inconsistent {
                record: 3,
                what: "drug_b",
                ..
            }
        ));
    }
}
