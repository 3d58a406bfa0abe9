//! LOBSTER message and order book files, read one row at a time.
//!
//! A message file has six columns: the time in seconds after midnight (a
//! decimal with up to nine places), the event type (1 to 7), the order id,
//! the size in shares, the price in dollars times 10,000, and the direction
//! (1 for a buy order, -1 for a sell order). Row *i* of the matching order
//! book file holds the book after message *i*: for each of N levels, the ask
//! price, ask size, bid price and bid size, with an unoccupied level written
//! as price 9999999999 (ask) or -9999999999 (bid) and size 0.
//!
//! Parsing is exact: prices, sizes and ids are integers and
//! times become whole nanoseconds without passing through a float. A row
//! that parses has been checked to make sense on its own (a known type, a
//! positive size where one is required, an order book row whose levels are
//! sorted and not crossed), and a row that does not is refused with the
//! field at fault.

use std::fmt;

use csv::ByteRecord;
use serde::Serialize;
use surveil_sim::{Nanos, OrderId, Price, Qty, Side};

use super::error::RowProblem;

/// The columns of a message file, in order.
pub const MESSAGE_COLUMNS: [&str; 6] = ["Time", "Type", "OrderId", "Size", "Price", "Direction"];

/// The price LOBSTER writes for an unoccupied ask level.
pub const EMPTY_ASK: i64 = 9_999_999_999;

/// The price LOBSTER writes for an unoccupied bid level.
pub const EMPTY_BID: i64 = -9_999_999_999;

/// The first id kept for orders the replay makes up itself; ids in a file
/// must lie below it.
pub const SYNTHETIC_IDS: u64 = 1 << 63;

/// The most shares one message may carry. No real order comes near it, and
/// it keeps the totals of a level far from overflowing however many orders
/// a file rests there.
pub const MAX_ORDER_SIZE: i64 = 1_000_000_000;

/// The most shares one level of an order book row may show, for the same
/// reason.
pub const MAX_LEVEL_SIZE: i64 = 1_000_000_000_000_000;

/// What a message reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// Type 1: a new limit order rests on the book.
    Submit,
    /// Type 2: part of a resting order is cancelled; it keeps its place.
    PartialCancel,
    /// Type 3: a resting order is removed.
    Delete,
    /// Type 4: a visible resting order trades against an incoming one.
    VisibleExecution,
    /// Type 5: a hidden order trades; the visible book does not change.
    HiddenExecution,
    /// Type 6: a cross (auction) trade; the visible book does not change.
    CrossTrade,
    /// Type 7: trading halts or resumes.
    Halt(HaltSignal),
}

/// What a type-7 message announces, written in its price field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaltSignal {
    /// Price -1: trading halts.
    Halt,
    /// Price 0: quoting resumes, trading not yet.
    QuotingResumes,
    /// Price 1: trading resumes.
    TradingResumes,
}

impl MessageKind {
    /// Returns the type code LOBSTER writes for this kind.
    pub fn code(self) -> u8 {
        match self {
            MessageKind::Submit => 1,
            MessageKind::PartialCancel => 2,
            MessageKind::Delete => 3,
            MessageKind::VisibleExecution => 4,
            MessageKind::HiddenExecution => 5,
            MessageKind::CrossTrade => 6,
            MessageKind::Halt(_) => 7,
        }
    }
}

/// One row of a message file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    /// Nanoseconds after midnight.
    pub time: Nanos,
    /// What happened.
    pub kind: MessageKind,
    /// The order it concerns (0 for hidden executions and halts).
    pub id: OrderId,
    /// Shares.
    pub size: Qty,
    /// Dollars times 10,000; for a halt, the signal (-1, 0 or 1).
    pub price: Price,
    /// The side of the resting order concerned.
    pub side: Side,
}

/// Writes the message back in LOBSTER's own form, one CSV row.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = match self.side {
            Side::Buy => 1,
            Side::Sell => -1,
        };
        let secs = self.time.0 / 1_000_000_000;
        let nanos = self.time.0 % 1_000_000_000;
        write!(f, "{secs}")?;
        if nanos != 0 {
            let fraction = format!("{nanos:09}");
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        write!(
            f,
            ",{},{},{},{},{direction}",
            self.kind.code(),
            self.id.0,
            self.size.0,
            self.price.0
        )
    }
}

/// One occupied price level as an order book file or the replayed book
/// shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Depth {
    /// The price, in dollars times 10,000.
    pub price: Price,
    /// The shares resting at that price.
    pub qty: Qty,
}

/// One row of an order book file: the occupied levels of each side, best
/// first. Unoccupied levels are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BookRow {
    /// Ask levels, lowest price first.
    pub asks: Vec<Depth>,
    /// Bid levels, highest price first.
    pub bids: Vec<Depth>,
}

impl BookRow {
    /// Returns the levels of one side, best first.
    pub fn side(&self, side: Side) -> &[Depth] {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }
}

/// The end of a LOBSTER day: times are seconds after midnight.
const END_OF_DAY: Nanos = Nanos::from_secs(86_400);

/// What the `Type` column may hold.
const TYPES: &str = "one of 1, 2, 3, 4, 5, 6, 7";

/// What the `Direction` column may hold.
const DIRECTIONS: &str = "1 (buy) or -1 (sell)";

/// Parses one message row.
pub fn parse_message(record: &ByteRecord) -> Result<Message, RowProblem> {
    if record.len() != MESSAGE_COLUMNS.len() {
        return Err(RowProblem::FieldCount {
            expected: format!("{} fields ({})", MESSAGE_COLUMNS.len(), MESSAGE_COLUMNS.join(",")),
            found: record.len(),
        });
    }
    let field = |i: usize| record.get(i).unwrap_or_default();

    let time = parse_seconds(field(0)).filter(|&t| t < END_OF_DAY).ok_or_else(|| {
        RowProblem::field(
            "Time",
            "seconds after midnight below 86400, such as 34200.017459617 (at most 9 decimals)",
            field(0),
        )
    })?;
    let type_code = code(field(1), "Type", TYPES)?;
    let raw_id = integer(field(2), "OrderId")?;
    let size = integer(field(3), "Size")?;
    let price = integer(field(4), "Price")?;
    let direction = code(field(5), "Direction", DIRECTIONS)?;

    let kind = match type_code {
        1 => MessageKind::Submit,
        2 => MessageKind::PartialCancel,
        3 => MessageKind::Delete,
        4 => MessageKind::VisibleExecution,
        5 => MessageKind::HiddenExecution,
        6 => MessageKind::CrossTrade,
        7 => MessageKind::Halt(match price {
            -1 => HaltSignal::Halt,
            0 => HaltSignal::QuotingResumes,
            1 => HaltSignal::TradingResumes,
            _ => {
                return Err(RowProblem::field(
                    "Price",
                    "-1 (halt), 0 (quoting resumes) or 1 (trading resumes) on a type-7 row",
                    field(4),
                ));
            }
        }),
        _ => return Err(RowProblem::field("Type", TYPES, field(1))),
    };
    let id = u64::try_from(raw_id)
        .ok()
        .filter(|&id| id < SYNTHETIC_IDS)
        .ok_or_else(|| RowProblem::field("OrderId", "a non-negative integer", field(2)))?;
    let side = match direction {
        1 => Side::Buy,
        -1 => Side::Sell,
        _ => return Err(RowProblem::field("Direction", DIRECTIONS, field(5))),
    };

    // Orders that rest or leave the book need a real size and price; the
    // trade reports (hidden, cross) may carry a zero size, and a halt's
    // price is its signal.
    let needs_size = matches!(
        kind,
        MessageKind::Submit
            | MessageKind::PartialCancel
            | MessageKind::Delete
            | MessageKind::VisibleExecution
    );
    let smallest = i64::from(needs_size);
    if !(smallest..=MAX_ORDER_SIZE).contains(&size) {
        return Err(RowProblem::field(
            "Size",
            format!("an integer from {smallest} to {MAX_ORDER_SIZE} (shares)"),
            field(3),
        ));
    }
    if !matches!(kind, MessageKind::Halt(_)) && price <= 0 {
        return Err(RowProblem::field(
            "Price",
            "a positive integer (dollars times 10000)",
            field(4),
        ));
    }

    Ok(Message { time, kind, id: OrderId(id), size: Qty(size), price: Price(price), side })
}

/// Parses a field that must hold an integer.
fn integer(text: &[u8], name: &str) -> Result<i64, RowProblem> {
    parse_int(text).ok_or_else(|| {
        let digits = text.strip_prefix(b"-").unwrap_or(text);
        let expected = if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
            "an integer of 64 bits (from -9223372036854775808 to 9223372036854775807)"
        } else {
            "an integer"
        };
        RowProblem::field(name, expected, text)
    })
}

/// Reads a decimal integer, or `None` if the text is not one.
fn parse_int(text: &[u8]) -> Option<i64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Parses a field that must hold one of a few integers, saying which when
/// it holds something else.
fn code(text: &[u8], name: &str, expected: &str) -> Result<i64, RowProblem> {
    integer(text, name).map_err(|_| RowProblem::field(name, expected, text))
}

/// Reads seconds written as a decimal (`34200.017459617`) as whole
/// nanoseconds. More than nine decimals, a sign, or a value past the range
/// of [`Nanos`] give `None`.
pub fn parse_seconds(text: &[u8]) -> Option<Nanos> {
    let mut parts = text.splitn(2, |&b| b == b'.');
    let whole = parts.next()?;
    let fraction = parts.next().unwrap_or_default();
    if whole.is_empty() || fraction.len() > 9 {
        return None;
    }
    if !whole.iter().chain(fraction).all(u8::is_ascii_digit) {
        return None;
    }

    let mut secs: u64 = 0;
    for &digit in whole {
        secs = secs.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
    }

    // The fraction is read as if padded with zeros to nine places.
    let mut nanos: u64 = 0;
    for place in 0..9 {
        let digit = fraction.get(place).map_or(0, |&d| u64::from(d - b'0'));
        nanos = nanos * 10 + digit;
    }
    Some(Nanos(secs.checked_mul(1_000_000_000)?.checked_add(nanos)?))
}

/// Parses one order book row of `levels` levels per side into `row`,
/// replacing what it held.
pub fn parse_book_row(
    record: &ByteRecord,
    levels: usize,
    row: &mut BookRow,
) -> Result<(), RowProblem> {
    if record.len() != 4 * levels {
        return Err(RowProblem::FieldCount {
            expected: book_field_count(levels),
            found: record.len(),
        });
    }
    row.asks.clear();
    row.bids.clear();

    for level in 1..=levels {
        let at = 4 * (level - 1);
        let field = |i: usize| record.get(at + i).unwrap_or_default();
        push_level(&mut row.asks, Side::Sell, level, field(0), field(1))?;
        push_level(&mut row.bids, Side::Buy, level, field(2), field(3))?;
    }

    if let (Some(bid), Some(ask)) = (row.bids.first(), row.asks.first())
        && bid.price >= ask.price
    {
        return Err(RowProblem::field(
            "BidPrice1",
            format!("a price below AskPrice1 ({}): a book is never crossed at rest", ask.price.0),
            record.get(2).unwrap_or_default(),
        ));
    }
    Ok(())
}

/// Says how many fields an order book row of `levels` levels has.
pub(crate) fn book_field_count(levels: usize) -> String {
    let per =
        if levels == 1 { "its one level".to_owned() } else { format!("each of {levels} levels") };
    format!("{} fields (ask price, ask size, bid price and bid size for {per})", 4 * levels)
}

/// Checks one level of one side and adds it to `levels` if it is occupied.
fn push_level(
    levels: &mut Vec<Depth>,
    side: Side,
    level: usize,
    price_text: &[u8],
    size_text: &[u8],
) -> Result<(), RowProblem> {
    let (name, empty) = match side {
        Side::Sell => ("Ask", EMPTY_ASK),
        Side::Buy => ("Bid", EMPTY_BID),
    };
    let price_field = || format!("{name}Price{level}");
    let size_field = || format!("{name}Size{level}");
    // The field names are only spelled out when a row is refused: building
    // them for every row would cost more than parsing it.
    let price = parse_int(price_text)
        .ok_or_else(|| RowProblem::field(price_field(), "an integer", price_text))?;
    let size = parse_int(size_text)
        .ok_or_else(|| RowProblem::field(size_field(), "an integer", size_text))?;

    if price == empty {
        if size != 0 {
            return Err(RowProblem::field(
                size_field(),
                format!("0 beside the unoccupied-level price {empty}"),
                size_text,
            ));
        }
        return Ok(());
    }

    // An occupied level after an unoccupied one would mean the side has a
    // gap, which LOBSTER never writes.
    if levels.len() + 1 < level {
        return Err(RowProblem::field(
            price_field(),
            format!("the unoccupied-level price {empty}, as the level before it is unoccupied"),
            price_text,
        ));
    }
    if price <= 0 {
        return Err(RowProblem::field(
            price_field(),
            format!("a positive price or the unoccupied-level price {empty}"),
            price_text,
        ));
    }
    if !(1..=MAX_LEVEL_SIZE).contains(&size) {
        return Err(RowProblem::field(
            size_field(),
            format!("an integer from 1 to {MAX_LEVEL_SIZE} (shares)"),
            size_text,
        ));
    }
    if let Some(previous) = levels.last() {
        let sorted = match side {
            Side::Sell => price > previous.price.0,
            Side::Buy => price < previous.price.0,
        };
        if !sorted {
            let relation = if side == Side::Sell { "above" } else { "below" };
            return Err(RowProblem::field(
                price_field(),
                format!("a price {relation} {name}Price{} ({})", level - 1, previous.price.0),
                price_text,
            ));
        }
    }
    levels.push(Depth { price: Price(price), qty: Qty(size) });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> ByteRecord {
        ByteRecord::from(line.split(',').collect::<Vec<_>>())
    }

    fn problem_field(problem: RowProblem) -> String {
        match problem {
            RowProblem::Field { field, .. } => field,
            other => panic!("expected a field problem, got {other:?}"),
        }
    }

    #[test]
    fn seconds_become_exact_nanoseconds() {
        assert_eq!(parse_seconds(b"34200.017459617"), Some(Nanos(34_200_017_459_617)));
        assert_eq!(parse_seconds(b"34200.01746"), Some(Nanos(34_200_017_460_000)));
        assert_eq!(parse_seconds(b"34200"), Some(Nanos(34_200_000_000_000)));
        assert_eq!(parse_seconds(b"0.000000001"), Some(Nanos(1)));
        for bad in [&b""[..], b".5", b"1.0000000001", b"-1.5", b"1e3", b"1.2.3", b"99999999999"] {
            assert_eq!(parse_seconds(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn messages_parse_every_type() {
        let m = parse_message(&record("34200.18961,1,11885113,21,2238100,1")).unwrap();
        assert_eq!(m.kind, MessageKind::Submit);
        assert_eq!(
            (m.id, m.size, m.price, m.side),
            (OrderId(11885113), Qty(21), Price(2238100), Side::Buy)
        );
        let kinds: Vec<_> = ["2", "3", "4", "5", "6"]
            .iter()
            .map(|t| parse_message(&record(&format!("1,{t},5,10,100,-1"))).unwrap().kind)
            .collect();
        assert_eq!(
            kinds,
            [
                MessageKind::PartialCancel,
                MessageKind::Delete,
                MessageKind::VisibleExecution,
                MessageKind::HiddenExecution,
                MessageKind::CrossTrade
            ]
        );
        let halts: Vec<_> = ["-1", "0", "1"]
            .iter()
            .map(|p| parse_message(&record(&format!("1,7,0,0,{p},-1"))).unwrap().kind)
            .collect();
        assert_eq!(
            halts,
            [HaltSignal::Halt, HaltSignal::QuotingResumes, HaltSignal::TradingResumes]
                .map(MessageKind::Halt)
        );
    }

    #[test]
    fn messages_print_back_as_they_were_written() {
        for line in ["34200.18961,1,11885113,21,2238100,1", "36023,7,0,0,-1,-1"] {
            assert_eq!(parse_message(&record(line)).unwrap().to_string(), line);
        }
    }

    #[test]
    fn bad_message_fields_are_named() {
        let cases = [
            ("34200.1,1,5,10,22.5,1", "Price"),
            ("34200.1,8,5,10,100,1", "Type"),
            ("34200.1,1,5,10,100,0", "Direction"),
            ("34200.1,1,5,0,100,1", "Size"),
            ("34200.1,1,5,1000000001,100,1", "Size"),
            ("34200.1,5,0,-1,100,1", "Size"),
            ("34200.1,3,-5,10,100,1", "OrderId"),
            ("34200.1,3,9223372036854775808,10,100,1", "OrderId"),
            ("9:30,1,5,10,100,1", "Time"),
            ("86400,1,5,10,100,1", "Time"),
            ("34200.1,7,0,0,2,-1", "Price"),
            ("34200.1,1,5,10,-100,1", "Price"),
        ];
        for (line, field) in cases {
            let problem = parse_message(&record(line)).unwrap_err();
            assert_eq!(problem_field(problem), field, "{line}");
        }
        let huge = parse_message(&record("34200.1,1,18446744073709551616,10,100,1")).unwrap_err();
        assert!(huge.to_string().contains("64 bits"), "{huge}");
        let short = parse_message(&record("34200.1,1,5,10,100")).unwrap_err();
        assert!(matches!(short, RowProblem::FieldCount { found: 5, .. }), "{short:?}");
    }

    #[test]
    fn book_rows_leave_out_unoccupied_levels() {
        let mut row = BookRow::default();
        let line = "101,5,99,7,102,1,-9999999999,0";
        parse_book_row(&record(line), 2, &mut row).unwrap();
        assert_eq!(
            row.asks,
            [Depth { price: Price(101), qty: Qty(5) }, Depth { price: Price(102), qty: Qty(1) }]
        );
        assert_eq!(row.bids, [Depth { price: Price(99), qty: Qty(7) }]);
    }

    #[test]
    fn bad_book_rows_are_refused_with_the_field() {
        let cases = [
            ("101,5,99,7,100,1,98,1", "AskPrice2"),
            ("101,5,99,7,102,1,99,1", "BidPrice2"),
            ("101,5,101,7", "BidPrice1"),
            ("9999999999,3,99,7", "AskSize1"),
            ("101,0,99,7", "AskSize1"),
            ("101,5,99,1000000000000001", "BidSize1"),
            ("9999999999,0,99,7,102,1,98,1", "AskPrice2"),
            ("101,5,99,x", "BidSize1"),
        ];
        let mut row = BookRow::default();
        for (line, field) in cases {
            let levels = line.split(',').count() / 4;
            let problem = parse_book_row(&record(line), levels, &mut row).unwrap_err();
            assert_eq!(problem_field(problem), field, "{line}");
        }
    }
}
