//! Per-instrument LOBSTER message and order book files of a simulated
//! session.
//!
//! LOBSTER files describe the visible book only: a message for every
//! change to it and, in row *i* of the order book file, the best `depth`
//! levels of each side after message *i*. The public stream is turned into
//! messages as LOBSTER records a day: an incoming order's executions
//! against resting orders come first (type 4, the resting order's id and
//! side), then whatever of it comes to rest (type 1); a cancelled or
//! self-trade-removed resting order is a deletion (type 3); quantity taken
//! off an order that stays is a partial cancellation (type 2), and so is
//! an amend that keeps its place; an amend that loses it is a deletion
//! followed by a new order. Refusals and the unfilled remainders of
//! immediate orders never touch the book and have no message. Of the
//! exchange's controls, a halt and a resumption of trading are LOBSTER's
//! type 7 (price -1 and 1) in every instrument's file; the others
//! (warnings, pauses, key expiries, reconciliations) change no book and
//! have no message.
//!
//! Times are seconds after the session opened (LOBSTER's "seconds after
//! midnight", with the session opening at midnight), prices are the
//! instrument's integer price units and sizes are lots. The files read
//! back through `surveil replay` with no mismatch.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use surveil_sim::book::Book;
use surveil_sim::event::{ControlKind, OrderType};
use surveil_sim::{Event, EventBody, Nanos, OrderId, Price, Qty, Side};

use crate::replay::lobster::{EMPTY_ASK, EMPTY_BID, HaltSignal, Message, MessageKind};

/// The order book depth written when none is asked for.
pub const DEFAULT_DEPTH: usize = 10;

/// An accepted order whose request is still reporting.
#[derive(Clone, Copy, Debug)]
struct Pending {
    id: OrderId,
    time: Nanos,
    side: Side,
    price: Option<Price>,
    remaining: Qty,
    rests: bool,
}

/// The message and order book files of one instrument, being written.
pub struct LobsterWriter {
    book: Book,
    pending: Option<Pending>,
    depth: usize,
    messages: BufWriter<File>,
    orderbook: BufWriter<File>,
    messages_path: PathBuf,
    orderbook_path: PathBuf,
    rows: u64,
    line: String,
}

/// The files of one instrument, once written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LobsterFiles {
    /// The message file, relative to the dataset.
    pub messages: String,
    /// The order book file, relative to the dataset.
    pub orderbook: String,
    /// Rows in each.
    pub rows: u64,
}

/// Returns the file names LOBSTER would give an instrument's files at a
/// depth: `SYMBOL_message_N.csv` and `SYMBOL_orderbook_N.csv`.
pub fn file_names(symbol: &str, depth: usize) -> (String, String) {
    let stem: String = symbol
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
        .collect();
    (format!("{stem}_message_{depth}.csv"), format!("{stem}_orderbook_{depth}.csv"))
}

impl LobsterWriter {
    /// Creates the two files of an instrument in `dir`.
    ///
    /// # Errors
    ///
    /// Returns the path and the system's message when a file cannot be
    /// created.
    pub fn create(
        dir: &Path,
        symbol: &str,
        depth: usize,
    ) -> Result<LobsterWriter, (PathBuf, std::io::Error)> {
        let (messages, orderbook) = file_names(symbol, depth);
        let open = |name: &str| {
            let path = dir.join(name);
            File::create(&path)
                .map(|f| (BufWriter::with_capacity(1 << 20, f), path.clone()))
                .map_err(|e| (path, e))
        };
        let (messages, messages_path) = open(&messages)?;
        let (orderbook, orderbook_path) = open(&orderbook)?;
        Ok(LobsterWriter {
            book: Book::new(),
            pending: None,
            depth,
            messages,
            orderbook,
            messages_path,
            orderbook_path,
            rows: 0,
            line: String::with_capacity(64 * depth),
        })
    }

    /// Applies one event of this instrument.
    ///
    /// # Errors
    ///
    /// Returns the path and the system's message when a file cannot be
    /// written.
    pub fn apply(&mut self, event: &Event) -> Result<(), (PathBuf, std::io::Error)> {
        if event.body.starts_request() {
            self.settle()?;
        }
        match &event.body {
            EventBody::Accepted(a) => {
                let rests = matches!(a.order_type, OrderType::Limit | OrderType::PostOnly);
                self.pending = Some(Pending {
                    id: a.order,
                    time: event.time,
                    side: a.side,
                    price: a.price,
                    remaining: a.qty,
                    rests,
                });
            }
            EventBody::Trade(t) => {
                self.book.reduce(t.maker.order, t.qty);
                if let Some(p) = self.pending.as_mut().filter(|p| p.id == t.taker.order) {
                    p.remaining = t.taker.remaining;
                }
                let side = t.taker_side.opposite();
                self.emit(
                    event.time,
                    MessageKind::VisibleExecution,
                    t.maker.order,
                    t.qty,
                    t.price,
                    side,
                )?;
            }
            EventBody::Cancelled(c) => {
                if let Some(p) = self.pending.as_mut().filter(|p| p.id == c.order) {
                    p.rests = false;
                } else if let Some(resting) = self.book.cancel(c.order) {
                    let kind = MessageKind::Delete;
                    self.emit(event.time, kind, c.order, resting.qty, resting.price, resting.side)?;
                }
            }
            EventBody::Decremented(d) => {
                if let Some(p) = self.pending.as_mut().filter(|p| p.id == d.order) {
                    p.remaining = d.remaining;
                } else {
                    self.take_off(event.time, d.order, d.by)?;
                }
            }
            EventBody::Amended(a) => {
                let Some(resting) = self.book.get(a.order) else { return Ok(()) };
                if a.priority_kept {
                    self.take_off(event.time, a.order, resting.qty - a.qty)?;
                } else {
                    self.book.cancel(a.order);
                    let kind = MessageKind::Delete;
                    self.emit(event.time, kind, a.order, resting.qty, resting.price, resting.side)?;
                    self.pending = Some(Pending {
                        id: a.order,
                        time: event.time,
                        side: a.side,
                        price: Some(a.price),
                        remaining: a.qty,
                        rests: true,
                    });
                }
            }
            EventBody::Control(c) => {
                // LOBSTER's type 7 carries halts and resumptions, in the
                // price field; the other controls change no book and have
                // no LOBSTER message.
                let signal = match c.kind {
                    ControlKind::Halted { .. } => (HaltSignal::Halt, Price(-1)),
                    ControlKind::Resumed => (HaltSignal::TradingResumes, Price(1)),
                    _ => return Ok(()),
                };
                let kind = MessageKind::Halt(signal.0);
                self.emit(event.time, kind, OrderId(0), Qty::ZERO, signal.1, Side::Buy)?;
            }
            EventBody::Rejected(_) | EventBody::CancelRejected(_) | EventBody::AmendRejected(_) => {
            }
        }
        Ok(())
    }

    /// Rests the last order and flushes both files.
    ///
    /// # Errors
    ///
    /// Returns the path and the system's message when a file cannot be
    /// written.
    pub fn finish(mut self, dir: &Path) -> Result<LobsterFiles, (PathBuf, std::io::Error)> {
        self.settle()?;
        for (file, path) in
            [(self.messages, &self.messages_path), (self.orderbook, &self.orderbook_path)]
        {
            let file = file.into_inner().map_err(|e| (path.clone(), e.into_error()))?;
            file.sync_all().map_err(|e| (path.clone(), e))?;
        }
        let relative = |p: &Path| p.strip_prefix(dir).unwrap_or(p).display().to_string();
        Ok(LobsterFiles {
            messages: relative(&self.messages_path),
            orderbook: relative(&self.orderbook_path),
            rows: self.rows,
        })
    }

    /// Rests the pending order, if it has anything left that may rest.
    fn settle(&mut self) -> Result<(), (PathBuf, std::io::Error)> {
        let Some(p) = self.pending.take() else { return Ok(()) };
        let Some(price) = p.price.filter(|_| p.rests && p.remaining > Qty::ZERO) else {
            return Ok(());
        };
        // The exchange rests only what does not cross, so the book here
        // accepts it too.
        if self.book.rest(p.id, p.side, price, p.remaining).is_ok() {
            self.emit(p.time, MessageKind::Submit, p.id, p.remaining, price, p.side)?;
        }
        Ok(())
    }

    fn take_off(
        &mut self,
        time: Nanos,
        order: OrderId,
        by: Qty,
    ) -> Result<(), (PathBuf, std::io::Error)> {
        let Some(resting) = self.book.get(order) else { return Ok(()) };
        if by <= Qty::ZERO {
            return Ok(());
        }
        let by = by.min(resting.qty);
        let left = self.book.reduce(order, by).map_or(Qty::ZERO, |r| r.qty);
        let kind = if left == Qty::ZERO { MessageKind::Delete } else { MessageKind::PartialCancel };
        self.emit(time, kind, order, by, resting.price, resting.side)
    }

    /// Writes one message and the book after it.
    fn emit(
        &mut self,
        time: Nanos,
        kind: MessageKind,
        id: OrderId,
        size: Qty,
        price: Price,
        side: Side,
    ) -> Result<(), (PathBuf, std::io::Error)> {
        let message = Message { time, kind, id, size, price, side };
        writeln!(self.messages, "{message}").map_err(|e| (self.messages_path.clone(), e))?;

        // Every message writes its whole book, four integers per level, so
        // the integers are laid out by `itoa` rather than the formatting
        // machinery, which spent most of a dataset's writing time on them.
        self.line.clear();
        let mut asks = self.book.levels(Side::Sell);
        let mut bids = self.book.levels(Side::Buy);
        let mut digits = itoa::Buffer::new();
        for level in 0..self.depth {
            let ask = asks.next().map_or((EMPTY_ASK, 0), |l| (l.price.0, l.qty.0));
            let bid = bids.next().map_or((EMPTY_BID, 0), |l| (l.price.0, l.qty.0));
            for (i, value) in [ask.0, ask.1, bid.0, bid.1].into_iter().enumerate() {
                if level > 0 || i > 0 {
                    self.line.push(',');
                }
                self.line.push_str(digits.format(value));
            }
        }
        self.line.push('\n');
        self.orderbook
            .write_all(self.line.as_bytes())
            .map_err(|e| (self.orderbook_path.clone(), e))?;
        self.rows += 1;
        Ok(())
    }
}
