//! Builders of hand-made events for the detectors' unit tests.

use surveil_sim::event::{Accepted, CancelReason, Cancelled, OrderType, Trade, TradeSide};
use surveil_sim::{
    Access, AccountId, Channel, Client, Event, EventBody, InstrumentId, Ip, KeyId, Nanos, Network,
    OrderId, Price, Qty, RegionId, Side,
};

/// An API access of `account` through key `account`, from IP `account`,
/// in Seoul, on a cloud network, with a known library.
pub(crate) fn api(account: u32) -> Access {
    Access {
        account: AccountId(account),
        channel: Channel::Api(KeyId(account)),
        ip: Ip(account),
        region: RegionId(0),
        network: Network::Cloud,
        client: Client::KnownLibrary(0),
    }
}

/// A limit order accepted; its order id is its sequence number.
pub(crate) fn accepted(
    seq: u64,
    time: Nanos,
    access: Access,
    instrument: u16,
    side: Side,
    price: i64,
    qty: i64,
) -> Event {
    Event {
        seq,
        time,
        body: EventBody::Accepted(Accepted {
            order: OrderId(seq),
            instrument: InstrumentId(instrument),
            side,
            order_type: OrderType::Limit,
            price: Some(Price(price)),
            qty: Qty(qty),
            access,
        }),
    }
}

/// A requested cancel of `order` with `remaining` lots left.
pub(crate) fn cancelled(
    seq: u64,
    time: Nanos,
    access: Access,
    order: u64,
    instrument: u16,
    side: Side,
    remaining: i64,
) -> Event {
    Event {
        seq,
        time,
        body: EventBody::Cancelled(Cancelled {
            order: OrderId(order),
            instrument: InstrumentId(instrument),
            side,
            price: None,
            remaining: Qty(remaining),
            reason: CancelReason::Requested,
            access,
        }),
    }
}

/// One side of a trade: the order, its access and what is left of it.
pub(crate) fn side(order: u64, access: Access, remaining: i64) -> TradeSide {
    TradeSide { order: OrderId(order), access, remaining: Qty(remaining) }
}

/// A trade; `taker_side` is the aggressor's side.
#[allow(clippy::too_many_arguments, reason = "a trade has this many parts")]
pub(crate) fn trade(
    seq: u64,
    time: Nanos,
    instrument: u16,
    price: i64,
    qty: i64,
    taker_side: Side,
    maker: TradeSide,
    taker: TradeSide,
) -> Event {
    Event {
        seq,
        time,
        body: EventBody::Trade(Trade {
            instrument: InstrumentId(instrument),
            price: Price(price),
            qty: Qty(qty),
            taker_side,
            maker,
            taker,
        }),
    }
}
