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

#[test]
fn softmax_xml_detection_cuts_its_4_kib_window_on_a_character_boundary() {
    // found by the `sniff` and `softmax` targets: a multi-byte character straddling byte
    // 4096 of a file starting like SoftMax Pro XML panicked the detector (`&str[..4096]`)
    for pad in 4090..4100 {
        let text = format!("<?xml{}爀 <PlateSections>", " ".repeat(pad));
        let r = read_bytes("straddle.xml", text.as_bytes(), None);
        // not a real export: refused with a message naming the file, never a panic
        let err = r.expect_err("not an export");
        assert!(err.to_string().contains("straddle.xml"), "{err}");
    }
}
