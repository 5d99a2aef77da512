//! Layouts resolve to the same wells and values as wellmap itself (oracle tables made by
//! `fixtures/wellmap/make_oracle.py` with wellmap 3.5.2).

mod common;

use std::collections::BTreeMap;

use platesyn_plate::{Layout, PlateError};

type Table = BTreeMap<(String, String, String), String>;

fn oracle(name: &str) -> Table {
    let path = common::fixtures().join(format!("wellmap/{name}.oracle.csv"));
    let mut rdr = csv::Reader::from_path(&path).expect("oracle readable");
    rdr.records()
        .map(|r| {
            let r = r.expect("oracle row");
            let plate = if r[0].is_empty() { "1" } else { &r[0] };
            (
                (plate.to_owned(), r[1].to_owned(), r[2].to_owned()),
                r[3].to_owned(),
            )
        })
        .collect()
}

fn ours(name: &str) -> Table {
    let path = common::fixtures().join(format!("wellmap/{name}.toml"));
    let layout = Layout::from_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Table::new();
    for p in &layout.plates {
        for (well, info) in &p.wells {
            for (k, v) in info.fields() {
                out.insert((p.name.clone(), well.to_string(), k), v);
            }
        }
    }
    out
}

fn same(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= common::ORACLE_TOLERANCE,
        _ => a == b,
    }
}

/// The wellmap layouts of ../shared/ref/plates/wellmap that use only supported syntax.
const LAYOUTS: [&str; 11] = [
    "beta_gal_assay",
    "bradford_standards",
    "one_well_xy",
    "one_well_xy_extras",
    "penicillin_resistance",
    "qpcr_timecourse",
    "std",
    "std_curve",
    "three_wells",
    "two_wells",
    "well_groups_1",
];

#[test]
fn every_supported_wellmap_layout_matches_the_oracle() {
    let mut total = 0;
    for name in LAYOUTS {
        let want = oracle(name);
        let got = ours(name);
        let want_keys: Vec<_> = want.keys().collect();
        let got_keys: Vec<_> = got.keys().collect();
        assert_eq!(got_keys, want_keys, "{name}: wells/keys differ");
        for (k, v) in &want {
            assert!(
                same(&got[k], v),
                "{name} {k:?}: ours {} vs wellmap {v}",
                got[k]
            );
        }
        total += want.len();
    }
    // 11 layouts, 2457 (plate, well, key) values in the oracle tables
    assert_eq!(total, 2457);
}

#[test]
fn well_counts_and_plate_sizes() {
    let dir = common::fixtures().join("wellmap");
    let qpcr = Layout::from_path(&dir.join("qpcr_timecourse.toml")).unwrap();
    assert_eq!(qpcr.plates[0].wells.len(), 270);
    assert_eq!(qpcr.plates[0].format.well_count(), 384);
    let pen = Layout::from_path(&dir.join("penicillin_resistance.toml")).unwrap();
    assert_eq!(pen.plates.len(), 3);
    assert!(pen.plates.iter().all(|p| p.wells.len() == 96));
    assert!(pen.plates[1].paths[0].ends_with("20180704_penicillin_resistance_rep2.xlsx"));
    assert!(pen.plates[1].paths[0].contains("fixtures/wellmap/"));
    let beta = Layout::from_path(&dir.join("beta_gal_assay.toml")).unwrap();
    assert_eq!(beta.plates[0].wells.len(), 16);
    assert_eq!(beta.plates[0].format.well_count(), 96);
}

#[test]
fn unsupported_wellmap_features_fail_clearly() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    let dir = shared.join("plates/wellmap");
    for (name, feature) in [
        ("bradford_assay.toml", "meta.include"),
        ("figures__bradford_assay.toml", "meta.include"),
        ("one_well_xy_alert.toml", "meta.alert"),
        ("well_groups.toml", "[irow]"),
        ("well_groups_2.toml", "[irow]"),
    ] {
        let err = Layout::from_path(&dir.join(name)).unwrap_err();
        assert!(
            matches!(err, PlateError::Unsupported { .. }),
            "{name}: {err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(name) && msg.contains(feature) && msg.contains("not support"),
            "{msg}"
        );
    }
}

#[test]
fn shared_wellmap_layouts_equal_the_fixture_copies() {
    let Some(shared) = common::shared_ref() else {
        return;
    };
    // the oracle covers every shared wellmap layout: the supported ones are the fixture
    // copies (byte for byte), the rest fail as unsupported (test above)
    let count = std::fs::read_dir(shared.join("plates/wellmap"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(count, LAYOUTS.len() + 5);
    for name in LAYOUTS {
        let a = std::fs::read(shared.join(format!("plates/wellmap/{name}.toml"))).unwrap();
        let b = std::fs::read(common::fixtures().join(format!("wellmap/{name}.toml"))).unwrap();
        assert_eq!(a, b, "{name}");
    }
}
