//! Table-driven bad inputs: each fails with an error naming the file and the line or well
//! (or, for whole-file problems, the file and what is wrong).

use platesyn_plate::{Layout, read_bytes};
use std::fmt::Write as _;

enum Kind {
    /// `read_bytes` (format detected)
    Data,
    /// `Layout::from_toml_str`
    Toml,
    /// `Layout::from_plater_str`
    Plater,
}

fn grid96(rows: usize, cols: usize, value: &str) -> String {
    let mut s = String::from("OD450");
    for c in 1..=cols {
        write!(s, ",{c}").unwrap();
    }
    s.push('\n');
    for r in 0..rows {
        s.push(char::from(b'A' + r as u8));
        for _ in 0..cols {
            s.push(',');
            s.push_str(value);
        }
        s.push('\n');
    }
    s
}

fn utf16_no_bom(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

struct Case {
    name: &'static str,
    kind: Kind,
    bytes: Vec<u8>,
    /// fragments the message must contain (besides the file name)
    want: Vec<String>,
}

fn case(name: &'static str, kind: Kind, text: impl Into<Vec<u8>>, want: &[&str]) -> Case {
    Case {
        name,
        kind,
        bytes: text.into(),
        want: want.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn cases() -> Vec<Case> {
    let g = grid96(8, 12, "0.5");
    let mut two_sizes = g.clone();
    two_sizes.push('\n');
    two_sizes.push_str(&grid96(16, 24, "1"));
    let roles = "role,1,2,3\nA,sample,sampel,blank\nB,,,\n";
    vec![
        case("empty file", Kind::Data, "", &["empty"]),
        case("blank lines only", Kind::Data, "\n \r\n\t\n", &["empty"]),
        case(
            "binary bytes",
            Kind::Data,
            vec![0u8, 159, 146, 150, 0, 1, 2, 3],
            &["binary"],
        ),
        case(
            "UTF-16 without BOM",
            Kind::Data,
            utf16_no_bom(&g),
            &["byte-order mark"],
        ),
        case(
            "unrecognized text",
            Kind::Data,
            "hello world\nthis is not a plate\n",
            &["unrecognized"],
        ),
        case(
            "truncated grid",
            Kind::Data,
            grid96(5, 12, "0.5"),
            &["line 6:", "truncated grid", "expected row F"],
        ),
        case(
            "truncated line",
            Kind::Data,
            g.replacen(
                "C,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5",
                "C,0.5,0.5",
                1,
            ),
            &["line 4:", "row C has 2 cells"],
        ),
        case(
            "13 columns on a 96 plate",
            Kind::Data,
            g.clone().replacen("0.5\nC", "0.5,0.7\nC", 1),
            &["line 3:", "column 13", "only 12 columns"],
        ),
        case(
            "row I on a 96 plate",
            Kind::Data,
            format!("{g}I,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2\n"),
            &["line 10:", "row I is outside", "A-H"],
        ),
        case(
            "rows out of order",
            Kind::Data,
            g.replacen("B,", "C,", 1),
            &["line 3:", "expected row label B"],
        ),
        case(
            "junk value in grid",
            Kind::Data,
            g.replacen("D,0.5,0.5", "D,0.5,1.2.3", 1),
            &["line 5, well D2", "`1.2.3`"],
        ),
        case(
            "header with 11 columns",
            Kind::Data,
            grid96(8, 11, "1"),
            &["line 1:", "11 columns"],
        ),
        case(
            "grids of two sizes",
            Kind::Data,
            two_sizes,
            &["line 11:", "384-well", "96-well"],
        ),
        case(
            "long: duplicate well",
            Kind::Data,
            "well,value\nA1,0.1\nB1,0.2\nA01,0.3\n",
            &["line 4, well A1", "already given at line 2"],
        ),
        case(
            "long: duplicate well per plate and read",
            Kind::Data,
            "plate,well,read,value\np,A1,450,1\np,A1,600,2\np,A1,450,3\n",
            &["line 4, well A1", "line 2"],
        ),
        case(
            "long: junk value",
            Kind::Data,
            "well,value\nA1,0.1\nB7,high\n",
            &["line 3, well B7", "`high`"],
        ),
        case(
            "long: bad well",
            Kind::Data,
            "well,value\nA1,0.1\nA0,0.2\n",
            &["line 3:", "`A0` is not a well"],
        ),
        case(
            "long: column 0",
            Kind::Data,
            "row,col,value\nA,1,0.1\nB,0,0.2\n",
            &["line 3:", "`0` is not a column"],
        ),
        case(
            "long: well beyond 1536",
            Kind::Data,
            "well,value\nA1,1\nAG1,2\n",
            &["line 3, well AG1", "outside a 1536-well plate"],
        ),
        case(
            "long: truncated line",
            Kind::Data,
            "well,plate,value\nA1,p,1\nA2,p\n",
            &["line 3:", "truncated line"],
        ),
        case(
            "long: semicolons, junk with decimal commas",
            Kind::Data,
            "well;value\nA1;0,5\nA2;1,2,3\n",
            &["line 3, well A2", "`1,2,3`"],
        ),
        case(
            "TOML syntax error",
            Kind::Toml,
            "[row.A]\nx = \n",
            &["line 2:", "not valid TOML"],
        ),
        case(
            "unknown role",
            Kind::Toml,
            "[row.B]\nrole = 'sampel'\n[col.1]\nx = 1\n",
            &["line 1, well B1", "[row.B]", "unknown role `sampel`"],
        ),
        case(
            "conflicting concentrations (rows)",
            Kind::Toml,
            "[row.'A-C']\nconc_a = 1\n[row.B]\nconc_a = 2\n[col.1]\nx = 1\n",
            &["line 3:", "conflicting concentrations for row B", "conc_a"],
        ),
        case(
            "conflicting concentrations (wells)",
            Kind::Toml,
            "[well.'A1-B2']\nconc_b = 5\n[well.B2]\nconc_b = 6\n",
            &["well B2", "conflicting concentrations", "line "],
        ),
        case(
            "concentration not a number",
            Kind::Toml,
            "[well.A1]\nconc_a = 'ten'\n",
            &["line 1, well A1", "conc_a must be a number"],
        ),
        case(
            "row outside the plate",
            Kind::Toml,
            "[meta]\nwells = 96\n[row.I]\nx = 1\n[col.1]\ny = 2\n",
            &["line 3:", "row I is outside the 96-well"],
        ),
        case(
            "well range outside the plate",
            Kind::Toml,
            "[meta]\nwells = 96\n[well.'A11-B13']\nx = 1\n",
            &["line 3, well A13", "outside the 96-well"],
        ),
        case(
            "block outside the plate",
            Kind::Toml,
            "[meta]\nwells = 24\n[block.2x2.D6]\nx = 1\n",
            &["line 3, well D6", "beyond the 24-well"],
        ),
        case(
            "bad pattern",
            Kind::Toml,
            "[row.'C-A']\nx = 1\n[col.1]\ny = 1\n",
            &["line 1:", "first < last"],
        ),
        case(
            "irregular block size",
            Kind::Toml,
            "[block.3by2.A1]\nx = 1\n",
            &["line 1:", "unknown block size"],
        ),
        case(
            "bad series factor",
            Kind::Toml,
            "[series.drug_a]\ntop = 10\nfactor = 0.5\ncount = 3\nalong = 'rows'\nstart = 'B'\n[col.1]\nx=1\n",
            &["line 1:", "factor"],
        ),
        case(
            "series vs row conflict",
            Kind::Toml,
            "[series.conc_a]\ntop = 10\nfactor = 2\ncount = 3\nalong = 'rows'\nstart = 'B'\n[row.C]\nconc_a = 1\n[col.1]\nx = 1\n",
            &["line ", "conflicting concentrations for row C"],
        ),
        case(
            "bad plate size",
            Kind::Toml,
            "[meta]\nwells = 95\n[well.A1]\nx = 1\n",
            &["line 1:", "`wells` must be"],
        ),
        case(
            "rows without columns",
            Kind::Toml,
            "[row.A]\nx = 1\n",
            &["no columns", "no wells defined"],
        ),
        case(
            "plater: unknown role",
            Kind::Plater,
            roles,
            &["line 2, well A2", "unknown role `sampel`"],
        ),
        case(
            "plater: concentration junk",
            Kind::Plater,
            "conc_a,1,2,3\nA,1,2,x\nB,,,\n",
            &["line 2, well A3", "conc_a must be a number"],
        ),
        case(
            "plater: two blank lines",
            Kind::Plater,
            "k,1,2,3\nA,1,2,3\nB,1,2,3\n\n\nm,1,2,3\nA,1,2,3\nB,1,2,3\n",
            &["line 5:", "two blank lines"],
        ),
        case(
            "plater: all empty",
            Kind::Plater,
            "k,1,2,3\nA,,,\nB,,,\n",
            &["no wells"],
        ),
    ]
}

#[test]
fn every_bad_input_names_file_and_place() {
    let cases = cases();
    assert!(cases.len() >= 25);
    for c in cases {
        let source = format!("bad/{}.txt", c.name.replace([' ', ':', '(', ')', ','], "_"));
        let err = match c.kind {
            Kind::Data => read_bytes(&source, &c.bytes, None).map(|_| ()),
            Kind::Toml => {
                Layout::from_toml_str(&source, std::str::from_utf8(&c.bytes).unwrap()).map(|_| ())
            }
            Kind::Plater => {
                Layout::from_plater_str(&source, std::str::from_utf8(&c.bytes).unwrap()).map(|_| ())
            }
        }
        .expect_err(c.name)
        .to_string();
        assert!(err.starts_with(&source), "{}: {err}", c.name);
        for w in &c.want {
            assert!(err.contains(w.as_str()), "{}: want `{w}` in: {err}", c.name);
        }
    }
}
