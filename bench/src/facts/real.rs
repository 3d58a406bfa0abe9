//! A LOBSTER day as a source of facts.
//!
//! The message file gives the order messages: a type-1 row is a new
//! resting order, types 2 and 3 are a partial cancellation and a deletion,
//! types 4 and 5 are executions of a visible and of a hidden order. Cross
//! trades (type 6) are the opening and closing auctions, not continuous
//! trading, and are left out; halts (type 7) are read but do not cut the
//! session, so a halted stretch counts as a quiet one. The files are read
//! with the replay's parser ([`crate::replay::lobster`]), one row at a time,
//! so memory does not grow with the number of rows.
//!
//! The book (mid price, spread, depth) comes from the order book file:
//! row `i` is the book after message `i`, exactly as the exchange
//! published it, and distances from the touch are known as far as the
//! file's levels reach. Without that file the facts that need prices
//! (1 to 5, 10 and 12) are left undefined rather than guessed: a book
//! rebuilt from a level-N message file alone starts empty, never sees the
//! orders that rested before the file begins or out of its view, and keeps
//! levels that emptied out of view, so its spread and mid would describe
//! the rebuild, not the market.
//!
//! The session runs from the first message to the last. Prices are in the
//! file's units (dollars times 10,000); the tick is given by the caller
//! (100 units, one cent, for US stocks priced above a dollar). The file's
//! level count comes from the order book file, or else from the file name
//! LOBSTER gives message files (`…_message_N.csv`).

use std::path::Path;

use surveil_sim::{Nanos, Side};

use super::FactsError;
use super::book::DEPTH_TICKS;
use super::collector::{BookSnapshot, Collector, Measurements, SideDepth};
use crate::replay::lobster::{BookRow, Message, MessageKind, parse_book_row, parse_message};
use crate::replay::rows::CsvRows;
use crate::replay::{ReplayError, RowProblem};

/// The price units of one tick in LOBSTER's US stock data: one cent, in
/// dollars times 10,000.
pub const LOBSTER_TICK: i64 = 100;

/// The longest session a file may span, from its first message to its
/// last: a day, with room to spare. It keeps a typing slip in a time
/// column from asking for memory by the year.
pub const MAX_SESSION: Nanos = Nanos::from_secs(2 * 86_400);

/// The facts of one LOBSTER day.
#[derive(Clone, Debug, PartialEq)]
pub struct RealFacts {
    /// The message file, as the user named it.
    pub messages: String,
    /// The order book file, when one was given.
    pub orderbook: Option<String>,
    /// Levels per side the files cover: from the order book file, or from
    /// the message file's name; `None` when neither says.
    pub levels: Option<usize>,
    /// The price units of one tick.
    pub tick: i64,
    /// The facts.
    pub measurements: Measurements,
}

/// Computes the facts of a LOBSTER message file, with the book from its
/// order book file when one is given; `tick` is the price units of one
/// tick.
///
/// # Errors
///
/// Returns an error when a file cannot be opened or read, when a row is
/// malformed or earlier than the row before it, when the session spans
/// more than [`MAX_SESSION`], when the two files have different numbers
/// of rows, and when the message file holds no data row.
pub fn lobster_facts(
    messages_path: &Path,
    orderbook_path: Option<&Path>,
    tick: i64,
) -> Result<RealFacts, FactsError> {
    let mut messages = CsvRows::open(messages_path)?;
    let mut orderbook = orderbook_path.map(CsvRows::open).transpose()?;
    let mut levels = match orderbook {
        Some(_) => None,
        None => levels_in_name(messages_path),
    };
    let mut collector: Option<Collector> = None;
    let mut snapshot = BookSnapshot::default();
    let mut row = BookRow::default();

    while let Some(line) = messages.advance()? {
        let message = parse_message(messages.record()).map_err(|p| messages.row_error(line, p))?;
        let collector = collector.get_or_insert_with(|| Collector::new(message.time, tick));
        check_time(collector, &message, &messages, line)?;
        check_tick(&message, tick, &messages, line)?;
        collector.advance(message.time, &snapshot);
        record(collector, &message);

        // The book after this message.
        if let Some(book_file) = orderbook.as_mut() {
            let Some(book_line) = book_file.advance()? else {
                while messages.advance()?.is_some() {}
                return Err(row_count_mismatch(&messages, book_file).into());
            };
            let record = book_file.record();
            let n = match levels {
                Some(n) => n,
                None => level_count(record.len())
                    .ok_or_else(|| book_file.row_error(book_line, field_count(record.len())))?,
            };
            parse_book_row(record, n, &mut row).map_err(|p| book_file.row_error(book_line, p))?;
            levels = Some(n);
            snapshot = snapshot_of_row(&row, n, tick);
        }
    }

    if let Some(book_file) = orderbook.as_mut()
        && book_file.advance()?.is_some()
    {
        while book_file.advance()?.is_some() {}
        return Err(row_count_mismatch(&messages, book_file).into());
    }
    let Some(collector) = collector else {
        return Err(FactsError::NoData { path: messages.path().to_owned() });
    };
    let end = collector.now();
    tracing::info!(messages = %messages.path(), rows = messages.data_rows(), "facts: file read");
    Ok(RealFacts {
        messages: messages.path().to_owned(),
        orderbook: orderbook.map(|f| f.path().to_owned()),
        levels,
        tick,
        measurements: collector.finish(end, &snapshot),
    })
}

/// Refuses a message earlier than the one before it, or too far from the
/// first.
fn check_time(
    collector: &Collector,
    message: &Message,
    messages: &CsvRows,
    line: u64,
) -> Result<(), ReplayError> {
    let found = messages.record().get(0).unwrap_or_default();
    let expected = if message.time < collector.now() {
        "a time no earlier than the row before: LOBSTER messages are in time order"
    } else if message.time.0 - collector.start().0 > MAX_SESSION.0 {
        "a time within two days of the first row's: one file holds one trading day"
    } else {
        return Ok(());
    };
    Err(messages.row_error(line, RowProblem::field("Time", expected, found)))
}

/// Refuses a visible order priced off the tick grid: the tick the user
/// gave does not describe the file, and every figure in ticks would be
/// wrong. Executions of hidden orders are exempt, because midpoint orders
/// trade between ticks.
fn check_tick(
    message: &Message,
    tick: i64,
    messages: &CsvRows,
    line: u64,
) -> Result<(), ReplayError> {
    if !matches!(message.kind, MessageKind::Submit) || message.price.0 % tick == 0 {
        return Ok(());
    }
    let expected = format!("a multiple of the tick, {tick} price units (set with --tick)");
    let found = messages.record().get(4).unwrap_or_default();
    Err(messages.row_error(line, RowProblem::field("Price", expected, found)))
}

/// Records one message's order activity.
fn record(collector: &mut Collector, message: &Message) {
    let Message { id, size, .. } = *message;
    match message.kind {
        MessageKind::Submit => collector.new_order(id, size),
        MessageKind::PartialCancel => collector.cancel(id, size, false),
        MessageKind::Delete => collector.cancel(id, size, true),
        MessageKind::VisibleExecution => collector.execution(Some(id), size),
        MessageKind::HiddenExecution => collector.execution(None, size),
        MessageKind::CrossTrade | MessageKind::Halt(_) => {}
    }
}

/// Takes the snapshot of an order book row of `levels` levels per side.
/// A side showing all `levels` is known as far as its last level; a side
/// showing fewer is known whole, since it has nothing more.
pub(crate) fn snapshot_of_row(row: &BookRow, levels: usize, tick: i64) -> BookSnapshot {
    let mut snapshot = BookSnapshot::default();
    for (i, side) in [Side::Buy, Side::Sell].into_iter().enumerate() {
        let shown = row.side(side);
        let Some(best) = shown.first() else { continue };
        match side {
            Side::Buy => snapshot.bid = Some(best.price),
            Side::Sell => snapshot.ask = Some(best.price),
        }
        let depth: &mut SideDepth = &mut snapshot.depth[i];
        let mut reach = 0;
        for level in shown {
            let ticks = usize::try_from((level.price.0 - best.price.0).abs() / tick.max(1));
            reach = ticks.unwrap_or(usize::MAX);
            if reach < DEPTH_TICKS {
                depth.volume[reach] += level.qty.0;
            }
        }
        depth.known = if shown.len() < levels {
            DEPTH_TICKS
        } else {
            reach.saturating_add(1).min(DEPTH_TICKS)
        };
    }
    snapshot
}

/// Returns the level count of an order book row of `fields` fields: four
/// per level.
fn level_count(fields: usize) -> Option<usize> {
    (fields > 0 && fields.is_multiple_of(4)).then_some(fields / 4)
}

/// The problem with an order book row whose field count is not a multiple
/// of four.
fn field_count(found: usize) -> RowProblem {
    RowProblem::FieldCount {
        expected: "a multiple of 4 fields (ask price, ask size, bid price and bid size for each \
                   level)"
            .to_owned(),
        found,
    }
}

/// Reads the level count LOBSTER writes in a message file's name:
/// `…_message_N.csv`.
fn levels_in_name(path: &Path) -> Option<usize> {
    let name = path.file_stem()?.to_str()?;
    let digits = &name[name.rfind("_message_")? + "_message_".len()..];
    digits.parse().ok().filter(|&n| n > 0)
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use surveil_sim::{Price, Qty};

    use super::*;
    use crate::replay::lobster::Depth;

    fn depth(levels: &[(i64, i64)]) -> Vec<Depth> {
        levels.iter().map(|&(p, q)| Depth { price: Price(p), qty: Qty(q) }).collect()
    }

    #[test]
    fn a_full_row_is_known_as_far_as_its_last_level() {
        let row = BookRow { asks: depth(&[(10_100, 5), (10_300, 7)]), bids: depth(&[(9_900, 4)]) };
        let s = snapshot_of_row(&row, 2, 100);
        assert_eq!((s.bid, s.ask), (Some(Price(9_900)), Some(Price(10_100))));
        // Bids show one of two levels: the side is whole.
        assert_eq!(s.depth[0].known, DEPTH_TICKS);
        assert_eq!(s.depth[0].volume[..2], [4, 0]);
        // Asks show both levels, the second 2 ticks away: distances 0 to 2.
        assert_eq!(s.depth[1].known, 3);
        assert_eq!(s.depth[1].volume[..3], [5, 0, 7]);

        let level_one = BookRow { asks: depth(&[(10_100, 5)]), bids: depth(&[(9_900, 4)]) };
        assert_eq!(snapshot_of_row(&level_one, 1, 100).depth[1].known, 1);
    }

    #[test]
    fn the_level_count_is_read_from_lobster_file_names() {
        let name = |s: &str| levels_in_name(&PathBuf::from(s));
        assert_eq!(name("d/AMZN_2012-06-21_34200000_57600000_message_1.csv"), Some(1));
        assert_eq!(name("AMZN_2012-06-21_34200000_57600000_message_10.csv"), Some(10));
        assert_eq!(name("messages.csv"), None);
        assert_eq!(name("x_message_0.csv"), None);
        assert_eq!(name("x_message_ten.csv"), None);
    }
}
