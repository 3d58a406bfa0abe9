//! CSV files read one data row at a time, each row with the line a text
//! editor shows it on.
//!
//! A file may open with a header row, recognised by a first field that is
//! not a number: LOBSTER writes none, but copies re-saved by other tools
//! often add one. The header is passed over, and line numbers count it, so
//! an error names the line the user will find the row on, whatever the line
//! ends (LF, CRLF or a CR alone) and however many blank lines come before it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use csv::{ByteRecord, ReaderBuilder, Trim};

use super::error::{ReplayError, RowProblem};

/// A CSV file read one data row at a time, its header row (if any) passed
/// over, each row with its line number.
pub(crate) struct CsvRows<R = BufReader<File>> {
    path: String,
    reader: csv::Reader<LineFeed<R>>,
    record: ByteRecord,
    started: bool,
    data_rows: u64,
}

impl CsvRows {
    /// Opens a file for reading.
    pub(crate) fn open(path: &Path) -> Result<CsvRows, ReplayError> {
        let shown = path.display().to_string();
        let file =
            File::open(path).map_err(|source| ReplayError::Open { path: shown.clone(), source })?;
        Ok(CsvRows::new(shown, BufReader::new(file)))
    }
}

impl<R: BufRead> CsvRows<R> {
    /// Reads CSV from `source`, naming it `path` in errors.
    pub(crate) fn new(path: String, source: R) -> CsvRows<R> {
        let reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .from_reader(LineFeed { source, lines: 0, at_line_start: true, after_cr: false });
        CsvRows { path, reader, record: ByteRecord::new(), started: false, data_rows: 0 }
    }

    /// Moves to the next data row and returns its line, or `None` at the
    /// end of the file.
    pub(crate) fn advance(&mut self) -> Result<Option<u64>, ReplayError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|source| ReplayError::Read { path: self.path.clone(), source })?;
            if !more {
                return Ok(None);
            }

            // Only the first row can be a header: LOBSTER writes none, but
            // copies re-saved by other tools often add one.
            if !self.started {
                self.started = true;
                if !starts_with_number(&self.record) {
                    continue;
                }
            }
            self.data_rows += 1;
            return Ok(Some(self.reader.get_ref().lines));
        }
    }

    /// Returns the row [`CsvRows::advance`] moved to.
    pub(crate) fn record(&self) -> &ByteRecord {
        &self.record
    }

    /// Returns the data rows read so far.
    pub(crate) fn data_rows(&self) -> u64 {
        self.data_rows
    }

    /// Returns the file's name as the user gave it.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Builds the error for a malformed row at `line`.
    pub(crate) fn row_error(&self, line: u64, problem: RowProblem) -> ReplayError {
        ReplayError::Row { path: self.path.clone(), line, problem }
    }
}

/// Hands its source to the CSV reader at most one line per read, and counts
/// the lines it has handed out.
///
/// The CSV reader's own positions give a record's line as it stood when
/// the reader began looking for the record, which is one line early after a
/// CRLF line end (the reader stops at the CR and takes the LF as part of
/// the next record) or after blank lines. The reader only reads when it has
/// used up what it holds, and a record ends on the line that holds its last
/// byte, so when a record comes back, the lines handed out so far are
/// exactly the lines up to and including the record's own last line.
pub(crate) struct LineFeed<R> {
    source: R,
    lines: u64,
    at_line_start: bool,
    /// The last byte handed out was a CR, so an LF that follows ends the
    /// same line.
    after_cr: bool,
}

impl<R: BufRead> Read for LineFeed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.source.fill_buf()?;
        if available.is_empty() || buf.is_empty() {
            return Ok(0);
        }

        // The LF of a CRLF whose CR ended the last read belongs to the line
        // already counted.
        if self.after_cr && available[0] == b'\n' {
            buf[0] = b'\n';
            self.source.consume(1);
            self.after_cr = false;
            return Ok(1);
        }

        // A line ends at LF, at CRLF, or at a CR alone (old Mac files).
        let line_end = match available.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) if available[i] == b'\r' && available.get(i + 1) == Some(&b'\n') => i + 2,
            Some(i) => i + 1,
            None => available.len(),
        };
        let n = line_end.min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        if self.at_line_start {
            self.lines += 1;
        }
        let last = available[n - 1];
        self.at_line_start = last == b'\n' || last == b'\r';
        self.after_cr = last == b'\r';
        self.source.consume(n);
        Ok(n)
    }
}

/// Tells whether a row's first field reads as a (possibly signed, possibly
/// decimal) number, which a header's first field never does.
fn starts_with_number(record: &ByteRecord) -> bool {
    let Some(first) = record.get(0) else { return false };
    let digits = first.strip_prefix(b"-").unwrap_or(first);
    let mut parts = digits.splitn(2, |&b| b == b'.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next().unwrap_or_default();
    !whole.is_empty()
        && whole.iter().all(u8::is_ascii_digit)
        && fraction.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> ByteRecord {
        ByteRecord::from(line.split(',').collect::<Vec<_>>())
    }

    /// Reads every data row of `text` and returns each one's line and first
    /// field.
    fn rows_of(text: &str) -> Vec<(u64, String)> {
        let mut rows = CsvRows::new("t.csv".to_owned(), text.as_bytes());
        let mut out = Vec::new();
        while let Some(line) = rows.advance().unwrap() {
            let first = String::from_utf8_lossy(rows.record().get(0).unwrap()).into_owned();
            out.push((line, first));
        }
        out
    }

    #[test]
    fn rows_carry_the_line_an_editor_shows() {
        let want = |pairs: &[(u64, &str)]| -> Vec<(u64, String)> {
            pairs.iter().map(|&(l, f)| (l, f.to_owned())).collect()
        };
        assert_eq!(rows_of("1,a\n2,b\n3,c"), want(&[(1, "1"), (2, "2"), (3, "3")]));
        assert_eq!(rows_of("Time,x\r\n1,a\r\n2,b\r\n"), want(&[(2, "1"), (3, "2")]));
        assert_eq!(rows_of("1,a\n\n\n4,d\n"), want(&[(1, "1"), (4, "4")]));
        assert_eq!(rows_of("1,a\r\n\r\n3,c\r\n"), want(&[(1, "1"), (3, "3")]));
        assert_eq!(rows_of("1,a\r2,b\r\r4,d\r"), want(&[(1, "1"), (2, "2"), (4, "4")]));
    }

    #[test]
    fn a_header_is_a_first_field_that_is_not_a_number() {
        assert!(!starts_with_number(&record("Time,Type")));
        assert!(!starts_with_number(&record("BestAsk,BestAskVolume")));
        assert!(starts_with_number(&record("34200.01746,5")));
        assert!(starts_with_number(&record("-9999999999,0")));
        assert!(!starts_with_number(&record(",1")));
    }
}
