//! `platesyn simulate`: a synthetic combination screen with known truth.
//!
//! The screen is modelled on SMAC-mimetic combination studies: birinapant (drug A) is combined
//! with TNF-alpha, docetaxel and the PI3K inhibitor LY294002 (drug B) on four cell lines:
//!
//! * `SENS1`: sensitive to birinapant alone; TNF-alpha and docetaxel add synergy.
//! * `RES_TNF`: resistant alone, sensitized by TNF-alpha only (docetaxel: some synergy at the
//!   top doses, but no sensitization).
//! * `RES_TNF_PI3K`: resistant alone, sensitized by TNF-alpha and by LY294002 (the
//!   cIAP2-rebound case).
//! * `RES_C8`: resistant alone and sensitized by nothing (like a caspase-8 deficient line);
//!   every combination is Bliss-additive.
//!
//! Truth model (viability fraction, 1 = untreated):
//! `V(a, b) = V_B(b) * V_A(a; IC50_A(b))`, with `V_X(x; ic) = bottom + (1 - bottom) / (1 + (x/ic)^h)`
//! and `IC50_A(b) = IC50_A / (1 + alpha * b^hk / (b^hk + K^hk))`. With `alpha = 0` the surface
//! is exactly Bliss-independent; `alpha > 0` is synergy (positive Bliss excess).
//!
//! Plates: one 96-well checkerboard per cell line x partner x replicate. Column 1: untreated;
//! column 12: blank (A-D) and positive kill control (E-H); birinapant down rows A-H (row A = 0)
//! and the partner across columns 2-11 (column 2 = 0). Absorbance at 490 nm:
//! `A = blank + (top - blank) * V * (1 + 0.04 z1) + 0.008 z2` with a per-plate `top`.
//! All concentrations are in nM (TNF-alpha too, 1 ng/mL ~ 0.06 nM).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use platesyn_plate::model::{Flag, Read, Value};
use platesyn_plate::{Plate, PlateFormat, WellId, write};
use platesyn_synergy::bootstrap::SplitMix64;

/// Concentration unit of every drug in the simulated screen.
pub const UNIT: &str = "nM";
/// Wavelength of the simulated MTS read, nm.
pub const WAVELENGTH_NM: f64 = 490.0;
/// The SMAC mimetic (drug A).
pub const DRUG_A: &str = "birinapant";

/// One single-agent truth curve: `V(x) = bottom + (1 - bottom) / (1 + (x/ic50)^hill)`.
#[derive(Debug, Clone, Copy)]
pub struct HillCurve {
    /// Relative IC50 (nM).
    pub ic50: f64,
    /// Hill slope (> 0: decreasing viability).
    pub hill: f64,
    /// Viability fraction at infinite dose.
    pub bottom: f64,
}

impl HillCurve {
    fn viability(self, x: f64) -> f64 {
        if x <= 0.0 {
            1.0
        } else {
            self.bottom + (1.0 - self.bottom) / (1.0 + (x / self.ic50).powf(self.hill))
        }
    }
}

/// A partner drug and its dose series.
#[derive(Debug, Clone)]
pub struct Partner {
    /// Drug name.
    pub name: &'static str,
    /// Top dose (nM); the series is top / 3^k, k = 0..8, plus 0.
    pub top: f64,
    /// Its own single-agent curve.
    pub alone: HillCurve,
    /// Occupancy constant K (nM) and slope of its effect on birinapant's potency.
    pub k: f64,
    /// Slope of the occupancy term.
    pub hk: f64,
}

/// A cell line: birinapant's single-agent curve and the potentiation by each partner.
#[derive(Debug, Clone)]
pub struct CellLine {
    /// Name.
    pub name: String,
    /// Birinapant alone.
    pub drug_a: HillCurve,
    /// `alpha` per partner (same order as [`partners`]): 0 = Bliss-additive.
    pub alpha: [f64; 3],
}

/// The three partners of the demo screen.
pub fn partners() -> [Partner; 3] {
    [
        Partner {
            name: "TNF-alpha",
            top: 10.0,
            alone: HillCurve {
                ic50: 1.0e6,
                hill: 1.0,
                bottom: 0.9,
            },
            k: 0.05,
            hk: 1.0,
        },
        Partner {
            name: "docetaxel",
            top: 100.0,
            alone: HillCurve {
                ic50: 2.0,
                hill: 1.5,
                bottom: 0.35,
            },
            k: 2.0,
            hk: 1.5,
        },
        Partner {
            name: "LY294002",
            top: 50_000.0,
            alone: HillCurve {
                ic50: 6000.0,
                hill: 1.3,
                bottom: 0.2,
            },
            k: 3000.0,
            hk: 1.3,
        },
    ]
}

/// The four cell lines of the demo screen.
pub fn demo_lines() -> Vec<CellLine> {
    let resistant = HillCurve {
        ic50: 1.0e5,
        hill: 1.0,
        bottom: 0.05,
    };
    vec![
        CellLine {
            name: "SENS1".into(),
            drug_a: HillCurve {
                ic50: 25.0,
                hill: 1.2,
                bottom: 0.08,
            },
            alpha: [20.0, 8.0, 0.0],
        },
        CellLine {
            name: "RES_TNF".into(),
            drug_a: resistant,
            alpha: [3000.0, 40.0, 0.0],
        },
        CellLine {
            name: "RES_TNF_PI3K".into(),
            drug_a: resistant,
            alpha: [3000.0, 0.0, 1500.0],
        },
        CellLine {
            name: "RES_C8".into(),
            drug_a: resistant,
            alpha: [0.0, 0.0, 0.0],
        },
    ]
}

/// Birinapant doses down rows A-H (nM): 0 then 1000 / 3^k, k = 6..0.
pub fn drug_a_doses() -> Vec<f64> {
    let mut d = vec![0.0];
    d.extend((0..7).rev().map(|k| 1000.0 / 3f64.powi(k)));
    d
}

/// Partner doses across columns 2-11 (nM): 0 then top / 3^k, k = 8..0.
pub fn partner_doses(top: f64) -> Vec<f64> {
    let mut d = vec![0.0];
    d.extend((0..9).rev().map(|k| top / 3f64.powi(k)));
    d
}

/// Truth viability fraction of `line` at birinapant `a` and partner `p` at dose `b`.
pub fn truth_viability(line: &CellLine, p_index: usize, partner: &Partner, a: f64, b: f64) -> f64 {
    let occ = if b > 0.0 {
        b.powf(partner.hk) / (b.powf(partner.hk) + partner.k.powf(partner.hk))
    } else {
        0.0
    };
    let ic = line.drug_a.ic50 / (1.0 + line.alpha[p_index] * occ);
    let va = HillCurve {
        ic50: ic,
        ..line.drug_a
    }
    .viability(a);
    partner.alone.viability(b) * va
}

/// Wells the simulator flags as the reader would (plate, well, flag).
const FLAGGED_WELLS: [(&str, &str, Flag); 2] = [
    ("SENS1_TNFalpha_r1", "H12", Flag::Missed),
    ("RES_C8_docetaxel_r3", "D5", Flag::Overflow),
];

/// A small deterministic generator with normal deviates (Box-Muller) over the synergy crate's
/// SplitMix64 (seeded with `seed ^ 0x9E37_79B9_7F4A_7C15`).
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed ^ 0x9E37_79B9_7F4A_7C15))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// What `simulate` wrote.
#[derive(Debug)]
pub struct Simulated {
    /// The layout TOML.
    pub layout: PathBuf,
    /// The truth table.
    pub truth: PathBuf,
    /// Number of plates written.
    pub plates: usize,
}

/// Cell lines for a screen of `n_plates` plates: the four demo lines, then extra lines with
/// seeded random parameters (9 plates per line: 3 partners x 3 replicates).
fn lines_for(n_plates: usize, rng: &mut Rng) -> Vec<CellLine> {
    let mut lines = demo_lines();
    let needed = n_plates.div_ceil(9);
    let mut i = lines.len();
    while lines.len() < needed {
        i += 1;
        let sensitive = rng.uniform() < 0.3;
        let ic50 = if sensitive {
            10.0 * 30f64.powf(rng.uniform())
        } else {
            1.0e5
        };
        let alpha = [0, 1, 2].map(|_| {
            if rng.uniform() < 0.5 {
                0.0
            } else {
                10f64.powf(1.0 + 2.5 * rng.uniform())
            }
        });
        lines.push(CellLine {
            name: format!("LINE{i:05}"),
            drug_a: HillCurve {
                ic50,
                hill: 0.8 + 0.8 * rng.uniform(),
                bottom: 0.05 + 0.1 * rng.uniform(),
            },
            alpha,
        });
    }
    lines
}

/// Write a synthetic screen of `n_plates` 96-well plates into `out`.
pub fn simulate(out: &Path, n_plates: usize, seed: u64) -> Result<Simulated> {
    if n_plates == 0 {
        bail!("--plates must be at least 1");
    }
    let exports = out.join("exports");
    std::fs::create_dir_all(&exports)
        .with_context(|| format!("cannot create {}", exports.display()))?;
    let mut rng = Rng::new(seed);
    let lines = lines_for(n_plates, &mut rng);
    let partners = partners();
    let a_doses = drug_a_doses();

    let mut toml = String::new();
    let _ = writeln!(
        toml,
        "# Synthetic SMAC-mimetic combination screen written by `platesyn simulate --seed {seed}`."
    );
    let _ = writeln!(
        toml,
        "# Birinapant down rows A-H (row A = 0), the partner across columns 2-11 (column 2 = 0)."
    );
    let _ = writeln!(
        toml,
        "# Column 1 untreated; column 12: blank (A-D) and positive kill control (E-H). Units: nM.\n"
    );
    let _ = writeln!(toml, "[expt]\nunit = \"{UNIT}\"\n");
    let _ = writeln!(toml, "[col.1]\nrole = \"untreated\"\n");
    let _ = writeln!(toml, "[block.1x4.A12]\nrole = \"blank\"\n");
    let _ = writeln!(toml, "[block.1x4.E12]\nrole = \"positive\"\n");
    for (r, a) in a_doses.iter().enumerate() {
        let _ = writeln!(
            toml,
            "[block.10x1.{}2]\nrole = \"sample\"\ndrug_a = \"{DRUG_A}\"\nconc_a = {a}\n",
            WellId::new(r as u16, 0).row_label()
        );
    }
    let mut paths = String::from("[meta.paths]\n");
    let mut plates_toml = String::new();
    let mut truth = String::from("cell_line,drug_a,drug_b,quantity,value,note\n");

    let mut written = 0usize;
    'outer: for line in &lines {
        // single-agent truth
        let top_a = a_doses[a_doses.len() - 1];
        let _ = writeln!(
            truth,
            "{},{DRUG_A},,ic50,{},{}",
            line.name,
            line.drug_a.ic50,
            censor_note(line.drug_a.ic50, top_a)
        );
        for (pi, p) in partners.iter().enumerate() {
            let b_doses = partner_doses(p.top);
            let _ = writeln!(
                truth,
                "{},{},,ic50,{},{}",
                line.name,
                p.name,
                p.alone.ic50,
                censor_note(p.alone.ic50, p.top)
            );
            let bliss = truth_bliss_mean(line, pi, p, &a_doses, &b_doses);
            let class = if bliss > 3.0 {
                "synergy"
            } else if bliss < -3.0 {
                "antagonism"
            } else {
                "additive"
            };
            let _ = writeln!(
                truth,
                "{},{DRUG_A},{},bliss_mean,{bliss:.4},{class}",
                line.name, p.name
            );
            // sensitization: IC50 of birinapant at the top partner dose
            let occ_top = p.top.powf(p.hk) / (p.top.powf(p.hk) + p.k.powf(p.hk));
            let ic_combo = line.drug_a.ic50 / (1.0 + line.alpha[pi] * occ_top);
            let sens = line.drug_a.ic50 > top_a && ic_combo <= top_a / 3.0;
            let _ = writeln!(
                truth,
                "{},{DRUG_A},{},ic50_at_top_partner,{ic_combo},{}",
                line.name,
                p.name,
                if sens { "sensitized" } else { "not_sensitized" }
            );
            for rep in 1..=3 {
                if written == n_plates {
                    break 'outer;
                }
                written += 1;
                let name = format!("{}_{}_r{rep}", line.name, p.name.replace('-', ""));
                let plate = simulate_plate(&name, line, pi, p, &a_doses, &b_doses, &mut rng);
                let (file, text) = if rep == 2 {
                    (format!("{name}.csv"), write::bmg_mars_csv(&plate))
                } else {
                    (format!("{name}.txt"), write::gen5_text(&plate))
                };
                write_atomic(&exports.join(&file), text.as_bytes())?;
                let _ = writeln!(paths, "{name} = \"exports/{file}\"");
                let _ = writeln!(
                    plates_toml,
                    "[plate.{name}]\ncell_line = \"{}\"\nreplicate = \"{rep}\"\n",
                    line.name
                );
                for (c, b) in b_doses.iter().enumerate() {
                    let _ = writeln!(
                        plates_toml,
                        "[plate.{name}.block.1x8.A{}]\ndrug_b = \"{}\"\nconc_b = {b}\n",
                        c + 2,
                        p.name
                    );
                }
            }
        }
    }
    let _ = writeln!(toml, "{paths}");
    toml.push_str(&plates_toml);
    let layout = out.join("screen.toml");
    write_atomic(&layout, toml.as_bytes())?;
    let truth_path = out.join("truth.csv");
    write_atomic(&truth_path, truth.as_bytes())?;
    Ok(Simulated {
        layout,
        truth: truth_path,
        plates: written,
    })
}

fn censor_note(ic50: f64, top: f64) -> &'static str {
    if ic50 > top {
        "above_range"
    } else {
        "in_range"
    }
}

/// Noise-free Bliss excess (percentage points of inhibition, positive = synergy), mean over
/// combination cells (both doses > 0), computed from the truth surface.
fn truth_bliss_mean(
    line: &CellLine,
    pi: usize,
    p: &Partner,
    a_doses: &[f64],
    b_doses: &[f64],
) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for &a in a_doses.iter().filter(|&&a| a > 0.0) {
        for &b in b_doses.iter().filter(|&&b| b > 0.0) {
            let va = truth_viability(line, pi, p, a, 0.0);
            let vb = truth_viability(line, pi, p, 0.0, b);
            let v = truth_viability(line, pi, p, a, b);
            sum += 100.0 * (va * vb - v);
            n += 1.0;
        }
    }
    sum / n
}

fn simulate_plate(
    name: &str,
    line: &CellLine,
    pi: usize,
    p: &Partner,
    a_doses: &[f64],
    b_doses: &[f64],
    rng: &mut Rng,
) -> Plate {
    let format = PlateFormat::W96;
    let blank = 0.10 + 0.02 * rng.uniform();
    let top = 1.3 + 0.4 * rng.uniform();
    let mut read = Read::new("490", Some(WAVELENGTH_NM), format);
    for well in format.wells() {
        // column 12 holds the blank (no cells) and the positive kill control (dead cells): both read
        // as background; every other well is untreated (column 1) or a checkerboard well.
        let v = match well.col {
            0 => 1.0,
            11 => 0.0,
            c => truth_viability(
                line,
                pi,
                p,
                a_doses[usize::from(well.row)],
                b_doses[usize::from(c) - 1],
            ),
        };
        let signal = blank + (top - blank) * v * (1.0 + 0.04 * rng.normal()) + 0.008 * rng.normal();
        let idx = format.index(well).unwrap_or(0);
        read.values[idx] = Some(Value::Number((signal * 1e4).round() / 1e4));
    }
    // two realistic reader flags in the demo, so exclusions show in every report
    for (flag_plate, well, flag) in FLAGGED_WELLS {
        if name == flag_plate {
            if let Some(i) = WellId::parse(well).and_then(|w| format.index(w)) {
                read.values[i] = Some(Value::Flag(flag));
            }
        }
    }
    let mut plate = Plate::new(name, format);
    plate.reads.push(read);
    plate.metadata.insert("date".into(), "11/27/2026".into());
    plate.metadata.insert("time".into(), "10:00:00 AM".into());
    plate
}

/// Write through the report crate's atomic writer (temporary file + rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    platesyn_report::OutputGuard::new()
        .write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
