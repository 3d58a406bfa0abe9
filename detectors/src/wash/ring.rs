//! Wash-trading rings: closed groups of accounts trading among themselves
//! with near-zero net position.
//!
//! Victor and Weintraud (WWW 2021) detect wash trading on exchanges as sets
//! of accounts that trade mostly with each other while each member's net
//! position over a window stays near zero: volume without any change of
//! beneficial ownership (MAR Annex I; CEA §4c(a)). The detector keeps every
//! trade of the last `window_ms` and, every `check_every_ms`, takes the
//! accounts whose traded volume on an instrument is at least `min_volume`
//! lots with a net position of at most `max_net_share` of it, joins two
//! of them when they traded with each other, and judges each group so
//! formed: a group is a ring when every member did at least
//! `min_closure` of its volume inside the group (an account trading with
//! itself is a group of one). While a ring trades (one of its members
//! traded since the last check), every member alerts. The score is
//! the smallest member's share inside the group times one minus the
//! largest member's net share, between 0 and 1: a perfectly closed ring
//! with flat positions scores 1.

use std::collections::{BTreeMap, VecDeque};

use rustc_hash::FxHashMap;
use surveil_sim::{AccountId, Event, EventBody, InstrumentId, Nanos};

use crate::baseline::Cooldowns;
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

#[derive(Clone, Copy, Debug)]
struct Fill {
    time: Nanos,
    instrument: InstrumentId,
    buyer: AccountId,
    seller: AccountId,
    qty: i64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Flow {
    bought: i64,
    sold: i64,
    /// The time of the account's latest fill in the window.
    last: Nanos,
}

/// Closed groups of accounts with flat positions.
#[derive(Debug)]
pub struct WashRing {
    window: Nanos,
    check_every: Nanos,
    min_volume: i64,
    max_net_share: f64,
    min_closure: f64,
    cooldown: Nanos,
    fills: VecDeque<Fill>,
    /// By instrument and account; and by instrument and the two accounts,
    /// the smaller first. Neither is ever iterated in an order that
    /// reaches the output: candidates are sorted, and groups do not
    /// depend on the order their links are joined in.
    flows: FxHashMap<(InstrumentId, AccountId), Flow>,
    pairs: FxHashMap<(InstrumentId, AccountId, AccountId), i64>,
    /// Reused by every check: the candidates' indices by key.
    index: FxHashMap<(InstrumentId, AccountId), usize>,
    next_check: Nanos,
    alerted: Cooldowns,
}

impl WashRing {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "window_ms",
            600_000.0,
            1.0,
            1e12,
            "the window positions are measured over, ms",
        ),
        ParamSpec::real(
            "check_every_ms",
            30_000.0,
            1.0,
            1e12,
            "how often the groups are judged, ms",
        ),
        ParamSpec::count(
            "min_volume",
            20.0,
            1.0,
            1e15,
            "lots an account must trade within the window to be judged",
        ),
        ParamSpec::real(
            "max_net_share",
            0.2,
            0.0,
            1.0,
            "largest net position, as a share of volume, that counts as flat",
        ),
        ParamSpec::real(
            "min_closure",
            0.8,
            0.0,
            1.0,
            "share of each member's volume that must stay inside the group",
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
    pub fn from_values(v: &Values) -> WashRing {
        WashRing {
            window: v.millis("window_ms"),
            check_every: v.millis("check_every_ms"),
            min_volume: v.count("min_volume") as i64,
            max_net_share: v.get("max_net_share"),
            min_closure: v.get("min_closure"),
            cooldown: v.millis("cooldown_ms"),
            fills: VecDeque::new(),
            flows: FxHashMap::default(),
            pairs: FxHashMap::default(),
            index: FxHashMap::default(),
            next_check: Nanos(0),
            alerted: Cooldowns::default(),
        }
    }

    fn add(&mut self, fill: &Fill) {
        let buyer = self.flows.entry((fill.instrument, fill.buyer)).or_default();
        buyer.bought += fill.qty;
        buyer.last = fill.time;
        let seller = self.flows.entry((fill.instrument, fill.seller)).or_default();
        seller.sold += fill.qty;
        seller.last = fill.time;
        let pair = (fill.instrument, fill.buyer.min(fill.seller), fill.buyer.max(fill.seller));
        *self.pairs.entry(pair).or_default() += fill.qty;
    }

    /// Takes a fill that left the window away, forgetting accounts and
    /// pairs left with nothing.
    fn remove(&mut self, fill: &Fill) {
        use std::collections::hash_map::Entry;

        for (account, bought, sold) in [(fill.buyer, fill.qty, 0), (fill.seller, 0, fill.qty)] {
            if let Entry::Occupied(mut e) = self.flows.entry((fill.instrument, account)) {
                let f = e.get_mut();
                f.bought -= bought;
                f.sold -= sold;
                if f.bought == 0 && f.sold == 0 {
                    e.remove();
                }
            }
        }
        let pair = (fill.instrument, fill.buyer.min(fill.seller), fill.buyer.max(fill.seller));
        if let Entry::Occupied(mut e) = self.pairs.entry(pair) {
            *e.get_mut() -= fill.qty;
            if *e.get() == 0 {
                e.remove();
            }
        }
    }

    /// Judges every group of flat, busy accounts.
    fn check(&mut self, now: Nanos, alerts: &mut Vec<Alert>) {
        let flat = |f: &Flow| {
            let gross = f.bought + f.sold;
            gross >= self.min_volume
                && ((f.bought - f.sold).abs() as f64) <= self.max_net_share * gross as f64
        };
        // The flat, busy accounts in key order; every index and group below
        // follows that order, so groups come out the same on every run.
        let mut candidates: Vec<((InstrumentId, AccountId), Flow)> =
            self.flows.iter().filter(|(_, f)| flat(f)).map(|(&k, &f)| (k, f)).collect();
        if candidates.is_empty() {
            return;
        }
        candidates.sort_unstable_by_key(|&(k, _)| k);
        self.index.clear();
        self.index.extend(candidates.iter().enumerate().map(|(i, &(k, _))| (k, i)));
        let index = &self.index;

        // Union-find over the indices of candidates that traded with each
        // other: the smaller index is the root, and finding halves paths.
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        let mut parent: Vec<usize> = (0..candidates.len()).collect();
        let mut links: Vec<(usize, usize, i64)> = Vec::new();
        for (&(instrument, a, b), &q) in self.pairs.iter().filter(|(_, q)| **q > 0) {
            let (Some(&i), Some(&j)) = (index.get(&(instrument, a)), index.get(&(instrument, b)))
            else {
                continue;
            };
            links.push((i, j, q));
            let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
            if ri != rj {
                parent[ri.max(rj)] = ri.min(rj);
            }
        }

        // Each member's volume inside its own group; a trade with itself is
        // both a buy and a sell.
        let mut inside = vec![0_i64; candidates.len()];
        for &(i, j, q) in &links {
            if i == j {
                inside[i] += 2 * q;
            } else if find(&mut parent, i) == find(&mut parent, j) {
                inside[i] += q;
                inside[j] += q;
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..candidates.len() {
            groups.entry(find(&mut parent, i)).or_default().push(i);
        }

        for group in groups.into_values() {
            let mut closure = f64::INFINITY;
            let mut net = 0.0_f64;
            for &i in &group {
                let flow = candidates[i].1;
                let gross = (flow.bought + flow.sold) as f64;
                closure = closure.min(inside[i] as f64 / gross);
                net = net.max((flow.bought - flow.sold).abs() as f64 / gross);
            }
            // A ring is flagged while it trades, not for as long as its
            // old trades stay in the window.
            let active =
                group.iter().any(|&i| now.saturating_sub(candidates[i].1.last) <= self.check_every);
            if closure < self.min_closure || !active {
                continue;
            }
            let score = closure.min(1.0) * (1.0 - net);
            for m in group.iter().map(|&i| candidates[i].0.1) {
                let entity = Entity::Account(m);
                let alert = Alert { time: now, kind: AbuseKind::WashTrading, entity, score };
                self.alerted.raise(alert, self.cooldown, alerts);
            }
        }
    }
}

impl Detector for WashRing {
    fn name(&self) -> &str {
        "wash_ring"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::WashTrading]
    }

    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        let now = event.time;
        if let EventBody::Trade(t) = &event.body {
            let fill = Fill {
                time: now,
                instrument: t.instrument,
                buyer: t.buyer().access.account,
                seller: t.seller().access.account,
                qty: t.qty.0,
            };
            self.fills.push_back(fill);
            self.add(&fill);
        }
        while let Some(&old) = self.fills.front() {
            if now.saturating_sub(old.time) <= self.window {
                break;
            }
            self.fills.pop_front();
            self.remove(&old);
        }
        if now >= self.next_check {
            self.next_check = now + self.check_every;
            self.check(now, alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Nanos, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{api, side, trade};

    fn alerts_for(trades: &[(u32, u32, i64)]) -> Vec<Alert> {
        let mut d =
            Choice::named("wash_ring").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        for (i, &(buyer, seller, qty)) in trades.iter().enumerate() {
            let i = i as u64;
            let e = trade(
                i,
                Nanos::from_secs(10 * i),
                1,
                100,
                qty,
                Side::Buy,
                side(2 * i, api(seller), 0),
                side(2 * i + 1, api(buyer), 0),
            );
            d.on_event(&e, &mut alerts);
        }
        alerts
    }

    #[test]
    fn three_accounts_passing_a_position_round_alert_every_member() {
        // 1 buys from 2, 3 buys from 1, 2 buys from 3: each ends flat.
        let round = [(1, 2, 10), (3, 1, 10), (2, 3, 10)];
        let trades: Vec<_> = round.iter().cycle().take(30).copied().collect();
        let alerts = alerts_for(&trades);
        let mut named: Vec<_> = alerts.iter().map(|a| a.entity).collect();
        named.sort();
        named.dedup();
        assert_eq!(named, [1, 2, 3].map(|a| Entity::Account(AccountId(a))));
        assert!(alerts.iter().all(|a| a.score >= 0.75), "{alerts:?}");
    }

    #[test]
    fn a_buyer_accumulating_from_a_seller_is_no_ring() {
        let trades: Vec<_> = (0..30).map(|_| (1, 2, 10)).collect();
        assert!(alerts_for(&trades).is_empty());
    }

    #[test]
    fn a_market_maker_trading_with_many_is_no_ring() {
        // Account 1 buys from and sells to a different account each time.
        let trades: Vec<_> =
            (0..30).map(|i| if i % 2 == 0 { (1, 100 + i, 10) } else { (100 + i, 1, 10) }).collect();
        assert!(alerts_for(&trades).is_empty());
    }
}
