//! The complete, validated description of one simulation run.
//!
//! Everything here is in market units: times in nanoseconds, prices in
//! ticks, sizes as multiples of an instrument's typical order. The
//! `scenarios` crate builds a `Config` from a scenario file and checks it;
//! the simulator trusts it.

use crate::exchange::InstrumentSpec;
use crate::matching::SelfTradePrevention;
use crate::policy::PolicyConfig;
use crate::types::{Nanos, Price, Qty};

/// One simulation run.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The seed every random stream derives from.
    pub seed: u64,
    /// The length of the trading session.
    pub duration: Nanos,
    /// What happens when an account's order meets its own resting order.
    pub self_trade_prevention: SelfTradePrevention,
    /// The instruments, most liquid first.
    pub instruments: Vec<InstrumentConfig>,
    /// Retail traders on the web and mobile front ends.
    pub retail: RetailConfig,
    /// Small honest API traders: the owners whose keys may be leased.
    pub api_traders: ApiTraderConfig,
    /// Market makers quoting both sides through the API.
    pub market_makers: MarketMakerConfig,
    /// Momentum traders reacting to price moves and book imbalance.
    pub momentum: MomentumConfig,
    /// Execution algorithms slicing parent orders over time.
    pub execution: ExecutionConfig,
    /// Arbitrageurs trading the book toward an external reference price.
    pub arbitrage: ArbitrageConfig,
    /// The world outside the exchange: how the reference prices move and
    /// how traders' attention clusters.
    pub world: WorldConfig,
    /// The injected abuse.
    pub abuse: AbuseConfig,
    /// Honest participants built to look like abusers, labelled in the
    /// ground truth.
    pub decoys: DecoyConfig,
    /// The exchange's controls; all off by default.
    pub policy: PolicyConfig,
}

/// One instrument and the market around it.
#[derive(Clone, Debug, PartialEq)]
pub struct InstrumentConfig {
    /// Limits and display units.
    pub spec: InstrumentSpec,
    /// The reference price at the open.
    pub initial_price: Price,
    /// Standard deviation of the reference price's move over one second, in
    /// ticks.
    pub volatility: f64,
    /// Expected number of jumps of the reference price per hour.
    pub jumps_per_hour: f64,
    /// The median order size of a retail trader.
    pub typical_qty: Qty,
    /// This instrument's share of retail and small API traders' orders,
    /// relative to the other instruments' weights.
    pub activity_weight: f64,
    /// Number of market makers quoting it.
    pub market_makers: u32,
    /// Distance of the market makers' best quotes from the fair price, in
    /// ticks: wider on thin instruments.
    pub quote_half_spread: i64,
}

/// Retail traders.
#[derive(Clone, Debug, PartialEq)]
pub struct RetailConfig {
    /// Number of accounts.
    pub accounts: u32,
    /// Share of accounts that trade from the mobile app rather than the web.
    pub mobile_share: f64,
    /// Expected trading sessions per account per hour.
    pub sessions_per_hour: f64,
    /// Mean number of orders in a session.
    pub orders_per_session: f64,
    /// Mean gap between orders within a session.
    pub order_gap: Nanos,
    /// Share of orders sent as market orders.
    pub market_order_share: f64,
    /// Mean time a limit order rests before its owner cancels it.
    pub order_lifetime: Nanos,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: f64,
    /// Chance per session of trading from another domestic region.
    pub travel_share: f64,
    /// Share of accounts that sometimes connect through a foreign VPN.
    pub vpn_share: f64,
    /// Share of limit orders sent strictly inside the spread when it is
    /// wider than a tick.
    pub inside_share: f64,
    /// Scale of the distance behind the best price at which the other
    /// limit orders rest, in ticks.
    pub placement_scale: f64,
    /// Tail exponent of that distance: smaller puts more orders far from
    /// the touch.
    pub placement_tail: f64,
    /// Share of orders whose size is rounded to a round number.
    pub round_size_share: f64,
}

/// Small honest API traders.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiTraderConfig {
    /// Number of accounts, each with one key.
    pub accounts: u32,
    /// Mean gap between orders.
    pub order_gap: Nanos,
    /// Mean time a passive order rests before it is cancelled.
    pub order_lifetime: Nanos,
    /// Share of orders that take liquidity.
    pub taker_share: f64,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: f64,
}

/// Market makers.
#[derive(Clone, Debug, PartialEq)]
pub struct MarketMakerConfig {
    /// Mean time between requotes.
    pub refresh: Nanos,
    /// Price levels quoted on each side.
    pub levels: u32,
    /// Distance between quoted levels, in ticks.
    pub level_step: i64,
    /// Quote size relative to the instrument's typical size.
    pub size_multiplier: f64,
    /// Ticks the fair price is shifted per typical size of inventory, at
    /// the instrument's average volatility.
    pub inventory_skew: f64,
    /// Ticks added to the half spread per tick of realised volatility over
    /// one second.
    pub volatility_half_spread: f64,
    /// How far each maker's half spread strays from the common one: each
    /// draws its own factor between `1 - d` and `1 + d`.
    pub spread_dispersion: f64,
    /// A quote is moved only once it is this many ticks from where the
    /// maker wants it.
    pub requote_tolerance: i64,
    /// How fast the maker's fair price follows the reference, in ticks per
    /// second at most.
    pub fair_speed: f64,
}

/// Momentum traders.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumConfig {
    /// Number of accounts.
    pub accounts: u32,
    /// Mean time between looks at the market.
    pub check_gap: Nanos,
    /// Number of looks the trend is measured over.
    pub lookback: u32,
    /// Move of the mid price over the lookback, in ticks, that triggers a trade.
    pub threshold: i64,
    /// Book imbalance (bid depth share at the touch) beyond which it trades
    /// with the heavier side; 1.0 turns this off.
    pub imbalance_threshold: f64,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: f64,
}

/// Execution algorithms (time-weighted slicing).
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionConfig {
    /// Number of accounts.
    pub accounts: u32,
    /// Mean time over which a parent order is worked.
    pub parent_duration: Nanos,
    /// Number of child orders per parent.
    pub children: u32,
    /// Parent size relative to the instrument's typical size.
    pub parent_size_multiplier: f64,
    /// Mean pause between parents.
    pub pause: Nanos,
}

/// Arbitrageurs against the external reference price.
#[derive(Clone, Debug, PartialEq)]
pub struct ArbitrageConfig {
    /// Number of accounts.
    pub accounts: u32,
    /// Mean time between looks at the market.
    pub check_gap: Nanos,
    /// Distance between the touch and the reference price, in ticks, that
    /// makes a trade worth it.
    pub threshold: i64,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: f64,
    /// The most it takes in one order, in multiples of its order size.
    pub max_clip: f64,
    /// Whether a look that finds the book agreeing with the reference
    /// posts a passive limit order on the side the reference favours,
    /// left resting until the next look.
    pub post_when_fair: bool,
}

/// The world outside the exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldConfig {
    /// Standard deviation of a jump of a reference price, in one-second
    /// volatilities.
    pub jump_scale: f64,
    /// Half-life of the reference volatility's deviations from its mean.
    pub volatility_half_life: Nanos,
    /// Standard deviation of the log of the reference variance.
    pub volatility_of_log_variance: f64,
    /// Mean rate of the self-exciting attention events.
    pub attention_rate: f64,
    /// Branching ratio of the attention process: the expected number of
    /// events each event triggers, below one.
    pub attention_branching: f64,
    /// Half-life of one attention event's excitation.
    pub attention_half_life: Nanos,
    /// Share of the reference variance that runs on the attention clock
    /// (trading time) rather than the calendar.
    pub business_time: f64,
    /// Exponent of traders' response to realised volatility: activity
    /// scales with realised over average volatility to this power.
    pub volatility_response: f64,
    /// Half-life of the realised volatility's moving average.
    pub realised_volatility_half_life: Nanos,
}

/// All injected abuse.
#[derive(Clone, Debug, PartialEq)]
pub struct AbuseConfig {
    /// API keys used by outside operators.
    pub key_sharing: KeySharingConfig,
    /// Spoofing and layering.
    pub spoofing: SpoofingConfig,
    /// Wash-trading rings.
    pub wash_trading: WashTradingConfig,
    /// Micro-order bursts.
    pub micro_burst: MicroBurstConfig,
    /// Coordinated pumps of the illiquid token.
    pub pump: PumpConfig,
}

/// Key sharing and account leasing.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySharingConfig {
    /// Number of operators, one episode each.
    pub episodes: u32,
    /// Largest number of leased keys one operator runs.
    pub max_keys_per_operator: u32,
    /// Mean length of an episode.
    pub episode_length: Nanos,
    /// Mean gap between the operator's orders.
    pub order_gap: Nanos,
    /// Relative weights of `distant_region`, `reseller` and
    /// `behaviour_drift`, in that order.
    pub variant_weights: [f64; 3],
    /// The share of episodes, in `[0, 1]`, that use the kind's disguises.
    pub stealth: f64,
}

/// Spoofing and layering.
#[derive(Clone, Debug, PartialEq)]
pub struct SpoofingConfig {
    /// Number of episodes.
    pub episodes: u32,
    /// Mean length of an episode.
    pub episode_length: Nanos,
    /// Size of a spoof order relative to the instrument's typical size.
    pub spoof_size_multiplier: f64,
    /// Largest number of price levels a layering spoofer fills.
    pub max_layers: u32,
    /// How long a spoof order waits for the genuine order to fill before
    /// both are pulled.
    pub patience: Nanos,
    /// Most accounts one owner spreads a `multi_account` episode over.
    pub max_accounts: u32,
    /// Relative weights of `single_order`, `layering` and `multi_account`,
    /// in that order.
    pub variant_weights: [f64; 3],
    /// The share of episodes, in `[0, 1]`, that use the kind's disguises.
    pub stealth: f64,
}

/// Wash-trading rings.
#[derive(Clone, Debug, PartialEq)]
pub struct WashTradingConfig {
    /// Number of episodes.
    pub episodes: u32,
    /// Mean length of an episode.
    pub episode_length: Nanos,
    /// Mean gap between wash trades.
    pub trade_gap: Nanos,
    /// Largest number of accounts in a ring (1 means self-trading).
    pub max_ring_size: u32,
    /// Number of wash trades after which the ring's volume target is met.
    pub volume_target_trades: u32,
    /// How many times faster than `trade_gap` a `volume_inflation` ring
    /// trades.
    pub inflation_rate: f64,
    /// Relative weights of `self_trade`, `pair`, `ring` and
    /// `volume_inflation`, in that order.
    pub variant_weights: [f64; 4],
    /// The share of episodes, in `[0, 1]`, that use the kind's disguises.
    pub stealth: f64,
}

/// Micro-order bursts.
#[derive(Clone, Debug, PartialEq)]
pub struct MicroBurstConfig {
    /// Number of episodes.
    pub episodes: u32,
    /// Bursts per episode.
    pub bursts_per_episode: u32,
    /// Mean length of a burst.
    pub burst_length: Nanos,
    /// Mean gap between orders within a burst.
    pub order_gap: Nanos,
    /// How many times faster than `order_gap` a `quote_stuffing` burst
    /// sends.
    pub stuffing_rate: f64,
    /// Most keys a `multi_key` operator spreads its bursts over.
    pub max_keys: u32,
    /// Relative weights of `single_key`, `quote_stuffing` and `multi_key`,
    /// in that order.
    pub variant_weights: [f64; 3],
    /// The share of episodes, in `[0, 1]`, that use the kind's disguises.
    pub stealth: f64,
}

/// Coordinated pumps of the illiquid token.
#[derive(Clone, Debug, PartialEq)]
pub struct PumpConfig {
    /// Number of episodes.
    pub episodes: u32,
    /// Most accounts in one pump group (at least two).
    pub max_accounts: u32,
    /// Position each pumper builds, relative to the instrument's typical
    /// size.
    pub position_multiplier: f64,
    /// How long the group buys quietly at the bid before the push.
    pub accumulation: Nanos,
    /// The short window in which the group buys together.
    pub push_window: Nanos,
    /// How long the group holds after the push before selling.
    pub hold: Nanos,
    /// How long the group sells into the buyers the move attracts.
    pub distribution: Nanos,
    /// Honest retail traders who chase sharp moves of the illiquid token:
    /// the buyers a pump needs. They are honest in the ground truth and
    /// react to any move, not only to pumps.
    pub chasers: u32,
    /// Relative weights of `open` and `wash_cover`, in that order.
    pub variant_weights: [f64; 2],
    /// The share of episodes, in `[0, 1]`, that use the kind's disguises.
    pub stealth: f64,
}

/// Decoys: honest participants shaped like abuse. Every instrument's own
/// market makers are labelled as busy market makers as well; the counts
/// here add participants on top of the ones above.
#[derive(Clone, Debug, PartialEq)]
pub struct DecoyConfig {
    /// Extra market makers that quote where the book trades and rest a
    /// large order beyond their ladder, given to the instruments in turn,
    /// most liquid first.
    pub busy_market_makers: u32,
    /// Traders on the move, each with one account.
    pub travelling_mobile: u32,
    /// Addresses shared by several accounts: offices and VPN exits in turn.
    pub shared_ips: u32,
    /// Accounts behind each shared address.
    pub accounts_per_shared_ip: u32,
    /// Firms trading several accounts of their own.
    pub institutions: u32,
    /// Accounts per firm.
    pub accounts_per_institution: u32,
    /// Bots that fire bursts of small orders on jumps of the reference
    /// price, given to the instruments in turn.
    pub jump_bursters: u32,
    /// Pairs of retail traders on the busiest instrument who trade the same
    /// round size, one resting it and the other taking it.
    pub coincidental_pairs: u32,
}
