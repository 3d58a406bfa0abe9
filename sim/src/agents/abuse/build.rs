//! Builds the abusive participants of a run, and the trend chasers that
//! give pumps their buyers, from the scenario's configuration.

use rand::Rng;

use super::key_sharing::{self, Lease, Sessions};
use super::micro_burst;
use super::ordinary::Masked;
use super::pump::{self, Phases};
use super::spoofing::{self, SpoofStyle};
use super::wash_trading;
use super::{
    EpisodePlan, KeySharingOperator, MicroBurster, PumpGroup, Spoofer, WashRing, Window, plan,
};
use crate::access::{Access, Channel, Client, DOMESTIC_REGIONS, Network, RegionId};
use crate::agents::chasers::TrendChaser;
use crate::agents::honest::{ApiTrader, OpenOrders};
use crate::agents::population::{
    Ids, IpPlan, SEOUL, domestic_region, foreign_region, in_house_tool, known_library, window,
};
use crate::agents::{Agent, pick_instrument};
use crate::config::Config;
use crate::rng::{self, Stream};
use crate::types::{InstrumentId, Nanos, Qty};

/// The instrument with the least activity: the illiquid token that wash
/// rings inflate and pumps move.
pub(crate) fn thin_instrument(config: &Config) -> InstrumentId {
    config
        .instruments
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.activity_weight.total_cmp(&b.1.activity_weight))
        .map_or(InstrumentId(0), |(i, _)| InstrumentId(i as u16))
}

/// The domestic region farthest from `home`.
fn farthest_domestic(home: RegionId) -> RegionId {
    (0..DOMESTIC_REGIONS)
        .map(RegionId)
        .max_by(|a, b| home.distance_km(*a).total_cmp(&home.distance_km(*b)))
        .unwrap_or(home)
}

/// Adds an abusive agent that first wakes at `start`, with the ordinary
/// trading of `accounts` around its episode (see [`Masked`]).
fn add_masked(
    config: &Config,
    s: &mut Stream,
    accounts: &[Access],
    agent: Box<dyn Agent>,
    start: Nanos,
    add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos),
) {
    let ordinary = accounts
        .iter()
        .map(|&access| ApiTrader {
            cfg: config.api_traders.clone(),
            access,
            instrument: pick_instrument(s, &config.instruments),
            open: OpenOrders::default(),
            next_action: Nanos::from_secs_f64(s.random_range(0.0..30.0)),
        })
        .collect();
    let masked = Masked::new(agent, start, ordinary);
    let first = masked.first_wake();
    let stream = s.clone();
    add(Box::new(masked), stream, first);
}

/// Builds every abusive participant, and the trend chasers. `owners` are
/// the small API traders, whose keys operators lease, with the instrument
/// each trades.
pub(crate) fn build(
    config: &Config,
    ids: &mut Ids,
    owners: &[(Access, InstrumentId)],
    add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos),
) {
    key_sharing_operators(config, owners, add);
    spoofers(config, ids, add);
    wash_rings(config, ids, add);
    micro_bursters(config, ids, add);
    pumps(config, ids, add);
    chasers(config, ids, add);
}

fn key_sharing_operators(
    config: &Config,
    owners: &[(Access, InstrumentId)],
    add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos),
) {
    let seed = config.seed;
    let ks = &config.abuse.key_sharing;
    let plans = plan(seed, "key_sharing", ks.episodes, &ks.variant_weights, ks.stealth);
    let mut pick = rng::stream(seed, "key_sharing_plan", 0);
    let mut free: Vec<usize> = (0..owners.len()).collect();
    let size = config.api_traders.size_multiplier;
    for (e, &EpisodePlan { variant, disguised }) in plans.iter().enumerate() {
        let mut s = rng::stream(seed, "key_sharing", e as u64);
        let mut name = key_sharing::VARIANTS[variant];
        let drift = name == "behaviour_drift";
        let wanted = if name == "reseller" {
            s.random_range(2..=ks.max_keys_per_operator.max(2)) as usize
        } else {
            1
        };
        let region = foreign_region(&mut s);
        let ip = IpPlan.draw(&mut s, region, Network::Cloud);
        let client = in_house_tool(&mut s);

        // Leave at least one owner for each operator still to come.
        let later = plans.len() - e - 1;
        let available = free.len().saturating_sub(later).max(1).min(free.len());
        let mut leases = Vec::new();
        for _ in 0..wanted.min(available) {
            let (home, home_instrument) =
                owners[free.swap_remove(pick.random_range(0..free.len()))];
            let mut access = home;
            let mut lease = Lease { access, instrument: home_instrument, size_multiplier: size };
            if disguised {
                // Through the owner's own region and kind of network, with
                // the owner's client, instrument and sizes.
                access.ip = IpPlan.draw(&mut s, home.region, home.network);
            } else if drift {
                let far = farthest_domestic(home.region);
                access.region = far;
                access.network = Network::Cloud;
                access.ip = IpPlan.draw(&mut s, far, Network::Cloud);
                access.client = client;
            } else {
                access.ip = ip;
                access.region = region;
                access.network = Network::Cloud;
                access.client = client;
                lease.instrument = pick_instrument(&mut s, &config.instruments);
            }
            if drift {
                let n = config.instruments.len().max(1);
                lease.instrument = InstrumentId(((usize::from(home_instrument.0) + 1) % n) as u16);
                lease.size_multiplier = size * 5.0;
            }
            lease.access = access;
            leases.push(lease);
        }
        if leases.is_empty() {
            break;
        }
        if name == "reseller" && leases.len() < 2 {
            // Too few owners were left to lease several keys.
            name = "distant_region";
        }
        let window = window(&mut s, config.duration, ks.episode_length);
        let sessions = disguised
            .then_some(Sessions { length: Nanos::from_secs(90), pause: Nanos::from_secs(240) });
        let agent = KeySharingOperator {
            variant: name,
            leases,
            window,
            order_gap: ks.order_gap,
            taker_share: if drift { 0.8 } else { 0.5 },
            market_orders: drift,
            sessions,
            session_end: Nanos(0),
            episode: None,
            open: Vec::new(),
        };
        add(Box::new(agent), s, window.start);
    }
}

fn spoofers(config: &Config, ids: &mut Ids, add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos)) {
    let seed = config.seed;
    let sp = &config.abuse.spoofing;
    let plans = plan(seed, "spoofing", sp.episodes, &sp.variant_weights, sp.stealth);
    for (e, &EpisodePlan { variant, disguised }) in plans.iter().enumerate() {
        let mut s = rng::stream(seed, "spoofing", e as u64);
        let name = spoofing::VARIANTS[variant];
        let tool = known_library(&mut s);
        let first = ids.api_account(&mut s, SEOUL, tool);
        let mut accounts = vec![first];
        if name == "multi_account" {
            let n = s.random_range(2..=sp.max_accounts.max(2));
            for _ in 1..n {
                let mut other = ids.api_account(&mut s, SEOUL, tool);
                if !disguised {
                    other.ip = first.ip;
                }
                accounts.push(other);
            }
        }
        let window = window(&mut s, config.duration, sp.episode_length);
        let layers = match name {
            "layering" => s.random_range(2..=sp.max_layers.max(2)),
            "multi_account" if disguised => accounts.len() as u32 - 1,
            "multi_account" => accounts.len() as u32,
            _ => 1,
        };
        let instrument = pick_instrument(&mut s, &config.instruments);
        let style = if disguised {
            SpoofStyle {
                layers,
                size_multiplier: s.random_range(2.5..5.0),
                patience: sp.patience,
                pull_delay: Nanos::from_secs(6),
                genuine_account_spoofs: false,
                at_touch: true,
            }
        } else {
            SpoofStyle {
                layers,
                size_multiplier: sp.spoof_size_multiplier,
                patience: sp.patience,
                pull_delay: Nanos(0),
                genuine_account_spoofs: true,
                at_touch: false,
            }
        };
        let agent = Spoofer::new(name, accounts.clone(), instrument, window, style);
        add_masked(config, &mut s, &accounts, Box::new(agent), window.start, add);
    }
}

fn wash_rings(config: &Config, ids: &mut Ids, add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos)) {
    let seed = config.seed;
    let wt = &config.abuse.wash_trading;
    let thin = thin_instrument(config);
    let plans = plan(seed, "wash_trading", wt.episodes, &wt.variant_weights, wt.stealth);
    for (e, &EpisodePlan { variant, disguised }) in plans.iter().enumerate() {
        let mut s = rng::stream(seed, "wash_trading", e as u64);
        let name = wash_trading::VARIANTS[variant];
        let most = wt.max_ring_size;
        let size = match name {
            "self_trade" => 1,
            "pair" => 2,
            "ring" => s.random_range(3..=most.max(3)),
            _ => s.random_range(2..=most.max(2)),
        };
        let region = domestic_region(&mut s);
        let tool = known_library(&mut s);
        let members: Vec<Access> =
            (0..size).map(|_| ids.api_account(&mut s, region, tool)).collect();
        let window = window(&mut s, config.duration, wt.episode_length);
        let inflation = name == "volume_inflation";
        let agent = WashRing {
            variant: name,
            members: members.clone(),
            instrument: thin,
            window,
            trade_gap: if inflation {
                Nanos::from_secs_f64(wt.trade_gap.as_secs_f64() / wt.inflation_rate.max(1e-9))
            } else {
                wt.trade_gap
            },
            size_multiplier: if inflation { 3.0 } else { 2.0 },
            volume_target: wt.volume_target_trades,
            disguised,
            trades: 0,
            turn: 0,
            round_qty: Qty(1),
            episode: None,
        };
        add_masked(config, &mut s, &members, Box::new(agent), window.start, add);
    }
}

fn micro_bursters(
    config: &Config,
    ids: &mut Ids,
    add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos),
) {
    let seed = config.seed;
    let mb = &config.abuse.micro_burst;
    let plans = plan(seed, "micro_burst", mb.episodes, &mb.variant_weights, mb.stealth);
    for (e, &EpisodePlan { variant, disguised }) in plans.iter().enumerate() {
        let mut s = rng::stream(seed, "micro_burst", e as u64);
        let name = micro_burst::VARIANTS[variant];
        let tool = in_house_tool(&mut s);
        let first = ids.api_account(&mut s, SEOUL, tool);
        let mut keys = vec![first];
        if name == "multi_key" {
            // A few keys plainly; so many when disguised that no one key
            // sends many messages a second.
            let most = mb.max_keys.max(2);
            let n = if disguised {
                s.random_range(most.min(6)..=most)
            } else {
                s.random_range(2..=most.min(3))
            };
            for _ in 1..n {
                let key = ids.key(first.account);
                keys.push(Access { channel: Channel::Api(key), ..first });
            }
        }
        let stuffing = name == "quote_stuffing";
        let burst_length = if stuffing { Nanos(mb.burst_length.0 * 2) } else { mb.burst_length };
        let window = window(&mut s, config.duration, Nanos(burst_length.0 * 4));
        let instrument = pick_instrument(&mut s, &config.instruments);
        let order_gap = if stuffing {
            Nanos::from_secs_f64(mb.order_gap.as_secs_f64() / mb.stuffing_rate.max(1e-9))
        } else {
            mb.order_gap
        };
        let agent = MicroBurster {
            variant: name,
            keys,
            instrument,
            first_burst: window.start,
            bursts_left: mb.bursts_per_episode.max(1),
            burst_length,
            order_gap,
            behind: if stuffing { (0, 4) } else { (3, 12) },
            extra_lots: if disguised { (2, 5) } else { (0, 0) },
            burst_end: None,
            open: Default::default(),
            next_key: 0,
            next_order: Nanos(0),
            episode: None,
        };
        add_masked(config, &mut s, &[first], Box::new(agent), window.start, add);
    }
}

fn pumps(config: &Config, ids: &mut Ids, add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos)) {
    let seed = config.seed;
    let pc = &config.abuse.pump;
    let thin = thin_instrument(config);
    let typical = config.instruments.get(usize::from(thin.0)).map_or(Qty(1), |i| i.typical_qty);
    let plans = plan(seed, "pump", pc.episodes, &pc.variant_weights, pc.stealth);
    for (e, &EpisodePlan { variant, disguised }) in plans.iter().enumerate() {
        let mut s = rng::stream(seed, "pump", e as u64);
        let name = pump::VARIANTS[variant];
        let most = pc.max_accounts.max(2);
        let n = s.random_range(most.min(3)..=most);

        // Openly, one address and one tool; disguised, each account its
        // own place and client.
        let region = domestic_region(&mut s);
        let tool = in_house_tool(&mut s);
        let ip = IpPlan.draw(&mut s, region, Network::Cloud);
        let mut accounts = Vec::new();
        for _ in 0..n {
            let mut access = ids.api_account(&mut s, region, tool);
            if disguised {
                let own = domestic_region(&mut s);
                access.region = own;
                access.network = Network::Home;
                access.ip = IpPlan.draw(&mut s, own, Network::Home);
                access.client = known_library(&mut s);
            } else {
                access.ip = ip;
            }
            accounts.push(access);
        }

        let stretch = if disguised { 3.0 } else { 1.0 };
        let lengths = [
            pc.accumulation.as_secs_f64() * stretch,
            pc.push_window.as_secs_f64() * stretch,
            pc.hold.as_secs_f64(),
            pc.distribution.as_secs_f64(),
        ];
        let total: f64 = lengths.iter().sum();
        let span = window(&mut s, config.duration, Nanos::from_secs_f64(total));
        // A pump shortened to fit the session keeps its proportions.
        let scale =
            (span.end.0 - span.start.0) as f64 / Nanos::from_secs_f64(total).0.max(1) as f64;
        let mut at = span.start;
        let mut ends = [Nanos(0); 4];
        for (end, length) in ends.iter_mut().zip(lengths) {
            at += Nanos::from_secs_f64(length * scale);
            *end = at;
        }
        let phases = Phases {
            accumulation_end: ends[0],
            push_end: ends[1],
            hold_end: ends[2],
            distribution_end: ends[3],
        };
        let target = Qty((typical.0 as f64 * pc.position_multiplier).round() as i64);
        let clip = if disguised { 0.5 } else { 1.5 };
        let agent = PumpGroup::new(name, accounts.clone(), thin, phases, target, clip);
        let Window { start, .. } = phases.window(span.start);
        add_masked(config, &mut s, &accounts, Box::new(agent), start, add);
    }
}

fn chasers(config: &Config, ids: &mut Ids, add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos)) {
    let seed = config.seed;
    let thin = thin_instrument(config);
    for c in 0..config.abuse.pump.chasers {
        let mut s = rng::stream(seed, "trend_chaser", u64::from(c));
        let account = ids.account();
        let region = domestic_region(&mut s);
        let (channel, network, client) = if s.random_bool(0.6) {
            (Channel::Mobile, Network::Mobile, Client::OfficialApp)
        } else {
            (Channel::Web, Network::Home, Client::OfficialWeb)
        };
        let ip = IpPlan.draw(&mut s, region, network);
        let access = Access { account, channel, ip, region, network, client };
        let agent = TrendChaser {
            access,
            instrument: thin,
            check_gap: Nanos::from_secs(3),
            size_multiplier: config.retail.size_multiplier,
            eagerness: 0.7,
            mids: Default::default(),
            position: Qty::ZERO,
            exit_at: None,
        };
        let first = Nanos::from_secs_f64(s.random_range(0.0..5.0));
        add(Box::new(agent), s, first);
    }
}
