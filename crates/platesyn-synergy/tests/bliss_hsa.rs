//! Bliss and HSA against every reference matrix; observed-monotherapy models need no fit.

mod common;

use common::{MATRICES, SFDRC_FILES, Table, hill, scenario_doses, synergy_ref, tol};
use platesyn_synergy::{DoseMatrix, Model, ResponseScale, ScoreOptions, score_block, summarize};

fn opts() -> ScoreOptions {
    ScoreOptions {
        combination_index: false,
        ..ScoreOptions::default()
    }
}

#[test]
fn bliss_and_hsa_match_sf_columns_per_cell() {
    let Some(dir) = synergy_ref() else { return };
    for (file, _) in MATRICES {
        let t = Table::load(&dir.join(file));
        let m = t.block(file);
        let s = score_block(&m, opts());
        let mut worst: f64 = 0.0;
        for k in 0..t.rows.len() {
            let (i, j) = t.index_of(&m, k);
            let b = s.bliss.cells.get(i, j).value().expect("bliss value");
            let h = s.hsa.cells.get(i, j).value().expect("hsa value");
            worst = worst.max((b - t.col(k, "sf_bliss")).abs());
            worst = worst.max((h - t.col(k, "sf_hsa")).abs());
            // the synergy package's deltas are on the viability-fraction scale
            assert!(
                (b - 100.0 * t.col(k, "pkg_bliss")).abs() < tol::BLISS_HSA_CELL,
                "{file} pkg_bliss row {k}"
            );
            assert!(
                (h - 100.0 * t.col(k, "pkg_hsa")).abs() < tol::BLISS_HSA_CELL,
                "{file} pkg_hsa row {k}"
            );
        }
        assert!(
            worst < tol::BLISS_HSA_CELL,
            "{file}: worst Bliss/HSA deviation {worst}"
        );
    }
}

#[test]
fn bliss_and_hsa_match_sfdrc_columns_including_oneil() {
    let Some(dir) = synergy_ref() else { return };
    for file in SFDRC_FILES {
        let t = Table::load(&dir.join("sf_drc").join(file));
        let m = t.block(file);
        let s = score_block(&m, opts());
        for k in 0..t.rows.len() {
            let (i, j) = t.index_of(&m, k);
            let b = s.bliss.cells.get(i, j).value().unwrap();
            let h = s.hsa.cells.get(i, j).value().unwrap();
            assert!(
                (b - t.col(k, "sfdrc_bliss")).abs() < tol::BLISS_HSA_CELL,
                "{file} row {k}: bliss {b}"
            );
            assert!(
                (h - t.col(k, "sfdrc_hsa")).abs() < tol::BLISS_HSA_CELL,
                "{file} row {k}: hsa {h}"
            );
        }
    }
}

#[test]
fn mathews_block_means_match_published() {
    let Some(dir) = synergy_ref() else { return };
    // SynergyFinder example data given as % viability (controls at 123 % / 115 %).
    let targets = [
        ("mathews_block1_ispinesib_ibrutinib.csv", 10.856, 20.195),
        ("mathews_block2_canertinib_ibrutinib.csv", -13.073, -41.418),
    ];
    for (file, bliss, hsa) in targets {
        let t = Table::load(&dir.join(file));
        let pts: Vec<_> = (0..t.rows.len())
            .map(|k| platesyn_synergy::Point {
                conc_a: t.col(k, "drug_a_conc"),
                conc_b: t.col(k, "drug_b_conc"),
                response: 100.0 * t.col(k, "viability"),
            })
            .collect();
        let m = DoseMatrix::new(file, ResponseScale::PERCENT_VIABILITY, &pts).unwrap();
        let s = score_block(&m, opts());
        let mb = summarize(&s, Model::Bliss, None).mean.unwrap();
        let mh = summarize(&s, Model::Hsa, None).mean.unwrap();
        assert!(
            (mb - bliss).abs() < tol::PUBLISHED_MEAN,
            "{file}: bliss mean {mb}"
        );
        assert!(
            (mh - hsa).abs() < tol::PUBLISHED_MEAN,
            "{file}: hsa mean {mh}"
        );
        assert_eq!(s.input_scale, ResponseScale::PERCENT_VIABILITY);
    }
}

#[test]
fn bliss_independent_surface_scores_zero() {
    // The scenario's truth, regenerated in double precision from the README's parameters
    // (A: E0=1, Emax=0.05, h=1.5, C=0.3; B: E0=1, Emax=0.25, h=1, C=1).
    let (da, db) = scenario_doses();
    let mut v = Vec::new();
    for &a in &da {
        for &b in &db {
            v.push(hill(a, 1.0, 0.05, 1.5, 0.3) * hill(b, 1.0, 0.25, 1.0, 1.0));
        }
    }
    let m = DoseMatrix::from_grid("bi", ResponseScale::FRACTION_VIABILITY, &da, &db, &v).unwrap();
    let s = score_block(&m, opts());
    for (_, _, c) in s.bliss.cells.iter() {
        assert!(c.value().unwrap().abs() < tol::BLISS_INDEPENDENT_ZERO);
    }
    // and HSA is positive on this surface (published mean 4.41604)
    let mh = summarize(&s, Model::Hsa, None).mean.unwrap();
    assert!((mh - 4.41604).abs() < 1e-4, "hsa mean {mh}");
}
