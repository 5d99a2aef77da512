//! Figures: SVG content, PNG validity, text actually drawn, data checks.

mod common;

use common::{MIN_PIXEL_STDDEV, MIN_TEXT_PIXELS, decode_png, differing_pixels, grey_stddev, pixel};
use platesyn_report::ReportError;
use platesyn_report::figures::colors::{MISSING, diverging};
use platesyn_report::figures::curve::ConfidenceBand;
use platesyn_report::figures::{
    COLORBAR_STEPS, CurveSeries, DoseAxis, DoseResponsePlot, Figure, FittedCurve, PlateMap,
    SynergyHeatmap,
};

fn heatmap() -> SynergyHeatmap {
    let rows = DoseAxis {
        drug: "Ibrutinib".into(),
        unit: "µM".into(),
        doses: vec![0.0, 0.1, 0.3, 1.0],
    };
    let cols = DoseAxis {
        drug: "Venetoclax".into(),
        unit: "nM".into(),
        doses: vec![0.0, 10.0, 30.0],
    };
    let scores = vec![
        vec![Some(0.0), Some(0.0), Some(0.0)],
        vec![Some(0.0), Some(4.25), Some(-3.5)],
        vec![Some(0.0), None, Some(12.5)],
        vec![Some(0.0), Some(-8.0), Some(2.0)],
    ];
    let mut h = SynergyHeatmap::new("Ibrutinib × Venetoclax", "ZIP δ", rows, cols, scores);
    h.block_mean = Some(1.376);
    h
}

/// Whether the SVG has a `<text>` element whose content is exactly `t` (plotters writes the
/// content on its own line).
fn has_text(svg: &str, t: &str) -> bool {
    svg.contains(&format!(">\n{t}\n</text>"))
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn heatmap_svg_has_labels_cells_and_scores() {
    let h = heatmap();
    assert_eq!(
        h.limit(),
        15.0,
        "max |score| 12.5 rounds up to the round step 15"
    );
    let svg = h.to_svg().unwrap();
    for text in [
        "Ibrutinib × Venetoclax",
        "block mean ZIP δ: 1.38",
        "Ibrutinib (µM)",
        "Venetoclax (nM)",
        "0.3",
        "30",
        "4.25",
        "-3.5",
        "12.5",
        "-8",
        "NA",
        "synergy",
        "antagonism",
        "-15",
        "-7.5",
        "15",
    ] {
        assert!(has_text(&svg, text), "missing {text:?}");
    }
    // Background + 4×3 cells + colour bar strips.
    assert_eq!(count(&svg, "<rect"), 1 + 12 + COLORBAR_STEPS);
    // The synergy cell is red, the antagonism cell blue, the missing cell grey.
    let hex = |c: plotters::style::RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
    assert!(svg.contains(&hex(diverging(12.5, 15.0))));
    assert!(svg.contains(&hex(diverging(-8.0, 15.0))));
    assert!(svg.contains(&hex(MISSING)));
    assert_eq!(svg, h.to_svg().unwrap(), "deterministic");
}

#[test]
fn heatmap_png_is_valid_coloured_and_has_text() {
    let h = heatmap();
    let png = h.to_png().unwrap();
    let (w, hgt, rgb) = decode_png(&png);
    assert_eq!((w, hgt), (900, 720));
    assert!(grey_stddev(&rgb) > MIN_PIXEL_STDDEV);
    // Some pixel is strongly red and some strongly blue.
    let reds = rgb.chunks(3).filter(|p| p[0] > 150 && p[2] < 80).count();
    let blues = rgb.chunks(3).filter(|p| p[2] > 150 && p[0] < 120).count();
    assert!(reds > 500 && blues > 500, "reds {reds}, blues {blues}");
    let mut untitled = h.clone();
    untitled.title = String::new();
    let (_, _, rgb2) = decode_png(&untitled.to_png().unwrap());
    assert!(differing_pixels(&rgb, &rgb2) > MIN_TEXT_PIXELS);
    assert_eq!(png, h.to_png().unwrap(), "deterministic");
}

#[test]
fn heatmap_rejects_mismatched_matrix() {
    let mut h = heatmap();
    h.scores[2].pop();
    let err = h.to_svg().unwrap_err();
    assert!(matches!(err, ReportError::FigureData { .. }));
    assert!(
        err.to_string().contains("score row 2: expected 3 values"),
        "{err}"
    );
}

fn curves() -> DoseResponsePlot {
    let doses = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
    let ll4 = |b: f64, c: f64, d: f64, e: f64| {
        move |x: f64| c + (d - c) / (1.0 + (b * (x.ln() - f64::ln(e))).exp())
    };
    let f1 = ll4(1.2, 5.0, 100.0, 0.25);
    let f2 = ll4(0.9, 20.0, 98.0, 1.5);
    let mut pts1 = Vec::new();
    let mut pts2 = Vec::new();
    for (k, d) in doses.iter().enumerate() {
        for rep in [-1.0, 1.0] {
            let jitter = rep * (2.0 + k as f64 * 0.3);
            let y1 = if *d == 0.0 { 100.0 } else { f1(*d) };
            let y2 = if *d == 0.0 { 98.0 } else { f2(*d) };
            pts1.push((*d, y1 + jitter));
            pts2.push((*d, y2 - jitter));
        }
    }
    let band_doses: Vec<f64> = (0..50)
        .map(|i| 10f64.powf(-2.0 + 3.0 * f64::from(i) / 49.0))
        .collect();
    let band = ConfidenceBand {
        lower: band_doses.iter().map(|d| f1(*d) - 4.0).collect(),
        upper: band_doses.iter().map(|d| f1(*d) + 4.0).collect(),
        doses: band_doses,
    };
    let mut s1 = CurveSeries::new("Ibrutinib", pts1);
    s1.fitted = Some(FittedCurve::Function(Box::new(f1)));
    s1.band = Some(band);
    s1.ic50 = Some(0.25);
    let mut s2 = CurveSeries::new("Venetoclax", pts2);
    s2.fitted = Some(FittedCurve::Sampled(
        (1..=40)
            .map(|i| 10f64.powf(-2.0 + 3.0 * f64::from(i) / 40.0))
            .map(|d| (d, f2(d)))
            .collect(),
    ));
    s2.ic50 = Some(1.5);
    let mut p = DoseResponsePlot::new("Single agents", "µM", "Viability (%)");
    p.series = vec![s1, s2];
    p
}

#[test]
fn curve_svg_has_legend_ic50_and_zero_tick() {
    let svg = curves().to_svg().unwrap();
    for text in [
        "Single agents",
        "Dose (µM, log scale)",
        "Viability (%)",
        "Ibrutinib (IC50 = 0.25 µM)",
        "Venetoclax (IC50 = 1.5 µM)",
        "IC50 = 0.25 µM",
        "IC50 = 1.5 µM",
        "0",
        "0.01",
        "0.1",
        "1",
        "10",
    ] {
        assert!(has_text(&svg, text), "missing {text:?}");
    }
    // 16 observed points per series, plus one legend marker is a line (no circle).
    assert_eq!(count(&svg, "<circle"), 32);
    // The confidence band is one polygon.
    assert_eq!(count(&svg, "<polygon"), 1);
}

#[test]
fn curve_png_valid_and_text_drawn() {
    let p = curves();
    let (w, h, rgb) = decode_png(&p.to_png().unwrap());
    assert_eq!((w, h), (900, 600));
    assert!(
        grey_stddev(&rgb) > MIN_PIXEL_STDDEV / 2.0,
        "mostly white but not blank"
    );
    let mut q = curves();
    q.title = String::new();
    let (_, _, rgb2) = decode_png(&q.to_png().unwrap());
    assert!(differing_pixels(&rgb, &rgb2) > MIN_TEXT_PIXELS);
}

#[test]
fn curve_rejects_negative_dose_and_empty() {
    let mut p = DoseResponsePlot::new("bad", "µM", "Viability (%)");
    assert!(p.to_svg().unwrap_err().to_string().contains("no series"));
    p.series.push(CurveSeries::new("x", vec![(-1.0, 50.0)]));
    let err = p.to_svg().unwrap_err();
    assert!(
        err.to_string()
            .contains("series `x`: negative or NaN dose -1"),
        "{err}"
    );
}

fn plate() -> PlateMap {
    let values: Vec<Option<f64>> = (0..96)
        .map(|i| if i == 5 { None } else { Some(f64::from(i)) })
        .collect();
    let mut p = PlateMap::new("Plate P1 — raw signal", "Signal (RLU)", 8, 12, values);
    p.excluded = vec![(0, 0), (7, 11)];
    p
}

#[test]
fn platemap_svg_labels_and_cells() {
    let svg = plate().to_svg().unwrap();
    for text in [
        "Plate P1 — raw signal",
        "Signal (RLU)",
        "A",
        "H",
        "1",
        "12",
        "no value",
        "excluded",
        "80",
    ] {
        assert!(has_text(&svg, text), "missing {text:?}");
    }
    // Background + 96 wells + key swatch + colour bar strips.
    assert_eq!(count(&svg, "<rect"), 1 + 96 + 1 + COLORBAR_STEPS);
}

#[test]
fn platemap_png_colours_and_text() {
    let p = plate();
    let (w, h, rgb) = decode_png(&p.to_png().unwrap());
    assert_eq!((w, h), p.size);
    assert!(grey_stddev(&rgb) > MIN_PIXEL_STDDEV);
    let mut q = plate();
    q.title = String::new();
    let (_, _, rgb2) = decode_png(&q.to_png().unwrap());
    assert!(differing_pixels(&rgb, &rgb2) > MIN_TEXT_PIXELS);
    // The missing-value grey is present.
    let grey = [MISSING.0, MISSING.1, MISSING.2];
    assert!(rgb.chunks(3).filter(|px| *px == grey).count() > 100);
    assert_eq!(pixel(&rgb, w, 0, 0), [255, 255, 255], "white background");
}

#[test]
fn platemap_rejects_bad_shape_and_excluded_outside() {
    let mut p = plate();
    p.values.pop();
    assert!(
        p.to_svg()
            .unwrap_err()
            .to_string()
            .contains("expected 96 values (8 rows × 12 columns), got 95")
    );
    let mut p = plate();
    p.excluded.push((8, 0));
    assert!(
        p.to_png()
            .unwrap_err()
            .to_string()
            .contains("outside the plate")
    );
}

#[test]
fn plate_1536_renders() {
    let p = PlateMap::new(
        "1536",
        "v",
        32,
        48,
        (0..1536).map(|i| Some(f64::from(i))).collect(),
    );
    let svg = p.to_svg().unwrap();
    assert!(
        has_text(&svg, "AF") && has_text(&svg, "48"),
        "last row and column labelled"
    );
    assert_eq!(count(&svg, "<rect"), 1 + 1536 + 1 + COLORBAR_STEPS);
}

#[test]
fn figure_files_are_written_atomically_and_inputs_protected() {
    use platesyn_report::OutputGuard;
    use platesyn_report::figures::{write_png, write_svg};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("plate.csv");
    std::fs::write(&input, "raw").unwrap();
    let mut guard = OutputGuard::new();
    guard.protect(&input);
    let p = plate();
    write_svg(&p, &dir.path().join("p.svg"), &guard).unwrap();
    write_png(&p, &dir.path().join("p.png"), &guard).unwrap();
    assert!(matches!(
        write_png(&p, &input, &guard),
        Err(ReportError::WouldOverwriteInput { .. })
    ));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["p.png", "p.svg", "plate.csv"]);
    assert_eq!(std::fs::read_to_string(&input).unwrap(), "raw");
    let (w, h, _) = decode_png(&std::fs::read(dir.path().join("p.png")).unwrap());
    assert_eq!((w, h), p.size);
}
