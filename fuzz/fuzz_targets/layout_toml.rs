//! Fuzz target `layout_toml`: `Layout::from_toml_str` (wellmap-style TOML layouts).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = platesyn_plate::Layout::from_toml_str("fuzz.toml", s);
    }
});
