//! `platesyn analyze`: wires ingest, the screen analysis and the report writers, and shows
//! progress. Every output goes through the report crate's [`OutputGuard`] (temporary file +
//! rename, never over an input).

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use platesyn_plate::{LazyLayout, PlateFile, PlateLayout, read_path};
use platesyn_report::screen::{Issue, PlateInput, PlateResult, ScreenBuilder, ScreenOptions};
use platesyn_report::screen_report::{
    FigureFormats, FigureSet, PlannedFigure, RenderedFigure, TableHead, html_report, plan_figures,
    plan_plate_maps, render_figures, screen_tables, synergy_cells_table, wells_table, write_file,
};
use platesyn_report::{OutputGuard, TableStream};
use platesyn_synergy::{
    BaselineCorrection, BootstrapOptions, FitMode, LoeweMode, Model, ScoreOptions,
};
use rayon::prelude::*;

use crate::fsutil;

/// Figures rendered per parallel chunk (bounds the memory held by rendered images).
const FIGURE_CHUNK: usize = 64;
/// Blocks per chunk of the streamed `synergy_cells` table.
const BLOCK_CHUNK: usize = 256;
/// Plates read, normalized and written per chunk (bounds the memory held by wells).
const PLATE_CHUNK: usize = 256;
/// Figures inlined in `report.html` per report section (blocks, fits, plates); the rest are
/// only in `figures/`.
const REPORT_MAX_FIGURES: [(&str, usize); 3] = [("blocks", 80), ("fits", 40), ("plates", 80)];

/// Options of `platesyn analyze` (see `platesyn analyze --help`).
#[derive(Debug, Clone)]
pub struct AnalyzeArgs {
    /// Layout TOML (or plater CSV).
    pub layout: PathBuf,
    /// Exports, folders or globs; empty = the layout's `[meta] paths`.
    pub exports: Vec<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
    /// Synergy models reported.
    pub models: Vec<Model>,
    /// Loewe mode.
    pub loewe: LoeweMode,
    /// LL.4 fitter of the blocks' curves.
    pub fit: FitMode,
    /// Exclude robust replicate outliers.
    pub exclude_outliers: bool,
    /// Baseline correction.
    pub baseline: BaselineCorrection,
    /// Bootstrap iterations (0 = none).
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Figure formats; `None` = no figures.
    pub figures: Option<FigureFormats>,
    /// Which figures.
    pub figure_set: FigureSet,
    /// Worker threads (0 = all cores).
    pub jobs: usize,
    /// No progress bar, no summary line.
    pub quiet: bool,
    /// Write into a non-empty output folder.
    pub force: bool,
    /// Which read to use.
    pub read: Option<String>,
}

fn progress(quiet: bool, len: usize, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}

/// Bind each layout plate to an export file: the layout's own paths when no export is given on
/// the command line; else by file stem = plate name; else, with as many files as plates, in order.
fn bind_paths(layout: &LazyLayout, exports: &[PathBuf]) -> (Vec<(usize, PathBuf)>, Vec<Issue>) {
    let mut bound = Vec::new();
    let mut issues = Vec::new();
    let by_stem: BTreeMap<String, &PathBuf> = exports
        .iter()
        .filter_map(|p| p.file_stem().map(|s| (s.to_string_lossy().into_owned(), p)))
        .collect();
    for (i, name) in layout.plate_names().enumerate() {
        let path = if exports.is_empty() {
            layout.plate_paths(i).first().map(PathBuf::from)
        } else if let Some(p) = by_stem.get(name) {
            Some((*p).clone())
        } else if exports.len() == layout.len() {
            Some(exports[i].clone())
        } else {
            None
        };
        match path {
            Some(p) => bound.push((i, p)),
            None => issues.push(Issue {
                subject: name.to_owned(),
                kind: "layout".into(),
                message: "no export file is bound to this layout plate (give [meta] paths, or name the file after the plate)".into(),
            }),
        }
    }
    (bound, issues)
}

/// Which plate of `file` the layout plate `name` (the `nth` bound to this file) refers to:
/// the only one, else the one with that name, else the `nth`.
fn pick_plate(file: &PlateFile, name: &str, nth: usize) -> Result<usize, String> {
    if file.plates.len() == 1 {
        return Ok(0);
    }
    if let Some(i) = file.plates.iter().position(|p| p.id == name) {
        return Ok(i);
    }
    if nth < file.plates.len() {
        return Ok(nth);
    }
    Err(format!(
        "the file holds {} plates and none is named {:?}",
        file.plates.len(),
        name
    ))
}

/// Renders planned figures in parallel chunks, writes them as they come, keeps a few per
/// report section for `report.html` and turns render failures into issues.
struct FigureSink<'a> {
    set: Option<FigureSet>,
    formats: FigureFormats,
    out: &'a Path,
    guard: &'a OutputGuard,
    quiet: bool,
    kept: Vec<RenderedFigure>,
    total: usize,
    issues: Vec<Issue>,
}

impl<'a> FigureSink<'a> {
    fn new(args: &AnalyzeArgs, out: &'a Path, guard: &'a OutputGuard) -> Result<Self> {
        if args.figures.is_some() {
            std::fs::create_dir_all(out.join("figures")).context("cannot create figures/")?;
        }
        Ok(Self {
            set: args.figures.map(|_| args.figure_set),
            formats: args.figures.unwrap_or(FigureFormats {
                png: false,
                svg: false,
            }),
            out,
            guard,
            quiet: args.quiet,
            kept: Vec::new(),
            total: 0,
            issues: Vec::new(),
        })
    }

    fn keep(&self, section: &str) -> bool {
        let cap = REPORT_MAX_FIGURES
            .iter()
            .find(|(s, _)| *s == section)
            .map_or(0, |(_, n)| *n);
        self.kept.iter().filter(|f| f.section == section).count() < cap
    }

    fn render(
        &mut self,
        pool: &rayon::ThreadPool,
        mut plan: Vec<PlannedFigure>,
        written: &mut Vec<PathBuf>,
    ) -> Result<()> {
        let pb = progress(
            self.quiet || plan.len() < FIGURE_CHUNK,
            plan.len(),
            "figures",
        );
        self.total += plan.len();
        while !plan.is_empty() {
            let rest = plan.split_off(plan.len().min(FIGURE_CHUNK));
            let chunk = std::mem::replace(&mut plan, rest);
            let n = chunk.len();
            let formats = self.formats;
            let done = pool.install(|| render_figures(chunk, formats));
            // files are written (temporary, fsync, rename) in parallel too
            let (out, guard) = (self.out, self.guard);
            let files: Vec<Result<Vec<PathBuf>, platesyn_report::ReportError>> =
                pool.install(|| {
                    done.par_iter()
                        .map(|f| {
                            let mut paths = Vec::new();
                            if let Ok(f) = f {
                                if let Some(png) = &f.png {
                                    let rel = format!("figures/{}.png", f.stem);
                                    write_file(out, &rel, png, guard, &mut paths)?;
                                }
                                if let Some(svg) = &f.svg {
                                    let rel = format!("figures/{}.svg", f.stem);
                                    write_file(out, &rel, svg.as_bytes(), guard, &mut paths)?;
                                }
                            }
                            Ok(paths)
                        })
                        .collect()
                });
            for (f, paths) in done.into_iter().zip(files) {
                written.extend(paths?);
                match f {
                    Ok(f) => {
                        if self.keep(f.section) {
                            self.kept.push(f);
                        }
                    }
                    Err((stem, e)) => self.issues.push(Issue {
                        subject: stem,
                        kind: "figure".into(),
                        message: e.to_string(),
                    }),
                }
            }
            pb.inc(n as u64);
        }
        pb.finish_and_clear();
        Ok(())
    }

    fn into_parts(self) -> (Vec<RenderedFigure>, usize, Vec<Issue>) {
        (self.kept, self.total, self.issues)
    }
}

/// `DIR/STEM.csv` and `DIR/STEM.parquet`, written chunk by chunk with the columns of `empty`.
fn open_stream(
    out: &Path,
    stem: &str,
    guard: &OutputGuard,
    empty: &platesyn_report::Table,
) -> Result<TableStream> {
    Ok(TableStream::create(
        Some(&out.join(format!("{stem}.csv"))),
        Some(&out.join(format!("{stem}.parquet"))),
        guard,
        empty,
    )?)
}

/// Finishes a stream of [`open_stream`] and records both files.
fn finish_stream(s: TableStream, stem: &str, written: &mut Vec<PathBuf>) -> Result<()> {
    s.finish()?;
    written.push(PathBuf::from(format!("{stem}.csv")));
    written.push(PathBuf::from(format!("{stem}.parquet")));
    Ok(())
}

/// Writes the wells of normalized plates and draws their plate maps.
fn flush_plates(
    plates: &[PlateResult],
    wells: &mut TableStream,
    figures: &mut FigureSink<'_>,
    plate_maps: bool,
    pool: &rayon::ThreadPool,
    written: &mut Vec<PathBuf>,
) -> Result<()> {
    if plates.is_empty() {
        return Ok(());
    }
    wells.append(&wells_table(plates)?)?;
    if plate_maps {
        figures.render(pool, plan_plate_maps(plates), written)?;
    }
    Ok(())
}

/// Writes the whole tables of [`screen_tables`] (CSV and Parquet), one at a time, keeping only
/// their heads for the report; returns the heads and the files written.
fn write_tables(
    results: &platesyn_report::screen::ScreenResults,
    models: &[platesyn_synergy::Model],
    out: &Path,
    guard: &OutputGuard,
) -> Result<(Vec<TableHead>, Vec<PathBuf>)> {
    let mut tables = Vec::new();
    let mut files = Vec::new();
    for table in screen_tables(results, models) {
        let (name, t) = table?;
        write_file(
            out,
            &format!("{name}.csv"),
            &t.to_csv_bytes()?,
            guard,
            &mut files,
        )?;
        write_file(
            out,
            &format!("{name}.parquet"),
            &t.to_parquet_bytes()?,
            guard,
            &mut files,
        )?;
        tables.push(TableHead::of(name, &t));
    }
    Ok((tables, files))
}

/// The result of a scoped thread; a panic in it is resumed here.
fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Wall time per stage, printed with the summary line (`docs/performance.md` quotes it).
struct Stages {
    last: std::time::Instant,
    done: Vec<(&'static str, f64)>,
}

impl Default for Stages {
    fn default() -> Self {
        Self {
            last: std::time::Instant::now(),
            done: Vec::new(),
        }
    }
}

impl Stages {
    fn mark(&mut self, what: &'static str) {
        let now = std::time::Instant::now();
        self.done.push((what, (now - self.last).as_secs_f64()));
        self.last = now;
    }

    fn summary(&self) -> String {
        self.done
            .iter()
            .map(|(w, s)| format!("{w} {s:.2} s"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Run `platesyn analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut stages = Stages::default();
    // parsed and checked at once, but each plate is resolved to wells only with its chunk
    // (large screens: a fully resolved layout would be the biggest thing in memory)
    let layout = LazyLayout::from_path(&args.layout)?;
    stages.mark("layout");
    let exports = fsutil::expand_inputs(&args.exports)?;
    let (bound, issues) = bind_paths(&layout, &exports);

    // inputs are protected; the output folder may not lie inside an input folder
    let mut guard = OutputGuard::new();
    guard.protect(&args.layout);
    let mut input_dirs = vec![
        args.layout
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    ];
    for (_, p) in &bound {
        guard.protect(p);
        if let Some(d) = p.parent() {
            input_dirs.push(d.to_path_buf());
        }
    }
    input_dirs.sort();
    input_dirs.dedup();
    let out = fsutil::prepare_out_dir(&args.out, &input_dirs, args.force)?;
    fsutil::remove_stale_temps(&out)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs)
        .build()
        .context("cannot start worker threads")?;

    let opts = ScreenOptions {
        normalize: platesyn_dose::NormalizeOptions {
            exclude_outliers: args.exclude_outliers,
            ..platesyn_dose::NormalizeOptions::default()
        },
        read: args.read.clone(),
        score: ScoreOptions {
            loewe: args.loewe,
            baseline: args.baseline,
            combination_index: true,
            fit: args.fit,
        },
        models: args.models.clone(),
        bootstrap: (args.bootstrap > 0).then_some(BootstrapOptions {
            iterations: args.bootstrap,
            seed: args.seed,
        }),
        ..ScreenOptions::default()
    };
    let mut screen = ScreenBuilder::new(opts);
    for i in issues {
        screen.push_issue(i);
    }
    let mut written: Vec<PathBuf> = Vec::new();
    let mut figures = FigureSink::new(args, &out, &guard)?;

    // plates, a chunk at a time: read (in parallel), normalize and QC, stream the wells out,
    // draw the plate maps; only summaries and sample points stay in memory
    let mut wells = open_stream(&out, "wells", &guard, &wells_table(&[])?)?;
    let files: Vec<PathBuf> = {
        let mut f: Vec<PathBuf> = bound.iter().map(|(_, p)| p.clone()).collect();
        f.sort();
        f.dedup();
        f
    };
    let mut uses_left: BTreeMap<&PathBuf, usize> = BTreeMap::new();
    for (_, p) in &bound {
        *uses_left.entry(p).or_insert(0) += 1;
    }
    let mut cache: BTreeMap<PathBuf, Result<PlateFile, String>> = BTreeMap::new();
    let mut nth_in_file: BTreeMap<&PathBuf, usize> = BTreeMap::new();
    let pb = progress(args.quiet, bound.len(), "plates");
    // each chunk is read and normalized while the previous chunk's wells are written and its
    // plate maps drawn (two jobs at once: writing is serial, reading and normalizing parallel)
    let plate_maps = figures.set.is_some_and(FigureSet::plate_maps);
    let mut previous: Vec<PlateResult> = Vec::new();
    for chunk in bound.chunks(PLATE_CHUNK) {
        let done = std::mem::take(&mut previous);
        let (plates, flushed) = pool.install(|| {
            rayon::join(
                || {
                    let mut to_read: Vec<&PathBuf> = chunk
                        .iter()
                        .map(|(_, p)| p)
                        .filter(|p| !cache.contains_key(*p))
                        .collect();
                    to_read.sort();
                    to_read.dedup();
                    let read: Vec<(PathBuf, Result<PlateFile, String>)> = to_read
                        .par_iter()
                        .map(|p| ((*p).clone(), read_path(p, None).map_err(|e| e.to_string())))
                        .collect();
                    cache.extend(read);
                    let indices: Vec<usize> = chunk.iter().map(|(i, _)| *i).collect();
                    let chunk_layouts: Vec<Result<PlateLayout, String>> = layout
                        .resolve_plates(&indices)
                        .into_iter()
                        .map(|r| r.map_err(|e| e.to_string()))
                        .collect();
                    let mut inputs = Vec::with_capacity(chunk.len());
                    for ((i, path), lp) in chunk.iter().zip(&chunk_layouts) {
                        let nth = nth_in_file.entry(path).or_insert(0);
                        let left = uses_left.get_mut(path).map_or(0, |n| {
                            *n -= 1;
                            *n
                        });
                        let name = layout.plate_name(*i);
                        // the file's last plate is moved out of it, the others copied
                        let picked = if left == 0 {
                            match cache.remove(path) {
                                Some(Ok(mut file)) => pick_plate(&file, name, *nth)
                                    .map(|k| file.plates.swap_remove(k)),
                                Some(Err(m)) => Err(m),
                                None => Err(format!("{} was not read", path.display())),
                            }
                        } else {
                            match &cache[path] {
                                Ok(file) => {
                                    pick_plate(file, name, *nth).map(|k| file.plates[k].clone())
                                }
                                Err(m) => Err(m.clone()),
                            }
                        };
                        *nth += 1;
                        // a plate whose layout or export fails is one failed plate
                        let failed = match (lp, picked) {
                            (Ok(lp), Ok(plate)) => {
                                inputs.push(PlateInput {
                                    file: path.display().to_string(),
                                    layout: lp,
                                    plate,
                                });
                                None
                            }
                            (Err(m), _) => Some(("layout", m.clone())),
                            (Ok(_), Err(m)) => Some(("read", m)),
                        };
                        if let Some((kind, message)) = failed {
                            screen.push_issue(Issue {
                                subject: format!("{name} ({})", path.display()),
                                kind: kind.into(),
                                message,
                            });
                        }
                    }
                    screen.add_plates(&inputs)
                },
                || {
                    flush_plates(
                        &done,
                        &mut wells,
                        &mut figures,
                        plate_maps,
                        &pool,
                        &mut written,
                    )
                },
            )
        });
        flushed?;
        previous = plates;
        pb.inc(chunk.len() as u64);
    }
    flush_plates(
        &previous,
        &mut wells,
        &mut figures,
        plate_maps,
        &pool,
        &mut written,
    )?;
    drop(previous);
    // every plate is resolved: the parsed layout is not needed for fits, tables and report
    drop(cache);
    drop(layout);
    pb.finish_and_clear();

    let pb = progress(args.quiet, 1, "fitting");
    stages.mark("plates (read, normalize, QC, wells table, plate maps)");
    // the wells files are flushed to disk (fsync, hundreds of MB) while the fits run
    let (wells_done, mut results) = std::thread::scope(|s| {
        let flush = s.spawn(|| finish_stream(wells, "wells", &mut written));
        let results = pool.install(|| screen.finish());
        (joined(flush), results)
    });
    wells_done?;
    pb.finish_and_clear();
    stages.mark("fits and synergy");

    // tables: the per-cell synergy table is streamed a chunk of blocks at a time
    let mut cells = open_stream(&out, "synergy_cells", &guard, &synergy_cells_table(&[])?)?;
    for chunk in results.blocks.chunks(BLOCK_CHUNK) {
        cells.append(&synergy_cells_table(chunk)?)?;
    }
    // one whole table at a time: written, then only its head kept for the report; meanwhile
    // the synergy_cells files are flushed to disk (listed first among the outputs)
    let mut cells_written = Vec::new();
    let (cells_done, tables) = std::thread::scope(|s| {
        let flush = s.spawn(|| finish_stream(cells, "synergy_cells", &mut cells_written));
        let tables = write_tables(&results, &args.models, &out, &guard);
        (joined(flush), tables)
    });
    cells_done?;
    let (tables, table_files) = tables?;
    written.extend(cells_written);
    written.extend(table_files);

    stages.mark("tables");
    // block and curve figures
    if let Some(set) = figures.set {
        let plan = plan_figures(&results, &args.models, set);
        figures.render(&pool, plan, &mut written)?;
    }
    let (rendered, n_figures, figure_issues) = figures.into_parts();
    results.issues.extend(figure_issues);
    results.issues.sort();

    stages.mark("block and curve figures");
    let option_list = option_list(args);
    let mut html = html_report(&results, &tables, &rendered, &option_list);
    if n_figures > rendered.len() {
        html.summary(
            "figures in this report",
            format!(
                "{} of {n_figures} (every figure is in figures/)",
                rendered.len()
            ),
        );
    }
    write_file(
        &out,
        "report.html",
        html.render().as_bytes(),
        &guard,
        &mut written,
    )?;

    // manifest: inputs with SHA-256, options, version, outputs (the only file with a timestamp)
    let mut all_inputs = vec![args.layout.clone()];
    all_inputs.extend(files);
    // an unreadable export is already itemized in errors.csv; the manifest says so too
    let inputs_json: Vec<serde_json::Value> = pool.install(|| {
        all_inputs
            .par_iter()
            .map(|p| match std::fs::read(p) {
                Ok(bytes) => serde_json::json!({"path": p.display().to_string(), "sha256": fsutil::sha256_hex(&bytes), "bytes": bytes.len()}),
                Err(e) => serde_json::json!({"path": p.display().to_string(), "error": e.to_string()}),
            })
            .collect()
    });
    written.push(PathBuf::from("manifest.json"));
    let manifest = serde_json::json!({
        "platesyn_version": env!("CARGO_PKG_VERSION"),
        "created_unix_seconds": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "options": option_list.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "inputs": inputs_json,
        "outputs": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    guard.write_atomic(
        &out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;

    stages.mark("report and manifest");
    let n_warn: usize = results
        .plates
        .iter()
        .map(|p| p.qc.warnings.len() + p.warnings.len())
        .sum();
    if !args.quiet {
        eprintln!(
            "analyzed {} plates, {} blocks, {} curves in {:.1} s; {} QC warnings, {} errors\nstages: {}",
            results.plates.len(),
            results.blocks.len(),
            results.curves.len(),
            started.elapsed().as_secs_f64(),
            n_warn,
            results.issues.len(),
            stages.summary()
        );
    }
    println!("report: {}", out.join("report.html").display());
    if results.issues.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}

fn option_list(a: &AnalyzeArgs) -> Vec<(String, String)> {
    let models: Vec<&str> = a.models.iter().map(|m| m.name()).collect();
    vec![
        ("layout".into(), a.layout.display().to_string()),
        ("models".into(), models.join(",")),
        ("loewe".into(), match a.loewe { LoeweMode::SynergyFinder => "sf", LoeweMode::Exact => "exact" }.into()),
        ("fit".into(), match a.fit { FitMode::DrcCompatible => "drc", FitMode::Global => "global" }.into()),
        ("exclude_outliers".into(), a.exclude_outliers.to_string()),
        ("baseline".into(), format!("{:?}", a.baseline).to_lowercase()),
        ("bootstrap".into(), a.bootstrap.to_string()),
        ("seed".into(), a.seed.to_string()),
        ("figures".into(), match a.figures { None => "none".into(), Some(f) => match (f.png, f.svg) { (true, true) => "both".into(), (false, true) => "svg".into(), _ => "png".into() } }),
        ("read".into(), a.read.clone().unwrap_or_else(|| "first".into())),
        ("response".into(), "viability % of untreated (blank-corrected); scores in inhibition percentage points, positive = synergy".into()),
    ]
}

/// Parse `--models bliss,hsa,loewe,zip`.
pub fn parse_models(s: &str) -> Result<Vec<Model>> {
    let mut out = Vec::new();
    for m in s.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let model = match m.to_ascii_lowercase().as_str() {
            "bliss" => Model::Bliss,
            "hsa" => Model::Hsa,
            "loewe" => Model::Loewe,
            "zip" => Model::Zip,
            other => bail!("unknown model {other:?}; expected bliss, hsa, loewe or zip"),
        };
        if !out.contains(&model) {
            out.push(model);
        }
    }
    if out.is_empty() {
        bail!("--models names no model");
    }
    Ok(out)
}
