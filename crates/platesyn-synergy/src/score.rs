//! Scoring a block: Bliss, HSA, Loewe, ZIP (percentage points of inhibition, positive =
//! synergy) and the Chou-Talalay combination index.

use serde::{Deserialize, Serialize};

use crate::baseline::{BaselineCorrection, apply_baseline};
use crate::block::DoseMatrix;
use crate::ci::{CombinationIndex, combination_index};
use crate::curve::SingleFit;
use crate::fitting::{FitMode, STATUS_DRC_L4_FALLBACK, fit_ll4};
use crate::grid::Grid;
use crate::scale::ResponseScale;

/// The four reference models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    /// Bliss independence from observed monotherapy wells.
    Bliss,
    /// Highest single agent from observed monotherapy wells.
    Hsa,
    /// Loewe additivity from LL.4 single-agent fits (mode in [`ScoreOptions::loewe`]).
    Loewe,
    /// Zero interaction potency delta score (SynergyFinder).
    Zip,
}

impl Model {
    /// All four, in output order.
    pub const ALL: [Model; 4] = [Model::Bliss, Model::Hsa, Model::Loewe, Model::Zip];

    /// Lower-case name used in output rows (`bliss`, `hsa`, `loewe`, `zip`).
    pub fn name(self) -> &'static str {
        match self {
            Model::Bliss => "bliss",
            Model::Hsa => "hsa",
            Model::Loewe => "loewe",
            Model::Zip => "zip",
        }
    }
}

/// Which drug of the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Drug {
    /// Row drug.
    A,
    /// Column drug.
    B,
}

/// Why a cell has no score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MissingReason {
    /// No well was given for this dose pair.
    NotMeasured,
    /// Wells were given but none had a finite response.
    NonFiniteResponse,
    /// A monotherapy well needed by the reference is missing.
    MonotherapyMissing,
    /// A single-agent LL.4 fit needed by the model failed (non-finite parameters).
    SingleFitFailed,
    /// Exact-mode Loewe: a single-agent curve does not rise with dose, so no dose
    /// equivalent exists.
    CurveNotIncreasing,
    /// Exact-mode Loewe: no root of `a/A(y) + b/B(y) = 1` was found.
    NoLoeweSolution,
    /// Combination index: the effect is outside `(0, 1)` fraction affected, or a
    /// median-effect fit is unavailable.
    OutsideMedianEffectRange,
}

/// One cell's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum CellScore {
    /// Score in percentage points of inhibition (positive = synergy).
    Value(f64),
    /// No score, with the reason.
    Missing(MissingReason),
}

impl CellScore {
    /// The value, if any.
    pub fn value(self) -> Option<f64> {
        match self {
            CellScore::Value(v) => Some(v),
            CellScore::Missing(_) => None,
        }
    }
}

/// A fit-quality warning attached to the scores that depend on the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FitFlag {
    /// A single-agent fit whose status is not ok (poor or degenerate), or that failed.
    SingleAgent {
        /// Which drug.
        drug: Drug,
        /// The fitter's status text (`"failed"` for non-finite parameters).
        status: String,
    },
    /// A ZIP row/column fit that is unstable (near-singular, [`FitMode::Global`]), needed
    /// drc's `L.4` fallback (`drc_l4_fallback`, [`FitMode::DrcCompatible`]), or failed
    /// (then the observed responses of that slice are used, as SynergyFinder does).
    /// Row/column fits are not flagged for an ED50 outside the tested range: that is normal
    /// for a slice.
    Slice {
        /// Drug varied along the slice.
        varied: Drug,
        /// Index of the fixed dose of the other drug.
        fixed_index: usize,
        /// The fitter's status text.
        status: String,
    },
}

/// The score grid of one model for one block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreMatrix {
    /// Which model.
    pub model: Model,
    /// Per-cell scores; monotherapy and control cells score 0 when measured.
    pub cells: Grid<CellScore>,
    /// Fit warnings affecting these scores.
    pub flags: Vec<FitFlag>,
}

impl ScoreMatrix {
    /// Values of the combination cells (both doses > 0) that have a score.
    pub fn combination_values(&self) -> Vec<f64> {
        self.cells
            .iter()
            .filter(|(i, j, _)| *i > 0 && *j > 0)
            .filter_map(|(_, _, c)| c.value())
            .collect()
    }

    /// Swap drug A and B.
    #[must_use]
    pub fn transpose(&self) -> Self {
        let swap = |d: Drug| if d == Drug::A { Drug::B } else { Drug::A };
        Self {
            model: self.model,
            cells: self.cells.transpose(),
            flags: self
                .flags
                .iter()
                .map(|f| match f {
                    FitFlag::SingleAgent { drug, status } => FitFlag::SingleAgent {
                        drug: swap(*drug),
                        status: status.clone(),
                    },
                    FitFlag::Slice {
                        varied,
                        fixed_index,
                        status,
                    } => FitFlag::Slice {
                        varied: swap(*varied),
                        fixed_index: *fixed_index,
                        status: status.clone(),
                    },
                })
                .collect(),
        }
    }
}

/// How Loewe's reference is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoeweMode {
    /// SynergyFinder-compatible: candidate effects on a 100-step grid between the extreme
    /// plateaus of the two LL.4 fits; the candidate minimising `|a/A(y) + b/B(y) - 1|` is
    /// the reference. When the observed effect is beyond both drugs' maxima the reference
    /// is `max_i f_i(a + b)`. Quantised to about 1 point.
    SynergyFinder,
    /// Exact root of `a/A(y) + b/B(y) = 1` (Brent). Unequal maxima: at effects beyond a
    /// drug's own maximum that drug's dose equivalent is infinite (it contributes 0), so the
    /// reference can rise above the weaker drug's maximum up to the stronger one's. Both
    /// curves must rise with dose.
    Exact,
}

/// Scoring options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// Loewe mode.
    pub loewe: LoeweMode,
    /// Baseline correction (SynergyFinder's `correct_baseline`).
    pub baseline: BaselineCorrection,
    /// Compute the Chou-Talalay combination index.
    pub combination_index: bool,
    /// LL.4 fitter for the single agents, the ZIP row/column fits and the baseline.
    pub fit: FitMode,
}

impl Default for ScoreOptions {
    /// SynergyFinder-compatible Loewe, no baseline correction, combination index on,
    /// drc-compatible fits (as SynergyFinder).
    fn default() -> Self {
        Self {
            loewe: LoeweMode::SynergyFinder,
            baseline: BaselineCorrection::None,
            combination_index: true,
            fit: FitMode::DrcCompatible,
        }
    }
}

/// The two single-agent LL.4 fits (percent inhibition) of a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SingleFits {
    /// Drug A (dose 0 = control included), or `None` if the fit failed.
    pub a: Option<SingleFit>,
    /// Drug B.
    pub b: Option<SingleFit>,
}

/// A scored block. Scores are percentage points of inhibition; positive = synergy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredBlock {
    /// Block id.
    pub block_id: String,
    /// Drug A name.
    pub drug_a: Option<String>,
    /// Drug B name.
    pub drug_b: Option<String>,
    /// Concentration unit.
    pub conc_unit: Option<String>,
    /// Scale the responses were given on.
    pub input_scale: ResponseScale,
    /// Scale of `inhibition` and of every reference: always percent inhibition.
    pub score_scale: ResponseScale,
    /// Drug A doses (ascending, first = 0).
    pub doses_a: Vec<f64>,
    /// Drug B doses.
    pub doses_b: Vec<f64>,
    /// Finite replicates per cell.
    pub n: Grid<usize>,
    /// Mean percent inhibition per cell, after baseline correction.
    pub inhibition: Grid<Option<f64>>,
    /// Baseline correction applied, and the baseline used (percent inhibition).
    pub baseline: (BaselineCorrection, Option<f64>),
    /// Bliss scores.
    pub bliss: ScoreMatrix,
    /// HSA scores.
    pub hsa: ScoreMatrix,
    /// Loewe scores.
    pub loewe: ScoreMatrix,
    /// ZIP delta scores.
    pub zip: ScoreMatrix,
    /// Loewe mode used.
    pub loewe_mode: LoeweMode,
    /// LL.4 fitter used for the single agents, ZIP rows/columns and baseline.
    pub fit_mode: FitMode,
    /// Loewe reference effect per cell (percent inhibition).
    pub loewe_reference: Grid<Option<f64>>,
    /// ZIP reference (Bliss of the fitted single agents) per cell.
    pub zip_reference: Grid<Option<f64>>,
    /// ZIP fitted response (mean of the row and column fits) per cell.
    pub zip_fitted: Grid<Option<f64>>,
    /// Single-agent LL.4 fits.
    pub single_fits: SingleFits,
    /// Chou-Talalay combination index, when requested.
    pub combination_index: Option<CombinationIndex>,
}

impl ScoredBlock {
    /// The score matrix of one model.
    pub fn scores(&self, model: Model) -> &ScoreMatrix {
        match model {
            Model::Bliss => &self.bliss,
            Model::Hsa => &self.hsa,
            Model::Loewe => &self.loewe,
            Model::Zip => &self.zip,
        }
    }
}

/// Context shared by the model functions.
pub(crate) struct Ctx<'a> {
    pub doses_a: &'a [f64],
    pub doses_b: &'a [f64],
    pub m: &'a Grid<Option<f64>>,
    pub reason: &'a Grid<Option<MissingReason>>,
}

impl Ctx<'_> {
    fn na(&self) -> usize {
        self.m.n_a()
    }
    fn nb(&self) -> usize {
        self.m.n_b()
    }
    /// Score for a monotherapy/control cell: 0 when measured.
    fn edge(&self, i: usize, j: usize) -> CellScore {
        match self.m.get(i, j) {
            Some(_) => CellScore::Value(0.0),
            None => CellScore::Missing(self.missing(i, j)),
        }
    }
    fn missing(&self, i: usize, j: usize) -> MissingReason {
        self.reason.get(i, j).unwrap_or(MissingReason::NotMeasured)
    }
}

/// Bliss: `I - (I_A + I_B - I_A * I_B / 100)` from observed monotherapy wells.
pub(crate) fn bliss(ctx: &Ctx<'_>) -> ScoreMatrix {
    observed_reference(ctx, Model::Bliss, |sa, sb| sa + sb - sa * sb / 100.0)
}

/// HSA: `I - max(I_A, I_B)` from observed monotherapy wells.
pub(crate) fn hsa(ctx: &Ctx<'_>) -> ScoreMatrix {
    observed_reference(ctx, Model::Hsa, f64::max)
}

fn observed_reference(
    ctx: &Ctx<'_>,
    model: Model,
    reference: impl Fn(f64, f64) -> f64,
) -> ScoreMatrix {
    let cells = Grid::from_fn(ctx.na(), ctx.nb(), |i, j| {
        if i == 0 || j == 0 {
            return ctx.edge(i, j);
        }
        let Some(y) = *ctx.m.get(i, j) else {
            return CellScore::Missing(ctx.missing(i, j));
        };
        match (*ctx.m.get(i, 0), *ctx.m.get(0, j)) {
            (Some(sa), Some(sb)) => CellScore::Value(y - reference(sa, sb)),
            _ => CellScore::Missing(MissingReason::MonotherapyMissing),
        }
    });
    ScoreMatrix {
        model,
        cells,
        flags: Vec::new(),
    }
}

/// Fit the monotherapy of one drug (dose 0 = control included).
pub(crate) fn fit_single(ctx: &Ctx<'_>, drug: Drug, mode: FitMode) -> Option<SingleFit> {
    let (doses, len) = match drug {
        Drug::A => (ctx.doses_a, ctx.na()),
        Drug::B => (ctx.doses_b, ctx.nb()),
    };
    let mut x = Vec::with_capacity(len);
    let mut y = Vec::with_capacity(len);
    for (k, &d) in doses.iter().enumerate() {
        let v = match drug {
            Drug::A => *ctx.m.get(k, 0),
            Drug::B => *ctx.m.get(0, k),
        };
        if let Some(v) = v {
            x.push(d);
            y.push(v);
        }
    }
    fit_ll4(&x, &y, None, mode)
}

fn single_flags(fits: &SingleFits, flags: &mut Vec<FitFlag>) {
    for (drug, f) in [(Drug::A, &fits.a), (Drug::B, &fits.b)] {
        match f {
            None => flags.push(FitFlag::SingleAgent {
                drug,
                status: "failed".into(),
            }),
            Some(f) if !f.ok => flags.push(FitFlag::SingleAgent {
                drug,
                status: f.status.clone(),
            }),
            Some(_) => {}
        }
    }
}

/// ZIP delta (SynergyFinder): reference = Bliss of the fitted single agents; fitted =
/// mean of the LL.4 fit along the row (B varied, `c` fixed to the observed response at
/// B = 0 of that row) and along the column (A varied, `c` fixed to the observed response
/// at A = 0). Returns (scores, reference, fitted).
pub(crate) fn zip(
    ctx: &Ctx<'_>,
    fits: &SingleFits,
    mode: FitMode,
) -> (ScoreMatrix, Grid<Option<f64>>, Grid<Option<f64>>) {
    let (na, nb) = (ctx.na(), ctx.nb());
    let mut flags = Vec::new();
    single_flags(fits, &mut flags);
    let (Some(fa), Some(fb)) = (&fits.a, &fits.b) else {
        let cells = Grid::from_fn(na, nb, |i, j| {
            if i == 0 || j == 0 {
                ctx.edge(i, j)
            } else {
                CellScore::Missing(MissingReason::SingleFitFailed)
            }
        });
        let none = Grid::filled(na, nb, None);
        return (
            ScoreMatrix {
                model: Model::Zip,
                cells,
                flags,
            },
            none.clone(),
            none,
        );
    };
    // ln(dose) once per block and ln(e) once per curve: the same values as `Ll4::predict`
    let ln_a: Vec<f64> = ctx.doses_a.iter().map(|d| d.ln()).collect();
    let ln_b: Vec<f64> = ctx.doses_b.iter().map(|d| d.ln()).collect();
    let (ca, cb) = (fa.curve.with_ln_e(), fb.curve.with_ln_e());
    let pa: Vec<f64> = ln_a.iter().map(|&l| ca.predict_ln(l)).collect();
    let pb: Vec<f64> = ln_b.iter().map(|&l| cb.predict_ln(l)).collect();
    // column fits: A varied at fixed B dose j
    let mut pred_a = Grid::filled(na, nb, f64::NAN);
    let mut x = Vec::with_capacity(na.max(nb));
    let mut y = Vec::with_capacity(na.max(nb));
    for (j, &pb_j) in pb.iter().enumerate().skip(1) {
        x.clear();
        y.clear();
        for i in 0..na {
            if let Some(v) = *ctx.m.get(i, j) {
                x.push(ctx.doses_a[i]);
                y.push(v);
            }
        }
        let c0 = ctx.m.get(0, j).unwrap_or(pb_j);
        let f = fit_ll4(&x, &y, Some(c0), mode);
        slice_flag(f.as_ref(), Drug::A, j, &mut flags);
        let curve = f.as_ref().map(|f| f.curve.with_ln_e());
        for (i, &lx) in ln_a.iter().enumerate().skip(1) {
            *pred_a.get_mut(i, j) = match &curve {
                Some(c) => c.predict_ln(lx),
                None => ctx.m.get(i, j).unwrap_or(f64::NAN),
            };
        }
    }
    let mut pred_b = Grid::filled(na, nb, f64::NAN);
    for (i, &pa_i) in pa.iter().enumerate().skip(1) {
        x.clear();
        y.clear();
        for j in 0..nb {
            if let Some(v) = *ctx.m.get(i, j) {
                x.push(ctx.doses_b[j]);
                y.push(v);
            }
        }
        let c0 = ctx.m.get(i, 0).unwrap_or(pa_i);
        let f = fit_ll4(&x, &y, Some(c0), mode);
        slice_flag(f.as_ref(), Drug::B, i, &mut flags);
        let curve = f.as_ref().map(|f| f.curve.with_ln_e());
        for (j, &lx) in ln_b.iter().enumerate().skip(1) {
            *pred_b.get_mut(i, j) = match &curve {
                Some(c) => c.predict_ln(lx),
                None => ctx.m.get(i, j).unwrap_or(f64::NAN),
            };
        }
    }
    let mut reference = Grid::filled(na, nb, None);
    let mut fitted = Grid::filled(na, nb, None);
    let cells = Grid::from_fn(na, nb, |i, j| {
        if i == 0 || j == 0 {
            *reference.get_mut(i, j) = *ctx.m.get(i, j);
            *fitted.get_mut(i, j) = *ctx.m.get(i, j);
            return ctx.edge(i, j);
        }
        let r = pa[i] + pb[j] - pa[i] * pb[j] / 100.0;
        let f = 0.5 * (pred_a.get(i, j) + pred_b.get(i, j));
        *reference.get_mut(i, j) = Some(r);
        if f.is_finite() {
            *fitted.get_mut(i, j) = Some(f);
            CellScore::Value(f - r)
        } else {
            CellScore::Missing(ctx.missing(i, j))
        }
    });
    (
        ScoreMatrix {
            model: Model::Zip,
            cells,
            flags,
        },
        reference,
        fitted,
    )
}

fn slice_flag(f: Option<&SingleFit>, varied: Drug, fixed_index: usize, flags: &mut Vec<FitFlag>) {
    match f {
        None => flags.push(FitFlag::Slice {
            varied,
            fixed_index,
            status: "failed".into(),
        }),
        Some(f)
            if f.status.starts_with("unstable")
                || f.status.starts_with("failed")
                || f.status == STATUS_DRC_L4_FALLBACK =>
        {
            flags.push(FitFlag::Slice {
                varied,
                fixed_index,
                status: f.status.clone(),
            });
        }
        Some(_) => {}
    }
}

/// Number of candidate effects in SynergyFinder's Loewe grid.
pub const SF_LOEWE_STEPS: usize = 100;

/// Loewe scores and reference. See [`LoeweMode`].
pub(crate) fn loewe(
    ctx: &Ctx<'_>,
    fits: &SingleFits,
    mode: LoeweMode,
) -> (ScoreMatrix, Grid<Option<f64>>) {
    let (na, nb) = (ctx.na(), ctx.nb());
    let mut flags = Vec::new();
    single_flags(fits, &mut flags);
    let mut reference = Grid::filled(na, nb, None);
    let (Some(fa), Some(fb)) = (&fits.a, &fits.b) else {
        let cells = Grid::from_fn(na, nb, |i, j| {
            if i == 0 || j == 0 {
                ctx.edge(i, j)
            } else {
                CellScore::Missing(MissingReason::SingleFitFailed)
            }
        });
        return (
            ScoreMatrix {
                model: Model::Loewe,
                cells,
                flags,
            },
            reference,
        );
    };
    let (fa, fb) = (fa.curve, fb.curve);
    // SynergyFinder grid (only needed in that mode)
    let mut grid = Vec::new();
    let mut xa = Vec::new();
    let mut xb = Vec::new();
    let mut monotone = false;
    if mode == LoeweMode::SynergyFinder {
        let lo = fa.c.min(fa.d).min(fb.c).min(fb.d);
        let hi = fa.c.max(fa.d).max(fb.c).max(fb.d);
        let by = (hi - lo) / (SF_LOEWE_STEPS - 1) as f64;
        grid = (0..SF_LOEWE_STEPS)
            .map(|k| match k {
                0 => lo,
                k if k == SF_LOEWE_STEPS - 1 => hi,
                k => lo + k as f64 * by,
            })
            .collect();
        xa = grid.iter().map(|&y| fa.inverse_sf(y)).collect();
        xb = grid.iter().map(|&y| fb.inverse_sf(y)).collect();
        monotone = is_nondecreasing(&xa) && is_nondecreasing(&xb);
    }
    let increasing = fa.is_increasing() && fb.is_increasing();
    let cells = Grid::from_fn(na, nb, |i, j| {
        if i == 0 || j == 0 {
            *reference.get_mut(i, j) = *ctx.m.get(i, j);
            return ctx.edge(i, j);
        }
        let Some(obs) = *ctx.m.get(i, j) else {
            return CellScore::Missing(ctx.missing(i, j));
        };
        let (a, b) = (ctx.doses_a[i], ctx.doses_b[j]);
        let r = match mode {
            LoeweMode::SynergyFinder => {
                if !fa.inverse_sf_is_finite(obs) && !fb.inverse_sf_is_finite(obs) {
                    Some(fa.predict(a + b).max(fb.predict(a + b)))
                } else {
                    sf_loewe_index(&xa, &xb, a, b, monotone).map(|k| grid[k])
                }
            }
            LoeweMode::Exact => {
                if !increasing {
                    return CellScore::Missing(MissingReason::CurveNotIncreasing);
                }
                loewe_exact(&fa, &fb, a, b)
            }
        };
        match r {
            Some(r) => {
                *reference.get_mut(i, j) = Some(r);
                CellScore::Value(obs - r)
            }
            None => CellScore::Missing(MissingReason::NoLoeweSolution),
        }
    });
    (
        ScoreMatrix {
            model: Model::Loewe,
            cells,
            flags,
        },
        reference,
    )
}

/// Whether `v` is nondecreasing with every value sign-positive (`+0.0` to `+inf`; false on
/// a NaN or a `-0.0`).
fn is_nondecreasing(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_sign_positive()) && v.windows(2).all(|w| w[0] <= w[1])
}

/// SynergyFinder's Loewe candidate for doses `a`, `b` (> 0): the index of the first strictly
/// smallest distance `|a / xa[k] + b / xb[k] - 1|` (NaN never compares less), else the first
/// non-NaN one (an infinite distance), else `None`. `xa`, `xb` are the inverse doses of
/// the candidate effects (same length).
///
/// With `monotone` (the caller checked that `xa` and `xb` are nondecreasing and
/// sign-positive, as they are for two increasing curves) the same index is found by bisection: in that case
/// `g[k] = a / xa[k] + b / xb[k] - 1` is nonincreasing in `k` and never NaN (correctly
/// rounded division and addition are monotone; `xa`, `xb` lie in `[0, inf]`), so `|g|`
/// falls over the positive prefix and rises over the rest, and the first minimum is either
/// `K` (the first `g <= 0`) or the first `k` with `g[k] = g[K - 1]`. The distances are
/// the same expressions, so the result is the full scan's to the bit.
pub(crate) fn sf_loewe_index(
    xa: &[f64],
    xb: &[f64],
    a: f64,
    b: f64,
    monotone: bool,
) -> Option<usize> {
    let n = xa.len().min(xb.len());
    let g = |k: usize| a / xa[k] + b / xb[k] - 1.0;
    if monotone && n > 0 && a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() {
        // first k with g[k] <= v, for v such that the answer exists in 0..=n
        let first_at_most = |v: f64| {
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if g(mid) <= v {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            lo
        };
        let k = first_at_most(0.0);
        if k == 0 {
            return Some(0);
        }
        let pos = g(k - 1);
        if k < n && -g(k) < pos {
            return Some(k);
        }
        // the first k whose g equals the smallest positive value (ties: the earlier index)
        return Some(first_at_most(pos));
    }
    // distances first (a loop the compiler vectorises), then the first smallest non-NaN one
    let mut dist = [0.0f64; SF_LOEWE_STEPS];
    for ((dk, &ak), &bk) in dist.iter_mut().zip(xa).zip(xb) {
        *dk = (a / ak + b / bk - 1.0).abs();
    }
    let dist = &dist[..n.min(SF_LOEWE_STEPS)];
    let mut best = f64::INFINITY;
    let mut arg = None;
    for (k, &dk) in dist.iter().enumerate() {
        if dk < best {
            best = dk;
            arg = Some(k);
        }
    }
    // none finite: the first non-NaN one (an infinite distance), if any
    arg.or_else(|| dist.iter().position(|d| !d.is_nan()))
}

/// Exact Loewe reference for doses `a`, `b` (> 0) with increasing curves: the unique root
/// in `(max f(0), max f(inf))` of `a / A(y) + b / B(y) - 1` (decreasing in `y`).
pub fn loewe_exact(fa: &crate::curve::Ll4, fb: &crate::curve::Ll4, a: f64, b: f64) -> Option<f64> {
    let g = |y: f64| a / fa.inverse_exact(y) + b / fb.inverse_exact(y) - 1.0;
    let mut lo = fa.at_zero().max(fb.at_zero());
    let mut hi = fa.at_infinity().max(fb.at_infinity());
    if hi.is_nan() || lo.is_nan() || hi <= lo {
        return None;
    }
    // g(lo+) = +inf, g(hi-) -> -1. Bisect until both ends are finite, then Brent.
    let mut glo = f64::INFINITY;
    let mut ghi = -1.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let gm = g(mid);
        if gm.is_nan() {
            return None;
        }
        if gm > 0.0 {
            lo = mid;
            glo = gm;
        } else {
            hi = mid;
            ghi = gm;
        }
        if glo.is_finite() && (hi - lo) < 1e-3 * (1.0 + hi.abs()) {
            break;
        }
    }
    if !glo.is_finite() {
        return Some(0.5 * (lo + hi));
    }
    Some(brent(g, lo, hi, glo, ghi, 1e-13))
}

/// Brent's root finder on a bracket `[a, b]` with `f(a) * f(b) <= 0`.
pub(crate) fn brent(
    f: impl Fn(f64) -> f64,
    mut a: f64,
    mut b: f64,
    mut fa: f64,
    mut fb: f64,
    tol: f64,
) -> f64 {
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..200 {
        if fb.signum() == fc.signum() {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol;
        let xm = 0.5 * (c - b);
        if xm.abs() <= tol1 || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            let min1 = 3.0 * xm * q - (tol1 * q).abs();
            let min2 = (e * q).abs();
            if 2.0 * p < min1.min(min2) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 { d } else { tol1.copysign(xm) };
        fb = f(b);
    }
    b
}

/// Score one block with all four models (and the combination index when requested).
///
/// Replicates are averaged per cell first; scores are computed on the mean percent
/// inhibition (after baseline correction).
pub fn score_block(block: &DoseMatrix, opts: ScoreOptions) -> ScoredBlock {
    let reason = Grid::from_fn(block.doses_a().len(), block.doses_b().len(), |i, j| {
        block.cell_missing(i, j)
    });
    let raw = block.mean_inhibition_pct();
    score_inhibition(block, &raw, &reason, opts)
}

pub(crate) fn score_inhibition(
    block: &DoseMatrix,
    raw: &Grid<Option<f64>>,
    reason: &Grid<Option<MissingReason>>,
    opts: ScoreOptions,
) -> ScoredBlock {
    let doses_a = block.doses_a();
    let doses_b = block.doses_b();
    let ctx0 = Ctx {
        doses_a,
        doses_b,
        m: raw,
        reason,
    };
    let (m, baseline_value, fits) = match opts.baseline {
        BaselineCorrection::None => {
            let fits = SingleFits {
                a: fit_single(&ctx0, Drug::A, opts.fit),
                b: fit_single(&ctx0, Drug::B, opts.fit),
            };
            (raw.clone(), None, fits)
        }
        mode => {
            let fits0 = SingleFits {
                a: fit_single(&ctx0, Drug::A, opts.fit),
                b: fit_single(&ctx0, Drug::B, opts.fit),
            };
            let (m, base) = apply_baseline(raw, doses_a, doses_b, &fits0, mode);
            let ctx1 = Ctx {
                doses_a,
                doses_b,
                m: &m,
                reason,
            };
            let fits = SingleFits {
                a: fit_single(&ctx1, Drug::A, opts.fit),
                b: fit_single(&ctx1, Drug::B, opts.fit),
            };
            (m, base, fits)
        }
    };
    let ctx = Ctx {
        doses_a,
        doses_b,
        m: &m,
        reason,
    };
    let bliss = bliss(&ctx);
    let hsa = hsa(&ctx);
    let (zip, zip_reference, zip_fitted) = zip(&ctx, &fits, opts.fit);
    let (loewe, loewe_reference) = loewe(&ctx, &fits, opts.loewe);
    let ci = opts
        .combination_index
        .then(|| combination_index(doses_a, doses_b, &m));
    ScoredBlock {
        block_id: block.id.clone(),
        drug_a: block.drug_a.clone(),
        drug_b: block.drug_b.clone(),
        conc_unit: block.conc_unit.clone(),
        input_scale: block.input_scale,
        score_scale: ResponseScale::PERCENT_INHIBITION,
        doses_a: doses_a.to_vec(),
        doses_b: doses_b.to_vec(),
        n: block.n(),
        inhibition: m,
        baseline: (opts.baseline, baseline_value),
        bliss,
        hsa,
        loewe,
        zip,
        loewe_mode: opts.loewe,
        fit_mode: opts.fit,
        loewe_reference,
        zip_reference,
        zip_fitted,
        single_fits: fits,
        combination_index: ci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Inverse doses as the Loewe grid produces them: nondecreasing, from 0 through finite
    /// values (with repeats) to `+inf`.
    fn inverse_doses() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(
            prop_oneof![
                3 => (0.0f64..4.0).prop_map(|x| (x * 4.0).round() / 4.0),
                1 => Just(0.0),
                1 => Just(f64::INFINITY),
                1 => 1e-3f64..1e3,
            ],
            1..SF_LOEWE_STEPS,
        )
        .prop_map(|mut v| {
            v.sort_by(f64::total_cmp);
            v
        })
    }

    proptest! {
        /// The bisection of monotone inverse doses picks the full scan's candidate.
        #[test]
        fn sf_loewe_bisection_matches_the_scan(
            xa in inverse_doses(),
            xb in inverse_doses(),
            a in prop_oneof![Just(0.5), Just(1.0), 1e-3f64..10.0],
            b in prop_oneof![Just(0.5), Just(1.0), 1e-3f64..10.0],
        ) {
            let n = xa.len().min(xb.len());
            let (xa, xb) = (&xa[..n], &xb[..n]);
            prop_assert!(is_nondecreasing(xa) && is_nondecreasing(xb));
            prop_assert_eq!(
                sf_loewe_index(xa, xb, a, b, true),
                sf_loewe_index(xa, xb, a, b, false)
            );
        }
    }

    #[test]
    fn sf_loewe_bisection_ties_and_limits() {
        let inf = f64::INFINITY;
        // distances 1 (all inverses infinite): the first candidate
        assert_eq!(
            sf_loewe_index(&[inf; 4], &[inf; 4], 1.0, 1.0, true),
            Some(0)
        );
        // distances inf (all inverses 0): the first non-NaN one
        assert_eq!(
            sf_loewe_index(&[0.0; 4], &[0.0; 4], 1.0, 1.0, true),
            Some(0)
        );
        // the smallest positive g repeated: the first of them
        let xa = [0.5, 1.0, 1.0, 4.0];
        for monotone in [false, true] {
            assert_eq!(sf_loewe_index(&xa, &[inf; 4], 1.5, 1.0, monotone), Some(1));
        }
        // g = 2, 0.5, -0.5, -1: a tie between the last positive and the first negative g
        // goes to the earlier candidate
        let xa = [1.0, 2.0, 6.0, inf];
        for monotone in [false, true] {
            assert_eq!(sf_loewe_index(&xa, &[inf; 4], 3.0, 1.0, monotone), Some(1));
        }
        // negative or -0 inverses are not monotone inputs
        assert!(!is_nondecreasing(&[-0.0, 1.0]));
        assert!(!is_nondecreasing(&[1.0, f64::NAN]));
        assert!(is_nondecreasing(&[0.0, 1.0, inf]));
    }
}
