//! The exchange: a gateway in front of one order book per instrument.
//!
//! Every request arrives with an [`Access`] record. The gateway checks it
//! against the instrument's limits, gives accepted orders their ids, routes
//! them to the book, and reports everything that happens as public
//! [`Event`]s in the order it happened. Ids are handed out in sequence and
//! never reused within a run.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::access::Access;
use crate::book::{Book, Fill};
use crate::event::{
    Accepted, CancelReason, CancelRejected, Cancelled, Event, EventBody, OrderType, RejectReason,
    Rejected, Trade, TradeSide,
};
use crate::types::{InstrumentId, Nanos, OrderId, Price, Qty, Side};

/// The static description of an instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstrumentSpec {
    /// The ticker, such as `BTC-KRW`.
    pub symbol: String,
    /// The value of one tick in KRW, for display and statistics only.
    pub krw_per_tick: f64,
    /// The number of tokens in one lot, for display and statistics only.
    pub tokens_per_lot: f64,
    /// The lowest price accepted.
    pub min_price: Price,
    /// The highest price accepted.
    pub max_price: Price,
    /// The smallest quantity accepted.
    pub min_qty: Qty,
    /// The largest quantity accepted.
    pub max_qty: Qty,
}

/// An order as a participant asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The side.
    pub side: Side,
    /// How long it may live.
    pub order_type: OrderType,
    /// The limit price; must be `None` exactly for market orders.
    pub price: Option<Price>,
    /// The quantity.
    pub qty: Qty,
}

impl OrderRequest {
    /// A limit order that rests until cancelled.
    pub fn limit(instrument: InstrumentId, side: Side, price: Price, qty: Qty) -> OrderRequest {
        OrderRequest { instrument, side, order_type: OrderType::Limit, price: Some(price), qty }
    }

    /// A limit order whose unfilled remainder is cancelled at once.
    pub fn ioc(instrument: InstrumentId, side: Side, price: Price, qty: Qty) -> OrderRequest {
        OrderRequest {
            instrument,
            side,
            order_type: OrderType::ImmediateOrCancel,
            price: Some(price),
            qty,
        }
    }

    /// A market order.
    pub fn market(instrument: InstrumentId, side: Side, qty: Qty) -> OrderRequest {
        OrderRequest { instrument, side, order_type: OrderType::Market, price: None, qty }
    }
}

/// What became of an accepted order at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    /// The id the exchange gave it.
    pub id: OrderId,
    /// The quantity that traded on arrival.
    pub filled: Qty,
    /// The quantity left resting in the book.
    pub resting: Qty,
}

#[derive(Clone, Copy, Debug)]
struct LiveOrder {
    access: Access,
    instrument: InstrumentId,
    side: Side,
    price: Price,
}

/// The exchange: gateway, books, and the public event stream they produce.
#[derive(Debug)]
pub struct Exchange {
    specs: Vec<InstrumentSpec>,
    books: Vec<Book>,
    live: HashMap<OrderId, LiveOrder>,
    next_order: u64,
    next_seq: u64,
    fills: Vec<Fill>,
    events: Vec<Event>,
}

impl Exchange {
    /// Opens an exchange with an empty book for each instrument.
    pub fn new(specs: Vec<InstrumentSpec>) -> Exchange {
        let books = specs.iter().map(|_| Book::new()).collect();
        Exchange {
            specs,
            books,
            live: HashMap::new(),
            next_order: 1,
            next_seq: 0,
            fills: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Returns the instruments, indexed by [`InstrumentId`].
    pub fn instruments(&self) -> &[InstrumentSpec] {
        &self.specs
    }

    /// Returns an instrument's book.
    ///
    /// # Panics
    ///
    /// Panics if the instrument does not exist.
    pub fn book(&self, instrument: InstrumentId) -> &Book {
        &self.books[usize::from(instrument.0)]
    }

    /// Returns the unfilled quantity of a resting order, or `None` when the
    /// order is not resting.
    pub fn resting_qty(&self, order: OrderId) -> Option<Qty> {
        let live = self.live.get(&order)?;
        self.books[usize::from(live.instrument.0)].get(order).map(|r| r.qty)
    }

    /// Moves the events produced so far to the end of `out`.
    pub fn drain_events(&mut self, out: &mut Vec<Event>) {
        out.append(&mut self.events);
    }

    /// Returns the number of events produced so far, drained or not.
    pub fn events_produced(&self) -> u64 {
        self.next_seq
    }

    /// Submits an order.
    ///
    /// # Errors
    ///
    /// Returns the reason when the gateway refuses the order; the refusal is
    /// also reported as a public event.
    pub fn submit(
        &mut self,
        now: Nanos,
        access: Access,
        req: OrderRequest,
    ) -> Result<Placed, RejectReason> {
        if let Err(reason) = self.validate(&req) {
            let body = EventBody::Rejected(Rejected {
                instrument: req.instrument,
                side: req.side,
                order_type: req.order_type,
                price: req.price,
                qty: req.qty,
                reason,
                access,
            });
            self.emit(now, body);
            return Err(reason);
        }

        let id = OrderId(self.next_order);
        self.next_order += 1;
        self.emit(
            now,
            EventBody::Accepted(Accepted {
                order: id,
                instrument: req.instrument,
                side: req.side,
                order_type: req.order_type,
                price: req.price,
                qty: req.qty,
                access,
            }),
        );

        // Match first; every fill becomes a trade in the order it happened.
        let book = &mut self.books[usize::from(req.instrument.0)];
        let mut fills = std::mem::take(&mut self.fills);
        fills.clear();
        let left = book.execute(req.side, req.price, req.qty, &mut fills);
        let mut taker_remaining = req.qty;
        for fill in &fills {
            taker_remaining -= fill.qty;
            let maker_access = if fill.maker_remaining == Qty::ZERO {
                self.live.remove(&fill.maker)
            } else {
                self.live.get(&fill.maker).copied()
            }
            .map(|m| m.access)
            .expect("every resting order is registered with the gateway");
            let trade = Trade {
                instrument: req.instrument,
                price: fill.price,
                qty: fill.qty,
                taker_side: req.side,
                maker: TradeSide {
                    order: fill.maker,
                    access: maker_access,
                    remaining: fill.maker_remaining,
                },
                taker: TradeSide { order: id, access, remaining: taker_remaining },
            };
            self.emit(now, EventBody::Trade(trade));
        }
        self.fills = fills;

        // Then the remainder rests or is cancelled, by order type.
        let mut resting = Qty::ZERO;
        if left > Qty::ZERO {
            match (req.order_type, req.price) {
                (OrderType::Limit, Some(price)) => {
                    let book = &mut self.books[usize::from(req.instrument.0)];
                    book.rest(id, req.side, price, left)
                        .expect("a fresh id at a price the match stopped at rests");
                    let live =
                        LiveOrder { access, instrument: req.instrument, side: req.side, price };
                    self.live.insert(id, live);
                    resting = left;
                }
                _ => self.emit(
                    now,
                    EventBody::Cancelled(Cancelled {
                        order: id,
                        instrument: req.instrument,
                        side: req.side,
                        price: req.price,
                        remaining: left,
                        reason: CancelReason::Unfilled,
                        access,
                    }),
                ),
            }
        }
        Ok(Placed { id, filled: req.qty - left, resting })
    }

    /// Cancels a resting order on behalf of its owner and returns the
    /// quantity that left the book.
    ///
    /// # Errors
    ///
    /// Refuses an order that is not resting and one that belongs to another
    /// account; the refusal is also reported as a public event.
    pub fn cancel(
        &mut self,
        now: Nanos,
        access: Access,
        order: OrderId,
    ) -> Result<Qty, RejectReason> {
        let outcome = match self.live.get(&order) {
            None => Err(RejectReason::UnknownOrder),
            Some(live) if live.access.account != access.account => Err(RejectReason::NotOwner),
            Some(&live) => Ok(live),
        };
        let live = match outcome {
            Ok(live) => live,
            Err(reason) => {
                self.emit(now, EventBody::CancelRejected(CancelRejected { order, reason, access }));
                return Err(reason);
            }
        };
        self.live.remove(&order);
        let resting = self.books[usize::from(live.instrument.0)]
            .cancel(order)
            .expect("every registered order rests in its book");
        self.emit(
            now,
            EventBody::Cancelled(Cancelled {
                order,
                instrument: live.instrument,
                side: live.side,
                price: Some(live.price),
                remaining: resting.qty,
                reason: CancelReason::Requested,
                access,
            }),
        );
        Ok(resting.qty)
    }

    fn validate(&self, req: &OrderRequest) -> Result<(), RejectReason> {
        let spec =
            self.specs.get(usize::from(req.instrument.0)).ok_or(RejectReason::UnknownInstrument)?;
        if req.qty < spec.min_qty || req.qty > spec.max_qty {
            return Err(RejectReason::QtyOutOfRange);
        }
        match (req.order_type, req.price) {
            (OrderType::Market, None) => {
                if self.books[usize::from(req.instrument.0)].best(req.side.opposite()).is_none() {
                    return Err(RejectReason::NoLiquidity);
                }
            }
            (OrderType::Limit | OrderType::ImmediateOrCancel, Some(p))
                if p >= spec.min_price && p <= spec.max_price => {}
            _ => return Err(RejectReason::PriceOutOfRange),
        }
        Ok(())
    }

    fn emit(&mut self, time: Nanos, body: EventBody) {
        self.events.push(Event { seq: self.next_seq, time, body });
        self.next_seq += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Channel, Client, Ip, Network, RegionId};
    use crate::types::{AccountId, KeyId};

    fn spec() -> InstrumentSpec {
        InstrumentSpec {
            symbol: "TEST-KRW".into(),
            krw_per_tick: 1.0,
            tokens_per_lot: 1.0,
            min_price: Price(1),
            max_price: Price(1_000),
            min_qty: Qty(1),
            max_qty: Qty(100),
        }
    }

    fn who(account: u32) -> Access {
        Access {
            account: AccountId(account),
            channel: Channel::Api(KeyId(account)),
            ip: Ip(1),
            region: RegionId(0),
            network: Network::Cloud,
            client: Client::KnownLibrary(0),
        }
    }

    const I: InstrumentId = InstrumentId(0);

    fn drain(ex: &mut Exchange) -> Vec<EventBody> {
        let mut out = Vec::new();
        ex.drain_events(&mut out);
        out.into_iter().map(|e| e.body).collect()
    }

    #[test]
    fn trade_reports_both_sides_with_their_access() {
        let mut ex = Exchange::new(vec![spec()]);
        let maker = ex
            .submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Sell, Price(10), Qty(5)))
            .unwrap()
            .id;
        let taker =
            ex.submit(Nanos(2), who(2), OrderRequest::market(I, Side::Buy, Qty(3))).unwrap().id;
        let events = drain(&mut ex);
        let EventBody::Trade(t) = events[2] else { panic!("expected a trade, got {events:?}") };
        assert_eq!((t.maker.order, t.taker.order), (maker, taker));
        assert_eq!((t.maker.access.account, t.taker.access.account), (AccountId(1), AccountId(2)));
        assert_eq!(
            (t.price, t.qty, t.maker.remaining, t.taker.remaining),
            (Price(10), Qty(3), Qty(2), Qty(0))
        );
        assert_eq!(ex.resting_qty(maker), Some(Qty(2)));
    }

    #[test]
    fn ioc_remainder_is_cancelled_not_rested() {
        let mut ex = Exchange::new(vec![spec()]);
        ex.submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Sell, Price(10), Qty(2))).unwrap();
        let placed = ex
            .submit(Nanos(2), who(2), OrderRequest::ioc(I, Side::Buy, Price(10), Qty(5)))
            .unwrap();
        assert_eq!((placed.filled, placed.resting), (Qty(2), Qty(0)));
        let id = placed.id;
        let events = drain(&mut ex);
        assert!(matches!(
            events.last(),
            Some(EventBody::Cancelled(Cancelled {
                reason: CancelReason::Unfilled,
                remaining: Qty(3),
                ..
            }))
        ));
        assert_eq!(ex.resting_qty(id), None);
        assert!(ex.book(I).is_empty());
    }

    #[test]
    fn market_order_on_an_empty_book_is_rejected() {
        let mut ex = Exchange::new(vec![spec()]);
        assert_eq!(
            ex.submit(Nanos(1), who(1), OrderRequest::market(I, Side::Buy, Qty(1))),
            Err(RejectReason::NoLiquidity)
        );
        assert!(matches!(drain(&mut ex)[..], [EventBody::Rejected(_)]));
    }

    #[test]
    fn limits_are_enforced() {
        let mut ex = Exchange::new(vec![spec()]);
        let cases = [
            (OrderRequest::limit(I, Side::Buy, Price(10), Qty(0)), RejectReason::QtyOutOfRange),
            (OrderRequest::limit(I, Side::Buy, Price(10), Qty(101)), RejectReason::QtyOutOfRange),
            (OrderRequest::limit(I, Side::Buy, Price(0), Qty(1)), RejectReason::PriceOutOfRange),
            (
                OrderRequest::limit(I, Side::Buy, Price(1_001), Qty(1)),
                RejectReason::PriceOutOfRange,
            ),
            (
                OrderRequest::limit(InstrumentId(7), Side::Buy, Price(10), Qty(1)),
                RejectReason::UnknownInstrument,
            ),
        ];
        for (req, reason) in cases {
            assert_eq!(ex.submit(Nanos(1), who(1), req), Err(reason), "{req:?}");
        }
    }

    #[test]
    fn cancel_of_a_filled_or_foreign_order_is_rejected() {
        let mut ex = Exchange::new(vec![spec()]);
        let id = ex
            .submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Sell, Price(10), Qty(1)))
            .unwrap()
            .id;
        assert_eq!(ex.cancel(Nanos(2), who(2), id), Err(RejectReason::NotOwner));
        ex.submit(Nanos(3), who(2), OrderRequest::market(I, Side::Buy, Qty(1))).unwrap();
        assert_eq!(ex.cancel(Nanos(4), who(1), id), Err(RejectReason::UnknownOrder));
        assert_eq!(ex.cancel(Nanos(5), who(1), OrderId(999)), Err(RejectReason::UnknownOrder));
    }

    #[test]
    fn sequence_numbers_have_no_gaps() {
        let mut ex = Exchange::new(vec![spec()]);
        ex.submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Sell, Price(10), Qty(1))).unwrap();
        ex.submit(Nanos(2), who(2), OrderRequest::market(I, Side::Buy, Qty(1))).unwrap();
        let _ = ex.cancel(Nanos(3), who(1), OrderId(1));
        let mut out = Vec::new();
        ex.drain_events(&mut out);
        let seqs: Vec<u64> = out.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..out.len() as u64).collect::<Vec<_>>());
    }
}
