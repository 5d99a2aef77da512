//! Errors that name the file, the line or well, and what was expected.

use std::fmt;

/// Where in a file a problem is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorLocation {
    /// The file as given by the caller.
    pub file: String,
    /// 1-based line (text files) or row (spreadsheets).
    pub line: Option<usize>,
    /// The well concerned, written `A1`.
    pub well: Option<String>,
    /// Sheet name for spreadsheets.
    pub sheet: Option<String>,
}

impl fmt::Display for ErrorLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, " [sheet {sheet}]")?;
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(well) = &self.well {
            write!(f, ", well {well}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong reading a plate file or a layout.
#[derive(Debug, thiserror::Error)]
pub enum PlateError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not what a parser expected.
    #[error("{at}: {message}")]
    Parse {
        /// Where.
        at: ErrorLocation,
        /// What was found and what was expected.
        message: String,
    },
    /// No known format matches the content.
    #[error("{file}: unrecognized file: {message}")]
    Unrecognized {
        /// The file.
        file: String,
        /// What was seen.
        message: String,
    },
    /// A recognized but unsupported kind of data (kinetic or spectrum reads, ...).
    #[error("{file}: {message}")]
    Unsupported {
        /// The file.
        file: String,
        /// What is not supported.
        message: String,
    },
}

impl PlateError {
    /// A parse error at `file` with an optional line.
    pub fn parse(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Self::Parse {
            at: ErrorLocation {
                file: file.to_owned(),
                line,
                ..ErrorLocation::default()
            },
            message: message.into(),
        }
    }

    /// A parse error about one well.
    pub fn at_well(
        file: &str,
        line: Option<usize>,
        well: &str,
        message: impl Into<String>,
    ) -> Self {
        Self::Parse {
            at: ErrorLocation {
                file: file.to_owned(),
                line,
                well: Some(well.to_owned()),
                sheet: None,
            },
            message: message.into(),
        }
    }
}
