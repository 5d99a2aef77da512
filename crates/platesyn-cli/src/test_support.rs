//! Helpers shared by the unit tests of the command modules.

use std::path::{Path, PathBuf};

/// `../shared/ref`, or `None` (with "skipped: no ../shared") when missing; panics under
/// `CI=true`.
pub fn shared_ref() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ref");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but ../shared/ref is missing at {}",
        p.display()
    );
    eprintln!("skipped: no ../shared");
    None
}

/// A CSV output read back: header and rows as text.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("output readable");
    let h = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("row").iter().map(str::to_owned).collect())
        .collect();
    (h, rows)
}
