//! Exact-mode Loewe and the Chou-Talalay combination index.

mod common;

use common::{Table, synergy_ref, tol};
use platesyn_synergy::{FitMode, LoeweMode, ScoreOptions, score_block};

#[test]
fn loewe_additive_scores_zero_exact_mode_and_ci_one() {
    let Some(dir) = synergy_ref() else { return };
    let t = Table::load(&dir.join("scenario_loewe_additive.csv"));
    let m = t.block("loewe_additive");
    // exact to 1e-6 needs the least-squares single-agent fits: drc stops at a relative RSS
    // change of 1e-7, i.e. parameters good to ~1e-5 (worst cell printed below)
    let drc = score_block(
        &m,
        ScoreOptions {
            loewe: LoeweMode::Exact,
            ..ScoreOptions::default()
        },
    );
    let worst_drc = drc
        .loewe
        .cells
        .iter()
        .map(|(_, _, c)| c.value().expect("loewe value").abs())
        .fold(0.0, f64::max);
    eprintln!("Loewe-additive, exact Loewe with drc-compatible fits: worst {worst_drc:.3e} points");
    let s = score_block(
        &m,
        ScoreOptions {
            loewe: LoeweMode::Exact,
            fit: FitMode::Global,
            ..ScoreOptions::default()
        },
    );
    let ci = s.combination_index.as_ref().unwrap();
    let (mut wl, mut wc) = (0.0f64, 0.0f64);
    for (i, j, c) in s.loewe.cells.iter() {
        wl = wl.max(c.value().expect("loewe value").abs());
        if i > 0 && j > 0 {
            wc = wc.max((ci.ci.get(i, j).expect("ci value") - 1.0).abs());
        }
    }
    eprintln!("Loewe-additive: worst |exact Loewe| {wl:.3e} points, worst |CI - 1| {wc:.3e}");
    assert!(wl < tol::LOEWE_ADDITIVE_ZERO, "worst |Loewe| {wl}");
    assert!(wc < tol::CI_ADDITIVE_ONE, "worst |CI - 1| {wc}");
    // median-effect fits recover the generating Hill curves (h = 1.5, C = 0.3; h = 1, C = 1)
    let (fa, fb) = (ci.fit_a.unwrap(), ci.fit_b.unwrap());
    assert!((fa.m - 1.5).abs() < 1e-6 && (fa.dm - 0.3).abs() < 1e-6);
    assert!((fb.m - 1.0).abs() < 1e-6 && (fb.dm - 1.0).abs() < 1e-6);
    // dose reduction index: a/Dx_A + b/Dx_B = 1/DRI_A + 1/DRI_B = CI
    let (i, j) = (3, 4);
    let sum = 1.0 / ci.dri_a.get(i, j).unwrap() + 1.0 / ci.dri_b.get(i, j).unwrap();
    assert!((sum - ci.ci.get(i, j).unwrap()).abs() < 1e-12);
}

#[test]
fn chou_ci_matches_synergy_package() {
    let Some(dir) = synergy_ref() else { return };
    for file in [
        "scenario_bliss_independent.csv",
        "scenario_synergy_musyc_a5.csv",
        "scenario_antagonism_musyc_a0.2.csv",
    ] {
        let t = Table::load(&dir.join(file));
        let m = t.block(file);
        let s = score_block(&m, ScoreOptions::default());
        let ci = s.combination_index.as_ref().unwrap();
        let mut compared = 0;
        for k in 0..t.rows.len() {
            let (i, j) = t.index_of(&m, k);
            let expected = t.col(k, "pkg_chou_ci");
            if i == 0 || j == 0 || !expected.is_finite() {
                continue;
            }
            let got = ci.ci.get(i, j).expect("ci where the package has one");
            assert!(
                ((got - expected) / expected).abs() < tol::CHOU_CI_REL,
                "{file} ({i},{j}): {got} vs {expected}"
            );
            compared += 1;
        }
        assert!(compared >= 40, "{file}: only {compared} cells compared");
    }
}

#[test]
fn ci_at_effect_levels_on_constant_ratio_rays() {
    let Some(dir) = synergy_ref() else { return };
    let t = Table::load(&dir.join("scenario_synergy_musyc_a5.csv"));
    let s = score_block(&t.block("syn"), ScoreOptions::default());
    let ci = s.combination_index.unwrap();
    // the grid is 0.01*3^k x 0.02*3^k: 13 diagonal rays with a constant a/b ratio
    assert_eq!(
        ci.rays.iter().filter(|r| r.fit.n >= 2).count(),
        ci.rays.len()
    );
    let main = ci
        .rays
        .iter()
        .find(|r| (r.ratio_a_to_b - 0.5).abs() < 1e-9)
        .expect("ratio 1:2 ray");
    // 7 cells on the ray; cells with fa >= 1 (noise above 100 % inhibition) are excluded
    assert!(main.fit.n >= 6 && main.fit.n <= 7, "{}", main.fit.n);
    assert_eq!(main.levels.len(), 3);
    // a synergistic surface (alpha = 5) gives CI < 1 at ED50 along the main diagonal
    let ed50 = main.levels[0];
    assert!(ed50.ci < 1.0, "CI at ED50 {}", ed50.ci);
    assert!((ed50.dose_a / ed50.dose_b - 0.5).abs() < 1e-9);
}
