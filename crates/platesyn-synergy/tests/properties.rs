//! Property tests: drug symmetry and Bliss independence.

mod common;

use common::{hill, tol};
use platesyn_synergy::{DoseMatrix, LoeweMode, Model, ResponseScale, ScoreOptions, score_block};
use proptest::prelude::*;

fn doses(first: f64, n: usize) -> Vec<f64> {
    std::iter::once(0.0)
        .chain((0..n).map(|k| first * 3f64.powi(k as i32)))
        .collect()
}

fn hill_params() -> impl Strategy<Value = (f64, f64, f64)> {
    // (Emax on viability fraction, Hill slope, C)
    (0.0..0.6f64, 0.5..3.0f64, 0.05..5.0f64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Swapping drug A and B transposes every score matrix (all four models, both Loewe
    /// modes) and the combination index.
    #[test]
    fn swapping_drugs_transposes_scores(
        pa in hill_params(),
        pb in hill_params(),
        noise in proptest::collection::vec(-0.05..0.05f64, 36),
        exact in any::<bool>(),
    ) {
        let (da, db) = (doses(0.02, 5), doses(0.05, 5));
        let mut v = Vec::new();
        for (i, &a) in da.iter().enumerate() {
            for (j, &b) in db.iter().enumerate() {
                let e = hill(a, 1.0, pa.0, pa.1, pa.2) * hill(b, 1.0, pb.0, pb.1, pb.2);
                v.push(e + if i > 0 && j > 0 { noise[i * 6 + j] } else { 0.0 });
            }
        }
        let m = DoseMatrix::from_grid("p", ResponseScale::FRACTION_VIABILITY, &da, &db, &v).unwrap();
        let opts = ScoreOptions {
            loewe: if exact { LoeweMode::Exact } else { LoeweMode::SynergyFinder },
            ..ScoreOptions::default()
        };
        let s = score_block(&m, opts);
        let t = score_block(&m.transpose(), opts);
        for model in Model::ALL {
            let st = s.scores(model).transpose();
            for ((_, _, x), (_, _, y)) in st.cells.iter().zip(t.scores(model).cells.iter()) {
                match (x.value(), y.value()) {
                    (Some(x), Some(y)) => prop_assert!((x - y).abs() < tol::EXACT, "{model:?}: {x} vs {y}"),
                    (x, y) => prop_assert_eq!(x.is_none(), y.is_none()),
                }
            }
        }
        let (ci, cit) = (s.combination_index.unwrap(), t.combination_index.unwrap());
        for ((_, _, x), (_, _, y)) in ci.ci.transpose().iter().zip(cit.ci.iter()) {
            match (x, y) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < tol::EXACT * x.abs().max(1.0)),
                (x, y) => prop_assert_eq!(x.is_none(), y.is_none()),
            }
        }
    }

    /// A Bliss-independent surface built from any two Hill curves scores Bliss 0.
    #[test]
    fn bliss_independent_surface_scores_zero(pa in hill_params(), pb in hill_params()) {
        let (da, db) = (doses(0.01, 6), doses(0.03, 5));
        let mut v = Vec::new();
        for &a in &da {
            for &b in &db {
                v.push(hill(a, 1.0, pa.0, pa.1, pa.2) * hill(b, 1.0, pb.0, pb.1, pb.2));
            }
        }
        let m = DoseMatrix::from_grid("b", ResponseScale::FRACTION_VIABILITY, &da, &db, &v).unwrap();
        let s = score_block(&m, ScoreOptions { combination_index: false, ..ScoreOptions::default() });
        for (_, _, c) in s.bliss.cells.iter() {
            prop_assert!(c.value().unwrap().abs() < tol::BLISS_INDEPENDENT_ZERO);
        }
    }
}
