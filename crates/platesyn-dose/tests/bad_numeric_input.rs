//! Bad numeric input into `fit_curve`: NaN/inf doses or responses, negative and all-zero
//! doses, all-flat responses, empty and mismatched inputs. None may panic, and no fit may
//! carry a NaN parameter or summary without a non-`ok` status saying why.

use platesyn_dose::{CurveFit, FitSpec, FitStatus, ModelKind, fit_curve};

const DOSES: [f64; 8] = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
const FALLING: [f64; 8] = [100.0, 99.0, 96.0, 85.0, 60.0, 30.0, 10.0, 4.0];

fn fit(dose: &[f64], response: &[f64]) -> CurveFit {
    fit_curve(dose, response, &FitSpec::new(ModelKind::Ll4))
}

/// A `failed` status whose reason contains `want`.
fn assert_failed(f: &CurveFit, want: &str) {
    match &f.status {
        FitStatus::Failed(reason) => {
            assert!(reason.contains(want), "reason `{reason}` lacks `{want}`");
        }
        other => panic!("expected failed ({want}), got {other}"),
    }
}

/// Any NaN among the parameters or summaries must come with a non-`ok` status.
fn assert_no_silent_nan(f: &CurveFit) {
    let values = [
        f.b, f.c, f.d, f.e, f.f, f.rss, f.rse, f.r2, f.auc, f.emax_obs,
    ];
    if values.iter().any(|v| v.is_nan()) {
        assert!(!f.status.is_ok(), "NaN in a fit with status ok: {f:?}");
    }
    if f.status.is_ok() {
        assert!(
            values.iter().all(|v| v.is_finite()),
            "non-finite value in an ok fit: {f:?}"
        );
    }
}

#[test]
fn nan_and_infinite_doses_fail_naming_the_row() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut d = DOSES;
        d[3] = bad;
        let f = fit(&d, &FALLING);
        assert_failed(&f, "at row 4 is not a finite dose >= 0");
        assert_no_silent_nan(&f);
    }
}

#[test]
fn negative_dose_fails_naming_the_row() {
    let mut d = DOSES;
    d[5] = -1.0;
    let f = fit(&d, &FALLING);
    assert_failed(&f, "dose -1 at row 6 is not a finite dose >= 0");
}

#[test]
fn nan_and_infinite_responses_fail_naming_the_row() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut r = FALLING;
        r[6] = bad;
        let f = fit(&DOSES, &r);
        assert_failed(&f, "response at row 7 is not finite");
        assert_no_silent_nan(&f);
    }
}

#[test]
fn all_zero_doses_do_not_fit() {
    let f = fit(&[0.0; 8], &FALLING);
    assert_failed(&f, "need at least 2 distinct positive doses, got 0");
    assert_no_silent_nan(&f);
}

#[test]
fn all_flat_responses_are_flat_not_nan() {
    for level in [0.0, 100.0, 1e-12] {
        let f = fit(&DOSES, &[level; 8]);
        assert_eq!(f.status, FitStatus::Flat, "constant {level}");
        assert_no_silent_nan(&f);
    }
}

#[test]
fn empty_and_mismatched_inputs_fail() {
    let f = fit(&[], &[]);
    assert_failed(&f, "need at least 2 distinct positive doses, got 0");
    assert_no_silent_nan(&f);
    let f = fit(&DOSES, &FALLING[..5]);
    assert_failed(&f, "8 doses but 5 responses");
}

#[test]
fn too_few_points_fail_without_panicking() {
    for (n, want) in [
        (1, "need at least 2 distinct positive doses, got 0"),
        (2, "need at least 2 distinct positive doses, got 1"),
        (3, "3 observations for 4 parameters: no residual df"),
        (4, "4 observations for 4 parameters: no residual df"),
    ] {
        let f = fit(&DOSES[..n], &FALLING[..n]);
        assert_failed(&f, want);
        assert_no_silent_nan(&f);
    }
}

#[test]
fn huge_and_tiny_magnitudes_do_not_give_silent_nan() {
    let huge: Vec<f64> = FALLING.iter().map(|r| r * 1e300).collect();
    let tiny_doses: Vec<f64> = DOSES.iter().map(|d| d * 1e-300).collect();
    for (d, r) in [
        (DOSES.to_vec(), huge.clone()),
        (tiny_doses.clone(), FALLING.to_vec()),
        (DOSES.iter().map(|d| d * 1e300).collect(), FALLING.to_vec()),
    ] {
        let f = fit(&d, &r);
        assert_no_silent_nan(&f);
    }
}

#[test]
fn every_model_survives_flat_and_single_level_input() {
    for model in ModelKind::ALL {
        let spec = FitSpec::new(model);
        let f = fit_curve(&DOSES, &[50.0; 8], &spec);
        assert_eq!(f.status, FitStatus::Flat, "{model:?} flat");
        assert_no_silent_nan(&f);
        let f = fit_curve(&[1.0; 8], &FALLING, &spec);
        assert!(
            !f.status.is_ok(),
            "{model:?} single dose level gave {}",
            f.status
        );
        assert_no_silent_nan(&f);
    }
}
