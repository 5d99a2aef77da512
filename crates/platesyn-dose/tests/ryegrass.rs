//! R drc reference fits on ryegrass (EXPECTED.txt section 1).
// Reference values are copied digit for digit from EXPECTED.txt.
#![allow(clippy::unreadable_literal)]

mod common;
use common::{assert_rel, columns, tol};
use platesyn_dose::{FitSpec, FitStatus, ModelKind, fit_curve};

fn data() -> Option<(Vec<f64>, Vec<f64>)> {
    columns("ryegrass.csv", "conc", "rootl")
}

#[test]
fn ll4_matches_drc() {
    let Some((x, y)) = data() else { return };
    let fit = fit_curve(&x, &y, &FitSpec::default());
    assert_eq!(fit.status, FitStatus::Ok, "{fit:?}");
    assert_rel("b", fit.b, 2.982_219_1, tol::PARAM_REL);
    assert_rel("c", fit.c, 0.481_413_2, tol::PARAM_REL);
    assert_rel("d", fit.d, 7.792_958_3, tol::PARAM_REL);
    assert_rel("e", fit.e, 3.057_955_0, tol::PARAM_REL);
    for (k, want) in [0.46506, 0.21219, 0.18857, 0.18573].into_iter().enumerate() {
        assert_rel(&format!("se[{k}]"), fit.se[k].unwrap(), want, tol::SE_REL);
    }
    assert_rel("rse", fit.rse, 0.519_625_6, tol::RSE_REL);
    assert_eq!(fit.df, 20);
    assert!(
        (fit.loglik - -16.15514).abs() < tol::LOGLIK_ABS,
        "{}",
        fit.loglik
    );
    assert!((fit.aic - 42.31029).abs() < tol::LOGLIK_ABS, "{}", fit.aic);
    // vcov (drc) diagonal and one off-diagonal
    let cov = fit.cov.unwrap();
    assert_rel("vcov bb", cov[0][0], 0.216_282_967, tol::SE_REL * 2.0);
    assert_rel("vcov be", cov[0][3], -0.003_763_692, tol::SE_REL * 20.0);
    assert_rel("vcov ce", cov[1][3], -0.016_918_44, tol::SE_REL * 2.0);
    for (p, est, se, lo, hi) in [
        (10.0, 1.46371, 0.18677, 1.07411, 1.85330),
        (50.0, 3.05795, 0.18573, 2.67053, 3.44538),
        (90.0, 6.38864, 0.84510, 4.62580, 8.15148),
    ] {
        let ed = fit.ed_relative(p, 0.95).unwrap();
        assert_rel(&format!("ED{p}"), ed.estimate, est, tol::ED_REL);
        assert_rel(&format!("ED{p} se"), ed.se.unwrap(), se, tol::ED_SE_REL);
        assert_rel(&format!("ED{p} lo"), ed.lo.unwrap(), lo, tol::ED_SE_REL);
        assert_rel(&format!("ED{p} hi"), ed.hi.unwrap(), hi, tol::ED_SE_REL);
    }
}

#[test]
fn ll3_matches_drc() {
    let Some((x, y)) = data() else { return };
    let fit = fit_curve(&x, &y, &FitSpec::new(ModelKind::Ll3));
    assert_eq!(fit.status, FitStatus::Ok, "{fit:?}");
    assert_eq!(fit.c, 0.0);
    assert_rel("b", fit.b, 2.47033, tol::LL3_PARAM_REL);
    assert_rel("d", fit.d, 7.85543, tol::LL3_PARAM_REL);
    assert_rel("e", fit.e, 3.26336, tol::LL3_PARAM_REL);
    assert_rel("se b", fit.se[0].unwrap(), 0.34168, tol::SE_REL);
    assert_rel("se d", fit.se[2].unwrap(), 0.20438, tol::SE_REL);
    assert_rel("se e", fit.se[3].unwrap(), 0.19641, tol::SE_REL);
    assert!(fit.se[1].is_none());
    assert_rel("rse", fit.rse, 0.561_580_2, tol::RSE_REL);
    assert_eq!(fit.df, 21);
    assert!((fit.aic - 45.20827).abs() < tol::LOGLIK_ABS, "{}", fit.aic);
}

#[test]
fn fit_row_and_fold_shift() {
    let Some((x, y)) = data() else { return };
    let opts = platesyn_dose::FitOptions { abs_level: 4.0 };
    let fit = platesyn_dose::fit::fit_curve_with(&x, &y, &FitSpec::default(), &opts);
    let row = fit.row("ryegrass");
    let rec = row.to_record();
    assert_eq!(rec.len(), platesyn_dose::FIT_COLUMNS.len());
    assert_eq!(platesyn_dose::FIT_COLUMNS[0], "curve");
    assert_eq!(platesyn_dose::FIT_COLUMNS[21], "status");
    assert_eq!(rec[0], "ryegrass");
    assert_eq!(rec[1], "LL.4");
    assert_eq!(rec[2], "24");
    assert_eq!(rec[13], "20");
    assert_eq!(rec[21], "ok");
    assert_rel("ed50", row.ed50.unwrap(), 3.057_955, tol::PARAM_REL);
    assert_rel("ed50 se", row.ed50_se.unwrap(), 0.18573, tol::SE_REL);
    assert_rel("ed50 lo", row.ed50_lo.unwrap(), 2.67053, tol::ED_SE_REL);
    // absolute: c + (d - c) / (1 + (x/e)^b) = 4 with drc's coefficients
    let (b, c, d, e) = (2.982_219_1, 0.481_413_2, 7.792_958_3, 3.057_955_0);
    let g: f64 = (4.0 - c) / (d - c);
    let want = e * ((1.0 - g) / g).powf(1.0 / b);
    assert_rel("ic50_abs", row.ic50_abs.unwrap(), want, tol::PARAM_REL);
    assert_rel(
        "predict at ic50_abs",
        fit.predict(want),
        4.0,
        tol::PARAM_REL,
    );
    // R^2 = 1 - RSS/TSS
    let m = y.iter().sum::<f64>() / y.len() as f64;
    let tss: f64 = y.iter().map(|v| (v - m).powi(2)).sum();
    assert_rel("r2", row.r2.unwrap(), 1.0 - 5.400_215 / tss, 1e-6);

    // Fold shift: the same data at half the doses has e / 2 and the same SE of ln e.
    let half: Vec<f64> = x.iter().map(|v| v * 0.5).collect();
    let combo = fit_curve(&half, &y, &FitSpec::default());
    let fs = platesyn_dose::ic50_fold_shift(&fit, &combo, 0.95).unwrap();
    assert_rel("fold", fs.fold, 2.0, 1e-9);
    let se_log = 0.18573 / 3.057_955;
    assert_rel("log se", fs.log_se, 2f64.sqrt() * se_log, tol::SE_REL);
    assert_eq!(fs.df, 40);
    let t40 = 2.021_075_390_306_273; // qt(0.975, 40)
    assert_rel("fold hi", fs.hi, (2f64.ln() + t40 * fs.log_se).exp(), 1e-9);
    assert_rel("fold lo", fs.lo, (2f64.ln() - t40 * fs.log_se).exp(), 1e-9);
}
