//! `platesyn read` on a folder of mixed vendor files: one table, the `file` column telling the
//! source of each row; an unreadable file is reported and does not stop the others (exit 1).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn mixed_folder_with_one_bad_file() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/exports");
    let dir = std::env::temp_dir().join(format!("platesyn-read-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // a Gen5 text export, a BMG MARS CSV export and a file of junk
    std::fs::copy(demo.join("SENS1_TNFalpha_r1.txt"), dir.join("a_gen5.txt")).unwrap();
    std::fs::copy(demo.join("SENS1_TNFalpha_r2.csv"), dir.join("b_bmg.csv")).unwrap();
    std::fs::write(dir.join("c_bad.csv"), b"this is not a plate\nat all\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_platesyn"))
        .arg("read")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("c_bad.csv"), "{stderr}");
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "file", "plate", "well", "row", "col", "read", "value", "flag"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 192);
    assert_eq!(
        rows.iter().filter(|r| r[0].ends_with("a_gen5.txt")).count(),
        96
    );
    assert_eq!(
        rows.iter().filter(|r| r[0].ends_with("b_bmg.csv")).count(),
        96
    );
    // the missed well of the Gen5 file is a flag with an empty value, never a zero
    let h12 = rows
        .iter()
        .find(|r| r[0].ends_with("a_gen5.txt") && &r[2] == "H12")
        .unwrap();
    assert_eq!((&h12[5], &h12[6], &h12[7]), ("490", "", "missed"));
    std::fs::remove_dir_all(&dir).unwrap();
}
