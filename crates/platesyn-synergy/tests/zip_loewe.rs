//! ZIP and SynergyFinder-mode Loewe against the drc-based references (sf_drc/).

mod common;

use common::{SFDRC_FILES, Table, synergy_ref, tol};
use platesyn_synergy::{LoeweMode, Model, ScoreOptions, score_block, summarize};

#[test]
fn zip_and_sf_loewe_match_sfdrc() {
    let Some(dir) = synergy_ref() else { return };
    for file in SFDRC_FILES {
        let t = Table::load(&dir.join("sf_drc").join(file));
        let m = t.block(file);
        let s = score_block(
            &m,
            &ScoreOptions {
                loewe: LoeweMode::SynergyFinder,
                ..ScoreOptions::default()
            },
        );
        let (mut wz, mut wl) = (0.0f64, 0.0f64);
        let (mut rz, mut rl) = (Vec::new(), Vec::new());
        for k in 0..t.rows.len() {
            let (i, j) = t.index_of(&m, k);
            let z = s.zip.cells.get(i, j).value().unwrap_or(f64::NAN);
            let l = s.loewe.cells.get(i, j).value().unwrap_or(f64::NAN);
            wz = wz.max((z - t.col(k, "sfdrc_zip")).abs());
            wl = wl.max((l - t.col(k, "sfdrc_loewe")).abs());
            if i > 0 && j > 0 {
                rz.push(t.col(k, "sfdrc_zip"));
                rl.push(t.col(k, "sfdrc_loewe"));
            }
        }
        let mz = summarize(&s, Model::Zip, None).mean.unwrap();
        let ml = summarize(&s, Model::Loewe, None).mean.unwrap();
        let ref_z = rz.iter().sum::<f64>() / rz.len() as f64;
        let ref_l = rl.iter().sum::<f64>() / rl.len() as f64;
        let zip_cell_tol = if file.starts_with("scenario_antagonism") {
            tol::ZIP_CELL_ANTAGONISM
        } else {
            tol::ZIP_CELL
        };
        eprintln!(
            "{file}: zip mean {mz:.4} (ref {ref_z:.4}) worst cell {wz:.3}; loewe mean {ml:.4} (ref {ref_l:.4}) worst cell {wl:.3}; fits {:?} {:?}",
            s.single_fits.a.as_ref().map(|f| (f.curve, f.status.clone())),
            s.single_fits.b.as_ref().map(|f| (f.curve, f.status.clone()))
        );
        if file.starts_with("mathews") {
            // ill-posed single-agent fits: see docs/synergy.md and mathews_differences below
            continue;
        }
        assert!((ml - ref_l).abs() < tol::SF_LOEWE_MEAN, "{file}: loewe mean {ml} vs {ref_l}");
        assert!(wl < tol::SF_LOEWE_CELL, "{file}: loewe worst cell {wl}");
        if file.starts_with("oneil_block2") {
            // drc stops in poor local minima on several row/column fits of this block
            // (documented with numbers in docs/synergy.md); our fits have lower RSS.
            continue;
        }
        assert!((mz - ref_z).abs() < tol::ZIP_MEAN, "{file}: zip mean {mz} vs {ref_z}");
        assert!(wz < zip_cell_tol, "{file}: zip worst cell {wz}");
    }
}

