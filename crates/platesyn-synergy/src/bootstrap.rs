//! Seeded, deterministic bootstrap over replicates.
//!
//! Each iteration resamples, with replacement, the replicates of every cell (same count),
//! averages them, and re-scores the block with the same options (combination index off).
//! Per cell and for each model's block mean it reports the mean, the SD (n - 1) and the
//! 95 % percentile interval (R's type-7 quantiles) over iterations. Cells with a single
//! replicate do not vary; a block without replicates gives SD 0.

use serde::{Deserialize, Serialize};

use crate::block::DoseMatrix;
use crate::grid::Grid;
use crate::score::{Model, ScoreOptions, score_inhibition};
use crate::summary::{mean, sd};

/// SplitMix64: a tiny, well-mixed, seeded PRNG (Steele, Lea & Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// New generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift (bias < n / 2^64).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Number of resamples.
    pub iterations: usize,
    /// PRNG seed; equal seeds give identical results.
    pub seed: u64,
}

impl Default for BootstrapOptions {
    /// 200 iterations, seed 123 (SynergyFinder's default seed).
    fn default() -> Self {
        Self {
            iterations: 200,
            seed: 123,
        }
    }
}

/// Statistics of one quantity over bootstrap iterations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootStats {
    /// Mean over iterations.
    pub mean: f64,
    /// Standard deviation over iterations (n - 1).
    pub sd: f64,
    /// 2.5 % quantile.
    pub ci_lo: f64,
    /// 97.5 % quantile.
    pub ci_hi: f64,
}

impl BootStats {
    /// From samples; `None` if empty.
    pub fn from_samples(v: &mut [f64]) -> Option<Self> {
        let m = mean(v)?;
        v.sort_by(f64::total_cmp);
        Some(Self {
            mean: m,
            sd: sd(v).unwrap_or(0.0),
            ci_lo: quantile_sorted(v, 0.025),
            ci_hi: quantile_sorted(v, 0.975),
        })
    }
}

/// R's default (type 7) quantile of sorted data.
pub fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Bootstrap of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelBootstrap {
    /// Model.
    pub model: Model,
    /// Per-cell statistics (`None` where the score was missing in every iteration).
    pub cells: Grid<Option<BootStats>>,
    /// Statistics of the block mean over combination cells.
    pub block_mean: Option<BootStats>,
}

/// Bootstrap of a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    /// Settings used.
    pub options: BootstrapOptions,
    /// One entry per model, in [`Model::ALL`] order.
    pub models: Vec<ModelBootstrap>,
}

impl BootstrapResult {
    /// Result for one model.
    pub fn model(&self, model: Model) -> Option<&ModelBootstrap> {
        self.models.iter().find(|m| m.model == model)
    }
}

/// Run the bootstrap.
pub fn bootstrap(
    block: &DoseMatrix,
    opts: ScoreOptions,
    boot: &BootstrapOptions,
) -> BootstrapResult {
    let (na, nb) = (block.doses_a().len(), block.doses_b().len());
    let reason = Grid::from_fn(na, nb, |i, j| block.cell_missing(i, j));
    let mut rng = SplitMix64::new(boot.seed);
    let opts = ScoreOptions {
        combination_index: false,
        ..opts
    };
    let mut cell_samples: Vec<Grid<Vec<f64>>> =
        (0..4).map(|_| Grid::filled(na, nb, Vec::new())).collect();
    let mut mean_samples: Vec<Vec<f64>> = vec![Vec::new(); 4];
    let reps = block.replicates();
    for _ in 0..boot.iterations {
        let m = reps.map(|r| {
            if r.is_empty() {
                None
            } else {
                let s: f64 = (0..r.len()).map(|_| r[rng.below(r.len())]).sum();
                Some(100.0 * (1.0 - s / r.len() as f64))
            }
        });
        let scored = score_inhibition(block, &m, &reason, opts);
        for (k, model) in Model::ALL.iter().enumerate() {
            let s = scored.scores(*model);
            for (i, j, c) in s.cells.iter() {
                if let Some(v) = c.value() {
                    cell_samples[k].get_mut(i, j).push(v);
                }
            }
            if let Some(m) = mean(&s.combination_values()) {
                mean_samples[k].push(m);
            }
        }
    }
    let models = Model::ALL
        .iter()
        .enumerate()
        .map(|(k, &model)| ModelBootstrap {
            model,
            cells: cell_samples[k].map(|v| BootStats::from_samples(&mut v.clone())),
            block_mean: BootStats::from_samples(&mut mean_samples[k]),
        })
        .collect();
    BootstrapResult {
        options: *boot,
        models,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // first outputs of SplitMix64 seeded with 1234567 (published test vector)
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut r = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(r.below(5) < 5);
        }
    }

    #[test]
    fn quantiles_match_r_type7() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // R: quantile(1:4, c(.025, .975)) = 1.075 3.925
        assert!((quantile_sorted(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.975) - 3.925).abs() < 1e-12);
    }
}
