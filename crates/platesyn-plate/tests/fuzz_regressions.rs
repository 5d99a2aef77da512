//! Inputs the fuzzers found (see `tests/fuzz/README.md`): each must now give a clear result
//! (here: an error naming the file and line) instead of a crash, a hang or unbounded memory.

use platesyn_plate::read_bytes;

#[test]
fn envision_grid_that_consumes_no_line_is_an_error_not_an_endless_loop() {
    let bytes = include_bytes!("fuzz/envision_stalled_grid.csv");
    let err = read_bytes("envision_stalled_grid.csv", bytes, None)
        .expect_err("a mangled export is refused");
    let msg = err.to_string();
    assert!(
        msg.contains("envision_stalled_grid.csv") && msg.contains("line 80"),
        "{msg}"
    );
}
