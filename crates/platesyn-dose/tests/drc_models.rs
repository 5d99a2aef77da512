//! Other drc reference fits (EXPECTED.txt sections 1-3) and the edge/ behaviour anchors (6).
// Reference values are copied digit for digit from EXPECTED.txt.
#![allow(clippy::unreadable_literal)]

mod common;
use common::{assert_rel, columns, num, read_csv, tol};
use platesyn_dose::{FitSpec, FitStatus, ModelKind, fit_curve};

#[test]
fn ll5_w14_w24_on_ryegrass() {
    let Some((x, y)) = columns("ryegrass.csv", "conc", "rootl") else {
        return;
    };
    let f5 = fit_curve(&x, &y, &FitSpec::new(ModelKind::Ll5));
    // scipy's optimum (drc's BFGS stopped early; see EXPECTED)
    assert_rel("LL.5 b", f5.b, 3.930_128, tol::LL5_PARAM_REL);
    assert_rel("LL.5 c", f5.c, 0.321_455, tol::LL5_PARAM_REL);
    assert_rel("LL.5 d", f5.d, 7.760_512, tol::LL5_PARAM_REL);
    assert_rel("LL.5 e", f5.e, 2.214_756, tol::LL5_PARAM_REL);
    assert_rel("LL.5 f", f5.f, 0.467_942_2, tol::LL5_PARAM_REL);
    assert_rel("LL.5 rse", f5.rse, 0.527_009_8, tol::RSE_REL);
    assert!((f5.loglik - -15.87828).abs() < tol::LOGLIK_ABS);
    assert!((f5.aic - 43.75656).abs() < tol::LOGLIK_ABS);

    let w1 = fit_curve(&x, &y, &FitSpec::new(ModelKind::W14));
    assert_rel("W1.4 rss", w1.rss, 6.024_151, tol::RSE_REL * 2.0);
    assert_rel("W1.4 b", w1.b, 2.393_346, tol::PARAM_REL);
    assert_rel("W1.4 c", w1.c, 0.660_451_6, tol::PARAM_REL);
    assert_rel("W1.4 d", w1.d, 7.805_876, tol::PARAM_REL);
    assert_rel("W1.4 e", w1.e, 3.600_128, tol::PARAM_REL);
    assert!((w1.aic - 44.93439).abs() < tol::LOGLIK_ABS);

    let w2 = fit_curve(&x, &y, &FitSpec::new(ModelKind::W24));
    assert_rel("W2.4 b", w2.b, -1.967_802, tol::PARAM_REL);
    assert_rel("W2.4 c", w2.c, 0.324_574_9, tol::PARAM_REL);
    assert_rel("W2.4 d", w2.d, 7.726_33, tol::PARAM_REL);
    assert_rel("W2.4 e", w2.e, 2.487_633, tol::PARAM_REL);
    assert!((w2.loglik - -15.91352).abs() < tol::LOGLIK_ABS);
    assert!((w2.aic - 41.82703).abs() < tol::LOGLIK_ABS);
}

#[test]
fn spinach_five_curves() {
    let Some((h, rows)) = read_csv("spinach.csv") else {
        return;
    };
    assert_eq!(h, ["CURVE", "HERBICIDE", "DOSE", "SLOPE"]);
    let want = [
        [0.519519, -0.016595, 1.879553, 1.794955],
        [0.800796, 0.132589, 0.946000, 0.945530],
        [0.681913, 0.146406, 1.090321, 1.373023],
        [1.844809, 0.079552, 2.153578, 0.197326],
        [1.650758, -0.009066, 1.806283, 0.210793],
    ];
    for (k, w) in want.iter().enumerate() {
        let id = (k + 1).to_string();
        let sel: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
        let x: Vec<f64> = sel.iter().map(|r| num(&r[2])).collect();
        let y: Vec<f64> = sel.iter().map(|r| num(&r[3])).collect();
        let fit = fit_curve(&x, &y, &FitSpec::default());
        assert_eq!(fit.status, FitStatus::Ok, "curve {id}: {fit:?}");
        for (name, got, want) in [
            ("b", fit.b, w[0]),
            ("c", fit.c, w[1]),
            ("d", fit.d, w[2]),
            ("e", fit.e, w[3]),
        ] {
            assert!(
                (got - want).abs() <= tol::SPINACH_REL * want.abs() + tol::SPINACH_ABS,
                "spinach {id} {name}: got {got}, want {want}"
            );
        }
    }
}

#[test]
fn terbuthylazin_w14() {
    let Some((x, y)) = columns("terbuthylazin.csv", "dose", "rgr") else {
        return;
    };
    let fit = fit_curve(&x, &y, &FitSpec::new(ModelKind::W14));
    assert_eq!(fit.df, 26);
    // scipy's (lower-RSS) optimum; drc printed 0.02694557
    assert!(
        fit.rse <= 0.026_945_57 * (1.0 + tol::TERB_RSE_REL),
        "{}",
        fit.rse
    );
    assert_rel("rse", fit.rse, 0.026_945_26, tol::TERB_RSE_REL);
    assert_rel("d", fit.d, 0.308_848, 1e-3);
}

fn edge(name: &str) -> Option<platesyn_dose::CurveFit> {
    let (x, y) = columns(&format!("edge/{name}.csv"), "dose", "viability_pct")?;
    Some(fit_curve(&x, &y, &FitSpec::default()))
}

#[test]
fn edge_statuses() {
    for name in [
        "well_behaved",
        "flat_no_effect",
        "ic50_above_range",
        "partial_bottom_60",
        "steep_step",
    ] {
        let f = edge(name).unwrap();
        eprintln!(
            "{name}: {} cond {:.3e} p {:.3e} b {} c {} d {} e {}",
            f.status, f.condition, f.flat_p, f.b, f.c, f.d, f.e
        );
    }
    let Some(wb) = edge("well_behaved") else {
        return;
    };
    assert_eq!(wb.status, FitStatus::Ok, "{wb:?}");
    assert_rel("well_behaved e", wb.e, 0.105_622_884_6, 1e-4);
    let row = wb.row("wb");
    assert_rel("ic50_abs", row.ic50_abs.unwrap(), 0.106_362_031, 1e-4);

    let flat = edge("flat_no_effect").unwrap();
    assert_eq!(flat.status, FitStatus::Flat, "{flat:?}");
    let row = flat.row("flat");
    assert!(row.ed50.is_none() && row.ic50_abs.is_none());
    assert!((flat.flat_p - 0.489_477_9).abs() < 1e-3, "{}", flat.flat_p);

    let above = edge("ic50_above_range").unwrap();
    assert_eq!(above.status, FitStatus::Ic50AboveRange, "{above:?}");
    let row = above.row("above");
    assert_eq!(row.ed50, None);
    assert_eq!(row.to_record()[14], "> 10");

    let part = edge("partial_bottom_60").unwrap();
    assert_eq!(part.status, FitStatus::Ok, "{part:?}");
    assert!((part.c - 58.703_572_6).abs() < 0.01, "{}", part.c);
    assert_rel("partial e", part.e, 0.057_715_677, 1e-4);
    assert_eq!(part.row("p").ic50_abs, None);

    let steep = edge("steep_step").unwrap();
    assert!(
        matches!(steep.status, FitStatus::Ok | FitStatus::Unstable),
        "{steep:?}"
    );
    assert_rel("steep b", steep.b, 8.256_829_22, 1e-3);
    assert_rel("steep e", steep.e, 0.175_204_868, 1e-4);
}
