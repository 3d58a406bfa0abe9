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
    match p {
        Some(p) => {
            out.push(1);
            put(out, p.0 as u64);
        }
        None => out.push(0),
    }
}

fn put_access(out: &mut Record<'_>, a: &Access) {
    out.extend_from_slice(&a.account.0.to_le_bytes());
    match a.channel {
        Channel::Web => out.push(0),
        Channel::Mobile => out.push(1),
        Channel::Api(k) => {
            out.push(2);
            out.extend_from_slice(&k.0.to_le_bytes());
        }
    }
    out.extend_from_slice(&a.ip.0.to_le_bytes());
    put_u16(out, a.region.0);
    out.push(match a.network {
        Network::Home => 0,
        Network::Mobile => 1,
        Network::Cloud => 2,
        Network::Vpn => 3,
    });
    match a.client {
        Client::OfficialWeb => out.push(0),
        Client::OfficialApp => out.push(1),
        Client::KnownLibrary(i) => out.extend_from_slice(&[2, i]),
        Client::Unknown(f) => {
            out.push(3);
            put_u16(out, f);
        }
    }
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
