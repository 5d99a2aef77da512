//! BMG LABTECH MARS and SMART Control: not read yet (work in progress in its own branch).

use super::Input;
use crate::error::PlateError;
use crate::model::Plate;

/// Whether the content looks like this format.
pub fn detect_mars(_input: &Input<'_>) -> bool {
    false
}

/// Parse the content.
pub fn parse_mars(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    Err(PlateError::Unsupported {
        file: input.source.to_owned(),
        message: "BMG MARS files are not read yet".to_owned(),
    })
}

/// Whether the content looks like this format.
pub fn detect_smart_control(_input: &Input<'_>) -> bool {
    false
}

/// Parse the content.
pub fn parse_smart_control(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    Err(PlateError::Unsupported {
        file: input.source.to_owned(),
        message: "BMG SMART Control files are not read yet".to_owned(),
    })
}
