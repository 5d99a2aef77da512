//! Tecan i-control and Magellan: not read yet (work in progress in its own branch).

use super::Input;
use crate::error::PlateError;
use crate::model::Plate;

/// Whether the content looks like this format.
pub fn detect_icontrol(_input: &Input<'_>) -> bool {
    false
}

/// Parse the content.
pub fn parse_icontrol(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    Err(PlateError::Unsupported {
        file: input.source.to_owned(),
        message: "Tecan i-control files are not read yet".to_owned(),
    })
}

/// Whether the content looks like this format.
pub fn detect_magellan(_input: &Input<'_>) -> bool {
    false
}

/// Parse the content.
pub fn parse_magellan(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    Err(PlateError::Unsupported {
        file: input.source.to_owned(),
        message: "Tecan Magellan files are not read yet".to_owned(),
    })
}
