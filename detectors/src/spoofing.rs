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
//! too, but theirs are mostly of ordinary size, and a maker that rests
//! large orders rests them on both sides: a large order pulled while its
//! owner holds another on the other side of the book (or held one moments
//! before) is a quote, not a lean on the book, and does not count. An
//! account alerts only after the pattern repeats. The score is the
//! cancelled order's size over the typical size.

use std::collections::VecDeque;

use surveil_sim::event::{CancelReason, OrderType};
use surveil_sim::{AccountId, Event, EventBody, InstrumentId, Nanos, Qty, Side};

use crate::baseline::SizeBaseline;
use crate::indices::{
    self, AccountIndex, EventIndices, Feed, Indexed, OrderSlot, OrderValues, Step, Table,
};
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
    /// A cancel does not count while its owner holds a large order on the
    /// other side of the same book, or held one until this long before:
    /// large orders on both sides are a market maker's quotes, not a lean.
    /// Zero turns the exemption off.
    pub two_sided_window: Nanos,
}

impl Default for SpoofCancelParams {
    fn default() -> SpoofCancelParams {
        SpoofCancelParams {
            size_ratio: 8.0,
            max_filled_share: 0.1,
            fill_window: Nanos::from_secs(2),
            max_lifetime: Nanos::from_secs(60),
            repeats: 3,
            repeat_window: Nanos::from_secs(300),
            two_sided_window: Nanos::from_secs(10),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Order {
    account: AccountId,
    /// The account's index, where its state is kept.
    index: AccountIndex,
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
    /// Large orders resting by (instrument, side), and when the last one
    /// there left the book.
    large: Vec<LargeOn>,
}

#[derive(Clone, Copy, Debug)]
struct LargeOn {
    instrument: InstrumentId,
    side: Side,
    resting: u32,
    last_gone: Nanos,
}

impl AccountState {
    fn large_on(&mut self, instrument: InstrumentId, side: Side) -> &mut LargeOn {
        let at = self.large.iter().position(|l| l.instrument == instrument && l.side == side);
        let at = at.unwrap_or_else(|| {
            self.large.push(LargeOn { instrument, side, resting: 0, last_gone: Nanos(0) });
            self.large.len() - 1
        });
        &mut self.large[at]
    }

    /// Tells whether the account holds, or held until `window` ago, a
    /// large order on `side` of the instrument.
    fn two_sided(&self, instrument: InstrumentId, side: Side, now: Nanos, window: Nanos) -> bool {
        window > Nanos(0)
            && self.large.iter().any(|l| {
                l.instrument == instrument
                    && l.side == side
                    && (l.resting > 0
                        || (l.last_gone > Nanos(0) && now.saturating_sub(l.last_gone) <= window))
            })
    }
}

/// Large unfilled orders cancelled after an opposite-side fill.
#[derive(Debug)]
pub struct SpoofCancel {
    params: SpoofCancelParams,
    /// The logarithm of `params.size_ratio`.
    log_size_ratio: f64,
    sizes: SizeBaseline,
    /// The large orders resting, by order slot.
    large: OrderValues<Order>,
    /// By account index.
    accounts: Table<AccountState>,
    feed: Feed,
}

impl Default for SpoofCancel {
    fn default() -> SpoofCancel {
        SpoofCancel::new(SpoofCancelParams::default())
    }
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
            3.0,
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
        ParamSpec::real(
            "two_sided_window_ms",
            10_000.0,
            0.0,
            1e12,
            "a cancel does not count while its owner holds a large order on the other side, \
             or held one until this long before, ms; 0 turns this off",
        ),
    ];

    /// Creates the detector.
    pub fn new(params: SpoofCancelParams) -> SpoofCancel {
        SpoofCancel {
            log_size_ratio: params.size_ratio.ln(),
            params,
            sizes: SizeBaseline::default(),
            large: OrderValues::default(),
            accounts: Table::default(),
            feed: Feed::default(),
        }
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
            two_sided_window: v.millis("two_sided_window_ms"),
        })
    }

    fn add_large(&mut self, id: OrderSlot, order: Order) {
        self.accounts.at(order.index.get()).large_on(order.instrument, order.side).resting += 1;
        self.large.insert(id, order);
    }

    fn remove_large(&mut self, id: Option<OrderSlot>, now: Nanos) -> Option<Order> {
        let order = self.large.remove(id?)?;
        let on = self.accounts.at(order.index.get()).large_on(order.instrument, order.side);
        on.resting = on.resting.saturating_sub(1);
        on.last_gone = now;
        Some(order)
    }

    fn record_fill(
        &mut self,
        account: AccountIndex,
        instrument: InstrumentId,
        side: Side,
        t: Nanos,
    ) {
        let state = self.accounts.at(account.get());
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

    fn cost_ns(&self) -> u32 {
        9
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for SpoofCancel {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let now = event.time;
        match &event.body {
            EventBody::Accepted(e) => {
                // Most orders are far from large, and the comparison of
                // logarithms tells so without the typical size's
                // exponential.
                let rests = e.order_type == OrderType::Limit
                    && self.sizes.may_reach(e.instrument, e.qty, self.log_size_ratio);
                if let (true, Some(typical)) = (rests, self.sizes.typical(e.instrument, WARMUP)) {
                    let ratio = e.qty.0 as f64 / typical;
                    if let (true, Some(slot)) = (ratio >= self.params.size_ratio, indices.order) {
                        let order = Order {
                            account: e.access.account,
                            index: indices.access.account,
                            instrument: e.instrument,
                            side: e.side,
                            qty: e.qty,
                            filled: Qty::ZERO,
                            accepted: now,
                            ratio,
                        };
                        self.add_large(slot, order);
                    }
                }
                self.sizes.observe(e.instrument, e.qty);
            }
            EventBody::Trade(t) => {
                let buyer =
                    (Side::Buy, t.buyer(), indices.buyer(t).account, indices.buyer_order(t));
                let seller =
                    (Side::Sell, t.seller(), indices.seller(t).account, indices.seller_order(t));
                for (side, party, account, slot) in [buyer, seller] {
                    self.record_fill(account, t.instrument, side, now);
                    if let Some(order) = slot.and_then(|slot| self.large.get_mut(slot)) {
                        order.filled += t.qty;
                        if party.remaining == Qty::ZERO {
                            self.remove_large(slot, now);
                        }
                    }
                }
            }
            EventBody::Amended(a) => {
                // An amended order is judged by its new size from now on.
                let typical = self.sizes.typical(a.instrument, WARMUP);
                let ratio = typical.map_or(0.0, |t| a.qty.0 as f64 / t);
                let Some(slot) = indices.order else { return };
                match self.large.get_mut(slot) {
                    Some(order) if ratio >= self.params.size_ratio => {
                        order.qty = a.qty;
                        order.ratio = ratio;
                    }
                    Some(_) => {
                        self.remove_large(Some(slot), now);
                    }
                    None if ratio >= self.params.size_ratio => {
                        let order = Order {
                            account: a.access.account,
                            index: indices.access.account,
                            instrument: a.instrument,
                            side: a.side,
                            qty: a.qty,
                            filled: Qty::ZERO,
                            accepted: now,
                            ratio,
                        };
                        self.add_large(slot, order);
                    }
                    None => {}
                }
            }
            // Self-trade prevention can take an order's whole quantity,
            // and then it no longer rests.
            EventBody::Decremented(d) if d.remaining == Qty::ZERO => {
                self.remove_large(indices.order, now);
            }
            EventBody::Decremented(d) => {
                if let Some(order) = indices.order.and_then(|slot| self.large.get_mut(slot)) {
                    order.qty = order.filled + d.remaining;
                }
            }
            EventBody::Cancelled(c) => {
                let Some(order) = self.remove_large(indices.order, now) else { return };
                if c.reason != CancelReason::Requested {
                    return;
                }
                let p = &self.params;
                let unfilled = order.filled.0 as f64 <= p.max_filled_share * order.qty.0 as f64;
                let young = now.saturating_sub(order.accepted) <= p.max_lifetime;
                let opposite = order.side.opposite();
                let state = self.accounts.at(order.index.get());
                let recent_fill = state.last_fill.iter().any(|&(i, s, t)| {
                    i == order.instrument && s == opposite && now.saturating_sub(t) <= p.fill_window
                });
                let two_sided =
                    state.two_sided(order.instrument, opposite, now, p.two_sided_window);
                if !(unfilled && young && recent_fill) || two_sided {
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
            EventBody::Rejected(_)
            | EventBody::CancelRejected(_)
            | EventBody::AmendRejected(_)
            | EventBody::Control(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{accepted, api, cancelled, side, trade};

    /// Feeds `events` and returns the alerts.
    fn alerts_of(detector: &mut SpoofCancel, events: &[Event]) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for e in events {
            detector.on_event(e, &mut alerts);
        }
        alerts
    }

    /// Two hundred ordinary orders of one lot from other accounts, so that
    /// the typical size is known.
    fn warm_up(seq: &mut u64) -> Vec<Event> {
        (0..WARMUP)
            .map(|i| {
                *seq += 1;
                let s = if i % 2 == 0 { Side::Buy } else { Side::Sell };
                accepted(*seq, Nanos(*seq), api(1000 + i as u32), 0, s, 100, 1)
            })
            .collect()
    }

    /// Three cycles of a large ask pulled right after a small bid of the same
    /// account fills; with `quote_bid`, the account also rests a large bid
    /// throughout, as a market maker quoting both sides does.
    fn three_cycles(quote_bid: bool) -> Vec<Event> {
        let mut seq = 0;
        let mut events = warm_up(&mut seq);
        let owner = api(7);
        let other = api(8);
        let next = |seq: &mut u64| {
            *seq += 1;
            *seq
        };
        if quote_bid {
            let id = next(&mut seq);
            events.push(accepted(id, Nanos::from_secs(1), owner, 0, Side::Buy, 90, 50));
        }
        for cycle in 0..3u64 {
            let t = Nanos::from_secs(10 + 60 * cycle);
            let large = next(&mut seq);
            events.push(accepted(large, t, owner, 0, Side::Sell, 101, 50));
            let small = next(&mut seq);
            events.push(accepted(small, t, owner, 0, Side::Buy, 99, 1));
            let taker = next(&mut seq);
            let fill_at = t + Nanos::from_millis(500);
            events.push(trade(
                next(&mut seq),
                fill_at,
                0,
                99,
                1,
                Side::Sell,
                side(small, owner, 0),
                side(taker, other, 0),
            ));
            let pull_at = fill_at + Nanos::from_millis(100);
            events.push(cancelled(next(&mut seq), pull_at, owner, large, 0, Side::Sell, 50));
        }
        events
    }

    #[test]
    fn a_large_order_pulled_after_an_opposite_fill_three_times_raises_an_alert() {
        let mut detector = SpoofCancel::new(SpoofCancelParams::default());
        let alerts = alerts_of(&mut detector, &three_cycles(false));
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].entity, Entity::Account(AccountId(7)));
        assert!(alerts[0].score > 40.0, "the score is the size over the typical size");
    }

    #[test]
    fn an_account_quoting_large_on_both_sides_is_not_leaning_on_the_book() {
        let mut detector = SpoofCancel::new(SpoofCancelParams::default());
        assert!(alerts_of(&mut detector, &three_cycles(true)).is_empty());

        let off = SpoofCancelParams { two_sided_window: Nanos(0), ..SpoofCancelParams::default() };
        let mut detector = SpoofCancel::new(off);
        assert_eq!(alerts_of(&mut detector, &three_cycles(true)).len(), 1);
    }
}
