//! One module per file shape. Each module exposes `detect(&Input) -> bool` (content-based,
//! never by extension alone) and `parse(&Input) -> Result<Vec<Plate>, PlateError>`.

use std::borrow::Cow;

use crate::error::PlateError;
use crate::model::{Plate, PlateFile, SourceFormat};
use crate::text;

pub mod bmg;
pub mod envision;
pub mod gen5;
pub mod grid;
pub mod kaleido;
pub mod long;
pub mod multiskan;
pub mod sheet;
pub mod skanit;
pub mod softmax;
pub mod softmax_xml;
pub mod tecan;

/// Longest text line accepted, in bytes (1 MiB). A full 1536-well plate written on one line
/// is about 20 KB; a longer line means a binary or a file without line breaks, refused at
/// once with a clear message instead of being scanned by every format detector.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// 1-based number and byte length of the first line longer than [`MAX_LINE_BYTES`]
/// (LF, CRLF and lone CR all end a line).
fn overlong_line(text: &str) -> Option<(usize, usize)> {
    if text.len() <= MAX_LINE_BYTES {
        return None; // no line can be longer than the whole text
    }
    text::line_iter(text)
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
        .map(|(i, l)| (i + 1, l.len()))
}

/// A file's content as every parser sees it: decoded once, or loaded once as a workbook.
#[derive(Debug)]
pub struct Input<'a> {
    /// The file name or path as given by the caller (used in every error message).
    pub source: &'a str,
    /// Raw bytes.
    pub bytes: &'a [u8],
    /// Decoded text, for text files: borrowed from `bytes` when they are UTF-8 (after any
    /// byte-order mark), owned when they had to be converted (UTF-16, Windows-1252).
    pub text: Option<Cow<'a, str>>,
    /// The workbook, for xlsx/xls files.
    pub workbook: Option<sheet::Workbook>,
}

impl<'a> Input<'a> {
    /// Decode `bytes` (text) or load them (spreadsheet).
    pub fn new(source: &'a str, bytes: &'a [u8]) -> Result<Self, PlateError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(PlateError::parse(
                source,
                None,
                "the file is empty; expected a plate-reader export or a plate table",
            ));
        }
        if sheet::is_spreadsheet(bytes) {
            let wb = sheet::load(source, bytes)?;
            return Ok(Self {
                source,
                bytes,
                text: None,
                workbook: Some(wb),
            });
        }
        let Some((text, _enc)) = text::decode_borrowed(bytes) else {
            return Err(PlateError::Unrecognized {
                file: source.to_owned(),
                message:
                    "binary content (not text, xlsx or xls); UTF-16 text needs a byte-order mark"
                        .to_owned(),
            });
        };
        if let Some((line, len)) = overlong_line(&text) {
            return Err(PlateError::parse(
                source,
                Some(line),
                format!(
                    "line is {len} bytes long with no line break (at most {MAX_LINE_BYTES} \
                     expected): not a plate-reader export or plate table"
                ),
            ));
        }
        Ok(Self {
            source,
            bytes,
            text: Some(text),
            workbook: None,
        })
    }

    /// The decoded text, or an error saying a text file was expected.
    pub fn text(&self) -> Result<&str, PlateError> {
        self.text.as_deref().ok_or_else(|| {
            PlateError::parse(
                self.source,
                None,
                "expected a text file, found a spreadsheet",
            )
        })
    }
}

/// Detection order: specific vendor markers first, generic shapes last.
const ORDER: [SourceFormat; 12] = [
    SourceFormat::SoftMaxPro,
    SourceFormat::Gen5,
    SourceFormat::Envision,
    SourceFormat::Kaleido,
    SourceFormat::BmgMars,
    SourceFormat::BmgSmartControl,
    SourceFormat::TecanMagellan,
    SourceFormat::TecanIControl,
    SourceFormat::SkanIt,
    SourceFormat::Multiskan,
    SourceFormat::Long,
    SourceFormat::Grid,
];

/// Which format the content is, if any.
pub fn detect(input: &Input<'_>) -> Option<SourceFormat> {
    ORDER.into_iter().find(|&f| detect_as(f, input))
}

fn detect_as(format: SourceFormat, input: &Input<'_>) -> bool {
    match format {
        SourceFormat::Grid => grid::detect(input),
        SourceFormat::Long => long::detect(input),
        SourceFormat::Gen5 => gen5::detect(input),
        SourceFormat::SoftMaxPro => softmax::detect(input),
        SourceFormat::TecanIControl => tecan::detect_icontrol(input),
        SourceFormat::TecanMagellan => tecan::detect_magellan(input),
        SourceFormat::BmgMars => bmg::detect_mars(input),
        SourceFormat::BmgSmartControl => bmg::detect_smart_control(input),
        SourceFormat::Envision => envision::detect(input),
        SourceFormat::Kaleido => kaleido::detect(input),
        SourceFormat::SkanIt => skanit::detect(input),
        SourceFormat::Multiskan => multiskan::detect(input),
    }
}

/// Parse `input` as `format`.
pub fn parse_as(format: SourceFormat, input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    match format {
        SourceFormat::Grid => grid::parse(input),
        SourceFormat::Long => long::parse(input),
        SourceFormat::Gen5 => gen5::parse(input),
        SourceFormat::SoftMaxPro => softmax::parse(input),
        SourceFormat::TecanIControl => tecan::parse_icontrol(input),
        SourceFormat::TecanMagellan => tecan::parse_magellan(input),
        SourceFormat::BmgMars => bmg::parse_mars(input),
        SourceFormat::BmgSmartControl => bmg::parse_smart_control(input),
        SourceFormat::Envision => envision::parse(input),
        SourceFormat::Kaleido => kaleido::parse(input),
        SourceFormat::SkanIt => skanit::parse(input),
        SourceFormat::Multiskan => multiskan::parse(input),
    }
}

/// Read a file's bytes: detect the format (unless `format` is given) and parse.
pub fn read_bytes(
    source: &str,
    bytes: &[u8],
    format: Option<SourceFormat>,
) -> Result<PlateFile, PlateError> {
    let input = Input::new(source, bytes)?;
    let format = match format {
        Some(f) => f,
        None => detect(&input).ok_or_else(|| PlateError::Unrecognized {
            file: source.to_owned(),
            message: "no known plate-reader export or plate table matches its content \
                      (expected a Gen5, SoftMax Pro, Tecan, BMG, EnVision, Kaleido, SkanIt export, \
                      a plate-shaped grid or a long well table)"
                .to_owned(),
        })?,
    };
    let plates = parse_as(format, &input)?;
    if plates.is_empty() {
        return Err(PlateError::parse(
            source,
            None,
            format!("read as {format}, but it holds no plate data"),
        ));
    }
    Ok(PlateFile {
        source: source.to_owned(),
        format,
        plates,
    })
}

/// Read a file from disk (see [`read_bytes`]).
pub fn read_path(
    path: &std::path::Path,
    format: Option<SourceFormat>,
) -> Result<PlateFile, PlateError> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| PlateError::Io {
        path: source.clone(),
        source: e,
    })?;
    read_bytes(&source, &bytes, format)
}
