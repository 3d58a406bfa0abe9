//! The replay proper: LOBSTER messages applied one by one to a [`Book`],
//! with the counts a report needs.
//!
//! Each message type has one effect: a new order rests (and a refusal by
//! the book is reported, never a panic), a partial cancel or an execution
//! takes its size off the order it names without moving it in its queue, a
//! deletion removes the order, hidden executions and cross trades leave
//! the visible book alone, and halt messages change the trading state.
//! When the order book file is at hand, the check in [`super::check`]
//! judges the book after every message and supplies the shares of orders
//! the file never added.

use std::fmt;

use serde::Serialize;
use surveil_sim::Nanos;
use surveil_sim::book::{Book, RestError, Resting};

use super::check::{CheckSummary, Checker, RowAt};
use super::lobster::{BookRow, HaltSignal, Message, MessageKind};

/// Rows of each message type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeCounts {
    /// Type 1: new limit orders.
    pub submit: u64,
    /// Type 2: partial cancellations.
    pub partial_cancel: u64,
    /// Type 3: deletions.
    pub delete: u64,
    /// Type 4: executions of visible orders.
    pub visible_execution: u64,
    /// Type 5: executions of hidden orders.
    pub hidden_execution: u64,
    /// Type 6: cross trades.
    pub cross_trade: u64,
    /// Type 7: trading halt indicators.
    pub halt: u64,
}

/// Whether the market is trading, as the halt messages last said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingState {
    /// Trading normally; every file starts in this state.
    #[default]
    Trading,
    /// Halted: no quoting, no trading.
    Halted,
    /// Quoting has resumed but trading has not.
    QuotingOnly,
}

/// The halt messages seen and the state they left the market in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HaltCounts {
    /// Messages announcing a halt.
    pub halts: u64,
    /// Messages announcing that quoting resumes.
    pub quoting_resumed: u64,
    /// Messages announcing that trading resumes.
    pub trading_resumed: u64,
    /// The state after the last message.
    pub state: TradingState,
}

/// What the messages amounted to, checked or not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows of each type.
    pub types: TypeCounts,
    /// Cancellations, deletions and executions of orders not on the book.
    pub unknown_order_refs: u64,
    /// New orders the book refused: they would have crossed it, or reused
    /// the id of a resting order.
    pub refused_orders: u64,
    /// The halt messages.
    pub halts: HaltCounts,
    /// The first message's time.
    pub first_time: Option<Nanos>,
    /// The last message's time.
    pub last_time: Option<Nanos>,
}

/// Why a message could not be applied as written. It is kept as data and
/// only put into words when a report shows it, so that a replay that meets
/// many such messages does not pay for text nobody reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A new order the book refused to rest.
    Refused {
        /// The message.
        message: Message,
        /// Why the book refused it.
        refused: RestError,
    },
    /// A message that places an order at another price or side than the
    /// book holds it.
    Misplaced {
        /// The message.
        message: Message,
        /// The order as the book holds it.
        resting: Resting,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Refused { message: m, refused } => write!(
                f,
                "new order {} ({} {} at {}) cannot rest: {refused}",
                m.id.0, m.side, m.size.0, m.price.0
            ),
            Problem::Misplaced { message: m, resting: r } => write!(
                f,
                "order {} rests on the {} side at {}, but the message places it on the {} side \
                 at {}",
                m.id.0, r.side, r.price.0, m.side, m.price.0
            ),
        }
    }
}

/// A book rebuilt from messages, and the check against the order book file
/// when there is one.
#[derive(Debug)]
pub struct Replayer {
    book: Book,
    tally: Tally,
    check: Option<Checker>,
}

impl Replayer {
    /// Starts from an empty book. With `checked`, the replay keeps phantom
    /// liquidity and expects a [`Replayer::check`] or [`Replayer::resync`]
    /// after each message; without, it applies messages alone.
    pub fn new(checked: bool) -> Replayer {
        Replayer { book: Book::new(), tally: Tally::default(), check: checked.then(Checker::new) }
    }

    /// Applies one message to the book. Returns why it could not be applied
    /// as written (a new order the book refused, or an order the message
    /// places at another price or side than the book holds it), if so.
    pub fn apply(&mut self, message: &Message) -> Option<Problem> {
        let tally = &mut self.tally;
        tally.first_time.get_or_insert(message.time);
        tally.last_time = Some(message.time);
        let types = &mut tally.types;
        match message.kind {
            MessageKind::Submit => types.submit += 1,
            MessageKind::PartialCancel => types.partial_cancel += 1,
            MessageKind::Delete => types.delete += 1,
            MessageKind::VisibleExecution => types.visible_execution += 1,
            MessageKind::HiddenExecution => types.hidden_execution += 1,
            MessageKind::CrossTrade => types.cross_trade += 1,
            MessageKind::Halt(_) => types.halt += 1,
        }

        match message.kind {
            MessageKind::Submit => {
                let Message { id, side, price, size, .. } = *message;
                let refused = self.book.rest(id, side, price, size).err()?;
                self.tally.refused_orders += 1;
                Some(Problem::Refused { message: *message, refused })
            }
            MessageKind::PartialCancel | MessageKind::VisibleExecution => self.take(message, false),
            MessageKind::Delete => self.take(message, true),
            MessageKind::HiddenExecution | MessageKind::CrossTrade => None,
            MessageKind::Halt(signal) => {
                let halts = &mut self.tally.halts;
                match signal {
                    HaltSignal::Halt => halts.halts += 1,
                    HaltSignal::QuotingResumes => halts.quoting_resumed += 1,
                    HaltSignal::TradingResumes => halts.trading_resumed += 1,
                }
                halts.state = match signal {
                    HaltSignal::Halt => TradingState::Halted,
                    HaltSignal::QuotingResumes => TradingState::QuotingOnly,
                    HaltSignal::TradingResumes => TradingState::Trading,
                };
                None
            }
        }
    }

    /// Takes a message's shares off the order it names: the whole order for
    /// a deletion, the message's size otherwise. An order the book does not
    /// hold is taken from the phantom liquidity at the message's price.
    fn take(&mut self, message: &Message, whole: bool) -> Option<Problem> {
        let Some(resting) = self.book.get(message.id) else {
            self.tally.unknown_order_refs += 1;
            if let Some(check) = &mut self.check {
                check.take_phantom(&mut self.book, message.side, message.price, message.size);
            }
            return None;
        };

        if whole {
            self.book.cancel(message.id);
        } else {
            self.book.reduce(message.id, message.size);
        }
        let misplaced = resting.side != message.side || resting.price != message.price;
        misplaced.then_some(Problem::Misplaced { message: *message, resting })
    }

    /// Compares the book with the order book row that follows the message
    /// just applied, records the outcome, and corrects the book to the row.
    /// `problem` is what [`Replayer::apply`] returned; a row with one is a
    /// mismatch whatever the comparison says. Does nothing in an unchecked
    /// replay.
    pub fn check(&mut self, row: &BookRow, levels: usize, at: RowAt<'_>, problem: Option<Problem>) {
        if let Some(check) = &mut self.check {
            check.check_row(&mut self.book, row, levels, at, problem);
        }
    }

    /// Corrects the book to an order book row without judging it: for the
    /// row of a message that was skipped as malformed, whose effect the
    /// replay never saw. Does nothing in an unchecked replay.
    pub fn resync(&mut self, row: &BookRow, levels: usize) {
        if let Some(check) = &mut self.check {
            check.resync(&mut self.book, row, levels);
        }
    }

    /// Returns the rebuilt book.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Returns what the messages amounted to so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Returns how the book compared with the order book file so far, or
    /// `None` when the replay is unchecked.
    pub fn summary(&self) -> Option<&CheckSummary> {
        self.check.as_ref().map(Checker::summary)
    }

    /// Ends the replay, returning the tally and the check's summary.
    pub fn finish(self) -> (Tally, Option<CheckSummary>) {
        (self.tally, self.check.map(Checker::into_summary))
    }
}

#[cfg(test)]
mod tests;
