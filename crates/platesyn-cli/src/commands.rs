//! `platesyn read` and `platesyn layout`: ingest to tidy tables.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use platesyn_plate::layout::LAYOUT_KEYS;
use platesyn_plate::{LazyLayout, PlateLayout, SourceFormat, TIDY_COLUMNS, read_path, tidy_rows};

use crate::fsutil;

/// `platesyn read FILE... [--out PATH] [--format F]`.
pub fn read(files: &[PathBuf], out: Option<&Path>, format: Option<&str>) -> Result<ExitCode> {
    let format = format
        .map(|f| {
            SourceFormat::from_name(f).with_context(|| {
                let names: Vec<&str> = SourceFormat::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown --format {f:?}; expected one of {}",
                    names.join(", ")
                )
            })
        })
        .transpose()?;
    let files = fsutil::expand_inputs(files)?;
    let mut rows = Vec::new();
    let mut failed = 0usize;
    for path in &files {
        match read_path(path, format) {
            Ok(file) => rows.extend(tidy_rows(&file)),
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    let mut table = platesyn_report::Table::new();
    table
        .push_str(TIDY_COLUMNS[0], rows.iter().map(|r| Some(r.file.clone())))?
        .push_str(TIDY_COLUMNS[1], rows.iter().map(|r| Some(r.plate.clone())))?
        .push_str(TIDY_COLUMNS[2], rows.iter().map(|r| Some(r.well.clone())))?
        .push_str(TIDY_COLUMNS[3], rows.iter().map(|r| Some(r.row.clone())))?
        .push_i64(TIDY_COLUMNS[4], rows.iter().map(|r| Some(i64::from(r.col))))?
        .push_str(TIDY_COLUMNS[5], rows.iter().map(|r| Some(r.read.clone())))?
        .push_f64(TIDY_COLUMNS[6], rows.iter().map(|r| r.value))?
        .push_str(
            TIDY_COLUMNS[7],
            rows.iter().map(|r| r.flag.map(platesyn_plate::Flag::name)),
        )?;
    let mut guard = platesyn_report::OutputGuard::new();
    for f in &files {
        guard.protect(f);
    }
    write_table(&table, out, &guard)?;
    if failed > 0 {
        eprintln!("{failed} of {} files could not be read", files.len());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Write a table to stdout (CSV) or to `out` (CSV, or Parquet when it ends in `.parquet`).
pub fn write_table(
    table: &platesyn_report::Table,
    out: Option<&Path>,
    guard: &platesyn_report::OutputGuard,
) -> Result<()> {
    match out {
        None => {
            let csv = table.to_csv_string().context("cannot format the table")?;
            std::io::stdout()
                .write_all(csv.as_bytes())
                .context("cannot write to stdout")?;
        }
        Some(path)
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet")) =>
        {
            table
                .write_parquet(path, guard)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Some(path) => {
            table
                .write_csv(path, guard)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// Plates `platesyn layout` resolves at a time (a 10,000-plate layout resolved whole held
/// ~600 MB).
const LAYOUT_CHUNK: usize = 256;

/// Calls `f` with every plate of `layout` in file order, resolved a chunk at a time (in
/// parallel); the first error in file order is the one returned, as when resolving all.
fn each_plate(layout: &LazyLayout, mut f: impl FnMut(&PlateLayout) -> Result<()>) -> Result<()> {
    let indices: Vec<usize> = (0..layout.len()).collect();
    for chunk in indices.chunks(LAYOUT_CHUNK) {
        for plate in layout.resolve_plates(chunk) {
            f(&plate?)?;
        }
    }
    Ok(())
}

/// `platesyn layout LAYOUT [--plot DIR]`. The plates are resolved a chunk at a time: once
/// for the columns, once for the rows (and once more for the maps).
pub fn layout(path: &Path, plot: Option<&Path>) -> Result<ExitCode> {
    let layout = LazyLayout::from_path(path)?;
    // fixed columns first, then every other key in name order
    let mut extra_keys = BTreeSet::new();
    each_plate(&layout, |plate| {
        for info in plate.wells.values() {
            extra_keys.extend(info.extra.keys().cloned());
        }
        Ok(())
    })?;
    let mut header: Vec<String> = ["plate", "well", "row", "col"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    header.extend(LAYOUT_KEYS.iter().map(|s| (*s).to_owned()));
    header.extend(
        extra_keys
            .iter()
            .filter(|k| !LAYOUT_KEYS.contains(&k.as_str()))
            .cloned(),
    );
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record(&header)?;
    each_plate(&layout, |plate| {
        for (well, info) in &plate.wells {
            let fields = info.fields();
            let mut rec = vec![
                plate.name.clone(),
                well.to_string(),
                well.row_label(),
                well.col_number().to_string(),
            ];
            rec.extend(
                header[4..]
                    .iter()
                    .map(|k| fields.get(k).cloned().unwrap_or_default()),
            );
            w.write_record(&rec)?;
        }
        Ok(())
    })?;
    w.flush()?;
    if let Some(dir) = plot {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        each_plate(&layout, |plate| {
            for p in layout_maps(plate, dir)? {
                eprintln!("wrote {}", p.display());
            }
            Ok(())
        })?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Plate maps of a layout plate: log10 concentration of drug A and of drug B (wells without
/// the drug grey; control wells crossed), as SVG and PNG.
fn layout_maps(plate: &PlateLayout, dir: &Path) -> Result<Vec<PathBuf>> {
    use platesyn_report::figures::{Figure as _, PlateMap};
    use platesyn_report::screen_report::slug;
    let guard = platesyn_report::OutputGuard::new();
    let fmt = plate.format;
    let mut written = Vec::new();
    for (key, label) in [("a", "drug A"), ("b", "drug B")] {
        let mut values = vec![None; fmt.well_count()];
        let mut controls = Vec::new();
        for (well, info) in &plate.wells {
            let Some(i) = fmt.index(*well) else { continue };
            let conc = if key == "a" { info.conc_a } else { info.conc_b };
            values[i] = conc.filter(|c| *c > 0.0).map(f64::log10);
            if info.effective_role() != platesyn_plate::Role::Sample {
                controls.push((usize::from(well.row), usize::from(well.col)));
            }
        }
        let mut map = PlateMap::new(
            format!("{}: {label} concentration (controls crossed)", plate.name),
            format!("log10 {label} concentration"),
            usize::from(fmt.rows),
            usize::from(fmt.cols),
            values,
        );
        map.excluded = controls;
        let stem = dir.join(format!("layout_{}_{}", slug(&plate.name), key));
        let svg = stem.with_extension("svg");
        let png = stem.with_extension("png");
        guard.write_atomic(&svg, map.to_svg()?.as_bytes())?;
        guard.write_atomic(&png, &map.to_png()?)?;
        written.extend([svg, png]);
    }
    Ok(written)
}
