//! ZIP and SynergyFinder-mode Loewe against the drc-based references (sf_drc/).

mod common;

use common::{SFDRC_FILES, Table, synergy_ref, tol};
use platesyn_synergy::{FitMode, LoeweMode, Model, ScoreOptions, score_block, summarize};

#[test]
fn zip_and_sf_loewe_match_sfdrc() {
    let Some(dir) = synergy_ref() else { return };
    for (mode, file) in [FitMode::DrcCompatible, FitMode::Global].into_iter().flat_map(|m| SFDRC_FILES.map(|f| (m, f))) {
        let t = Table::load(&dir.join("sf_drc").join(file));
        let m = t.block(file);
        let s = score_block(
            &m,
            ScoreOptions {
                loewe: LoeweMode::SynergyFinder,
                fit: mode,
                ..ScoreOptions::default()
            },
        );
        let (mut wz, mut wl) = (0.0f64, 0.0f64);
        let (mut rz, mut rl) = (Vec::new(), Vec::new());
        let (mut dref, mut dfit) = (0.0, 0.0);
        for k in 0..t.rows.len() {
            let (i, j) = t.index_of(&m, k);
            let z = s.zip.cells.get(i, j).value().unwrap_or(f64::NAN);
            let l = s.loewe.cells.get(i, j).value().unwrap_or(f64::NAN);
            wz = wz.max((z - t.col(k, "sfdrc_zip")).abs());
            wl = wl.max((l - t.col(k, "sfdrc_loewe")).abs());
            if i > 0 && j > 0 {
                rz.push(t.col(k, "sfdrc_zip"));
                rl.push(t.col(k, "sfdrc_loewe"));
                dref += s.zip_reference.get(i, j).unwrap() - t.col(k, "sfdrc_zip_ref");
                dfit += s.zip_fitted.get(i, j).unwrap() - t.col(k, "sfdrc_zip_fit");
            }
        }
        let mz = summarize(&s, Model::Zip, None).mean.unwrap();
        let ml = summarize(&s, Model::Loewe, None).mean.unwrap();
        let ref_z = rz.iter().sum::<f64>() / rz.len() as f64;
        let ref_l = rl.iter().sum::<f64>() / rl.len() as f64;
        let nc = rz.len() as f64;
        eprintln!("== {mode:?}");
        eprintln!(
            "{file}: mean(ours - drc): zip reference {:.3}, zip fitted {:.3}",
            dref / nc,
            dfit / nc
        );
        let zip_cell_tol = if file.starts_with("scenario_antagonism") {
            tol::ZIP_CELL_ANTAGONISM
        } else {
            tol::ZIP_CELL
        };
        eprintln!(
            "{file}: zip mean {mz:.4} (ref {ref_z:.4}) worst cell {wz:.3}; loewe mean {ml:.4} (ref {ref_l:.4}) worst cell {wl:.3}; fits {:?} {:?}",
            s.single_fits
                .a
                .as_ref()
                .map(|f| (f.curve, f.status.clone())),
            s.single_fits
                .b
                .as_ref()
                .map(|f| (f.curve, f.status.clone()))
        );
        if mode == FitMode::DrcCompatible { continue; }
        if file.starts_with("mathews") {
            // ill-posed single-agent fits: see docs/synergy.md and mathews_differences below
            continue;
        }
        assert!(
            (ml - ref_l).abs() < tol::SF_LOEWE_MEAN,
            "{file}: loewe mean {ml} vs {ref_l}"
        );
        assert!(wl < tol::SF_LOEWE_CELL, "{file}: loewe worst cell {wl}");
        if file.starts_with("oneil_block2") {
            // drc stops in poor local minima on several row/column fits of this block
            // (documented with numbers in docs/synergy.md); our fits have lower RSS.
            continue;
        }
        assert!(
            (mz - ref_z).abs() < tol::ZIP_MEAN,
            "{file}: zip mean {mz} vs {ref_z}"
        );
        assert!(wz < zip_cell_tol, "{file}: zip worst cell {wz}");
    }
}

/// Why the mathews block 1 ZIP mean differs from SynergyFinder's 19.57 (docs/synergy.md):
/// drc's ispinesib fit is the flat mean of all six monotherapy responses, ours a step
/// below the lowest dose with a far lower residual sum of squares.
#[test]
fn mathews_block1_difference_is_the_single_agent_fit() {
    let Some(dir) = synergy_ref() else { return };
    let file = "mathews_block1_ispinesib_ibrutinib_sfdrc.csv";
    let t = Table::load(&dir.join("sf_drc").join(file));
    let m = t.block(file);
    let s = score_block(&m, ScoreOptions::default());
    let inh = &s.inhibition;
    let fa = s.single_fits.a.as_ref().unwrap().curve;
    let fb = s.single_fits.b.as_ref().unwrap().curve;
    let mono_a: Vec<(f64, f64)> = (0..m.doses_a().len())
        .map(|i| (m.doses_a()[i], inh.get(i, 0).unwrap()))
        .collect();
    let mean_a = mono_a.iter().map(|p| p.1).sum::<f64>() / mono_a.len() as f64;
    // drc's implied ispinesib prediction at each tested dose, given the ibrutinib curve
    let mut implied = Vec::new();
    for k in 0..t.rows.len() {
        let (i, j) = t.index_of(&m, k);
        if i > 0 && j > 0 {
            let z = t.col(k, "sfdrc_zip_ref");
            let pb = fb.predict(m.doses_b()[j]);
            implied.push(100.0 - 100.0 * (100.0 - z) / (100.0 - pb));
        }
    }
    for v in &implied {
        assert!(
            (v - mean_a).abs() < 0.05,
            "implied drc prediction {v} vs flat mean {mean_a}"
        );
    }
    let rss = |f: &dyn Fn(f64) -> f64| mono_a.iter().map(|(d, y)| (y - f(*d)).powi(2)).sum::<f64>();
    let ours = rss(&|d| fa.predict(d));
    let flat = rss(&|_| mean_a);
    eprintln!("ispinesib: flat mean {mean_a:.3}, RSS ours {ours:.2} vs drc-flat {flat:.2}");
    assert!(ours * 100.0 < flat, "ours {ours} flat {flat}");
    let zip = summarize(&s, Model::Zip, None).mean.unwrap();
    eprintln!("ZIP mean ours {zip:.3} vs SynergyFinder 19.57");
    assert!((zip - 19.57).abs() > 5.0);
}
