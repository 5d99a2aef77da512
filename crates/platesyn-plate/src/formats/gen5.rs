//! Agilent BioTek Gen5: not read yet (work in progress in its own branch).

use super::Input;
use crate::error::PlateError;
use crate::model::Plate;

/// Whether the content looks like this format.
pub fn detect(_input: &Input<'_>) -> bool {
    false
}

/// Parse the content.
pub fn parse(input: &Input<'_>) -> Result<Vec<Plate>, PlateError> {
    Err(PlateError::Unsupported {
        file: input.source.to_owned(),
        message: "Gen5 files are not read yet".to_owned(),
    })
}
