//! Plate QC over a [`NormalizedPlate`]: Z'-factor, control CVs, signal window, edge effect,
//! and warnings against thresholds (warnings only: nothing is dropped here).
//!
//! All statistics use the raw readings of non-excluded wells (read units); sd is the sample
//! sd (n - 1). Z' and the signal window are unchanged by blank subtraction.

use platesyn_plate::{PlateFormat, Role};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::normalize::{NormalizedPlate, NormalizedWell, mean, sd};

/// Thresholds for QC warnings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QcThresholds {
    /// Warn when Z' is below this (0.5: Zhang et al. 1999 "excellent assay" boundary).
    pub min_z_prime: f64,
    /// Warn when a control's CV (%) is above this.
    pub max_cv_pct: f64,
    /// Warn on an edge effect when the Welch test p is below this ...
    pub edge_p: f64,
    /// ... and the edge/inner mean ratio differs from 1 by more than this.
    pub edge_ratio_delta: f64,
    /// Warn when the signal window is below this (Iversen et al. 2006 suggest >= 2).
    pub min_signal_window: f64,
}

impl Default for QcThresholds {
    fn default() -> Self {
        Self {
            min_z_prime: 0.5,
            max_cv_pct: 20.0,
            edge_p: 0.05,
            edge_ratio_delta: 0.10,
            min_signal_window: 2.0,
        }
    }
}

/// Summary of one control role.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlStats {
    /// Role.
    pub role: Role,
    /// Usable wells.
    pub n: usize,
    /// Mean (read units).
    pub mean: f64,
    /// Sample sd (`None` below 2 wells).
    pub sd: Option<f64>,
    /// `100 sd / |mean|`, percent.
    pub cv_pct: Option<f64>,
}

/// Which control the Z'-factor contrasts with untreated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZReference {
    /// The `positive` kill control.
    Positive,
    /// The `blank` wells (no positive control on the plate).
    Blank,
}

/// Outer ring vs inner wells for one role.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeEffect {
    /// Role compared.
    pub role: Role,
    /// Edge wells used.
    pub n_edge: usize,
    /// Inner wells used.
    pub n_inner: usize,
    /// Mean of edge wells / mean of inner wells.
    pub ratio: f64,
    /// Two-sided Welch t-test p-value (`None` when an sd is 0 on both sides).
    pub p_value: Option<f64>,
}

/// Plate QC result.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateQc {
    /// Untreated + vehicle.
    pub untreated: Option<ControlStats>,
    /// Positive control.
    pub positive: Option<ControlStats>,
    /// Blank.
    pub blank: Option<ControlStats>,
    /// `1 - 3 (sd_pos + sd_neg) / |mean_pos - mean_neg|`.
    pub z_prime: Option<f64>,
    /// What Z' contrasts untreated with.
    pub z_reference: Option<ZReference>,
    /// Signal window `(|mean_neg - mean_ref| - 3 (sd_neg + sd_ref)) / sd_neg` (Iversen 2006,
    /// dividing by the untreated sd).
    pub signal_window: Option<f64>,
    /// Signal-to-background `mean_neg / mean_ref`.
    pub signal_to_background: Option<f64>,
    /// Edge-effect checks, one per role with >= 2 edge and >= 2 inner wells.
    pub edge: Vec<EdgeEffect>,
    /// Warnings (thresholds crossed).
    pub warnings: Vec<String>,
}

/// Z'-factor from two groups' means and sds.
pub fn z_prime(mean_a: f64, sd_a: f64, mean_b: f64, sd_b: f64) -> Option<f64> {
    let gap = (mean_a - mean_b).abs();
    (gap > 0.0).then(|| 1.0 - 3.0 * (sd_a + sd_b) / gap)
}

/// Two-sided Welch t-test p-value.
pub fn welch_p(a: &[f64], b: &[f64]) -> Option<f64> {
    let (ma, mb) = (mean(a)?, mean(b)?);
    let (sa, sb) = (sd(a)?, sd(b)?);
    let (va, vb) = (sa * sa / a.len() as f64, sb * sb / b.len() as f64);
    let se2 = va + vb;
    if se2 <= 0.0 {
        return None;
    }
    let t = (ma - mb) / se2.sqrt();
    let df = se2 * se2 / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(2.0 * dist.sf(t.abs()))
}

fn stats(role: Role, v: &[f64]) -> Option<ControlStats> {
    let m = mean(v)?;
    let s = sd(v);
    Some(ControlStats {
        role,
        n: v.len(),
        mean: m,
        sd: s,
        cv_pct: s.and_then(|s| (m != 0.0).then(|| 100.0 * s / m.abs())),
    })
}

/// A sample well's treatment group: dose A, dose B (`f64` bits; first, the cheapest to
/// compare), cell line, drug A, drug B.
type TreatmentKey<'a> = (
    Option<u64>,
    Option<u64>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// Sample wells as ratios to their treatment group's mean, split into (edge, inner); only
/// groups with at least one edge and one inner well are used, in the order of their keys'
/// `Debug` text (`Some("line")|Some("drug")|Some(bits)|...`), which fixes the summation order.
fn sample_edge_ratios(norm: &NormalizedPlate, format: PlateFormat) -> (Vec<f64>, Vec<f64>) {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<TreatmentKey<'_>, Vec<(bool, f64)>> = BTreeMap::new();
    for (w, x) in sample_raw(norm) {
        let i = &w.info;
        let key = (
            i.conc_a.map(f64::to_bits),
            i.conc_b.map(f64::to_bits),
            i.cell_line.as_deref(),
            i.drug_a.as_deref(),
            i.drug_b.as_deref(),
        );
        groups
            .entry(key)
            .or_default()
            .push((format.is_edge(w.well), x));
    }
    // only mixed groups count; their key text is built for those alone (a checkerboard has
    // every treatment once per plate, so usually none)
    let mut mixed: Vec<(String, &[(bool, f64)])> = groups
        .iter()
        .filter(|(_, g)| g.iter().any(|(edge, _)| *edge) && g.iter().any(|(edge, _)| !*edge))
        .map(|((ca, cb, c, a, b), g)| (format!("{c:?}|{a:?}|{ca:?}|{b:?}|{cb:?}"), g.as_slice()))
        .collect();
    mixed.sort_by(|x, y| x.0.cmp(&y.0));
    ratios_to_group_means(mixed.into_iter().map(|(_, g)| g))
}

/// The sample wells that are not excluded and have a raw value, with that value.
fn sample_raw(norm: &NormalizedPlate) -> impl Iterator<Item = (&NormalizedWell, f64)> {
    norm.wells
        .iter()
        .filter(|w| w.role == Role::Sample && w.excluded.is_none())
        .filter_map(|w| Some((w, w.raw?)))
}

/// Each well of each group (flagged edge or not) as a ratio to its group's mean, split into
/// (edge, inner), in the order given; a group whose mean is 0 is left out.
fn ratios_to_group_means<'a>(
    groups: impl Iterator<Item = &'a [(bool, f64)]>,
) -> (Vec<f64>, Vec<f64>) {
    let (mut e, mut n) = (Vec::new(), Vec::new());
    for g in groups {
        let m = g.iter().map(|(_, x)| x).sum::<f64>() / g.len() as f64;
        if m == 0.0 {
            continue;
        }
        for &(edge, x) in g {
            if edge { e.push(x / m) } else { n.push(x / m) }
        }
    }
    (e, n)
}

/// QC of a normalized plate, `format` giving the outer ring.
pub fn plate_qc(norm: &NormalizedPlate, format: PlateFormat, th: &QcThresholds) -> PlateQc {
    let vals = |pred: &dyn Fn(Role) -> bool, edge: Option<bool>| -> Vec<f64> {
        norm.wells
            .iter()
            .filter(|w| pred(w.role) && w.excluded.is_none())
            .filter(|w| edge.is_none_or(|e| format.is_edge(w.well) == e))
            .filter_map(|w| w.raw)
            .collect()
    };
    let neg = vals(&Role::is_negative_control, None);
    let pos = vals(&|r| r == Role::Positive, None);
    let blk = vals(&|r| r == Role::Blank, None);
    let untreated = stats(Role::Untreated, &neg);
    let positive = stats(Role::Positive, &pos);
    let blank = stats(Role::Blank, &blk);
    let mut warnings = Vec::new();
    let (reference, z_reference) = match (positive, blank) {
        (Some(p), _) if p.sd.is_some() => (Some(p), Some(ZReference::Positive)),
        (_, Some(b)) if b.sd.is_some() => (Some(b), Some(ZReference::Blank)),
        _ => (None, None),
    };
    let mut z = None;
    let mut sw = None;
    let mut sb = None;
    if let (Some(n), Some(r)) = (untreated, reference) {
        if let (Some(sn), Some(sr)) = (n.sd, r.sd) {
            z = z_prime(n.mean, sn, r.mean, sr);
            if sn > 0.0 {
                sw = Some(((n.mean - r.mean).abs() - 3.0 * (sn + sr)) / sn);
            }
        }
        if r.mean != 0.0 {
            sb = Some(n.mean / r.mean);
        }
    }
    match (z, z_reference) {
        (Some(z), Some(zr)) if z < th.min_z_prime => warnings.push(format!(
            "Z' = {z:.3} (untreated vs {}) below {}",
            if zr == ZReference::Positive {
                "positive"
            } else {
                "blank"
            },
            th.min_z_prime
        )),
        (None, _) => warnings.push(
            "Z' not computed: needs >= 2 untreated and >= 2 positive or blank wells".to_owned(),
        ),
        _ => {}
    }
    if let Some(w) = sw.filter(|&w| w < th.min_signal_window) {
        warnings.push(format!(
            "signal window {w:.2} below {}",
            th.min_signal_window
        ));
    }
    for c in [untreated, positive].into_iter().flatten() {
        if let Some(cv) = c.cv_pct.filter(|&cv| cv > th.max_cv_pct) {
            warnings.push(format!("{} CV {cv:.1} % above {} %", c.role, th.max_cv_pct));
        }
    }
    let mut edge = Vec::new();
    for (role, pred) in [
        (
            Role::Untreated,
            &Role::is_negative_control as &dyn Fn(Role) -> bool,
        ),
        (Role::Sample, &|r| r == Role::Sample),
        (Role::Blank, &|r| r == Role::Blank),
    ] {
        // Controls are one treatment: compare raw readings. Sample wells differ in treatment,
        // so each is divided by the mean of its treatment group (same cell line, drugs and
        // doses), and only groups with wells both on the edge and inside count; a checkerboard
        // with every dose pair once per plate therefore has no sample edge check.
        let (e, i) = if role == Role::Sample {
            sample_edge_ratios(norm, format)
        } else {
            (vals(pred, Some(true)), vals(pred, Some(false)))
        };
        if e.len() < 2 || i.len() < 2 {
            continue;
        }
        let (Some(me), Some(mi)) = (mean(&e), mean(&i)) else {
            continue;
        };
        if mi == 0.0 {
            continue;
        }
        let ee = EdgeEffect {
            role,
            n_edge: e.len(),
            n_inner: i.len(),
            ratio: me / mi,
            p_value: welch_p(&e, &i),
        };
        if ee.p_value.is_some_and(|p| p < th.edge_p) && (ee.ratio - 1.0).abs() > th.edge_ratio_delta
        {
            warnings.push(format!(
                "edge effect on {role} wells: edge/inner mean ratio {:.3} (Welch p = {:.2e})",
                ee.ratio,
                ee.p_value.unwrap_or(f64::NAN)
            ));
        }
        edge.push(ee);
    }
    PlateQc {
        untreated,
        positive,
        blank,
        z_prime: z,
        z_reference,
        signal_window: sw,
        signal_to_background: sb,
        edge,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use platesyn_plate::{WellId, WellInfo};

    /// The grouping as first written (keys formatted per well): the reference order.
    fn reference_edge_ratios(norm: &NormalizedPlate, format: PlateFormat) -> (Vec<f64>, Vec<f64>) {
        use std::collections::BTreeMap;
        let mut groups: BTreeMap<String, Vec<(bool, f64)>> = BTreeMap::new();
        for (w, x) in sample_raw(norm) {
            let i = &w.info;
            let key = format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}",
                i.cell_line,
                i.drug_a,
                i.conc_a.map(f64::to_bits),
                i.drug_b,
                i.conc_b.map(f64::to_bits)
            );
            groups
                .entry(key)
                .or_default()
                .push((format.is_edge(w.well), x));
        }
        ratios_to_group_means(
            groups
                .values()
                .filter(|g| g.iter().any(|(edge, _)| *edge) && g.iter().any(|(edge, _)| !*edge))
                .map(Vec::as_slice),
        )
    }

    #[test]
    fn sample_edge_groups_keep_the_key_text_order() {
        let format = PlateFormat::from_well_count(96).unwrap();
        // names whose text order differs from their tuple order ("ab c" sorts before "ab"
        // once quoted), missing names, doses with different digit counts, replicates spread
        // over edge and inner wells
        let lines = [Some("ab"), Some("ab c"), None, Some("a\"q")];
        let doses = [None, Some(0.0), Some(1e-300), Some(3.5), Some(10.0)];
        let mut wells = Vec::new();
        let mut k = 0_u32;
        for well in format.wells() {
            let line = lines[(k % 4) as usize];
            let dose = doses[((k / 4) % 5) as usize];
            k += 1;
            let info = WellInfo {
                cell_line: line.map(str::to_owned),
                drug_a: Some("d".into()),
                conc_a: dose,
                drug_b: (k % 3 == 0).then(|| "e".to_owned()),
                conc_b: (k % 3 == 0).then_some(2.0),
                ..WellInfo::default()
            };
            wells.push(NormalizedWell {
                well,
                role: Role::Sample,
                info,
                raw: Some(1.0 + f64::from(k).sin() * 0.3),
                flag: None,
                blank_corrected: None,
                viability_pct: None,
                inhibition_pct: None,
                outlier_z: None,
                excluded: None,
            });
        }
        assert!(wells.iter().any(|w| w.well == WellId::new(0, 0)));
        let norm = NormalizedPlate {
            plate: "p".into(),
            read: "r".into(),
            blank: 0.0,
            untreated: 1.0,
            wells,
            not_read: Vec::new(),
            warnings: Vec::new(),
        };
        let (e, n) = sample_edge_ratios(&norm, format);
        let (re, rn) = reference_edge_ratios(&norm, format);
        assert!(
            e.len() > 10 && n.len() > 10,
            "{} edge, {} inner",
            e.len(),
            n.len()
        );
        // same values in the same order, bit for bit
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&e), bits(&re));
        assert_eq!(bits(&n), bits(&rn));
    }
}
