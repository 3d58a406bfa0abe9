//! Coordinated pumps: linked accounts buying an illiquid token together,
//! then selling it into the move.
//!
//! The pattern of the pump-and-dump groups La Morgia, Mei, Sassi and Stefa
//! (ICCCN 2020) document: several accounts controlled together accumulate
//! a thinly traded token in a short time, then sell into the buyers the
//! price move attracts. Accounts are linked when they share a source IP or
//! an unrecognised client fingerprint (one operator, one machine, one
//! tool); links are transitive, so a group is a connected set of accounts.
//! An instrument is illiquid when its trades so far are at most
//! `illiquid_share` of the busiest instrument's.
//!
//! Every `check_every_ms` the detector sums, per group and illiquid
//! instrument, what the group bought and sold within `window_ms`. A group
//! of at least `min_accounts` members that bought at least `min_buy_share`
//! of all the volume bought in the window has accumulated: each buying
//! member alerts with the group's share of the buying as its score (below
//! 1). A group that accumulated and, within `hold_ms`, sells back at least
//! `min_sell_back` of what it accumulated has dumped: each selling member
//! alerts with a score of 1 plus the share sold back, so the dump always
//! outranks the accumulation.

use std::collections::{BTreeMap, VecDeque};

use rustc_hash::FxHashMap;

use surveil_sim::{AccountId, Client, Event, EventBody, InstrumentId, Ip, Nanos};

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

/// Accounts joined by shared IPs and unrecognised tools.
#[derive(Debug, Default)]
struct Links {
    /// The address and client each account was last seen with, so that
    /// the common case, nothing new, costs one look-up.
    last_seen: FxHashMap<AccountId, (Ip, Client)>,
    parent: FxHashMap<AccountId, AccountId>,
    by_ip: FxHashMap<Ip, AccountId>,
    by_tool: FxHashMap<u16, AccountId>,
}

impl Links {
    fn root(&mut self, account: AccountId) -> AccountId {
        let mut root = account;
        while let Some(&p) = self.parent.get(&root) {
            if p == root {
                break;
            }
            root = p;
        }
        // Path compression keeps later look-ups short.
        let mut node = account;
        while node != root {
            let next = self.parent.get(&node).copied().unwrap_or(root);
            self.parent.insert(node, root);
            node = next;
        }
        root
    }

    fn join(&mut self, a: AccountId, b: AccountId) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            // The smaller id is the root, so groups do not depend on the
            // order links were seen in.
            self.parent.insert(ra.max(rb), ra.min(rb));
        }
    }

    fn observe(&mut self, account: AccountId, ip: Ip, client: Client) {
        if self.last_seen.insert(account, (ip, client)) == Some((ip, client)) {
            return;
        }
        self.parent.entry(account).or_insert(account);
        let first = *self.by_ip.entry(ip).or_insert(account);
        self.join(account, first);
        if let Client::Unknown(tool) = client {
            let first = *self.by_tool.entry(tool).or_insert(account);
            self.join(account, first);
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Accumulation {
    time: Nanos,
    qty: i64,
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
    trades: Vec<u64>,
    fills: VecDeque<Fill>,
    next_check: Nanos,
    accumulated: BTreeMap<(InstrumentId, AccountId), Accumulation>,
    alerted: Cooldowns,
}

impl PumpGroup {
    /// The parameters it takes from the registry.
    pub const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::real(
            "window_ms",
            300_000.0,
            1.0,
            1e12,
            "the window buying and selling are summed over, ms",
        ),
        ParamSpec::real("check_every_ms", 10_000.0, 1.0, 1e12, "how often groups are judged, ms"),
        ParamSpec::real(
            "hold_ms",
            1_800_000.0,
            0.0,
            1e12,
            "how long after accumulating a dump still counts, ms",
        ),
        ParamSpec::real(
            "illiquid_share",
            0.25,
            0.0,
            1.0,
            "an instrument with at most this share of the busiest one's trades is illiquid",
        ),
        ParamSpec::count("min_accounts", 3.0, 1.0, 1e6, "members a buying group must have"),
        ParamSpec::real(
            "min_buy_share",
            0.3,
            0.0,
            1.0,
            "share of the window's buying a group must do to accumulate",
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
            trades: Vec::new(),
            fills: VecDeque::new(),
            next_check: Nanos(0),
            accumulated: BTreeMap::new(),
            alerted: Cooldowns::default(),
        }
    }

    fn alert(&mut self, account: AccountId, now: Nanos, score: f64, alerts: &mut Vec<Alert>) {
        let entity = Entity::Account(account);
        let alert = Alert { time: now, kind: AbuseKind::Pump, entity, score };
        self.alerted.raise(alert, self.cooldown, alerts);
    }

    fn check(&mut self, now: Nanos, alerts: &mut Vec<Alert>) {
        let busiest = self.trades.iter().copied().max().unwrap_or(0);
        let illiquid = |trades: &[u64], i: InstrumentId| {
            trades
                .get(usize::from(i.0))
                .is_some_and(|&n| n as f64 <= self.illiquid_share * busiest as f64)
        };

        // What each group bought and sold on each illiquid instrument, and
        // which members did.
        #[derive(Default)]
        struct GroupFlow {
            bought: i64,
            sold: i64,
            buyers: Vec<AccountId>,
            sellers: Vec<AccountId>,
        }
        let mut groups: BTreeMap<(InstrumentId, AccountId), GroupFlow> = BTreeMap::new();
        let mut bought: BTreeMap<InstrumentId, i64> = BTreeMap::new();
        let fills: Vec<Fill> =
            self.fills.iter().copied().filter(|f| illiquid(&self.trades, f.instrument)).collect();
        for f in fills {
            *bought.entry(f.instrument).or_default() += f.qty;
            let (rb, rs) = (self.links.root(f.buyer), self.links.root(f.seller));
            if rb == rs {
                // Inside one group nothing changes hands.
                continue;
            }
            let g = groups.entry((f.instrument, rb)).or_default();
            g.bought += f.qty;
            if !g.buyers.contains(&f.buyer) {
                g.buyers.push(f.buyer);
            }
            let g = groups.entry((f.instrument, rs)).or_default();
            g.sold += f.qty;
            if !g.sellers.contains(&f.seller) {
                g.sellers.push(f.seller);
            }
        }

        self.accumulated.retain(|_, a| now.saturating_sub(a.time) <= self.hold);
        for ((instrument, root), mut flow) in groups {
            flow.buyers.sort();
            flow.sellers.sort();
            let total = bought.get(&instrument).copied().unwrap_or(0).max(1);
            let share = flow.bought as f64 / total as f64;
            let net = flow.bought - flow.sold;
            if flow.buyers.len() >= self.min_accounts && share >= self.min_buy_share && net > 0 {
                let entry = self
                    .accumulated
                    .entry((instrument, root))
                    .or_insert(Accumulation { time: now, qty: 0 });
                entry.qty = entry.qty.max(net);
                entry.time = now;
                for &m in &flow.buyers {
                    self.alert(m, now, share.min(1.0), alerts);
                }
            } else if let Some(acc) = self.accumulated.get(&(instrument, root)).copied() {
                let back = flow.sold as f64 / acc.qty.max(1) as f64;
                if flow.sold > flow.bought && back >= self.min_sell_back {
                    for &m in &flow.sellers {
                        self.alert(m, now, 1.0 + back.min(1.0), alerts);
                    }
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

    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        let now = event.time;
        match &event.body {
            EventBody::Trade(t) => {
                let i = usize::from(t.instrument.0);
                if self.trades.len() <= i {
                    self.trades.resize(i + 1, 0);
                }
                self.trades[i] += 1;
                let fill = Fill {
                    time: now,
                    instrument: t.instrument,
                    buyer: t.buyer().access.account,
                    seller: t.seller().access.account,
                    qty: t.qty.0,
                };
                self.fills.push_back(fill);
            }
            EventBody::Decremented(_) | EventBody::Control(_) => {}
            body => {
                let access = body.access();
                self.links.observe(access.account, access.ip, access.client);
            }
        }
        while self.fills.front().is_some_and(|f| now.saturating_sub(f.time) > self.window) {
            self.fills.pop_front();
        }
        if now >= self.next_check {
            self.next_check = now + self.check_every;
            self.check(now, alerts);
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Client, Ip, Nanos, Side};

    use super::*;
    use crate::registry::Choice;
    use crate::testing::{accepted, api, side, trade};

    /// A liquid instrument 0 with steady trades among many accounts, and an
    /// illiquid instrument 1 on which `ring` (accounts 1 to 3, linked by
    /// one IP when `linked`) buys from outsiders for two minutes, then
    /// sells back to outsiders ten minutes later.
    fn pump(linked: bool) -> Vec<Alert> {
        let mut d =
            Choice::named("pump_group").build(&crate::Context { kinds: &[], seed: 0 }).unwrap();
        let mut alerts = Vec::new();
        let mut seq = 0;
        let push =
            |d: &mut Box<dyn Detector>, e: Event, alerts: &mut Vec<Alert>| d.on_event(&e, alerts);
        let member = |a: u32| {
            let mut access = api(a);
            if linked {
                access.ip = Ip(7);
                access.client = Client::Unknown(3);
            }
            access
        };
        for a in 1..=3 {
            seq += 1;
            push(
                &mut d,
                accepted(seq, Nanos::from_secs(1), member(a), 1, Side::Buy, 100, 1),
                &mut alerts,
            );
        }
        for s in 0..1800u64 {
            let t = Nanos::from_secs(2 + s);
            seq += 1;
            // The liquid market: a trade a second between strangers.
            push(
                &mut d,
                trade(
                    seq,
                    t,
                    0,
                    100,
                    5,
                    Side::Buy,
                    side(seq, api(100 + (s % 40) as u32), 0),
                    side(seq + 1, api(200 + (s % 30) as u32), 0),
                ),
                &mut alerts,
            );
            seq += 1;
            let outsider = api(300 + (s % 20) as u32);
            if s < 120 && s % 4 == 0 {
                let buyer = member(1 + (s / 4 % 3) as u32);
                push(
                    &mut d,
                    trade(
                        seq,
                        t,
                        1,
                        100 + s as i64 / 4,
                        10,
                        Side::Buy,
                        side(seq, outsider, 0),
                        side(seq + 1, buyer, 0),
                    ),
                    &mut alerts,
                );
            } else if (600..720).contains(&s) && s % 4 == 0 {
                let seller = member(1 + (s / 4 % 3) as u32);
                push(
                    &mut d,
                    trade(
                        seq,
                        t,
                        1,
                        130,
                        10,
                        Side::Sell,
                        side(seq, outsider, 0),
                        side(seq + 1, seller, 0),
                    ),
                    &mut alerts,
                );
            } else if s % 30 == 0 {
                let other = api(400 + (s % 7) as u32);
                push(
                    &mut d,
                    trade(
                        seq,
                        t,
                        1,
                        110,
                        1,
                        Side::Buy,
                        side(seq, outsider, 0),
                        side(seq + 1, other, 0),
                    ),
                    &mut alerts,
                );
            }
        }
        alerts
    }

    #[test]
    fn linked_accounts_accumulating_then_dumping_alert_twice_over() {
        let alerts = pump(true);
        let members = [1, 2, 3].map(|a| Entity::Account(AccountId(a)));
        assert!(alerts.iter().all(|a| members.contains(&a.entity)), "{alerts:?}");
        let accumulation = alerts.iter().filter(|a| a.score < 1.0).count();
        let dump: Vec<_> = alerts.iter().filter(|a| a.score > 1.0).collect();
        assert!(accumulation >= 3, "{alerts:?}");
        assert!(dump.len() >= 3, "{alerts:?}");
        assert!(dump.iter().all(|a| a.time >= Nanos::from_secs(600)), "{dump:?}");
    }

    #[test]
    fn the_same_trades_by_unlinked_accounts_do_not() {
        assert!(pump(false).is_empty());
    }
}
