//! Tidy rows for `platesyn read`: one row per file, plate, read and well.

use std::io;

use crate::model::{Flag, PlateFile};

/// Column names of the tidy table, in order.
pub const TIDY_COLUMNS: [&str; 8] = [
    "file", "plate", "well", "row", "col", "read", "value", "flag",
];

/// One well of one read of one plate.
#[derive(Debug, Clone, PartialEq)]
pub struct TidyRow {
    /// The file as the caller named it ([`PlateFile::source`]).
    pub file: String,
    /// Plate id.
    pub plate: String,
    /// Well, unpadded (`A1`).
    pub well: String,
    /// Row letters (`A`, `AF`).
    pub row: String,
    /// 1-based column.
    pub col: u16,
    /// The read: its wavelength in nm when known (`450`), else its label.
    pub read: String,
    /// The reading in the read's own unit (absorbance/OD for absorbance reads); `None` when flagged.
    pub value: Option<f64>,
    /// Why there is no number, when there is none.
    pub flag: Option<Flag>,
}

/// Every covered well of every read of every plate, in file, plate, read and row-major
/// well order. Wells a read does not cover are omitted; flagged wells have `value: None`.
pub fn tidy_rows(file: &PlateFile) -> Vec<TidyRow> {
    let mut out = Vec::new();
    for plate in &file.plates {
        for read in &plate.reads {
            let read_name = read.name();
            for well in plate.format.wells() {
                let Some(value) = plate.value(read, well) else {
                    continue;
                };
                out.push(TidyRow {
                    file: file.source.clone(),
                    plate: plate.id.clone(),
                    well: well.to_string(),
                    row: well.row_label(),
                    col: well.col_number(),
                    read: read_name.clone(),
                    value: value.number(),
                    flag: value.flag(),
                });
            }
        }
    }
    out
}

/// Write tidy rows as CSV with a [`TIDY_COLUMNS`] header. Numbers are written the shortest
/// way that round-trips; an absent value or flag is an empty cell.
pub fn write_tidy_csv<W: io::Write>(rows: &[TidyRow], writer: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(TIDY_COLUMNS)?;
    for r in rows {
        let col = r.col.to_string();
        let value = r.value.map(|x| format!("{x}")).unwrap_or_default();
        let flag = r.flag.map(Flag::name).unwrap_or_default();
        w.write_record([
            r.file.as_str(),
            r.plate.as_str(),
            r.well.as_str(),
            r.row.as_str(),
            col.as_str(),
            r.read.as_str(),
            value.as_str(),
            flag,
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Plate, Read, SourceFormat, Value};
    use crate::well::{PlateFormat, WellId};

    #[test]
    fn rows_skip_uncovered_wells_and_split_flags() {
        let f = PlateFormat::W96;
        let mut read = Read::new("Read 1:450", Some(450.0), f);
        read.values[f.index(WellId::new(0, 0)).unwrap()] = Some(Value::Number(0.125));
        read.values[f.index(WellId::new(7, 11)).unwrap()] = Some(Value::Flag(Flag::Overflow));
        let mut plate = Plate::new("P1", f);
        plate.reads.push(read);
        let file = PlateFile {
            source: "x.txt".into(),
            format: SourceFormat::Grid,
            plates: vec![plate],
        };
        let rows = tidy_rows(&file);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].well, "A1");
        assert_eq!(rows[0].read, "450");
        assert_eq!(rows[0].value, Some(0.125));
        assert_eq!(rows[1].row, "H");
        assert_eq!(rows[1].col, 12);
        assert_eq!(rows[1].value, None);
        assert_eq!(rows[1].flag, Some(Flag::Overflow));
        let mut buf = Vec::new();
        write_tidy_csv(&rows, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "file,plate,well,row,col,read,value,flag\n\
             x.txt,P1,A1,A,1,450,0.125,\n\
             x.txt,P1,H12,H,12,450,,overflow\n"
        );
    }
}
