//! The `platesyn` command-line tool: parses arguments, wires the library crates, shows progress.
//!
//! Exit codes: 0 success, 1 a file could not be read or something was itemized as an error,
//! 2 usage error.

mod analyze;
mod commands;
mod fit_cmd;
mod fsutil;
mod simulate;
mod synergy_cmd;
#[cfg(test)]
mod test_support;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// mimalloc instead of the system allocator: a 10,000-plate `analyze` spends ~17 % of its CPU
/// in glibc malloc/free (many small strings and vectors freed on other threads) and its
/// per-thread arenas fragment; see docs/performance.md. mimalloc v3 (the crate's default):
/// v2 held 40-50 MB less at the end of a 10,000-plate run without figures, but kept growing
/// through the heatmap stage (to ~600 MB at 13,336 heatmaps, where v3 stays near 330 MB).
/// v3 returns freed pages to the system only after a delay (`mi_option_purge_delay`, 1 s by
/// default), so a run's peak counted everything freed in its last second; [`main`] sets it to
/// [`PURGE_DELAY_MS`] (10,000 plates without figures: 274-300 MB -> 260-263 MB at the same
/// time; `MIMALLOC_PURGE_DELAY` in the environment still overrides it).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Plate-reader exports to viability, dose-response fits and drug-synergy reports.
#[derive(Debug, Parser)]
#[command(name = "platesyn", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LoeweArg {
    /// SynergyFinder-compatible (LL.4 fits, 100-step grid of candidate effects).
    Sf,
    /// Exact root of a/A(y) + b/B(y) = 1.
    Exact,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BaselineArg {
    None,
    Part,
    All,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FitArg {
    /// What R drc returns as SynergyFinder calls it (reproduces SynergyFinder's ZIP and Loewe).
    Drc,
    /// The least-squares optimum (multi-start Levenberg-Marquardt).
    Global,
}

impl FitArg {
    fn mode(self) -> platesyn_synergy::FitMode {
        match self {
            Self::Drc => platesyn_synergy::FitMode::DrcCompatible,
            Self::Global => platesyn_synergy::FitMode::Global,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FigureSetArg {
    /// Heatmaps, shift curves, single-agent curves and plate maps.
    All,
    /// Heatmaps and shift curves (per block).
    Blocks,
    /// Synergy heatmaps only (fastest for large batches).
    Heatmaps,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FigureArg {
    Png,
    Svg,
    Both,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read plate-reader exports (files, folders or globs) into one tidy table:
    /// file,plate,well,row,col,read,value,flag.
    Read {
        /// Export files, folders or globs.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write here instead of stdout (CSV; Parquet when it ends in .parquet).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Read every file as this format instead of detecting it (gen5, softmax, bmg-mars, ...).
        #[arg(long)]
        format: Option<String>,
    },
    /// Print a resolved plate layout as a tidy CSV; --plot DIR draws plate maps.
    Layout {
        /// Layout TOML (wellmap syntax) or plater-style CSV.
        layout: PathBuf,
        /// Draw per-plate maps (SVG and PNG) into this folder.
        #[arg(long)]
        plot: Option<PathBuf>,
    },
    /// Fit dose-response curves: a CSV with columns dose,response (optional curve) to one row
    /// per curve (curve,model,n,b,c,d,e,se_*,rss,rse,df,ed50,...,status).
    Fit {
        /// Input CSV.
        data: PathBuf,
        /// Model: ll4, ll3, ll5, w14, w24 (R drc's LL.4, LL.3, LL.5, W1.4, W2.4).
        #[arg(long, default_value = "ll4")]
        model: String,
        /// Write here instead of stdout (CSV; Parquet when it ends in .parquet).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Score combination blocks from a long table (block,conc_a,conc_b,response; SynergyFinder
    /// column names accepted): Bliss, HSA, Loewe, ZIP per cell, in percentage points of
    /// inhibition, positive = synergy.
    Synergy {
        /// Input CSV.
        data: PathBuf,
        /// What the response column measures (required: never guessed).
        #[arg(long, value_parser = ["viability", "inhibition"])]
        response: String,
        /// Its scale (required: never guessed).
        #[arg(long, value_parser = ["percent", "fraction"])]
        scale: String,
        /// Loewe mode: sf (SynergyFinder-compatible, default) or exact.
        #[arg(long, value_enum, default_value = "sf")]
        loewe: LoeweArg,
        /// LL.4 fitter of the block's curves (single agents, ZIP rows and columns).
        #[arg(long, value_enum, default_value = "drc")]
        fit: FitArg,
        /// One row per block and model (block,model,mean,msa,p_value,ci_lo,ci_hi) instead of per cell.
        #[arg(long)]
        summary: bool,
        /// Write here instead of stdout (CSV; Parquet when it ends in .parquet).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Analyze a whole screen: layout + exports to tables, figures and report.html.
    Analyze {
        /// Layout TOML.
        layout: PathBuf,
        /// Export files, folders or globs (default: the layout's [meta] paths).
        exports: Vec<PathBuf>,
        /// Output folder (refused when inside an input folder, or non-empty without --force).
        #[arg(long)]
        out: PathBuf,
        /// Synergy models, comma-separated.
        #[arg(long, default_value = "bliss,hsa,loewe,zip")]
        models: String,
        /// Loewe mode.
        #[arg(long, value_enum, default_value = "sf")]
        loewe: LoeweArg,
        /// LL.4 fitter of the blocks' curves (single agents, ZIP rows and columns).
        #[arg(long, value_enum, default_value = "drc")]
        fit: FitArg,
        /// Exclude robust replicate outliers (median/MAD rule) instead of only listing them.
        #[arg(long)]
        exclude_outliers: bool,
        /// Baseline correction (SynergyFinder's definition).
        #[arg(long, value_enum, default_value = "none")]
        baseline: BaselineArg,
        /// Bootstrap iterations for per-cell and block CIs (0 = none).
        #[arg(long, default_value_t = 0)]
        bootstrap: usize,
        /// Bootstrap seed.
        #[arg(long, default_value_t = 123)]
        seed: u64,
        /// Figure format.
        #[arg(long, value_enum, default_value = "png")]
        format: FigureArg,
        /// Which figures to draw.
        #[arg(long, value_enum, default_value = "all")]
        figures: FigureSetArg,
        /// Write no figures.
        #[arg(long)]
        no_figures: bool,
        /// Worker threads (0 = all cores).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// No progress bar or summary line.
        #[arg(long)]
        quiet: bool,
        /// Write into a non-empty output folder.
        #[arg(long)]
        force: bool,
        /// Read to analyze (wavelength or label) when exports hold several.
        #[arg(long)]
        read: Option<String>,
    },
    /// Write a synthetic combination screen (layout, reader exports, truth.csv) into DIR.
    Simulate {
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Number of 96-well plates (the demo screen is 36).
        #[arg(long, default_value_t = 36)]
        plates: usize,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// mimalloc's purge delay (milliseconds) set by [`main`]: freed memory goes back to the system
/// after this long instead of mimalloc's default 1000 ms (0 = at once: ~15 MB lower peak on
/// 10,000 plates but ~1 s more system time).
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// `mi_option_purge_delay` of mimalloc's public `mi_option_e` enum (mimalloc.h, v2.1 and v3:
/// `mi_option_eager_commit_delay` = 14, `mi_option_purge_delay` = 15); `libmimalloc-sys`
/// exports the neighbours but not this one.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`] unless `MIMALLOC_PURGE_DELAY` is set.
#[allow(unsafe_code)]
fn set_purge_delay() {
    // SAFETY: `mi_option_set_default` only stores a number in mimalloc's option table (an
    // atomic store; no pointer is passed); it is called once, before any thread is started.
    // It does not override a value given in the environment.
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}

fn main() -> ExitCode {
    set_purge_delay();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Read { files, out, format } => {
            commands::read(&files, out.as_deref(), format.as_deref())
        }
        Command::Layout { layout, plot } => commands::layout(&layout, plot.as_deref()),
        Command::Fit { data, model, out } => fit_cmd::fit(&data, &model, out.as_deref()),
        Command::Synergy {
            data,
            response,
            scale,
            loewe,
            fit,
            summary,
            out,
        } => synergy_cmd::synergy_with_fit(
            &data,
            &response,
            &scale,
            match loewe {
                LoeweArg::Sf => "sf",
                LoeweArg::Exact => "exact",
            },
            fit.mode(),
            summary,
            out.as_deref(),
        ),
        Command::Analyze {
            layout,
            exports,
            out,
            models,
            loewe,
            fit,
            exclude_outliers,
            baseline,
            bootstrap,
            seed,
            format,
            figures,
            no_figures,
            jobs,
            quiet,
            force,
            read,
        } => {
            let args = analyze::AnalyzeArgs {
                layout,
                exports,
                out,
                models: analyze::parse_models(&models)?,
                loewe: match loewe {
                    LoeweArg::Sf => platesyn_synergy::LoeweMode::SynergyFinder,
                    LoeweArg::Exact => platesyn_synergy::LoeweMode::Exact,
                },
                fit: fit.mode(),
                exclude_outliers,
                baseline: match baseline {
                    BaselineArg::None => platesyn_synergy::BaselineCorrection::None,
                    BaselineArg::Part => platesyn_synergy::BaselineCorrection::Part,
                    BaselineArg::All => platesyn_synergy::BaselineCorrection::All,
                },
                bootstrap,
                seed,
                figures: (!no_figures).then_some(match format {
                    FigureArg::Png => platesyn_report::screen_report::FigureFormats {
                        png: true,
                        svg: false,
                    },
                    FigureArg::Svg => platesyn_report::screen_report::FigureFormats {
                        png: false,
                        svg: true,
                    },
                    FigureArg::Both => platesyn_report::screen_report::FigureFormats {
                        png: true,
                        svg: true,
                    },
                }),
                figure_set: match figures {
                    FigureSetArg::All => platesyn_report::screen_report::FigureSet::All,
                    FigureSetArg::Blocks => platesyn_report::screen_report::FigureSet::Blocks,
                    FigureSetArg::Heatmaps => platesyn_report::screen_report::FigureSet::Heatmaps,
                },
                jobs,
                quiet,
                force,
                read,
            };
            analyze::run(&args)
        }
        Command::Simulate { out, plates, seed } => {
            let s = simulate::simulate(&out, plates, seed)?;
            println!(
                "wrote {} plates; layout {}; truth {}",
                s.plates,
                s.layout.display(),
                s.truth.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod allocator_tests {
    /// The purge delay set at start-up is the one mimalloc then uses (unless the environment
    /// gives one).
    #[test]
    #[allow(unsafe_code)]
    fn purge_delay_is_set() {
        super::set_purge_delay();
        // SAFETY: reads a number from mimalloc's option table.
        let v = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(v, super::PURGE_DELAY_MS);
        }
    }
}
