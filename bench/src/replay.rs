//! `surveil replay`: a LOBSTER message file replayed through the
//! simulator's order book, and checked row by row against the matching
//! order book file when one is given.
//!
//! The replay reads both files in step, one row of each at a time, so
//! memory stays flat however long the day. It never panics on its input: a
//! missing or unreadable file, a malformed row and files of different
//! lengths are all [`ReplayError`]s, and under [`OnError::Skip`] a malformed
//! row is handed to the caller and passed over instead. Two replays of the
//! same files give the same report, except for its wall-clock fields.
//!
//! [`check`] describes how the book is kept honest when the message file
//! cannot show everything: phantom liquidity for orders the file never
//! added, and levels revealed from the order book file when they come into
//! view.

pub mod check;
pub mod engine;
pub mod error;
pub mod lobster;
pub mod report;
pub(crate) mod rows;

use std::path::Path;
use std::time::Instant;

use csv::ByteRecord;

pub use check::{CheckSummary, Mismatch, RowAt};
pub use engine::{Problem, Replayer, TypeCounts};
pub use error::{ReplayError, RowProblem};
pub use lobster::{BookRow, Depth, Message, MessageKind};
pub use report::ReplayReport;

use lobster::{parse_book_row, parse_message};
use rows::CsvRows;

/// What a replay does with a malformed row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Stop at the first one and return its error.
    #[default]
    Stop,
    /// Hand each one to the caller, skip it and go on; the report counts
    /// them.
    Skip,
}

/// Replays a message file and, given the order book file of the same day
/// and level count, checks the rebuilt book against it after every message.
///
/// Under [`OnError::Skip`], `skipped` receives each malformed row's error
/// before the row is passed over. A skipped message's order book row
/// brings the book back in line without being judged; a skipped order book
/// row leaves its message unchecked.
///
/// # Errors
///
/// Returns an error when a file cannot be opened or read, when a row is
/// malformed (or earlier than the row before it) under [`OnError::Stop`],
/// when the two files have different numbers of data rows, when the
/// message file holds no data row, and when every row of either file was
/// malformed and skipped.
#[allow(
    clippy::disallowed_methods,
    reason = "the replay's speed is reported in messages per second of wall-clock time"
)]
pub fn replay_files(
    messages: &Path,
    orderbook: Option<&Path>,
    on_error: OnError,
    skipped: &mut dyn FnMut(&ReplayError),
) -> Result<ReplayReport, ReplayError> {
    let started = Instant::now();
    tracing::info!(messages = %messages.display(), checked = orderbook.is_some(), "replay starts");
    let mut skips = Skips { on_error, sink: skipped, messages: 0, orderbook: 0 };
    let replayed = replay_rows(messages, orderbook, &mut skips)?;
    let wall_seconds = started.elapsed().as_secs_f64();

    let (tally, check) = replayed.replayer.finish();
    let report = ReplayReport {
        messages_file: messages.display().to_string(),
        orderbook_file: orderbook.map(|p| p.display().to_string()),
        levels: replayed.levels,
        rows: replayed.rows,
        malformed_message_rows: skips.messages,
        malformed_orderbook_rows: skips.orderbook,
        first_time_ns: tally.first_time.map(|t| t.0),
        last_time_ns: tally.last_time.map(|t| t.0),
        types: tally.types,
        unknown_order_refs: tally.unknown_order_refs,
        refused_orders: tally.refused_orders,
        halts: tally.halts,
        check,
        wall_seconds,
        messages_per_sec: replayed.rows as f64 / wall_seconds.max(1e-9),
    };
    tracing::info!(
        rows = report.rows,
        mismatches = report.mismatches(),
        wall_seconds,
        "replay ends"
    );
    Ok(report)
}

/// The malformed rows met so far, and what to do with the next one.
struct Skips<'s> {
    on_error: OnError,
    sink: &'s mut dyn FnMut(&ReplayError),
    messages: u64,
    orderbook: u64,
}

impl Skips<'_> {
    /// Returns the error under [`OnError::Stop`]; hands it on and counts it
    /// (as a message row or an order book row) under [`OnError::Skip`].
    fn malformed(&mut self, error: ReplayError, in_messages: bool) -> Result<(), ReplayError> {
        match self.on_error {
            OnError::Stop => Err(error),
            OnError::Skip => {
                (self.sink)(&error);
                if in_messages {
                    self.messages += 1;
                } else {
                    self.orderbook += 1;
                }
                Ok(())
            }
        }
    }
}

/// A finished replay before its report is assembled.
struct Replayed {
    replayer: Replayer,
    rows: u64,
    levels: Option<usize>,
}

/// Reads both files in step and replays them.
fn replay_rows(
    messages_path: &Path,
    orderbook_path: Option<&Path>,
    skips: &mut Skips<'_>,
) -> Result<Replayed, ReplayError> {
    let mut messages = CsvRows::open(messages_path)?;
    let mut orderbook = orderbook_path.map(CsvRows::open).transpose()?;
    let mut replayer = Replayer::new(orderbook.is_some());
    let mut row = BookRow::default();
    let mut levels = None;

    let mut last_time = None;
    while let Some(line) = messages.advance()? {
        let parsed =
            parse_message(messages.record()).and_then(|m| in_order(m, last_time, &messages));
        let message = match parsed {
            Ok(message) => {
                last_time = Some(message.time);
                Some(message)
            }
            Err(problem) => {
                skips.malformed(messages.row_error(line, problem), true)?;
                None
            }
        };

        let Some(book_file) = orderbook.as_mut() else {
            if let Some(message) = &message {
                replayer.apply(message);
            }
            continue;
        };
        let Some(book_line) = book_file.advance()? else {
            while messages.advance()?.is_some() {}
            return Err(row_count_mismatch(&messages, book_file));
        };
        let shown = match read_book_row(book_file.record(), &mut levels, &mut row) {
            Ok(n) => Some(n),
            Err(problem) => {
                skips.malformed(book_file.row_error(book_line, problem), false)?;
                None
            }
        };

        match (message, shown) {
            (Some(message), Some(n)) => {
                let problem = replayer.apply(&message);
                let at = RowAt { line, orderbook_line: book_line, message: &message };
                replayer.check(&row, n, at, problem);
            }
            (Some(message), None) => {
                replayer.apply(&message);
            }
            (None, Some(n)) => replayer.resync(&row, n),
            (None, None) => {}
        }
    }

    if let Some(book_file) = orderbook.as_mut()
        && book_file.advance()?.is_some()
    {
        while book_file.advance()?.is_some() {}
        return Err(row_count_mismatch(&messages, book_file));
    }

    // A file with nothing in it, or nothing usable, replays nothing, which
    // must not pass for a clean replay.
    let rows = messages.data_rows();
    if rows == 0 {
        return Err(ReplayError::NoData { path: messages.path().to_owned() });
    }
    if skips.messages == rows {
        return Err(ReplayError::AllRowsMalformed { path: messages.path().to_owned(), rows });
    }
    if let Some(book_file) = &orderbook
        && skips.orderbook == rows
    {
        return Err(ReplayError::AllRowsMalformed { path: book_file.path().to_owned(), rows });
    }
    Ok(Replayed { replayer, rows, levels })
}

/// Refuses a message earlier than the last one replayed: LOBSTER messages
/// are in time order.
fn in_order(
    message: Message,
    last_time: Option<surveil_sim::Nanos>,
    messages: &CsvRows,
) -> Result<Message, RowProblem> {
    match last_time {
        Some(last) if message.time < last => Err(RowProblem::field(
            "Time",
            "a time no earlier than the row before: LOBSTER messages are in time order",
            messages.record().get(0).unwrap_or_default(),
        )),
        _ => Ok(message),
    }
}

/// Parses an order book row, learning the file's level count from the
/// first row that parses, and returns that count.
fn read_book_row(
    record: &ByteRecord,
    levels: &mut Option<usize>,
    row: &mut BookRow,
) -> Result<usize, RowProblem> {
    let n = match *levels {
        Some(n) => n,
        None if !record.is_empty() && record.len().is_multiple_of(4) => record.len() / 4,
        None => {
            return Err(RowProblem::FieldCount {
                expected: "a multiple of 4 fields (ask price, ask size, bid price and bid size \
                           for each level)"
                    .to_owned(),
                found: record.len(),
            });
        }
    };
    parse_book_row(record, n, row)?;
    *levels = Some(n);
    Ok(n)
}

/// Builds the error for files of different lengths, both read to the end.
fn row_count_mismatch(messages: &CsvRows, orderbook: &CsvRows) -> ReplayError {
    ReplayError::RowCountMismatch {
        messages: messages.path().to_owned(),
        message_rows: messages.data_rows(),
        orderbook: orderbook.path().to_owned(),
        orderbook_rows: orderbook.data_rows(),
    }
}
