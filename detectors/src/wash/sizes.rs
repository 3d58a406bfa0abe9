//! Wash trading by repeated sizes: the same two accounts trading the same
//! size again and again.
//!
//! Cong, Li, Tang and Yang ("Crypto Wash Trading") find wash volume
//! clustered at particular trade sizes; between one pair of colluding
//! accounts the clustering is sharper still, because one operator sends
//! both sides. The detector counts, per pair of accounts (an account with
//! itself included) and instrument, the trades of each size within
//! `window_ms`, and alerts both accounts when one size repeats
//! `min_repeats` times. The score is the number of repeats. Honest
//! counterparties meet at the same size by chance (the `coincidental_pair`
//! decoys do), which is why one repeat is not enough.

use std::collections::VecDeque;
use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use surveil_sim::{AccountId, Event, EventBody, InstrumentId, Nanos};

use crate::baseline::Cooldowns;
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

type Pair = (InstrumentId, AccountId, AccountId);

/// A trade of the window: when, between which pair, and its size.
#[derive(Clone, Copy, Debug)]
struct Done {
    time: Nanos,
    pair: Pair,
    qty: i64,
}

/// Repeated identical sizes between the same counterparties.
#[derive(Debug)]
pub struct WashSizes {
    window: Nanos,
    min_repeats: usize,
    cooldown: Nanos,
    /// The trades of the window, oldest first.
    trades: VecDeque<Done>,
    /// How many trades of the window each pair made at each size; a pair
    /// and size leave when their last trade leaves the window.
    repeats: FxHashMap<(Pair, i64), u32>,
    alerted: Cooldowns,
}

impl WashSizes {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "window_ms",
            600_000.0,
            1.0,
            1e12,
            "the window repeats are counted over, ms",
        ),
        ParamSpec::count(
            "min_repeats",
            4.0,
            2.0,
            1e6,
            "trades of one size between one pair that alert",
        ),
        ParamSpec::real(
            "cooldown_ms",
            60_000.0,
            0.0,
            1e9,
            "shortest time between two alerts on one account, ms",
        ),
    ];

    /// Creates the detector from registry values.
    pub fn from_values(v: &Values) -> WashSizes {
        WashSizes {
            window: v.millis("window_ms"),
            min_repeats: v.count("min_repeats"),
            cooldown: v.millis("cooldown_ms"),
            trades: VecDeque::new(),
            repeats: FxHashMap::default(),
            alerted: Cooldowns::default(),
        }
    }

    fn alert(&mut self, account: AccountId, now: Nanos, score: f64, alerts: &mut Vec<Alert>) {
        let entity = Entity::Account(account);
        let alert = Alert { time: now, kind: AbuseKind::WashTrading, entity, score };
        self.alerted.raise(alert, self.cooldown, alerts);
    }
}

impl Detector for WashSizes {
    fn name(&self) -> &str {
        "wash_sizes"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::WashTrading]
    }

    fn cost_ns(&self) -> u32 {
        8
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        let EventBody::Trade(t) = &event.body else { return };
        let now = event.time;
        let (a, b) = (t.maker.access.account, t.taker.access.account);
        let pair = (t.instrument, a.min(b), a.max(b));

        // The window's trades in one queue, and a count per pair and size,
        // rather than each pair's trades apart, scanned for the size at
        // every trade.
        while let Some(old) = self.trades.front().copied() {
            if now.saturating_sub(old.time) <= self.window {
                break;
            }
            self.trades.pop_front();
            if let Entry::Occupied(mut e) = self.repeats.entry((old.pair, old.qty)) {
                *e.get_mut() -= 1;
                if *e.get() == 0 {
                    e.remove();
                }
            }
        }
        self.trades.push_back(Done { time: now, pair, qty: t.qty.0 });
        let count = self.repeats.entry((pair, t.qty.0)).or_insert(0);
        *count += 1;
        let repeats = *count as usize;
        if repeats >= self.min_repeats {
            let score = repeats as f64;
            self.alert(pair.1, now, score, alerts);
            if pair.2 != pair.1 {
                self.alert(pair.2, now, score, alerts);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Nanos, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{api, side, trade};

    fn alerts_for(sizes: &[i64]) -> Vec<Alert> {
        let mut d =
            Choice::named("wash_sizes").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        for (i, &q) in sizes.iter().enumerate() {
            let i = i as u64;
            let e = trade(
                i,
                Nanos::from_secs(i),
                1,
                100,
                q,
                Side::Buy,
                side(2 * i, api(4), 0),
                side(2 * i + 1, api(5), 0),
            );
            d.on_event(&e, &mut alerts);
        }
        alerts
    }

    #[test]
    fn one_size_four_times_between_a_pair_alerts_both() {
        let alerts = alerts_for(&[37, 12, 37, 37, 5, 37]);
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert_eq!(alerts[0].score, 4.0);
    }

    #[test]
    fn varied_sizes_do_not() {
        assert!(alerts_for(&[1, 2, 3, 4, 5, 6, 7, 8]).is_empty());
    }
}
