//! The check of a rebuilt book against a LOBSTER order book file, row by
//! row, and the phantom liquidity it needs.
//!
//! A level-N message file only reports events that touch the N best levels
//! of each side, and the day's book did not start empty, so the replay
//! cannot know everything from the messages alone. It fills the gaps from
//! the order book file in a way that keeps every comparison honest:
//!
//! - **Phantom liquidity.** Shares the file shows at a price that no order
//!   the replay knows accounts for are held by one synthetic resting order
//!   per price, its id at or above [`SYNTHETIC_IDS`] so it can never meet an
//!   id from the file. A message that reduces, deletes or executes an order
//!   the replay does not know (one that rested before the file starts, or
//!   whose level the replay could not follow) takes its size from the
//!   phantom at its price and side.
//! - **Followed prices.** After a checked row, the replay has followed every
//!   price of a side from the best down to the row's last level (the whole
//!   side, when the row shows fewer than N levels): any event there had to be
//!   reported, so at the next row the book must match the file at those
//!   prices, and a difference is a *mismatch*.
//! - **Revealed levels.** A level beyond the followed prices can only come
//!   into view when a level before it empties, and what happened to it out
//!   of view was never reported. It is *revealed*: taken whole from the order
//!   book file as phantom liquidity, even when the replay's stale guess
//!   agreed, because which orders make it up is unknown. Such a row counts as
//!   revealed, not as a match; levels the replay still held there but the
//!   file shows gone are dropped as stale.
//!
//! After a mismatch the book is corrected to the row as well, so one error
//! is counted once rather than at every row after it. A followed level that
//! is too large loses shares from its phantom; when the phantom holds too
//! few, orders the replay knew there changed without a message, and the
//! level becomes a single phantom of the size the file shows, on which later
//! messages about those orders draw. Levels beyond a row's last one are
//! never touched: they stay the replay's best guess until they come into
//! view.

use std::collections::BTreeMap;

use serde::Serialize;
use surveil_sim::book::Book;
use surveil_sim::{OrderId, Price, Qty, Side};

use super::engine::Problem;
use super::lobster::{BookRow, Depth, Message, SYNTHETIC_IDS};

/// How many mismatches a replay keeps in full for its report.
pub const MISMATCHES_KEPT: usize = 5;

/// One row where the rebuilt book and the order book file disagreed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The message's line in the message file.
    pub line: u64,
    /// The row's line in the order book file.
    pub orderbook_line: u64,
    /// The message, as LOBSTER writes it.
    pub message: String,
    /// Why the message itself could not be applied as written, if it could not.
    pub reason: Option<String>,
    /// The levels the order book file shows.
    pub expected: BookRow,
    /// The same levels of the rebuilt book, before it was corrected.
    pub got: BookRow,
}

/// How the rebuilt book compared with the order book file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    /// Rows where the rebuilt book was exactly the file's.
    pub matches: u64,
    /// Rows that differed only at levels the message file could not show.
    pub revealed_rows: u64,
    /// Occupied levels taken from the order book file on those rows.
    pub revealed_levels: u64,
    /// Levels the replay still held beyond its view that the file showed
    /// gone when they came into view.
    pub stale_levels_dropped: u64,
    /// Rows where the rebuilt book was wrong at a level it had followed, or
    /// where the message could not be applied.
    pub mismatches: u64,
    /// References to unknown orders for more shares than the phantom
    /// liquidity at their price held.
    pub unexplained_refs: u64,
    /// The first mismatches, in file order.
    pub first_mismatches: Vec<Mismatch>,
}

/// Where a checked row sits in its two files.
#[derive(Clone, Copy, Debug)]
pub struct RowAt<'m> {
    /// The message's line in the message file.
    pub line: u64,
    /// The row's line in the order book file.
    pub orderbook_line: u64,
    /// The message just applied.
    pub message: &'m Message,
}

/// Returns the best `levels` levels of each side of a book.
pub fn top_levels(book: &Book, levels: usize) -> BookRow {
    let side = |side: Side| -> Vec<Depth> {
        book.levels(side).take(levels).map(|l| Depth { price: l.price, qty: l.qty }).collect()
    };
    BookRow { asks: side(Side::Sell), bids: side(Side::Buy) }
}

/// Tells whether `a` is a better price than `b` for resting orders of
/// `side`: higher for bids, lower for asks.
fn better(side: Side, a: Price, b: Price) -> bool {
    match side {
        Side::Buy => a > b,
        Side::Sell => a < b,
    }
}

/// The prices of one side that the replay has followed since the last
/// checked row, so that any change there was reported by a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Followed {
    /// None yet: the book before the first checked row is unknown.
    Nothing,
    /// Every price from the best down to this one, inclusive.
    Through(Price),
    /// The whole side: the last row showed all of its levels.
    Everything,
}

impl Followed {
    /// What a checked row lets the replay follow of one side: down to its
    /// last level when it shows `levels` of them, all of it when it shows
    /// fewer.
    fn after(shown: &[Depth], levels: usize) -> Followed {
        match shown.last() {
            Some(last) if shown.len() >= levels => Followed::Through(last.price),
            _ => Followed::Everything,
        }
    }

    /// Tells whether a price of `side` was followed.
    fn covers(self, side: Side, price: Price) -> bool {
        match self {
            Followed::Nothing => false,
            Followed::Through(last) => !better(side, last, price),
            Followed::Everything => true,
        }
    }
}

/// One price where the book must be corrected to the order book row: it
/// disagrees with the row there, or the level has just come into view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LevelDiff {
    side: Side,
    price: Price,
    /// The row's shares at this price (zero if it shows none there).
    expected: Qty,
    /// The book's.
    got: Qty,
    /// Whether the replay followed this price since the last checked row,
    /// so that the book's level there should have been right.
    followed: bool,
}

/// The comparison with the order book file and the phantom liquidity it
/// needs.
#[derive(Debug)]
pub(super) struct Checker {
    /// The phantom order at each price that has one.
    phantoms: BTreeMap<(Side, Price), OrderId>,
    next_phantom: u64,
    followed_bids: Followed,
    followed_asks: Followed,
    /// The differences at the row being checked; kept to reuse its memory.
    diffs: Vec<LevelDiff>,
    summary: CheckSummary,
}

impl Checker {
    /// Starts with no phantom liquidity and nothing followed.
    pub(super) fn new() -> Checker {
        Checker {
            phantoms: BTreeMap::new(),
            next_phantom: SYNTHETIC_IDS,
            followed_bids: Followed::Nothing,
            followed_asks: Followed::Nothing,
            diffs: Vec::new(),
            summary: CheckSummary::default(),
        }
    }

    /// Returns how the book compared with the file so far.
    pub(super) fn summary(&self) -> &CheckSummary {
        &self.summary
    }

    /// Ends the check, returning its summary.
    pub(super) fn into_summary(self) -> CheckSummary {
        self.summary
    }

    /// Compares the book with the row that follows the message just
    /// applied, records the outcome, and corrects the book to the row.
    pub(super) fn check_row(
        &mut self,
        book: &mut Book,
        row: &BookRow,
        levels: usize,
        at: RowAt<'_>,
        problem: Option<Problem>,
    ) {
        self.diff(book, row, levels);
        if self.diffs.is_empty() && problem.is_none() {
            self.summary.matches += 1;
            self.follow(row, levels);
            return;
        }

        // The book is captured before it is corrected, and only while the
        // report still has room for another mismatch.
        let got = (self.summary.first_mismatches.len() < MISMATCHES_KEPT)
            .then(|| top_levels(book, levels));
        let followed = self.diffs.iter().any(|d| d.followed);
        let failure = self.correct(book);
        let reason = problem.map(|p| p.to_string()).or(failure);

        if followed || reason.is_some() {
            self.summary.mismatches += 1;
            if let Some(got) = got {
                self.summary.first_mismatches.push(Mismatch {
                    line: at.line,
                    orderbook_line: at.orderbook_line,
                    message: at.message.to_string(),
                    reason,
                    expected: row.clone(),
                    got,
                });
            }
        } else {
            let occupied = self.diffs.iter().filter(|d| d.expected > Qty::ZERO).count() as u64;
            self.summary.revealed_rows += 1;
            self.summary.revealed_levels += occupied;
            self.summary.stale_levels_dropped += self.diffs.len() as u64 - occupied;
        }
        self.follow(row, levels);
    }

    /// Corrects the book to a row without judging it.
    pub(super) fn resync(&mut self, book: &mut Book, row: &BookRow, levels: usize) {
        self.diff(book, row, levels);
        // A failure here would be reported by the next checked row, which
        // finds the book still differing from the file.
        let _ = self.correct(book);
        self.follow(row, levels);
    }

    /// Returns what the replay has followed of one side.
    fn followed(&self, side: Side) -> Followed {
        match side {
            Side::Buy => self.followed_bids,
            Side::Sell => self.followed_asks,
        }
    }

    /// Records what a checked row lets the replay follow until the next.
    fn follow(&mut self, row: &BookRow, levels: usize) {
        self.followed_bids = Followed::after(&row.bids, levels);
        self.followed_asks = Followed::after(&row.asks, levels);
    }

    /// Takes an unknown order's shares from the phantom liquidity at its
    /// price, counting the reference as unexplained if there is too little.
    pub(super) fn take_phantom(&mut self, book: &mut Book, side: Side, price: Price, size: Qty) {
        let held = self.phantoms.get(&(side, price)).and_then(|&id| book.get(id));
        let Some(phantom) = held else {
            self.summary.unexplained_refs += 1;
            return;
        };
        if phantom.qty < size {
            self.summary.unexplained_refs += 1;
        }
        if book.reduce(phantom.id, size).is_none_or(|left| left.qty == Qty::ZERO) {
            self.phantoms.remove(&(side, price));
        }
    }

    /// Lists, in `self.diffs`, every price within the range the row shows
    /// where the book must be corrected.
    fn diff(&mut self, book: &Book, row: &BookRow, levels: usize) {
        self.diffs.clear();
        for side in [Side::Buy, Side::Sell] {
            let followed = self.followed(side);
            diff_side(book, side, row.side(side), levels, followed, &mut self.diffs);
        }
    }

    /// Corrects the book at every price in `self.diffs`. Returns why a
    /// level could not be set, if one could not.
    fn correct(&mut self, book: &mut Book) -> Option<String> {
        let diffs = std::mem::take(&mut self.diffs);

        // Every level shrinks or empties before any grows, so that no level
        // is added while a stale level of the other side that it would
        // cross is still resting. A level that has just come into view is
        // emptied whatever it holds: which orders make it up is unknown, so
        // the file's shares are all taken as phantom.
        let mut failure = None;
        for d in &diffs {
            let result = if !d.followed {
                self.clear(book, d.side, d.price);
                Ok(())
            } else if d.got > d.expected {
                self.shrink(book, d.side, d.price, d.got - d.expected, d.expected)
            } else {
                Ok(())
            };
            if let Err(e) = result {
                failure.get_or_insert(e);
            }
        }
        for d in &diffs {
            let missing = if d.followed { d.expected - d.got } else { d.expected };
            if missing > Qty::ZERO
                && let Err(e) = self.grow(book, d.side, d.price, missing)
            {
                failure.get_or_insert(e);
            }
        }
        self.diffs = diffs;
        failure
    }

    /// Removes every order resting at one price, phantom or not.
    fn clear(&mut self, book: &mut Book, side: Side, price: Price) {
        for order in book.queue(side, price) {
            book.cancel(order.id);
        }
        self.phantoms.remove(&(side, price));
    }

    /// Takes `by` shares off a level, leaving `target`.
    fn shrink(
        &mut self,
        book: &mut Book,
        side: Side,
        price: Price,
        by: Qty,
        target: Qty,
    ) -> Result<(), String> {
        let phantom = self.phantoms.get(&(side, price)).and_then(|&id| book.get(id));
        if let Some(phantom) = phantom
            && phantom.qty >= by
        {
            if book.reduce(phantom.id, by).is_none_or(|left| left.qty == Qty::ZERO) {
                self.phantoms.remove(&(side, price));
            }
            return Ok(());
        }

        // Known orders here lost shares the replay was not told of, and
        // which ones cannot be told: the level is replaced by a single
        // phantom, and later messages about those orders draw on it as they
        // would for any unknown order.
        self.clear(book, side, price);
        if target > Qty::ZERO { self.grow(book, side, price, target) } else { Ok(()) }
    }

    /// Adds `by` shares to a level's phantom, creating it if needed.
    fn grow(&mut self, book: &mut Book, side: Side, price: Price, by: Qty) -> Result<(), String> {
        let (id, held) = match self.phantoms.get(&(side, price)) {
            Some(&id) => (id, book.cancel(id).map_or(Qty::ZERO, |o| o.qty)),
            None => {
                let id = OrderId(self.next_phantom);
                self.next_phantom = self.next_phantom.saturating_add(1);
                (id, Qty::ZERO)
            }
        };
        match book.rest(id, side, price, held + by) {
            Ok(()) => {
                self.phantoms.insert((side, price), id);
                Ok(())
            }
            Err(e) => {
                self.phantoms.remove(&(side, price));
                Err(format!(
                    "the file's {} shares on the {side} side at {} cannot rest: {e}",
                    (held + by).0,
                    price.0
                ))
            }
        }
    }
}

/// Lists the prices of one side where the book must be corrected to the
/// row: those where it differs from the row, and those that have just come
/// into view (not `followed`), even if the book's guess there was right.
///
/// A row showing all `levels` levels says nothing beyond its last one, so
/// the book is compared down to that price only; a row showing fewer shows
/// the whole side.
fn diff_side(
    book: &Book,
    side: Side,
    shown: &[Depth],
    levels: usize,
    followed: Followed,
    out: &mut Vec<LevelDiff>,
) {
    let mut push = |price: Price, expected: Qty, got: Qty| {
        let followed = followed.covers(side, price);
        if expected != got || !followed {
            out.push(LevelDiff { side, price, expected, got, followed });
        }
    };
    let last = if shown.len() >= levels { shown.last().map(|l| l.price) } else { None };
    let mut want = shown.iter().peekable();
    for level in book.levels(side) {
        if last.is_some_and(|last| better(side, last, level.price)) {
            break;
        }
        while let Some(w) = want.next_if(|w| better(side, w.price, level.price)) {
            push(w.price, w.qty, Qty::ZERO);
        }
        let expected = want.next_if(|w| w.price == level.price).map_or(Qty::ZERO, |w| w.qty);
        push(level.price, expected, level.qty);
    }
    for w in want {
        push(w.price, w.qty, Qty::ZERO);
    }
}
