//! Renders one example of each figure to `docs/img/` (heatmap, curve, platemap; PNG and SVG)
//! for the docs, plus a crowded heatmap and a small HTML report under `target/` for checking.
//!
//! Run from the workspace root: `cargo run -p platesyn-report --example render_examples`.

use std::path::Path;

use platesyn_report::figures::curve::ConfidenceBand;
use platesyn_report::figures::{
    CurveSeries, DoseAxis, DoseResponsePlot, Figure, FittedCurve, PlateMap, SynergyHeatmap,
    write_png,
};
use platesyn_report::html::{HtmlReport, Section};
use platesyn_report::{OutputGuard, ReportError, Table};

fn ll4(b: f64, c: f64, d: f64, e: f64) -> impl Fn(f64) -> f64 + Send + Sync + Copy {
    move |x: f64| c + (d - c) / (1.0 + (b * (x.ln() - e.ln())).exp())
}

fn heatmap() -> SynergyHeatmap {
    let a = vec![0.0, 0.0625, 0.125, 0.25, 0.5, 1.0];
    let b = vec![0.0, 1.0, 3.0, 10.0, 30.0, 100.0];
    let mut scores = Vec::new();
    for (i, da) in a.iter().enumerate() {
        let mut row = Vec::new();
        for (j, db) in b.iter().enumerate() {
            if *da == 0.0 || *db == 0.0 {
                row.push(Some(0.0));
            } else if i == 3 && j == 2 {
                row.push(None);
            } else {
                // Synergy peaking mid-matrix, antagonism at the highest B doses.
                let s = 18.0
                    * (-(f64::from(i as u8) - 3.0).powi(2) / 3.0).exp()
                    * (-(f64::from(j as u8) - 2.5).powi(2) / 2.0).exp()
                    - 2.5 * f64::from(j as u8).powf(1.2) * (da * 1.5)
                    + 1.3 * (f64::from((i * 7 + j * 3) as u8) % 5.0 - 2.0);
                row.push(Some((s * 100.0).round() / 100.0));
            }
        }
        scores.push(row);
    }
    let mut h = SynergyHeatmap::new(
        "Ibrutinib × Venetoclax — block 1 (ZIP)",
        "ZIP δ-score",
        DoseAxis {
            drug: "Ibrutinib".into(),
            unit: "µM".into(),
            doses: a,
        },
        DoseAxis {
            drug: "Venetoclax".into(),
            unit: "nM".into(),
            doses: b,
        },
        scores,
    );
    h.block_mean = Some(3.217);
    h
}

fn curves() -> DoseResponsePlot {
    let doses = [0.0, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
    let specs = [
        ("Ibrutinib", ll4(1.1, 8.0, 100.0, 0.2)),
        ("Venetoclax", ll4(1.6, 25.0, 99.0, 1.4)),
        ("Navitoclax", ll4(0.8, 3.0, 101.0, 0.045)),
    ];
    let mut plot = DoseResponsePlot::new(
        "Single-agent dose response, plate P1",
        "µM",
        "Viability (%)",
    );
    for (k, (name, f)) in specs.into_iter().enumerate() {
        let mut pts = Vec::new();
        for (i, d) in doses.iter().enumerate() {
            for r in 0..3 {
                let noise = f64::from(((i * 5 + r * 7 + k * 3) % 9) as u8) - 4.0;
                let y = if *d == 0.0 { 100.0 } else { f(*d) };
                pts.push((*d, y + noise * 1.2));
            }
        }
        let mut s = CurveSeries::new(name, pts);
        if k == 0 {
            let bd: Vec<f64> = (0..60)
                .map(|i| 10f64.powf(-2.6 + 3.7 * f64::from(i) / 59.0))
                .collect();
            s.band = Some(ConfidenceBand {
                lower: bd
                    .iter()
                    .map(|d| f(*d) - 3.0 - 4.0 * (1.0 - (f(*d) - 50.0).abs() / 50.0))
                    .collect(),
                upper: bd
                    .iter()
                    .map(|d| f(*d) + 3.0 + 4.0 * (1.0 - (f(*d) - 50.0).abs() / 50.0))
                    .collect(),
                doses: bd,
            });
        }
        s.fitted = Some(FittedCurve::Function(Box::new(f)));
        s.ic50 = Some([0.2, 1.4, 0.045][k]);
        plot.series.push(s);
    }
    plot
}

fn platemap() -> PlateMap {
    let mut values = Vec::new();
    for r in 0..16usize {
        for c in 0..24usize {
            let edge = r == 0 || r == 15 || c == 0 || c == 23;
            let base = if c < 2 {
                52_000.0
            } else if c > 21 {
                1_800.0
            } else {
                9_000.0 + 1_700.0 * (c as f64)
            };
            let v = base * if edge { 0.85 } else { 1.0 }
                + 400.0 * (((r * 31 + c * 17) % 11) as f64 - 5.0);
            values.push(if r == 9 && c == 13 { None } else { Some(v) });
        }
    }
    let mut p = PlateMap::new(
        "Plate P1 — raw luminescence (CellTiter-Glo)",
        "Signal (RLU)",
        16,
        24,
        values,
    );
    p.excluded = vec![(3, 5), (12, 18), (0, 23)];
    p
}

fn main() -> Result<(), ReportError> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let img = root.join("img");
    std::fs::create_dir_all(&img).map_err(|source| ReportError::Io {
        path: img.clone(),
        source,
    })?;
    let guard = OutputGuard::new();
    let h = heatmap();
    let c = curves();
    let p = platemap();
    write_png(&h, &img.join("heatmap.png"), &guard)?;
    write_png(&c, &img.join("curve.png"), &guard)?;
    write_png(&p, &img.join("platemap.png"), &guard)?;
    // A crowded 10 × 10 matrix with long dose labels, to check label fitting (not committed).
    let scratch = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let doses: Vec<f64> = (0..10).map(|i| 0.001_953_125 * 2f64.powi(i)).collect();
    let big = SynergyHeatmap::new(
        "10 × 10 stress test",
        "Bliss excess (%)",
        DoseAxis {
            drug: "Drug A".into(),
            unit: "µM".into(),
            doses: doses.clone(),
        },
        DoseAxis {
            drug: "Drug B".into(),
            unit: "µM".into(),
            doses,
        },
        (0..10)
            .map(|i| {
                (0..10)
                    .map(|j| Some(f64::from(i * 10 - j * 7) - 20.5))
                    .collect()
            })
            .collect(),
    );
    write_png(&big, &scratch.join("heatmap-10x10.png"), &guard)?;

    let mut t = Table::new();
    t.push_str(
        "drug",
        [Some("Ibrutinib"), Some("Venetoclax"), Some("Navitoclax")],
    )?
    .push_f64("ic50_uM", [Some(0.2), Some(1.4), Some(0.045)])?
    .push_f64("hill", [Some(1.1), Some(1.6), Some(0.8)])?
    .push_bool("converged", [Some(true), Some(true), Some(true)])?;
    let mut r = HtmlReport::new("platesyn example report");
    r.summary("Plates", "1")
        .summary("Blocks", "1")
        .warning("Plate P1: Z' = 0.41 (< 0.5)")
        .section(Section::new("Plate P1").svg("Raw signal", p.to_svg()?))
        .section(
            Section::new("Block 1: Ibrutinib × Venetoclax")
                .svg("ZIP synergy", h.to_svg()?)
                .png("Single agents", c.to_png()?)
                .table("Fits", t),
        )
        .option("synergy model", "zip");
    r.write(&scratch.join("example-report.html"), &guard)?;
    println!("wrote {}", img.display());
    Ok(())
}
