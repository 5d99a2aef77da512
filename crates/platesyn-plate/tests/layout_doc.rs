//! The combination-screen example of docs/layout.md, resolved exactly as written there,
//! and bound to export plates.

mod common;

use std::path::PathBuf;

use platesyn_plate::{
    BindError, ExclusionReason, Layout, Plate, PlateFormat, Read, Role, Value, WellId, bind,
};

fn example() -> (String, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/layout.md");
    let doc = std::fs::read_to_string(&root).expect("docs/layout.md");
    let start = doc.find("<!-- combination-example").expect("marker");
    let rest = &doc[start..];
    let open = rest.find("```toml\n").expect("toml block") + "```toml\n".len();
    let close = rest[open..].find("```").expect("block end");
    (
        root.display().to_string(),
        rest[open..open + close].to_owned(),
    )
}

fn w(s: &str) -> WellId {
    WellId::parse(s).unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= common::CONC_RTOL * b.abs().max(1e-300) || a == b)
}

#[test]
fn combination_example_resolves() {
    let (source, text) = example();
    let layout = Layout::from_toml_str(&source, &text).unwrap();
    assert_eq!(layout.plates.len(), 1);
    let p = &layout.plates[0];
    assert_eq!(p.format, PlateFormat::W96);
    assert!(p.format_explicit);
    assert_eq!(p.wells.len(), 96);
    assert!(
        p.paths[0].ends_with("docs/hct116_doxo_olap.txt"),
        "{:?}",
        p.paths
    );
    let b2 = &p.wells[&w("B2")];
    assert_eq!(b2.drug_a.as_deref(), Some("Doxorubicin"));
    assert_eq!(b2.drug_b.as_deref(), Some("Olaparib"));
    assert_eq!(b2.conc_a, Some(10.0));
    assert_eq!(b2.conc_b, Some(40.0));
    assert_eq!(b2.unit.as_deref(), Some("uM"));
    assert_eq!(b2.cell_line.as_deref(), Some("HCT116"));
    assert_eq!(b2.effective_role(), Role::Sample);
    let c3 = &p.wells[&w("C3")];
    assert!(close(c3.conc_a, 10.0 / 3.0));
    assert!(close(c3.conc_b, 20.0));
    let f2 = &p.wells[&w("F2")];
    assert!(close(f2.conc_a, 10.0 / 81.0));
    let g10 = &p.wells[&w("G10")];
    assert_eq!(g10.conc_a, Some(0.0));
    assert!(close(g10.conc_b, 40.0 / 256.0));
    let b11 = &p.wells[&w("B11")];
    assert_eq!(b11.conc_b, Some(0.0));
    assert_eq!(b11.conc_a, Some(10.0));
    for r in ["B", "C", "D", "E", "F", "G"] {
        let c1 = &p.wells[&w(&format!("{r}1"))];
        assert_eq!(c1.role, Some(Role::Untreated));
        assert_eq!(
            (c1.conc_a, c1.conc_b, c1.drug_a.as_deref()),
            (None, None, None)
        );
        assert_eq!(p.wells[&w(&format!("{r}12"))].role, Some(Role::Blank));
    }
    for c in 1..=12 {
        assert_eq!(p.wells[&w(&format!("A{c}"))].role, Some(Role::Empty));
        assert_eq!(p.wells[&w(&format!("H{c}"))].role, Some(Role::Empty));
    }
    let samples = p
        .wells
        .values()
        .filter(|i| i.effective_role() == Role::Sample)
        .count();
    assert_eq!(samples, 60);
}

fn plate_with(format: PlateFormat, skip: &[&str]) -> Plate {
    let mut read = Read::new("490", Some(490.0), format);
    for well in format.wells() {
        if !skip.contains(&well.to_string().as_str()) {
            let i = format.index(well).unwrap();
            read.values[i] = Some(Value::Number(f64::from(well.row * 100 + well.col)));
        }
    }
    let mut plate = Plate::new("P1", format);
    plate.reads.push(read);
    plate
}

#[test]
fn binding_the_example() {
    let (source, text) = example();
    let layout = Layout::from_toml_str(&source, &text).unwrap();
    let lp = &layout.plates[0];
    let b = bind(lp, &plate_with(PlateFormat::W96, &["C5", "H12"]), None).unwrap();
    assert_eq!(b.read, "490");
    assert_eq!(b.wells.len(), 94);
    assert_eq!(b.excluded.len(), 2);
    assert_eq!(b.excluded[0].well, w("C5"));
    assert_eq!(b.excluded[0].reason, ExclusionReason::NotRead);
    assert!(b.unlabelled.is_empty());
    let d4 = b.wells.iter().find(|x| x.well == w("D4")).unwrap();
    assert_eq!(d4.value, Value::Number(303.0));
    assert!(close(d4.info.conc_a, 10.0 / 9.0));
    let err = bind(lp, &plate_with(PlateFormat::W384, &[]), None).unwrap_err();
    assert!(matches!(err, BindError::FormatMismatch { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("96-well") && msg.contains("384-well") && msg.contains("P1"),
        "{msg}"
    );
}

#[test]
fn inferred_layouts_bind_to_any_plate_holding_them() {
    let layout =
        Layout::from_toml_str("l.toml", "[row.A]\nrole='blank'\n[col.'1-3']\nx=1\n").unwrap();
    let lp = &layout.plates[0];
    assert!(!lp.format_explicit);
    assert_eq!(lp.wells.len(), 3);
    let b = bind(lp, &plate_with(PlateFormat::W384, &[]), Some("490")).unwrap();
    assert_eq!(b.wells.len(), 3);
    assert_eq!(b.unlabelled.len(), 381);
    let small = Layout::from_toml_str("l.toml", "[well.H12]\nrole='blank'\n").unwrap();
    let err = bind(&small.plates[0], &plate_with(PlateFormat::W24, &[]), None).unwrap_err();
    assert!(matches!(err, BindError::WellOutside { .. }), "{err}");
    let err = bind(lp, &plate_with(PlateFormat::W96, &[]), Some("600")).unwrap_err();
    assert!(err.to_string().contains("no read `600`"), "{err}");
}
