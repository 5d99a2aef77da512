//! Fuzz target `layout_plater`: `Layout::from_plater_str` (plater-style CSV layouts).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = platesyn_plate::Layout::from_plater_str("fuzz.csv", s);
    }
});
