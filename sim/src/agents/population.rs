//! Builds the participants of a run from its configuration.
//!
//! Account and key ids are drawn at random from a wide range, so nothing
//! about an id (its size, its neighbours) tells which role it has; a
//! detector that keyed on ids would learn nothing. Each agent gets its own
//! random stream, named by role and index, so adding a participant leaves
//! every other participant's draws unchanged.
//!
//! Decoys are built last, so a scenario's decoys change neither the ids nor
//! the draws of anyone else, and each is labelled with its type as it is
//! built. Every instrument's own market makers are labelled as busy market
//! makers too.

use std::collections::{HashSet, VecDeque};

use rand::Rng;

use super::abuse::{self, Window};
use super::decoys::{
    BurstStyle, DeepBookMaker, JumpBurster, RoundLotQuoter, RoundLotTaker, Route, SessionTrader,
    first_vpn_hop, jump_threshold, round_lot,
};
use super::honest::{ApiTrader, Arbitrageur, Execution, MarketMaker, Momentum, OpenOrders, Retail};
use super::{Agent, pick_instrument};
use crate::access::{Access, Channel, Client, DOMESTIC_REGIONS, Ip, Network, REGIONS, RegionId};
use crate::config::Config;
use crate::rng::{self, Stream};
use crate::truth::{Decoy, DecoyKind};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, Qty, Side};
use crate::world::{INTRADAY_PEAK, intraday_profile};

/// Where addresses come from: each region and network kind has its own
/// block, as geolocation databases would show.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IpPlan;

impl IpPlan {
    /// Draws an address in the block of `region` and `network`.
    pub(crate) fn draw(self, rng: &mut Stream, region: RegionId, network: Network) -> Ip {
        let net = match network {
            Network::Home => 0,
            Network::Mobile => 1,
            Network::Cloud => 2,
            Network::Vpn => 3,
        };
        let block = 11 + u32::from(region.0) * 4 + net;
        Ip(block << 24 | (rng.random::<u32>() & 0x00FF_FFFF))
    }
}

/// One participant, ready to be scheduled.
pub(crate) struct Participant {
    pub(crate) agent: Box<dyn Agent>,
    pub(crate) stream: Stream,
    pub(crate) first_wake: Nanos,
}

/// Everyone in the market, the public roster of accounts and keys, and the
/// decoys' labels for the ground truth.
pub(crate) struct Population {
    pub(crate) participants: Vec<Participant>,
    pub(crate) accounts: Vec<AccountId>,
    pub(crate) keys: Vec<(KeyId, AccountId)>,
    pub(crate) decoys: Vec<Decoy>,
}

pub(crate) struct Ids {
    rng: Stream,
    accounts: HashSet<u32>,
    keys: HashSet<u32>,
    roster: Vec<AccountId>,
    key_owners: Vec<(KeyId, AccountId)>,
}

impl Ids {
    pub(crate) fn account(&mut self) -> AccountId {
        loop {
            let id = self.rng.random_range(100_000..100_000_000);
            if self.accounts.insert(id) {
                self.roster.push(AccountId(id));
                return AccountId(id);
            }
        }
    }

    pub(crate) fn key(&mut self, owner: AccountId) -> KeyId {
        loop {
            let id = self.rng.random_range(1_000_000..1_000_000_000);
            if self.keys.insert(id) {
                self.key_owners.push((KeyId(id), owner));
                return KeyId(id);
            }
        }
    }

    /// A new account with one API key, trading from a cloud server.
    pub(crate) fn api_account(
        &mut self,
        rng: &mut Stream,
        region: RegionId,
        client: Client,
    ) -> Access {
        let account = self.account();
        let key = self.key(account);
        Access {
            account,
            channel: Channel::Api(key),
            ip: IpPlan.draw(rng, region, Network::Cloud),
            region,
            network: Network::Cloud,
            client,
        }
    }
}

pub(crate) const SEOUL: RegionId = RegionId(0);

pub(crate) fn domestic_region(rng: &mut Stream) -> RegionId {
    // Most of the population lives in and around the capital.
    let x: f64 = rng.random();
    RegionId(match x {
        x if x < 0.55 => 0,
        x if x < 0.70 => 1,
        x if x < 0.85 => 2,
        _ => 3,
    })
}

pub(crate) fn foreign_region(rng: &mut Stream) -> RegionId {
    RegionId(rng.random_range(DOMESTIC_REGIONS..REGIONS.len() as u16))
}

pub(crate) fn in_house_tool(rng: &mut Stream) -> Client {
    Client::Unknown(rng.random())
}

pub(crate) fn known_library(rng: &mut Stream) -> Client {
    Client::KnownLibrary(rng.random_range(0..6))
}

/// Labels a decoy made of the accounts and keys of `accesses`.
fn label(kind: DecoyKind, variant: &str, accesses: &[Access]) -> Decoy {
    let mut accounts: Vec<AccountId> = accesses.iter().map(|a| a.account).collect();
    accounts.sort();
    accounts.dedup();
    let mut keys: Vec<KeyId> = accesses.iter().filter_map(|a| a.channel.key()).collect();
    keys.sort();
    keys.dedup();
    Decoy { kind, variant: variant.to_owned(), accounts, keys }
}

pub(crate) fn window(rng: &mut Stream, duration: Nanos, mean_length: Nanos) -> Window {
    let length = (mean_length.0 as f64 * rng.random_range(0.6..1.4)) as u64;
    let length = length.min(duration.0 / 2).max(1);
    let earliest = duration.0 / 50;
    let latest = duration.0.saturating_sub(length).max(earliest + 1);

    // Abuse hides where the market is busy: an episode's middle falls in
    // the session in proportion to the intraday profile every trader
    // follows (drawn by rejection, a bounded number of times).
    let mut start = rng.random_range(earliest..latest);
    for _ in 0..MAX_PLACEMENT_DRAWS {
        let middle = (start + length / 2) as f64 / duration.0.max(1) as f64;
        if rng.random_bool(intraday_profile(middle) / INTRADAY_PEAK) {
            break;
        }
        start = rng.random_range(earliest..latest);
    }
    Window { start: Nanos(start), end: Nanos(start + length) }
}

/// Draws of an episode's start before the last one is taken as it is.
const MAX_PLACEMENT_DRAWS: u32 = 32;

/// Builds every participant of the run.
pub(crate) fn build(config: &Config) -> Population {
    let seed = config.seed;
    let mut ids = Ids {
        rng: rng::stream(seed, "ids", 0),
        accounts: HashSet::new(),
        keys: HashSet::new(),
        roster: Vec::new(),
        key_owners: Vec::new(),
    };
    let mut out = Vec::new();
    let mut add = |agent: Box<dyn Agent>, stream: Stream, first_wake: Nanos| {
        out.push(Participant { agent, stream, first_wake });
    };
    let mut decoys = Vec::new();

    // Market makers go first so that the books fill before anyone trades.
    // They cancel most of what they place, so they are labelled decoys.
    for (i, inst) in config.instruments.iter().enumerate() {
        for m in 0..inst.market_makers {
            let mut s = rng::stream(seed, "market_maker", (i as u64) << 32 | u64::from(m));
            let tool = in_house_tool(&mut s);
            let access = ids.api_account(&mut s, SEOUL, tool);
            let first = Nanos::from_millis(s.random_range(0..50));
            let agent =
                MarketMaker::new(config.market_makers.clone(), access, InstrumentId(i as u16));
            add(Box::new(agent), s, first);
            decoys.push(label(DecoyKind::BusyMarketMaker, "quoting", &[access]));
        }
    }

    for r in 0..config.retail.accounts {
        let mut s = rng::stream(seed, "retail", u64::from(r));
        let account = ids.account();
        let region = domestic_region(&mut s);
        let mobile = s.random_bool(config.retail.mobile_share.clamp(0.0, 1.0));
        let (channel, network, client) = if mobile {
            (Channel::Mobile, Network::Mobile, Client::OfficialApp)
        } else {
            (Channel::Web, Network::Home, Client::OfficialWeb)
        };
        let home = Access {
            account,
            channel,
            ip: IpPlan.draw(&mut s, region, network),
            region,
            network,
            client,
        };
        let uses_vpn = s.random_bool(config.retail.vpn_share.clamp(0.0, 1.0));
        let mean = Nanos::from_secs_f64(3600.0 / config.retail.sessions_per_hour.max(1e-9));
        let first = Nanos((mean.0 as f64 * s.random::<f64>()) as u64) + Nanos(1);
        let agent = Retail {
            cfg: config.retail.clone(),
            home,
            current: home,
            uses_vpn,
            ips: IpPlan,
            open: OpenOrders::default(),
            session_left: 0,
            next_action: first,
        };
        add(Box::new(agent), s, first);
    }

    let mut api_traders = Vec::new();
    for a in 0..config.api_traders.accounts {
        let mut s = rng::stream(seed, "api_trader", u64::from(a));
        let region = domestic_region(&mut s);
        let client = if s.random_bool(0.7) { known_library(&mut s) } else { in_house_tool(&mut s) };
        let mut access = ids.api_account(&mut s, region, client);
        if s.random_bool(0.7) {
            access.network = Network::Home;
            access.ip = IpPlan.draw(&mut s, region, Network::Home);
        }
        let instrument = pick_instrument(&mut s, &config.instruments);
        api_traders.push((access, instrument));
        let first = Nanos::from_secs_f64(s.random_range(0.0..30.0));
        let agent = ApiTrader {
            cfg: config.api_traders.clone(),
            access,
            instrument,
            open: OpenOrders::default(),
            next_action: first,
        };
        add(Box::new(agent), s, first);
    }

    for a in 0..config.momentum.accounts {
        let mut s = rng::stream(seed, "momentum", u64::from(a));
        let tool = in_house_tool(&mut s);
        let access = ids.api_account(&mut s, SEOUL, tool);
        let instrument = pick_instrument(&mut s, &config.instruments);
        let first = Nanos::from_secs_f64(s.random_range(1.0..10.0));
        let agent =
            Momentum { cfg: config.momentum.clone(), access, instrument, mids: VecDeque::new() };
        add(Box::new(agent), s, first);
    }

    for a in 0..config.execution.accounts {
        let mut s = rng::stream(seed, "execution", u64::from(a));
        let tool = known_library(&mut s);
        let access = ids.api_account(&mut s, SEOUL, tool);
        let instrument = pick_instrument(&mut s, &config.instruments);
        let first = Nanos::from_secs_f64(s.random_range(1.0..120.0));
        let agent = Execution { cfg: config.execution.clone(), access, instrument, parent: None };
        add(Box::new(agent), s, first);
    }

    for a in 0..config.arbitrage.accounts {
        let mut s = rng::stream(seed, "arbitrage", u64::from(a));
        let tool = in_house_tool(&mut s);
        let access = ids.api_account(&mut s, SEOUL, tool);
        let instrument = InstrumentId((a as usize % config.instruments.len()) as u16);
        let first = Nanos::from_secs_f64(s.random_range(1.0..5.0));
        let agent = Arbitrageur { cfg: config.arbitrage.clone(), access, instrument, posted: None };
        add(Box::new(agent), s, first);
    }

    // The abusers come after the honest participants and before the
    // decoys; operators lease keys from distinct small API traders.
    abuse::build(config, &mut ids, &api_traders, &mut add);

    build_decoys(config, &mut ids, &mut add, &mut decoys);

    let mut accounts = ids.roster;
    accounts.sort();
    let mut keys = ids.key_owners;
    keys.sort();
    Population { participants: out, accounts, keys, decoys }
}

/// Builds the decoys a scenario asks for beyond the instruments' own market
/// makers, and labels each.
fn build_decoys(
    config: &Config,
    ids: &mut Ids,
    add: &mut impl FnMut(Box<dyn Agent>, Stream, Nanos),
    decoys: &mut Vec<Decoy>,
) {
    let seed = config.seed;
    let counts = &config.decoys;
    let instruments = config.instruments.len().max(1);
    let session_mean = Nanos::from_secs_f64(3600.0 / config.retail.sessions_per_hour.max(1e-9));

    // Extra market makers take the instruments in turn, most liquid first.
    for m in 0..counts.busy_market_makers {
        let mut s = rng::stream(seed, "busy_market_maker", u64::from(m));
        let instrument = InstrumentId((m as usize % instruments) as u16);
        let tool = in_house_tool(&mut s);
        let access = ids.api_account(&mut s, SEOUL, tool);
        let first = Nanos::from_millis(s.random_range(0..50));
        let agent = DeepBookMaker::new(config.market_makers.clone(), access, instrument);
        add(Box::new(agent), s, first);
        decoys.push(label(DecoyKind::BusyMarketMaker, "deep_book", &[access]));
    }

    // One traveller in three trades from a third-party phone app through
    // an API key; the rest use the exchange's own app. One in five is
    // abroad when the session opens.
    for t in 0..counts.travelling_mobile {
        let mut s = rng::stream(seed, "travelling_mobile", u64::from(t));
        let account = ids.account();
        let region =
            if s.random_bool(0.2) { foreign_region(&mut s) } else { domestic_region(&mut s) };
        let (channel, client, variant) = if t % 3 == 2 {
            (Channel::Api(ids.key(account)), known_library(&mut s), "api_app")
        } else {
            (Channel::Mobile, Client::OfficialApp, "mobile_app")
        };
        let ip = IpPlan.draw(&mut s, region, Network::Mobile);
        let access = Access { account, channel, ip, region, network: Network::Mobile, client };
        let first = Nanos((session_mean.0 as f64 * s.random::<f64>()) as u64) + Nanos(1);
        let agent = SessionTrader {
            cfg: config.retail.clone(),
            access,
            route: Route::Travel { trip: None },
            open: OpenOrders::default(),
            session_left: 0,
            next_action: first,
        };
        add(Box::new(agent), s, first);
        decoys.push(label(DecoyKind::TravellingMobile, variant, &[access]));
    }

    // Offices and VPN exits alternate. Colleagues trade from the office
    // through the web front end; on a VPN exit, one user in three runs a
    // bot through an API key.
    for g in 0..counts.shared_ips {
        let mut s = rng::stream(seed, "shared_ip", u64::from(g));
        let office = g % 2 == 0;
        let (region, network) = if office {
            (domestic_region(&mut s), Network::Home)
        } else {
            (foreign_region(&mut s), Network::Vpn)
        };
        let ip = IpPlan.draw(&mut s, region, network);
        let mut members = Vec::new();
        for m in 0..counts.accounts_per_shared_ip {
            let mut ms = rng::stream(seed, "shared_ip_member", u64::from(g) << 32 | u64::from(m));
            let account = ids.account();
            let (channel, client) = if !office && m % 3 == 1 {
                (Channel::Api(ids.key(account)), known_library(&mut ms))
            } else {
                (Channel::Web, Client::OfficialWeb)
            };
            let access = Access { account, channel, ip, region, network, client };
            let route = if office {
                Route::Fixed
            } else {
                let next_hop = first_vpn_hop(&mut ms);
                Route::Vpn { preferred: (ip, region), away: false, next_hop }
            };
            let first = Nanos((session_mean.0 as f64 * ms.random::<f64>()) as u64) + Nanos(1);
            let agent = SessionTrader {
                cfg: config.retail.clone(),
                access,
                route,
                open: OpenOrders::default(),
                session_left: 0,
                next_action: first,
            };
            add(Box::new(agent), ms, first);
            members.push(access);
        }
        let variant = if office { "office" } else { "vpn_exit" };
        decoys.push(label(DecoyKind::SharedIp, variant, &members));
    }

    // A firm's accounts share one cloud address, region and in-house tool,
    // each running its own execution algorithm.
    for f in 0..counts.institutions {
        let mut s = rng::stream(seed, "institution", u64::from(f));
        let region = if s.random_bool(0.5) { foreign_region(&mut s) } else { SEOUL };
        let ip = IpPlan.draw(&mut s, region, Network::Cloud);
        let client = in_house_tool(&mut s);
        let mut members = Vec::new();
        for m in 0..counts.accounts_per_institution {
            let mut ms =
                rng::stream(seed, "institution_account", u64::from(f) << 32 | u64::from(m));
            let account = ids.account();
            let channel = Channel::Api(ids.key(account));
            let access = Access { account, channel, ip, region, network: Network::Cloud, client };
            let instrument = pick_instrument(&mut ms, &config.instruments);
            let first = Nanos::from_secs_f64(ms.random_range(1.0..120.0));
            let agent =
                Execution { cfg: config.execution.clone(), access, instrument, parent: None };
            add(Box::new(agent), ms, first);
            members.push(access);
        }
        decoys.push(label(DecoyKind::Institution, "desk", &members));
    }

    // Jump bursters take the instruments in turn; arbitrage and execution
    // bots alternate.
    for j in 0..counts.jump_bursters {
        let mut s = rng::stream(seed, "jump_burst", u64::from(j));
        let instrument = InstrumentId((j as usize % instruments) as u16);
        let tool = in_house_tool(&mut s);
        let access = ids.api_account(&mut s, SEOUL, tool);
        let (style, variant) = if j % 2 == 0 {
            (BurstStyle::Arbitrage, "arbitrage")
        } else {
            let next_child = Nanos::from_secs_f64(s.random_range(1.0..30.0));
            (BurstStyle::Execution { side: Side::Buy, left: Qty::ZERO, next_child }, "execution")
        };
        let volatility =
            config.instruments.get(usize::from(instrument.0)).map_or(0.0, |i| i.volatility);
        let agent = JumpBurster::new(access, instrument, style, jump_threshold(volatility));
        let first = Nanos::from_millis(s.random_range(1..50));
        add(Box::new(agent), s, first);
        decoys.push(label(DecoyKind::JumpBurst, variant, &[access]));
    }

    // Each pair is a quoter on the web and a taker on the mobile app, in
    // regions of their own, who favour the same round size on the busiest
    // instrument. They meet when the spread opens, so they keep away from
    // the thin one, whose openings the wash rings need.
    let busiest = (0..config.instruments.len())
        .max_by(|&a, &b| {
            let weight = |i: usize| config.instruments[i].activity_weight;
            weight(a).total_cmp(&weight(b)).then(b.cmp(&a))
        })
        .unwrap_or(0);
    let pair_instrument = InstrumentId(busiest as u16);
    for p in 0..counts.coincidental_pairs {
        let lot = config
            .instruments
            .get(busiest)
            .map_or(Qty(10), |i| round_lot(p, i.typical_qty, i.spec.min_qty, i.spec.max_qty));
        let mut qs = rng::stream(seed, "coincidental_pair", u64::from(p) << 1);
        let region = domestic_region(&mut qs);
        let quoter = Access {
            account: ids.account(),
            channel: Channel::Web,
            ip: IpPlan.draw(&mut qs, region, Network::Home),
            region,
            network: Network::Home,
            client: Client::OfficialWeb,
        };
        let first = Nanos::from_secs_f64(qs.random_range(0.0..600.0));
        add(Box::new(RoundLotQuoter::new(quoter, pair_instrument, lot, first)), qs, first);

        let mut ts = rng::stream(seed, "coincidental_pair", u64::from(p) << 1 | 1);
        let region = domestic_region(&mut ts);
        let taker = Access {
            account: ids.account(),
            channel: Channel::Mobile,
            ip: IpPlan.draw(&mut ts, region, Network::Mobile),
            region,
            network: Network::Mobile,
            client: Client::OfficialApp,
        };
        let first = Nanos::from_secs_f64(ts.random_range(0.0..600.0));
        add(Box::new(RoundLotTaker::new(taker, pair_instrument, lot, first)), ts, first);
        decoys.push(label(DecoyKind::CoincidentalPair, "round_lot", &[quoter, taker]));
    }
}
