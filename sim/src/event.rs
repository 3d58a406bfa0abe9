//! The public event stream: everything the exchange reports, and nothing
//! else.
//!
//! Each event carries a sequence number and a time; the stream is totally
//! ordered by sequence number, and times never decrease along it. Every
//! event names the access record of the request behind it, because an
//! exchange sees that metadata and detectors need it. No event carries a
//! label: ground truth lives apart, in [`crate::truth`].

use serde::{Deserialize, Serialize};

use crate::access::Access;
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Price, Qty, Side};

/// One entry of the public event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the stream, from zero, without gaps.
    pub seq: u64,
    /// When the exchange processed the request.
    pub time: Nanos,
    /// What happened.
    pub body: EventBody,
}

/// What an event reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventBody {
    /// An order passed the gateway's checks and reached the book.
    Accepted(Accepted),
    /// An order was refused before reaching the book.
    Rejected(Rejected),
    /// A resting order, or the unfilled remainder of one that may not rest,
    /// left the book without trading.
    Cancelled(Cancelled),
    /// A cancel request was refused.
    CancelRejected(CancelRejected),
    /// A resting order was amended.
    Amended(Amended),
    /// An amend request was refused.
    AmendRejected(AmendRejected),
    /// Self-trade prevention took quantity off an order without a trade.
    Decremented(Decremented),
    /// Two orders traded.
    Trade(Trade),
    /// The exchange used one of its controls: an intervention on an
    /// account or key, a reconciliation of the ledgers, a halt or a
    /// resumption of trading. Only a scenario with a `[policy]` produces
    /// these; see [`crate::policy`].
    Control(Control),
}

/// How long an order may live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderType {
    /// A limit order whose remainder rests until cancelled.
    Limit,
    /// A limit order whose remainder is cancelled at once.
    ImmediateOrCancel,
    /// A limit order that fills completely at once or is cancelled whole.
    FillOrKill,
    /// A limit order that only rests: refused if it would trade on arrival.
    PostOnly,
    /// An order without a price limit, whose remainder is cancelled at once.
    Market,
}

/// An accepted order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The id the exchange gave the order.
    pub order: OrderId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The side.
    pub side: Side,
    /// The order type.
    pub order_type: OrderType,
    /// The limit price; `None` for a market order.
    pub price: Option<Price>,
    /// The quantity.
    pub qty: Qty,
    /// Who sent it, and how.
    pub access: Access,
}

/// A refused order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The instrument asked for.
    pub instrument: InstrumentId,
    /// The side.
    pub side: Side,
    /// The order type.
    pub order_type: OrderType,
    /// The limit price; `None` for a market order.
    pub price: Option<Price>,
    /// The quantity asked for.
    pub qty: Qty,
    /// Why it was refused.
    pub reason: RejectReason,
    /// Who sent it, and how.
    pub access: Access,
}

/// Why an order or a cancel was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RejectReason {
    /// The instrument does not exist.
    UnknownInstrument,
    /// The quantity is outside the instrument's limits.
    QtyOutOfRange,
    /// The price is outside the instrument's limits.
    PriceOutOfRange,
    /// A market order met an empty opposite side.
    NoLiquidity,
    /// The order is not resting: filled, cancelled or never seen.
    UnknownOrder,
    /// The order belongs to another account.
    NotOwner,
    /// The price is not a multiple of the instrument's tick size.
    OffTick,
    /// The quantity is not a multiple of the instrument's lot size.
    OffLot,
    /// Price times quantity is beyond what the exchange can settle.
    NotionalTooLarge,
    /// A post-only order would have traded on arrival.
    WouldTakeLiquidity,
    /// A market order must be immediate: it has no price to rest at.
    PriceRequired,
    /// The request came from an address outside the key's whitelist.
    NotWhitelisted,
    /// The key lacks the permission the request needs (trading, for every
    /// order, cancel and amend).
    NoPermission,
    /// The key was expired by the exchange.
    KeyExpired,
    /// The account is paused until it completes identity re-verification.
    AccountPaused,
    /// Trading is halted: no new order or amend is taken; cancels are.
    TradingHalted,
}

impl RejectReason {
    /// Tells whether the refusal came from one of the exchange's controls
    /// (whitelists, permissions, expired keys, paused accounts, halts)
    /// rather than from the order's own terms.
    pub fn is_control(self) -> bool {
        matches!(
            self,
            RejectReason::NotWhitelisted
                | RejectReason::NoPermission
                | RejectReason::KeyExpired
                | RejectReason::AccountPaused
                | RejectReason::TradingHalted
        )
    }
}

/// Why an order left the book without trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReason {
    /// Its owner asked.
    Requested,
    /// It was immediate-or-cancel or a market order, and this remainder did
    /// not fill at once.
    Unfilled,
    /// It was fill-or-kill and could not fill completely.
    FillOrKill,
    /// Self-trade prevention: it met an order of its own account.
    SelfTrade,
}

/// An order that left the book without trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancelled {
    /// The order.
    pub order: OrderId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The side.
    pub side: Side,
    /// The limit price; `None` for a market order.
    pub price: Option<Price>,
    /// The quantity that left the book.
    pub remaining: Qty,
    /// Why it left.
    pub reason: CancelReason,
    /// The access of the cancel request, or of the order itself when it
    /// was not asked for.
    pub access: Access,
}

/// A refused cancel request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRejected {
    /// The order the request named.
    pub order: OrderId,
    /// Why it was refused.
    pub reason: RejectReason,
    /// Who sent it, and how.
    pub access: Access,
}

/// A resting order amended by its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amended {
    /// The order.
    pub order: OrderId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The side.
    pub side: Side,
    /// The new price.
    pub price: Price,
    /// The new quantity.
    pub qty: Qty,
    /// Whether the order kept its place in the queue (a reduction at the
    /// same price); if not, any trades it makes at once follow.
    pub priority_kept: bool,
    /// Who sent the amend, and how.
    pub access: Access,
}

/// A refused amend request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendRejected {
    /// The order the request named.
    pub order: OrderId,
    /// Why it was refused.
    pub reason: RejectReason,
    /// Who sent it, and how.
    pub access: Access,
}

/// Quantity taken off an order by self-trade prevention, without a trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decremented {
    /// The order.
    pub order: OrderId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The side.
    pub side: Side,
    /// The quantity taken off.
    pub by: Qty,
    /// What is left; zero means the order is gone.
    pub remaining: Qty,
    /// The access of the order.
    pub access: Access,
}

/// One side of a trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeSide {
    /// The order.
    pub order: OrderId,
    /// Who placed it, and how.
    pub access: Access,
    /// What is left of it after this trade.
    pub remaining: Qty,
}

/// A trade between a resting order (the maker) and an incoming one (the
/// taker). The price is the maker's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The price, in ticks.
    pub price: Price,
    /// The quantity, in lots.
    pub qty: Qty,
    /// The side of the incoming order.
    pub taker_side: Side,
    /// The resting order.
    pub maker: TradeSide,
    /// The incoming order.
    pub taker: TradeSide,
}

impl Trade {
    /// Returns the buying side of the trade.
    pub fn buyer(&self) -> &TradeSide {
        match self.taker_side {
            Side::Buy => &self.taker,
            Side::Sell => &self.maker,
        }
    }

    /// Returns the selling side of the trade.
    pub fn seller(&self) -> &TradeSide {
        match self.taker_side {
            Side::Buy => &self.maker,
            Side::Sell => &self.taker,
        }
    }
}

/// What the exchange did with one of its controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ControlKind {
    /// The account is watched more closely: its alerts are reviewed sooner.
    MonitoringRaised,
    /// The account received a formal warning.
    Warned,
    /// The account is paused until its owner re-verifies their identity.
    ReverificationRequired,
    /// The account completed re-verification and may trade again.
    Reverified,
    /// The key was expired; every later request with it is refused.
    KeyExpired,
    /// The owner of an expired key was issued this new key; `replaces` is
    /// the expired one.
    KeyIssued {
        /// The expired key the new one replaces.
        replaces: KeyId,
    },
    /// The periodic check of every account's cash and holdings against
    /// the settlement ledger ran.
    Reconciled {
        /// Accounts checked.
        accounts: u32,
        /// Accounts whose balances disagreed.
        discrepancies: u32,
    },
    /// Trading was halted.
    Halted {
        /// Why.
        cause: HaltCause,
    },
    /// Trading resumed after a halt.
    Resumed,
}

/// Why trading was halted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HaltCause {
    /// A reconciliation found balances that disagree with the settlement
    /// ledger.
    Reconciliation,
    /// The gateway received more requests in one window than its budget.
    Overload,
}

/// A use of one of the exchange's controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Control {
    /// What was done.
    pub kind: ControlKind,
    /// The account it concerns, if one.
    pub account: Option<AccountId>,
    /// The key it concerns, if one (the new key for
    /// [`ControlKind::KeyIssued`]).
    pub key: Option<KeyId>,
}

impl EventBody {
    /// Returns the instrument the event concerns; refusals of cancels and
    /// amends name none and change no book.
    pub fn instrument(&self) -> Option<InstrumentId> {
        match self {
            EventBody::Accepted(e) => Some(e.instrument),
            EventBody::Rejected(e) => Some(e.instrument),
            EventBody::Cancelled(e) => Some(e.instrument),
            EventBody::Amended(e) => Some(e.instrument),
            EventBody::Decremented(e) => Some(e.instrument),
            EventBody::Trade(e) => Some(e.instrument),
            EventBody::CancelRejected(_) | EventBody::AmendRejected(_) | EventBody::Control(_) => {
                None
            }
        }
    }

    /// Tells whether the event opens a new request, rather than reporting
    /// more of the one before it (trades, self-trade prevention, a
    /// remainder cancelled because it may not rest).
    pub fn starts_request(&self) -> bool {
        match self {
            EventBody::Accepted(_)
            | EventBody::Rejected(_)
            | EventBody::CancelRejected(_)
            | EventBody::AmendRejected(_)
            | EventBody::Amended(_) => true,
            EventBody::Cancelled(c) => c.reason == CancelReason::Requested,
            EventBody::Trade(_) | EventBody::Decremented(_) | EventBody::Control(_) => false,
        }
    }

    /// Returns the access record of the request behind the event; for a
    /// trade, the taker's; for a control, which no request is behind,
    /// [`Access::EXCHANGE`].
    pub fn access(&self) -> &Access {
        match self {
            EventBody::Accepted(e) => &e.access,
            EventBody::Rejected(e) => &e.access,
            EventBody::Cancelled(e) => &e.access,
            EventBody::CancelRejected(e) => &e.access,
            EventBody::Amended(e) => &e.access,
            EventBody::AmendRejected(e) => &e.access,
            EventBody::Decremented(e) => &e.access,
            EventBody::Trade(e) => &e.taker.access,
            EventBody::Control(_) => &Access::EXCHANGE,
        }
    }
}
