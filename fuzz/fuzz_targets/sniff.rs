//! Fuzz target `sniff`: format sniffing and dispatch through `read_bytes(name, bytes, None)`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = platesyn_plate::read_bytes("fuzz.bin", data, None);
});
