//! Real EnVision and BMG MARS exports from `../shared/ref/plates`, cut off in the test at every
//! line break and in the middle of every line: a truncated export must never read as a
//! complete one. Each cut either fails with an error that names the file, or reads exactly the
//! plates of the whole file (the cut only removed trailing blank lines or text after the data).
//!
//! The one cut that cannot be told from a complete export is documented in `docs/formats.md`
//! and asserted here as the only silent one: a cut inside the very last number of a file
//! that does not end with a line break (BMG MARS has no end marker).

mod common;

use platesyn_plate::{PlateFile, read_bytes};

/// What a cut must preserve: plate ids, geometries and every read (label, wavelength,
/// values). Metadata is free text (a cut inside the `Exported with ...` line shortens the
/// software name) and is not compared.
fn data(f: &PlateFile) -> Vec<String> {
    f.plates
        .iter()
        .map(|p| format!("{} {:?} {:?}", p.id, p.format, p.reads))
        .collect()
}

/// Byte offsets to cut at: before and after every line break, and mid-line. In an
/// EnVision trailer (from `Basic assay information` on: settings, no data, all held to the
/// same end-of-export rule) only every 8th line is cut, to keep the test fast.
fn cuts(bytes: &[u8]) -> Vec<usize> {
    let trailer = bytes
        .windows(23)
        .position(|w| w == b"Basic assay information")
        .unwrap_or(bytes.len());
    let mut out = Vec::new();
    let mut start = 0;
    let mut line = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || b == b'\r' {
            if i < trailer || line % 8 == 0 {
                out.extend([start + (i - start) / 2, i, i + 1]);
            }
            start = i + 1;
            line += 1;
        }
    }
    out.push(start + (bytes.len() - start) / 2);
    out.retain(|&c| c > 0 && c < bytes.len());
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `cut` falls inside the last field of the last non-blank line of `bytes`.
fn inside_last_number(bytes: &[u8], cut: usize) -> bool {
    let text = std::str::from_utf8(bytes).expect("the exports are UTF-8");
    let end = text.trim_end().len();
    let start = text[..end]
        .rfind([',', ';', '\t', '\n'])
        .map_or(0, |i| i + 1);
    (start + 1..end).contains(&cut)
}

#[test]
fn truncated_envision_and_bmg_exports_never_read_as_complete() {
    let Some(root) = common::shared_ref() else {
        return;
    };
    let mut files = 0;
    let mut checked = 0;
    let mut errors = Vec::new();
    let mut blind = Vec::new();
    for dir in ["envision_allotropy", "bmg_mars_allotropy"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join("plates").join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let Ok(full) = read_bytes(&name, &bytes, None) else {
                continue; // the error fixtures fail whole already
            };
            files += 1;
            for cut in cuts(&bytes) {
                checked += 1;
                match read_bytes(&name, &bytes[..cut], None) {
                    Err(e) => {
                        let msg = e.to_string();
                        assert!(msg.starts_with(&name), "{msg}");
                        errors.push(msg);
                    }
                    Ok(part) if data(&part) == data(&full) => {}
                    Ok(part) => {
                        let line = String::from_utf8_lossy(&bytes[..cut]).lines().count();
                        assert!(
                            inside_last_number(&bytes, cut),
                            "{name} cut at byte {cut} (line {line}) reads {} plate(s) that \
                             differ from the whole file's, without an error",
                            part.plates.len()
                        );
                        blind.push(format!("{name}@{cut}"));
                    }
                }
            }
        }
    }
    println!(
        "{files} files, {checked} cuts: {} errors, {} silent cuts inside the last number",
        errors.len(),
        blind.len()
    );
    assert_eq!(files, 16, "EnVision and BMG MARS files that read whole");
    assert!(checked > 1500, "only {checked} cuts");
    let has = |s: &str| errors.iter().any(|e| e.starts_with(s));
    // a plate section cut off before its grid
    assert!(has(
        "PE_Envision_absorbance_A450_example.csv, line 20: the plate section starting here has no data grid"
    ));
    // cut between plates, after a complete grid
    assert!(has(
        "PE_Envision_absorbance_A450_example.csv, line 18: the file ends here, in the plate \
         section that starts at line 1, without the `Exported with EnVision ...` line"
    ));
    // cut inside the second plate's grid
    assert!(has(
        "PE_Envision_absorbance_A450_example.csv, line 33: the file ends here, in the plate \
         section that starts at line 20, without the `Exported with EnVision ...` line"
    ));
    // cut inside the trailer, before the `Labels:` that give the wavelength
    assert!(has(
        "PE_Envision_absorbance_A450_example.csv, line 57: the file ends here, inside the \
         trailer that starts at line 40, without"
    ));
    // BMG: a grid cut after row I of 16
    assert!(has(
        "16-03-03_16-54-03_472_ABS_384_QC.csv, line 18: the file ends after row I of a 384-well plate (rows A-P) whose grid lists every row from A, so row J and on are missing"
    ));
    // BMG 1536: sparse rows (one in 6) cut after row S
    assert!(has(
        "24-10-16_15-09-52_Luminescence_1536.csv, line 13: the file ends after row S of a 1536-well plate (rows A-AF) whose grid lists one row in 6 from A, so row Y and on are missing"
    ));
    // BMG: a grid header with no rows; a row cut in the middle of its numbers
    assert!(has(
        "BMG_Labtech_format.CSV, line 9: the grid header of `Raw Data (450 1)` has no rows \
         after it"
    ));
    assert!(has(
        "16-03-03_16-54-03_472_ABS_384_QC.csv, line 25: the file ends inside this row, \
         without a line break and with"
    ));
}
