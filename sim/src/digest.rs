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

/// An incremental digest of an event stream.
#[derive(Debug, Clone)]
pub struct EventDigest {
    hasher: blake3::Hasher,
    buf: Vec<u8>,
}

impl Default for EventDigest {
    fn default() -> EventDigest {
        EventDigest::new()
    }
}

impl EventDigest {
    /// Starts a digest of an empty stream.
    pub fn new() -> EventDigest {
        EventDigest { hasher: blake3::Hasher::new(), buf: Vec::with_capacity(1 << 16) }
    }

    /// Adds events to the digest, in order.
    pub fn update(&mut self, events: &[Event]) {
        for event in events {
            // Each event is laid out on the stack first and copied once:
            // growing the buffer byte by byte costs a capacity check per
            // field.
            let mut record = Record::default();
            encode(event, &mut record);
            self.buf.extend_from_slice(record.bytes());
            if self.buf.len() > (1 << 16) - 256 {
                self.hasher.update(&self.buf);
                self.buf.clear();
            }
        }
    }

    /// Returns the digest as 64 hexadecimal digits.
    pub fn hex(&self) -> String {
        let mut hasher = self.hasher.clone();
        hasher.update(&self.buf);
        hasher.finalize().to_hex().to_string()
    }
}

/// The encoding of one event; the longest, a trade, takes 106 bytes.
struct Record {
    bytes: [u8; 128],
    len: usize,
}

impl Default for Record {
    fn default() -> Record {
        Record { bytes: [0; 128], len: 0 }
    }
}

impl Record {
    fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn extend_from_slice(&mut self, b: &[u8]) {
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }
}

fn encode(event: &Event, out: &mut Record) {
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

fn put_control(out: &mut Record, kind: ControlKind) {
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

fn put_opt(out: &mut Record, v: Option<u64>) {
    match v {
        Some(v) => {
            out.push(1);
            put(out, v);
        }
        None => out.push(0),
    }
}

fn put(out: &mut Record, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u16(out: &mut Record, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_price(out: &mut Record, p: Option<Price>) {
    match p {
        Some(p) => {
            out.push(1);
            put(out, p.0 as u64);
        }
        None => out.push(0),
    }
}

fn put_access(out: &mut Record, a: &Access) {
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
