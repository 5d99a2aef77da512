//! Helpers shared by the fixture-driven tests: locating `../shared/ref`, reading the
//! dose-response reference CSVs, and every numerical tolerance (one place).
#![allow(dead_code)]

/// Tolerances, each traced to the precision of its reference.
pub mod tol {
    /// LL.4 ryegrass parameters vs drc's printed `coef()` (7 significant digits; drc's
    /// relTol 1e-7 on RSS leaves ~5e-6 relative slack in the parameters).
    pub const PARAM_REL: f64 = 1e-5;
    /// Standard errors vs drc (printed to 5 digits; drc's numerical optim() Hessian).
    pub const SE_REL: f64 = 1e-3;
    /// Residual standard error vs drc (printed to 7 digits).
    pub const RSE_REL: f64 = 1e-6;
    /// ED estimates/SE/CI vs drc's ED() print (5-6 significant digits).
    pub const ED_REL: f64 = 2e-5;
    /// ED standard errors and CI bounds (printed to 5 digits).
    pub const ED_SE_REL: f64 = 1e-4;
    /// LL.3 parameters (drc printed 6 digits).
    pub const LL3_PARAM_REL: f64 = 2e-5;
    /// LL.5 parameters: drc's BFGS stopped early; EXPECTED suggests 2e-3 vs scipy's optimum.
    pub const LL5_PARAM_REL: f64 = 2e-3;
    /// logLik / AIC (printed to 7 significant digits).
    pub const LOGLIK_ABS: f64 = 1e-4;
    /// Spinach curve parameters vs drc (6 printed digits; scipy/drc agree to ~1e-4 relative).
    pub const SPINACH_REL: f64 = 2e-4;
    /// Absolute slack for spinach parameters near zero (c ~ -0.009, printed to 1e-6).
    pub const SPINACH_ABS: f64 = 2e-5;
    /// terbuthylazin W1.4 RSE (flat optimum: EXPECTED says test RSE at 1e-5).
    pub const TERB_RSE_REL: f64 = 1e-5;
    /// NIST StRD: correct significant digits required (log relative error).
    pub const NIST_MIN_LRE: f64 = 6.0;
    /// Invariance properties (dose scaling, row order): both fits converge to the same
    /// optimum up to the LM step tolerance (xtol 1e-10), far below this.
    pub const INVARIANCE_REL: f64 = 1e-6;
    /// Hand-computed normalization / QC values (exact arithmetic up to rounding).
    pub const HAND_ABS: f64 = 1e-9;
}

pub use platesyn_plate::testing::shared_ref;

/// Parse a number, accepting the `np.float64(1.5)` wrapping of the NIST CSVs.
pub fn num(s: &str) -> f64 {
    let s = s.trim();
    let s = s
        .strip_prefix("np.float64(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(s);
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Read a CSV file under `doseresp/` as (header, rows of text cells).
pub fn read_csv(rel: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let root = shared_ref()?;
    let path = root.join("doseresp").join(rel);
    let mut rdr =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    Some((header, rows))
}

/// Two numeric columns of a CSV by name.
pub fn columns(rel: &str, x: &str, y: &str) -> Option<(Vec<f64>, Vec<f64>)> {
    let (h, rows) = read_csv(rel)?;
    let ix = h.iter().position(|c| c == x).expect("x column");
    let iy = h.iter().position(|c| c == y).expect("y column");
    Some((
        rows.iter().map(|r| num(&r[ix])).collect(),
        rows.iter().map(|r| num(&r[iy])).collect(),
    ))
}

/// Assert `|got - want| <= rel |want|`.
#[track_caller]
pub fn assert_rel(what: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: got {got}, want {want} (rel err {:.3e} > {rel:e})",
        ((got - want) / want).abs()
    );
}
