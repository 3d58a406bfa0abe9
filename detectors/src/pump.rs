//! Coordinated pumps: linked accounts buying an illiquid token together,
//! then selling it into the move.
//!
//! The pattern of the pump-and-dump groups La Morgia, Mei, Sassi and Stefa
//! (ICCCN 2020) document: several accounts controlled together accumulate
//! a thinly traded token in a short time, then sell into the buyers the
//! price move attracts. Accounts are linked when they share a source IP or
//! an unrecognised client fingerprint (one operator, one machine, one
//! tool); links are transitive, so a group is a connected set of accounts.
//! An instrument is illiquid while its trades so far are at most
//! `illiquid_share` of the busiest instrument's; only fills made while
//! their instrument is illiquid count.
//!
//! The detector keeps, per group and instrument, what the group bought
//! from and sold to accounts outside it within `window_ms`, and how many
//! of its members bought; it adds each fill as it happens and takes it
//! away as it leaves the window, and a fill is credited to the groups its
//! two accounts belonged to when it happened (a fill inside one group
//! changes no hands and counts only in the instrument's volume). Every
//! `check_every_ms` it judges the groups that traded in the window. A
//! group of at least `min_accounts` buying members whose net buying is at
//! least `min_buy_share` of all the volume traded on the instrument in the
//! window has accumulated: each buying member alerts with that share as
//! its score (below 1). A group that accumulated and, within `hold_ms` of
//! its last accumulating check, has sold back to outsiders at least
//! `min_sell_back` of the most it held net is dumping: each member that
//! sold since the last check alerts with a score of 1 plus the share sold
//! back, so the dump always outranks the accumulation. Once a group has
//! sold back all it held, its accumulation is spent.
//!
//! A group's buying is a small share of even a thin token's volume (a few
//! percent over two minutes in the built-in scenarios, where retail and
//! market makers trade hundreds of lots a second), so the rule asks for
//! one-sided buying by several linked accounts rather than dominance of the
//! market. Accounts that share neither address nor tool (a disguised group,
//! each member on its own home address and a recognised library) are never
//! linked, so their pumps are missed: linking them would take their
//! timing, which this rule does not use.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use surveil_sim::event::Trade;
use surveil_sim::{Access, AccountId, Client, Event, EventBody, Ip, Nanos};

use crate::baseline::Cooldowns;
use crate::indices::{self, AccessIndices, AccountIndex, EventIndices, Feed, Indexed, Step, Table};
use crate::registry::{ParamSpec, Values};
use crate::{AbuseKind, Alert, Detector, Entity};

/// An account's position in [`Links`], given in order of first sight.
type Index = u32;

/// Accounts joined by shared IPs and unrecognised tools, as a union-find
/// over indices of its own with the members of each group listed at its
/// root.
#[derive(Debug, Default)]
struct Links {
    /// Each account's index here, by its index in the stream: an account
    /// is given one here when the detector first sees it, which is not
    /// always when the stream first names it.
    index: Table<Option<Index>>,
    accounts: Vec<AccountId>,
    /// The address and client each account was last seen with, so that
    /// the common case, nothing new, costs one look-up.
    last_seen: Vec<Option<(Ip, Client)>>,
    parent: Vec<Index>,
    /// The members of each group, at its root; empty elsewhere.
    members: Vec<Vec<Index>>,
    /// The first account seen on each address, by address index.
    by_ip: Table<Option<Index>>,
    by_tool: FxHashMap<u16, Index>,
}

impl Links {
    /// Returns the account's index, giving it one (in a group of its own)
    /// when it is new.
    #[inline(always)]
    fn index(&mut self, account: AccountId, stream: AccountIndex) -> Index {
        match self.index.get(stream.get()) {
            Some(&Some(i)) => i,
            _ => self.new_index(account, stream),
        }
    }

    /// Gives an account seen for the first time its index.
    #[inline(never)]
    fn new_index(&mut self, account: AccountId, stream: AccountIndex) -> Index {
        let i = self.accounts.len() as Index;
        *self.index.at(stream.get()) = Some(i);
        self.accounts.push(account);
        self.last_seen.push(None);
        self.parent.push(i);
        self.members.push(vec![i]);
        i
    }

    fn root(&mut self, i: Index) -> Index {
        let mut node = i;
        while self.parent[node as usize] != node {
            // Path halving keeps later look-ups short.
            let grand = self.parent[self.parent[node as usize] as usize];
            self.parent[node as usize] = grand;
            node = grand;
        }
        node
    }

    /// Joins the groups of `a` and `b`; when they were apart, returns the
    /// root absorbed and the root it went into.
    fn join(&mut self, a: Index, b: Index) -> Option<(Index, Index)> {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return None;
        }
        // The account seen first is the root, so groups do not depend on
        // which link was seen first.
        let (into, from) = (ra.min(rb), ra.max(rb));
        self.parent[from as usize] = into;
        let moved = std::mem::take(&mut self.members[from as usize]);
        self.members[into as usize].extend(moved);
        Some((from, into))
    }

    /// Records that `account` acted from `ip` with `client`, and pushes
    /// onto `merges` every pair of groups this joined.
    #[inline(always)]
    fn observe(
        &mut self,
        access: &Access,
        indices: &AccessIndices,
        merges: &mut Vec<(Index, Index)>,
    ) -> Index {
        let i = self.index(access.account, indices.account);
        if self.last_seen[i as usize] == Some((access.ip, access.client)) {
            return i;
        }
        self.moved(i, access, indices, merges);
        i
    }

    /// Records that account `i` acted from an address or with a client
    /// other than its last, joining its group to those of the address and
    /// the tool.
    #[inline(never)]
    fn moved(
        &mut self,
        i: Index,
        access: &Access,
        indices: &AccessIndices,
        merges: &mut Vec<(Index, Index)>,
    ) {
        let (ip, client) = (access.ip, access.client);
        self.last_seen[i as usize] = Some((ip, client));
        let first = *self.by_ip.at(indices.ip.get()).get_or_insert(i);
        merges.extend(self.join(i, first));
        if let Client::Unknown(tool) = client {
            let first = *self.by_tool.entry(tool).or_insert(i);
            merges.extend(self.join(i, first));
        }
    }
}

/// A trade as the window keeps it.
#[derive(Clone, Copy, Debug)]
struct Fill {
    time: Nanos,
    instrument: u16,
    buyer: Index,
    /// The groups of the buyer and the seller when it happened.
    buyer_group: Index,
    seller_group: Index,
    qty: i64,
    /// Whether its instrument was illiquid when it happened.
    counted: bool,
}

/// What a group holds on one instrument.
#[derive(Clone, Copy, Debug, Default)]
struct GroupFlow {
    /// Lots bought from and sold to outsiders within the window.
    bought: i64,
    sold: i64,
    /// Fills with outsiders in the window.
    fills: u32,
    /// Members that bought within the window.
    buyers: u32,
    /// Whether it is in its instrument's list of active groups.
    listed: bool,
    accumulation: Option<Accumulation>,
}

/// A group's accumulation, from its first accumulating check.
#[derive(Clone, Copy, Debug)]
struct Accumulation {
    /// The last check at which it was accumulating.
    time: Nanos,
    /// The most it held net at a check.
    qty: i64,
    /// Lots sold to outsiders since the first accumulating check.
    sold_since: i64,
}

/// What one account did on one instrument within the window.
#[derive(Clone, Copy, Debug, Default)]
struct AccountFlow {
    buys: u32,
    last_sell: Option<Nanos>,
}

/// One instrument's trades, volume and group flows.
#[derive(Debug, Default)]
struct Market {
    trades: u64,
    /// Lots traded within the window.
    volume: i64,
    /// By root index.
    groups: Vec<GroupFlow>,
    /// By account index.
    accounts: Vec<AccountFlow>,
    /// Roots with fills in the window, possibly with stale entries.
    active: Vec<Index>,
}

impl Market {
    fn group(&mut self, root: Index) -> &mut GroupFlow {
        let r = root as usize;
        if self.groups.len() <= r {
            self.groups.resize(r + 1, GroupFlow::default());
        }
        &mut self.groups[r]
    }

    fn account(&mut self, i: Index) -> &mut AccountFlow {
        let i = i as usize;
        if self.accounts.len() <= i {
            self.accounts.resize(i + 1, AccountFlow::default());
        }
        &mut self.accounts[i]
    }

    /// Lists a root as active if it is not already.
    fn list(&mut self, root: Index) {
        let g = self.group(root);
        if !g.listed && g.fills > 0 {
            g.listed = true;
            self.active.push(root);
        }
    }

    /// Moves group `from`'s flow into group `into`.
    fn merge(&mut self, from: Index, into: Index) {
        let f = std::mem::take(self.group(from));
        let g = self.group(into);
        g.bought += f.bought;
        g.sold += f.sold;
        g.fills += f.fills;
        g.buyers += f.buyers;
        g.accumulation = match (g.accumulation, f.accumulation) {
            (Some(a), Some(b)) => Some(Accumulation {
                time: a.time.max(b.time),
                qty: a.qty.max(b.qty),
                sold_since: a.sold_since + b.sold_since,
            }),
            (a, b) => a.or(b),
        };
        self.list(into);
    }
}

/// Linked accounts pumping an illiquid token.
#[derive(Debug)]
pub struct PumpGroup {
    window: Nanos,
    check_every: Nanos,
    hold: Nanos,
    illiquid_share: f64,
    min_accounts: usize,
    min_buy_share: f64,
    min_sell_back: f64,
    cooldown: Nanos,
    links: Links,
    merges: Vec<(Index, Index)>,
    markets: Vec<Market>,
    busiest: u64,
    fills: VecDeque<Fill>,
    /// The time after which the oldest fill leaves the window; never while
    /// there is none.
    oldest_leaves: Nanos,
    last_check: Nanos,
    next_check: Nanos,
    alerted: Cooldowns,
    feed: Feed,
}

impl PumpGroup {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "window_ms",
            120_000.0,
            1.0,
            1e12,
            "the window buying and selling are summed over, ms",
        ),
        ParamSpec::real("check_every_ms", 10_000.0, 1.0, 1e12, "how often groups are judged, ms"),
        ParamSpec::real(
            "hold_ms",
            300_000.0,
            0.0,
            1e12,
            "how long after its last accumulating check a group's selling still counts, ms",
        ),
        ParamSpec::real(
            "illiquid_share",
            0.5,
            0.0,
            1.0,
            "an instrument with at most this share of the busiest one's trades is illiquid",
        ),
        ParamSpec::count("min_accounts", 3.0, 1.0, 1e6, "members a buying group must have"),
        ParamSpec::real(
            "min_buy_share",
            0.01,
            0.0,
            1.0,
            "a group's net buying, as a share of the instrument's volume in the window, that makes an accumulation",
        ),
        ParamSpec::real(
            "min_sell_back",
            0.5,
            0.0,
            1.0,
            "share of the accumulation sold back that makes a dump",
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
    pub fn from_values(v: &Values) -> PumpGroup {
        PumpGroup {
            window: v.millis("window_ms"),
            check_every: v.millis("check_every_ms"),
            hold: v.millis("hold_ms"),
            illiquid_share: v.get("illiquid_share"),
            min_accounts: v.count("min_accounts"),
            min_buy_share: v.get("min_buy_share"),
            min_sell_back: v.get("min_sell_back"),
            cooldown: v.millis("cooldown_ms"),
            links: Links::default(),
            merges: Vec::new(),
            markets: Vec::new(),
            busiest: 0,
            fills: VecDeque::new(),
            oldest_leaves: Nanos(u64::MAX),
            last_check: Nanos(0),
            next_check: Nanos(0),
            alerted: Cooldowns::default(),
            feed: Feed::default(),
        }
    }

    fn market(&mut self, instrument: u16) -> &mut Market {
        let i = usize::from(instrument);
        if self.markets.len() <= i {
            self.markets.resize_with(i + 1, Market::default);
        }
        &mut self.markets[i]
    }

    /// Adds a trade to the window.
    fn add(&mut self, now: Nanos, trade: &Trade, indices: &EventIndices) {
        let (instrument, qty) = (trade.instrument.0, trade.qty.0);
        let buyer = self.links.index(trade.buyer().access.account, indices.buyer(trade).account);
        let seller = self.links.index(trade.seller().access.account, indices.seller(trade).account);
        let (buyer_group, seller_group) = (self.links.root(buyer), self.links.root(seller));
        let m = self.market(instrument);
        m.trades += 1;
        m.volume += qty;
        let trades = m.trades;
        self.busiest = self.busiest.max(trades);
        let counted = trades as f64 <= self.illiquid_share * self.busiest as f64;
        let fill = Fill { time: now, instrument, buyer, buyer_group, seller_group, qty, counted };
        self.fills.push_back(fill);
        if self.fills.len() == 1 {
            self.oldest_leaves = Nanos(now.0.saturating_add(self.window.0));
        }
        if !counted || buyer_group == seller_group {
            return;
        }

        let m = &mut self.markets[usize::from(instrument)];
        let b = m.account(buyer);
        b.buys += 1;
        let new_buyer = b.buys == 1;
        m.account(seller).last_sell = Some(now);
        let g = m.group(buyer_group);
        g.bought += qty;
        g.fills += 1;
        g.buyers += u32::from(new_buyer);
        m.list(buyer_group);
        let g = m.group(seller_group);
        g.sold += qty;
        g.fills += 1;
        if let Some(a) = &mut g.accumulation {
            a.sold_since += qty;
        }
        m.list(seller_group);
    }

    /// Takes the trades older than the window out of it.
    #[inline(never)]
    fn expire(&mut self, now: Nanos) {
        while let Some(&f) = self.fills.front() {
            if now.saturating_sub(f.time) <= self.window {
                break;
            }
            self.fills.pop_front();
            let m = &mut self.markets[usize::from(f.instrument)];
            m.volume -= f.qty;
            if !f.counted || f.buyer_group == f.seller_group {
                continue;
            }
            // The groups may have merged since; the flow is at the root.
            let (rb, rs) = (self.links.root(f.buyer_group), self.links.root(f.seller_group));
            let b = &mut m.accounts[f.buyer as usize];
            b.buys -= 1;
            let gone = b.buys == 0;
            let g = &mut m.groups[rb as usize];
            g.bought -= f.qty;
            g.fills -= 1;
            g.buyers -= u32::from(gone);
            let g = &mut m.groups[rs as usize];
            g.sold -= f.qty;
            g.fills -= 1;
        }
        self.oldest_leaves = self
            .fills
            .front()
            .map_or(Nanos(u64::MAX), |f| Nanos(f.time.0.saturating_add(self.window.0)));
    }

    fn alert(&mut self, account: Index, now: Nanos, score: f64, alerts: &mut Vec<Alert>) {
        let entity = Entity::Account(self.links.accounts[account as usize]);
        let alert = Alert { time: now, kind: AbuseKind::Pump, entity, score };
        self.alerted.raise(alert, self.cooldown, alerts);
    }

    fn check(&mut self, now: Nanos, alerts: &mut Vec<Alert>) {
        let mut members = Vec::new();
        for i in 0..self.markets.len() {
            // Groups absorbed into others, or with no fill left in the
            // window, leave the list; the rest are judged in root order.
            let mut active = std::mem::take(&mut self.markets[i].active);
            active.retain(|&r| {
                let keep = self.links.parent[r as usize] == r
                    && self.markets[i].groups[r as usize].fills > 0;
                if !keep {
                    self.markets[i].groups[r as usize].listed = false;
                }
                keep
            });
            active.sort_unstable();
            for &root in &active {
                self.judge(i, root, now, &mut members, alerts);
            }
            self.markets[i].active = active;
        }
        self.last_check = now;
    }

    /// Judges one group on one instrument.
    fn judge(
        &mut self,
        instrument: usize,
        root: Index,
        now: Nanos,
        members: &mut Vec<Index>,
        alerts: &mut Vec<Alert>,
    ) {
        let m = &mut self.markets[instrument];
        let volume = m.volume.max(1);
        let g = &mut m.groups[root as usize];
        if g.accumulation.is_some_and(|a| now.saturating_sub(a.time) > self.hold) {
            g.accumulation = None;
        }
        let net = g.bought - g.sold;
        let share = net as f64 / volume as f64;
        let accumulating =
            g.buyers as usize >= self.min_accounts && net > 0 && share >= self.min_buy_share;
        if accumulating {
            let a = g.accumulation.get_or_insert(Accumulation { time: now, qty: 0, sold_since: 0 });
            a.time = now;
            a.qty = a.qty.max(net);
        }
        let dump = g.accumulation.map(|a| a.sold_since as f64 / a.qty.max(1) as f64);

        // The dump first, so that a member both buying and selling gets
        // the higher score.
        members.clear();
        members.extend_from_slice(&self.links.members[root as usize]);
        members.sort_unstable();
        if let Some(back) = dump.filter(|&b| b >= self.min_sell_back) {
            for &a in members.iter() {
                let sold = self.markets[instrument]
                    .accounts
                    .get(a as usize)
                    .and_then(|f| f.last_sell)
                    .is_some_and(|t| t > self.last_check);
                if sold {
                    self.alert(a, now, 1.0 + back.min(1.0), alerts);
                }
            }
            // Sold back in full, the pump is over; what the members sell
            // later is their own trading.
            if back >= 1.0 {
                self.markets[instrument].groups[root as usize].accumulation = None;
            }
        }
        if accumulating {
            for &a in members.iter() {
                let bought =
                    self.markets[instrument].accounts.get(a as usize).is_some_and(|f| f.buys > 0);
                if bought {
                    self.alert(a, now, share.min(1.0), alerts);
                }
            }
        }
    }
}

impl Detector for PumpGroup {
    fn name(&self) -> &str {
        "pump_group"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &[AbuseKind::Pump]
    }

    fn cost_ns(&self) -> u32 {
        8
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for PumpGroup {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let now = event.time;
        match &event.body {
            EventBody::Trade(t) => self.add(now, t, indices),
            EventBody::Decremented(_) | EventBody::Control(_) => {}
            body => {
                self.links.observe(body.access(), &indices.access, &mut self.merges);
                for k in 0..self.merges.len() {
                    let (from, into) = self.merges[k];
                    for m in &mut self.markets {
                        m.merge(from, into);
                    }
                }
                self.merges.clear();
            }
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
    use surveil_sim::{Access, Client, Ip, Nanos, Side};

    use super::*;
    use crate::indices::Indexer;
    use crate::registry::Choice;
    use crate::testing::{accepted, api, side, trade};

    /// Feeds the detector a liquid instrument 0 with three trades a second
    /// between strangers, and an illiquid instrument 1 about a fifth as
    /// busy, where strangers trade 60 lots every three seconds and three
    /// office accounts sharing one IP buy and sell 10 lots alike. On
    /// instrument 1, `ring` (accounts 1 to 3, linked by one IP and tool
    /// when `linked`) buys 10 lots from outsiders every four seconds for
    /// two minutes, a few percent of the volume, then sells them back to
    /// outsiders two minutes later.
    fn pump(linked: bool) -> Vec<Alert> {
        let mut d =
            Choice::named("pump_group").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        let mut seq = 0;
        let mut push = |e: Event| d.on_event(&e, &mut alerts);
        let member = |a: u32| {
            let mut access = api(a);
            if linked {
                access.ip = Ip(7);
                access.client = Client::Unknown(3);
            }
            access
        };
        let office = |a: u32| Access { ip: Ip(9), ..api(600 + a) };
        let t0 = Nanos::from_secs(1);
        for a in 1..=3 {
            seq += 1;
            push(accepted(seq, t0, member(a), 1, Side::Buy, 100, 1));
            seq += 1;
            push(accepted(seq, t0, office(a), 1, Side::Buy, 100, 1));
        }
        for s in 0..1800u64 {
            let t = Nanos::from_secs(2 + s);
            let mut fill = |instrument, qty, taker_side, maker: Access, taker: Access| {
                seq += 2;
                let (m, k) = (side(seq, maker, 0), side(seq + 1, taker, 0));
                push(trade(seq, t, instrument, 100, qty, taker_side, m, k));
            };
            for k in 0..3 {
                let (a, b) = (api(100 + ((s + k) % 40) as u32), api(200 + (s % 30) as u32));
                fill(0, 5, Side::Buy, a, b);
            }
            let outsider = api(300 + (s % 20) as u32);
            if s < 120 && s % 4 == 0 {
                fill(1, 10, Side::Buy, outsider, member(1 + (s / 4 % 3) as u32));
            } else if (240..360).contains(&s) && s % 4 == 0 {
                fill(1, 10, Side::Sell, outsider, member(1 + (s / 4 % 3) as u32));
            } else if s % 3 == 0 {
                let (a, b) = (api(400 + (s % 17) as u32), api(450 + (s % 13) as u32));
                let taker_side = if s % 2 == 0 { Side::Buy } else { Side::Sell };
                fill(1, 60, taker_side, a, b);
            } else if s % 5 == 0 {
                let taker_side = if s % 10 == 0 { Side::Buy } else { Side::Sell };
                fill(1, 10, taker_side, outsider, office((s / 5 % 3) as u32 + 1));
            }
        }
        alerts
    }

    #[test]
    fn linked_accounts_accumulating_a_few_percent_then_dumping_alert_twice_over() {
        let alerts = pump(true);
        let members = [1, 2, 3].map(|a| Entity::Account(AccountId(a)));
        assert!(alerts.iter().all(|a| members.contains(&a.entity)), "{alerts:?}");
        let accumulation: Vec<_> = alerts.iter().filter(|a| a.score < 1.0).collect();
        let dump: Vec<_> = alerts.iter().filter(|a| a.score > 1.0).collect();
        assert!(accumulation.len() >= 3, "{alerts:?}");
        assert!(accumulation.iter().all(|a| a.time <= Nanos::from_secs(300)), "{accumulation:?}");
        assert!(dump.len() >= 3, "{alerts:?}");
        let selling = Nanos::from_secs(240)..=Nanos::from_secs(370);
        assert!(dump.iter().all(|a| selling.contains(&a.time)), "{dump:?}");
    }

    #[test]
    fn the_same_trades_by_unlinked_accounts_do_not() {
        assert!(pump(false).is_empty());
    }

    #[test]
    fn groups_merged_after_their_fills_keep_their_flows() {
        let mut links = Links::default();
        let mut merges = Vec::new();
        let mut indexer = Indexer::new();
        let mut observe = |links: &mut Links, account, ip, merges: &mut Vec<_>| {
            let access = Access { ip: Ip(ip), ..api(account) };
            let indices = indexer.event(&accepted(0, Nanos(0), access, 1, Side::Buy, 100, 1));
            links.observe(&access, &indices.access, merges)
        };
        let a = observe(&mut links, 5, 1, &mut merges);
        let b = observe(&mut links, 3, 2, &mut merges);
        assert!(merges.is_empty());
        let mut m = Market::default();
        m.group(a).bought = 10;
        m.group(a).fills = 1;
        m.group(b).sold = 4;
        m.group(b).fills = 1;
        observe(&mut links, 3, 1, &mut merges);
        assert_eq!(merges, vec![(b, a)]);
        m.merge(b, a);
        assert_eq!(links.root(b), a);
        assert_eq!((m.groups[a as usize].bought, m.groups[a as usize].sold), (10, 4));
        assert_eq!(m.groups[a as usize].fills, 2);
        assert_eq!(m.groups[b as usize].fills, 0);
        assert_eq!(links.members[a as usize], vec![a, b]);
    }
}
