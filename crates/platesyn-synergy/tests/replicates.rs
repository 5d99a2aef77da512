//! SynergyFinder long tables with replicates (ONEIL example): header mapping, grouping,
//! replicate means, the seeded bootstrap, summaries, rows, baseline correction, missing cells.

mod common;

use common::{synergy_ref, tol};
use platesyn_synergy::{
    BaselineCorrection, BootstrapOptions, CELL_COLUMNS, CellScore, DoseMatrix, HeaderMap,
    MissingReason, Model, Point, ResponseScale, SUMMARY_COLUMNS, ScoreOptions, bootstrap,
    cell_rows, group_records, score_block, summarize, summary_rows,
};

fn oneil_blocks() -> Option<Vec<DoseMatrix>> {
    let dir = synergy_ref()?;
    let path = dir.join("external/synergyfinder_data_ONEIL_screening_data.csv");
    let mut rdr = csv::Reader::from_path(&path).expect("ONEIL csv");
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let map = HeaderMap::from_header(&header).expect("SynergyFinder header");
    let recs: Vec<_> = rdr
        .records()
        .enumerate()
        .map(|(k, r)| {
            let r = r.unwrap();
            let f: Vec<&str> = r.iter().collect();
            map.parse_row(&f, k + 2).unwrap()
        })
        .collect();
    Some(group_records(&recs, ResponseScale::PERCENT_INHIBITION).expect("blocks"))
}

#[test]
fn oneil_replicates_average_then_score() {
    let Some(blocks) = oneil_blocks() else { return };
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].drug_a.as_deref(), Some("MK-1775"));
    assert_eq!(blocks[0].conc_unit.as_deref(), Some("uM"));
    assert!(blocks[0].n().as_slice().iter().all(|&n| n == 4));
    // README block means of the replicate-mean path (bliss, hsa): 35.307, 40.920; -77.679, -71.789
    for (b, bliss, hsa) in [(&blocks[0], 35.307, 40.920), (&blocks[1], -77.679, -71.789)] {
        let s = score_block(b, ScoreOptions::default());
        let mb = summarize(&s, Model::Bliss, None).mean.unwrap();
        let mh = summarize(&s, Model::Hsa, None).mean.unwrap();
        assert!((mb - bliss).abs() < tol::PUBLISHED_MEAN, "bliss {mb}");
        assert!((mh - hsa).abs() < tol::PUBLISHED_MEAN, "hsa {mh}");
    }
}

#[test]
fn bootstrap_is_seeded_and_brackets_the_estimate() {
    let Some(blocks) = oneil_blocks() else { return };
    let b = &blocks[0];
    let opts = ScoreOptions::default();
    let boot = BootstrapOptions {
        iterations: 40,
        seed: 7,
    };
    let r1 = bootstrap(b, opts, &boot);
    let r2 = bootstrap(b, opts, &boot);
    assert_eq!(r1, r2, "same seed, same result");
    let r3 = bootstrap(
        b,
        opts,
        &BootstrapOptions {
            iterations: 40,
            seed: 8,
        },
    );
    assert_ne!(r1, r3);
    let s = score_block(b, opts);
    for model in Model::ALL {
        let mb = r1.model(model).unwrap().block_mean.unwrap();
        let point = summarize(&s, model, None).mean.unwrap();
        assert!(mb.sd > 0.0, "{model:?}: replicates vary");
        assert!(mb.ci_lo <= mb.ci_hi);
        // the estimate on the replicate means lies within a few SD of the bootstrap mean
        assert!(
            (point - mb.mean).abs() < 4.0 * mb.sd + 1.0,
            "{model:?}: {point} vs {mb:?}"
        );
        let sum = summarize(&s, model, Some(&r1));
        assert_eq!(sum.ci_lo, Some(mb.ci_lo));
        let z = point.abs() / mb.sd;
        assert!((sum.p_value.unwrap() - (-0.717 * z - 0.416 * z * z).exp()).abs() < tol::EXACT);
    }
    // per-cell statistics exist for every measured cell; monotherapy cells are exactly 0
    let bliss = r1.model(Model::Bliss).unwrap();
    let c = bliss.cells.get(0, 3).unwrap();
    assert_eq!((c.mean, c.sd), (0.0, 0.0));
    assert!(bliss.cells.get(3, 3).unwrap().sd > 0.0);
}

#[test]
fn rows_have_the_declared_columns() {
    let Some(blocks) = oneil_blocks() else { return };
    let s = score_block(&blocks[1], ScoreOptions::default());
    let rows = cell_rows(&s);
    assert_eq!(rows.len(), 25);
    assert_eq!(CELL_COLUMNS.len(), rows[0].to_record().len());
    assert_eq!(
        rows[0].to_record()[..4],
        ["2", "0", "0", "4"].map(str::to_owned)
    );
    assert_eq!(rows[6].bliss, s.bliss.cells.get(1, 1).value());
    let sums = summary_rows(&s, None);
    assert_eq!(sums.len(), 4);
    assert_eq!(SUMMARY_COLUMNS.len(), sums[0].to_record().len());
    assert_eq!(sums[0].model, "bliss");
    assert_eq!(sums[0].ci_lo, None);
    assert!(sums.iter().all(|r| r.msa.is_some() && r.p_value.is_some()));
}

#[test]
fn missing_cells_are_reported_not_zeroed() {
    let (da, db) = common::scenario_doses();
    let mut pts = Vec::new();
    for &a in &da {
        for &b in &db {
            if (a, b) == (da[3], db[4]) || (a, b) == (da[5], 0.0) {
                continue; // one combination and one monotherapy well not measured
            }
            let v = common::hill(a, 1.0, 0.05, 1.5, 0.3) * common::hill(b, 1.0, 0.25, 1.0, 1.0);
            pts.push(Point {
                conc_a: a,
                conc_b: b,
                response: 100.0 * v,
            });
        }
    }
    pts.push(Point {
        conc_a: da[2],
        conc_b: db[2],
        response: f64::NAN,
    });
    pts.retain(|p| !(p.conc_a == da[2] && p.conc_b == db[2] && p.response.is_finite()));
    let m = DoseMatrix::new("miss", ResponseScale::PERCENT_VIABILITY, &pts).unwrap();
    let s = score_block(&m, ScoreOptions::default());
    assert_eq!(
        *s.bliss.cells.get(3, 4),
        CellScore::Missing(MissingReason::NotMeasured)
    );
    assert_eq!(
        *s.bliss.cells.get(2, 2),
        CellScore::Missing(MissingReason::NonFiniteResponse)
    );
    assert_eq!(
        *s.hsa.cells.get(5, 3),
        CellScore::Missing(MissingReason::MonotherapyMissing)
    );
    assert_eq!(
        *s.bliss.cells.get(5, 0),
        CellScore::Missing(MissingReason::NotMeasured)
    );
    // ZIP and Loewe still score the monotherapy row whose A-alone well is missing (fits)
    assert!(s.zip.cells.get(5, 3).value().is_some());
    assert!(s.loewe.cells.get(5, 3).value().is_some());
    assert_eq!(cell_rows(&s)[3 * 8 + 4].to_record()[5], "");
}

#[test]
fn baseline_correction_lifts_negative_responses() {
    let Some(dir) = synergy_ref() else { return };
    let t = common::Table::load(&dir.join("mathews_block1_ispinesib_ibrutinib.csv"));
    let m = t.block("m1");
    let none = score_block(&m, ScoreOptions::default());
    let all = score_block(
        &m,
        ScoreOptions {
            baseline: BaselineCorrection::All,
            ..ScoreOptions::default()
        },
    );
    let part = score_block(
        &m,
        ScoreOptions {
            baseline: BaselineCorrection::Part,
            ..ScoreOptions::default()
        },
    );
    let base = all.baseline.1.expect("baseline");
    assert!(base < 0.0, "baseline {base}");
    let x = none.inhibition.get(0, 0).unwrap();
    let corrected = x - (100.0 - x) / 100.0 * base;
    assert!((all.inhibition.get(0, 0).unwrap() - corrected).abs() < tol::EXACT);
    assert!((part.inhibition.get(0, 0).unwrap() - corrected).abs() < tol::EXACT);
    // part leaves positive responses alone, all moves them
    assert_eq!(part.inhibition.get(5, 5), none.inhibition.get(5, 5));
    assert_ne!(all.inhibition.get(5, 5), none.inhibition.get(5, 5));
}
