//! Fuzz target `xlsx`: bytes through the xlsx/xls sheet loader, then every workbook-based parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use platesyn_plate::SourceFormat;
use platesyn_plate::formats::{Input, parse_as, sheet};

fuzz_target!(|data: &[u8]| {
    // The loader itself, whatever the magic bytes say.
    let _ = sheet::load("fuzz.xlsx", data);
    if let Ok(input) = Input::new("fuzz.xlsx", data) {
        if input.workbook.is_some() {
            for f in [
                SourceFormat::Gen5,
                SourceFormat::TecanIControl,
                SourceFormat::TecanMagellan,
                SourceFormat::BmgSmartControl,
                SourceFormat::SkanIt,
                SourceFormat::Multiskan,
            ] {
                let _ = parse_as(f, &input);
            }
        }
    }
});
