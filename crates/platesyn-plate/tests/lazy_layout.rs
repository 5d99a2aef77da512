//! `LazyLayout`: plates resolved on demand, a chunk at a time, are the plates `Layout`
//! resolves all at once, and every error still comes at load, naming file, section and well.

use std::fmt::Write as _;

use platesyn_plate::{Layout, LazyLayout, PlateError, Role, WellId};

fn w(s: &str) -> WellId {
    WellId::parse(s).unwrap()
}

/// A screen in the shape `platesyn simulate` writes: shared controls and drug A blocks at
/// the top level, one `[plate.NAME]` per plate with its own drug B blocks, plus a series,
/// a plate-level well and a plate-level row to exercise every precedence level.
fn screen(n: usize) -> String {
    let mut t = String::from(
        "[meta]\nwells = 96\npaths = 'exports/{}.txt'\n\n[expt]\nunit = 'nM'\n\n\
         [col.1]\nrole = 'untreated'\n\n[block.1x4.A12]\nrole = 'blank'\n\n\
         [block.1x4.E12]\nrole = 'positive'\n\n",
    );
    for (r, row) in ["A", "B", "C", "D", "E", "F", "G", "H"].iter().enumerate() {
        let _ = write!(
            t,
            "[block.10x1.{row}2]\nrole = 'sample'\ndrug_a = 'birinapant'\nconc_a = {}\n\n",
            r * 3
        );
    }
    for k in 0..n {
        let _ = write!(
            t,
            "[plate.P{k}]\ncell_line = 'LINE{}'\nreplicate = '{}'\n\n",
            k / 3,
            k % 3 + 1
        );
        for c in 2..=11 {
            let _ = write!(
                t,
                "[plate.P{k}.block.1x8.A{c}]\ndrug_b = 'partner{}'\nconc_b = {}\n\n",
                k % 4,
                f64::from(c - 2) * 0.5
            );
        }
        if k % 2 == 1 {
            let _ = write!(
                t,
                "[plate.P{k}.well.H11]\nrole = 'empty'\nnote = 'bubble'\n\n"
            );
            let _ = write!(t, "[plate.P{k}.row.A]\nedge = true\n\n");
        }
    }
    t
}

#[test]
fn chunks_resolve_to_the_plates_of_the_whole_layout() {
    let text = screen(7);
    let whole = Layout::from_toml_str("dir/screen.toml", &text).unwrap();
    let lazy = LazyLayout::from_toml_str("dir/screen.toml", &text).unwrap();
    assert_eq!(lazy.len(), 7);
    assert_eq!(whole.plates.len(), 7);
    let names: Vec<&str> = lazy.plate_names().collect();
    assert_eq!(names, ["P0", "P1", "P2", "P3", "P4", "P5", "P6"]);
    // chunks of 3, and out of order: each plate is the same as when resolved with all others
    let mut chunked = Vec::new();
    for chunk in [[0, 1, 2].as_slice(), &[3, 4, 5], &[6]] {
        chunked.extend(lazy.resolve_plates(chunk).into_iter().map(Result::unwrap));
    }
    assert_eq!(chunked, whole.plates);
    assert_eq!(lazy.resolve(5).unwrap(), whole.plates[5]);
    for (i, p) in whole.plates.iter().enumerate() {
        assert_eq!(lazy.plate_name(i), p.name);
        assert_eq!(lazy.plate_paths(i), p.paths);
    }
    assert_eq!(lazy.plate_paths(4), ["dir/exports/P4.txt"]);

    // and the values are the layout's: 96 wells, each level where it belongs
    let p1 = &chunked[1];
    assert_eq!(p1.wells.len(), 96);
    assert_eq!(p1.wells[&w("A1")].role, Some(Role::Untreated));
    assert_eq!(p1.wells[&w("A1")].cell_line.as_deref(), Some("LINE0"));
    assert_eq!(p1.wells[&w("A1")].extra["edge"], "true");
    assert_eq!(p1.wells[&w("D12")].role, Some(Role::Blank));
    assert_eq!(p1.wells[&w("E12")].role, Some(Role::Positive));
    let c5 = &p1.wells[&w("C5")];
    assert_eq!(c5.role, Some(Role::Sample));
    assert_eq!(c5.drug_a.as_deref(), Some("birinapant"));
    assert_eq!(c5.conc_a, Some(6.0));
    assert_eq!(c5.drug_b.as_deref(), Some("partner1"));
    assert_eq!(c5.conc_b, Some(1.5));
    assert_eq!(c5.unit.as_deref(), Some("nM"));
    assert_eq!(c5.replicate.as_deref(), Some("2"));
    assert!(!c5.extra.contains_key("edge"));
    // the plate's own well beats the top-level block
    assert_eq!(p1.wells[&w("H11")].role, Some(Role::Empty));
    assert_eq!(p1.wells[&w("H11")].extra["note"], "bubble");
    assert_eq!(chunked[2].wells[&w("H11")].role, Some(Role::Sample));
    assert!(!chunked[2].wells[&w("A1")].extra.contains_key("edge"));
}

#[test]
fn plater_csv_is_one_plate_either_way() {
    let text = "role,1,2,3\nA,untreated,sample,sample\nB,blank,sample,sample\n\n\
                conc_a,1,2,3\nA,,3,1\nB,,4.5,1.5\n";
    let whole = Layout::from_plater_str("l.csv", text).unwrap();
    let lazy = LazyLayout::from_plater_str("l.csv", text).unwrap();
    assert_eq!(lazy.len(), 1);
    assert_eq!(lazy.plate_name(0), "1");
    let p = lazy.resolve(0).unwrap();
    assert_eq!(p, whole.plates[0]);
    assert_eq!(p.wells[&w("B2")].conc_a, Some(4.5));
}

/// The message of an error of both loaders, which must agree.
fn load_error(text: &str) -> String {
    let whole = Layout::from_toml_str("dir/screen.toml", text).unwrap_err();
    let lazy = LazyLayout::from_toml_str("dir/screen.toml", text).unwrap_err();
    assert_eq!(lazy.to_string(), whole.to_string());
    whole.to_string()
}

#[test]
fn a_bad_value_in_one_plate_is_reported_at_load_with_its_plate_line_and_well() {
    let good = screen(5);
    // plate P3's fourth drug B block gets a concentration that is not a number
    let bad = good.replacen(
        "[plate.P3.block.1x8.A5]\ndrug_b = 'partner3'\nconc_b = 1.5",
        "[plate.P3.block.1x8.A5]\ndrug_b = 'partner3'\nconc_b = 'lots'",
        1,
    );
    assert_ne!(bad, good);
    let err = load_error(&bad);
    assert!(err.contains("conc_b must be a number"), "{err}");
    assert!(err.contains("found `lots`"), "{err}");
    assert!(err.contains("plate.P3.block.1x8.A5"), "{err}");
    assert!(err.contains("A5"), "{err}");
    let line = bad
        .lines()
        .position(|l| l == "[plate.P3.block.1x8.A5]")
        .unwrap()
        + 1;
    assert!(err.contains(&format!("line {line}")), "{err}");

    // an unknown role at the top level concerns every plate: the first one reports it
    let err = load_error(&good.replacen("role = 'blank'", "role = 'blanc'", 1));
    assert!(err.contains("unknown role `blanc`"), "{err}");
    assert!(err.contains("A12"), "{err}");
}

#[test]
fn plate_level_structure_errors_are_reported_at_load() {
    // a plate with columns but no rows, wells or blocks, under a top level with none either
    let text = "[plate.a]\n[plate.a.col.1]\nx = 1\n[plate.b]\n[plate.b.well.A1]\nx = 2\n";
    let err = load_error(text);
    assert!(
        err.contains("found [col] sections but no rows (plate a)"),
        "{err}"
    );
    // `paths` listing too few files
    let err = load_error(&screen(3).replacen(
        "paths = 'exports/{}.txt'",
        "paths = ['a.txt', 'b.txt']",
        1,
    ));
    assert!(
        err.contains("`paths` lists 2 files for 3 [plate] sections"),
        "{err}"
    );
}

#[test]
fn a_bad_value_no_well_uses_is_not_an_error() {
    // row A's concentration is overridden by the only well row A includes
    let text = "[row.A]\nconc_a = 'x'\n[well.A1]\nconc_a = 1\n\
                [plate.p]\n[plate.q]\n[plate.q.well.A1]\nrole = 'blank'\n";
    let whole = Layout::from_toml_str("l.toml", text).unwrap();
    let lazy = LazyLayout::from_toml_str("l.toml", text).unwrap();
    let all: Vec<usize> = (0..lazy.len()).collect();
    let plates: Vec<_> = lazy
        .resolve_plates(&all)
        .into_iter()
        .collect::<Result<_, PlateError>>()
        .unwrap();
    assert_eq!(plates, whole.plates);
    assert_eq!(plates[0].wells.len(), 1);
    assert_eq!(plates[0].wells[&w("A1")].conc_a, Some(1.0));
    assert_eq!(plates[1].wells[&w("A1")].role, Some(Role::Blank));
}
