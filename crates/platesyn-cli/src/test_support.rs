//! Helpers shared by the unit tests of the command modules.

use std::path::Path;

pub use platesyn_plate::testing::shared_ref;

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
