//! plater-style plate-shaped layout CSV: one grid per key, the key's name in the top-left
//! cell, grids separated by one blank line (see `formats::grid` for the grid rules; layouts
//! follow plater strictly, so two blank lines in a row are an error as in plater).

use std::collections::BTreeMap;

use super::{LAYOUT_KEYS, Layout, PlateLayout, WellInfo, apply_key};
use crate::error::PlateError;
use crate::formats::grid::{TableRow, parse_grids, unique_names};
use crate::text;
use crate::well::WellId;

/// Parse a plate-shaped layout. Every well with a non-empty cell in any grid is included;
/// a grid named like a platesyn key (`role`, `drug_a`, `conc_a`, ..., case-insensitive)
/// sets that key, any other grid goes to [`WellInfo::extra`] under its name.
pub fn parse(source: &str, text_in: &str) -> Result<Layout, PlateError> {
    let text_in = text_in.strip_prefix('\u{feff}').unwrap_or(text_in);
    let lines = text::lines(text_in);
    let delim = text::sniff_delimiter(&lines).unwrap_or(b',');
    // a trailing newline is not a blank line of its own
    let n = if lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
        lines.len() - 1
    } else {
        lines.len()
    };
    let rows: Vec<TableRow> = lines[..n]
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, text::split_fields(l, delim)))
        .collect();
    let grids = parse_grids(source, &rows, true)?;
    let names = unique_names(&grids);
    let format = grids[0].format;
    let mut wells: BTreeMap<WellId, WellInfo> = BTreeMap::new();
    for (grid, name) in grids.iter().zip(&names) {
        let lower = name.to_ascii_lowercase();
        let key = if LAYOUT_KEYS.contains(&lower.as_str()) {
            lower
        } else {
            name.clone()
        };
        for well in format.wells() {
            let cell = &grid.cells[usize::from(well.row)][usize::from(well.col)];
            if cell.is_empty() {
                continue;
            }
            let number = text::parse_number(cell, delim != b',');
            let info = wells.entry(well).or_default();
            apply_key(info, &key, cell, number).map_err(|m| {
                PlateError::at_well(
                    source,
                    Some(grid.line_of(well)),
                    &well.to_string(),
                    format!("grid `{name}`: {m}"),
                )
            })?;
        }
    }
    if wells.is_empty() {
        return Err(PlateError::parse(
            source,
            None,
            "the layout has no wells: every cell of every grid is empty",
        ));
    }
    Ok(Layout {
        plates: vec![PlateLayout {
            name: "1".to_owned(),
            format,
            format_explicit: true,
            wells,
            paths: Vec::new(),
        }],
        ..Layout::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Role;

    #[test]
    fn platesyn_keys_from_grids_with_semicolons_and_decimal_commas() {
        let text = "Role;1;2;3\r\nA;untreated;sample;blank\r\nB;;sample;\r\n\r\nconc_a;1;2;3\r\nA;;0,5;\r\nB;;2,5;\r\n\r\nmedia;1;2;3\r\nA;RPMI;RPMI;RPMI\r\nB;;;\r\n";
        let l = parse("m.csv", text).unwrap();
        let p = &l.plates[0];
        assert_eq!(p.format.well_count(), 6);
        assert_eq!(p.wells.len(), 4);
        let a2 = &p.wells[&WellId::parse("A2").unwrap()];
        assert_eq!(a2.role, Some(Role::Sample));
        assert_eq!(a2.conc_a, Some(0.5));
        assert_eq!(a2.extra["media"], "RPMI");
        assert_eq!(p.wells[&WellId::parse("B2").unwrap()].conc_a, Some(2.5));
        assert_eq!(
            p.wells[&WellId::parse("A1").unwrap()].role,
            Some(Role::Untreated)
        );
    }
}
