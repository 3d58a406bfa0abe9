//! A digest of the public event stream.
//!
//! Each event is encoded field by field into a fixed little-endian layout
//! and fed to BLAKE3. The layout, not any in-memory representation, defines
//! the digest, so two runs agree on it exactly when their streams are equal.

use crate::access::{Access, Channel, Client, Network};
use crate::event::{
    CancelReason, ControlKind, Event, EventBody, HaltCause, OrderType, RejectReason,
};
use crate::types::{Price, Side};

/// Bytes laid out before they are fed to BLAKE3 at once.
const BLOCK: usize = 1 << 16;

/// Room for one event's encoding; the longest, a trade, takes 106 bytes.
const MAX_RECORD: usize = 128;

/// An incremental digest of an event stream.
#[derive(Debug, Clone)]
pub struct EventDigest {
    hasher: blake3::Hasher,
    /// Encoded events not yet hashed, in `buf[..len]`.
    buf: Box<[u8]>,
    len: usize,
}

impl Default for EventDigest {
    fn default() -> EventDigest {
        EventDigest::new()
    }
}

impl EventDigest {
    /// Starts a digest of an empty stream.
    pub fn new() -> EventDigest {
        EventDigest { hasher: blake3::Hasher::new(), buf: vec![0; BLOCK].into(), len: 0 }
    }

    /// Adds events to the digest, in order.
    pub fn update(&mut self, events: &[Event]) {
        for event in events {
            if self.len > BLOCK - MAX_RECORD {
                self.hasher.update(&self.buf[..self.len]);
                self.len = 0;
            }
            // Each event is laid out in place, in room of a fixed size, so
            // that it is neither copied nor checked against the buffer's
            // end field by field.
            let room = &mut self.buf[self.len..self.len + MAX_RECORD];
            let mut record = Record { bytes: room.try_into().expect("a record's room"), len: 0 };
            encode(event, &mut record);
            self.len += record.len;
        }
    }

    /// Returns the digest as 64 hexadecimal digits.
    pub fn hex(&self) -> String {
        let mut hasher = self.hasher.clone();
        hasher.update(&self.buf[..self.len]);
        hasher.finalize().to_hex().to_string()
    }
}

/// The room one event is encoded into, and how much of it is used.
struct Record<'a> {
    bytes: &'a mut [u8; MAX_RECORD],
    len: usize,
}

impl Record<'_> {
    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn extend_from_slice(&mut self, b: &[u8]) {
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    /// Writes all `N` bytes of `b` but keeps only the first `used`, the
    /// rest to be written over by what follows: a field whose length
    /// depends on its value costs one write of fixed size and no branch,
    /// which matters because the values (an API key or none, a client of
    /// one kind or another) follow no pattern a branch predictor can learn.
    /// The room of a record has space for the longest record and for the
    /// unused bytes of its last write.
    fn put_prefix<const N: usize>(&mut self, b: [u8; N], used: usize) {
        debug_assert!(used <= N);
        self.bytes[self.len..self.len + N].copy_from_slice(&b);
        self.len += used;
    }
}

fn encode(event: &Event, out: &mut Record<'_>) {
    put(out, event.seq);
    put(out, event.time.0);
    match &event.body {
        EventBody::Accepted(e) => {
            out.push(1);
            put(out, e.order.0);
            put_u16(out, e.instrument.0);
            out.push(side(e.side));
            out.push(order_type(e.order_type));
            put_price(out, e.price);
            put(out, e.qty.0 as u64);
            put_access(out, &e.access);
        }
        EventBody::Rejected(e) => {
            out.push(2);
            put_u16(out, e.instrument.0);
            out.push(side(e.side));
            out.push(order_type(e.order_type));
            put_price(out, e.price);
            put(out, e.qty.0 as u64);
            out.push(reject(e.reason));
            put_access(out, &e.access);
        }
        EventBody::Cancelled(e) => {
            out.push(3);
            put(out, e.order.0);
            put_u16(out, e.instrument.0);
            out.push(side(e.side));
            put_price(out, e.price);
            put(out, e.remaining.0 as u64);
            out.push(match e.reason {
                CancelReason::Requested => 0,
                CancelReason::Unfilled => 1,
                CancelReason::FillOrKill => 2,
                CancelReason::SelfTrade => 3,
            });
            put_access(out, &e.access);
        }
        EventBody::CancelRejected(e) => {
            out.push(4);
            put(out, e.order.0);
            out.push(reject(e.reason));
            put_access(out, &e.access);
        }
        EventBody::Amended(e) => {
            out.push(6);
            put(out, e.order.0);
            put_u16(out, e.instrument.0);
            out.push(side(e.side));
            put(out, e.price.0 as u64);
            put(out, e.qty.0 as u64);
            out.push(u8::from(e.priority_kept));
            put_access(out, &e.access);
        }
        EventBody::AmendRejected(e) => {
            out.push(7);
            put(out, e.order.0);
            out.push(reject(e.reason));
            put_access(out, &e.access);
        }
        EventBody::Decremented(e) => {
            out.push(8);
            put(out, e.order.0);
            put_u16(out, e.instrument.0);
            out.push(side(e.side));
            put(out, e.by.0 as u64);
            put(out, e.remaining.0 as u64);
            put_access(out, &e.access);
        }
        EventBody::Trade(t) => {
            out.push(5);
            put_u16(out, t.instrument.0);
            put(out, t.price.0 as u64);
            put(out, t.qty.0 as u64);
            out.push(side(t.taker_side));
            for s in [&t.maker, &t.taker] {
                put(out, s.order.0);
                put(out, s.remaining.0 as u64);
                put_access(out, &s.access);
            }
        }
        EventBody::Control(c) => {
            out.push(9);
            put_control(out, c.kind);
            put_opt(out, c.account.map(|a| u64::from(a.0)));
            put_opt(out, c.key.map(|k| u64::from(k.0)));
        }
    }
}

fn put_control(out: &mut Record<'_>, kind: ControlKind) {
    match kind {
        ControlKind::MonitoringRaised => out.push(0),
        ControlKind::Warned => out.push(1),
        ControlKind::ReverificationRequired => out.push(2),
        ControlKind::Reverified => out.push(3),
        ControlKind::KeyExpired => out.push(4),
        ControlKind::KeyIssued { replaces } => {
            out.push(5);
            out.extend_from_slice(&replaces.0.to_le_bytes());
        }
        ControlKind::Reconciled { accounts, discrepancies } => {
            out.push(6);
            out.extend_from_slice(&accounts.to_le_bytes());
            out.extend_from_slice(&discrepancies.to_le_bytes());
        }
        ControlKind::Halted { cause } => {
            out.push(7);
            out.push(match cause {
                HaltCause::Reconciliation => 0,
                HaltCause::Overload => 1,
            });
        }
        ControlKind::Resumed => out.push(8),
    }
}

fn put_opt(out: &mut Record<'_>, v: Option<u64>) {
    match v {
        Some(v) => {
            out.push(1);
            put(out, v);
        }
        None => out.push(0),
    }
}

fn put(out: &mut Record<'_>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u16(out: &mut Record<'_>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_price(out: &mut Record<'_>, p: Option<Price>) {
    let (tag, price, used) = match p {
        Some(p) => (1, p.0 as u64, 9),
        None => (0, 0, 1),
    };
    let mut b = [tag; 9];
    b[1..].copy_from_slice(&price.to_le_bytes());
    out.put_prefix(b, used);
}

fn put_access(out: &mut Record<'_>, a: &Access) {
    // The account, the channel's tag and the API key if any.
    let (channel, key, used) = match a.channel {
        Channel::Web => (0, 0, 5),
        Channel::Mobile => (1, 0, 5),
        Channel::Api(k) => (2, k.0, 9),
    };
    let mut head = [channel; 9];
    head[..4].copy_from_slice(&a.account.0.to_le_bytes());
    head[5..].copy_from_slice(&key.to_le_bytes());
    out.put_prefix(head, used);

    // The address, its region and its network.
    let mut place = [0; 7];
    place[..4].copy_from_slice(&a.ip.0.to_le_bytes());
    place[4..6].copy_from_slice(&a.region.0.to_le_bytes());
    place[6] = match a.network {
        Network::Home => 0,
        Network::Mobile => 1,
        Network::Cloud => 2,
        Network::Vpn => 3,
    };
    out.extend_from_slice(&place);

    // The client's tag and what names it.
    let (client, used) = match a.client {
        Client::OfficialWeb => ([0, 0, 0], 1),
        Client::OfficialApp => ([1, 0, 0], 1),
        Client::KnownLibrary(i) => ([2, i, 0], 2),
        Client::Unknown(f) => {
            let [lo, hi] = f.to_le_bytes();
            ([3, lo, hi], 3)
        }
    };
    out.put_prefix(client, used);
}

fn side(s: Side) -> u8 {
    match s {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

fn order_type(t: OrderType) -> u8 {
    match t {
        OrderType::Limit => 0,
        OrderType::ImmediateOrCancel => 1,
        OrderType::Market => 2,
        OrderType::FillOrKill => 3,
        OrderType::PostOnly => 4,
    }
}

fn reject(r: RejectReason) -> u8 {
    match r {
        RejectReason::UnknownInstrument => 0,
        RejectReason::QtyOutOfRange => 1,
        RejectReason::PriceOutOfRange => 2,
        RejectReason::NoLiquidity => 3,
        RejectReason::UnknownOrder => 4,
        RejectReason::NotOwner => 5,
        RejectReason::OffTick => 6,
        RejectReason::OffLot => 7,
        RejectReason::NotionalTooLarge => 8,
        RejectReason::WouldTakeLiquidity => 9,
        RejectReason::PriceRequired => 10,
        RejectReason::NotWhitelisted => 11,
        RejectReason::NoPermission => 12,
        RejectReason::KeyExpired => 13,
        RejectReason::AccountPaused => 14,
        RejectReason::TradingHalted => 15,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Ip, RegionId};
    use crate::event::{
        Accepted, AmendRejected, Amended, CancelRejected, Cancelled, Control, Decremented,
        Rejected, Trade, TradeSide,
    };
    use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId, Qty};

    /// Accesses of every channel, network and client kind.
    fn accesses() -> Vec<Access> {
        let channels = [Channel::Web, Channel::Mobile, Channel::Api(KeyId(0x0102_0304))];
        let networks = [Network::Home, Network::Mobile, Network::Cloud, Network::Vpn];
        let clients = [
            Client::OfficialWeb,
            Client::OfficialApp,
            Client::KnownLibrary(7),
            Client::Unknown(0xBEEF),
        ];
        let mut all = Vec::new();
        for (i, &channel) in channels.iter().enumerate() {
            for (j, &network) in networks.iter().enumerate() {
                for (k, &client) in clients.iter().enumerate() {
                    all.push(Access {
                        account: AccountId(1000 + i as u32),
                        channel,
                        ip: Ip(0xC0A8_0000 + j as u32),
                        region: RegionId(k as u16),
                        network,
                        client,
                    });
                }
            }
        }
        all
    }

    /// A stream with an event of every kind for every access, prices
    /// present and absent.
    fn stream() -> Vec<Event> {
        let mut bodies = Vec::new();
        for (n, access) in accesses().into_iter().enumerate() {
            let order = OrderId(n as u64 * 3);
            let instrument = InstrumentId(n as u16 % 2);
            let side = if n % 2 == 0 { Side::Buy } else { Side::Sell };
            let price = (n % 3 != 0).then_some(Price(140_000 + n as i64));
            bodies.extend([
                EventBody::Accepted(Accepted {
                    order,
                    instrument,
                    side,
                    order_type: OrderType::Limit,
                    price,
                    qty: Qty(5),
                    access,
                }),
                EventBody::Rejected(Rejected {
                    instrument,
                    side,
                    order_type: OrderType::Market,
                    price,
                    qty: Qty(6),
                    reason: RejectReason::NoLiquidity,
                    access,
                }),
                EventBody::Cancelled(Cancelled {
                    order,
                    instrument,
                    side,
                    price,
                    remaining: Qty(2),
                    reason: CancelReason::SelfTrade,
                    access,
                }),
                EventBody::CancelRejected(CancelRejected {
                    order,
                    reason: RejectReason::NotOwner,
                    access,
                }),
                EventBody::Amended(Amended {
                    order,
                    instrument,
                    side,
                    price: Price(99),
                    qty: Qty(3),
                    priority_kept: n % 2 == 1,
                    access,
                }),
                EventBody::AmendRejected(AmendRejected {
                    order,
                    reason: RejectReason::UnknownOrder,
                    access,
                }),
                EventBody::Decremented(Decremented {
                    order,
                    instrument,
                    side,
                    by: Qty(1),
                    remaining: Qty(4),
                    access,
                }),
                EventBody::Trade(Trade {
                    instrument,
                    price: Price(140_001),
                    qty: Qty(2),
                    taker_side: side,
                    maker: TradeSide { order: OrderId(1), access, remaining: Qty(0) },
                    taker: TradeSide { order, access: Access::EXCHANGE, remaining: Qty(3) },
                }),
            ]);
        }
        bodies.extend([
            EventBody::Control(Control {
                kind: ControlKind::KeyIssued { replaces: KeyId(9) },
                account: Some(AccountId(3)),
                key: None,
            }),
            EventBody::Control(Control {
                kind: ControlKind::Halted { cause: HaltCause::Overload },
                account: None,
                key: Some(KeyId(4)),
            }),
        ]);
        bodies
            .into_iter()
            .enumerate()
            .map(|(seq, body)| Event { seq: seq as u64, time: Nanos(seq as u64 * 1_000), body })
            .collect()
    }

    /// The layout defines the digest, so a change to how events are laid
    /// out must leave this figure alone; a change to the layout itself
    /// changes every run's digest and must be made on purpose.
    #[test]
    fn the_layout_of_every_kind_of_event_is_pinned() {
        let events = stream();
        let mut whole = EventDigest::new();
        whole.update(&events);
        assert_eq!(whole.hex(), "30366f7701658e88ed0490f9d779e347b0348ec91c623be13ed262039357df2e");

        // However the stream is split into batches.
        let mut split = EventDigest::new();
        for part in events.chunks(7) {
            split.update(part);
        }
        assert_eq!(split.hex(), whole.hex());
    }
}
