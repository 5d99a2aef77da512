//! Fuzz target `grid`: the `SourceFormat::Grid` parser via `parse_as` on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use platesyn_plate::SourceFormat;
use platesyn_plate::formats::{Input, parse_as};

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = Input::new("fuzz.txt", data) {
        let _ = parse_as(SourceFormat::Grid, &input);
    }
});
