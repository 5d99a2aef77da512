//! Arbitrary input never panics: bytes into `read_bytes`, text lines into the grid, long-table
//! and layout parsers.

use platesyn_plate::{Layout, SourceFormat, read_bytes};
use proptest::prelude::*;
use std::fmt::Write as _;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn read_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = read_bytes("fuzz.bin", &bytes, None);
        let _ = read_bytes("fuzz.bin", &bytes, Some(SourceFormat::Grid));
        let _ = read_bytes("fuzz.bin", &bytes, Some(SourceFormat::Long));
    }

    #[test]
    fn text_lines_never_panic(
        lines in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    Just(String::new()),
                    Just("A".to_owned()), Just("B".to_owned()), Just("I".to_owned()),
                    Just("well".to_owned()), Just("value".to_owned()), Just("plate".to_owned()),
                    Just("row".to_owned()), Just("col".to_owned()), Just("read".to_owned()),
                    Just("OVRFLW".to_owned()), Just("?????".to_owned()), Just("<0.1".to_owned()),
                    (1u32..50).prop_map(|n| n.to_string()),
                    "[A-Z]{1,2}[0-9]{1,3}",
                    "-?[0-9]{1,3}[.,][0-9]{0,3}",
                    "\\PC{0,6}",
                ],
                0..14,
            ),
            0..30,
        ),
        delim in prop_oneof![Just(","), Just(";"), Just("\t")],
        eol in prop_oneof![Just("\n"), Just("\r\n")],
    ) {
        let text: String = lines.iter().map(|l| l.join(delim)).collect::<Vec<_>>().join(eol);
        let _ = read_bytes("fuzz.csv", text.as_bytes(), None);
        let _ = read_bytes("fuzz.csv", text.as_bytes(), Some(SourceFormat::Grid));
        let _ = read_bytes("fuzz.csv", text.as_bytes(), Some(SourceFormat::Long));
        let _ = Layout::from_plater_str("fuzz.csv", &text);
    }

    #[test]
    fn toml_layouts_never_panic(
        sections in proptest::collection::vec(
            (
                prop_oneof![
                    Just("row"), Just("col"), Just("well"), Just("block.2x3"), Just("block.70000x2"),
                    Just("series"), Just("expt"), Just("plate.p"), Just("meta"), Just("irow"),
                ],
                "[A-Za-z0-9,.\\-]{0,12}",
                proptest::collection::vec(
                    (
                        prop_oneof![
                            Just("role"), Just("conc_a"), Just("conc_b"), Just("top"), Just("factor"),
                            Just("count"), Just("along"), Just("start"), Just("span"), Just("wells"),
                            Just("paths"), Just("x"),
                        ],
                        prop_oneof![
                            (-5i64..100).prop_map(|n| n.to_string()),
                            "'[A-Za-z0-9\\-,]{0,6}'",
                            Just("true".to_owned()),
                            Just("0.5".to_owned()),
                            Just("['a.txt']".to_owned()),
                        ],
                    ),
                    0..5,
                ),
            ),
            0..8,
        ),
    ) {
        let mut text = String::new();
        for (kind, pat, kvs) in sections {
            if kind == "expt" || kind == "meta" {
                writeln!(text, "[{kind}]").unwrap();
            } else {
                writeln!(text, "[{kind}.'{pat}']").unwrap();
            }
            for (k, v) in kvs {
                writeln!(text, "{k} = {v}").unwrap();
            }
        }
        let _ = Layout::from_toml_str("fuzz.toml", &text);
    }
}
