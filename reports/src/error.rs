//! The errors of reading a results document.
//!
//! Each error says where in the text the problem lies (line and column,
//! both counted from 1) and what was expected there, so a user can fix a
//! hand-edited or truncated file without reading this crate.

use thiserror::Error;

/// Why a results document could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ReportError {
    /// The text is not JSON, or is JSON of the wrong shape: a field is
    /// missing, has the wrong type, or the text ends early.
    #[error("results document is malformed at line {line}, column {column}: {message}")]
    Malformed {
        /// The line of the problem, counted from 1.
        line: usize,
        /// The column of the problem on that line, counted from 1.
        column: usize,
        /// What went wrong, naming the field or token when known.
        message: String,
    },
}

impl ReportError {
    /// Builds the error for a document that `serde_json` refused.
    pub(crate) fn from_json(err: &serde_json::Error) -> ReportError {
        // serde_json appends the position to its own message; the position
        // is reported in separate fields here, so that suffix is dropped to
        // avoid saying it twice.
        let full = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        ReportError::Malformed { line: err.line(), column: err.column(), message }
    }
}
