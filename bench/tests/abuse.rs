//! The abuse library: every variant of every kind leaves its signature in
//! the public stream, plainly and disguised; the ground truth names exactly
//! the accounts and orders involved; and nothing but behaviour tells an
//! abusive account from an honest one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use surveil_bench::score::{ScoringRules, score_kind};
use surveil_detectors::{Alert, Entity};
use surveil_sim::event::{Accepted, CancelReason, OrderType};
use surveil_sim::{
    AbuseKind, AccountId, Channel, Client, Episode, Event, EventBody, GroundTruth, KeyId, Nanos,
    OrderId, Side,
};

/// A quarter of an hour of a small market with every variant of every kind.
fn source(stealth: &str) -> String {
    format!(
        "name = \"abuse-{stealth}\"\nduration_s = 900\n\
         [retail]\naccounts = 400\nsize_multiplier = 3.8\n\
         [api_traders]\naccounts = 60\n\
         [decoys]\ntravelling_mobile = 4\nshared_ips = 2\ninstitutions = 1\ncoincidental_pairs = 1\n\
         [abuse.key_sharing]\nepisodes = 9\nepisode_length_s = 300\nstealth = \"{stealth}\"\n\
         [abuse.spoofing]\nepisodes = 9\nepisode_length_s = 240\nstealth = \"{stealth}\"\n\
         [abuse.wash_trading]\nepisodes = 8\nepisode_length_s = 240\ntrade_gap_s = 8\n\
         stealth = \"{stealth}\"\n\
         [abuse.micro_burst]\nepisodes = 9\nstealth = \"{stealth}\"\n\
         [abuse.pump]\nepisodes = 4\ndistribution_s = 150\nstealth = \"{stealth}\"\n"
    )
}

/// One run's public stream, ground truth, and indexes over them.
struct Run {
    events: Vec<Event>,
    truth: GroundTruth,
    orders: BTreeMap<OrderId, (Nanos, Accepted)>,
    typical: Vec<i64>,
}

impl Run {
    fn new(stealth: &str) -> Run {
        let loaded = surveil_scenarios::parse(&source(stealth), "abuse.toml").expect("valid");
        Run::of(&loaded)
    }

    fn of(loaded: &surveil_scenarios::Loaded) -> Run {
        let (events, truth) = surveil_sim::run_to_end(&loaded.config);
        let mut orders = BTreeMap::new();
        for e in &events {
            if let EventBody::Accepted(a) = e.body {
                orders.insert(a.order, (e.time, a));
            }
        }
        let typical = loaded.config.instruments.iter().map(|i| i.typical_qty.0).collect();
        Run { events, truth, orders, typical }
    }

    fn episodes(&self, kind: AbuseKind) -> impl Iterator<Item = &Episode> {
        self.truth.episodes.iter().filter(move |e| e.kind == kind)
    }

    fn episodes_of(&self, kind: AbuseKind, variant: &str) -> Vec<&Episode> {
        self.episodes(kind).filter(|e| e.variant == variant).collect()
    }

    fn accepted(&self, id: OrderId) -> &Accepted {
        &self.orders.get(&id).expect("an episode's order was accepted").1
    }

    /// The trades an episode's orders took part in, with the side of the
    /// episode's order in each (both sides when both were its own).
    fn trades(&self, episode: &Episode) -> Vec<(Nanos, surveil_sim::event::Trade)> {
        let own: BTreeSet<OrderId> = episode.orders.iter().copied().collect();
        self.events
            .iter()
            .filter_map(|e| match e.body {
                EventBody::Trade(t)
                    if own.contains(&t.maker.order) || own.contains(&t.taker.order) =>
                {
                    Some((e.time, t))
                }
                _ => None,
            })
            .collect()
    }
}

fn plain() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| Run::new("easy"))
}

fn disguised() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| Run::new("hard"))
}

fn both() -> [(&'static str, &'static Run); 2] {
    [("plain", plain()), ("disguised", disguised())]
}

/// Every variant of every kind is present in both runs.
#[test]
fn every_variant_of_every_kind_is_injected() {
    let variants: [(AbuseKind, &[&str]); 5] = [
        (AbuseKind::KeySharing, &["distant_region", "reseller", "behaviour_drift"]),
        (AbuseKind::Spoofing, &["single_order", "layering", "multi_account"]),
        (AbuseKind::WashTrading, &["self_trade", "pair", "ring", "volume_inflation", "pump_cover"]),
        (AbuseKind::MicroBurst, &["single_key", "quote_stuffing", "multi_key"]),
        (AbuseKind::Pump, &["open", "wash_cover"]),
    ];
    for (name, run) in both() {
        for (kind, names) in variants {
            for variant in names {
                assert!(!run.episodes_of(kind, variant).is_empty(), "{name}: no {kind} {variant}");
            }
        }
    }
}

/// Requests through one key: every event but trades and decrements, in
/// stream order.
fn key_requests(run: &Run, key: KeyId) -> Vec<(Nanos, surveil_sim::Access)> {
    run.events
        .iter()
        .filter(|e| !matches!(e.body, EventBody::Trade(_) | EventBody::Decremented(_)))
        .filter(|e| e.body.access().channel == Channel::Api(key))
        .map(|e| (e.time, *e.body.access()))
        .collect()
}

/// Whether two consecutive uses of the key are farther apart than 805 km/h
/// allows.
fn impossible_travel(requests: &[(Nanos, surveil_sim::Access)]) -> bool {
    requests.windows(2).any(|w| {
        let ((t1, a1), (t2, a2)) = (w[0], w[1]);
        let km = a1.region.distance_km(a2.region);
        let hours = t2.saturating_sub(t1).as_secs_f64() / 3600.0;
        km > 100.0 && km > 805.0 * hours
    })
}

#[test]
fn a_leased_key_is_seen_where_its_owner_is_not() {
    let run = plain();
    for e in run.episodes(AbuseKind::KeySharing) {
        let ours: BTreeSet<OrderId> = e.orders.iter().copied().collect();
        for &key in &e.keys {
            let requests = key_requests(run, key);
            assert!(impossible_travel(&requests), "{} {key}: no impossible travel", e.variant);

            // The owner's own orders come from home, the operator's from
            // elsewhere.
            let home: BTreeSet<_> = run
                .orders
                .values()
                .filter(|(_, a)| a.access.channel == Channel::Api(key) && !ours.contains(&a.order))
                .map(|(_, a)| a.access.ip)
                .collect();
            assert!(home.iter().all(|ip| !e.ips.contains(ip)), "{}", e.variant);
        }
        let clients: BTreeSet<Client> =
            e.orders.iter().map(|&o| run.accepted(o).access.client).collect();
        if e.variant == "reseller" {
            assert!(e.keys.len() >= 2 && e.ips.len() == 1, "{e:?}");
            assert!(matches!(clients.iter().collect::<Vec<_>>()[..], [Client::Unknown(_)]));
        }
    }
}

#[test]
fn a_drifting_key_trades_unlike_its_owner() {
    for (name, run) in both() {
        for e in run.episodes_of(AbuseKind::KeySharing, "behaviour_drift") {
            let key = e.keys[0];
            let ours: BTreeSet<OrderId> = e.orders.iter().copied().collect();
            let (mut owner, mut operator) = (Vec::new(), Vec::new());
            for (_, a) in run.orders.values().filter(|(_, a)| a.access.channel == Channel::Api(key))
            {
                if ours.contains(&a.order) { operator.push(a) } else { owner.push(a) }
            }
            let instruments =
                |v: &[&Accepted]| v.iter().map(|a| a.instrument).collect::<BTreeSet<_>>();
            assert!(instruments(&owner).is_disjoint(&instruments(&operator)), "{name}");
            let mean = |v: &[&Accepted]| {
                v.iter()
                    .map(|a| a.qty.0 as f64 / run.typical[usize::from(a.instrument.0)] as f64)
                    .sum::<f64>()
                    / v.len().max(1) as f64
            };
            assert!(mean(&operator) > 3.0 * mean(&owner), "{name}: sizes");
            let market = operator.iter().filter(|a| a.order_type == OrderType::Market).count();
            assert!(
                market * 3 > operator.len(),
                "{name}: market orders {market} of {}",
                operator.len()
            );
            assert!(owner.iter().all(|a| a.order_type != OrderType::Market), "{name}");
        }
    }
}

#[test]
fn a_disguised_operator_uses_its_owners_region_and_client() {
    let run = disguised();
    for e in run.episodes(AbuseKind::KeySharing) {
        let ours: BTreeSet<OrderId> = e.orders.iter().copied().collect();
        for &key in &e.keys {
            let requests = key_requests(run, key);
            assert!(!impossible_travel(&requests), "{} {key}", e.variant);
            let owner: Vec<_> = run
                .orders
                .values()
                .filter(|(_, a)| a.access.channel == Channel::Api(key) && !ours.contains(&a.order))
                .map(|(_, a)| a.access)
                .collect();
            let Some(home) = owner.first() else { continue };
            for &o in &e.orders {
                let a = run.accepted(o).access;
                if a.channel == Channel::Api(key) {
                    assert_eq!(
                        (a.region, a.network, a.client),
                        (home.region, home.network, home.client)
                    );
                    // Concurrent use: the same key from a second address.
                    assert_ne!(a.ip, home.ip);
                }
            }
        }
    }
}

/// A spoofing cycle seen in the stream: a large order of the episode
/// cancelled unfilled, and the time since the episode's last fill on the
/// other side.
fn spoof_cancels(run: &Run, e: &Episode) -> Vec<(f64, Nanos)> {
    let own: BTreeSet<OrderId> = e.orders.iter().copied().collect();
    let mut filled: BTreeMap<OrderId, i64> = BTreeMap::new();
    let mut last_fill: BTreeMap<Side, Nanos> = BTreeMap::new();
    let mut out = Vec::new();
    for ev in &run.events {
        match ev.body {
            EventBody::Trade(t) => {
                for (side, s) in [(Side::Buy, t.buyer()), (Side::Sell, t.seller())] {
                    if own.contains(&s.order) {
                        *filled.entry(s.order).or_default() += t.qty.0;
                        last_fill.insert(side, ev.time);
                    }
                }
            }
            EventBody::Cancelled(c)
                if own.contains(&c.order) && c.reason == CancelReason::Requested =>
            {
                let a = run.accepted(c.order);
                let size = a.qty.0 as f64 / run.typical[usize::from(a.instrument.0)] as f64;
                // A partial fill does not make the order genuine; under a
                // tenth filled is what the rules call unfilled.
                let part = filled.get(&c.order).copied().unwrap_or(0);
                if part * 10 < a.qty.0
                    && let Some(&t) = last_fill.get(&a.side.opposite())
                {
                    out.push((size, ev.time.saturating_sub(t)));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn a_spoof_is_cancelled_unfilled_just_after_the_owners_opposite_fill() {
    let run = plain();
    let mut paid = 0;
    for e in run.episodes(AbuseKind::Spoofing).filter(|e| e.payoff.is_some()) {
        paid += 1;
        let cancels = spoof_cancels(run, e);
        assert!(
            cancels.iter().any(|&(size, gap)| size >= 8.0 && gap <= Nanos::from_millis(300)),
            "{}: {cancels:?}",
            e.variant
        );
        if e.variant == "multi_account" {
            assert!(e.accounts.len() >= 2);
        }
    }
    assert!(paid >= 5, "only {paid} spoofing episodes reached a fill");

    // Disguised, the large orders are nearer normal depth and outlive the
    // fill by seconds.
    let run = disguised();
    for e in run.episodes(AbuseKind::Spoofing).filter(|e| e.payoff.is_some()) {
        let cancels = spoof_cancels(run, e);
        let small = cancels.iter().filter(|&&(size, _)| size < 8.0).count();
        assert!(small * 5 >= cancels.len() * 4, "{}: {cancels:?}", e.variant);
        assert!(cancels.iter().any(|&(_, gap)| gap >= Nanos::from_secs(2)), "{}", e.variant);
    }
}

/// Net position and gross volume per account over an episode's trades
/// among its own accounts.
fn ring_positions(run: &Run, e: &Episode) -> (BTreeMap<AccountId, i64>, i64, usize) {
    let members: BTreeSet<AccountId> = e.accounts.iter().copied().collect();
    let mut net = BTreeMap::new();
    let (mut gross, mut trades) = (0, 0);
    for (_, t) in run.trades(e) {
        let (b, s) = (t.buyer().access.account, t.seller().access.account);
        if members.contains(&b) && members.contains(&s) {
            *net.entry(b).or_insert(0) += t.qty.0;
            *net.entry(s).or_insert(0) -= t.qty.0;
            gross += t.qty.0;
            trades += 1;
        }
    }
    (net, gross, trades)
}

#[test]
fn a_wash_ring_trades_with_itself_and_ends_near_flat() {
    for (name, run) in both() {
        let mut rate = BTreeMap::<&str, Vec<f64>>::new();
        for e in run.episodes(AbuseKind::WashTrading) {
            let (net, gross, trades) = ring_positions(run, e);
            assert!(trades >= 3, "{name} {}: {trades} wash trades", e.variant);
            let worst = net.values().map(|v| v.abs()).max().unwrap_or(0);
            // A plain ring passes one size round, so no member is ever
            // more than one trade away from flat; jittered sizes drift a
            // little.
            if e.variant == "pump_cover" {
                // The cover of a pump, whose members are building a
                // position: not a flat ring.
                continue;
            }
            let bound = if name == "plain" { 0.34 } else { 0.5 };
            assert!(
                (worst as f64) <= bound * gross as f64,
                "{name} {}: net {net:?} of {gross}",
                e.variant
            );
            if e.variant == "self_trade" {
                assert_eq!(e.accounts.len(), 1);
            }
            let _ = trades;
            let minutes = e.end.saturating_sub(e.first_evidence).as_secs_f64() / 60.0;
            rate.entry(e.variant.as_str()).or_default().push(gross as f64 / minutes.max(1.0));
        }
        // Volume inflation trades faster and larger than a plain ring.
        let mean = |v: &str| rate[v].iter().sum::<f64>() / rate[v].len() as f64;
        assert!(mean("volume_inflation") > 1.5 * mean("ring"), "{name}: {rate:?}");
    }
}

#[test]
fn a_plain_wash_trade_fills_both_orders_exactly_and_a_disguised_one_never_does() {
    for (name, run) in both() {
        for e in run.episodes(AbuseKind::WashTrading).filter(|e| e.variant != "pump_cover") {
            let members: BTreeSet<AccountId> = e.accounts.iter().copied().collect();
            for (_, t) in run.trades(e) {
                if !(members.contains(&t.buyer().access.account)
                    && members.contains(&t.seller().access.account))
                {
                    continue;
                }
                let exact = t.maker.remaining.0 == 0 && t.taker.remaining.0 == 0;
                assert_eq!(exact, name == "plain", "{name} {}", e.variant);
            }
        }
    }
}

/// The most messages (orders and requested cancels) one key sent within
/// one second, and the share of its orders at the minimum size.
fn burst_profile(run: &Run, e: &Episode) -> BTreeMap<KeyId, (usize, f64)> {
    let own: BTreeSet<OrderId> = e.orders.iter().copied().collect();
    let mut times: BTreeMap<KeyId, Vec<Nanos>> = BTreeMap::new();
    let mut sizes: BTreeMap<KeyId, (usize, usize)> = BTreeMap::new();
    for ev in &run.events {
        let (order, access) = match ev.body {
            EventBody::Accepted(a) => (a.order, a.access),
            EventBody::Cancelled(c) if c.reason == CancelReason::Requested => (c.order, c.access),
            _ => continue,
        };
        if !own.contains(&order) {
            continue;
        }
        let Some(key) = access.channel.key() else { continue };
        times.entry(key).or_default().push(ev.time);
        if let EventBody::Accepted(a) = ev.body {
            let s = sizes.entry(key).or_default();
            s.0 += 1;
            s.1 += usize::from(a.qty.0 == 1);
        }
    }
    times
        .into_iter()
        .map(|(key, t)| {
            let mut most = 0;
            let mut lo = 0;
            for hi in 0..t.len() {
                while t[hi].saturating_sub(t[lo]) >= Nanos::from_secs(1) {
                    lo += 1;
                }
                most = most.max(hi - lo + 1);
            }
            let (orders, tiny) = sizes.get(&key).copied().unwrap_or((0, 0));
            (key, (most, tiny as f64 / orders.max(1) as f64))
        })
        .collect()
}

#[test]
fn a_burst_floods_the_book_with_tiny_orders_from_its_keys() {
    let run = plain();
    for e in run.episodes(AbuseKind::MicroBurst) {
        let profile = burst_profile(run, e);
        let peak = profile.values().map(|p| p.0).max().unwrap_or(0);
        let least = if e.variant == "quote_stuffing" { 300 } else { 60 };
        assert!(peak >= least, "{}: {profile:?}", e.variant);
        assert!(profile.values().all(|p| p.1 == 1.0), "{}", e.variant);
        assert_eq!(e.ips.len(), 1);
        if e.variant == "multi_key" {
            assert!(e.keys.len() >= 2 && e.accounts.len() == 1, "{e:?}");
        }
    }

    // Disguised: sizes above the minimum, and a multi-key operator keeps
    // every key below sixty messages a second.
    let run = disguised();
    for e in run.episodes(AbuseKind::MicroBurst) {
        let profile = burst_profile(run, e);
        assert!(profile.values().all(|p| p.1 == 0.0), "{}", e.variant);
        if e.variant == "multi_key" {
            assert!(profile.values().all(|p| p.0 < 60), "{profile:?}");
            let total: usize = profile.values().map(|p| p.0).sum();
            assert!(total >= 60, "{profile:?}");
        }
    }
}

#[test]
fn pumpers_buy_together_lift_the_price_then_sell_to_the_buyers_the_move_attracts() {
    for (name, run) in both() {
        for e in run.episodes(AbuseKind::Pump) {
            let members: BTreeSet<AccountId> = e.accounts.iter().copied().collect();
            assert!(members.len() >= 2, "{name}: {e:?}");
            let (mut buys, mut sold, mut cost, mut proceeds) = (Vec::new(), 0i64, 0i64, 0i64);
            let mut outsiders = BTreeSet::new();
            let mut last_buy = Nanos(0);
            let mut first_sell = Nanos(u64::MAX);
            for (time, t) in run.trades(e) {
                let (b, s) = (t.buyer().access.account, t.seller().access.account);
                if members.contains(&b) && members.contains(&s) {
                    continue;
                }
                if members.contains(&b) {
                    let taker = t.taker_side == Side::Buy;
                    buys.push((t.qty.0, t.price.0, taker));
                    cost += t.qty.0 * t.price.0;
                    last_buy = last_buy.max(time);
                } else {
                    sold += t.qty.0;
                    proceeds += t.qty.0 * t.price.0;
                    first_sell = first_sell.min(time);
                    outsiders.insert(b);
                }
            }
            let bought: i64 = buys.iter().map(|b| b.0).sum();
            assert!(bought > 0 && sold > 0, "{name} {}", e.variant);

            // Buying comes first: the group's buys end about when its
            // selling starts, and it sells to many outside buyers.
            assert!(last_buy <= first_sell + Nanos::from_secs(60), "{name} {}", e.variant);
            assert!(outsiders.len() >= 3, "{name}: sold to {outsiders:?}");

            // Quiet bids first, then the push: the later half of the
            // buying is mostly aggressive, the earlier half mostly not.
            let half = buys.len() / 2;
            let taking = |b: &[(i64, i64, bool)]| {
                b.iter().filter(|x| x.2).map(|x| x.0).sum::<i64>() as f64
                    / b.iter().map(|x| x.0).sum::<i64>().max(1) as f64
            };
            let (quiet, push) = (taking(&buys[..half]), taking(&buys[half..]));
            assert!(
                push > quiet && push >= 0.5,
                "{name} {}: taken {quiet:.2} then {push:.2}",
                e.variant
            );

            // A pump that sold above its average buying price over the
            // whole pump passed that point on the way: its payoff.
            let paid = proceeds as f64 / sold as f64 > cost as f64 / bought as f64;
            if paid {
                assert!(e.payoff.is_some(), "{name} {}", e.variant);
            }
        }
        // Four pumps in a quarter of an hour crowd one another out of
        // buyers, so few pay here; the next test counts the suite's.
    }
}

/// The group's average buying and selling prices over a whole pump, in
/// trades with accounts outside the group.
fn pump_prices(run: &Run, e: &Episode) -> (f64, f64) {
    let members: BTreeSet<AccountId> = e.accounts.iter().copied().collect();
    let (mut bought, mut cost, mut sold, mut proceeds) = (0i64, 0i64, 0i64, 0i64);
    for (_, t) in run.trades(e) {
        let (b, s) = (t.buyer().access.account, t.seller().access.account);
        if members.contains(&b) && members.contains(&s) {
            continue;
        }
        if members.contains(&b) {
            bought += t.qty.0;
            cost += t.qty.0 * t.price.0;
        } else {
            sold += t.qty.0;
            proceeds += t.qty.0 * t.price.0;
        }
    }
    (cost as f64 / bought.max(1) as f64, proceeds as f64 / sold.max(1) as f64)
}

#[test]
fn most_pumps_of_the_suite_sell_higher_than_they_bought() {
    for name in ["pump-easy", "pump-hard"] {
        let run = Run::of(&surveil_scenarios::load(name).expect("a built-in"));
        let pumps: Vec<&Episode> = run.episodes(AbuseKind::Pump).collect();
        let paid: Vec<bool> = pumps
            .iter()
            .map(|e| {
                let (buy, sell) = pump_prices(&run, e);
                sell > buy
            })
            .collect();
        for (e, &p) in pumps.iter().zip(&paid) {
            if p {
                assert!(e.payoff.is_some(), "{name} {}", e.variant);
            }
        }
        let count = paid.iter().filter(|&&p| p).count();
        assert!(count * 2 > pumps.len(), "{name}: {count} of {} pumps paid", pumps.len());
    }
}

/// Every order in an episode was placed by its accounts (through its keys
/// and from its addresses), and every order its accounts placed between
/// its start and its end is in it. For key sharing the owners keep trading
/// from home during the episode, so only the orders through the leased
/// keys from the operator's addresses are the episode's; a wash-trading
/// episode that covers a pump shares its accounts with the pump, whose
/// episode holds the rest of their orders.
#[test]
fn the_ground_truth_names_exactly_the_accounts_and_orders_involved() {
    for (name, run) in both() {
        for e in &run.truth.episodes {
            let accounts: BTreeSet<AccountId> = e.accounts.iter().copied().collect();
            let keys: BTreeSet<KeyId> = e.keys.iter().copied().collect();
            let ips: BTreeSet<_> = e.ips.iter().copied().collect();
            let listed: BTreeSet<OrderId> = e.orders.iter().copied().collect();
            assert_eq!(listed.len(), e.orders.len(), "{name}: an order listed twice");
            for &o in &e.orders {
                let a = run.accepted(o).access;
                assert!(accounts.contains(&a.account), "{name} {}: {o:?}", e.variant);
                assert!(a.channel.key().is_none_or(|k| keys.contains(&k)), "{name} {}", e.variant);
                assert!(ips.contains(&a.ip), "{name} {}", e.variant);
            }
            let used: BTreeSet<AccountId> =
                e.orders.iter().map(|&o| run.accepted(o).access.account).collect();
            assert_eq!(used, accounts, "{name} {}: an account without orders", e.variant);

            if e.variant == "pump_cover" {
                continue;
            }
            for (time, a) in run.orders.values() {
                let inside = (e.start..=e.end).contains(time);
                let theirs = if e.kind == AbuseKind::KeySharing {
                    a.access.channel.key().is_some_and(|k| keys.contains(&k))
                        && ips.contains(&a.access.ip)
                } else {
                    accounts.contains(&a.access.account)
                };
                if inside && theirs {
                    assert!(
                        listed.contains(&a.order),
                        "{name} {} {}: {:?} missing",
                        e.kind,
                        e.variant,
                        a.order
                    );
                }
            }
        }
    }
}

/// An artefact of an API account: from its id, its key's id, and the
/// stream position and order id of its first order.
type Artefact = fn(AccountId, KeyId, (u64, OrderId)) -> f64;

/// The area under the curve of a score that ranks abusive accounts above
/// honest ones: one half when the score says nothing.
fn auc(abusive: &[f64], honest: &[f64]) -> f64 {
    let mut wins = 0.0;
    for a in abusive {
        for h in honest {
            wins += if a > h {
                1.0
            } else if a == h {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (abusive.len() * honest.len()).max(1) as f64
}

#[test]
fn ids_and_stream_positions_do_not_reveal_who_is_abusive() {
    let run = plain();
    let truth = &run.truth;
    let abusive: BTreeSet<AccountId> =
        truth.episodes.iter().flat_map(|e| e.accounts.iter().copied()).collect();

    // Artefacts per API account: its id, its first key's id, and the
    // position in the stream, order id and time of its first order.
    let mut first: BTreeMap<AccountId, (u64, OrderId)> = BTreeMap::new();
    for ev in &run.events {
        if let EventBody::Accepted(a) = ev.body
            && a.access.channel.is_api()
        {
            first.entry(a.access.account).or_insert((ev.seq, a.order));
        }
    }
    let key_of: BTreeMap<AccountId, KeyId> =
        truth.keys.iter().rev().map(|&(k, a)| (a, k)).collect();
    let features: [(&str, Artefact); 4] = [
        ("account id", |a, _, _| f64::from(a.0)),
        ("key id", |_, k, _| f64::from(k.0)),
        ("first event position", |_, _, f| f.0 as f64),
        ("first order id", |_, _, f| f.1.0 as f64),
    ];
    for (what, feature) in features {
        let (mut bad, mut good) = (Vec::new(), Vec::new());
        for (&account, &f) in &first {
            let Some(&key) = key_of.get(&account) else { continue };
            let v = feature(account, key, f);
            if abusive.contains(&account) { bad.push(v) } else { good.push(v) }
        }
        let area = auc(&bad, &good);
        assert!(
            (0.35..=0.65).contains(&area),
            "{what}: AUC {area:.3} over {} abusive, {} honest",
            bad.len(),
            good.len()
        );
    }

    // A detector that flags the third of API accounts lowest by an
    // artefact, at their first order, does no better than chance.
    let rules = ScoringRules { grace: Nanos::from_secs(60) };
    let kinds = [
        AbuseKind::KeySharing,
        AbuseKind::Spoofing,
        AbuseKind::WashTrading,
        AbuseKind::MicroBurst,
        AbuseKind::Pump,
    ];
    let api: Vec<AccountId> = first.keys().copied().collect();
    let base = api.iter().filter(|a| abusive.contains(a)).count() as f64 / api.len() as f64;
    for (what, feature) in features {
        let mut ranked: Vec<(f64, AccountId)> = api
            .iter()
            .filter_map(|a| key_of.get(a).map(|&k| (feature(*a, k, first[a]), *a)))
            .collect();
        ranked.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let flagged: Vec<AccountId> =
            ranked.iter().take(ranked.len() / 3).map(|&(_, a)| a).collect();
        let mut all_flagged = BTreeSet::new();
        for kind in kinds {
            let alerts: Vec<Alert> = flagged
                .iter()
                .map(|&a| Alert {
                    time: run.orders[&first[&a].1].0,
                    kind,
                    entity: Entity::Account(a),
                    score: 1.0,
                })
                .collect();
            let score = score_kind(truth, &alerts, kind, &rules);
            let recall = score.recall.unwrap_or(0.0);
            assert!(recall <= 0.5, "{what} {kind}: recall {recall:.3}");
            all_flagged.extend(flagged.iter().copied());
        }
        let hit = all_flagged.iter().filter(|a| abusive.contains(a)).count() as f64
            / all_flagged.len() as f64;
        assert!(
            hit <= base * 1.6 + 0.03,
            "{what}: {hit:.3} of flagged abusive against a base rate of {base:.3}"
        );
    }
}
