//! Scenarios: what market to simulate and what abuse to inject.
//!
//! A scenario is a TOML file (see [`schema`]) or the name of a built-in
//! one (see [`library`]). Loading one parses it, checks every value and the
//! relations between values, and converts it into the simulator's
//! [`surveil_sim::Config`]. A scenario that is refused is refused with a
//! [`ScenarioError`] naming the file, the line, the field and what was
//! expected; nothing is simulated from a scenario that failed a check.

pub mod library;
mod locate;
pub mod policy;
pub mod schema;
pub mod values;

use std::fmt;
use std::path::Path;

use surveil_sim::config::{
    AbuseConfig, ApiTraderConfig, ArbitrageConfig, Config, DecoyConfig, ExecutionConfig,
    InstrumentConfig, KeySharingConfig, MarketMakerConfig, MicroBurstConfig, MomentumConfig,
    PumpConfig, RetailConfig, SpoofingConfig, WashTradingConfig, WorldConfig,
};
use surveil_sim::{InstrumentSpec, Nanos, Price, Qty};

use crate::locate::{Locator, line_col};
pub use crate::schema::Scenario;
use crate::schema::StpMode;

/// A scenario that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read, or is not a file.
    #[error("{file}: cannot read the scenario: {message}")]
    Read {
        /// The path given.
        file: String,
        /// What the system said.
        message: String,
    },
    /// A policy file could not be read, or names no file and no preset.
    #[error("{file}: cannot read the policy: {message}")]
    PolicyRead {
        /// The path or name given.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A value is malformed, out of range, or inconsistent with another.
    #[error("{file}:{line}:{column}: {}{message}", field_label(.field))]
    Invalid {
        /// The file, or `<builtin NAME>` for a built-in scenario.
        file: String,
        /// 1-based line of the offending value (of the section when the
        /// value was left to its default).
        line: usize,
        /// 1-based column.
        column: usize,
        /// The dotted path of the field, such as `retail.mobile_share`; empty
        /// when the problem is not in one field (a syntax error, say).
        field: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// Neither a file nor a built-in scenario has this name.
    #[error(
        "no scenario file or built-in scenario named `{0}`; `surveil scenarios` lists the built-ins"
    )]
    NotFound(String),
}

/// A scenario that passed every check, with the configuration it builds.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario as written (with defaults filled in).
    pub scenario: Scenario,
    /// The source text, as given.
    pub source: String,
    /// The file, or `<builtin NAME>` for a built-in scenario, as errors
    /// name it.
    pub file: String,
    /// The simulator configuration, with the scenario's own seed.
    pub config: Config,
    /// Seconds after an episode's end during which an alert still counts.
    pub grace: Nanos,
    /// The share of traded value API orders should make up.
    pub api_share: f64,
}

impl Loaded {
    /// Returns the configuration with another seed.
    pub fn with_seed(&self, seed: u64) -> Config {
        Config { seed, ..self.config.clone() }
    }

    /// Builds the error for a check made outside this crate on a field of
    /// the scenario, such as `policy.interventions.detectors[1]`, naming
    /// the file, the line and the field as the crate's own checks do.
    pub fn invalid(&self, field: &str, message: String) -> ScenarioError {
        invalid(&self.source, &Locator::new(&self.source), &self.file, &[field.to_owned()], message)
    }
}

/// Loads a scenario by path or built-in name: an existing file wins, then
/// a built-in of that name.
///
/// # Errors
///
/// Returns [`ScenarioError`] when nothing has that name, the file cannot
/// be read, or the scenario is invalid.
pub fn load(name_or_path: &str) -> Result<Loaded, ScenarioError> {
    let path = Path::new(name_or_path);
    if path.is_dir() {
        return Err(ScenarioError::Read {
            file: name_or_path.to_owned(),
            message: "it is a directory; expected a TOML file".to_owned(),
        });
    }
    if path.is_file() {
        let source = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
            file: name_or_path.to_owned(),
            message: e.to_string(),
        })?;
        return parse(&source, name_or_path);
    }
    match library::find(name_or_path) {
        Some(builtin) => parse(builtin.source, &format!("<builtin {}>", builtin.name)),
        None => Err(ScenarioError::NotFound(name_or_path.to_owned())),
    }
}

/// Parses and checks a scenario from its source text; `file` names it in
/// errors.
///
/// # Errors
///
/// Returns [`ScenarioError::Invalid`] for the first problem found.
pub fn parse(source: &str, file: &str) -> Result<Loaded, ScenarioError> {
    let locator = Locator::new(source);
    let scenario: Scenario = toml::from_str(source).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = line_col(source, offset);
        let field = match locator.path_at(offset) {
            Some(path) => path.to_owned(),
            None => locate::key_on_line(source, offset).unwrap_or_default(),
        };
        let mut message = plain_words(e.message().trim());
        if field == "instrument" && message.contains("expected a sequence") {
            message.push_str("; write each instrument as its own [[instrument]] table");
        }

        // A missing field has no position of its own: serde points at the
        // table that lacks it (its first key, or the top of the file).
        let (field, message) = match missing_field(&message) {
            Some(missing) => {
                let field = match parent_of(&field, locator.path_at(offset).is_some()) {
                    Some(table) => format!("{table}.{missing}"),
                    None => missing.to_owned(),
                };
                (field, "required, and missing: it has no default".to_owned())
            }
            None => (field, message),
        };
        ScenarioError::Invalid { file: file.to_owned(), line, column, field, message }
    })?;

    check(&scenario)
        .map_err(|(fields, message)| invalid(source, &locator, file, &fields, message))?;

    let config = to_config(&scenario);
    let grace = Nanos::from_secs_f64(scenario.scoring.grace_s.0);
    let api_share = scenario.api_share.0;
    Ok(Loaded {
        scenario,
        source: source.to_owned(),
        file: file.to_owned(),
        config,
        grace,
        api_share,
    })
}

/// Builds the error for a check that failed on `fields`. Several fields
/// can be at fault for a relation between values: the error names the
/// first one the file spells out. A field left to its default has no
/// position of its own; the error points at its section, or at the top of
/// the file.
fn invalid(
    source: &str,
    locator: &Locator,
    file: &str,
    fields: &[String],
    message: String,
) -> ScenarioError {
    let field = fields
        .iter()
        .find(|f| locator.offset_of(f).is_some())
        .or(fields.first())
        .cloned()
        .unwrap_or_default();
    let mut path = field.as_str();
    let offset = loop {
        if let Some(o) = locator.offset_of(path) {
            break o;
        }
        match path.rfind(['.', '[']) {
            Some(cut) => path = &path[..cut],
            None => break 0,
        }
    };
    let (line, column) = line_col(source, offset);
    ScenarioError::Invalid { file: file.to_owned(), line, column, field, message }
}

/// Returns the name in serde's "missing field `name`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Returns the table that holds `field`, a path the locator found at the
/// error (`located`), or `field` itself when the locator found none and
/// `field` is a table: `None` for the top level.
fn parent_of(field: &str, located: bool) -> Option<&str> {
    if !located {
        // Only a key guessed from the line, which names no table.
        return None;
    }
    match field.rfind('.') {
        Some(cut) => Some(&field[..cut]),
        None if field.ends_with(']') => Some(field),
        None => None,
    }
}

/// Rewords the type names serde puts in its messages in the words of the
/// scenario file.
fn plain_words(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, plain) in [
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u64", "expected a whole number from 0 to 18446744073709551615"),
        (
            "expected i64",
            "expected a whole number from -9223372036854775808 to 9223372036854775807",
        ),
        (" as i128", " (too large)"),
        ("wanted string or table", "expected a name in quotes"),
    ] {
        out = out.replace(rust, plain);
    }
    if let Some(at) = out.find("expected struct ") {
        out.truncate(at);
        out.push_str("expected a table of settings");
    }
    out
}

/// Checks the relations between values that no single field can check.
/// The longest session a scenario may ask for.
const MAX_DURATION_S: f64 = 31.0 * 86_400.0;

/// The most accounts a market may hold: ids are drawn from a range a
/// hundred times larger, which keeps them sparse.
const MAX_ACCOUNTS: u64 = 1_000_000;

/// The most episodes of one kind a scenario may ask for.
const MAX_EPISODES: u32 = 1_000;

/// The most accounts one shared address or one firm may hold.
const MAX_GROUP_ACCOUNTS: u32 = 1_000;

/// Introduces a field in an error message, or nothing when the error is not
/// about one field.
fn field_label(field: &str) -> String {
    if field.is_empty() { String::new() } else { format!("field `{field}`: ") }
}

fn check(s: &Scenario) -> Result<(), (Vec<String>, String)> {
    let fail = |field: &str, message: String| Err((vec![field.to_owned()], message));
    if s.name.trim().is_empty() {
        return fail("name", "expected a non-empty name".into());
    }
    let ks = &s.abuse.key_sharing;
    if ks.episodes > s.api_traders.accounts {
        let fields =
            vec!["abuse.key_sharing.episodes".to_owned(), "api_traders.accounts".to_owned()];
        let message = format!(
            "each key-sharing operator leases at least one small API trader's key, so \
             abuse.key_sharing.episodes ({}) may not exceed api_traders.accounts ({})",
            ks.episodes, s.api_traders.accounts
        );
        return Err((fields, message));
    }
    for (field, episodes) in [
        ("abuse.key_sharing.episodes", s.abuse.key_sharing.episodes),
        ("abuse.spoofing.episodes", s.abuse.spoofing.episodes),
        ("abuse.wash_trading.episodes", s.abuse.wash_trading.episodes),
        ("abuse.micro_burst.episodes", s.abuse.micro_burst.episodes),
        ("abuse.pump.episodes", s.abuse.pump.episodes),
    ] {
        if episodes > MAX_EPISODES {
            return fail(
                field,
                format!("expected at most {MAX_EPISODES} episodes, found {episodes}"),
            );
        }
    }
    if !(0.02..=0.98).contains(&s.api_share.0) {
        let found = s.api_share.0;
        return fail("api_share", format!("expected a share between 0.02 and 0.98, found {found}"));
    }
    if s.duration_s.0 > MAX_DURATION_S {
        let found = s.duration_s.0;
        return fail(
            "duration_s",
            format!("expected at most {MAX_DURATION_S} seconds (31 days), found {found}"),
        );
    }
    if s.scoring.grace_s.0 > MAX_DURATION_S {
        let found = s.scoring.grace_s.0;
        return fail(
            "scoring.grace_s",
            format!("expected at most {MAX_DURATION_S} seconds (31 days), found {found}"),
        );
    }
    let d = &s.decoys;
    for (field, v) in [
        ("decoys.busy_market_makers", d.busy_market_makers),
        ("decoys.travelling_mobile", d.travelling_mobile),
        ("decoys.shared_ips", d.shared_ips),
        ("decoys.institutions", d.institutions),
        ("decoys.jump_bursters", d.jump_bursters),
        ("decoys.coincidental_pairs", d.coincidental_pairs),
    ] {
        if u64::from(v) > MAX_ACCOUNTS {
            return fail(field, format!("expected at most {MAX_ACCOUNTS}, found {v}"));
        }
    }
    for (field, v) in [
        ("decoys.accounts_per_shared_ip", d.accounts_per_shared_ip),
        ("decoys.accounts_per_institution", d.accounts_per_institution),
    ] {
        if v > MAX_GROUP_ACCOUNTS {
            return fail(field, format!("expected at most {MAX_GROUP_ACCOUNTS}, found {v}"));
        }
    }
    // Sharing an address, or trading several accounts, takes two accounts;
    // a group of one would be an ordinary trader under a misleading label.
    for (field, groups, v, what) in [
        ("decoys.accounts_per_shared_ip", d.shared_ips, d.accounts_per_shared_ip, "shared address"),
        ("decoys.accounts_per_institution", d.institutions, d.accounts_per_institution, "firm"),
    ] {
        if groups > 0 && v < 2 {
            return fail(field, format!("expected 2 or more accounts per {what}, found {v}"));
        }
    }
    let a = &s.abuse;
    let accounts: u64 = [
        u64::from(s.retail.accounts),
        u64::from(s.api_traders.accounts),
        u64::from(s.momentum.accounts),
        u64::from(s.execution.accounts),
        u64::from(s.arbitrage.accounts),
        s.instrument.iter().map(|i| u64::from(i.market_makers)).sum(),
        u64::from(a.spoofing.episodes) * u64::from(a.spoofing.max_accounts.max(1)),
        u64::from(a.micro_burst.episodes),
        u64::from(a.wash_trading.episodes) * u64::from(a.wash_trading.max_ring_size),
        u64::from(a.pump.episodes) * u64::from(a.pump.max_accounts),
        u64::from(a.pump.chasers),
        u64::from(d.busy_market_makers),
        u64::from(d.travelling_mobile),
        u64::from(d.shared_ips) * u64::from(d.accounts_per_shared_ip),
        u64::from(d.institutions) * u64::from(d.accounts_per_institution),
        u64::from(d.jump_bursters),
        u64::from(d.coincidental_pairs) * 2,
    ]
    .iter()
    .sum();
    if accounts > MAX_ACCOUNTS {
        return fail(
            "retail.accounts",
            format!("the scenario adds up to {accounts} accounts; expected at most {MAX_ACCOUNTS}"),
        );
    }
    if s.instrument.is_empty() {
        return fail("instrument", "expected at least one [[instrument]] table".into());
    }
    if s.instrument.len() > usize::from(u16::MAX) {
        return fail("instrument", format!("expected at most {} instruments", u16::MAX));
    }
    for (i, inst) in s.instrument.iter().enumerate() {
        let at = |f: &str| format!("instrument[{i}].{f}");
        if inst.symbol.trim().is_empty() {
            return fail(&at("symbol"), "expected a non-empty ticker".into());
        }
        if s.instrument[..i].iter().any(|o| o.symbol == inst.symbol) {
            return fail(&at("symbol"), format!("ticker `{}` is used twice", inst.symbol));
        }
        if inst.min_price < 1 {
            return fail(
                &at("min_price"),
                format!("expected 1 tick or more, found {}", inst.min_price),
            );
        }
        if inst.max_price < inst.min_price {
            return fail(
                &at("max_price"),
                format!(
                    "expected at least min_price ({}), found {}",
                    inst.min_price, inst.max_price
                ),
            );
        }
        if !(inst.min_price..=inst.max_price).contains(&inst.initial_price) {
            return fail(
                &at("initial_price"),
                format!(
                    "expected a price between {} and {}, found {}",
                    inst.min_price, inst.max_price, inst.initial_price
                ),
            );
        }
        if inst.quote_half_spread_ticks < 1 {
            let v = inst.quote_half_spread_ticks;
            return fail(
                &at("quote_half_spread_ticks"),
                format!("expected 1 tick or more, found {v}"),
            );
        }
        for (field, v) in [("tick_size", inst.tick_size), ("lot_size", inst.lot_size)] {
            if v < 1 {
                return fail(&at(field), format!("expected 1 or more, found {v}"));
            }
        }
        if inst.initial_price % inst.tick_size != 0 {
            let (p, t) = (inst.initial_price, inst.tick_size);
            return fail(
                &at("initial_price"),
                format!("expected a multiple of tick_size ({t}), found {p}"),
            );
        }
        if inst.tick_size != 1 || inst.lot_size != 1 {
            // The simulated participants quote in whole ticks and lots of one;
            // coarser grids are for replayed data and the engine's own tests.
            let field = if inst.tick_size != 1 { "tick_size" } else { "lot_size" };
            return fail(
                &at(field),
                "the simulated participants need 1 here; coarser grids are not simulated yet"
                    .into(),
            );
        }
        if inst.min_qty < 1 {
            return fail(&at("min_qty"), format!("expected 1 lot or more, found {}", inst.min_qty));
        }
        if inst.max_qty < inst.min_qty {
            return fail(
                &at("max_qty"),
                format!("expected at least min_qty ({}), found {}", inst.min_qty, inst.max_qty),
            );
        }
        if !(inst.min_qty..=inst.max_qty).contains(&inst.typical_qty) {
            return fail(
                &at("typical_qty"),
                format!(
                    "expected a size between {} and {}, found {}",
                    inst.min_qty, inst.max_qty, inst.typical_qty
                ),
            );
        }
    }
    if s.instrument.iter().all(|i| i.activity_weight.0 == 0.0) {
        return fail(
            "instrument[0].activity_weight",
            "expected at least one instrument with a weight above zero".into(),
        );
    }
    for (field, v) in [
        ("market_makers.level_step_ticks", s.market_makers.level_step_ticks),
        ("momentum.threshold_ticks", s.momentum.threshold_ticks),
        ("arbitrage.threshold_ticks", s.arbitrage.threshold_ticks),
        ("market_makers.requote_tolerance_ticks", s.market_makers.requote_tolerance_ticks),
    ] {
        if v < 1 {
            return fail(field, format!("expected 1 tick or more, found {v}"));
        }
    }
    if s.world.attention_branching.0 > 0.95 {
        return fail(
            "world.attention_branching",
            format!(
                "expected at most 0.95 (at 1 the attention process explodes), found {}",
                s.world.attention_branching.0
            ),
        );
    }
    if s.momentum.lookback < 2 {
        return fail(
            "momentum.lookback",
            format!("expected 2 looks or more, found {}", s.momentum.lookback),
        );
    }
    if ks.episodes > 0 && ks.max_keys_per_operator == 0 {
        return fail(
            "abuse.key_sharing.max_keys_per_operator",
            "expected 1 or more, found 0".into(),
        );
    }
    for (field, v, most) in [
        ("market_makers.levels", s.market_makers.levels, 100),
        ("abuse.spoofing.max_layers", s.abuse.spoofing.max_layers, 20),
        ("abuse.wash_trading.max_ring_size", s.abuse.wash_trading.max_ring_size, 50),
        ("abuse.spoofing.max_accounts", s.abuse.spoofing.max_accounts, 20),
        ("abuse.micro_burst.max_keys", s.abuse.micro_burst.max_keys, 50),
        ("abuse.pump.max_accounts", s.abuse.pump.max_accounts, 50),
    ] {
        if v > most {
            return fail(field, format!("expected at most {most}, found {v}"));
        }
    }
    for (field, v) in [
        ("abuse.spoofing.max_layers", s.abuse.spoofing.max_layers),
        ("abuse.wash_trading.max_ring_size", s.abuse.wash_trading.max_ring_size),
        ("abuse.micro_burst.bursts_per_episode", s.abuse.micro_burst.bursts_per_episode),
        ("execution.children", s.execution.children),
    ] {
        if v == 0 {
            return fail(field, "expected 1 or more, found 0".into());
        }
    }
    check_workload(s)?;
    check_spoof_room(s)?;
    check_variants(s)?;
    policy::check(&s.policy)
}

/// The most agent wake-ups a scenario may schedule, by the estimate of
/// [`check_workload`]. By that estimate the default one-hour market
/// schedules about 1.2 million and a day of it about 28 million, so only a
/// typing slip or a market no machine could simulate in an afternoon
/// reaches the limit.
const MAX_WAKES: f64 = 2e10;

/// Refuses a scenario whose steady agents would wake so often that the run
/// could not end in reasonable time: a requote every nanosecond, or a
/// million market makers. Each term is the expected number of wake-ups of
/// one class of participant over the session; an episode of abuse counts
/// the orders its pace would send over its length (at most the session),
/// so a gap of a nanosecond between a burst's orders is refused too.
fn check_workload(s: &Scenario) -> Result<(), (Vec<String>, String)> {
    let duration = s.duration_s.0;
    let within = |length_s: f64| length_s.min(duration);
    let a = &s.abuse;
    let ks = &a.key_sharing;
    let wash = &a.wash_trading;
    let burst = &a.micro_burst;
    // Per second of the session, as the steady terms below are.
    let abuse = [
        (
            "abuse.key_sharing.order_gap_s",
            f64::from(ks.episodes)
                * f64::from(ks.max_keys_per_operator.max(1))
                * within(ks.episode_length_s.0)
                / ks.order_gap_s.0,
        ),
        (
            "abuse.wash_trading.trade_gap_s",
            f64::from(wash.episodes) * within(wash.episode_length_s.0) / wash.trade_gap_s.0
                * wash.inflation_rate.0.max(1.0),
        ),
        (
            "abuse.micro_burst.order_gap_ms",
            // Quote-stuffing bursts last twice as long, `stuffing_rate` times as fast.
            f64::from(burst.episodes)
                * f64::from(burst.bursts_per_episode)
                * 2.0
                * within(burst.burst_length_s.0)
                * 1000.0
                / burst.order_gap_ms.0
                * burst.stuffing_rate.0.max(1.0),
        ),
    ]
    .map(|(field, total)| (field, total / duration));
    let makers: f64 = s.instrument.iter().map(|i| f64::from(i.market_makers)).sum();
    let r = &s.retail;
    let retail_rate =
        r.sessions_per_hour.0 / 3600.0 * r.orders_per_session.0.max(1.0) * f64::from(r.accounts);
    let terms = [
        ("market_makers.refresh_ms", makers * 1000.0 / s.market_makers.refresh_ms.0),
        ("retail.sessions_per_hour", retail_rate),
        (
            "api_traders.order_gap_s",
            f64::from(s.api_traders.accounts) / s.api_traders.order_gap_s.0,
        ),
        ("momentum.check_gap_s", f64::from(s.momentum.accounts) / s.momentum.check_gap_s.0),
        ("arbitrage.check_gap_s", f64::from(s.arbitrage.accounts) / s.arbitrage.check_gap_s.0),
        (
            "execution.parent_duration_s",
            f64::from(s.execution.accounts) * f64::from(s.execution.children)
                / s.execution.parent_duration_s.0,
        ),
        abuse[0],
        abuse[1],
        abuse[2],
    ];
    let wakes: f64 = terms.iter().map(|(_, per_s)| per_s * duration).sum();
    if wakes <= MAX_WAKES {
        return Ok(());
    }
    let (field, per_s) = terms
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("the list of terms is not empty");
    // A rate multiplies a gap in some terms; the error names whichever of
    // the two the file writes.
    let partner = match field {
        "abuse.wash_trading.trade_gap_s" => Some("abuse.wash_trading.inflation_rate"),
        "abuse.micro_burst.order_gap_ms" => Some("abuse.micro_burst.stuffing_rate"),
        _ => None,
    };
    Err((
        std::iter::once(field).chain(partner).map(str::to_owned).collect(),
        format!(
            "the scenario would wake its participants about {wakes:.1e} times over \
             {duration} s, {per_s:.1e} times a second mostly through this field; expected at \
             most {MAX_WAKES:.0e} in all: make the gaps longer, the participants fewer or \
             duration_s shorter"
        ),
    ))
}

/// Refuses spoofing episodes that could not place a large order: a spoof
/// is an order several times the typical size, and an instrument whose
/// largest order is barely the typical one leaves it indistinguishable
/// from ordinary flow while the ground truth would still count it.
fn check_spoof_room(s: &Scenario) -> Result<(), (Vec<String>, String)> {
    if s.abuse.spoofing.episodes == 0 {
        return Ok(());
    }
    let least = s.abuse.spoofing.spoof_size_multiplier.0.min(2.0);
    for (i, inst) in s.instrument.iter().enumerate() {
        let room = inst.typical_qty as f64 * least;
        if (inst.max_qty as f64) < room {
            return Err((
                vec![format!("instrument[{i}].max_qty")],
                format!(
                    "spoofing places orders {} times typical_qty ({}), so this needs at least \
                     {room} lots, found {}; raise max_qty or set abuse.spoofing.episodes = 0",
                    s.abuse.spoofing.spoof_size_multiplier.0, inst.typical_qty, inst.max_qty
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that each kind with episodes has a variant to deal them, and
/// that every variant given a weight can be built from the kind's limits.
fn check_variants(s: &Scenario) -> Result<(), (Vec<String>, String)> {
    let a = &s.abuse;
    let (ks, sp, wt, mb, pu) = (
        &a.key_sharing.variants,
        &a.spoofing.variants,
        &a.wash_trading.variants,
        &a.micro_burst.variants,
        &a.pump.variants,
    );
    for (kind, episodes, weights) in [
        (
            "key_sharing",
            a.key_sharing.episodes,
            vec![ks.distant_region, ks.reseller, ks.behaviour_drift],
        ),
        ("spoofing", a.spoofing.episodes, vec![sp.single_order, sp.layering, sp.multi_account]),
        (
            "wash_trading",
            a.wash_trading.episodes,
            vec![wt.self_trade, wt.pair, wt.ring, wt.volume_inflation],
        ),
        (
            "micro_burst",
            a.micro_burst.episodes,
            vec![mb.single_key, mb.quote_stuffing, mb.multi_key],
        ),
        ("pump", a.pump.episodes, vec![pu.open, pu.wash_cover]),
    ] {
        if episodes > 0 && weights.iter().all(|w| w.0 == 0.0) {
            return Err((
                vec![format!("abuse.{kind}.variants")],
                "expected at least one variant with a weight above zero".into(),
            ));
        }
    }

    // A variant with a weight needs room to be what its name says.
    let needs = |on: bool, episodes: u32, field: &str, v: u32, least: u32, what: &str| {
        if on && episodes > 0 && v < least {
            Err((vec![field.to_owned()], format!("{what} needs {least} or more, found {v}")))
        } else {
            Ok(())
        }
    };
    let ring = &a.wash_trading;
    needs(
        ks.reseller.0 > 0.0,
        a.key_sharing.episodes,
        "abuse.key_sharing.max_keys_per_operator",
        a.key_sharing.max_keys_per_operator,
        2,
        "the `reseller` variant leases several keys, so this",
    )?;
    needs(
        sp.layering.0 > 0.0,
        a.spoofing.episodes,
        "abuse.spoofing.max_layers",
        a.spoofing.max_layers,
        2,
        "the `layering` variant fills several levels, so this",
    )?;
    needs(
        sp.multi_account.0 > 0.0,
        a.spoofing.episodes,
        "abuse.spoofing.max_accounts",
        a.spoofing.max_accounts,
        2,
        "the `multi_account` variant uses several accounts, so this",
    )?;
    needs(
        wt.ring.0 > 0.0,
        ring.episodes,
        "abuse.wash_trading.max_ring_size",
        ring.max_ring_size,
        3,
        "the `ring` variant has three accounts or more, so this",
    )?;
    needs(
        wt.pair.0 + wt.volume_inflation.0 > 0.0,
        ring.episodes,
        "abuse.wash_trading.max_ring_size",
        ring.max_ring_size,
        2,
        "the `pair` and `volume_inflation` variants have two accounts or more, so this",
    )?;
    needs(
        mb.multi_key.0 > 0.0,
        a.micro_burst.episodes,
        "abuse.micro_burst.max_keys",
        a.micro_burst.max_keys,
        2,
        "the `multi_key` variant uses several keys, so this",
    )?;
    needs(
        true,
        a.pump.episodes,
        "abuse.pump.max_accounts",
        a.pump.max_accounts,
        2,
        "a pump is coordinated among several accounts, so this",
    )?;
    if wt.self_trade.0 > 0.0
        && ring.episodes > 0
        && s.exchange.self_trade_prevention != StpMode::Off
    {
        return Err((
            vec!["abuse.wash_trading.variants.self_trade".to_owned(), "exchange.self_trade_prevention".to_owned()],
            "the `self_trade` variant trades an account with itself, which needs \
             exchange.self_trade_prevention = \"off\"; give it a weight of 0 or switch prevention off"
                .into(),
        ));
    }
    Ok(())
}

fn secs(v: f64) -> Nanos {
    Nanos::from_secs_f64(v)
}

fn millis(v: f64) -> Nanos {
    Nanos::from_secs_f64(v / 1000.0)
}

/// Converts a checked scenario into the simulator's units.
fn to_config(s: &Scenario) -> Config {
    let instruments = s
        .instrument
        .iter()
        .map(|i| InstrumentConfig {
            spec: InstrumentSpec {
                symbol: i.symbol.clone(),
                krw_per_tick: i.krw_per_tick.0,
                tokens_per_lot: i.tokens_per_lot.0,
                min_price: Price(i.min_price),
                max_price: Price(i.max_price),
                min_qty: Qty(i.min_qty),
                max_qty: Qty(i.max_qty),
                tick_size: i.tick_size,
                lot_size: i.lot_size,
            },
            initial_price: Price(i.initial_price),
            volatility: i.volatility_ticks.0,
            jumps_per_hour: i.jumps_per_hour.map_or(0.0, |j| j.0),
            typical_qty: Qty(i.typical_qty),
            activity_weight: i.activity_weight.0,
            market_makers: i.market_makers,
            quote_half_spread: i.quote_half_spread_ticks,
        })
        .collect();
    let a = &s.abuse;
    Config {
        seed: s.seed,
        self_trade_prevention: s.exchange.self_trade_prevention.into(),
        duration: secs(s.duration_s.0),
        instruments,
        retail: RetailConfig {
            accounts: s.retail.accounts,
            mobile_share: s.retail.mobile_share.0,
            sessions_per_hour: s.retail.sessions_per_hour.0,
            orders_per_session: s.retail.orders_per_session.0,
            order_gap: secs(s.retail.order_gap_s.0),
            market_order_share: s.retail.market_order_share.0,
            order_lifetime: secs(s.retail.order_lifetime_s.0),
            size_multiplier: s.retail.size_multiplier.0,
            travel_share: s.retail.travel_share.0,
            vpn_share: s.retail.vpn_share.0,
            inside_share: s.retail.inside_share.0,
            placement_scale: s.retail.placement_scale_ticks.0,
            placement_tail: s.retail.placement_tail.0,
            round_size_share: s.retail.round_size_share.0,
        },
        api_traders: ApiTraderConfig {
            accounts: s.api_traders.accounts,
            order_gap: secs(s.api_traders.order_gap_s.0),
            order_lifetime: secs(s.api_traders.order_lifetime_s.0),
            taker_share: s.api_traders.taker_share.0,
            size_multiplier: s.api_traders.size_multiplier.0,
        },
        market_makers: MarketMakerConfig {
            refresh: millis(s.market_makers.refresh_ms.0),
            levels: s.market_makers.levels,
            level_step: s.market_makers.level_step_ticks,
            size_multiplier: s.market_makers.size_multiplier.0,
            inventory_skew: s.market_makers.inventory_skew_ticks.0,
            volatility_half_spread: s.market_makers.volatility_half_spread.0,
            spread_dispersion: s.market_makers.spread_dispersion.0,
            requote_tolerance: s.market_makers.requote_tolerance_ticks,
            fair_speed: s.market_makers.fair_speed_ticks_per_s.0,
        },
        momentum: MomentumConfig {
            accounts: s.momentum.accounts,
            check_gap: secs(s.momentum.check_gap_s.0),
            lookback: s.momentum.lookback,
            threshold: s.momentum.threshold_ticks,
            imbalance_threshold: s.momentum.imbalance_threshold.0,
            size_multiplier: s.momentum.size_multiplier.0,
        },
        execution: ExecutionConfig {
            accounts: s.execution.accounts,
            parent_duration: secs(s.execution.parent_duration_s.0),
            children: s.execution.children,
            parent_size_multiplier: s.execution.parent_size_multiplier.0,
            pause: secs(s.execution.pause_s.0),
        },
        arbitrage: ArbitrageConfig {
            accounts: s.arbitrage.accounts,
            check_gap: secs(s.arbitrage.check_gap_s.0),
            threshold: s.arbitrage.threshold_ticks,
            size_multiplier: s.arbitrage.size_multiplier.0,
            max_clip: s.arbitrage.max_clip.0,
            post_when_fair: s.arbitrage.post_when_fair,
        },
        world: WorldConfig {
            jump_scale: s.world.jump_scale.0,
            volatility_half_life: secs(s.world.volatility_half_life_s.0),
            volatility_of_log_variance: s.world.volatility_of_log_variance.0,
            attention_rate: s.world.attention_rate.0,
            attention_branching: s.world.attention_branching.0,
            attention_half_life: secs(s.world.attention_half_life_s.0),
            business_time: s.world.business_time.0,
            volatility_response: s.world.volatility_response.0,
            realised_volatility_half_life: secs(s.world.realised_volatility_half_life_s.0),
        },
        abuse: AbuseConfig {
            key_sharing: KeySharingConfig {
                episodes: a.key_sharing.episodes,
                max_keys_per_operator: a.key_sharing.max_keys_per_operator,
                episode_length: secs(a.key_sharing.episode_length_s.0),
                order_gap: secs(a.key_sharing.order_gap_s.0),
                variant_weights: {
                    let v = &a.key_sharing.variants;
                    [v.distant_region.0, v.reseller.0, v.behaviour_drift.0]
                },
                stealth: a.key_sharing.stealth.0,
            },
            spoofing: SpoofingConfig {
                episodes: a.spoofing.episodes,
                episode_length: secs(a.spoofing.episode_length_s.0),
                spoof_size_multiplier: a.spoofing.spoof_size_multiplier.0,
                max_layers: a.spoofing.max_layers,
                patience: secs(a.spoofing.patience_s.0),
                max_accounts: a.spoofing.max_accounts,
                variant_weights: {
                    let v = &a.spoofing.variants;
                    [v.single_order.0, v.layering.0, v.multi_account.0]
                },
                stealth: a.spoofing.stealth.0,
            },
            wash_trading: WashTradingConfig {
                episodes: a.wash_trading.episodes,
                episode_length: secs(a.wash_trading.episode_length_s.0),
                trade_gap: secs(a.wash_trading.trade_gap_s.0),
                max_ring_size: a.wash_trading.max_ring_size,
                volume_target_trades: a.wash_trading.volume_target_trades,
                inflation_rate: a.wash_trading.inflation_rate.0,
                variant_weights: {
                    let v = &a.wash_trading.variants;
                    [v.self_trade.0, v.pair.0, v.ring.0, v.volume_inflation.0]
                },
                stealth: a.wash_trading.stealth.0,
            },
            micro_burst: MicroBurstConfig {
                episodes: a.micro_burst.episodes,
                bursts_per_episode: a.micro_burst.bursts_per_episode,
                burst_length: secs(a.micro_burst.burst_length_s.0),
                order_gap: millis(a.micro_burst.order_gap_ms.0),
                stuffing_rate: a.micro_burst.stuffing_rate.0,
                max_keys: a.micro_burst.max_keys,
                variant_weights: {
                    let v = &a.micro_burst.variants;
                    [v.single_key.0, v.quote_stuffing.0, v.multi_key.0]
                },
                stealth: a.micro_burst.stealth.0,
            },
            pump: PumpConfig {
                episodes: a.pump.episodes,
                max_accounts: a.pump.max_accounts,
                position_multiplier: a.pump.position_multiplier.0,
                accumulation: secs(a.pump.accumulation_s.0),
                push_window: secs(a.pump.push_window_s.0),
                hold: secs(a.pump.hold_s.0),
                distribution: secs(a.pump.distribution_s.0),
                chasers: a.pump.chasers,
                variant_weights: [a.pump.variants.open.0, a.pump.variants.wash_cover.0],
                stealth: a.pump.stealth.0,
            },
        },
        decoys: DecoyConfig {
            busy_market_makers: s.decoys.busy_market_makers,
            travelling_mobile: s.decoys.travelling_mobile,
            shared_ips: s.decoys.shared_ips,
            accounts_per_shared_ip: s.decoys.accounts_per_shared_ip,
            institutions: s.decoys.institutions,
            accounts_per_institution: s.decoys.accounts_per_institution,
            jump_bursters: s.decoys.jump_bursters,
            coincidental_pairs: s.decoys.coincidental_pairs,
        },
        policy: policy::to_policy(&s.policy),
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
