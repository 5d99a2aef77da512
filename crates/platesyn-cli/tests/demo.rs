//! End-to-end tests of `platesyn analyze` on the demo screen in `fixtures/demo/` (written by
//! `platesyn simulate --out fixtures/demo --seed 1`, with a known truth in `truth.csv`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Recovered single-agent IC50s must lie within this fraction of the truth (issue 6).
const IC50_REL_TOL: f64 = 0.15;
/// Bliss block means whose truth is within this many points of 0 are "additive": the observed
/// mean must then also lie within it (3 replicate plates, 4 % noise: the mean over 63
/// combination cells has an SD well under 1 point).
const ADDITIVE_BAND: f64 = 3.0;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_platesyn")
}

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo")
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("platesyn-demo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn analyze(layout: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(bin())
        .arg("analyze")
        .arg(layout)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .expect("run platesyn")
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Significant digits kept in the table snapshots. Fits are iterative: their last digits move
/// with the optimizer's path (seen: 1e-8 relative on parameters of converged fits, larger on
/// flat fits whose `e` is unidentified, when the LM core gained Newton steps) while RSS and
/// every decision stay put; 6 digits is far above that noise and far below any change that
/// matters. The truth-recovery assertions above check the numbers themselves.
const SNAPSHOT_SIG: usize = 6;

/// Columns of a `flat` fit that the data do not identify (the slope and location of a curve
/// with no dose-response, and the standard errors): the optimizer may stop anywhere along the
/// flat valley, so the snapshot shows them as `unidentified`.
const FLAT_UNIDENTIFIED: [&str; 6] = ["b", "e", "se_b", "se_c", "se_d", "se_e"];

/// The CSV with every float rounded to [`SNAPSHOT_SIG`] significant digits and the
/// [`FLAT_UNIDENTIFIED`] columns of flat fits masked.
fn rounded_csv(text: &str) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let header = rows.first().cloned().unwrap_or_default();
    let status = header.iter().position(|h| h == "status");
    for row in rows.iter_mut().skip(1) {
        let flat = status.is_some_and(|k| row[k] == "flat");
        for (k, c) in row.iter_mut().enumerate() {
            if flat && FLAT_UNIDENTIFIED.contains(&header[k].as_str()) {
                "unidentified".clone_into(c);
            } else if let Ok(x) = c.parse::<f64>() {
                if c.contains(['.', 'e']) {
                    *c = format!("{x:.prec$e}", prec = SNAPSHOT_SIG - 1);
                }
            }
        }
    }
    rows.iter()
        .map(|r| r.join("|"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn demo_recovers_the_truth() {
    let out = tmp("truth");
    let o = analyze(&demo_dir().join("screen.toml"), &out, &["--no-figures"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("report.html"));
    let truth = read_csv(&demo_dir().join("truth.csv"));

    // single-agent IC50s within 15 % where the truth is inside the tested range
    let fits = read_csv(&out.join("fits.csv"));
    let mut checked = 0;
    for t in truth.iter().filter(|t| t["quantity"] == "ic50") {
        let curve = format!("{}/{}", t["cell_line"], t["drug_a"]);
        let fit = fits
            .iter()
            .find(|f| f["curve"] == curve)
            .unwrap_or_else(|| panic!("no fit for {curve}"));
        let want: f64 = t["value"].parse().unwrap();
        if t["note"] == "in_range" {
            assert_eq!(fit["status"], "ok", "{curve}");
            let got: f64 = fit["ed50"].parse().unwrap();
            assert!(
                (got - want).abs() <= IC50_REL_TOL * want,
                "{curve}: IC50 {got} vs truth {want}"
            );
            checked += 1;
        } else {
            assert!(
                ["flat", "ic50_above_range"].contains(&fit["status"].as_str()),
                "{curve}: truth IC50 {want} is above the range, status {}",
                fit["status"]
            );
        }
    }
    assert_eq!(checked, 9, "in-range single-agent IC50s checked");

    // the sign of every block's Bliss mean
    let blocks = read_csv(&out.join("synergy_blocks.csv"));
    for t in truth.iter().filter(|t| t["quantity"] == "bliss_mean") {
        let id = format!("{}/{}+{}", t["cell_line"], t["drug_a"], t["drug_b"]);
        let row = blocks
            .iter()
            .find(|b| b["block"] == id && b["model"] == "bliss")
            .unwrap_or_else(|| panic!("no Bliss row for {id}"));
        let got: f64 = row["mean"].parse().unwrap();
        match t["note"].as_str() {
            "synergy" => assert!(got > ADDITIVE_BAND, "{id}: Bliss mean {got}, truth synergy"),
            "antagonism" => assert!(
                got < -ADDITIVE_BAND,
                "{id}: Bliss mean {got}, truth antagonism"
            ),
            _ => assert!(
                got.abs() <= ADDITIVE_BAND,
                "{id}: Bliss mean {got}, truth additive"
            ),
        }
    }

    // the sensitization table names the right cell lines
    let sens = read_csv(&out.join("sensitization.csv"));
    let mut called: Vec<(String, String)> = sens
        .iter()
        .filter(|r| r["sensitized"] == "yes")
        .map(|r| (r["cell_line"].clone(), r["drug_b"].clone()))
        .collect();
    called.dedup();
    let mut want: Vec<(String, String)> = truth
        .iter()
        .filter(|t| t["quantity"] == "ic50_at_top_partner" && t["note"] == "sensitized")
        .map(|t| (t["cell_line"].clone(), t["drug_b"].clone()))
        .collect();
    want.sort();
    called.sort();
    assert_eq!(called, want);
    assert_eq!(
        want,
        vec![
            ("RES_TNF".to_owned(), "TNF-alpha".to_owned()),
            ("RES_TNF_PI3K".to_owned(), "LY294002".to_owned()),
            ("RES_TNF_PI3K".to_owned(), "TNF-alpha".to_owned()),
        ]
    );

    // the two reader flags of the demo are listed as excluded wells
    let wells = read_csv(&out.join("wells.csv"));
    let flagged: Vec<String> = wells
        .iter()
        .filter(|w| !w["flag"].is_empty())
        .map(|w| {
            format!(
                "{} {} {} {}",
                w["plate"], w["well"], w["flag"], w["exclusion_reason"]
            )
        })
        .collect();
    assert_eq!(
        flagged,
        vec![
            "SENS1_TNFalpha_r1 H12 missed flag:missed".to_owned(),
            "RES_C8_docetaxel_r3 D5 overflow flag:overflow".to_owned(),
        ]
    );

    for name in ["fits.csv", "synergy_blocks.csv", "sensitization.csv"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        insta::assert_snapshot!(name, rounded_csv(&text));
    }
    std::fs::remove_dir_all(&out).unwrap();
}

fn tables(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let ext = p
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        if matches!(ext.as_deref(), Some("csv" | "parquet")) || name == "report.html" {
            out.insert(name, std::fs::read(&p).unwrap());
        }
    }
    out
}

#[test]
fn outputs_do_not_depend_on_jobs() {
    let a = tmp("jobs1");
    let b = tmp("jobs2");
    let oa = analyze(
        &demo_dir().join("screen.toml"),
        &a,
        &["--jobs", "1", "--format", "svg"],
    );
    let ob = analyze(
        &demo_dir().join("screen.toml"),
        &b,
        &["--jobs", "2", "--format", "svg"],
    );
    assert_eq!(
        oa.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert_eq!(
        ob.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    let (ta, tb) = (tables(&a), tables(&b));
    assert!(
        ta.len() >= 15,
        "tables written: {:?}",
        ta.keys().collect::<Vec<_>>()
    );
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(
            bytes == &tb[name],
            "{name} differs between --jobs 1 and --jobs 2"
        );
    }
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

#[test]
fn one_bad_export_does_not_sink_the_batch() {
    // copy the demo, truncate one export and replace another with random bytes
    let src = demo_dir();
    let work = tmp("isolation");
    std::fs::create_dir_all(work.join("in/exports")).unwrap();
    std::fs::copy(src.join("screen.toml"), work.join("in/screen.toml")).unwrap();
    for e in std::fs::read_dir(src.join("exports")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, work.join("in/exports").join(p.file_name().unwrap())).unwrap();
    }
    let truncated = work.join("in/exports/SENS1_docetaxel_r1.txt");
    let text = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    std::fs::write(work.join("in/exports/RES_TNF_TNFalpha_r2.csv"), &junk).unwrap();
    // and a third is missing altogether
    std::fs::remove_file(work.join("in/exports/RES_C8_LY294002_r3.txt")).unwrap();

    let out = work.join("out");
    let o = analyze(&work.join("in/screen.toml"), &out, &["--no-figures"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let errors = read_csv(&out.join("errors.csv"));
    let subjects: Vec<&str> = errors.iter().map(|e| e["subject"].as_str()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("SENS1_docetaxel_r1.txt")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("RES_TNF_TNFalpha_r2.csv")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("RES_C8_LY294002_r3.txt")),
        "{subjects:?}"
    );
    assert!(
        errors
            .iter()
            .all(|e| e["kind"] == "read" && !e["message"].is_empty())
    );
    // the manifest lists the missing input with its error
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let missing = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["path"]
                .as_str()
                .unwrap()
                .ends_with("RES_C8_LY294002_r3.txt")
        })
        .unwrap();
    assert!(
        missing["error"].is_string() && missing["sha256"].is_null(),
        "{missing}"
    );
    // every other plate and every block is still there
    let plates = read_csv(&out.join("plates.csv"));
    assert_eq!(plates.len(), 33);
    let blocks = read_csv(&out.join("synergy_blocks.csv"));
    assert_eq!(blocks.iter().filter(|b| b["model"] == "bliss").count(), 12);
    // the inputs are untouched
    assert_eq!(std::fs::read(&truncated).unwrap(), &text[..text.len() / 2]);
    std::fs::remove_dir_all(&work).unwrap();
}

#[test]
fn refuses_unsafe_output_folders() {
    let src = demo_dir();
    // inside an input folder
    let o = analyze(
        &src.join("screen.toml"),
        &src.join("report"),
        &["--no-figures"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("inside the input folder"));
    assert!(!src.join("report").exists());
    // non-empty without --force
    let out = tmp("nonempty");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let o = analyze(&src.join("screen.toml"), &out, &["--no-figures"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
    assert_eq!(std::fs::read(out.join("keep.txt")).unwrap(), b"mine");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let o = Command::new(bin()).args(["analyze"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = Command::new(bin()).args(["frobnicate"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn report_html_is_self_contained() {
    let out = tmp("html");
    let o = analyze(&demo_dir().join("screen.toml"), &out, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in [
        "summary",
        "qc-warnings",
        "blocks",
        "fits",
        "sensitization",
        "options",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section {id} missing"
        );
    }
    let n_png = std::fs::read_dir(out.join("figures")).unwrap().count();
    // 12 blocks x (4 heatmaps + 1 shift plot) + 16 curves + 36 plates x 2 maps
    assert_eq!(n_png, 12 * 5 + 16 + 72);
    assert_eq!(html.matches("data:image/png;base64,").count(), n_png);
    assert!(
        !html.contains("src=\"http"),
        "the report must not load anything from the network"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 37);
    assert!(
        manifest["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "report.html")
    );
    std::fs::remove_dir_all(&out).unwrap();
}
