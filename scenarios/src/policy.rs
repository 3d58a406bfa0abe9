//! The `[policy]` section: which of the exchange's controls are on.
//!
//! Each lever is a table of its own under `[policy]`; a table present
//! switches its lever on, with every field it leaves out at the default
//! shown in `library/policies/all.toml`. With no `[policy]` section (or an
//! empty one) every lever is off and the market is exactly the one without
//! controls. Four presets ship with surveil, named as `surveil whatif`
//! takes them: `none`, `whitelist` (key whitelists only), `interventions`
//! (detector-driven actions only) and `all` (every lever). A preset is the
//! `[policy]` section of `library/policies/NAME.toml`.
//!
//! The levers and what they model are described in
//! [`surveil_sim::policy`].

use serde::Deserialize;
use surveil_sim::Nanos;
use surveil_sim::policy::{
    BreakerPolicy, InterventionPolicy, KeyPolicy, Malfunction, Permissions, PolicyConfig,
    ReconciliationPolicy,
};

use crate::ScenarioError;
use crate::values::{NonNegative, Positive, Share};

/// The `[policy]` section.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A short name, shown in results; `custom` when left out of a
    /// section that switches a lever on.
    #[serde(default)]
    pub name: Option<String>,
    /// Key permissions and whitelists.
    pub keys: Option<Keys>,
    /// Detector-driven actions on accounts and keys.
    pub interventions: Option<Interventions>,
    /// Periodic balance reconciliation.
    pub reconciliation: Option<Reconciliation>,
    /// The gateway's request budget and its halt.
    pub breaker: Option<Breaker>,
}

/// A permission a key may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Reading balances and market data.
    Read,
    /// Orders, cancels and amends.
    Trade,
    /// Withdrawals (not simulated).
    Withdraw,
}

/// `[policy.keys]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Keys {
    /// Whether keys work only from whitelisted addresses.
    pub whitelist: bool,
    /// What every key may do.
    pub permissions: Vec<Permission>,
    /// Moves of an owner's infrastructure to a new address, per key per
    /// day.
    pub ip_moves_per_day: NonNegative,
    /// Chance an owner forgets to whitelist its moved address.
    pub forget_share: Share,
    /// Mean seconds an owner takes to whitelist an address of its own
    /// after a refusal from it.
    pub update_delay_s: NonNegative,
    /// Chance the owner of a leased key whitelists the operator's address.
    pub operator_whitelisted_share: Share,
}

impl Default for Keys {
    fn default() -> Keys {
        Keys {
            whitelist: true,
            permissions: vec![Permission::Read, Permission::Trade],
            ip_moves_per_day: NonNegative(1.0),
            forget_share: Share(0.3),
            update_delay_s: NonNegative(600.0),
            operator_whitelisted_share: Share(0.25),
        }
    }
}

/// `[policy.interventions]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Interventions {
    /// The detectors whose alerts lead to actions, by name.
    pub detectors: Vec<String>,
    /// Seconds from an alert to the action it leads to.
    pub review_delay_s: Positive,
    /// The same for an account under raised monitoring.
    pub monitored_review_delay_s: Positive,
    /// Alerts on an account before a warning and raised monitoring.
    pub warn_after: u32,
    /// Alerts before re-verification is demanded.
    pub reverify_after: u32,
    /// Alerts on a key before it is expired.
    pub expire_after: u32,
    /// Mean seconds an honest owner takes to re-verify.
    pub reverify_time_s: NonNegative,
    /// Mean seconds before an expired key's owner has a new one.
    pub reissue_delay_s: NonNegative,
    /// Chance an abuser never completes re-verification.
    pub abuser_fails_reverification: Share,
    /// Chance an abuser stops trading on a warning.
    pub abuser_leaves_on_warning: Share,
    /// Chance a complicit owner shares its reissued key with the operator.
    pub abuser_reshares_key: Share,
}

impl Default for Interventions {
    fn default() -> Interventions {
        Interventions {
            detectors: DEFAULT_DETECTORS.iter().map(|d| (*d).to_owned()).collect(),
            review_delay_s: Positive(120.0),
            monitored_review_delay_s: Positive(30.0),
            warn_after: 1,
            reverify_after: 2,
            expire_after: 2,
            reverify_time_s: NonNegative(1200.0),
            reissue_delay_s: NonNegative(600.0),
            abuser_fails_reverification: Share(0.7),
            abuser_leaves_on_warning: Share(0.2),
            abuser_reshares_key: Share(0.3),
        }
    }
}

/// The detectors an exchange would act on by default: those whose
/// precision on the default scenario is at least 0.6 (README, "What the
/// output means"). Acting on a detector that is mostly wrong would make
/// honest users pay for its mistakes.
pub const DEFAULT_DETECTORS: &[&str] =
    &["key_travel", "key_unfamiliar", "spoof_cancel", "wash_pairs", "wash_ring", "burst_rate"];

/// `[policy.reconciliation]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Reconciliation {
    /// Seconds between checks.
    pub interval_s: Positive,
    /// Seconds into the session at which a fault books one fill twice;
    /// none when left out.
    pub inject_at_s: Option<NonNegative>,
    /// Seconds from a halt to the correction of the books.
    pub correct_after_s: NonNegative,
}

impl Default for Reconciliation {
    fn default() -> Reconciliation {
        Reconciliation {
            interval_s: Positive(300.0),
            inject_at_s: None,
            correct_after_s: NonNegative(120.0),
        }
    }
}

/// `[policy.breaker]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Breaker {
    /// Milliseconds per counting window.
    pub window_ms: Positive,
    /// Requests per window the gateway can process.
    pub budget: u32,
    /// Shortest halt, in seconds.
    pub resume_after_s: NonNegative,
    /// An injected malfunction.
    pub malfunction: Option<MalfunctionSpec>,
}

impl Default for Breaker {
    fn default() -> Breaker {
        Breaker {
            window_ms: Positive(1000.0),
            budget: 20_000,
            resume_after_s: NonNegative(60.0),
            malfunction: None,
        }
    }
}

/// `[policy.breaker.malfunction]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MalfunctionSpec {
    /// Seconds into the session it starts.
    pub at_s: NonNegative,
    /// How many seconds it lasts.
    pub lasts_s: Positive,
    /// Requests per window the gateway can process meanwhile.
    pub budget: u32,
}

/// The presets `surveil whatif` names, in their usual order.
pub const PRESETS: &[(&str, &str)] = &[
    ("none", include_str!("../library/policies/none.toml")),
    ("whitelist", include_str!("../library/policies/whitelist.toml")),
    ("interventions", include_str!("../library/policies/interventions.toml")),
    ("all", include_str!("../library/policies/all.toml")),
];

/// A file holding only a `[policy]` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    policy: Policy,
}

/// Loads a policy by preset name or by the path of a TOML file holding a
/// `[policy]` section.
///
/// # Errors
///
/// Returns [`ScenarioError`] when neither a file nor a preset has that
/// name, or the section is invalid.
pub fn load_policy(name_or_path: &str) -> Result<PolicyConfig, ScenarioError> {
    let path = std::path::Path::new(name_or_path);
    let (source, file, default_name) = if path.is_file() {
        let source = std::fs::read_to_string(path).map_err(|e| ScenarioError::PolicyRead {
            file: name_or_path.to_owned(),
            message: e.to_string(),
        })?;
        let stem = path.file_stem().map_or("custom", |s| s.to_str().unwrap_or("custom"));
        (source, name_or_path.to_owned(), stem.to_owned())
    } else if let Some((name, source)) = PRESETS.iter().find(|(n, _)| *n == name_or_path) {
        ((*source).to_owned(), format!("<policy {name}>"), (*name).to_owned())
    } else {
        let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        return Err(ScenarioError::PolicyRead {
            file: name_or_path.to_owned(),
            message: format!(
                "no policy file or preset of that name; the presets are {}",
                names.join(", ")
            ),
        });
    };
    let parsed: PolicyFile = toml::from_str(&source).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = crate::locate::line_col(&source, offset);
        ScenarioError::Invalid {
            file: file.clone(),
            line,
            column,
            field: String::new(),
            message: e.message().trim().to_owned(),
        }
    })?;
    check(&parsed.policy).map_err(|(fields, message)| {
        crate::invalid(&source, &crate::locate::Locator::new(&source), &file, &fields, message)
    })?;
    let mut policy = to_policy(&parsed.policy);
    if parsed.policy.name.is_none() {
        policy.name = default_name;
    }
    Ok(policy)
}

/// The most moves of an owner's infrastructure per key per day: one a
/// minute. A key's moves since its owner's last request are caught up
/// one by one at its next request, so a rate of millions a day would
/// stall the simulation on the first request of an idle owner.
pub const MAX_IP_MOVES_PER_DAY: f64 = 1_440.0;

/// The shortest review delay and reconciliation interval, in seconds.
/// `surveil whatif` advances the simulation in steps of the shortest
/// review delay, and a reconciliation walks every account, so a delay or
/// an interval of a nanosecond would take the run billions of steps.
pub const MIN_CONTROL_PERIOD_S: f64 = 1.0;

/// Checks the bounds no single value type can: rates and periods that
/// would keep the simulation from ending. Fields are named as the
/// scenario writes them (`policy.keys.ip_moves_per_day`).
pub(crate) fn check(p: &Policy) -> Result<(), (Vec<String>, String)> {
    let fail = |field: &str, message: String| Err((vec![format!("policy.{field}")], message));
    if let Some(k) = &p.keys
        && k.ip_moves_per_day.0 > MAX_IP_MOVES_PER_DAY
    {
        return fail(
            "keys.ip_moves_per_day",
            format!(
                "expected at most {MAX_IP_MOVES_PER_DAY} moves a day (one a minute), found {}",
                k.ip_moves_per_day.0
            ),
        );
    }
    let mut periods = Vec::new();
    if let Some(i) = &p.interventions {
        periods.push(("interventions.review_delay_s", i.review_delay_s.0));
        periods.push(("interventions.monitored_review_delay_s", i.monitored_review_delay_s.0));
    }
    if let Some(r) = &p.reconciliation {
        periods.push(("reconciliation.interval_s", r.interval_s.0));
    }
    for (field, v) in periods {
        if v < MIN_CONTROL_PERIOD_S {
            return fail(
                field,
                format!("expected {MIN_CONTROL_PERIOD_S} second or more, found {v}"),
            );
        }
    }
    Ok(())
}

/// Converts the section into the simulator's units.
pub(crate) fn to_policy(p: &Policy) -> PolicyConfig {
    let secs = |v: f64| Nanos::from_secs_f64(v);
    let keys = p.keys.as_ref().map(|k| KeyPolicy {
        whitelist: k.whitelist,
        permissions: Permissions {
            read: k.permissions.contains(&Permission::Read),
            trade: k.permissions.contains(&Permission::Trade),
            withdraw: k.permissions.contains(&Permission::Withdraw),
        },
        ip_moves_per_day: k.ip_moves_per_day.0,
        forget_share: k.forget_share.0,
        update_delay: secs(k.update_delay_s.0),
        operator_whitelisted_share: k.operator_whitelisted_share.0,
    });
    let interventions = p.interventions.as_ref().map(|i| InterventionPolicy {
        detectors: i.detectors.clone(),
        review_delay: secs(i.review_delay_s.0),
        monitored_review_delay: secs(i.monitored_review_delay_s.0),
        warn_after: i.warn_after.max(1),
        reverify_after: i.reverify_after.max(1),
        expire_after: i.expire_after.max(1),
        reverify_time: secs(i.reverify_time_s.0),
        reissue_delay: secs(i.reissue_delay_s.0),
        abuser_fails_reverification: i.abuser_fails_reverification.0,
        abuser_leaves_on_warning: i.abuser_leaves_on_warning.0,
        abuser_reshares_key: i.abuser_reshares_key.0,
    });
    let reconciliation = p.reconciliation.as_ref().map(|r| ReconciliationPolicy {
        interval: secs(r.interval_s.0),
        inject_at: r.inject_at_s.map(|v| secs(v.0)),
        correct_after: secs(r.correct_after_s.0),
    });
    let breaker = p.breaker.as_ref().map(|b| BreakerPolicy {
        window: Nanos::from_secs_f64(b.window_ms.0 / 1000.0),
        budget: b.budget,
        resume_after: secs(b.resume_after_s.0),
        malfunction: b.malfunction.as_ref().map(|m| Malfunction {
            at: secs(m.at_s.0),
            lasts: secs(m.lasts_s.0),
            budget: m.budget,
        }),
    });
    let mut config =
        PolicyConfig { name: String::new(), keys, interventions, reconciliation, breaker };
    config.name = match &p.name {
        Some(name) => name.clone(),
        None if config.is_active() => "custom".to_owned(),
        None => "none".to_owned(),
    };
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_switch_on_the_levers_their_names_say() {
        let on = |name: &str| {
            let p = load_policy(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            (p.name, p.keys.is_some(), p.interventions.is_some(), p.reconciliation.is_some())
        };
        assert_eq!(on("none"), ("none".into(), false, false, false));
        assert_eq!(on("whitelist"), ("whitelist".into(), true, false, false));
        assert_eq!(on("interventions"), ("interventions".into(), false, true, false));
        assert_eq!(on("all"), ("all".into(), true, true, true));
        assert!(!load_policy("none").is_ok_and(|p| p.is_active()));
    }

    #[test]
    fn the_default_market_under_each_preset_is_built_in() {
        for (name, _) in PRESETS {
            let loaded = crate::load(&format!("default-controls-{name}")).unwrap();
            assert_eq!(loaded.config.policy, load_policy(name).unwrap());
            let mut plain = loaded.config.clone();
            plain.policy = PolicyConfig::default();
            let mut default = crate::load("default").unwrap().config;
            default.policy = PolicyConfig::default();
            assert_eq!(plain, default, "{name}: the same market as the default");
        }
    }

    #[test]
    fn rates_and_periods_that_would_stall_the_run_are_refused_with_their_line() {
        for (section, field, value) in [
            ("keys", "ip_moves_per_day", "1e300"),
            ("interventions", "review_delay_s", "1e-9"),
            ("interventions", "monitored_review_delay_s", "0.5"),
            ("reconciliation", "interval_s", "1e-9"),
        ] {
            let source = format!("name = \"x\"\n[policy.{section}]\n{field} = {value}\n");
            let err = crate::parse(&source, "x.toml").unwrap_err().to_string();
            assert!(err.contains("x.toml:3:"), "{err}");
            assert!(err.contains(&format!("policy.{section}.{field}")), "{err}");
            assert!(err.contains("expected"), "{err}");
        }
        let dir = std::env::temp_dir().join(format!("surveil-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("fast.toml");
        std::fs::write(
            &file,
            "[policy]\nname = \"fast\"\n[policy.reconciliation]\ninterval_s = 0.001\n",
        )
        .unwrap();
        let err = load_policy(file.to_str().unwrap()).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("fast.toml:4:"), "{err}");
        assert!(err.contains("policy.reconciliation.interval_s"), "{err}");
        assert!(load_policy("all").is_ok());
    }

    #[test]
    fn a_misspelt_policy_field_is_refused_with_its_line() {
        let source = "name = \"x\"\n[policy.keys]\nwhitelst = true\n";
        let err = crate::parse(source, "x.toml").unwrap_err().to_string();
        assert!(err.contains("x.toml:3"), "{err}");
        assert!(err.contains("whitelst"), "{err}");
    }
}
