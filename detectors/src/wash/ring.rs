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
//!
//! The trading graph (each account's volume on an instrument, the
//! accounts it traded with, and whether it is flat and busy enough to be
//! judged) is kept fill by fill as trades enter and leave the window. Only
//! a group that traded since the last check can alert, so a check walks
//! the graph from the judged accounts that traded since then, and costs in
//! proportion to the judged accounts and their groups, not to every
//! account and pair of the window. The groups themselves are found afresh
//! at each check: a link leaving the window can split one, which a
//! union-find cannot undo.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};
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

/// An account on one instrument: a node of the trading graph.
type Node = (InstrumentId, AccountId);

#[derive(Clone, Debug, Default)]
struct Flow {
    bought: i64,
    sold: i64,
    /// The accounts it traded with on the instrument within the window
    /// (itself included when it traded with itself): its links in the
    /// trading graph, kept as fills arrive and leave.
    counterparties: Vec<AccountId>,
    /// The time of the account's latest fill in the window.
    last: Nanos,
}

impl Flow {
    /// Tells whether the account is busy and flat enough to be judged.
    fn judged(&self, min_volume: i64, max_net_share: f64) -> bool {
        let gross = self.bought + self.sold;
        gross >= min_volume
            && ((self.bought - self.sold).abs() as f64) <= max_net_share * gross as f64
    }
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
    /// the smaller first. Neither is ever iterated: a check walks the
    /// graph from the accounts that traded since the last one, and sorts
    /// the groups it finds.
    flows: FxHashMap<Node, Flow>,
    pairs: FxHashMap<(InstrumentId, AccountId, AccountId), i64>,
    /// The accounts busy and flat enough to be judged, kept as their flows
    /// change. Iterated at a check, but only to find groups, which are
    /// sorted before they alert.
    candidates: FxHashSet<Node>,
    /// Reused by every check: the accounts already placed in a group, and
    /// the candidates that traded since the last check.
    seen: FxHashSet<Node>,
    recent: Vec<Node>,
    next_check: Nanos,
    alerted: Cooldowns,
}

/// A group of flat, busy accounts linked by their trades.
struct Group {
    /// Its members in key order.
    members: Vec<Node>,
    /// The smallest share of a member's volume done inside the group.
    closure: f64,
    /// The largest net position of a member, as a share of its volume.
    net: f64,
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
            candidates: FxHashSet::default(),
            seen: FxHashSet::default(),
            recent: Vec::new(),
            next_check: Nanos(0),
            alerted: Cooldowns::default(),
        }
    }

    fn add(&mut self, fill: &Fill) {
        for (account, bought, sold) in [(fill.buyer, fill.qty, 0), (fill.seller, 0, fill.qty)] {
            let node = (fill.instrument, account);
            let flow = self.flows.entry(node).or_default();
            let was = flow.judged(self.min_volume, self.max_net_share);
            flow.bought += bought;
            flow.sold += sold;
            flow.last = fill.time;
            let is = flow.judged(self.min_volume, self.max_net_share);
            self.rejudged(node, was, is);
        }
        let pair = (fill.instrument, fill.buyer.min(fill.seller), fill.buyer.max(fill.seller));
        let qty = self.pairs.entry(pair).or_default();
        let first = *qty == 0;
        *qty += fill.qty;
        if first {
            self.link(fill.instrument, pair.1, pair.2);
        }
    }

    /// Takes a fill that left the window away, forgetting accounts and
    /// pairs left with nothing.
    fn remove(&mut self, fill: &Fill) {
        use std::collections::hash_map::Entry;

        let pair = (fill.instrument, fill.buyer.min(fill.seller), fill.buyer.max(fill.seller));
        if let Entry::Occupied(mut e) = self.pairs.entry(pair) {
            *e.get_mut() -= fill.qty;
            if *e.get() == 0 {
                e.remove();
                self.unlink(fill.instrument, pair.1, pair.2);
            }
        }
        for (account, bought, sold) in [(fill.buyer, fill.qty, 0), (fill.seller, 0, fill.qty)] {
            let node = (fill.instrument, account);
            if let Entry::Occupied(mut e) = self.flows.entry(node) {
                let f = e.get_mut();
                let was = f.judged(self.min_volume, self.max_net_share);
                f.bought -= bought;
                f.sold -= sold;
                let is = f.judged(self.min_volume, self.max_net_share);
                if f.bought == 0 && f.sold == 0 {
                    debug_assert!(f.counterparties.is_empty(), "a link outlived its fills");
                    e.remove();
                }
                self.rejudged(node, was, is);
            }
        }
    }

    /// Keeps the candidates up to date when an account's flow changed.
    fn rejudged(&mut self, node: Node, was: bool, is: bool) {
        if is && !was {
            self.candidates.insert(node);
        } else if was && !is {
            self.candidates.remove(&node);
        }
    }

    /// Links two accounts that traded on an instrument.
    fn link(&mut self, instrument: InstrumentId, a: AccountId, b: AccountId) {
        if let Some(f) = self.flows.get_mut(&(instrument, a)) {
            f.counterparties.push(b);
        }
        if a != b
            && let Some(f) = self.flows.get_mut(&(instrument, b))
        {
            f.counterparties.push(a);
        }
    }

    /// Takes away the link of two accounts whose trades all left the
    /// window.
    fn unlink(&mut self, instrument: InstrumentId, a: AccountId, b: AccountId) {
        for (from, to) in [(a, b), (b, a)] {
            if let Some(f) = self.flows.get_mut(&(instrument, from))
                && let Some(i) = f.counterparties.iter().position(|&c| c == to)
            {
                f.counterparties.swap_remove(i);
            }
            if a == b {
                break;
            }
        }
    }

    /// Tells whether an account is flat and busy enough to be judged.
    fn candidate(&self, node: &Node) -> bool {
        self.candidates.contains(node)
    }

    /// Finds the group of flat, busy accounts that `start` belongs to:
    /// every candidate reached from it through trades between candidates.
    fn group(&mut self, start: Node) -> Group {
        let instrument = start.0;
        let mut members = vec![start];
        self.seen.insert(start);
        let mut next = 0;
        while let Some(&node) = members.get(next) {
            next += 1;
            for &c in &self.flows[&node].counterparties {
                let other = (instrument, c);
                if !self.seen.contains(&other) && self.candidate(&other) {
                    self.seen.insert(other);
                    members.push(other);
                }
            }
        }
        members.sort_unstable();

        // Each member's volume inside the group: every link of a member
        // leads inside it, and a trade with itself is both a buy and a
        // sell.
        let mut closure = f64::INFINITY;
        let mut net = 0.0_f64;
        for &(_, account) in &members {
            let flow = &self.flows[&(instrument, account)];
            let mut inside = 0_i64;
            for &c in &flow.counterparties {
                let pair = (instrument, account.min(c), account.max(c));
                if c == account {
                    inside += 2 * self.pairs[&pair];
                } else if self.candidate(&(instrument, c)) {
                    inside += self.pairs[&pair];
                }
            }
            let gross = (flow.bought + flow.sold) as f64;
            closure = closure.min(inside as f64 / gross);
            net = net.max((flow.bought - flow.sold).abs() as f64 / gross);
        }
        Group { members, closure, net }
    }

    /// Judges every group of flat, busy accounts that traded since the
    /// last check.
    ///
    /// A ring is flagged while it trades, not for as long as its old
    /// trades stay in the window, so only groups with a member that traded
    /// within the last `check_every` can alert: the walk starts from the
    /// candidates that did, and costs in proportion to the candidates and
    /// their groups rather than to every account and pair of the window.
    fn check(&mut self, now: Nanos, alerts: &mut Vec<Alert>) {
        self.seen.clear();
        let mut recent = std::mem::take(&mut self.recent);
        recent.clear();
        recent.extend(
            self.candidates
                .iter()
                .filter(|node| now.saturating_sub(self.flows[node].last) <= self.check_every),
        );
        let mut groups = Vec::new();
        for &node in &recent {
            if !self.seen.contains(&node) {
                let group = self.group(node);
                if group.closure >= self.min_closure {
                    groups.push(group);
                }
            }
        }
        self.recent = recent;

        // Groups in the order of their first member, so that the cooldown
        // of an account in groups on two instruments falls the same way on
        // every run.
        groups.sort_unstable_by_key(|g| g.members[0]);
        for group in groups {
            let score = group.closure.min(1.0) * (1.0 - group.net);
            for &(_, m) in &group.members {
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

    fn cost_ns(&self) -> u32 {
        21
    }

    #[inline(always)]
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
    fn a_link_leaving_the_window_splits_its_group() {
        // Accounts 2 and 3 trade a lot back and forth once, joining the
        // flat pair 1 and 2 to the pair 3 and 4, where 3 buys a little
        // more than it sells; then each pair trades only inside itself.
        let mut trades = vec![(2, 3, 10), (3, 2, 10)];
        let rounds = [(1, 2, 10), (2, 1, 10), (3, 4, 12), (4, 3, 10)];
        trades.extend(rounds.iter().cycle().take(400).copied());
        let alerts = alerts_for(&trades);
        let on_1: Vec<&Alert> =
            alerts.iter().filter(|a| a.entity == Entity::Account(AccountId(1))).collect();

        // Once 3 is busy enough to be judged, and while the link is in the
        // window, 1 is judged with 3's net position; once the link left,
        // with its own pair's alone (its own net swings by a trade).
        let window = Nanos::from_secs(600);
        let joined: Vec<_> =
            on_1.iter().filter(|a| a.time > Nanos::from_secs(60) && a.time <= window).collect();
        let split: Vec<_> =
            on_1.iter().filter(|a| a.time > window + Nanos::from_secs(20)).collect();
        assert!(!joined.is_empty() && !split.is_empty(), "{on_1:?}");
        assert!(joined.iter().all(|a| a.score < 0.92), "{joined:?}");
        assert!(split.iter().all(|a| a.score > 0.96), "{split:?}");
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
