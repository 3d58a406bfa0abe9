//! The streaming record of one instrument's session, from which every fact
//! is computed when the session ends.
//!
//! A source (the simulated market or a LOBSTER file) drives a [`Collector`]
//! in time order: [`Collector::advance`] closes the stretch of time since
//! the previous call, during which the book looked like the
//! [`BookSnapshot`] given, and the order messages that follow
//! ([`Collector::new_order`], [`Collector::cancel`],
//! [`Collector::execution`]) belong to the time reached. The collector
//! keeps what the facts need and nothing per message beyond it:
//!
//! - the mid price on a grid of whole seconds from the session's start
//!   (the book in force at each grid time, after every message stamped at
//!   or before it), and the traded quantity and message count of each
//!   second;
//! - the time-weighted spread and depth of the book (see [`super::book`]);
//! - order sizes, arrival gaps, counts, lifetimes and fills (see
//!   [`super::orders`]).
//!
//! Memory grows with the session's length in seconds and with the number
//! of orders, never with the number of book updates. The result depends
//! only on the calls made, in their order: nothing is iterated in hash
//! order on the way to the output.

use serde::Serialize;
use surveil_reports::series::ReturnSeries;
use surveil_sim::book::Book;
use surveil_sim::{Nanos, OrderId, Price, Qty, Side};

use super::book::{BookStats, DEPTH_TICKS, DepthFacts, SpreadFacts};
use super::charts::return_series;
use super::intraday::IntradayFacts;
use super::orders::{ArrivalFacts, LifetimeFacts, OrderStats, RatioFacts, SizeFacts};
use super::returns::ReturnFacts;

/// The volume resting at each distance from one side's best price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideDepth {
    /// The quantity resting `d` ticks away from the best price, for `d`
    /// from 0 (the best price itself) up to `DEPTH_TICKS - 1`.
    pub volume: [i64; DEPTH_TICKS],
    /// How many distances, from 0, the source can see: `DEPTH_TICKS` for a
    /// whole book, fewer for a file that shows a few levels only, 0 for an
    /// empty side.
    pub known: usize,
}

/// What the book looked like over a stretch of time: the best prices and
/// the depth near them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BookSnapshot {
    /// The best bid, if any.
    pub bid: Option<Price>,
    /// The best ask, if any.
    pub ask: Option<Price>,
    /// Depth by distance from the best price: bids, then asks.
    pub depth: [SideDepth; 2],
}

impl BookSnapshot {
    /// Returns the mid price, when both sides are quoted and not crossed.
    pub fn mid(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) if b < a && b.0 > 0 => Some((b.0 as f64 + a.0 as f64) / 2.0),
            _ => None,
        }
    }

    /// Returns the spread in price units, when both sides are quoted and
    /// not crossed.
    pub fn spread(&self) -> Option<i64> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) if b < a => Some(a.0 - b.0),
            _ => None,
        }
    }

    /// Takes the snapshot of a whole book, whose every distance is known;
    /// `tick` is the price units of one tick.
    pub fn of_book(book: &Book, tick: i64) -> BookSnapshot {
        let mut snapshot = BookSnapshot::default();
        for (i, side) in [Side::Buy, Side::Sell].into_iter().enumerate() {
            let Some(best) = book.best(side) else { continue };
            match side {
                Side::Buy => snapshot.bid = Some(best.price),
                Side::Sell => snapshot.ask = Some(best.price),
            }
            let depth = &mut snapshot.depth[i];
            depth.known = DEPTH_TICKS;
            for level in book.levels(side) {
                let ticks = (level.price.0 - best.price.0).abs() / tick.max(1);
                match usize::try_from(ticks) {
                    Ok(d) if d < DEPTH_TICKS => depth.volume[d] += level.qty.0,
                    _ => break,
                }
            }
        }
        snapshot
    }
}

/// The quantities and counts behind the facts, for the session's header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// The session's length in seconds.
    pub session_s: f64,
    /// One-second returns that could be measured (both sides quoted at
    /// both ends).
    pub returns_1s: u64,
    /// New orders seen resting.
    pub new_orders: u64,
    /// Cancellations seen, partial ones included.
    pub cancellations: u64,
    /// Executions of resting orders, hidden ones included.
    pub trades: u64,
}

/// Every measured quantity of one session, grouped by fact.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurements {
    /// What the figures rest on.
    pub counts: Counts,
    /// Facts 1 to 4 and 12: returns, their tails, memory and aggregation,
    /// and their relation to volume.
    pub returns: ReturnFacts,
    /// Fact 5: the spread.
    pub spread: SpreadFacts,
    /// Fact 6: order sizes.
    pub sizes: SizeFacts,
    /// Fact 7: order arrivals.
    pub arrivals: ArrivalFacts,
    /// Fact 8: cancellations and orders per trade.
    pub ratios: RatioFacts,
    /// Fact 9: how long orders rest and how soon they fill.
    pub lifetimes: LifetimeFacts,
    /// Fact 10: depth by distance from the touch.
    pub depth: DepthFacts,
    /// Fact 11: activity over the session.
    pub intraday: IntradayFacts,
    /// The distribution and memory of 1 s returns, for the report's charts.
    pub return_series: ReturnSeries,
}

/// The longest session a collector keeps second by second: 32 days, past
/// the longest scenario and the longest real file a source accepts. The
/// grid stops there, and later messages count in its last second, so that
/// no input can make the record grow without bound.
pub const MAX_SECONDS: usize = 32 * 86_400;

/// The record of one instrument's session; see the module documentation.
#[derive(Debug)]
pub struct Collector {
    start: Nanos,
    now: Nanos,
    tick: i64,
    /// The mid at each whole second from the start, `None` when a side was
    /// empty.
    mids: Vec<Option<f64>>,
    /// Traded quantity in each second from the start.
    volume: Vec<i64>,
    /// Messages (new orders, cancellations, executions) in each second.
    activity: Vec<u64>,
    book: BookStats,
    orders: OrderStats,
}

impl Collector {
    /// Starts the record of a session that opens at `start`, on an
    /// instrument whose tick is `tick` price units.
    pub fn new(start: Nanos, tick: i64) -> Collector {
        Collector {
            start,
            now: start,
            tick: tick.max(1),
            mids: Vec::new(),
            volume: Vec::new(),
            activity: Vec::new(),
            book: BookStats::default(),
            orders: OrderStats::default(),
        }
    }

    /// Returns the session's opening time.
    pub fn start(&self) -> Nanos {
        self.start
    }

    /// Returns the time reached.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Returns the executions recorded so far.
    pub fn trades(&self) -> u64 {
        self.orders.trades()
    }

    /// Moves the record to `time`: the book looked like `book` from the
    /// time reached before until `time`. A time that is not later than the
    /// time reached changes nothing.
    pub fn advance(&mut self, time: Nanos, book: &BookSnapshot) {
        if time <= self.now {
            return;
        }
        // Grid times in [now, time) saw this book: every message stamped at
        // or before them has been applied, none stamped after.
        while self.grid_time(self.mids.len()) < time && self.mids.len() <= MAX_SECONDS {
            self.mids.push(book.mid());
        }
        self.book.hold(book, (time.0 - self.now.0) as f64 / 1e9, self.tick);
        self.now = time;
    }

    /// Records an order that comes to rest with `qty` lots or shares.
    pub fn new_order(&mut self, id: OrderId, qty: Qty) {
        self.count_message();
        self.orders.new_order(self.now, id, qty);
    }

    /// Records a cancellation of `qty` of a resting order: the whole of
    /// what is left when `full`, part of it otherwise.
    pub fn cancel(&mut self, id: OrderId, qty: Qty, full: bool) {
        self.count_message();
        self.orders.cancel(self.now, id, qty, full);
    }

    /// Records an execution of `qty` of a resting order; `None` for an
    /// order that was never visible (a hidden order).
    pub fn execution(&mut self, id: Option<OrderId>, qty: Qty) {
        self.count_message();
        let second = self.second();
        grow(&mut self.volume, second);
        self.volume[second] += qty.0;
        self.orders.execution(self.now, id, qty);
    }

    /// Ends the session at `end`, the book having looked like `book` since
    /// the time reached, and computes every fact.
    pub fn finish(mut self, end: Nanos, book: &BookSnapshot) -> Measurements {
        let end = end.max(self.now);
        self.advance(end, book);
        // The grid includes the end itself when it falls on a whole second.
        if self.grid_time(self.mids.len()) == end {
            self.mids.push(book.mid());
        }
        let session_s = (end.0 - self.start.0) as f64 / 1e9;

        let returns = ReturnFacts::compute(&self.mids, &self.volume);
        let sizes = SizeFacts::compute(self.orders.sizes());
        let counts = Counts {
            session_s,
            returns_1s: returns.count_1s,
            new_orders: self.orders.new_orders(),
            cancellations: self.orders.cancellations(),
            trades: self.orders.trades(),
        };
        Measurements {
            counts,
            spread: self.book.spread_facts(),
            depth: self.book.depth_facts(sizes.median),
            arrivals: self.orders.arrival_facts(),
            ratios: self.orders.ratio_facts(),
            lifetimes: self.orders.lifetime_facts(),
            intraday: IntradayFacts::compute(&self.activity, session_s),
            return_series: return_series(&self.mids),
            returns,
            sizes,
        }
    }

    /// Returns the time of grid point `k`: `k` whole seconds after the
    /// start.
    fn grid_time(&self, k: usize) -> Nanos {
        Nanos(self.start.0.saturating_add((k as u64).saturating_mul(Nanos::SECOND.0)))
    }

    /// Returns the second of the session the time reached falls in, or the
    /// last second kept.
    fn second(&self) -> usize {
        let second = (self.now.0 - self.start.0) / Nanos::SECOND.0;
        usize::try_from(second).map_or(MAX_SECONDS, |s| s.min(MAX_SECONDS))
    }

    fn count_message(&mut self) {
        let second = self.second();
        grow(&mut self.activity, second);
        self.activity[second] += 1;
    }
}

/// Lengthens `counts` with zeros so that `index` is in it.
fn grow<T: Default + Clone>(counts: &mut Vec<T>, index: usize) {
    if counts.len() <= index {
        counts.resize(index + 1, T::default());
    }
}
