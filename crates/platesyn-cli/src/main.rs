//! The `platesyn` command-line tool: parses arguments, wires the library crates, shows progress.
//!
//! Exit codes: 0 success, 1 a file could not be read or something was itemized as an error,
//! 2 usage error.

mod fsutil;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Plate-reader exports to viability, dose-response fits and drug-synergy reports.
#[derive(Debug, Parser)]
#[command(name = "platesyn", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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

fn main() -> ExitCode {
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
