//! The errors of reading a results or facts document and of rendering it.
//!
//! Each error says where in the text the problem lies (line and column,
//! both counted from 1) and what was expected there, so a user can fix a
//! hand-edited or truncated file without reading this crate.

use thiserror::Error;

/// Why a results or facts document could not be read, or a report not
/// written.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ReportError {
    /// The text is not JSON, or is JSON of the wrong shape: a field is
    /// missing, has the wrong type, or the text ends early.
    #[error("{document} is malformed at line {line}, column {column}{}: {message}",
        field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Malformed {
        /// The kind of document read, such as `results document`, so
        /// that a file given in the place of another is named as what it
        /// was expected to be.
        document: &'static str,
        /// The line of the problem, counted from 1.
        line: usize,
        /// The column of the problem on that line, counted from 1.
        column: usize,
        /// The field where the problem lies, as a path such as
        /// `detectors[2].precision`; `None` at the top of the document.
        field: Option<String>,
        /// What went wrong, naming the field or token when known.
        message: String,
    },

    /// A chart could not be drawn.
    #[error("chart `{chart}` could not be drawn: {message}")]
    Draw {
        /// The chart's name.
        chart: String,
        /// What plotters or the image encoder said.
        message: String,
    },

    /// A report file could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file, as it would be named once complete.
        path: String,
        /// What the system said.
        message: String,
    },

    /// The document was written by a version of surveil whose documents
    /// this one cannot read.
    #[error(
        "results document field `surveil_version` is {found:?}: this is surveil {expected}, \
         which reads documents of surveil {expected_series}; run the scenario again with this \
         version to get one"
    )]
    Version {
        /// The version the document names.
        found: String,
        /// This crate's version.
        expected: String,
        /// The versions whose documents this crate reads, such as `0.1.x`.
        expected_series: String,
    },
}

impl ReportError {
    /// Builds the error for a document that `serde_json` refused;
    /// `document` says which kind it should have been.
    pub(crate) fn from_json(
        err: &serde_json::Error,
        field: Option<String>,
        document: &'static str,
    ) -> ReportError {
        // serde_json appends the position to its own message; the position
        // is reported in separate fields here, so that suffix is dropped to
        // avoid saying it twice.
        let full = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        ReportError::Malformed { document, line: err.line(), column: err.column(), field, message }
    }
}
