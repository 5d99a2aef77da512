//! R drc reference fits on ryegrass (EXPECTED.txt section 1).

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
