//! The participants of the simulated market.
//!
//! An agent is woken by the scheduler, looks at the market through a
//! [`Ctx`], sends orders and cancels through the exchange gateway, and says
//! when it next wants to wake. It draws randomness only from the stream the
//! context hands it, which belongs to that agent alone.
//!
//! Honest participants: retail traders, small API traders, market makers,
//! momentum traders, execution algorithms, arbitrageurs, and the trend
//! chasers who buy into sharp rises of the illiquid token (the buyers a
//! pump needs; see [`chasers`]). Decoys are honest participants built to
//! look like abusers; the population labels them in the ground truth when
//! it builds them. Abusive participants (see `abuse`, one module per kind)
//! record what they do in the ground truth as they do it.

mod abuse;
pub(crate) mod chasers;
mod decoys;
mod honest;
pub(crate) mod population;

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

use crate::access::Access;
use crate::book::Book;
use crate::config::InstrumentConfig;
use crate::event::OrderType;
use crate::exchange::{Exchange, OrderRequest, Placed};
use crate::integral::round_i64;
use crate::rng::Stream;
use crate::truth::TruthRecorder;
use crate::types::{InstrumentId, Nanos, OrderId, Price, Qty, Side};
use crate::world::Reference;

/// A participant in the market.
pub trait Agent {
    /// Acts at `ctx.now` and returns when the agent next wants to wake, or
    /// `None` when it is done for the session. A returned time earlier than
    /// or equal to now is moved one nanosecond later.
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos>;
}

/// What an agent sees and touches while it acts.
pub struct Ctx<'a> {
    /// The current simulated time.
    pub now: Nanos,
    /// The agent's own random stream.
    pub rng: &'a mut Stream,
    /// The exchange.
    pub exchange: &'a mut Exchange,
    /// The external reference prices.
    pub reference: &'a Reference,
    /// The instruments and their market parameters.
    pub instruments: &'a [InstrumentConfig],
    /// The ground-truth recorder, used by abusive agents only.
    pub truth: &'a mut TruthRecorder,
}

/// The best prices of one book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Touch {
    /// The best bid, if any.
    pub bid: Option<Price>,
    /// The best ask, if any.
    pub ask: Option<Price>,
}

impl Touch {
    /// Returns the best price on one side.
    pub fn best(&self, side: Side) -> Option<Price> {
        match side {
            Side::Buy => self.bid,
            Side::Sell => self.ask,
        }
    }
}

impl Ctx<'_> {
    /// Sends an order; a refusal is already public, so it is only `None`
    /// here.
    pub fn submit(&mut self, access: Access, req: OrderRequest) -> Option<Placed> {
        self.exchange.submit(self.now, access, req).ok()
    }

    /// Sends a limit order at `price`.
    pub fn limit(
        &mut self,
        access: Access,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Option<Placed> {
        self.submit(access, OrderRequest::limit(instrument, side, price, qty))
    }

    /// Cancels an order and returns the quantity that left the book, or
    /// `None` when it was no longer resting.
    pub fn cancel(&mut self, access: Access, order: OrderId) -> Option<Qty> {
        // A cancel of an order that already filled is a real client's
        // mistake too, but agents know their fills: they only cancel
        // what still rests, so that rejects in the stream stay meaningful.
        self.exchange.cancel_if_resting(self.now, access, order)
    }

    /// Returns the unfilled quantity of an order resting in `instrument`'s
    /// book, or `None` when it no longer rests there: what
    /// [`Exchange::resting_qty`] returns for an order whose instrument the
    /// caller knows, without the gateway's lookup of the instrument.
    pub fn resting_in(&self, instrument: InstrumentId, order: OrderId) -> Option<Qty> {
        self.book(instrument).get(order).map(|r| r.qty)
    }

    /// Tells whether no resting order of `instrument`'s book has lost
    /// quantity, other than by a cancel, since its count of reductions
    /// ([`Book::reductions`]) was `seen`.
    pub fn quotes_unchanged(&self, instrument: InstrumentId, seen: Option<u64>) -> bool {
        seen == Some(self.book(instrument).reductions())
    }

    /// Returns `seen` if `instrument`'s book still shows that count of
    /// reductions, and `None` if something has reduced an order since:
    /// what a participant keeps at the end of a wake to tell at the next
    /// whether it needs to look at its orders again.
    pub fn still(&self, instrument: InstrumentId, seen: u64) -> Option<u64> {
        (self.book(instrument).reductions() == seen).then_some(seen)
    }

    /// Returns what is left of one of the caller's own orders in
    /// `instrument`'s book, `known` when last looked at: `known` itself
    /// when `unchanged` (see [`Ctx::quotes_unchanged`]) and the caller
    /// cancels its orders itself, otherwise what the book holds (zero once
    /// the order no longer rests).
    pub fn left_of(
        &self,
        instrument: InstrumentId,
        order: OrderId,
        known: Qty,
        unchanged: bool,
    ) -> Qty {
        let held = || self.resting_in(instrument, order).unwrap_or(Qty::ZERO);
        if unchanged {
            debug_assert_eq!(known, held(), "order {} changed unseen", order.0);
            known
        } else {
            held()
        }
    }

    /// Returns an instrument's book.
    pub fn book(&self, instrument: InstrumentId) -> &Book {
        self.exchange.book(instrument)
    }

    /// Returns an instrument's best prices.
    pub fn touch(&self, instrument: InstrumentId) -> Touch {
        let book = self.book(instrument);
        Touch { bid: book.best_bid().map(|l| l.price), ask: book.best_ask().map(|l| l.price) }
    }

    /// Returns the reference price of an instrument.
    pub fn reference(&self, instrument: InstrumentId) -> Price {
        self.reference.price(instrument)
    }

    /// Returns the instrument's configuration.
    pub fn instrument(&self, instrument: InstrumentId) -> &InstrumentConfig {
        &self.instruments[usize::from(instrument.0)]
    }

    /// Draws an exponentially distributed delay with the given mean, at
    /// least one nanosecond.
    pub fn exp(&mut self, mean: Nanos) -> Nanos {
        let mean = mean.0.max(1) as f64;
        let draw: f64 = Exp::new(1.0 / mean).map_or(mean, |d| d.sample(self.rng));
        Nanos((draw as u64).max(1))
    }

    /// Draws a delay uniformly between `lo` and `hi` times `mean`.
    pub fn jitter(&mut self, mean: Nanos, lo: f64, hi: f64) -> Nanos {
        let f: f64 = self.rng.random_range(lo..hi);
        Nanos(((mean.0 as f64 * f) as u64).max(1))
    }

    /// Returns true with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// Draws a side, each with probability one half.
    pub fn side(&mut self) -> Side {
        if self.rng.random_bool(0.5) { Side::Buy } else { Side::Sell }
    }

    /// Draws an order size: log-normal around `multiplier` times the
    /// instrument's typical size, within the instrument's limits.
    pub fn qty(&mut self, instrument: InstrumentId, multiplier: f64) -> Qty {
        self.qty_spread(instrument, multiplier, 0.7)
    }

    /// Draws an order size as [`Ctx::qty`] does, with `sigma` the standard
    /// deviation of its logarithm: small for a participant that trades in
    /// consistent sizes.
    pub fn qty_spread(&mut self, instrument: InstrumentId, multiplier: f64, sigma: f64) -> Qty {
        let law = self.size_law(instrument, multiplier, sigma);
        self.size(&law)
    }

    /// Returns the law [`Ctx::qty_spread`] draws sizes from, for a
    /// participant that draws many sizes from the same law to keep.
    pub(crate) fn size_law(
        &self,
        instrument: InstrumentId,
        multiplier: f64,
        sigma: f64,
    ) -> SizeLaw {
        let cfg = self.instrument(instrument);
        let median = cfg.typical_qty.0 as f64 * multiplier;
        SizeLaw {
            log_normal: LogNormal::new(median.max(1.0).ln(), sigma).ok(),
            median,
            lo: cfg.spec.min_qty.0,
            hi: cfg.spec.max_qty.0,
        }
    }

    /// Draws an order size from a law [`Ctx::size_law`] gave.
    pub(crate) fn size(&mut self, law: &SizeLaw) -> Qty {
        let draw = law.log_normal.map_or(law.median, |d| d.sample(self.rng));
        Qty(round_i64(draw).clamp(law.lo, law.hi))
    }

    /// Draws an instrument in proportion to the instruments' activity
    /// weights.
    pub fn pick_instrument(&mut self) -> InstrumentId {
        pick_instrument(self.rng, self.instruments)
    }

    /// Returns a passive price for `side`: the best price on that side, or
    /// one tick inside the reference price on an empty side.
    pub fn passive_price(&self, instrument: InstrumentId, side: Side) -> Price {
        match self.touch(instrument).best(side) {
            Some(p) => p,
            None => self.reference(instrument) - side.sign(),
        }
    }

    /// Sends an immediate-or-cancel order that crosses the spread by up to
    /// `slippage` ticks; sends nothing when the other side is empty.
    pub fn take(
        &mut self,
        access: Access,
        instrument: InstrumentId,
        side: Side,
        qty: Qty,
        slippage: i64,
    ) -> Option<Placed> {
        let price = match self.touch(instrument).best(side.opposite()) {
            Some(p) => p + side.sign() * slippage,
            None => return None,
        };
        let req = OrderRequest {
            instrument,
            side,
            order_type: OrderType::ImmediateOrCancel,
            price: Some(price),
            qty,
        };
        self.submit(access, req)
    }
}

/// The law of one participant's order sizes in one instrument: log-normal
/// around a median, within the instrument's limits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SizeLaw {
    /// The log-normal law, or `None` when its parameters admit none and
    /// every size is the median.
    log_normal: Option<LogNormal<f64>>,
    median: f64,
    lo: i64,
    hi: i64,
}

/// Draws an instrument in proportion to the instruments' activity weights.
pub(crate) fn pick_instrument(rng: &mut Stream, instruments: &[InstrumentConfig]) -> InstrumentId {
    let total: f64 = instruments.iter().map(|i| i.activity_weight).sum();
    let mut x = rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
    for (i, cfg) in instruments.iter().enumerate() {
        if x < cfg.activity_weight {
            return InstrumentId(i as u16);
        }
        x -= cfg.activity_weight;
    }
    InstrumentId(0)
}
