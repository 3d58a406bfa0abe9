//! Differential and audit tests of the [`Exchange`] gateway.
//!
//! Random submits and cancels from a few accounts on two instruments go to
//! the gateway, with one reference book per instrument predicting every
//! trade, so each request's outcome and events are checked in full. Beside
//! the prediction, an audit that needs no reference reads the event stream
//! alone and holds the gateway to its promises: a trade is at the maker's
//! resting price, against the other side and never beyond the taker's limit;
//! every accepted lot is traded, cancelled or still resting; ids are handed
//! out in sequence; event sequence numbers have no gaps.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError};
use surveil_sim::access::{Access, Channel, Client, Ip, Network, RegionId};
use surveil_sim::book::Fill;
use surveil_sim::event::{
    Accepted, CancelReason, CancelRejected, Cancelled, Event, EventBody, OrderType, RejectReason,
    Rejected, Trade, TradeSide,
};
use surveil_sim::exchange::{Exchange, InstrumentSpec, OrderRequest, Placed};
use surveil_sim::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};

use crate::reference::{ReferenceBook, compare_books};
use crate::{
    Kind, NO_ORDER, START_MID, Seeded, UNSEEN_IDS, drift, kind, lots, offset, persisted,
    price_behind, side,
};

/// The accounts that trade in the gateway runs.
const ACCOUNTS: u32 = 4;

/// The instruments the gateway runs list; requests also name one more that
/// does not exist.
const INSTRUMENTS: u16 = 2;

fn spec(symbol: &str) -> InstrumentSpec {
    InstrumentSpec {
        symbol: symbol.into(),
        krw_per_tick: 1.0,
        tokens_per_lot: 1.0,
        min_price: Price(1),
        max_price: Price(2 * START_MID),
        min_qty: Qty(1),
        max_qty: Qty(100),
        tick_size: 1,
        lot_size: 1,
    }
}

/// The access record of an account's API key.
fn api_access(account: u32) -> Access {
    Access {
        account: AccountId(account),
        channel: Channel::Api(KeyId(account)),
        ip: Ip(0x0A00_0000 + account),
        region: RegionId(0),
        network: Network::Cloud,
        client: Client::KnownLibrary(0),
    }
}

/// One request to the gateway. Prices are offsets from a mid per instrument,
/// as for the book.
#[derive(Clone, Copy, Debug)]
enum Request {
    /// An order; the instrument may not exist, and the price and quantity
    /// may be out of range.
    Submit {
        account: u32,
        instrument: u16,
        side: Side,
        kind: Kind,
        drift: i64,
        offset: i64,
        qty: i64,
    },
    /// A cancel of a resting order by its owner, sent from the web front end
    /// rather than the key that placed it.
    CancelOwn(Index),
    /// A cancel of a resting order by another account.
    CancelForeign { pick: Index, shift: u32 },
    /// A cancel of an order that has left the book or never rested.
    CancelDead { pick: Index, account: u32 },
    /// A cancel of an id the gateway has never handed out.
    CancelUnseen { id: OrderId, account: u32 },
}

fn request() -> impl Strategy<Value = Request> {
    let instrument = prop_oneof![12 => 0..INSTRUMENTS, 1 => Just(INSTRUMENTS)];
    // Rarely, a price so far from the mid that it falls outside the
    // instrument's range on either side.
    let offset = prop_oneof![30 => offset(), 1 => (START_MID + 1_000)..=(START_MID + 2_000)];
    let qty = prop_oneof![30 => lots(), 1 => Just(0i64), 1 => 101..=120i64];
    let submit = (0..ACCOUNTS, instrument, side(), kind(), drift(), offset, qty).prop_map(
        |(account, instrument, side, kind, drift, offset, qty)| Request::Submit {
            account,
            instrument,
            side,
            kind,
            drift,
            offset,
            qty,
        },
    );
    let own = any::<Index>().prop_map(Request::CancelOwn);
    let foreign = (any::<Index>(), 1..ACCOUNTS)
        .prop_map(|(pick, shift)| Request::CancelForeign { pick, shift });
    let dead = (any::<Index>(), 0..ACCOUNTS)
        .prop_map(|(pick, account)| Request::CancelDead { pick, account });
    let unseen = (UNSEEN_IDS..UNSEEN_IDS * 2, 0..ACCOUNTS)
        .prop_map(|(id, account)| Request::CancelUnseen { id: OrderId(id), account });
    prop_oneof![80 => submit, 4 => own, 3 => foreign, 3 => dead, 1 => unseen]
}

/// An accepted order as the event stream describes it, and where its lots
/// have gone so far.
#[derive(Clone, Copy, Debug)]
struct OrderRecord {
    accepted: Accepted,
    traded: Qty,
    cancelled: Qty,
}

impl OrderRecord {
    /// The lots neither traded nor cancelled, which must be resting.
    fn open(&self) -> Qty {
        self.accepted.qty - self.traded - self.cancelled
    }
}

/// Counts of what a gateway run exercised.
#[derive(Debug, Default)]
struct GatewayCoverage {
    trades: u64,
    /// Orders that traded with two or more makers.
    multi_maker_orders: u64,
    refusals: HashMap<RejectReason, u64>,
}

/// The gateway beside one reference book per instrument, with an audit of
/// the event stream that needs no reference at all.
struct GatewayHarness {
    exchange: Exchange,
    models: Vec<ReferenceBook>,
    mids: Vec<i64>,
    /// Every accepted order, from the events.
    records: BTreeMap<OrderId, OrderRecord>,
    /// The orders with open lots, from the events.
    resting: BTreeSet<OrderId>,
    /// Orders with no open lots left.
    dead: Vec<OrderId>,
    /// The orders the current request's events name.
    touched: Vec<OrderId>,
    last_id: u64,
    now: Nanos,
    next_seq: u64,
    events: Vec<Event>,
    fills: Vec<Fill>,
    coverage: GatewayCoverage,
}

impl GatewayHarness {
    fn new() -> GatewayHarness {
        let specs = (0..INSTRUMENTS).map(|i| spec(&format!("T{i}-KRW"))).collect();
        GatewayHarness {
            exchange: Exchange::new(specs),
            models: (0..INSTRUMENTS).map(|_| ReferenceBook::default()).collect(),
            mids: vec![START_MID; usize::from(INSTRUMENTS)],
            records: BTreeMap::new(),
            resting: BTreeSet::new(),
            dead: Vec::new(),
            touched: Vec::new(),
            last_id: 0,
            now: Nanos(0),
            next_seq: 0,
            events: Vec::new(),
            fills: Vec::new(),
            coverage: GatewayCoverage::default(),
        }
    }

    /// Sends one request, checks its outcome and events, then the ledger of
    /// every order its events name and every book.
    fn apply(&mut self, request: &Request) -> Result<(), String> {
        self.now += Nanos(1_000);
        self.touched.clear();
        match *request {
            Request::Submit { account, instrument, side, kind, drift, offset, qty } => {
                let instrument = InstrumentId(instrument);
                let price = match self.mids.get_mut(usize::from(instrument.0)) {
                    Some(mid) => {
                        *mid += drift;
                        price_behind(*mid, side, offset)
                    }
                    None => price_behind(START_MID, side, offset),
                };
                let req = match kind {
                    Kind::Limit => OrderRequest::limit(instrument, side, price, Qty(qty)),
                    Kind::ImmediateOrCancel => OrderRequest::ioc(instrument, side, price, Qty(qty)),
                    Kind::Market => OrderRequest::market(instrument, side, Qty(qty)),
                };
                self.submit(api_access(account), req)?;
            }
            Request::CancelOwn(pick) => match self.pick_resting(pick) {
                Some(owner) => {
                    let access = Access { channel: Channel::Web, ..owner.access };
                    self.cancel(access, owner.order)?;
                }
                None => self.cancel(api_access(0), NO_ORDER)?,
            },
            Request::CancelForeign { pick, shift } => match self.pick_resting(pick) {
                Some(owner) => {
                    let account = (owner.access.account.0 + shift) % ACCOUNTS;
                    self.cancel(api_access(account), owner.order)?;
                }
                None => self.cancel(api_access(0), NO_ORDER)?,
            },
            Request::CancelDead { pick, account } => {
                let id = match self.dead.len() {
                    0 => NO_ORDER,
                    n => self.dead[pick.index(n)],
                };
                self.cancel(api_access(account), id)?;
            }
            Request::CancelUnseen { id, account } => self.cancel(api_access(account), id)?,
        }

        for &id in &self.touched {
            self.check_ledger(id)?;
        }
        for (i, model) in self.models.iter().enumerate() {
            let book = self.exchange.book(InstrumentId(i as u16));
            compare_books(book, model).map_err(|e| format!("instrument {i}: {e}"))?;
        }
        Ok(())
    }

    /// Returns the acceptance of a resting order, picked among them.
    fn pick_resting(&self, pick: Index) -> Option<Accepted> {
        if self.resting.is_empty() {
            return None;
        }
        let id = self.resting.iter().nth(pick.index(self.resting.len()))?;
        Some(self.records[id].accepted)
    }

    /// Moves the request's events out of the gateway, checks that their
    /// sequence numbers continue without a gap and that they carry the
    /// request's time, and audits them.
    fn drain(&mut self) -> Result<Vec<EventBody>, String> {
        self.events.clear();
        self.exchange.drain_events(&mut self.events);
        let mut bodies = Vec::with_capacity(self.events.len());
        for event in &self.events {
            if event.seq != self.next_seq {
                return Err(format!("event {event:?} after sequence {}", self.next_seq));
            }
            if event.time != self.now {
                let (at, now) = (event.time, self.now);
                return Err(format!("event {event:?} at {at:?}, request at {now:?}"));
            }
            self.next_seq += 1;
            bodies.push(event.body);
        }
        if self.exchange.events_produced() != self.next_seq {
            let produced = self.exchange.events_produced();
            return Err(format!("{produced} events produced, {} drained", self.next_seq));
        }
        self.audit(&bodies)?;
        Ok(bodies)
    }

    /// Checks one request's events against each other and the orders they
    /// name, without the reference: a trade is at its maker's resting
    /// price, against the other side, within the taker's limit, and reports
    /// both remainders as the lots accounted so far leave them; a cancel
    /// takes every open lot; a taker's open lots after its events are
    /// resting, which only a limit order may do. Enters every lot in its
    /// order's record.
    fn audit(&mut self, bodies: &[EventBody]) -> Result<(), String> {
        let mut taker: Option<OrderId> = None;
        for body in bodies {
            match *body {
                EventBody::Accepted(accepted) => {
                    let record = OrderRecord { accepted, traded: Qty::ZERO, cancelled: Qty::ZERO };
                    if self.records.insert(accepted.order, record).is_some() {
                        return Err(format!("{:?} accepted twice", accepted.order));
                    }
                    taker = Some(accepted.order);
                    self.touched.push(accepted.order);
                }
                EventBody::Trade(trade) => self.audit_trade(taker, &trade)?,
                EventBody::Cancelled(cancelled) => {
                    let id = cancelled.order;
                    let record = self.records.get_mut(&id).ok_or("cancel of an unknown order")?;
                    record.cancelled += cancelled.remaining;
                    if record.open() != Qty::ZERO || cancelled.remaining <= Qty::ZERO {
                        return Err(format!("{cancelled:?} leaves {record:?}"));
                    }
                    self.resting.remove(&id);
                    self.dead.push(id);
                    self.touched.push(id);
                }
                EventBody::Rejected(_) => {}
                EventBody::CancelRejected(refused) => self.touched.push(refused.order),
                // This audit sends neither amends nor self-trades.
                EventBody::Amended(_)
                | EventBody::AmendRejected(_)
                | EventBody::Decremented(_)
                | EventBody::Control(_) => {
                    return Err(format!("unexpected {body:?}"));
                }
            }
        }

        // Whatever the taker did not trade or cancel is resting at its limit.
        if let Some(id) = taker {
            let record = self.records[&id];
            if record.open() == Qty::ZERO {
                self.dead.push(id);
            } else if record.accepted.order_type == OrderType::Limit {
                self.resting.insert(id);
            } else {
                return Err(format!("{record:?} left lots neither traded nor cancelled"));
            }
        }
        Ok(())
    }

    fn audit_trade(&mut self, taker: Option<OrderId>, trade: &Trade) -> Result<(), String> {
        let taker = taker
            .filter(|&id| id == trade.taker.order)
            .and_then(|id| self.records.get_mut(&id))
            .ok_or_else(|| format!("{trade:?} follows no acceptance of its taker"))?;
        taker.traded += trade.qty;
        let taker = *taker;
        let maker = self
            .records
            .get_mut(&trade.maker.order)
            .filter(|_| self.resting.contains(&trade.maker.order))
            .ok_or_else(|| format!("{trade:?} names a maker that is not resting"))?;
        maker.traded += trade.qty;
        let maker = *maker;

        let (t, m) = (&taker.accepted, &maker.accepted);
        let beyond_limit = match (t.side, t.price) {
            (_, None) => false,
            (Side::Buy, Some(limit)) => trade.price > limit,
            (Side::Sell, Some(limit)) => trade.price < limit,
        };
        let consistent = Some(trade.price) == m.price
            && trade.qty > Qty::ZERO
            && trade.instrument == t.instrument
            && trade.instrument == m.instrument
            && trade.taker_side == t.side
            && m.side == t.side.opposite()
            && (trade.taker.access, trade.maker.access) == (t.access, m.access)
            && (trade.taker.remaining, trade.maker.remaining) == (taker.open(), maker.open());
        if beyond_limit || !consistent {
            return Err(format!("{trade:?} between taker {taker:?} and maker {maker:?}"));
        }

        if maker.open() == Qty::ZERO {
            self.resting.remove(&m.order);
            self.dead.push(m.order);
        }
        self.touched.push(m.order);
        Ok(())
    }

    /// Every reason the gateway has to refuse `req`; when there are several
    /// it may report any one.
    fn refusals(&self, req: &OrderRequest) -> Vec<RejectReason> {
        let Some(model) = self.models.get(usize::from(req.instrument.0)) else {
            return vec![RejectReason::UnknownInstrument];
        };
        let spec = spec("");
        let mut refusals = Vec::new();
        if req.qty < spec.min_qty || req.qty > spec.max_qty {
            refusals.push(RejectReason::QtyOutOfRange);
        }
        match req.price {
            None if model.side_is_empty(req.side.opposite()) => {
                refusals.push(RejectReason::NoLiquidity)
            }
            Some(p) if p < spec.min_price || p > spec.max_price => {
                refusals.push(RejectReason::PriceOutOfRange)
            }
            _ => {}
        }
        refusals
    }

    /// Submits an order and checks the outcome and every event against the
    /// reference.
    fn submit(&mut self, access: Access, req: OrderRequest) -> Result<(), String> {
        let refusals = self.refusals(&req);
        let result = self.exchange.submit(self.now, access, req);
        let bodies = self.drain()?;

        // A refusal must have a reason, and is reported as one event.
        if !refusals.is_empty() {
            let reason = match result {
                Err(reason) if refusals.contains(&reason) => reason,
                _ => return Err(format!("{req:?}: got {result:?}, expected one of {refusals:?}")),
            };
            *self.coverage.refusals.entry(reason).or_default() += 1;
            let expected = EventBody::Rejected(Rejected {
                instrument: req.instrument,
                side: req.side,
                order_type: req.order_type,
                price: req.price,
                qty: req.qty,
                reason,
                access,
            });
            return check_events(&bodies, &[expected]);
        }
        let placed = result.map_err(|r| format!("{req:?} refused as {r:?} with no reason"))?;
        if placed.id != OrderId(self.last_id + 1) {
            return Err(format!("id {:?} handed out after {}", placed.id, self.last_id));
        }
        self.last_id += 1;
        let id = placed.id;

        // The reference predicts the fills, and from them every event.
        let model = &mut self.models[usize::from(req.instrument.0)];
        self.fills.clear();
        let left = model.execute(req.side, req.price, req.qty, &mut self.fills);
        let mut expected = vec![EventBody::Accepted(Accepted {
            order: id,
            instrument: req.instrument,
            side: req.side,
            order_type: req.order_type,
            price: req.price,
            qty: req.qty,
            access,
        })];
        let mut taker_remaining = req.qty;
        for fill in &self.fills {
            taker_remaining -= fill.qty;
            let maker = self.records.get(&fill.maker).ok_or("a fill names an unknown maker")?;
            let maker = TradeSide {
                order: fill.maker,
                access: maker.accepted.access,
                remaining: fill.maker_remaining,
            };
            expected.push(EventBody::Trade(Trade {
                instrument: req.instrument,
                price: fill.price,
                qty: fill.qty,
                taker_side: req.side,
                maker,
                taker: TradeSide { order: id, access, remaining: taker_remaining },
            }));
        }
        self.coverage.trades += self.fills.len() as u64;
        self.coverage.multi_maker_orders += u64::from(self.fills.len() >= 2);

        // The remainder rests if the order may, and is cancelled otherwise.
        let mut rested = Qty::ZERO;
        match (req.order_type, req.price) {
            _ if left == Qty::ZERO => {}
            (OrderType::Limit, Some(price)) => {
                let refusals = model.rest_owned(id, Some(access.account), req.side, price, left);
                if !refusals.is_empty() {
                    return Err(format!("the reference refused to rest {id:?}: {refusals:?}"));
                }
                rested = left;
            }
            _ => expected.push(EventBody::Cancelled(Cancelled {
                order: id,
                instrument: req.instrument,
                side: req.side,
                price: req.price,
                remaining: left,
                reason: CancelReason::Unfilled,
                access,
            })),
        }

        let expected_placed = Placed { id, filled: req.qty - left, resting: rested };
        if placed != expected_placed {
            return Err(format!("placed {placed:?}, expected {expected_placed:?}"));
        }
        check_events(&bodies, &expected)
    }

    /// Cancels an order and checks the outcome and its event against the
    /// reference and the order's owner.
    fn cancel(&mut self, access: Access, id: OrderId) -> Result<(), String> {
        // Who owns the order is settled before the audit of the cancel's
        // own event forgets it.
        let owner = self.resting.contains(&id).then(|| self.records[&id].accepted);
        let result = self.exchange.cancel(self.now, access, id);
        let bodies = self.drain()?;

        let refusal = match owner {
            None => Some(RejectReason::UnknownOrder),
            Some(owner) if owner.access.account != access.account => Some(RejectReason::NotOwner),
            Some(_) => None,
        };
        if let Some(reason) = refusal {
            if result != Err(reason) {
                return Err(format!("cancel of {id:?} by {}: {result:?}", access.account));
            }
            *self.coverage.refusals.entry(reason).or_default() += 1;
            let expected = CancelRejected { order: id, reason, access };
            return check_events(&bodies, &[EventBody::CancelRejected(expected)]);
        }

        let owner = owner.ok_or("an order without an owner was cancelled")?;
        let model = &mut self.models[usize::from(owner.instrument.0)];
        let order = model.cancel(id).ok_or("a resting order is missing from the reference")?;
        if result != Ok(order.qty) {
            return Err(format!("cancel of {id:?} returned {result:?}, expected {:?}", order.qty));
        }
        let expected = EventBody::Cancelled(Cancelled {
            order: id,
            instrument: owner.instrument,
            side: owner.side,
            price: owner.price,
            remaining: order.qty,
            reason: CancelReason::Requested,
            access,
        });
        check_events(&bodies, &[expected])
    }

    /// Checks that every lot accepted for `id` is traded, cancelled or
    /// resting in the gateway, and that the reference agrees on what rests.
    fn check_ledger(&self, id: OrderId) -> Result<(), String> {
        let resting = self.exchange.resting_qty(id);
        let Some(record) = self.records.get(&id) else {
            return match resting {
                None => Ok(()),
                Some(qty) => Err(format!("{id:?} was never accepted, yet rests {qty:?}")),
            };
        };
        let expected = self.models[usize::from(record.accepted.instrument.0)].get(id);
        if resting != expected.map(|o| o.qty) {
            return Err(format!("{id:?} rests {resting:?} in the gateway; reference {expected:?}"));
        }
        if record.open() != resting.unwrap_or_default() {
            return Err(format!("{id:?} lost lots: {record:?}, resting {resting:?}"));
        }
        Ok(())
    }
}

fn check_events(actual: &[EventBody], expected: &[EventBody]) -> Result<(), String> {
    if actual != expected {
        return Err(format!("events {actual:#?}, expected {expected:#?}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 64, ..persisted(2) })]

    #[test]
    fn gateway_agrees_with_the_reference(requests in prop::collection::vec(request(), 1..=1_000)) {
        let mut harness = GatewayHarness::new();
        for (i, request) in requests.iter().enumerate() {
            harness
                .apply(request)
                .map_err(|e| TestCaseError::fail(format!("request {i}, {request:?}: {e}")))?;
        }
    }
}

#[test]
fn gateway_accounts_for_every_lot_over_a_long_seeded_run() {
    const REQUESTS: u64 = 100_000;

    let mut requests = Seeded::new(request(), 11);
    let mut harness = GatewayHarness::new();
    for i in 0..REQUESTS {
        let request = requests.draw();
        if let Err(e) = harness.apply(&request) {
            panic!("request {i}, {request:?}: {e}");
        }
    }

    // Every order ever accepted is accounted for at the end, resting or not.
    for &id in harness.records.keys() {
        harness.check_ledger(id).unwrap_or_else(|e| panic!("at the end: {e}"));
    }
    let c = &harness.coverage;
    assert!(c.trades > REQUESTS / 2 && c.multi_maker_orders > REQUESTS / 20, "{c:?}");
    let reasons = [
        RejectReason::UnknownInstrument,
        RejectReason::QtyOutOfRange,
        RejectReason::PriceOutOfRange,
        RejectReason::NoLiquidity,
        RejectReason::UnknownOrder,
        RejectReason::NotOwner,
    ];
    for reason in reasons {
        assert!(c.refusals.get(&reason).is_some_and(|&n| n >= 10), "{reason:?}: {c:?}");
    }
}
