//! Wash trading: trades without a change of beneficial ownership.
//!
//! Three detectors: [`WashPairs`], below, judges pairs of accounts by their
//! matched trades, [`WashSizes`] by the sizes they repeat, and
//! [`WashRing`] judges closed groups of accounts by their net positions.
//!
//! [`WashPairs`] follows the account-level tests of Victor and Weintraud (WWW 2021): a pair
//! of accounts that repeatedly trade with each other in exactly matched
//! sizes (both orders filled completely by the one trade, which honest
//! counterparties who do not know each other's sizes rarely do) is flagged
//! once the pair has done so `min_trades` times within the window. An
//! account trading with itself is the pair of the account with itself. A
//! single self-trade is not enough: without self-trade prevention an
//! honest trader's market order can meet its own forgotten limit order.
//!
//! The score is the number of matched trades in the window.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use surveil_sim::{AccountId, Event, EventBody, Nanos, Qty};

use crate::baseline::Cooldowns;
use crate::indices::{self, EventIndices, Feed, Indexed, OrderSlot, OrderValues, Step};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

mod ring;
mod sizes;

pub use ring::WashRing;
pub use sizes::WashSizes;

/// Parameters of [`WashPairs`].
#[derive(Clone, Debug, PartialEq)]
pub struct WashPairsParams {
    /// Matched trades between one pair within the window before it alerts.
    pub min_trades: usize,
    /// The window matched trades are counted over.
    pub window: Nanos,
    /// Shortest time between two alerts on one account.
    pub cooldown: Nanos,
}

impl Default for WashPairsParams {
    fn default() -> WashPairsParams {
        WashPairsParams {
            min_trades: 3,
            window: Nanos::from_secs(600),
            cooldown: Nanos::from_secs(600),
        }
    }
}

/// Pairs of accounts, or an account with itself, trading in matched sizes.
#[derive(Debug, Default)]
pub struct WashPairs {
    params: WashPairsParams,
    /// Each order's size, by order slot.
    order_qty: OrderValues<Qty>,
    pairs: FxHashMap<(AccountId, AccountId), VecDeque<Nanos>>,
    /// When pairs whose matched trades have all left the window are next
    /// dropped.
    next_sweep: Nanos,
    alerted: Cooldowns,
    feed: Feed,
}

impl WashPairs {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::count(
            "min_trades",
            3.0,
            1.0,
            1e6,
            "matched trades between one pair within the window before it alerts",
        ),
        ParamSpec::real(
            "window_ms",
            600_000.0,
            1.0,
            1e12,
            "the window matched trades are counted over, ms",
        ),
        ParamSpec::real(
            "cooldown_ms",
            600_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one account, ms",
        ),
    ];

    /// Creates the detector.
    pub fn new(params: WashPairsParams) -> WashPairs {
        WashPairs { params, ..WashPairs::default() }
    }

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> WashPairs {
        WashPairs::new(WashPairsParams {
            min_trades: v.count("min_trades"),
            window: v.millis("window_ms"),
            cooldown: v.millis("cooldown_ms"),
        })
    }

    fn alert(&mut self, account: AccountId, time: Nanos, score: f64, alerts: &mut Vec<Alert>) {
        let entity = Entity::Account(account);
        let alert = Alert { time, kind: AbuseKind::WashTrading, entity, score };
        self.alerted.raise(alert, self.params.cooldown, alerts);
    }
}

impl Detector for WashPairs {
    fn name(&self) -> &str {
        "wash_pairs"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::WashTrading]
    }

    fn cost_ns(&self) -> u32 {
        4
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for WashPairs {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let now = event.time;
        // Every event that names an order has its slot.
        let (Some(order), maker_order) = (indices.order, indices.maker_order) else { return };
        match &event.body {
            EventBody::Accepted(e) => {
                self.order_qty.insert(order, e.qty);
            }
            EventBody::Cancelled(_) => {
                self.order_qty.remove(order);
            }
            EventBody::Trade(t) => {
                let Some(maker_order) = maker_order else { return };
                let (maker, taker) = (t.maker.access.account, t.taker.access.account);
                let whole = |slot: OrderSlot| self.order_qty.get(slot) == Some(&t.qty);
                let matched = whole(maker_order) && whole(order);
                for (side, slot) in [(&t.maker, maker_order), (&t.taker, order)] {
                    if side.remaining == Qty::ZERO {
                        self.order_qty.remove(slot);
                    }
                }

                if !matched {
                    return;
                }
                let pair = (maker.min(taker), maker.max(taker));
                let window = self.params.window;
                let trades = self.pairs.entry(pair).or_default();
                trades.push_back(now);
                while trades.front().is_some_and(|&t| now.saturating_sub(t) > window) {
                    trades.pop_front();
                }
                let count = trades.len();
                if count >= self.params.min_trades {
                    self.alert(pair.0, now, count as f64, alerts);
                    if pair.1 != pair.0 {
                        self.alert(pair.1, now, count as f64, alerts);
                    }
                }

                // A pair is trimmed only when it trades again; once a
                // window, drop the pairs whose trades have all left it.
                if now >= self.next_sweep {
                    self.next_sweep = now + window;
                    self.pairs.retain(|_, trades| {
                        trades.back().is_some_and(|&t| now.saturating_sub(t) <= window)
                    });
                }
            }
            // What counts as a whole order is its size when it trades.
            EventBody::Amended(a) => {
                self.order_qty.insert(order, a.qty);
            }
            EventBody::Decremented(d) if d.remaining == Qty::ZERO => {
                self.order_qty.remove(order);
            }
            EventBody::Decremented(d) => {
                self.order_qty.insert(order, d.remaining);
            }
            EventBody::Rejected(_)
            | EventBody::CancelRejected(_)
            | EventBody::AmendRejected(_)
            | EventBody::Control(_) => {}
        }
    }
}
