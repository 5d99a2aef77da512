//! A whole combination screen, from bound plates to results: per-plate normalization and QC,
//! single-agent curves, combination blocks, IC50 fold-shifts and the sensitization calls.
//!
//! Pure: the caller (the CLI) reads files and writes outputs. Everything here is deterministic
//! for the same inputs and options, whatever the number of threads: work is split with rayon
//! and collected in input order, and every grouping is keyed by sorted maps.
//!
//! Grouping rules (documented in `docs/analyze.md`):
//! * a `sample` well with drug A at a dose > 0 and no drug B (or drug B at 0) is a single-agent
//!   point of drug A; likewise for drug B; a well of a combination block with both doses 0 is
//!   the dose-0 point of both drugs' curves;
//! * single-agent curves pool every such well of a cell line and drug across plates;
//! * a block is every sample well of one cell line with the same named drug A and drug B,
//!   pooled across replicate plates (replicates = wells at the same dose pair);
//! * responses are viability % of the plate's untreated mean (blank-corrected).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use polars::prelude::{PlHashMap, PlRandomState};

use platesyn_dose::{
    CurveFit, FitSpec, ModelKind, NormalizeOptions, NormalizedPlate, PlateQc, QcThresholds,
    fit_curve, ic50_fold_shift, normalize_plate, plate_qc,
};
use platesyn_plate::{Plate, PlateLayout, Role};
use platesyn_synergy::{
    BootstrapOptions, BootstrapResult, DoseMatrix, Model, Point, ResponseScale, ScoreOptions,
    ScoredBlock, bootstrap, score_block,
};
use rayon::prelude::*;

/// Fold-shift at or above which a resistant line counts as sensitized, when the combination
/// IC50 also lies inside the tested range (see [`SENSITIZATION_RULE`]).
pub const SENSITIZATION_MIN_FOLD: f64 = 3.0;
/// Maximal inhibition (%) under which a single agent is called resistant.
pub const RESISTANT_MAX_INHIBITION: f64 = 50.0;
/// The sensitization rule, as written in `sensitization.csv`.
pub const SENSITIZATION_RULE: &str = "resistant alone (IC50 above the top dose, flat curve, or maximal inhibition under 50 %) and, at some fixed partner dose, an ok LL.4 fit of drug A with IC50 at least 3-fold below drug A's top dose";
/// Confidence level of fold-shift intervals.
pub const FOLD_CI_LEVEL: f64 = 0.95;

/// Options of a screen analysis.
#[derive(Debug, Clone)]
pub struct ScreenOptions {
    /// Normalization options (blank mode, outlier exclusion).
    pub normalize: NormalizeOptions,
    /// QC thresholds.
    pub qc: QcThresholds,
    /// Which read of each plate to use (read name or label); `None` = the only read, or the first.
    pub read: Option<String>,
    /// Model of the single-agent fits.
    pub fit_model: ModelKind,
    /// Synergy scoring options (Loewe mode, baseline).
    pub score: ScoreOptions,
    /// Models reported.
    pub models: Vec<Model>,
    /// Bootstrap iterations (0 = none) and seed.
    pub bootstrap: Option<BootstrapOptions>,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        Self {
            normalize: NormalizeOptions::default(),
            qc: QcThresholds::default(),
            read: None,
            fit_model: ModelKind::Ll4,
            score: ScoreOptions::default(),
            models: vec![Model::Bliss, Model::Hsa, Model::Loewe, Model::Zip],
            bootstrap: None,
        }
    }
}

/// One export plate bound to its layout plate.
#[derive(Debug, Clone)]
pub struct PlateInput<'a> {
    /// The export file (as given).
    pub file: String,
    /// The layout plate.
    pub layout: &'a PlateLayout,
    /// The plate read from the export.
    pub plate: Plate,
}

/// A plate after normalization and QC, with every well (see [`PlateSummary`] for what is kept
/// of it once its wells are written).
#[derive(Debug, Clone)]
pub struct PlateResult {
    /// The export file.
    pub file: String,
    /// Layout plate name.
    pub plate: String,
    /// Geometry of the export plate.
    pub format: platesyn_plate::PlateFormat,
    /// Normalized wells.
    pub norm: NormalizedPlate,
    /// QC.
    pub qc: PlateQc,
}

/// What a screen keeps of a plate after its wells have been written: file, QC and warnings.
#[derive(Debug, Clone)]
pub struct PlateSummary {
    /// The export file.
    pub file: String,
    /// Layout plate name.
    pub plate: String,
    /// Geometry of the export plate.
    pub format: platesyn_plate::PlateFormat,
    /// Read used.
    pub read: String,
    /// Blank mean (absorbance units).
    pub blank: f64,
    /// Untreated mean (absorbance units, blank-corrected).
    pub untreated: f64,
    /// Normalization warnings.
    pub warnings: Vec<String>,
    /// QC.
    pub qc: PlateQc,
    /// Wells excluded (flags, outliers when asked).
    pub n_excluded: usize,
    /// Layout wells the export does not hold.
    pub n_not_read: usize,
}

impl PlateSummary {
    /// The summary of a normalized plate.
    pub fn of(p: &PlateResult) -> Self {
        Self {
            file: p.file.clone(),
            plate: p.plate.clone(),
            format: p.format,
            read: p.norm.read.clone(),
            blank: p.norm.blank,
            untreated: p.norm.untreated,
            warnings: p.norm.warnings.clone(),
            qc: p.qc.clone(),
            n_excluded: p.norm.wells.iter().filter(|w| w.excluded.is_some()).count(),
            n_not_read: p.norm.not_read.len(),
        }
    }
}

/// Something that went wrong, itemized in `errors.csv` and the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Issue {
    /// What it concerns: a file, a plate, a curve or a block.
    pub subject: String,
    /// Kind (`read`, `layout`, `normalize`, `fit`, `synergy`).
    pub kind: String,
    /// The message.
    pub message: String,
}

/// A single-agent dose-response curve and its fit.
#[derive(Debug, Clone)]
pub struct CurveResult {
    /// Cell line.
    pub cell_line: String,
    /// Drug.
    pub drug: String,
    /// Partner drug and its fixed dose, for drug A at a fixed dose of drug B.
    pub partner: Option<(String, f64)>,
    /// Concentration unit.
    pub unit: String,
    /// Plates contributing, sorted (names shared by every curve and block of the screen).
    pub plates: Vec<Arc<str>>,
    /// Doses (unit above; 0 = untreated by this drug).
    pub dose: Vec<f64>,
    /// Viability %.
    pub response: Vec<f64>,
    /// The fit.
    pub fit: CurveFit,
}

impl CurveResult {
    /// Curve id: `cell_line/drug` or `cell_line/drug@partner=dose`.
    pub fn id(&self) -> String {
        match &self.partner {
            None => format!("{}/{}", self.cell_line, self.drug),
            Some((p, d)) => format!("{}/{}@{}={}", self.cell_line, self.drug, p, fmt_dose(*d)),
        }
    }

    /// Maximal observed inhibition (%): 100 minus the lowest dose-level mean viability.
    pub fn max_inhibition(&self) -> f64 {
        let mut by_dose: BTreeMap<u64, (f64, usize)> = BTreeMap::new();
        for (&d, &r) in self.dose.iter().zip(&self.response) {
            let e = by_dose.entry(d.to_bits()).or_insert((0.0, 0));
            e.0 += r;
            e.1 += 1;
        }
        by_dose
            .values()
            .map(|(s, n)| 100.0 - s / *n as f64)
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// A scored combination block.
#[derive(Debug, Clone)]
pub struct BlockResult {
    /// Block id `cell_line/drug_a+drug_b`.
    pub id: String,
    /// Cell line.
    pub cell_line: String,
    /// Drug A (rows).
    pub drug_a: String,
    /// Drug B (columns).
    pub drug_b: String,
    /// Concentration unit.
    pub unit: String,
    /// Plates contributing, sorted (names shared by every curve and block of the screen).
    pub plates: Vec<Arc<str>>,
    /// The scores.
    pub scored: ScoredBlock,
    /// Bootstrap, when asked.
    pub boot: Option<BootstrapResult>,
}

/// Drug A's IC50 at one fixed partner dose, against drug A alone.
#[derive(Debug, Clone)]
pub struct ShiftAtDose {
    /// Partner dose.
    pub conc_b: f64,
    /// Index of drug A's curve at this dose in [`ScreenResults::combo_curves`].
    pub curve: usize,
    /// Fold-shift `IC50_alone / IC50_combo` with its CI, when both fits allow it.
    pub fold: Option<platesyn_dose::FoldShift>,
    /// Whether this dose meets the sensitization rule's combination part.
    pub meets_rule: bool,
}

/// One row group of `sensitization.csv`: a cell line and drug pair.
#[derive(Debug, Clone)]
pub struct Sensitization {
    /// Cell line.
    pub cell_line: String,
    /// Drug A (whose IC50 shifts).
    pub drug_a: String,
    /// Partner.
    pub drug_b: String,
    /// Unit.
    pub unit: String,
    /// Index of drug A's single-agent curve in [`ScreenResults::curves`].
    pub alone: Option<usize>,
    /// `sensitive` or `resistant`.
    pub single_agent_call: &'static str,
    /// Per partner dose.
    pub shifts: Vec<ShiftAtDose>,
    /// The call.
    pub sensitized: bool,
}

/// Everything a screen analysis produces.
#[derive(Debug, Clone, Default)]
pub struct ScreenResults {
    /// Plates, in input order (their wells are streamed out by [`ScreenBuilder::add_plates`]'s
    /// caller).
    pub plates: Vec<PlateSummary>,
    /// Single-agent curves, sorted by cell line and drug.
    pub curves: Vec<CurveResult>,
    /// Drug A at each fixed partner dose, sorted.
    pub combo_curves: Vec<CurveResult>,
    /// Blocks, sorted by id.
    pub blocks: Vec<BlockResult>,
    /// Sensitization, sorted by cell line and drug pair.
    pub sensitization: Vec<Sensitization>,
    /// Issues, in a stable order.
    pub issues: Vec<Issue>,
}

/// Dose written the shortest round-trip way.
pub fn fmt_dose(d: f64) -> String {
    platesyn_plate::model::format_number(d)
}

fn pick_read<'a>(plate: &'a Plate, want: Option<&str>) -> Result<&'a platesyn_plate::Read, String> {
    match want {
        Some(name) => plate.read(name).ok_or_else(|| {
            let names: Vec<String> = plate.reads.iter().map(platesyn_plate::Read::name).collect();
            format!("no read {name:?} (reads: {})", names.join(", "))
        }),
        None => plate
            .reads
            .first()
            .ok_or_else(|| "the plate has no read".to_owned()),
    }
}

/// Normalize and QC one plate.
fn plate_result(input: &PlateInput, opts: &ScreenOptions) -> Result<PlateResult, Issue> {
    let issue = |kind: &str, message: String| Issue {
        subject: format!("{} ({})", input.layout.name, input.file),
        kind: kind.to_owned(),
        message,
    };
    if input.layout.format_explicit && input.layout.format != input.plate.format {
        return Err(issue(
            "layout",
            format!(
                "the layout plate is {} but the export is {}",
                input.layout.format, input.plate.format
            ),
        ));
    }
    if let Some(w) = input
        .layout
        .wells
        .keys()
        .find(|w| !input.plate.format.contains(**w))
    {
        return Err(issue(
            "layout",
            format!(
                "layout well {w} lies outside the export's {} plate",
                input.plate.format
            ),
        ));
    }
    let read = pick_read(&input.plate, opts.read.as_deref()).map_err(|m| issue("read", m))?;
    let norm = normalize_plate(&input.plate, read, input.layout, &opts.normalize)
        .map_err(|e| issue("normalize", e.to_string()))?;
    let qc = plate_qc(&norm, input.plate.format, &opts.qc);
    Ok(PlateResult {
        file: input.file.clone(),
        plate: input.layout.name.clone(),
        format: input.plate.format,
        norm,
        qc,
    })
}

/// Interned text: observations of a large screen hold small ids, not strings.
#[derive(Debug, Default)]
struct Interner {
    ids: PlHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let name: Arc<str> = Arc::from(s);
        self.ids.insert(Arc::clone(&name), i);
        self.names.push(name);
        i
    }

    fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    fn shared(&self, i: u32) -> Arc<str> {
        Arc::clone(&self.names[i as usize])
    }
}

/// A single-agent curve: cell line, drug.
type CurveKey = (String, String);
/// A block: cell line, drug A, drug B.
type BlockKey = (String, String, String);
/// Drug A at a fixed partner dose: cell line, drug A, drug B, dose (`f64` bits).
type FixedKey = (String, String, String, u64);

/// Interned id of the empty text (interned first by [`ScreenBuilder::new`]).
const EMPTY_ID: u32 = 0;

/// A usable sample point (text fields interned).
#[derive(Debug, Clone, Copy)]
struct Obs {
    plate: u32,
    cell_line: u32,
    drug_a: Option<u32>,
    conc_a: f64,
    drug_b: Option<u32>,
    conc_b: f64,
    unit: u32,
    viability: f64,
}

#[derive(Default)]
struct Pool {
    unit: Option<u32>,
    plates: std::collections::BTreeSet<u32>,
    dose: Vec<f64>,
    response: Vec<f64>,
}

impl Pool {
    /// A pool of `n` points.
    fn with_capacity(n: usize) -> Self {
        Self {
            unit: None,
            plates: std::collections::BTreeSet::new(),
            dose: Vec::with_capacity(n),
            response: Vec::with_capacity(n),
        }
    }

    fn add(&mut self, o: &Obs, dose: f64) {
        self.note(o);
        self.dose.push(dose);
        self.response.push(o.viability);
    }

    /// Records the point's unit and plate only (a block's pool: its points are kept apart).
    fn note(&mut self, o: &Obs) {
        // the first non-empty unit (id 0 is the empty text)
        if self.unit.is_none_or(|u| u == EMPTY_ID) {
            self.unit = Some(o.unit);
        }
        self.plates.insert(o.plate);
    }

    fn unit(&self, names: &Interner) -> String {
        self.unit
            .map(|u| names.name(u).to_owned())
            .unwrap_or_default()
    }

    fn plates(&self, names: &Interner) -> Vec<Arc<str>> {
        let mut v: Vec<Arc<str>> = self.plates.iter().map(|&p| names.shared(p)).collect();
        v.sort();
        v
    }
}

/// Where a sample point goes.
#[derive(Clone, Copy)]
enum Dest {
    /// The single-agent curve of (cell line, drug), at this dose.
    Single((u32, u32), f64),
    /// The block of (cell line, drug A, drug B).
    Block((u32, u32, u32)),
    /// Drug A's curve at a fixed partner dose (cell line, drug A, drug B, dose bits), at
    /// this dose of drug A.
    Fixed((u32, u32, u32, u64), f64),
}

/// Calls `f` with every destination of `o` (the grouping rules of the module docs).
fn destinations(o: &Obs, mut f: impl FnMut(Dest)) {
    let a = o.drug_a.filter(|_| o.conc_a > 0.0);
    let b = o.drug_b.filter(|_| o.conc_b > 0.0);
    match (a, b) {
        (Some(da), None) => f(Dest::Single((o.cell_line, da), o.conc_a)),
        (None, Some(db)) => f(Dest::Single((o.cell_line, db), o.conc_b)),
        (None, None) => {
            for d in [o.drug_a, o.drug_b].into_iter().flatten() {
                f(Dest::Single((o.cell_line, d), 0.0));
            }
        }
        (Some(_), Some(_)) => {}
    }
    if let (Some(da), Some(db)) = (o.drug_a, o.drug_b) {
        f(Dest::Block((o.cell_line, da, db)));
        if o.conc_b > 0.0 {
            f(Dest::Fixed(
                (o.cell_line, da, db, o.conc_b.to_bits()),
                o.conc_a,
            ));
        }
    }
}

/// Points per destination.
#[derive(Default)]
struct Counts {
    single: PlHashMap<(u32, u32), usize>,
    blocks: PlHashMap<(u32, u32, u32), usize>,
    fixed: PlHashMap<(u32, u32, u32, u64), usize>,
}

impl Counts {
    fn add(&mut self, d: Dest) {
        match d {
            Dest::Single(k, _) => *self.single.entry(k).or_insert(0) += 1,
            Dest::Block(k) => *self.blocks.entry(k).or_insert(0) += 1,
            Dest::Fixed(k, _) => *self.fixed.entry(k).or_insert(0) += 1,
        }
    }
}

/// A screen analysed plate by plate: [`ScreenBuilder::add_plates`] normalizes and QCs a chunk
/// of plates and keeps only their summaries and usable sample points, so the caller can write
/// each chunk's wells and drop them; [`ScreenBuilder::finish`] pools the points into curves and
/// blocks and fits and scores them. Results are the same whatever the chunking.
pub struct ScreenBuilder {
    opts: ScreenOptions,
    names: Interner,
    obs: Vec<Obs>,
    plates: Vec<PlateSummary>,
    issues: Vec<Issue>,
}

impl ScreenBuilder {
    /// An empty screen.
    pub fn new(opts: ScreenOptions) -> Self {
        let mut names = Interner::default();
        let empty = names.id("");
        debug_assert_eq!(empty, EMPTY_ID);
        Self {
            opts,
            names,
            obs: Vec::new(),
            plates: Vec::new(),
            issues: Vec::new(),
        }
    }

    /// Records an issue found by the caller (reading, binding).
    pub fn push_issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    /// Normalizes and QCs `inputs` (in parallel, results in input order), records their
    /// summaries and sample points, and returns the normalized plates (for the wells table and
    /// plate maps). A plate that cannot be normalized becomes an issue.
    pub fn add_plates(&mut self, inputs: &[PlateInput<'_>]) -> Vec<PlateResult> {
        let opts = &self.opts;
        let per_plate: Vec<Result<PlateResult, Issue>> =
            inputs.par_iter().map(|i| plate_result(i, opts)).collect();
        let mut out = Vec::with_capacity(per_plate.len());
        for r in per_plate {
            match r {
                Ok(p) => {
                    self.observe(&p);
                    self.plates.push(PlateSummary::of(&p));
                    out.push(p);
                }
                Err(issue) => self.issues.push(issue),
            }
        }
        out
    }

    fn observe(&mut self, p: &PlateResult) {
        let plate = self.names.id(&p.plate);
        for w in &p.norm.wells {
            if w.role != Role::Sample || w.excluded.is_some() {
                continue;
            }
            let Some(v) = w.viability_pct.filter(|v| v.is_finite()) else {
                continue;
            };
            let i = &w.info;
            let o = Obs {
                plate,
                cell_line: self.names.id(i.cell_line.as_deref().unwrap_or("")),
                drug_a: i.drug_a.as_deref().map(|d| self.names.id(d)),
                conc_a: i.conc_a.unwrap_or(0.0),
                drug_b: i.drug_b.as_deref().map(|d| self.names.id(d)),
                conc_b: i.conc_b.unwrap_or(0.0),
                unit: self.names.id(i.unit.as_deref().unwrap_or("")),
                viability: v,
            };
            self.obs.push(o);
        }
    }

    /// Pools the recorded points into single-agent curves, fixed-partner curves and blocks,
    /// fits and scores them (in parallel), and calls sensitization.
    #[allow(clippy::too_many_lines)]
    pub fn finish(self) -> ScreenResults {
        let Self {
            opts,
            names,
            obs,
            plates,
            issues,
        } = self;
        // the summaries at their count (not the capacity they grew to, plate chunk by chunk)
        let mut kept = Vec::with_capacity(plates.len());
        kept.extend(plates);
        let mut results = ScreenResults {
            plates: kept,
            issues,
            ..ScreenResults::default()
        };
        // single-agent pools: (cell line, drug); blocks: (cell line, drug A, drug B); drug A
        // at a fixed partner dose: (cell line, drug A, drug B, dose bits). Keyed by interned
        // ids here, then sorted by name.
        // points are counted first, so that every pool is allocated at its size (the kept
        // curves' points, not twice their capacity)
        let mut counts: Counts = Counts::default();
        for o in &obs {
            destinations(o, |d| counts.add(d));
        }
        let mut single: PlHashMap<(u32, u32), Pool> =
            PlHashMap::with_capacity_and_hasher(counts.single.len(), PlRandomState::default());
        let mut blocks: PlHashMap<(u32, u32, u32), (Pool, Vec<Point>)> =
            PlHashMap::with_capacity_and_hasher(counts.blocks.len(), PlRandomState::default());
        let mut fixed: PlHashMap<(u32, u32, u32, u64), Pool> =
            PlHashMap::with_capacity_and_hasher(counts.fixed.len(), PlRandomState::default());
        for o in &obs {
            destinations(o, |d| match d {
                Dest::Single(k, dose) => single
                    .entry(k)
                    .or_insert_with(|| Pool::with_capacity(counts.single[&k]))
                    .add(o, dose),
                Dest::Block(k) => {
                    let entry = blocks.entry(k).or_insert_with(|| {
                        (
                            Pool::with_capacity(0),
                            Vec::with_capacity(counts.blocks[&k]),
                        )
                    });
                    entry.0.note(o);
                    entry.1.push(Point {
                        conc_a: o.conc_a,
                        conc_b: o.conc_b,
                        response: o.viability,
                    });
                }
                Dest::Fixed(k, dose) => fixed
                    .entry(k)
                    .or_insert_with(|| Pool::with_capacity(counts.fixed[&k]))
                    .add(o, dose),
            });
        }
        drop(counts);
        drop(obs);
        let name = |i: u32| names.name(i).to_owned();
        let mut single: Vec<(CurveKey, Pool)> = single
            .into_iter()
            .map(|((c, d), p)| ((name(c), name(d)), p))
            .collect();
        single.sort_by(|a, b| a.0.cmp(&b.0));
        let mut blocks: Vec<(BlockKey, (Pool, Vec<Point>))> = blocks
            .into_iter()
            .map(|((c, a, b), p)| ((name(c), name(a), name(b)), p))
            .collect();
        blocks.sort_by(|a, b| a.0.cmp(&b.0));
        let mut fixed: Vec<(FixedKey, Pool)> = fixed
            .into_iter()
            .map(|((c, a, b, d), p)| ((name(c), name(a), name(b), d), p))
            .collect();
        fixed.sort_by(|a, b| a.0.cmp(&b.0));

        let spec = FitSpec::new(opts.fit_model);
        let names = &names;
        results.curves = single
            .into_par_iter()
            .map(|((cell_line, drug), pool)| CurveResult {
                fit: fit_curve(&pool.dose, &pool.response, &spec),
                cell_line,
                drug,
                partner: None,
                unit: pool.unit(names),
                plates: pool.plates(names),
                dose: pool.dose,
                response: pool.response,
            })
            .collect();
        results.combo_curves = fixed
            .into_par_iter()
            .map(|((cell_line, drug_a, drug_b, bits), pool)| CurveResult {
                fit: fit_curve(&pool.dose, &pool.response, &spec),
                cell_line,
                drug: drug_a,
                partner: Some((drug_b, f64::from_bits(bits))),
                unit: pool.unit(names),
                plates: pool.plates(names),
                dose: pool.dose,
                response: pool.response,
            })
            .collect();
        for c in results.curves.iter().chain(&results.combo_curves) {
            if let platesyn_dose::FitStatus::Failed(reason) = &c.fit.status {
                results.issues.push(Issue {
                    subject: c.id(),
                    kind: "fit".into(),
                    message: format!("LL.4 fit failed: {reason}"),
                });
            }
        }

        let scored: Vec<Result<BlockResult, Issue>> = blocks
            .into_par_iter()
            .map(|((cell_line, drug_a, drug_b), (pool, points))| {
                let id = format!("{cell_line}/{drug_a}+{drug_b}");
                let unit = pool.unit(names);
                let mut m = DoseMatrix::new(id.clone(), ResponseScale::PERCENT_VIABILITY, &points)
                    .map_err(|e| Issue {
                        subject: id.clone(),
                        kind: "synergy".into(),
                        message: e.to_string(),
                    })?;
                m.drug_a = Some(drug_a.clone());
                m.drug_b = Some(drug_b.clone());
                m.conc_unit = Some(unit.clone()).filter(|u| !u.is_empty());
                let scored = score_block(&m, opts.score);
                let boot = opts
                    .bootstrap
                    .as_ref()
                    .map(|b| bootstrap(&m, opts.score, b));
                Ok(BlockResult {
                    id,
                    cell_line,
                    drug_a,
                    drug_b,
                    unit,
                    plates: pool.plates(names),
                    scored,
                    boot,
                })
            })
            .collect();
        results.blocks.reserve_exact(scored.len());
        for r in scored {
            match r {
                Ok(b) => results.blocks.push(b),
                Err(issue) => results.issues.push(issue),
            }
        }
        results.sensitization = sensitization(&results);
        results.issues.sort();
        results
    }
}

/// Whether a single-agent curve calls its drug resistant.
pub fn is_resistant(c: &CurveResult) -> bool {
    use platesyn_dose::FitStatus;
    matches!(c.fit.status, FitStatus::Flat | FitStatus::Ic50AboveRange)
        || c.max_inhibition() < RESISTANT_MAX_INHIBITION
        || (c.fit.status.is_ok() && c.fit.e > c.fit.dose_max)
}

fn sensitization(r: &ScreenResults) -> Vec<Sensitization> {
    // indexes (a screen has thousands of blocks and tens of thousands of curves)
    let mut alone_of: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, c) in r.curves.iter().enumerate() {
        alone_of.entry((&c.cell_line, &c.drug)).or_insert(i);
    }
    let mut combos_of: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, c) in r.combo_curves.iter().enumerate() {
        if let Some((partner, _)) = &c.partner {
            combos_of
                .entry((&c.cell_line, &c.drug, partner))
                .or_default()
                .push(i);
        }
    }
    let mut out = Vec::with_capacity(r.blocks.len());
    for b in &r.blocks {
        let alone = alone_of
            .get(&(b.cell_line.as_str(), b.drug_a.as_str()))
            .copied();
        let resistant = alone.is_none_or(|i| is_resistant(&r.curves[i]));
        let top_a = b.scored.doses_a.last().copied().unwrap_or(0.0);
        let key = (b.cell_line.as_str(), b.drug_a.as_str(), b.drug_b.as_str());
        let combos = combos_of.get(&key).map_or(&[][..], Vec::as_slice);
        let mut shifts = Vec::with_capacity(combos.len());
        for &i in combos {
            let c = &r.combo_curves[i];
            let Some((_, dose)) = &c.partner else {
                continue;
            };
            let fold =
                alone.and_then(|a| ic50_fold_shift(&r.curves[a].fit, &c.fit, FOLD_CI_LEVEL).ok());
            let meets_rule = c.fit.status.is_ok()
                && c.fit.e.is_finite()
                && c.fit.e * SENSITIZATION_MIN_FOLD <= top_a;
            shifts.push(ShiftAtDose {
                conc_b: *dose,
                curve: i,
                fold,
                meets_rule,
            });
        }
        let sensitized = resistant && shifts.iter().any(|s| s.meets_rule);
        out.push(Sensitization {
            cell_line: b.cell_line.clone(),
            drug_a: b.drug_a.clone(),
            drug_b: b.drug_b.clone(),
            unit: b.unit.clone(),
            alone,
            single_agent_call: if resistant { "resistant" } else { "sensitive" },
            shifts,
            sensitized,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4x4 combination of drugs `A` and `B` (doses 0, 1, 10, 100 each, in nM) on cell line
    /// `L`, over plates `p1` and `p2`: each dose pair once per plate.
    fn builder() -> ScreenBuilder {
        let mut s = ScreenBuilder::new(ScreenOptions::default());
        let (line, a, b, unit) = (
            s.names.id("L"),
            s.names.id("A"),
            s.names.id("B"),
            s.names.id("nM"),
        );
        for plate in ["p1", "p2"] {
            let plate = s.names.id(plate);
            for ca in [0.0, 1.0, 10.0, 100.0] {
                for cb in [0.0, 1.0, 10.0, 100.0] {
                    s.obs.push(Obs {
                        plate,
                        cell_line: line,
                        drug_a: Some(a),
                        conc_a: ca,
                        drug_b: Some(b),
                        conc_b: cb,
                        unit,
                        viability: 100.0 / (1.0 + ca / 10.0) / (1.0 + cb / 30.0),
                    });
                }
            }
        }
        s
    }

    #[test]
    fn points_go_to_curves_and_blocks_by_the_grouping_rules() {
        let s = builder();
        let mut counts = Counts::default();
        for o in &s.obs {
            destinations(o, |d| counts.add(d));
        }
        let (a, b) = (s.names.ids["A"], s.names.ids["B"]);
        let line = s.names.ids["L"];
        // A alone: 3 doses > 0 plus the dose-0 well, on 2 plates; likewise B
        assert_eq!(counts.single[&(line, a)], 8);
        assert_eq!(counts.single[&(line, b)], 8);
        assert_eq!(counts.blocks[&(line, a, b)], 32);
        // A at each of B's 3 doses > 0: 4 doses of A on 2 plates
        assert_eq!(counts.fixed.len(), 3);
        assert!(counts.fixed.values().all(|&n| n == 8));
    }

    #[test]
    fn kept_curves_hold_their_points_at_size_and_share_plate_names() {
        let r = builder().finish();
        assert_eq!(r.curves.len(), 2);
        assert_eq!(r.combo_curves.len(), 3);
        assert_eq!(r.blocks.len(), 1);
        for c in r.curves.iter().chain(&r.combo_curves) {
            assert_eq!(c.dose.len(), 8, "{}", c.id());
            assert_eq!(c.dose.capacity(), c.dose.len(), "{}", c.id());
            assert_eq!(c.response.capacity(), c.response.len(), "{}", c.id());
            assert_eq!(c.plates, [Arc::from("p1"), Arc::from("p2")]);
            assert!(Arc::ptr_eq(&c.plates[0], &r.blocks[0].plates[0]));
            assert_eq!(c.unit, "nM");
        }
        let a = &r.curves[0];
        assert_eq!(
            (a.drug.as_str(), a.dose[1], a.response[1]),
            ("A", 1.0, 100.0 / 1.1)
        );
        assert_eq!(r.blocks[0].scored.doses_a, [0.0, 1.0, 10.0, 100.0]);
    }
}
