//! Why a replay refuses its input.
//!
//! Every error names the file as the user gave it. An error about one row
//! also gives the row's line, counted from 1 with any header row included,
//! as a text editor shows it, and the field at fault with what was expected
//! there and what was found, so the row can be found and fixed by hand.

use thiserror::Error;

/// Why a replay stopped, or (for [`ReplayError::Row`] under
/// [`OnError::Skip`](super::OnError::Skip)) why a row was skipped.
#[derive(Debug, Error)]
pub enum ReplayError {
    /// A file could not be opened; the cause says why (most often it does
    /// not exist).
    #[error("{path}: cannot open the file")]
    Open {
        /// The file, as the user named it.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A file could not be read to its end.
    #[error("{path}: cannot read the file")]
    Read {
        /// The file, as the user named it.
        path: String,
        /// What the CSV reader said.
        #[source]
        source: csv::Error,
    },

    /// One row of a file is malformed.
    #[error("{path}:{line}: {problem}")]
    Row {
        /// The file, as the user named it.
        path: String,
        /// The row's line, counted from 1 with any header row included.
        line: u64,
        /// What is wrong with the row.
        problem: RowProblem,
    },

    /// The message file and the order book file have different numbers of
    /// data rows, so they cannot describe the same day.
    #[error(
        "{messages} has {message_rows} data rows but {orderbook} has {orderbook_rows}: \
         row i of an order book file is the book after message i, so the two files must \
         have the same number of rows"
    )]
    RowCountMismatch {
        /// The message file, as the user named it.
        messages: String,
        /// Its data rows, header excluded.
        message_rows: u64,
        /// The order book file, as the user named it.
        orderbook: String,
        /// Its data rows, header excluded.
        orderbook_rows: u64,
    },

    /// The message file holds no data row.
    #[error("{path}: no data rows: a LOBSTER message file holds one message per row")]
    NoData {
        /// The file, as the user named it.
        path: String,
    },

    /// Every data row of a file was malformed and skipped, so nothing of it
    /// was replayed or checked.
    #[error(
        "{path}: all {rows} data rows are malformed, so nothing was replayed; the first \
         error above says what is wrong with them"
    )]
    AllRowsMalformed {
        /// The file, as the user named it.
        path: String,
        /// Its data rows.
        rows: u64,
    },
}

/// What is wrong with one row.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RowProblem {
    /// A field does not hold what its column requires.
    #[error("field `{field}`: expected {expected}, found \"{found}\"")]
    Field {
        /// The column's name, such as `Price` or `BidSize2`.
        field: String,
        /// What the column requires.
        expected: String,
        /// The field as written, cut short if it is long.
        found: String,
    },

    /// The row has the wrong number of fields.
    #[error("expected {expected}, found {found} {}", if *found == 1 { "field" } else { "fields" })]
    FieldCount {
        /// How many fields a row must have, and why.
        expected: String,
        /// How many the row has.
        found: usize,
    },
}

/// The longest stretch of a bad field quoted back in an error message.
const QUOTE_LIMIT: usize = 40;

impl RowProblem {
    /// Builds a field error, quoting the bytes found (lossily, for a file
    /// that is not UTF-8) and cutting them short if they are long.
    pub(crate) fn field(
        field: impl Into<String>,
        expected: impl Into<String>,
        found: &[u8],
    ) -> Self {
        let text = String::from_utf8_lossy(found);
        let found = if text.chars().count() > QUOTE_LIMIT {
            let mut cut: String = text.chars().take(QUOTE_LIMIT).collect();
            cut.push_str("...");
            cut
        } else {
            text.into_owned()
        };
        RowProblem::Field { field: field.into(), expected: expected.into(), found }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_file_line_field_and_what_was_found() {
        let err = ReplayError::Row {
            path: "AMZN_message.csv".to_owned(),
            line: 812,
            problem: RowProblem::field("Price", "an integer", b"22.5"),
        };
        assert_eq!(
            err.to_string(),
            "AMZN_message.csv:812: field `Price`: expected an integer, found \"22.5\""
        );
    }

    #[test]
    fn long_fields_are_quoted_short() {
        let long = vec![b'9'; 100];
        let RowProblem::Field { found, .. } = RowProblem::field("Size", "an integer", &long) else {
            panic!("a field problem");
        };
        assert_eq!(found.len(), QUOTE_LIMIT + 3);
        assert!(found.ends_with("..."));
    }
}
