//! Bad numeric input into `DoseMatrix::new` and `score_block`: NaN/inf/negative
//! concentrations, missing zero doses, too few doses, empty blocks, NaN/inf responses and
//! all-flat responses. Nothing may panic; every score is either a finite value or a
//! `Missing` cell with its reason (never a bare NaN).

mod common;

use common::tol;
use platesyn_synergy::{
    CellScore, DoseMatrix, LoeweMode, MissingReason, Model, Point, ResponseScale, ScoreOptions,
    ScoredBlock, SynergyError, score_block,
};

const DOSES: [f64; 4] = [0.0, 0.1, 1.0, 10.0];

/// A 4 x 4 block (percent viability) with a mild effect of both drugs.
fn points(response: impl Fn(usize, usize) -> f64) -> Vec<Point> {
    let mut pts = Vec::new();
    for (i, &a) in DOSES.iter().enumerate() {
        for (j, &b) in DOSES.iter().enumerate() {
            pts.push(Point {
                conc_a: a,
                conc_b: b,
                response: response(i, j),
            });
        }
    }
    pts
}

fn effect(i: usize, j: usize) -> f64 {
    100.0 - 10.0 * (i + j) as f64 - 2.0 * (i * j) as f64
}

fn block(pts: &[Point]) -> DoseMatrix {
    DoseMatrix::new("blk", ResponseScale::PERCENT_VIABILITY, pts).expect("valid block")
}

fn err(pts: &[Point]) -> String {
    DoseMatrix::new("blk", ResponseScale::PERCENT_VIABILITY, pts)
        .expect_err("bad block")
        .to_string()
}

/// Every score of every model and every CI value is finite or carries a reason.
fn assert_no_bare_nan(s: &ScoredBlock) {
    for m in Model::ALL {
        for (i, j, c) in s.scores(m).cells.iter() {
            if let CellScore::Value(v) = c {
                assert!(v.is_finite(), "{m:?} ({i},{j}) = {v}");
            }
        }
    }
    for (i, j, v) in s.inhibition.iter() {
        assert!(v.is_none_or(f64::is_finite), "inhibition ({i},{j}) = {v:?}");
    }
    if let Some(ci) = &s.combination_index {
        for (i, j, v) in ci.ci.iter() {
            assert!(v.is_none_or(f64::is_finite), "CI ({i},{j}) = {v:?}");
        }
    }
}

fn all_options() -> Vec<ScoreOptions> {
    [LoeweMode::SynergyFinder, LoeweMode::Exact]
        .into_iter()
        .map(|loewe| ScoreOptions {
            loewe,
            ..ScoreOptions::default()
        })
        .collect()
}

#[test]
fn non_finite_and_negative_concentrations_are_errors() {
    for (bad, shown) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (-0.5, "-0.5"),
    ] {
        let mut pts = points(effect);
        pts[5].conc_b = bad;
        assert_eq!(
            err(&pts),
            format!(
                "block blk: record 5: concentration {shown} for drug B is not a finite number >= 0"
            )
        );
    }
}

#[test]
fn missing_zero_dose_and_too_few_doses_are_errors() {
    let pts: Vec<Point> = points(effect)
        .into_iter()
        .filter(|p| p.conc_a > 0.0)
        .collect();
    assert_eq!(
        err(&pts),
        "block blk: no zero concentration for drug A; a dose matrix needs the monotherapy \
         row/column (dose 0)"
    );
    let pts: Vec<Point> = points(effect)
        .into_iter()
        .filter(|p| p.conc_b <= 0.1)
        .collect();
    assert_eq!(
        err(&pts),
        "block blk: drug B has 1 non-zero concentration(s); at least 2 are needed"
    );
}

#[test]
fn empty_block_is_an_error() {
    assert_eq!(err(&[]), "block blk: no records");
    assert!(matches!(
        DoseMatrix::from_grid(
            "g",
            ResponseScale::PERCENT_VIABILITY,
            &DOSES,
            &DOSES,
            &[1.0]
        ),
        Err(SynergyError::Empty { .. })
    ));
}

#[test]
fn nan_and_infinite_responses_become_missing_cells() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let pts = points(|i, j| if (i, j) == (2, 3) { bad } else { effect(i, j) });
        let b = block(&pts);
        assert_eq!(b.cell_missing(2, 3), Some(MissingReason::NonFiniteResponse));
        for opts in all_options() {
            let s = score_block(&b, opts);
            assert_eq!(
                *s.bliss.cells.get(2, 3),
                CellScore::Missing(MissingReason::NonFiniteResponse)
            );
            assert_no_bare_nan(&s);
        }
    }
}

#[test]
fn non_finite_monotherapy_marks_dependent_cells() {
    // Drug A's monotherapy at dose index 2 is unusable: Bliss/HSA at row 2 need it.
    let pts = points(|i, j| {
        if (i, j) == (2, 0) {
            f64::NAN
        } else {
            effect(i, j)
        }
    });
    let s = score_block(&block(&pts), ScoreOptions::default());
    for j in 1..DOSES.len() {
        assert!(
            matches!(s.bliss.cells.get(2, j), CellScore::Missing(_)),
            "bliss (2,{j}) = {:?}",
            s.bliss.cells.get(2, j)
        );
    }
    assert_no_bare_nan(&s);
}

#[test]
fn all_flat_responses_score_without_nan() {
    for level in [100.0, 50.0, 0.0] {
        let b = block(&points(|_, _| level));
        // Every well inhibited by the fraction p: HSA is exactly additive (0), Bliss expects
        // 2p - p^2 and so scores 100 (p^2 - p) points: 0 at p = 0 or 1, -25 at p = 0.5.
        let p = 1.0 - level / 100.0;
        for opts in all_options() {
            let s = score_block(&b, opts);
            assert_no_bare_nan(&s);
            let hsa = s.scores(Model::Hsa).combination_values();
            let bliss = s.scores(Model::Bliss).combination_values();
            assert_eq!((hsa.len(), bliss.len()), (9, 9), "flat {level}");
            for v in hsa {
                assert!(
                    v.abs() < tol::BLISS_INDEPENDENT_ZERO,
                    "hsa flat {level}: {v}"
                );
            }
            for v in bliss {
                let want = 100.0 * (p * p - p);
                assert!(
                    (v - want).abs() < tol::BLISS_INDEPENDENT_ZERO,
                    "bliss flat {level}: {v} vs {want}"
                );
            }
        }
    }
}

#[test]
fn every_response_non_finite_scores_nothing_without_panicking() {
    let b = block(&points(|_, _| f64::NAN));
    for opts in all_options() {
        let s = score_block(&b, opts);
        for m in Model::ALL {
            assert!(s.scores(m).combination_values().is_empty(), "{m:?}");
        }
        assert_no_bare_nan(&s);
    }
}

#[test]
fn raw_counts_passed_as_percent_do_not_give_bare_nan() {
    // Un-normalised luminescence counts (1e6-scale) given as percent viability: absurd
    // but finite. (At 1e300 the Bliss product overflows to inf: see docs/robustness.md.)
    let b = block(&points(|i, j| effect(i, j) * 1e4));
    for opts in all_options() {
        assert_no_bare_nan(&score_block(&b, opts));
    }
}
