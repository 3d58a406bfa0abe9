//! Spoofing by imbalance: one owner's resting orders tilt the book while
//! it trades on the other side.
//!
//! Cartea, Jaimungal and Wang (2020) model the spoofer as an agent who
//! tilts the volume imbalance of the book to move other traders' market
//! orders, and Tao, Day, Ling and Drapeau (2022) monitor imbalance for
//! multilevel spoofing; EU MAR Annex I lists orders that change the
//! visible depth and are withdrawn. The detector keeps the resting depth
//! near the last trade price (orders placed within `near_ticks` of it) on
//! each side of each instrument, and each account's share of it. When an
//! account trades on one side, it asks how far the account's own resting
//! orders move the imbalance `(other - this) / (other + this)` of the
//! near depth, counting both of its sides, so a market maker quoting both
//! sides alike tilts nothing. A tilt of at least `min_tilt` from an account
//! holding at least `min_share` of the other side's near depth is one
//! occurrence; `repeats` within `window_ms` alert. The score is the tilt,
//! between 0 and 2.
//!
//! Whether an order is near is judged when it arrives, not again as the
//! price moves, which keeps the book picture to one table look-up per event.

use std::collections::VecDeque;

use surveil_sim::event::OrderType;
use surveil_sim::{AccountId, Event, EventBody, InstrumentId, Nanos, Price, Side};

use crate::baseline::Cooldowns;
use crate::indices::{
    self, AccountIndex, EventIndices, Feed, Indexed, OrderSlot, OrderValues, Step, Table,
};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

#[derive(Clone, Copy, Debug)]
struct Resting {
    account: AccountIndex,
    instrument: InstrumentId,
    side: Side,
    qty: i64,
}

#[derive(Clone, Debug, Default)]
struct AccountState {
    occurrences: VecDeque<Nanos>,
}

/// Depth by side: bids first, then asks.
type Depth = [i64; 2];

fn index(side: Side) -> usize {
    match side {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

/// Resting depth of one owner tilting the near-touch imbalance.
#[derive(Debug)]
pub struct SpoofImbalance {
    near_ticks: i64,
    min_share: f64,
    min_tilt: f64,
    repeats: usize,
    window: Nanos,
    cooldown: Nanos,
    /// By instrument.
    last_price: Vec<Option<Price>>,
    /// By order slot.
    orders: OrderValues<Resting>,
    /// By instrument.
    depth: Vec<Depth>,
    /// Each account's near depth, by instrument and account index.
    own: Vec<Table<Depth>>,
    /// By account index.
    accounts: Table<AccountState>,
    alerted: Cooldowns,
    feed: Feed,
}

impl SpoofImbalance {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::count(
            "near_ticks",
            20.0,
            0.0,
            1e9,
            "orders placed this close to the last trade price count as near depth, ticks",
        ),
        ParamSpec::real(
            "min_share",
            0.1,
            0.0,
            1.0,
            "share of the other side's near depth the account must hold",
        ),
        ParamSpec::real(
            "min_tilt",
            0.05,
            0.0,
            2.0,
            "change of imbalance the account's orders must make",
        ),
        ParamSpec::count(
            "repeats",
            2.0,
            1.0,
            1e6,
            "occurrences within the window before the account alerts",
        ),
        ParamSpec::real(
            "window_ms",
            300_000.0,
            1.0,
            1e12,
            "the window occurrences are counted over, ms",
        ),
        ParamSpec::real(
            "cooldown_ms",
            30_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one account, ms",
        ),
    ];

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> SpoofImbalance {
        SpoofImbalance {
            near_ticks: v.count("near_ticks") as i64,
            min_share: v.get("min_share"),
            min_tilt: v.get("min_tilt"),
            repeats: v.count("repeats"),
            window: v.millis("window_ms"),
            cooldown: v.millis("cooldown_ms"),
            last_price: Vec::new(),
            orders: OrderValues::default(),
            depth: Vec::new(),
            own: Vec::new(),
            accounts: Table::default(),
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }

    /// Changes the near depth of a resting order by `delta` lots.
    fn change(&mut self, order: &Resting, delta: i64) {
        let side = index(order.side);
        let i = usize::from(order.instrument.0);
        if self.depth.len() <= i {
            self.depth.resize(i + 1, Depth::default());
            self.own.resize_with(i + 1, Table::default);
        }
        self.depth[i][side] += delta;
        self.own[i].at(order.account.get())[side] += delta;
    }

    /// Reduces a resting order to `remaining` lots, forgetting it at zero.
    fn reduce(&mut self, id: Option<OrderSlot>, remaining: i64) {
        let Some(id) = id else { return };
        let Some(&order) = self.orders.get(id) else { return };
        self.change(&order, remaining - order.qty);
        if remaining <= 0 {
            self.orders.remove(id);
        } else if let Some(o) = self.orders.get_mut(id) {
            o.qty = remaining;
        }
    }

    /// Judges a fill of `account` on `side`: how far do its own resting
    /// orders tilt the near imbalance towards the other side?
    fn judge(
        &mut self,
        account: AccountId,
        account_index: AccountIndex,
        instrument: InstrumentId,
        side: Side,
        now: Nanos,
        alerts: &mut Vec<Alert>,
    ) {
        let i = usize::from(instrument.0);
        let depth = self.depth.get(i).copied().unwrap_or_default();
        let own =
            self.own.get(i).and_then(|t| t.get(account_index.get())).copied().unwrap_or_default();
        let (this, other) = (index(side), index(side.opposite()));
        if depth[other] <= 0 {
            return;
        }
        let share = own[other] as f64 / depth[other] as f64;
        let imbalance =
            |o: i64, t: i64| if o + t > 0 { (o - t) as f64 / (o + t) as f64 } else { 0.0 };
        let with = imbalance(depth[other], depth[this]);
        let without = imbalance(depth[other] - own[other], depth[this] - own[this]);
        let tilt = with - without;
        if share < self.min_share || tilt < self.min_tilt {
            return;
        }

        let state = self.accounts.at(account_index.get());
        state.occurrences.push_back(now);
        while state.occurrences.front().is_some_and(|&t| now.saturating_sub(t) > self.window) {
            state.occurrences.pop_front();
        }
        if state.occurrences.len() >= self.repeats {
            let entity = Entity::Account(account);
            let alert = Alert { time: now, kind: AbuseKind::Spoofing, entity, score: tilt };
            self.alerted.raise(alert, self.cooldown, alerts);
        }
    }
}

impl Detector for SpoofImbalance {
    fn name(&self) -> &str {
        "spoof_imbalance"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::Spoofing]
    }

    fn cost_ns(&self) -> u32 {
        10
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for SpoofImbalance {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        match &event.body {
            EventBody::Accepted(e) => {
                let (Some(price), true) = (e.price, e.order_type == OrderType::Limit) else {
                    return;
                };
                let near = self
                    .last_price
                    .get(usize::from(e.instrument.0))
                    .copied()
                    .flatten()
                    .is_some_and(|last| (price.0 - last.0).abs() <= self.near_ticks);
                if let (true, Some(slot)) = (near, indices.order) {
                    let order = Resting {
                        account: indices.access.account,
                        instrument: e.instrument,
                        side: e.side,
                        qty: e.qty.0,
                    };
                    self.change(&order, order.qty);
                    self.orders.insert(slot, order);
                }
            }
            EventBody::Trade(t) => {
                let i = usize::from(t.instrument.0);
                if self.last_price.len() <= i {
                    self.last_price.resize(i + 1, None);
                }
                self.last_price[i] = Some(t.price);
                self.reduce(indices.maker_order, t.maker.remaining.0);
                self.reduce(indices.order, t.taker.remaining.0);
                let (buyer, seller) = (t.buyer().access.account, t.seller().access.account);
                let (b, s) = (indices.buyer(t).account, indices.seller(t).account);
                self.judge(buyer, b, t.instrument, Side::Buy, event.time, alerts);
                if seller != buyer {
                    self.judge(seller, s, t.instrument, Side::Sell, event.time, alerts);
                }
            }
            EventBody::Cancelled(_) => self.reduce(indices.order, 0),
            EventBody::Decremented(d) => self.reduce(indices.order, d.remaining.0),
            EventBody::Amended(a) => self.reduce(indices.order, a.qty.0),
            EventBody::Rejected(_)
            | EventBody::CancelRejected(_)
            | EventBody::AmendRejected(_)
            | EventBody::Control(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Nanos, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{accepted, api, side, trade};

    fn detector() -> Box<dyn Detector> {
        Choice::named("spoof_imbalance").build(&crate::Context { kinds: &[], seed: 0 }).unwrap()
    }

    /// A market with a last price of 100 and 20 lots a side from a market
    /// maker (account 1); then `spoofer` rests `bids` lots of bids and sells
    /// into account 3's buy twice.
    fn scene(bids: i64, asks_of_spoofer: i64) -> Vec<Alert> {
        let mut d = detector();
        let mut alerts = Vec::new();
        let mut seq = 0;
        let mut next = || {
            seq += 1;
            seq
        };
        let t = Nanos::from_secs;
        let opening =
            trade(next(), t(1), 0, 100, 1, Side::Buy, side(900, api(9), 0), side(901, api(8), 0));
        d.on_event(&opening, &mut alerts);
        d.on_event(&accepted(next(), t(2), api(1), 0, Side::Buy, 99, 20), &mut alerts);
        d.on_event(&accepted(next(), t(2), api(1), 0, Side::Sell, 101, 20), &mut alerts);
        d.on_event(&accepted(next(), t(3), api(2), 0, Side::Buy, 98, bids), &mut alerts);
        d.on_event(
            &accepted(next(), t(3), api(2), 0, Side::Sell, 102, asks_of_spoofer),
            &mut alerts,
        );
        let ask = next();
        d.on_event(&accepted(ask, t(4), api(2), 0, Side::Sell, 100, 2), &mut alerts);
        for i in 0..2 {
            let fill = trade(
                next(),
                t(5 + i),
                0,
                100,
                1,
                Side::Buy,
                side(ask, api(2), 1 - i as i64),
                side(1000 + i, api(3), 0),
            );
            d.on_event(&fill, &mut alerts);
        }
        alerts
    }

    #[test]
    fn a_seller_behind_a_wall_of_its_own_bids_alerts() {
        let alerts = scene(200, 0);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].entity, Entity::Account(AccountId(2)));
        assert!(alerts[0].score > 0.5, "{alerts:?}");
    }

    #[test]
    fn quoting_both_sides_alike_tilts_nothing() {
        assert!(scene(200, 200).is_empty());
        assert!(scene(2, 0).is_empty(), "a small bid holds too little of the depth");
    }
}
