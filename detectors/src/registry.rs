//! The built-in detectors by name, with their parameters.
//!
//! Each built-in is registered once, in [`DETECTORS`], with the kinds it
//! reports on, a one-line statement of its rule and every parameter it
//! takes: name, default, the range it accepts and what it means. A caller
//! names a detector and overrides some of its parameters; the registry
//! refuses an unknown name or parameter, or a value out of range, with a
//! message that lists what is allowed, so a typo never silently runs the
//! defaults.
//!
//! Parameters are numbers. Durations are given in milliseconds (their
//! names end in `_ms`), counts are whole numbers, ratios and shares are
//! plain numbers.
//!
//! A detector is chosen on the command line as `NAME` or
//! `NAME:PARAM=VALUE:PARAM=VALUE`, which [`Choice::parse`] reads.

use std::collections::BTreeMap;
use std::fmt;

use surveil_sim::Nanos;

use crate::{AbuseKind, Detector, floor, key_sharing, micro_burst, pump, spoofing, wash};

/// One parameter a detector takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// Its name, as written on the command line and in files.
    pub name: &'static str,
    /// Its value when not set.
    pub default: f64,
    /// The smallest value accepted.
    pub min: f64,
    /// The largest value accepted.
    pub max: f64,
    /// Whether only whole numbers are accepted.
    pub integer: bool,
    /// What it means, with its unit.
    pub help: &'static str,
}

impl ParamSpec {
    /// Describes a real-valued parameter.
    pub const fn real(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec { name, default, min, max, integer: false, help }
    }

    /// Describes a whole-number parameter.
    pub const fn count(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> ParamSpec {
        ParamSpec { name, default, min, max, integer: true, help }
    }

    /// Tells whether a value is acceptable, and if not what was expected.
    fn check(&self, value: f64) -> Result<(), String> {
        if !value.is_finite() || value < self.min || value > self.max {
            return Err(format!("a number from {} to {}", self.min, self.max));
        }
        if self.integer && value.fract() != 0.0 {
            return Err(format!("a whole number from {} to {}", self.min, self.max));
        }
        Ok(())
    }
}

/// What every detector is built with besides its own parameters.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The kinds the run scores; the floors report on all of them.
    pub kinds: &'a [AbuseKind],
    /// The seed of the run's detectors, for those that draw at random.
    pub seed: u64,
}

/// The values of a detector's parameters, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    values: BTreeMap<&'static str, f64>,
}

impl Values {
    /// Returns a parameter's value.
    ///
    /// # Panics
    ///
    /// Panics when the detector's registration does not declare `name`,
    /// which is a mistake in the registration, never in user input.
    pub fn get(&self, name: &str) -> f64 {
        match self.values.get(name) {
            Some(&v) => v,
            None => panic!("parameter `{name}` is not declared by its detector"),
        }
    }

    /// Returns a duration parameter given in milliseconds.
    pub fn millis(&self, name: &str) -> Nanos {
        Nanos((self.get(name) * 1e6).round() as u64)
    }

    /// Returns a whole-number parameter.
    pub fn count(&self, name: &str) -> usize {
        self.get(name) as usize
    }
}

/// A built-in detector's registration.
#[derive(Clone, Copy)]
pub struct DetectorSpec {
    /// Its name.
    pub name: &'static str,
    /// The kinds it reports on; empty for the floors, which report on every
    /// kind the run scores.
    pub kinds: &'static [AbuseKind],
    /// Its rule, in one line.
    pub rule: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    build: fn(&Values, &Context<'_>) -> Box<dyn Detector>,
}

impl DetectorSpec {
    /// Returns one of its parameters.
    ///
    /// # Errors
    ///
    /// Returns [`RegistryError::UnknownParam`], listing the parameters it
    /// takes, when it takes none named `name`.
    pub fn param(&self, name: &str) -> Result<&'static ParamSpec, RegistryError> {
        self.params.iter().find(|p| p.name == name).ok_or_else(|| RegistryError::UnknownParam {
            detector: self.name.to_owned(),
            param: name.to_owned(),
            allowed: self.params.iter().map(|p| p.name).collect(),
        })
    }
}

impl fmt::Debug for DetectorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetectorSpec").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Why a detector could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RegistryError {
    /// No built-in detector has this name.
    #[error("unknown detector `{name}`; expected one of {}", known())]
    UnknownDetector {
        /// The name given.
        name: String,
    },
    /// The detector takes no parameter of this name.
    #[error(
        "detector `{detector}` has no parameter `{param}`; its parameters are {}",
        list(allowed)
    )]
    UnknownParam {
        /// The detector.
        detector: String,
        /// The parameter given.
        param: String,
        /// The parameters it takes.
        allowed: Vec<&'static str>,
    },
    /// A value is not a number, or out of range.
    #[error("detector `{detector}`, parameter `{param}`: `{value}` is not {expected}")]
    BadValue {
        /// The detector.
        detector: String,
        /// The parameter.
        param: String,
        /// The value as given.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// A choice is not of the form `NAME[:PARAM=VALUE...]`.
    #[error(
        "`{text}` is not a detector choice; expected NAME or NAME:PARAM=VALUE[:PARAM=VALUE...]"
    )]
    Malformed {
        /// The text given.
        text: String,
    },
}

fn known() -> String {
    list(&DETECTORS.iter().map(|d| d.name).collect::<Vec<_>>())
}

fn list(names: &[&str]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

impl From<&str> for Choice {
    fn from(name: &str) -> Choice {
        Choice::named(name)
    }
}

/// A detector named for a run, with the parameters set for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choice {
    /// The detector's name.
    pub name: String,
    /// Parameters set, by name; the others keep their defaults.
    pub params: BTreeMap<String, f64>,
}

impl Choice {
    /// Chooses a detector with its default parameters.
    pub fn named(name: impl Into<String>) -> Choice {
        Choice { name: name.into(), params: BTreeMap::new() }
    }

    /// Reads `NAME` or `NAME:PARAM=VALUE[:PARAM=VALUE...]`. The name and
    /// the parameters are checked against the registry.
    ///
    /// # Errors
    ///
    /// Returns an error for malformed text, an unknown detector or
    /// parameter, or a value that is not a number in range.
    pub fn parse(text: &str) -> Result<Choice, RegistryError> {
        let mut parts = text.trim().split(':');
        let name = parts.next().unwrap_or("").trim();
        if name.is_empty() {
            return Err(RegistryError::Malformed { text: text.to_owned() });
        }
        let spec = spec(name)?;
        let mut choice = Choice::named(name);
        for part in parts {
            let Some((param, value)) = part.split_once('=') else {
                return Err(RegistryError::Malformed { text: text.to_owned() });
            };
            let (param, value) = (param.trim(), value.trim());
            // The name is checked first: a value is judged against the
            // parameter it is for, and an unknown one has no such measure.
            spec.param(param)?;
            let parsed: f64 = value.parse().map_err(|_| RegistryError::BadValue {
                detector: name.to_owned(),
                param: param.to_owned(),
                value: value.to_owned(),
                expected: "a number".to_owned(),
            })?;
            choice.set(spec, param, parsed, value)?;
        }
        Ok(choice)
    }

    /// Sets a parameter after checking it against the detector's spec;
    /// `shown` is the value as the user wrote it, for the error message.
    ///
    /// # Errors
    ///
    /// Returns an error for an unknown parameter or a value out of range.
    pub fn set(
        &mut self,
        spec: &DetectorSpec,
        param: &str,
        value: f64,
        shown: &str,
    ) -> Result<(), RegistryError> {
        let p = spec.param(param)?;
        p.check(value).map_err(|expected| RegistryError::BadValue {
            detector: spec.name.to_owned(),
            param: param.to_owned(),
            value: shown.to_owned(),
            expected,
        })?;
        self.params.insert(param.to_owned(), value);
        Ok(())
    }

    /// Builds the detector.
    ///
    /// # Errors
    ///
    /// Returns an error when the name or a parameter is unknown or a value
    /// out of range (a `Choice` built by hand is checked here).
    pub fn build(&self, context: &Context<'_>) -> Result<Box<dyn Detector>, RegistryError> {
        let spec = spec(&self.name)?;
        let mut values: BTreeMap<&'static str, f64> =
            spec.params.iter().map(|p| (p.name, p.default)).collect();
        for (param, &value) in &self.params {
            let mut checked = Choice::named(spec.name);
            checked.set(spec, param, value, &value.to_string())?;
            if let Some(p) = spec.params.iter().find(|p| p.name == param) {
                values.insert(p.name, value);
            }
        }
        Ok((spec.build)(&Values { values }, context))
    }
}

/// Returns the registration of a built-in detector.
///
/// # Errors
///
/// Returns [`RegistryError::UnknownDetector`], listing the known names.
pub fn spec(name: &str) -> Result<&'static DetectorSpec, RegistryError> {
    DETECTORS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| RegistryError::UnknownDetector { name: name.to_owned() })
}

/// Every built-in detector, in the order runs report them: the baselines
/// of each kind, then the floors.
pub static DETECTORS: [DetectorSpec; 14] = [
    DetectorSpec {
        name: "key_travel",
        kinds: &[AbuseKind::KeySharing],
        rule: "two uses of one key farther apart than an airliner could fly, or a client new to the key after its learning uses",
        params: key_sharing::KeyTravel::PARAMS,
        build: |v, _| Box::new(key_sharing::KeyTravel::from_values(v)),
    },
    DetectorSpec {
        name: "key_concurrent",
        kinds: &[AbuseKind::KeySharing],
        rule: "one key active from distant regions within the same short window",
        params: key_sharing::KeyConcurrent::PARAMS,
        build: |v, _| Box::new(key_sharing::KeyConcurrent::from_values(v)),
    },
    DetectorSpec {
        name: "key_unfamiliar",
        kinds: &[AbuseKind::KeySharing],
        rule: "a client, network kind or region new to the key after a learning period",
        params: key_sharing::KeyUnfamiliar::PARAMS,
        build: |v, _| Box::new(key_sharing::KeyUnfamiliar::from_values(v)),
    },
    DetectorSpec {
        name: "key_fanout",
        kinds: &[AbuseKind::KeySharing],
        rule: "one key on many IPs, or one IP on many keys, within a window",
        params: key_sharing::KeyFanout::PARAMS,
        build: |v, _| Box::new(key_sharing::KeyFanout::from_values(v)),
    },
    DetectorSpec {
        name: "spoof_cancel",
        kinds: &[AbuseKind::Spoofing],
        rule: "a large order cancelled nearly unfilled soon after its owner's fill on the other side, repeated",
        params: spoofing::SpoofCancel::PARAMS,
        build: |v, _| Box::new(spoofing::SpoofCancel::from_values(v)),
    },
    DetectorSpec {
        name: "spoof_imbalance",
        kinds: &[AbuseKind::Spoofing],
        rule: "one owner's resting orders tilt the near-touch depth of a side while it trades on the other",
        params: spoofing::SpoofImbalance::PARAMS,
        build: |v, _| Box::new(spoofing::SpoofImbalance::from_values(v)),
    },
    DetectorSpec {
        name: "wash_pairs",
        kinds: &[AbuseKind::WashTrading],
        rule: "repeated trades between the same two accounts (or one account and itself) that fill both orders exactly",
        params: wash::WashPairs::PARAMS,
        build: |v, _| Box::new(wash::WashPairs::from_values(v)),
    },
    DetectorSpec {
        name: "wash_ring",
        kinds: &[AbuseKind::WashTrading],
        rule: "a closed group of accounts trading mostly among themselves with near-zero net position over a window",
        params: wash::WashRing::PARAMS,
        build: |v, _| Box::new(wash::WashRing::from_values(v)),
    },
    DetectorSpec {
        name: "wash_sizes",
        kinds: &[AbuseKind::WashTrading],
        rule: "one trade size repeated between the same two accounts within a window",
        params: wash::WashSizes::PARAMS,
        build: |v, _| Box::new(wash::WashSizes::from_values(v)),
    },
    DetectorSpec {
        name: "burst_rate",
        kinds: &[AbuseKind::MicroBurst],
        rule: "many orders and cancels from one key within a second, mostly at the minimum size",
        params: micro_burst::BurstRate::PARAMS,
        build: |v, _| Box::new(micro_burst::BurstRate::from_values(v)),
    },
    DetectorSpec {
        name: "quote_stuffing",
        kinds: &[AbuseKind::MicroBurst],
        rule: "a key's message rate far above its own baseline, with a high order-to-trade ratio and short order lives",
        params: micro_burst::QuoteStuffing::PARAMS,
        build: |v, _| Box::new(micro_burst::QuoteStuffing::from_values(v)),
    },
    DetectorSpec {
        name: "pump_group",
        kinds: &[AbuseKind::Pump],
        rule: "accounts linked by a shared IP or unrecognised tool buying an illiquid token on net together, then selling it back",
        params: pump::PumpGroup::PARAMS,
        build: |v, _| Box::new(pump::PumpGroup::from_values(v)),
    },
    DetectorSpec {
        name: "null",
        kinds: &[],
        rule: "never alerts: the floor of recall",
        params: &[],
        build: |_, c| Box::new(floor::Null::new(c.kinds.to_vec())),
    },
    DetectorSpec {
        name: "random",
        kinds: &[],
        rule: "alerts on random accounts at random events with random scores: the floor of chance",
        params: &[ParamSpec::real(
            "alerts_per_million",
            200.0,
            0.0,
            1e6,
            "alerts of each kind per million events",
        )],
        build: |v, c| {
            Box::new(floor::RandomDetector::new(
                c.kinds.to_vec(),
                c.seed,
                v.get("alerts_per_million"),
            ))
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context<'static> {
        Context { kinds: &AbuseKind::ALL, seed: 1 }
    }

    #[test]
    fn every_registered_detector_builds_under_its_name_with_its_defaults() {
        for spec in &DETECTORS {
            let detector = Choice::named(spec.name).build(&context()).unwrap();
            assert_eq!(detector.name(), spec.name);
            if !spec.kinds.is_empty() {
                assert_eq!(detector.kinds(), spec.kinds);
            }
            for p in spec.params {
                assert!(
                    p.check(p.default).is_ok(),
                    "{}: default of {} out of range",
                    spec.name,
                    p.name
                );
            }
        }
    }

    #[test]
    fn a_choice_reads_name_and_parameters() {
        let choice = Choice::parse("spoof_cancel:size_ratio=6:repeats=3").unwrap();
        assert_eq!(choice.name, "spoof_cancel");
        assert_eq!(choice.params.get("size_ratio"), Some(&6.0));
        assert_eq!(choice.params.get("repeats"), Some(&3.0));
        assert!(choice.build(&context()).is_ok());
    }

    #[test]
    fn an_unknown_detector_is_refused_with_the_known_names() {
        let message = Choice::parse("spoof_cancl").unwrap_err().to_string();
        assert!(message.contains("spoof_cancl"), "{message}");
        assert!(message.contains("spoof_cancel, spoof_imbalance"), "{message}");
    }

    #[test]
    fn an_unknown_parameter_is_refused_with_the_allowed_ones() {
        let message = Choice::parse("burst_rate:window=5").unwrap_err().to_string();
        assert!(message.contains("`window`"), "{message}");
        assert!(message.contains("window_ms"), "{message}");
    }

    #[test]
    fn an_unknown_parameter_is_named_before_its_value_is_judged() {
        let message = Choice::parse("spoof_cancel:ratio=abc").unwrap_err().to_string();
        assert!(message.contains("has no parameter `ratio`"), "{message}");
        assert!(message.contains("size_ratio"), "{message}");
        assert!(!message.contains("not a number"), "{message}");
    }

    #[test]
    fn a_value_out_of_range_or_not_a_number_is_refused() {
        let message = Choice::parse("spoof_cancel:repeats=2.5").unwrap_err().to_string();
        assert!(message.contains("whole number"), "{message}");
        let message = Choice::parse("spoof_cancel:size_ratio=-1").unwrap_err().to_string();
        assert!(message.contains("from"), "{message}");
        let message = Choice::parse("spoof_cancel:size_ratio=big").unwrap_err().to_string();
        assert!(message.contains("`big` is not a number"), "{message}");
        assert!(Choice::parse("spoof_cancel:size_ratio").is_err());
        assert!(Choice::parse(":x=1").is_err());
    }

    #[test]
    fn a_changed_parameter_changes_the_detector() {
        let spec = spec("random").unwrap();
        let mut choice = Choice::named("random");
        choice.set(spec, "alerts_per_million", 0.0, "0").unwrap();
        let mut detector = choice.build(&context()).unwrap();
        let mut alerts = Vec::new();
        let event = crate::testing::accepted(
            0,
            Nanos(0),
            crate::testing::api(1),
            0,
            surveil_sim::Side::Buy,
            100,
            10,
        );
        for _ in 0..1000 {
            detector.on_event(&event, &mut alerts);
        }
        assert!(alerts.is_empty());
    }
}
