//! The exchange: a gateway in front of one order book per instrument.
//!
//! Every request arrives with an [`Access`] record. The gateway checks it
//! against the instrument's limits (price and quantity range, tick and lot
//! size, a notional that fits), gives accepted orders their ids, routes them
//! to the book with the account's self-trade prevention mode, and reports
//! everything that happens as public [`Event`]s in the order it happened.
//! Ids are handed out in sequence and never reused within a run. The order
//! semantics themselves are the book's; see [`crate::matching`].

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::access::{Access, Ip};
use crate::book::Book;
use crate::event::{
    Accepted, AmendRejected, Amended, CancelReason, CancelRejected, Cancelled, Control,
    Decremented, Event, EventBody, OrderType, RejectReason, Rejected, Trade, TradeSide,
};
use crate::matching::{
    BookReject, CancelCause, NewOrder, Report, SelfTradePrevention, TimeInForce,
};
use crate::policy::{Gate, Need, Permissions, PolicyConfig, Refusal};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};

/// The static description of an instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstrumentSpec {
    /// The ticker, such as `BTC-KRW`.
    pub symbol: String,
    /// The value of one price unit in KRW, for display and statistics only.
    pub krw_per_tick: f64,
    /// The number of tokens in one lot, for display and statistics only.
    pub tokens_per_lot: f64,
    /// The lowest price accepted.
    pub min_price: Price,
    /// The highest price accepted.
    pub max_price: Price,
    /// Prices must be multiples of this many price units.
    pub tick_size: i64,
    /// The smallest quantity accepted.
    pub min_qty: Qty,
    /// The largest quantity accepted.
    pub max_qty: Qty,
    /// Quantities must be multiples of this many lots.
    pub lot_size: i64,
}

/// The largest price times quantity the exchange accepts: what a signed
/// 64-bit ledger can hold.
pub const MAX_NOTIONAL: i128 = i64::MAX as i128;

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

    /// Any order type at a limit price.
    pub fn typed(
        instrument: InstrumentId,
        side: Side,
        order_type: OrderType,
        price: Price,
        qty: Qty,
    ) -> OrderRequest {
        OrderRequest { instrument, side, order_type, price: Some(price), qty }
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
    live: FxHashMap<OrderId, LiveOrder>,
    stp_default: SelfTradePrevention,
    stp_accounts: FxHashMap<AccountId, SelfTradePrevention>,
    next_order: u64,
    next_seq: u64,
    reports: Vec<Report>,
    events: Vec<Event>,
    /// The controls, when a policy switches any on; `None` costs one branch
    /// per request.
    gate: Option<Box<Gate>>,
}

/// The order a batch of book reports is about, and who asked.
#[derive(Clone, Copy, Debug)]
struct Request {
    order: OrderId,
    instrument: InstrumentId,
    side: Side,
    price: Option<Price>,
    access: Access,
}

impl Exchange {
    /// Opens an exchange with an empty book for each instrument and
    /// self-trade prevention off for every account.
    pub fn new(specs: Vec<InstrumentSpec>) -> Exchange {
        Exchange::with_self_trade_prevention(specs, SelfTradePrevention::Off)
    }

    /// Opens an exchange whose accounts all use `stp` unless set otherwise
    /// with [`Exchange::set_self_trade_prevention`].
    pub fn with_self_trade_prevention(
        specs: Vec<InstrumentSpec>,
        stp: SelfTradePrevention,
    ) -> Exchange {
        let books = specs.iter().map(|_| Book::new()).collect();
        Exchange {
            specs,
            books,
            live: FxHashMap::default(),
            stp_default: stp,
            stp_accounts: FxHashMap::default(),
            next_order: 1,
            next_seq: 0,
            reports: Vec::new(),
            events: Vec::new(),
            gate: None,
        }
    }

    /// Switches the controls of `policy` on, drawing from streams of
    /// `seed`; see [`crate::policy`]. With no lever on it does nothing.
    pub fn enable_controls(&mut self, seed: u64, policy: &PolicyConfig) {
        if policy.is_active() {
            self.gate = Some(Box::new(Gate::new(seed, policy)));
        }
    }

    /// Issues a key to `owner` with the given permissions and whitelist
    /// (the first address is the owner's own), replacing the default issue
    /// at first use. Does nothing when no control is on.
    pub fn issue_key(
        &mut self,
        key: KeyId,
        owner: AccountId,
        permissions: Permissions,
        whitelist: &[Ip],
    ) {
        if let Some(gate) = self.gate.as_deref_mut() {
            let actor = gate.actor;
            gate.register(key, owner, actor, permissions, whitelist);
        }
    }

    /// Tells whether the controls refused the last request in public;
    /// always `false` with every control off.
    pub fn refused_by_controls(&self) -> bool {
        self.gate.as_deref().is_some_and(Gate::refused)
    }

    pub(crate) fn gate_mut(&mut self) -> Option<&mut Gate> {
        self.gate.as_deref_mut()
    }

    /// Reports a control as a public event.
    pub(crate) fn emit_control(&mut self, now: Nanos, control: Control) {
        self.emit(now, EventBody::Control(control));
    }

    /// Runs a request through the controls; on a refusal, returns the
    /// reason and whether it is public (`false` for a request never sent).
    fn admit(
        &mut self,
        now: Nanos,
        access: &mut Access,
        need: Need,
    ) -> Result<(), (RejectReason, bool)> {
        let Some(gate) = self.gate.as_deref_mut() else { return Ok(()) };
        let verdict = gate.admit(now, access, need);
        let mut notices = Vec::new();
        gate.take_notices(&mut notices);
        for control in notices {
            self.emit_control(now, control);
        }
        match verdict {
            Ok(()) => Ok(()),
            Err(Refusal::Public(reason)) => Err((reason, true)),
            Err(Refusal::Silent(reason)) => Err((reason, false)),
        }
    }

    /// Sets one account's self-trade prevention mode.
    pub fn set_self_trade_prevention(&mut self, account: AccountId, stp: SelfTradePrevention) {
        self.stp_accounts.insert(account, stp);
    }

    /// Returns the self-trade prevention mode an account's orders use.
    pub fn self_trade_prevention(&self, account: AccountId) -> SelfTradePrevention {
        // Most markets set no account apart: every order skips the look-up.
        if self.stp_accounts.is_empty() {
            return self.stp_default;
        }
        self.stp_accounts.get(&account).copied().unwrap_or(self.stp_default)
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

    /// Returns whether an order is resting, without looking into its book.
    pub fn is_resting(&self, order: OrderId) -> bool {
        self.live.contains_key(&order)
    }

    /// Returns the events produced and not yet drained, oldest first.
    pub fn pending_events(&self) -> &[Event] {
        &self.events
    }

    /// Moves the events produced so far to the end of `out`.
    pub fn drain_events(&mut self, out: &mut Vec<Event>) {
        out.append(&mut self.events);
    }

    /// Takes `out` as the exchange's own list of events, after moving any
    /// events pending to its end, so that the events produced from now on
    /// are written straight into it rather than copied there by
    /// [`Exchange::drain_events`]; `out` is left with the exchange's empty
    /// list. [`Exchange::return_events`] gives the list back.
    pub(crate) fn lend_events(&mut self, out: &mut Vec<Event>) {
        out.append(&mut self.events);
        std::mem::swap(&mut self.events, out);
    }

    /// Gives back the list [`Exchange::lend_events`] took, with every event
    /// produced meanwhile at its end, in exchange for the empty one it left
    /// in `out`.
    pub(crate) fn return_events(&mut self, out: &mut Vec<Event>) {
        debug_assert!(out.is_empty(), "the exchange's own list is empty while lent");
        std::mem::swap(&mut self.events, out);
    }

    /// Returns the number of events produced so far, drained or not.
    pub fn events_produced(&self) -> u64 {
        self.next_seq
    }

    /// Submits an order.
    ///
    /// # Errors
    ///
    /// Returns the reason when the gateway or the book refuses the order;
    /// the refusal is also reported as a public event.
    pub fn submit(
        &mut self,
        now: Nanos,
        access: Access,
        req: OrderRequest,
    ) -> Result<Placed, RejectReason> {
        let mut access = access;
        let gated =
            if self.gate.is_some() { self.admit(now, &mut access, Need::Order) } else { Ok(()) };
        let refuse = |this: &mut Exchange, reason: RejectReason| {
            let body = EventBody::Rejected(Rejected {
                instrument: req.instrument,
                side: req.side,
                order_type: req.order_type,
                price: req.price,
                qty: req.qty,
                reason,
                access,
            });
            this.emit(now, body);
            Err(reason)
        };
        match gated {
            Ok(()) => {}
            Err((reason, true)) => return refuse(self, reason),
            Err((reason, false)) => return Err(reason),
        }
        if let Err(reason) = self.validate(&req) {
            return refuse(self, reason);
        }

        let id = OrderId(self.next_order);
        let tif = match req.order_type {
            OrderType::Limit => TimeInForce::GoodTillCancel,
            OrderType::ImmediateOrCancel | OrderType::Market => TimeInForce::ImmediateOrCancel,
            OrderType::FillOrKill => TimeInForce::FillOrKill,
            OrderType::PostOnly => TimeInForce::PostOnly,
        };
        let order = NewOrder {
            id,
            owner: Some(access.account),
            side: req.side,
            price: req.price,
            qty: req.qty,
            tif,
        };
        let stp = self.self_trade_prevention(access.account);
        let mut reports = std::mem::take(&mut self.reports);
        reports.clear();
        let book = &mut self.books[usize::from(req.instrument.0)];
        if let Err(refusal) = book.submit_fresh(&order, stp, &mut reports) {
            self.reports = reports;
            return refuse(self, reject_reason(refusal));
        }

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
        let request = Request {
            order: id,
            instrument: req.instrument,
            side: req.side,
            price: req.price,
            access,
        };
        let placed = self.publish(now, request, &reports);
        self.reports = reports;
        Ok(placed)
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
        let mut access = access;
        if self.gate.is_some() {
            match self.admit(now, &mut access, Need::Cancel) {
                Ok(()) => {}
                Err((reason, true)) => {
                    let body = EventBody::CancelRejected(CancelRejected { order, reason, access });
                    self.emit(now, body);
                    return Err(reason);
                }
                Err((reason, false)) => return Err(reason),
            }
        }
        let live = match self.owned(order, access) {
            Ok(live) => live,
            Err(reason) => {
                self.emit(now, EventBody::CancelRejected(CancelRejected { order, reason, access }));
                return Err(reason);
            }
        };
        let mut reports = std::mem::take(&mut self.reports);
        reports.clear();
        let book = &mut self.books[usize::from(live.instrument.0)];
        book.cancel_order(order, &mut reports).expect("every registered order rests in its book");
        let left = reports
            .iter()
            .find_map(|r| match r {
                Report::Cancelled { qty, .. } => Some(*qty),
                _ => None,
            })
            .unwrap_or(Qty::ZERO);
        let request = Request {
            order,
            instrument: live.instrument,
            side: live.side,
            price: Some(live.price),
            access,
        };
        self.publish(now, request, &reports);
        self.reports = reports;
        Ok(left)
    }

    /// Cancels an order on behalf of its owner if it still rests, as a
    /// client that follows its own fills would: a request about an order
    /// that no longer rests is never sent, so nothing is reported. Returns
    /// the quantity that left the book, or `None` when the order was not
    /// resting or the cancel was refused (a refusal is reported as
    /// [`Exchange::cancel`] reports it).
    pub fn cancel_if_resting(&mut self, now: Nanos, access: Access, order: OrderId) -> Option<Qty> {
        // The controls see the request before the register is consulted.
        if self.gate.is_some() {
            if !self.live.contains_key(&order) {
                return None;
            }
            return self.cancel(now, access, order).ok();
        }

        // One look-up in the register finds, checks and forgets the order.
        let live = match self.live.entry(order) {
            Entry::Vacant(_) => return None,
            Entry::Occupied(e) if e.get().access.account != access.account => None,
            Entry::Occupied(e) => Some(e.remove()),
        };
        let Some(live) = live else {
            let reason = RejectReason::NotOwner;
            self.emit(now, EventBody::CancelRejected(CancelRejected { order, reason, access }));
            return None;
        };
        let left = self.books[usize::from(live.instrument.0)]
            .cancel(order)
            .expect("every registered order rests in its book")
            .qty;
        let body = EventBody::Cancelled(Cancelled {
            order,
            instrument: live.instrument,
            side: live.side,
            price: Some(live.price),
            remaining: left,
            reason: CancelReason::Requested,
            access,
        });
        self.emit(now, body);
        Some(left)
    }

    /// Amends a resting order's price and quantity on behalf of its owner;
    /// see [`crate::matching`] for when it keeps its queue priority.
    ///
    /// # Errors
    ///
    /// Refuses an order that is not resting, one that belongs to another
    /// account, and a new price or quantity the instrument does not accept;
    /// the refusal is also reported as a public event.
    pub fn amend(
        &mut self,
        now: Nanos,
        access: Access,
        order: OrderId,
        price: Price,
        qty: Qty,
    ) -> Result<Placed, RejectReason> {
        let mut access = access;
        if self.gate.is_some() {
            match self.admit(now, &mut access, Need::Order) {
                Ok(()) => {}
                Err((reason, true)) => {
                    let body = EventBody::AmendRejected(AmendRejected { order, reason, access });
                    self.emit(now, body);
                    return Err(reason);
                }
                Err((reason, false)) => return Err(reason),
            }
        }
        let checked = self.owned(order, access).and_then(|live| {
            // An amend to zero is a cancel, which needs no limits checked.
            if qty > Qty::ZERO {
                let req = OrderRequest::limit(live.instrument, live.side, price, qty);
                self.validate(&req)?;
            }
            Ok(live)
        });
        let live = match checked {
            Ok(live) => live,
            Err(reason) => {
                self.emit(now, EventBody::AmendRejected(AmendRejected { order, reason, access }));
                return Err(reason);
            }
        };
        let stp = self.self_trade_prevention(access.account);
        let mut reports = std::mem::take(&mut self.reports);
        reports.clear();
        let book = &mut self.books[usize::from(live.instrument.0)];
        book.amend(order, price, qty, stp, &mut reports)
            .expect("every registered order rests in its book");
        let request = Request {
            order,
            instrument: live.instrument,
            side: live.side,
            price: Some(price),
            access,
        };
        let placed = self.publish(now, request, &reports);
        self.reports = reports;
        Ok(placed)
    }

    /// Finds a live order that belongs to the requesting account.
    fn owned(&self, order: OrderId, access: Access) -> Result<LiveOrder, RejectReason> {
        match self.live.get(&order) {
            None => Err(RejectReason::UnknownOrder),
            Some(live) if live.access.account != access.account => Err(RejectReason::NotOwner),
            Some(&live) => Ok(live),
        }
    }

    /// Turns the book's reports about one request into public events and
    /// keeps the register of live orders in step.
    fn publish(&mut self, now: Nanos, request: Request, reports: &[Report]) -> Placed {
        let mut placed = Placed { id: request.order, filled: Qty::ZERO, resting: Qty::ZERO };
        for report in reports {
            match *report {
                Report::Fill { maker, taker, price, qty, maker_remaining, taker_remaining } => {
                    let maker_live = if maker_remaining == Qty::ZERO {
                        self.live.remove(&maker)
                    } else {
                        self.live.get(&maker).copied()
                    }
                    .expect("every resting order is registered with the gateway");
                    placed.filled += qty;
                    let trade = Trade {
                        instrument: request.instrument,
                        price,
                        qty,
                        taker_side: request.side,
                        maker: TradeSide {
                            order: maker,
                            access: maker_live.access,
                            remaining: maker_remaining,
                        },
                        taker: TradeSide {
                            order: taker,
                            access: request.access,
                            remaining: taker_remaining,
                        },
                    };
                    if let Some(ledger) = self.gate.as_deref_mut().and_then(|g| g.ledger.as_mut()) {
                        let (buyer, seller) = (trade.buyer().access, trade.seller().access);
                        ledger.fill(buyer.account, seller.account, trade.instrument, price, qty);
                    }
                    self.emit(now, EventBody::Trade(trade));
                }
                Report::Rested { id, price, qty } => {
                    placed.resting = qty;
                    let live = LiveOrder {
                        access: request.access,
                        instrument: request.instrument,
                        side: request.side,
                        price,
                    };
                    self.live.insert(id, live);
                }
                Report::Cancelled { id, qty, cause } => {
                    // A resting order cancelled by self-trade prevention is
                    // reported with its own access; everything else with the
                    // request's.
                    let own = self.live.remove(&id);
                    let (access, side, price) = match own {
                        Some(o) if cause != CancelCause::Requested => {
                            (o.access, o.side, Some(o.price))
                        }
                        _ => (request.access, request.side, request.price),
                    };
                    let reason = match cause {
                        CancelCause::Requested => CancelReason::Requested,
                        CancelCause::Unfilled => CancelReason::Unfilled,
                        CancelCause::FillOrKill => CancelReason::FillOrKill,
                        CancelCause::SelfTrade => CancelReason::SelfTrade,
                    };
                    let body = EventBody::Cancelled(Cancelled {
                        order: id,
                        instrument: request.instrument,
                        side,
                        price,
                        remaining: qty,
                        reason,
                        access,
                    });
                    self.emit(now, body);
                }
                Report::Decremented { id, by, remaining } => {
                    let own = if remaining == Qty::ZERO {
                        self.live.remove(&id)
                    } else {
                        self.live.get(&id).copied()
                    };
                    let (access, side) = match own {
                        Some(o) if id != request.order => (o.access, o.side),
                        _ => (request.access, request.side),
                    };
                    let body = EventBody::Decremented(Decremented {
                        order: id,
                        instrument: request.instrument,
                        side,
                        by,
                        remaining,
                        access,
                    });
                    self.emit(now, body);
                }
                Report::Amended { id, price, qty, priority_kept } => {
                    if priority_kept {
                        placed.resting = qty;
                        if let Some(live) = self.live.get_mut(&id) {
                            live.price = price;
                        }
                    } else {
                        // It left the book; a `Rested` report re-registers it.
                        self.live.remove(&id);
                    }
                    let body = EventBody::Amended(Amended {
                        order: id,
                        instrument: request.instrument,
                        side: request.side,
                        price,
                        qty,
                        priority_kept,
                        access: request.access,
                    });
                    self.emit(now, body);
                }
            }
        }
        placed
    }

    fn validate(&self, req: &OrderRequest) -> Result<(), RejectReason> {
        let spec =
            self.specs.get(usize::from(req.instrument.0)).ok_or(RejectReason::UnknownInstrument)?;
        if req.qty < spec.min_qty || req.qty > spec.max_qty {
            return Err(RejectReason::QtyOutOfRange);
        }
        // A lot or tick of one divides everything: most instruments skip
        // the divisions.
        if spec.lot_size > 1 && req.qty.0 % spec.lot_size != 0 {
            return Err(RejectReason::OffLot);
        }
        match (req.order_type, req.price) {
            (OrderType::Market, None) => Ok(()),
            (OrderType::Market, Some(_)) => Err(RejectReason::PriceOutOfRange),
            (_, None) => Err(RejectReason::PriceRequired),
            (_, Some(p)) if p < spec.min_price || p > spec.max_price => {
                Err(RejectReason::PriceOutOfRange)
            }
            (_, Some(p)) if spec.tick_size > 1 && p.0 % spec.tick_size != 0 => {
                Err(RejectReason::OffTick)
            }
            (_, Some(p)) if i128::from(p.0) * i128::from(req.qty.0) > MAX_NOTIONAL => {
                Err(RejectReason::NotionalTooLarge)
            }
            _ => Ok(()),
        }
    }

    fn emit(&mut self, time: Nanos, body: EventBody) {
        self.events.push(Event { seq: self.next_seq, time, body });
        self.next_seq += 1;
    }
}

/// The public reason for a refusal by the book.
fn reject_reason(refusal: BookReject) -> RejectReason {
    match refusal {
        BookReject::NoLiquidity => RejectReason::NoLiquidity,
        BookReject::WouldTakeLiquidity => RejectReason::WouldTakeLiquidity,
        BookReject::MarketMustBeImmediate => RejectReason::PriceRequired,
        BookReject::NonPositiveQty => RejectReason::QtyOutOfRange,
        // The gateway hands out fresh ids and checks ownership itself.
        BookReject::DuplicateId | BookReject::UnknownOrder => RejectReason::UnknownOrder,
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
            tick_size: 1,
            lot_size: 1,
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

    fn coarse() -> InstrumentSpec {
        InstrumentSpec { tick_size: 5, lot_size: 10, max_qty: Qty(1_000_000), ..spec() }
    }

    #[test]
    fn tick_lot_and_notional_limits_are_enforced_with_reasons() {
        let mut ex = Exchange::new(vec![coarse()]);
        let cases = [
            (OrderRequest::limit(I, Side::Buy, Price(12), Qty(10)), RejectReason::OffTick),
            (OrderRequest::limit(I, Side::Buy, Price(10), Qty(15)), RejectReason::OffLot),
            (OrderRequest::market(I, Side::Buy, Qty(5)), RejectReason::OffLot),
        ];
        for (req, reason) in cases {
            assert_eq!(ex.submit(Nanos(1), who(1), req), Err(reason), "{req:?}");
        }
        assert!(
            ex.submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Buy, Price(10), Qty(20)))
                .is_ok()
        );

        let huge = InstrumentSpec { max_price: Price(i64::MAX), max_qty: Qty(i64::MAX), ..spec() };
        let mut ex = Exchange::new(vec![huge]);
        let req = OrderRequest::limit(I, Side::Sell, Price(i64::MAX / 2), Qty(3));
        assert_eq!(ex.submit(Nanos(1), who(1), req), Err(RejectReason::NotionalTooLarge));
        let fits = OrderRequest::limit(I, Side::Sell, Price(i64::MAX / 2), Qty(2));
        assert!(ex.submit(Nanos(1), who(1), fits).is_ok(), "a very large price works");
    }

    #[test]
    fn self_trade_prevention_cancels_the_resting_order_with_its_own_access() {
        let mut ex =
            Exchange::with_self_trade_prevention(vec![spec()], SelfTradePrevention::CancelResting);
        let resting = ex
            .submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Sell, Price(10), Qty(2)))
            .unwrap()
            .id;
        let mut other_ip = who(1);
        other_ip.ip = Ip(99);
        ex.submit(Nanos(2), other_ip, OrderRequest::ioc(I, Side::Buy, Price(10), Qty(2))).unwrap();
        let events = drain(&mut ex);
        let EventBody::Cancelled(c) = events[2] else { panic!("{events:?}") };
        assert_eq!((c.order, c.reason, c.remaining), (resting, CancelReason::SelfTrade, Qty(2)));
        assert_eq!(c.access.ip, Ip(1), "reported with the resting order's own access");
        assert!(matches!(
            events[3],
            EventBody::Cancelled(Cancelled { reason: CancelReason::Unfilled, .. })
        ));
        assert_eq!(ex.resting_qty(resting), None);
    }

    #[test]
    fn one_account_may_switch_self_trade_prevention_off() {
        let mut ex =
            Exchange::with_self_trade_prevention(vec![spec()], SelfTradePrevention::CancelIncoming);
        ex.set_self_trade_prevention(AccountId(1), SelfTradePrevention::Off);
        ex.submit(Nanos(1), who(1), OrderRequest::limit(I, Side::Sell, Price(10), Qty(2))).unwrap();
        let placed = ex
            .submit(Nanos(2), who(1), OrderRequest::ioc(I, Side::Buy, Price(10), Qty(2)))
            .unwrap();
        assert_eq!(placed.filled, Qty(2));
        assert_eq!(ex.self_trade_prevention(AccountId(2)), SelfTradePrevention::CancelIncoming);
    }

    #[test]
    fn an_amend_across_the_spread_reports_the_amend_then_the_trade() {
        let mut ex = Exchange::new(vec![spec()]);
        let ask = ex
            .submit(Nanos(1), who(2), OrderRequest::limit(I, Side::Sell, Price(11), Qty(1)))
            .unwrap()
            .id;
        let bid = ex
            .submit(Nanos(2), who(1), OrderRequest::limit(I, Side::Buy, Price(9), Qty(3)))
            .unwrap()
            .id;
        drain(&mut ex);

        let placed = ex.amend(Nanos(3), who(1), bid, Price(11), Qty(3)).unwrap();
        assert_eq!((placed.filled, placed.resting), (Qty(1), Qty(2)));
        let events = drain(&mut ex);
        let EventBody::Amended(a) = events[0] else { panic!("{events:?}") };
        assert_eq!((a.order, a.price, a.qty, a.priority_kept), (bid, Price(11), Qty(3), false));
        let EventBody::Trade(t) = events[1] else { panic!("{events:?}") };
        assert_eq!((t.maker.order, t.taker.order, t.price), (ask, bid, Price(11)));
        assert_eq!(ex.resting_qty(bid), Some(Qty(2)));

        assert_eq!(ex.amend(Nanos(4), who(2), bid, Price(11), Qty(1)), Err(RejectReason::NotOwner));
        assert_eq!(
            ex.amend(Nanos(4), who(2), ask, Price(11), Qty(1)),
            Err(RejectReason::UnknownOrder)
        );
        assert_eq!(
            ex.amend(Nanos(4), who(1), bid, Price(2_000), Qty(1)),
            Err(RejectReason::PriceOutOfRange)
        );
        let refusals = drain(&mut ex);
        assert!(refusals.iter().all(|e| matches!(e, EventBody::AmendRejected(_))), "{refusals:?}");
        assert_eq!(
            ex.amend(Nanos(5), who(1), bid, Price(11), Qty(0)).map(|p| p.resting),
            Ok(Qty(0))
        );
        assert_eq!(ex.resting_qty(bid), None, "an amend to zero cancels");
    }

    #[test]
    fn fill_or_kill_and_post_only_report_their_outcomes() {
        let mut ex = Exchange::new(vec![spec()]);
        ex.submit(Nanos(1), who(2), OrderRequest::limit(I, Side::Sell, Price(10), Qty(2))).unwrap();
        let fok = OrderRequest::typed(I, Side::Buy, OrderType::FillOrKill, Price(10), Qty(3));
        let placed = ex.submit(Nanos(2), who(1), fok).unwrap();
        assert_eq!(placed.filled, Qty(0));
        let post = OrderRequest::typed(I, Side::Buy, OrderType::PostOnly, Price(10), Qty(1));
        assert_eq!(ex.submit(Nanos(3), who(1), post), Err(RejectReason::WouldTakeLiquidity));
        let events = drain(&mut ex);
        assert!(matches!(
            events[2],
            EventBody::Cancelled(Cancelled {
                reason: CancelReason::FillOrKill,
                remaining: Qty(3),
                ..
            })
        ));
        assert!(matches!(
            events[3],
            EventBody::Rejected(Rejected { reason: RejectReason::WouldTakeLiquidity, .. })
        ));
    }
}
