//! `platesyn layout` on a layout of more plates than it resolves at a time: every plate's
//! wells in file order, and a key only the last plate uses is still a column of every row.

use std::fmt::Write as _;
use std::process::Command;

use platesyn_plate::layout::LAYOUT_KEYS;

/// Plates in the layout: more than the 256 `platesyn layout` resolves at a time.
const PLATES: usize = 300;

#[test]
fn plates_resolved_in_chunks_give_every_row_and_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("[expt]\nunit = 'nM'\n[well.'A1,A2']\nrole = 'sample'\ndrug_a = 'x'\n");
    for k in 0..PLATES {
        let _ = write!(
            text,
            "[plate.P{k}]\nreplicate = {k}\n[plate.P{k}.well.A2]\nconc_a = {k}\n"
        );
    }
    let _ = write!(text, "[plate.P{}.well.A1]\nnote = 'bubble'\n", PLATES - 1);
    let path = dir.path().join("big.toml");
    std::fs::write(&path, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_platesyn"))
        .arg("layout")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let mut want: Vec<&str> = vec!["plate", "well", "row", "col"];
    want.extend(LAYOUT_KEYS);
    want.push("note");
    assert_eq!(header, want);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2 * PLATES);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let k = i / 2;
        assert_eq!(&r[0], format!("P{k}"));
        assert_eq!(&r[1], if i % 2 == 0 { "A1" } else { "A2" });
        assert_eq!(&r[col("replicate")], k.to_string());
        assert_eq!(&r[col("drug_a")], "x");
        let conc = if i % 2 == 1 {
            k.to_string()
        } else {
            String::new()
        };
        assert_eq!(&r[col("conc_a")], conc);
        let note = if k == PLATES - 1 && i % 2 == 0 {
            "bubble"
        } else {
            ""
        };
        assert_eq!(&r[col("note")], note, "row {i}");
    }
}
