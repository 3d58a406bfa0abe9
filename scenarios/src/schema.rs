//! The scenario file format.
//!
//! A scenario is a TOML file. Times are written in seconds or milliseconds
//! (the field name says which), prices in ticks, sizes in lots or as
//! multiples of an instrument's typical order size. Every section is
//! optional: an omitted field takes the value of the built-in `default`
//! scenario, so a file need only say what it changes. Unknown fields are
//! refused, so a misspelt field is an error rather than silently ignored.

use serde::Deserialize;

use crate::values::{NonNegative, Positive, Share, Stealth};

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, shown in results.
    pub name: String,
    /// One or two sentences on what the scenario is for.
    #[serde(default)]
    pub description: String,
    /// The seed used when the command line gives none.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Length of the trading session in seconds.
    #[serde(default = "default_duration")]
    pub duration_s: Positive,
    /// The share of traded value API orders should make up, both sides of
    /// every trade counted; the harness scales retail order sizes to meet
    /// it.
    #[serde(default = "default_api_share")]
    pub api_share: Share,
    /// How alerts are matched to episodes.
    #[serde(default)]
    pub scoring: Scoring,
    /// Rules of the exchange.
    #[serde(default)]
    pub exchange: ExchangeRules,
    /// The instruments, most liquid first.
    #[serde(default = "default_instruments")]
    pub instrument: Vec<Instrument>,
    /// Retail traders on the web and mobile front ends.
    #[serde(default)]
    pub retail: Retail,
    /// Small honest API traders.
    #[serde(default)]
    pub api_traders: ApiTraders,
    /// Market makers.
    #[serde(default)]
    pub market_makers: MarketMakers,
    /// Momentum traders.
    #[serde(default)]
    pub momentum: Momentum,
    /// Execution algorithms.
    #[serde(default)]
    pub execution: Execution,
    /// Arbitrageurs against the external reference price.
    #[serde(default)]
    pub arbitrage: Arbitrage,
    /// How the reference prices move and how traders' attention clusters.
    #[serde(default)]
    pub world: World,
    /// Injected abuse.
    #[serde(default)]
    pub abuse: Abuse,
    /// Honest participants built to look like abusers.
    #[serde(default)]
    pub decoys: Decoys,
    /// The exchange's controls; none when left out.
    #[serde(default)]
    pub policy: crate::policy::Policy,
}

fn default_seed() -> u64 {
    1
}

fn default_duration() -> Positive {
    Positive(3600.0)
}

fn default_api_share() -> Share {
    Share(0.30)
}

/// Scoring parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scoring {
    /// Seconds after an episode's end during which an alert still counts.
    pub grace_s: NonNegative,
}

impl Default for Scoring {
    fn default() -> Scoring {
        Scoring { grace_s: NonNegative(60.0) }
    }
}

/// Rules of the exchange.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeRules {
    /// What happens when an account's order meets its own resting order,
    /// for every account.
    pub self_trade_prevention: StpMode,
}

/// Self-trade prevention, as written in a scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StpMode {
    /// The account trades with itself (what self-trading wash rings need).
    #[default]
    Off,
    /// The incoming order's remainder is cancelled.
    CancelIncoming,
    /// The resting order is cancelled.
    CancelResting,
    /// Both are cancelled.
    CancelBoth,
    /// Both are reduced without a trade.
    DecrementBoth,
}

impl From<StpMode> for surveil_sim::matching::SelfTradePrevention {
    fn from(mode: StpMode) -> Self {
        use surveil_sim::matching::SelfTradePrevention as S;
        match mode {
            StpMode::Off => S::Off,
            StpMode::CancelIncoming => S::CancelIncoming,
            StpMode::CancelResting => S::CancelResting,
            StpMode::CancelBoth => S::CancelBoth,
            StpMode::DecrementBoth => S::DecrementBoth,
        }
    }
}

/// One instrument.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// The ticker, such as `BTC-KRW`.
    pub symbol: String,
    /// The value of one tick in KRW.
    pub krw_per_tick: Positive,
    /// The number of tokens in one lot.
    pub tokens_per_lot: Positive,
    /// The reference price at the open, in ticks.
    pub initial_price: i64,
    /// The lowest price accepted, in ticks.
    #[serde(default = "one")]
    pub min_price: i64,
    /// The highest price accepted, in ticks.
    pub max_price: i64,
    /// The smallest order accepted, in lots.
    #[serde(default = "one")]
    pub min_qty: i64,
    /// The largest order accepted, in lots.
    pub max_qty: i64,
    /// Prices must be multiples of this many ticks.
    #[serde(default = "one")]
    pub tick_size: i64,
    /// Quantities must be multiples of this many lots.
    #[serde(default = "one")]
    pub lot_size: i64,
    /// The median retail order, in lots.
    pub typical_qty: i64,
    /// Standard deviation of the reference price over one second, in ticks.
    pub volatility_ticks: NonNegative,
    /// Expected jumps of the reference price per hour.
    #[serde(default)]
    pub jumps_per_hour: Option<NonNegative>,
    /// This instrument's share of retail and small API traders' orders,
    /// relative to the other instruments.
    pub activity_weight: NonNegative,
    /// The number of market makers quoting it.
    pub market_makers: u32,
    /// Distance of the market makers' best quotes from the fair price, in
    /// ticks.
    #[serde(default = "one")]
    pub quote_half_spread_ticks: i64,
}

fn one() -> i64 {
    1
}

fn default_instruments() -> Vec<Instrument> {
    vec![
        Instrument {
            symbol: "BTC-KRW".into(),
            krw_per_tick: Positive(1000.0),
            tokens_per_lot: Positive(0.0001),
            initial_price: 140_000,
            min_price: 1,
            max_price: 10_000_000,
            min_qty: 1,
            max_qty: 1_000_000,
            tick_size: 1,
            lot_size: 1,
            typical_qty: 20,
            volatility_ticks: NonNegative(6.0),
            jumps_per_hour: Some(NonNegative(3.0)),
            activity_weight: NonNegative(0.8),
            market_makers: 7,
            quote_half_spread_ticks: 2,
        },
        Instrument {
            symbol: "MOCA-KRW".into(),
            krw_per_tick: Positive(1.0),
            tokens_per_lot: Positive(10.0),
            initial_price: 850,
            min_price: 1,
            max_price: 100_000,
            min_qty: 1,
            max_qty: 1_000_000,
            tick_size: 1,
            lot_size: 1,
            typical_qty: 30,
            volatility_ticks: NonNegative(0.3),
            jumps_per_hour: Some(NonNegative(1.0)),
            activity_weight: NonNegative(0.2),
            market_makers: 2,
            quote_half_spread_ticks: 3,
        },
    ]
}

/// Retail traders.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retail {
    /// Number of accounts.
    pub accounts: u32,
    /// Share trading from the mobile app.
    pub mobile_share: Share,
    /// Trading sessions per account per hour.
    pub sessions_per_hour: NonNegative,
    /// Mean orders per session.
    pub orders_per_session: Positive,
    /// Mean gap between orders in a session, in seconds.
    pub order_gap_s: Positive,
    /// Share of orders sent as market orders.
    pub market_order_share: Share,
    /// Mean life of a resting order before its owner cancels it, in seconds.
    pub order_lifetime_s: Positive,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: Positive,
    /// Chance per session of trading from another domestic region.
    pub travel_share: Share,
    /// Share of accounts that sometimes connect through a foreign VPN.
    pub vpn_share: Share,
    /// Share of limit orders sent inside the spread when it is wider than a
    /// tick.
    pub inside_share: Share,
    /// Scale of the distance behind the best price of the other limit
    /// orders, in ticks.
    pub placement_scale_ticks: NonNegative,
    /// Tail exponent of that distance; smaller rests more orders far away.
    pub placement_tail: Positive,
    /// Share of orders whose size is rounded to a round number.
    pub round_size_share: Share,
}

impl Default for Retail {
    fn default() -> Retail {
        Retail {
            accounts: 2400,
            mobile_share: Share(0.6),
            sessions_per_hour: NonNegative(3.2),
            orders_per_session: Positive(5.0),
            order_gap_s: Positive(20.0),
            market_order_share: Share(0.35),
            order_lifetime_s: Positive(20.0),
            size_multiplier: Positive(8.0),
            travel_share: Share(0.05),
            vpn_share: Share(0.03),
            inside_share: Share(0.0),
            placement_scale_ticks: NonNegative(20.0),
            placement_tail: Positive(0.7),
            round_size_share: Share(0.85),
        }
    }
}

/// Small honest API traders.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiTraders {
    /// Number of accounts, each with one key.
    pub accounts: u32,
    /// Mean gap between orders, in seconds.
    pub order_gap_s: Positive,
    /// Mean life of a passive order, in seconds.
    pub order_lifetime_s: Positive,
    /// Share of orders that take liquidity.
    pub taker_share: Share,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: Positive,
}

impl Default for ApiTraders {
    fn default() -> ApiTraders {
        ApiTraders {
            accounts: 120,
            order_gap_s: Positive(30.0),
            order_lifetime_s: Positive(1.0),
            taker_share: Share(0.1),
            size_multiplier: Positive(0.5),
        }
    }
}

/// Market makers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketMakers {
    /// Mean time between requotes, in milliseconds.
    pub refresh_ms: Positive,
    /// Levels quoted per side.
    pub levels: u32,
    /// Distance between levels, in ticks.
    pub level_step_ticks: i64,
    /// Quote size relative to the instrument's typical size.
    pub size_multiplier: Positive,
    /// Ticks the fair price shifts per typical size of inventory, at the
    /// instrument's average volatility.
    pub inventory_skew_ticks: NonNegative,
    /// Ticks added to the half spread per tick of realised one-second
    /// volatility.
    pub volatility_half_spread: NonNegative,
    /// How far each maker's half spread strays from the common one, as a
    /// share of it.
    pub spread_dispersion: Share,
    /// Ticks a quote may stray from where the maker wants it before it is
    /// moved.
    pub requote_tolerance_ticks: i64,
    /// Ticks per second at most that the makers' fair price moves toward
    /// the reference.
    pub fair_speed_ticks_per_s: Positive,
}

impl Default for MarketMakers {
    fn default() -> MarketMakers {
        MarketMakers {
            refresh_ms: Positive(30.0),
            levels: 2,
            level_step_ticks: 5,
            size_multiplier: Positive(2.0),
            inventory_skew_ticks: NonNegative(0.3),
            volatility_half_spread: NonNegative(2.0),
            spread_dispersion: Share(0.4),
            requote_tolerance_ticks: 1,
            fair_speed_ticks_per_s: Positive(40.0),
        }
    }
}

/// Momentum traders.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Momentum {
    /// Number of accounts.
    pub accounts: u32,
    /// Mean time between looks at the market, in seconds.
    pub check_gap_s: Positive,
    /// Looks the trend is measured over.
    pub lookback: u32,
    /// Mid-price move over the lookback that triggers a trade, in ticks.
    pub threshold_ticks: i64,
    /// Share of touch depth on one side beyond which it trades with that
    /// side; 1 turns this off.
    pub imbalance_threshold: Share,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: Positive,
}

impl Default for Momentum {
    fn default() -> Momentum {
        Momentum {
            accounts: 8,
            check_gap_s: Positive(8.0),
            lookback: 6,
            threshold_ticks: 4,
            imbalance_threshold: Share(0.9),
            size_multiplier: Positive(0.5),
        }
    }
}

/// Execution algorithms.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Execution {
    /// Number of accounts.
    pub accounts: u32,
    /// Mean time a parent order is worked over, in seconds.
    pub parent_duration_s: Positive,
    /// Child orders per parent.
    pub children: u32,
    /// Parent size relative to the instrument's typical size.
    pub parent_size_multiplier: Positive,
    /// Mean pause between parents, in seconds.
    pub pause_s: Positive,
}

impl Default for Execution {
    fn default() -> Execution {
        Execution {
            accounts: 4,
            parent_duration_s: Positive(900.0),
            children: 30,
            parent_size_multiplier: Positive(10.0),
            pause_s: Positive(300.0),
        }
    }
}

/// Arbitrageurs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Arbitrage {
    /// Number of accounts.
    pub accounts: u32,
    /// Mean time between looks at the market, in seconds.
    pub check_gap_s: Positive,
    /// Distance between the touch and the reference price that makes a
    /// trade worth it, in ticks.
    pub threshold_ticks: i64,
    /// Order size relative to the instrument's typical size.
    pub size_multiplier: Positive,
    /// The most taken in one order, in multiples of the order size.
    pub max_clip: Positive,
    /// Whether a look that finds the book agreeing with the reference
    /// posts a passive limit order on the side the reference favours,
    /// cancelled at the next look, as a value trader of ABIDES does at
    /// every wake; off, a look that finds nothing to take sends nothing.
    pub post_when_fair: bool,
}

impl Default for Arbitrage {
    fn default() -> Arbitrage {
        Arbitrage {
            accounts: 4,
            check_gap_s: Positive(0.5),
            threshold_ticks: 4,
            size_multiplier: Positive(0.4),
            max_clip: Positive(2.0),
            post_when_fair: false,
        }
    }
}

/// The world outside the exchange: the reference prices' volatility and
/// the self-exciting attention that paces every trader.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct World {
    /// Standard deviation of a jump of a reference price, in one-second
    /// volatilities.
    pub jump_scale: NonNegative,
    /// Half-life of the volatility's deviations from its mean, in seconds.
    pub volatility_half_life_s: Positive,
    /// Standard deviation of the log of the variance.
    pub volatility_of_log_variance: NonNegative,
    /// Mean rate of attention events per second; 0 turns clustering off.
    pub attention_rate: NonNegative,
    /// Expected attention events each event triggers, below 0.95.
    pub attention_branching: Share,
    /// Half-life of one attention event's excitation, in seconds.
    pub attention_half_life_s: Positive,
    /// Share of the reference variance that runs on the attention clock.
    pub business_time: Share,
    /// Exponent of traders' response to realised over average volatility.
    pub volatility_response: NonNegative,
    /// Half-life of the realised volatility's moving average, in seconds.
    pub realised_volatility_half_life_s: Positive,
}

impl Default for World {
    fn default() -> World {
        World {
            jump_scale: NonNegative(14.0),
            volatility_half_life_s: Positive(300.0),
            volatility_of_log_variance: NonNegative(0.6),
            attention_rate: NonNegative(0.2),
            attention_branching: Share(0.8),
            attention_half_life_s: Positive(20.0),
            business_time: Share(0.6),
            volatility_response: NonNegative(1.0),
            realised_volatility_half_life_s: Positive(30.0),
        }
    }
}

/// All injected abuse.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Abuse {
    /// API keys used by outside operators.
    pub key_sharing: KeySharing,
    /// Spoofing and layering.
    pub spoofing: Spoofing,
    /// Wash-trading rings.
    pub wash_trading: WashTrading,
    /// Micro-order bursts.
    pub micro_burst: MicroBurst,
    /// Coordinated pumps of the illiquid token.
    pub pump: Pump,
}

/// Key sharing and account leasing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeySharing {
    /// Number of operators, one episode each.
    pub episodes: u32,
    /// Most keys one operator leases.
    pub max_keys_per_operator: u32,
    /// Mean episode length, in seconds.
    pub episode_length_s: Positive,
    /// Mean gap between the operator's orders, in seconds.
    pub order_gap_s: Positive,
    /// Relative weights of the variants.
    pub variants: KeySharingVariants,
    /// The share of episodes that use the kind's disguises.
    pub stealth: Stealth,
}

impl Default for KeySharing {
    fn default() -> KeySharing {
        KeySharing {
            episodes: 12,
            max_keys_per_operator: 3,
            episode_length_s: Positive(900.0),
            order_gap_s: Positive(6.0),
            variants: KeySharingVariants::default(),
            stealth: Stealth::MEDIUM,
        }
    }
}

/// Relative weights of the key-sharing variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeySharingVariants {
    /// One key used from a distant region while its owner trades at home.
    pub distant_region: NonNegative,
    /// Several leased keys run from one cloud address with one tool.
    pub reseller: NonNegative,
    /// One key whose trading departs from its owner's history.
    pub behaviour_drift: NonNegative,
}

impl Default for KeySharingVariants {
    fn default() -> KeySharingVariants {
        KeySharingVariants {
            distant_region: NonNegative(1.0),
            reseller: NonNegative(1.0),
            behaviour_drift: NonNegative(1.0),
        }
    }
}

/// Spoofing and layering.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spoofing {
    /// Number of episodes.
    pub episodes: u32,
    /// Mean episode length, in seconds.
    pub episode_length_s: Positive,
    /// Spoof order size relative to the instrument's typical size.
    pub spoof_size_multiplier: Positive,
    /// Most price levels a layering spoofer uses.
    pub max_layers: u32,
    /// How long the spoof waits for the genuine order to fill, in seconds.
    pub patience_s: Positive,
    /// Most accounts of one owner in a `multi_account` episode.
    pub max_accounts: u32,
    /// Relative weights of the variants.
    pub variants: SpoofingVariants,
    /// The share of episodes that use the kind's disguises.
    pub stealth: Stealth,
}

impl Default for Spoofing {
    fn default() -> Spoofing {
        Spoofing {
            episodes: 12,
            episode_length_s: Positive(600.0),
            spoof_size_multiplier: Positive(12.0),
            max_layers: 3,
            patience_s: Positive(15.0),
            max_accounts: 3,
            variants: SpoofingVariants::default(),
            stealth: Stealth::MEDIUM,
        }
    }
}

/// Relative weights of the spoofing variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpoofingVariants {
    /// One large order at the touch.
    pub single_order: NonNegative,
    /// Large orders over several levels.
    pub layering: NonNegative,
    /// Large orders spread over several accounts of one owner.
    pub multi_account: NonNegative,
}

impl Default for SpoofingVariants {
    fn default() -> SpoofingVariants {
        SpoofingVariants {
            single_order: NonNegative(1.0),
            layering: NonNegative(1.0),
            multi_account: NonNegative(1.0),
        }
    }
}

/// Wash-trading rings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WashTrading {
    /// Number of episodes.
    pub episodes: u32,
    /// Mean episode length, in seconds.
    pub episode_length_s: Positive,
    /// Mean gap between wash trades, in seconds.
    pub trade_gap_s: Positive,
    /// Most accounts in a ring; 1 means an account trading with itself.
    pub max_ring_size: u32,
    /// Wash trades after which the ring's volume target is met.
    pub volume_target_trades: u32,
    /// How many times faster a `volume_inflation` ring trades.
    pub inflation_rate: Positive,
    /// Relative weights of the variants.
    pub variants: WashTradingVariants,
    /// The share of episodes that use the kind's disguises.
    pub stealth: Stealth,
}

impl Default for WashTrading {
    fn default() -> WashTrading {
        WashTrading {
            episodes: 12,
            episode_length_s: Positive(600.0),
            trade_gap_s: Positive(15.0),
            max_ring_size: 3,
            volume_target_trades: 10,
            inflation_rate: Positive(4.0),
            variants: WashTradingVariants::default(),
            stealth: Stealth::MEDIUM,
        }
    }
}

/// Relative weights of the wash-trading variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WashTradingVariants {
    /// One account trading with itself.
    pub self_trade: NonNegative,
    /// Two accounts of one owner.
    pub pair: NonNegative,
    /// Three or more accounts passing volume round.
    pub ring: NonNegative,
    /// A ring inflating the illiquid token's volume.
    pub volume_inflation: NonNegative,
}

impl Default for WashTradingVariants {
    fn default() -> WashTradingVariants {
        WashTradingVariants {
            self_trade: NonNegative(1.0),
            pair: NonNegative(1.0),
            ring: NonNegative(1.0),
            volume_inflation: NonNegative(1.0),
        }
    }
}

/// Micro-order bursts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MicroBurst {
    /// Number of episodes.
    pub episodes: u32,
    /// Bursts per episode.
    pub bursts_per_episode: u32,
    /// Mean burst length, in seconds.
    pub burst_length_s: Positive,
    /// Mean gap between orders in a burst, in milliseconds.
    pub order_gap_ms: Positive,
    /// How many times faster a `quote_stuffing` burst sends.
    pub stuffing_rate: Positive,
    /// Most keys a `multi_key` operator spreads its bursts over.
    pub max_keys: u32,
    /// Relative weights of the variants.
    pub variants: MicroBurstVariants,
    /// The share of episodes that use the kind's disguises.
    pub stealth: Stealth,
}

impl Default for MicroBurst {
    fn default() -> MicroBurst {
        MicroBurst {
            episodes: 12,
            bursts_per_episode: 2,
            burst_length_s: Positive(4.0),
            order_gap_ms: Positive(10.0),
            stuffing_rate: Positive(5.0),
            max_keys: 8,
            variants: MicroBurstVariants::default(),
            stealth: Stealth::MEDIUM,
        }
    }
}

/// Relative weights of the micro-burst variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MicroBurstVariants {
    /// Bursts of minimum-size orders from one key.
    pub single_key: NonNegative,
    /// Faster, longer bursts at the touch that flood the book.
    pub quote_stuffing: NonNegative,
    /// Bursts spread over several keys of one operator.
    pub multi_key: NonNegative,
}

impl Default for MicroBurstVariants {
    fn default() -> MicroBurstVariants {
        MicroBurstVariants {
            single_key: NonNegative(1.0),
            quote_stuffing: NonNegative(1.0),
            multi_key: NonNegative(1.0),
        }
    }
}

/// Coordinated pumps of the illiquid token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pump {
    /// Number of episodes.
    pub episodes: u32,
    /// Most accounts in one pump group.
    pub max_accounts: u32,
    /// Position each pumper builds, relative to the typical size.
    pub position_multiplier: Positive,
    /// Seconds the group buys quietly at the bid before the push.
    pub accumulation_s: Positive,
    /// Seconds of the window in which the group buys together.
    pub push_window_s: Positive,
    /// Seconds the group holds after the push.
    pub hold_s: Positive,
    /// Seconds the group sells into the buyers the move attracts.
    pub distribution_s: Positive,
    /// Honest retail traders who chase sharp rises of the illiquid token.
    pub chasers: u32,
    /// Relative weights of the variants.
    pub variants: PumpVariants,
    /// The share of episodes that use the kind's disguises.
    pub stealth: Stealth,
}

impl Default for Pump {
    fn default() -> Pump {
        Pump {
            episodes: 4,
            max_accounts: 5,
            position_multiplier: Positive(12.0),
            accumulation_s: Positive(120.0),
            push_window_s: Positive(45.0),
            hold_s: Positive(1.0),
            distribution_s: Positive(240.0),
            chasers: 40,
            variants: PumpVariants::default(),
            stealth: Stealth::MEDIUM,
        }
    }
}

/// Relative weights of the pump variants.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PumpVariants {
    /// The group buys and sells openly.
    pub open: NonNegative,
    /// The group's buying hides among its own wash trades.
    pub wash_cover: NonNegative,
}

impl Default for PumpVariants {
    fn default() -> PumpVariants {
        PumpVariants { open: NonNegative(1.0), wash_cover: NonNegative(1.0) }
    }
}

/// Decoys: honest participants built to look like abusers, labelled in the
/// ground truth so that false flags can be traced to their cause. Every
/// instrument's own market makers are labelled busy market makers too;
/// these counts add participants on top of everyone above.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Decoys {
    /// Extra market makers that quote where the book trades and rest a large
    /// order beyond their ladder, given to the instruments in turn.
    pub busy_market_makers: u32,
    /// Traders on the move, whose address, region and network change often.
    pub travelling_mobile: u32,
    /// Addresses several accounts share: offices and VPN exits in turn.
    pub shared_ips: u32,
    /// Accounts behind each shared address.
    pub accounts_per_shared_ip: u32,
    /// Firms trading several accounts of their own from one place.
    pub institutions: u32,
    /// Accounts per firm.
    pub accounts_per_institution: u32,
    /// Bots that fire bursts of small orders when the reference price
    /// jumps, given to the instruments in turn.
    pub jump_bursters: u32,
    /// Pairs of unrelated retail traders who keep meeting at one round size.
    pub coincidental_pairs: u32,
}

impl Default for Decoys {
    fn default() -> Decoys {
        Decoys {
            busy_market_makers: 1,
            travelling_mobile: 30,
            shared_ips: 4,
            accounts_per_shared_ip: 6,
            institutions: 2,
            accounts_per_institution: 4,
            jump_bursters: 2,
            coincidental_pairs: 3,
        }
    }
}
