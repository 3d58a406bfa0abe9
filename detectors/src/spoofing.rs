//! Spoofing: large orders cancelled unfilled right after their owner
//! traded on the other side ([`SpoofCancel`]), and one owner's resting
//! orders tilting the book's imbalance while it trades against the tilt
//! ([`SpoofImbalance`], in its own module).
//!
//! [`SpoofCancel`]'s rule follows the legal definitions (bidding or offering with intent
//! to cancel before execution; EU MAR Annex I's orders that move visible
//! depth and are withdrawn before execution) through their observable
//! trace: an order far larger than the instrument's typical size, cancelled
//! with little or nothing filled, within seconds of a fill of the same
//! account on the opposite side. Market makers cancel most of their orders
//! too, but theirs are of ordinary size; so an account alerts only after
//! the pattern repeats. The score is the cancelled order's size over the
//! typical size.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use surveil_sim::event::{CancelReason, OrderType};
use surveil_sim::{AccountId, Event, EventBody, InstrumentId, Nanos, OrderId, Qty, Side};

use crate::baseline::SizeBaseline;
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

mod imbalance;

pub use imbalance::SpoofImbalance;

/// Parameters of [`SpoofCancel`].
#[derive(Clone, Debug, PartialEq)]
pub struct SpoofCancelParams {
    /// An order is large at this multiple of the typical size.
    pub size_ratio: f64,
    /// Largest filled share of a cancelled order that still counts as
    /// unfilled.
    pub max_filled_share: f64,
    /// How long before the cancel the opposite-side fill may be.
    pub fill_window: Nanos,
    /// Longest life of a cancelled order that still counts.
    pub max_lifetime: Nanos,
    /// Occurrences within `repeat_window` before the account alerts.
    pub repeats: usize,
    /// The window occurrences are counted over.
    pub repeat_window: Nanos,
}

impl Default for SpoofCancelParams {
    fn default() -> SpoofCancelParams {
        SpoofCancelParams {
            size_ratio: 8.0,
            max_filled_share: 0.1,
            fill_window: Nanos::from_secs(2),
            max_lifetime: Nanos::from_secs(60),
            repeats: 2,
            repeat_window: Nanos::from_secs(300),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Order {
    account: AccountId,
    instrument: InstrumentId,
    side: Side,
    qty: Qty,
    filled: Qty,
    accepted: Nanos,
    ratio: f64,
}

#[derive(Clone, Debug, Default)]
struct AccountState {
    /// Last fill time by (instrument, side).
    last_fill: Vec<(InstrumentId, Side, Nanos)>,
    occurrences: VecDeque<Nanos>,
}

/// Large unfilled orders cancelled after an opposite-side fill.
#[derive(Debug, Default)]
pub struct SpoofCancel {
    params: SpoofCancelParams,
    sizes: SizeBaseline,
    large: FxHashMap<OrderId, Order>,
    accounts: FxHashMap<AccountId, AccountState>,
}

/// Orders seen before the size baseline is trusted.
const WARMUP: u64 = 200;

impl SpoofCancel {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "size_ratio",
            8.0,
            0.0,
            1e9,
            "an order is large at this multiple of the typical size",
        ),
        ParamSpec::real(
            "max_filled_share",
            0.1,
            0.0,
            1.0,
            "largest filled share of a cancelled order that counts as unfilled",
        ),
        ParamSpec::real(
            "fill_window_ms",
            2000.0,
            0.0,
            1e9,
            "how long before the cancel the opposite-side fill may be, ms",
        ),
        ParamSpec::real(
            "max_lifetime_ms",
            60_000.0,
            0.0,
            1e12,
            "longest life of a cancelled order that counts, ms",
        ),
        ParamSpec::count(
            "repeats",
            2.0,
            1.0,
            1e6,
            "occurrences within the repeat window before the account alerts",
        ),
        ParamSpec::real(
            "repeat_window_ms",
            300_000.0,
            0.0,
            1e12,
            "the window occurrences are counted over, ms",
        ),
    ];

    /// Creates the detector.
    pub fn new(params: SpoofCancelParams) -> SpoofCancel {
        SpoofCancel { params, ..SpoofCancel::default() }
    }

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> SpoofCancel {
        SpoofCancel::new(SpoofCancelParams {
            size_ratio: v.get("size_ratio"),
            max_filled_share: v.get("max_filled_share"),
            fill_window: v.millis("fill_window_ms"),
            max_lifetime: v.millis("max_lifetime_ms"),
            repeats: v.count("repeats"),
            repeat_window: v.millis("repeat_window_ms"),
        })
    }

    fn record_fill(&mut self, account: AccountId, instrument: InstrumentId, side: Side, t: Nanos) {
        let state = self.accounts.entry(account).or_default();
        match state.last_fill.iter_mut().find(|(i, s, _)| *i == instrument && *s == side) {
            Some(entry) => entry.2 = t,
            None => state.last_fill.push((instrument, side, t)),
        }
    }
}

impl Detector for SpoofCancel {
    fn name(&self) -> &str {
        "spoof_cancel"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::Spoofing]
    }

    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        let now = event.time;
        match &event.body {
            EventBody::Accepted(e) => {
                let rests = e.order_type == OrderType::Limit;
                if let (true, Some(typical)) = (rests, self.sizes.typical(e.instrument, WARMUP)) {
                    let ratio = e.qty.0 as f64 / typical;
                    if ratio >= self.params.size_ratio {
                        let order = Order {
                            account: e.access.account,
                            instrument: e.instrument,
                            side: e.side,
                            qty: e.qty,
                            filled: Qty::ZERO,
                            accepted: now,
                            ratio,
                        };
                        self.large.insert(e.order, order);
                    }
                }
                self.sizes.observe(e.instrument, e.qty);
            }
            EventBody::Trade(t) => {
                for (side, party) in [(Side::Buy, t.buyer()), (Side::Sell, t.seller())] {
                    self.record_fill(party.access.account, t.instrument, side, now);
                    if let Some(order) = self.large.get_mut(&party.order) {
                        order.filled += t.qty;
                        if party.remaining == Qty::ZERO {
                            self.large.remove(&party.order);
                        }
                    }
                }
            }
            EventBody::Amended(a) => {
                // An amended order is judged by its new size from now on.
                let typical = self.sizes.typical(a.instrument, WARMUP);
                let ratio = typical.map_or(0.0, |t| a.qty.0 as f64 / t);
                match self.large.get_mut(&a.order) {
                    Some(order) if ratio >= self.params.size_ratio => {
                        order.qty = a.qty;
                        order.ratio = ratio;
                    }
                    Some(_) => {
                        self.large.remove(&a.order);
                    }
                    None if ratio >= self.params.size_ratio => {
                        let order = Order {
                            account: a.access.account,
                            instrument: a.instrument,
                            side: a.side,
                            qty: a.qty,
                            filled: Qty::ZERO,
                            accepted: now,
                            ratio,
                        };
                        self.large.insert(a.order, order);
                    }
                    None => {}
                }
            }
            EventBody::Decremented(d) => {
                if let Some(order) = self.large.get_mut(&d.order) {
                    order.qty = order.filled + d.remaining;
                }
            }
            EventBody::Cancelled(c) => {
                let Some(order) = self.large.remove(&c.order) else { return };
                if c.reason != CancelReason::Requested {
                    return;
                }
                let p = &self.params;
                let unfilled = order.filled.0 as f64 <= p.max_filled_share * order.qty.0 as f64;
                let young = now.saturating_sub(order.accepted) <= p.max_lifetime;
                let opposite = order.side.opposite();
                let state = self.accounts.entry(order.account).or_default();
                let recent_fill = state.last_fill.iter().any(|&(i, s, t)| {
                    i == order.instrument && s == opposite && now.saturating_sub(t) <= p.fill_window
                });
                if !(unfilled && young && recent_fill) {
                    return;
                }
                state.occurrences.push_back(now);
                while state
                    .occurrences
                    .front()
                    .is_some_and(|&t| now.saturating_sub(t) > p.repeat_window)
                {
                    state.occurrences.pop_front();
                }
                if state.occurrences.len() >= p.repeats {
                    alerts.push(Alert {
                        time: now,
                        kind: AbuseKind::Spoofing,
                        entity: Entity::Account(order.account),
                        score: order.ratio,
                    });
                }
            }
            EventBody::Rejected(_) | EventBody::CancelRejected(_) | EventBody::AmendRejected(_) => {
            }
        }
    }
}
