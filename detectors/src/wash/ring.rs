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

use rustc_hash::FxHashMap;
use surveil_sim::{AccountId, Event, EventBody, InstrumentId, Nanos};

use crate::baseline::Cooldowns;
use crate::indices::{self, AccountIndex, EventIndices, Feed, Indexed, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

#[derive(Clone, Copy, Debug)]
struct Fill {
    time: Nanos,
    instrument: InstrumentId,
    buyer: AccountIndex,
    seller: AccountIndex,
    qty: i64,
}

/// An account on one instrument: a node of the trading graph.
type Node = (InstrumentId, AccountIndex);

/// Two accounts on one instrument, the smaller index first: an edge of the
/// trading graph.
type Pair = (InstrumentId, AccountIndex, AccountIndex);

#[derive(Clone, Debug)]
struct Flow {
    /// The account, for ordering groups and naming it in alerts.
    account: AccountId,
    bought: i64,
    sold: i64,
    /// The accounts it traded with on the instrument within the window
    /// (itself included when it traded with itself): its links in the
    /// trading graph, kept as fills arrive and leave.
    counterparties: Vec<AccountIndex>,
    /// The time of the account's latest fill in the window.
    last: Nanos,
    /// Its position in its instrument's list of candidates, while it is
    /// one.
    candidate: Option<u32>,
    /// The number of the last check that placed it in a group.
    seen: u64,
}

impl Default for Flow {
    fn default() -> Flow {
        Flow {
            account: AccountId(0),
            bought: 0,
            sold: 0,
            counterparties: Vec::new(),
            last: Nanos(0),
            candidate: None,
            seen: 0,
        }
    }
}

impl Flow {
    /// Tells whether the account is busy and flat enough to be judged.
    fn judged(&self, min_volume: i64, max_net_share: f64) -> bool {
        let gross = self.bought + self.sold;
        gross >= min_volume
            && ((self.bought - self.sold).abs() as f64) <= max_net_share * gross as f64
    }
}

/// One instrument's trading graph.
#[derive(Debug, Default)]
struct Graph {
    /// By account index; an account with no fill in the window has an
    /// empty flow.
    flows: Table<Flow>,
    /// The accounts busy and flat enough to be judged, kept as their flows
    /// change, in no particular order: a check only finds groups from
    /// them, and sorts the groups before they alert.
    candidates: Vec<AccountIndex>,
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
    /// The time after which the oldest fill leaves the window; never while
    /// there is none.
    oldest_leaves: Nanos,
    /// By instrument.
    graphs: Vec<Graph>,
    /// The volume of each pair in the window. Never iterated.
    pairs: FxHashMap<Pair, i64>,
    /// Reused by every check: the candidates that traded since the last
    /// one, and the members of the group being walked.
    recent: Vec<Node>,
    walk: Vec<AccountIndex>,
    /// The number of checks so far.
    checks: u64,
    next_check: Nanos,
    alerted: Cooldowns,
    feed: Feed,
}

/// A group of flat, busy accounts linked by their trades.
struct Group {
    /// Its instrument.
    instrument: InstrumentId,
    /// Its members, by account.
    members: Vec<(AccountId, AccountIndex)>,
    /// The smallest share of a member's volume done inside the group.
    closure: f64,
    /// The largest net position of a member, as a share of its volume.
    net: f64,
}

/// The pair of two accounts on an instrument.
fn pair(instrument: InstrumentId, a: AccountIndex, b: AccountIndex) -> Pair {
    (instrument, a.min(b), a.max(b))
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
            oldest_leaves: Nanos(u64::MAX),
            graphs: Vec::new(),
            pairs: FxHashMap::default(),
            recent: Vec::new(),
            walk: Vec::new(),
            checks: 0,
            next_check: Nanos(0),
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }

    fn graph(&mut self, instrument: InstrumentId) -> &mut Graph {
        let i = usize::from(instrument.0);
        if self.graphs.len() <= i {
            self.graphs.resize_with(i + 1, Graph::default);
        }
        &mut self.graphs[i]
    }

    fn add(&mut self, fill: &Fill, buyer: AccountId, seller: AccountId) {
        let (min_volume, max_net_share) = (self.min_volume, self.max_net_share);
        let graph = self.graph(fill.instrument);
        for (index, account, bought, sold) in
            [(fill.buyer, buyer, fill.qty, 0), (fill.seller, seller, 0, fill.qty)]
        {
            let flow = graph.flows.at(index.get());
            let was = flow.judged(min_volume, max_net_share);
            flow.account = account;
            flow.bought += bought;
            flow.sold += sold;
            flow.last = fill.time;
            let is = flow.judged(min_volume, max_net_share);
            graph.rejudged(index, was, is);
        }
        let pair = pair(fill.instrument, fill.buyer, fill.seller);
        let qty = self.pairs.entry(pair).or_default();
        let first = *qty == 0;
        *qty += fill.qty;
        if first {
            self.graph(fill.instrument).link(pair.1, pair.2);
        }
    }

    /// Takes the fills older than the window out of it.
    #[inline(never)]
    fn expire(&mut self, now: Nanos) {
        while let Some(&old) = self.fills.front() {
            if now.saturating_sub(old.time) <= self.window {
                break;
            }
            self.fills.pop_front();
            self.remove(&old);
        }
        self.oldest_leaves = self
            .fills
            .front()
            .map_or(Nanos(u64::MAX), |f| Nanos(f.time.0.saturating_add(self.window.0)));
    }

    /// Takes a fill that left the window away, forgetting pairs left with
    /// nothing.
    fn remove(&mut self, fill: &Fill) {
        use std::collections::hash_map::Entry;

        let pair = pair(fill.instrument, fill.buyer, fill.seller);
        if let Entry::Occupied(mut e) = self.pairs.entry(pair) {
            *e.get_mut() -= fill.qty;
            if *e.get() == 0 {
                e.remove();
                self.graph(fill.instrument).unlink(pair.1, pair.2);
            }
        }
        let (min_volume, max_net_share) = (self.min_volume, self.max_net_share);
        let graph = self.graph(fill.instrument);
        for (index, bought, sold) in [(fill.buyer, fill.qty, 0), (fill.seller, 0, fill.qty)] {
            let f = graph.flows.at(index.get());
            let was = f.judged(min_volume, max_net_share);
            f.bought -= bought;
            f.sold -= sold;
            let is = f.judged(min_volume, max_net_share);
            debug_assert!(
                f.bought != 0 || f.sold != 0 || f.counterparties.is_empty(),
                "a link outlived its fills"
            );
            graph.rejudged(index, was, is);
        }
    }

    /// Walks the group of flat, busy accounts that `start` belongs to
    /// (every candidate reached from it through trades between
    /// candidates), marking its members seen, and returns it when it is
    /// closed enough to be a ring.
    fn ring(&mut self, start: Node) -> Option<Group> {
        let (instrument, first) = start;
        let check = self.checks;
        let graph = &mut self.graphs[usize::from(instrument.0)];
        let walk = &mut self.walk;
        walk.clear();
        walk.push(first);
        graph.flows.at(first.get()).seen = check;
        let mut next = 0;
        while let Some(&node) = walk.get(next) {
            next += 1;
            for k in 0..graph.flows[node.get()].counterparties.len() {
                let c = graph.flows[node.get()].counterparties[k];
                let other = graph.flows.at(c.get());
                if other.seen != check && other.candidate.is_some() {
                    other.seen = check;
                    walk.push(c);
                }
            }
        }

        // Each member's volume inside the group: every link of a member
        // leads inside it, and a trade with itself is both a buy and a
        // sell. One member doing too little of its volume inside rules
        // the group out, whatever the others do; most groups are the
        // market's busy traders, linked to many others, and end here.
        let flows = &graph.flows;
        let mut closure = f64::INFINITY;
        let mut net = 0.0_f64;
        for &index in walk.iter() {
            let flow = &flows[index.get()];
            let mut inside = 0_i64;
            for &c in &flow.counterparties {
                let volume = self.pairs[&pair(instrument, index, c)];
                if c == index {
                    inside += 2 * volume;
                } else if flows[c.get()].candidate.is_some() {
                    inside += volume;
                }
            }
            let gross = (flow.bought + flow.sold) as f64;
            closure = closure.min(inside as f64 / gross);
            if closure < self.min_closure {
                return None;
            }
            net = net.max((flow.bought - flow.sold).abs() as f64 / gross);
        }
        let mut members: Vec<(AccountId, AccountIndex)> =
            walk.iter().map(|&i| (flows[i.get()].account, i)).collect();
        members.sort_unstable();
        Some(Group { instrument, members, closure, net })
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
        self.checks += 1;
        let mut recent = std::mem::take(&mut self.recent);
        recent.clear();
        for (i, graph) in self.graphs.iter_mut().enumerate() {
            let instrument = InstrumentId(i as u16);
            for &c in &graph.candidates {
                if now.saturating_sub(graph.flows[c.get()].last) <= self.check_every {
                    recent.push((instrument, c));
                }
            }
        }
        let mut groups = Vec::new();
        for &(instrument, c) in &recent {
            let seen = self.graphs[usize::from(instrument.0)].flows[c.get()].seen;
            if seen != self.checks {
                groups.extend(self.ring((instrument, c)));
            }
        }
        self.recent = recent;

        // Groups in the order of their instrument and first member, so
        // that the cooldown of an account in groups on two instruments
        // falls the same way on every run.
        groups.sort_unstable_by_key(|g| (g.instrument, g.members[0].0));
        for group in groups {
            let score = group.closure.min(1.0) * (1.0 - group.net);
            for &(m, _) in &group.members {
                let entity = Entity::Account(m);
                let alert = Alert { time: now, kind: AbuseKind::WashTrading, entity, score };
                self.alerted.raise(alert, self.cooldown, alerts);
            }
        }
    }
}

impl Graph {
    /// Keeps the candidates up to date when an account's flow changed.
    fn rejudged(&mut self, index: AccountIndex, was: bool, is: bool) {
        if is && !was {
            let at = self.candidates.len() as u32;
            self.candidates.push(index);
            self.flows.at(index.get()).candidate = Some(at);
        } else if was && !is {
            let flow = self.flows.at(index.get());
            if let Some(at) = flow.candidate.take() {
                self.candidates.swap_remove(at as usize);
                if let Some(&moved) = self.candidates.get(at as usize) {
                    self.flows.at(moved.get()).candidate = Some(at);
                }
            }
        }
    }

    /// Links two accounts that traded.
    fn link(&mut self, a: AccountIndex, b: AccountIndex) {
        self.flows.at(a.get()).counterparties.push(b);
        if a != b {
            self.flows.at(b.get()).counterparties.push(a);
        }
    }

    /// Takes away the link of two accounts whose trades all left the
    /// window.
    fn unlink(&mut self, a: AccountIndex, b: AccountIndex) {
        for (from, to) in [(a, b), (b, a)] {
            let f = self.flows.at(from.get());
            if let Some(i) = f.counterparties.iter().position(|&c| c == to) {
                f.counterparties.swap_remove(i);
            }
            if a == b {
                break;
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
        11
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for WashRing {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let now = event.time;
        if let EventBody::Trade(t) = &event.body {
            let fill = Fill {
                time: now,
                instrument: t.instrument,
                buyer: indices.buyer(t).account,
                seller: indices.seller(t).account,
                qty: t.qty.0,
            };
            self.fills.push_back(fill);
            if self.fills.len() == 1 {
                self.oldest_leaves = Nanos(now.0.saturating_add(self.window.0));
            }
            self.add(&fill, t.buyer().access.account, t.seller().access.account);
        }
        // Checked here, without a call, since most events expire nothing.
        if now > self.oldest_leaves {
            self.expire(now);
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
