//! Writers for two vendor export shapes (BioTek Gen5 text, BMG MARS CSV), used by
//! `platesyn simulate` to produce realistic inputs and by round-trip tests.
//!
//! The writers follow the layout of real exports in `../shared/ref/plates/`: a Gen5
//! "Results" grid whose rows end with the read label (`490:490`), and a MARS CSV with a
//! `Raw Data (490)` title above a comma-separated grid.

use std::fmt::Write as _;

use crate::model::{Flag, Plate, Read, Value};
use crate::well::{WellId, row_label};

/// Token written for a flagged well in Gen5 text.
fn gen5_token(flag: Flag) -> &'static str {
    match flag {
        Flag::Overflow => "OVRFLW",
        Flag::Missed => "MISSED",
        Flag::CalcFailed => "?????",
        Flag::OutOfRangeLow => "<0.000",
        Flag::OutOfRangeHigh => ">4.000",
        Flag::Masked => "Masked",
        Flag::Nan => "NaN",
        Flag::Empty => "",
    }
}

/// Token written for a flagged well in MARS CSV.
fn bmg_token(flag: Flag) -> &'static str {
    match flag {
        Flag::Overflow => "OVER",
        Flag::Missed | Flag::CalcFailed | Flag::Nan => "NaN",
        Flag::OutOfRangeLow => "<0.000",
        Flag::OutOfRangeHigh => ">4.000",
        Flag::Masked => "Masked",
        Flag::Empty => "",
    }
}

fn cell(plate: &Plate, read: &Read, well: WellId, token: fn(Flag) -> &'static str) -> String {
    match plate.value(read, well) {
        Some(Value::Number(x)) => format!("{x:.4}"),
        Some(Value::Flag(f)) => token(f).to_owned(),
        None => String::new(),
    }
}

/// The read's label in exports: the wavelength in nm when known, else the label.
fn read_label(read: &Read) -> String {
    read.name()
}

/// Write `plate` as a BioTek Gen5 plain-text (tab-separated, CRLF) endpoint export.
/// `metadata` keys `date` and `time` are used when present.
pub fn gen5_text(plate: &Plate) -> String {
    let mut s = String::new();
    let date = plate
        .metadata
        .get("date")
        .map_or("1/1/2026", String::as_str);
    let time = plate
        .metadata
        .get("time")
        .map_or("12:00:00 PM", String::as_str);
    let nl = "\r\n";
    let _ = write!(s, "{nl}{nl}Software Version\t3.12.08{nl}{nl}{nl}{nl}");
    let _ = write!(
        s,
        "Experiment File Path:\t{nl}Protocol File Path:\tplatesyn-simulate.prt{nl}{nl}{nl}{nl}"
    );
    let _ = write!(
        s,
        "Plate Number\t{}{nl}Date\t{date}{nl}Time\t{time}{nl}",
        plate.id
    );
    let _ = write!(
        s,
        "Reader Type:\tSynergy H1{nl}Reader Serial Number:\tSIMULATED{nl}Reading Type\tSimulation{nl}{nl}"
    );
    let _ = write!(
        s,
        "Procedure Details{nl}{nl}Plate Type\t{} WELL PLATE{nl}",
        plate.format.well_count()
    );
    let wavelengths: Vec<String> = plate.reads.iter().map(read_label).collect();
    let _ = write!(
        s,
        "Read\tabs{}{nl}\tAbsorbance Endpoint{nl}\tFull Plate{nl}\tWavelengths:  {}{nl}\tRead Speed: Normal,  Delay: 100 msec,  Measurements/Data Point: 8{nl}{nl}",
        wavelengths.join(","),
        wavelengths.join(", ")
    );
    let _ = write!(s, "Results{nl}");
    for c in 1..=plate.format.cols {
        let _ = write!(s, "\t{c}");
    }
    s.push_str(nl);
    for r in 0..plate.format.rows {
        for (i, read) in plate.reads.iter().enumerate() {
            if i == 0 {
                s.push_str(&row_label(r));
            }
            for c in 0..plate.format.cols {
                s.push('\t');
                s.push_str(&cell(plate, read, WellId::new(r, c), gen5_token));
            }
            let label = read_label(read);
            let _ = write!(s, "\tabs{label}:{label}{nl}");
        }
    }
    s.push_str(nl);
    s
}

/// Write `plate` as a BMG LABTECH MARS CSV endpoint export (CRLF, one `Raw Data (nm)` grid per read).
pub fn bmg_mars_csv(plate: &Plate) -> String {
    let mut s = String::new();
    let nl = "\r\n";
    let date = plate
        .metadata
        .get("date")
        .map_or("1/1/2026", String::as_str);
    let time = plate
        .metadata
        .get("time")
        .map_or("12:00:00 PM", String::as_str);
    let _ = write!(
        s,
        "User: USER,Path: C:\\Program Files (x86)\\BMG\\CLARIOstar\\User\\Data,Test run no.: 1{nl}"
    );
    let _ = write!(
        s,
        "Test name: platesyn simulate,Date: {date},Time: {time}{nl}{nl}"
    );
    let _ = write!(s, "ID1: {},{nl}Absorbance{nl}{nl}", plate.id);
    for read in &plate.reads {
        let _ = write!(s, "Raw Data ({}){nl}{nl}", read_label(read));
        for c in 1..=plate.format.cols {
            let _ = write!(s, ",{c}");
        }
        let _ = write!(s, ",{nl}");
        for r in 0..plate.format.rows {
            s.push_str(&row_label(r));
            for c in 0..plate.format.cols {
                s.push(',');
                s.push_str(&cell(plate, read, WellId::new(r, c), bmg_token));
            }
            s.push_str(nl);
        }
        s.push_str(nl);
    }
    s
}
