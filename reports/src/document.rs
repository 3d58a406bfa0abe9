//! The results document: what a run simulated, how each detector scored and
//! what the run cost.
//!
//! Every figure except those in [`RunCost`] and the two timing fields of
//! [`DetectorScore`] is a function of the scenario and the seed alone, so two
//! runs of the same scenario and seed give documents that are equal once
//! [`RunReport::without_cost`] has cleared the wall-clock figures. The JSON
//! form keeps the field order of the declarations below and reads back to a
//! document equal to the one written.

use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::series::ChartData;

/// What a results document is called in errors.
const RESULTS: &str = "results document";

/// The results of one run: one scenario, one seed, every detector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The version of surveil that produced the document.
    pub surveil_version: String,
    /// The scenario that was run: a built-in name or the path it was read from.
    pub scenario: String,
    /// The seed every random stream of the run was derived from.
    pub seed: u64,
    /// The simulated session length, in seconds of simulated time.
    pub duration_s: f64,
    /// The symbols of the instruments traded, in scenario order.
    pub instruments: Vec<String>,
    /// The number of exchange accounts in the run.
    pub accounts: u64,
    /// The number of accounts that took part in no abuse episode.
    pub honest_accounts: u64,
    /// The number of events in the public event stream.
    pub events: u64,
    /// The number of trades (fills) in the run.
    pub trades: u64,
    /// The fraction of traded volume, between 0 and 1, that came from orders
    /// sent through the API; both sides of every trade are counted.
    pub algo_share: f64,
    /// The share the scenario asked for.
    pub api_share_target: f64,
    /// How the target share was met.
    pub calibration: Calibration,
    /// The hex digest of the public event stream. Equal digests mean equal
    /// streams, byte for byte.
    pub digest: String,
    /// How many labelled abuse episodes of each kind the run contained.
    pub episodes: Vec<EpisodeCount>,
    /// How many honest accounts of each decoy type the run contained; empty
    /// in documents written before decoys existed.
    #[serde(default)]
    pub decoys: Vec<DecoyCount>,
    /// How long after an episode's end an alert still counts as catching it,
    /// in milliseconds of simulated time.
    pub grace_ms: f64,
    /// One score per detector and abuse kind it reports on.
    pub detectors: Vec<DetectorScore>,
    /// What the exchange's controls did: refusals, interventions,
    /// reconciliations and halts. Left out of the document when the
    /// scenario's policy switched no control on, or none acted.
    #[serde(default, skip_serializing_if = "ControlSummary::is_empty")]
    pub controls: ControlSummary,
    /// What the run cost in wall-clock time.
    pub cost: RunCost,
    /// The data behind the HTML report's charts; empty in documents
    /// written before charts existed.
    #[serde(default)]
    pub charts: ChartData,
}

/// What the exchange's controls did over a run, counted from the public
/// stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ControlSummary {
    /// Requests refused by a control, per refusal reason (`not_whitelisted`,
    /// `no_permission`, `key_expired`, `account_paused`, `trading_halted`),
    /// in that order, reasons that never occurred left out.
    pub refusals: Vec<NamedCount>,
    /// Control events per kind (`warned`, `key_expired`, `reconciled`,
    /// ...), in the order of the events table's `control` column, kinds
    /// that never occurred left out.
    pub actions: Vec<NamedCount>,
    /// Accounts whose balances disagreed with the settlement ledger, over
    /// every reconciliation.
    pub discrepancies: u64,
    /// Every halt of trading, in order.
    pub halts: Vec<Halt>,
}

impl ControlSummary {
    /// Tells whether no control acted.
    pub fn is_empty(&self) -> bool {
        self.refusals.is_empty() && self.actions.is_empty() && self.halts.is_empty()
    }
}

/// A count under a name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCount {
    /// What is counted.
    pub name: String,
    /// How many.
    pub count: u64,
}

/// One halt of trading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Halt {
    /// Why: `reconciliation` or `overload`.
    pub cause: String,
    /// When it began, in seconds of simulated time.
    pub start_s: f64,
    /// When trading resumed, or `None` when it was still halted at the
    /// session's end.
    pub end_s: Option<f64>,
}

/// How a run met its scenario's target API share: by scaling retail order
/// sizes, running again while the share was off target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Simulations run.
    pub runs: u32,
    /// Whether the reported run met the target within the tolerance; if
    /// not, it is the run that came closest.
    pub met: bool,
    /// The retail size multiplier of the reported run.
    pub retail_size_multiplier: f64,
}

/// The number of labelled episodes of one abuse kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeCount {
    /// The abuse kind, by its file name, such as `spoofing`.
    pub kind: String,
    /// How many episodes of that kind the ground truth holds.
    pub count: u64,
    /// How many the scenario asked for. Fewer run when an episode could not
    /// act at all (a session too short for it, no room in the spread), and
    /// an episode that left no evidence is not in the ground truth.
    pub requested: u64,
}

/// The number of honest accounts built as one type of decoy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecoyCount {
    /// The decoy type, by its file name, such as `shared_ip`.
    pub kind: String,
    /// How many honest accounts of that type the ground truth holds.
    pub accounts: u64,
}

/// The honest accounts one detector flagged for one kind of abuse that
/// share a cause: one decoy type, or `other_honest` for honest accounts
/// that are no decoy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FalseFlagCause {
    /// The decoy type, such as `busy_market_maker`, or `other_honest`.
    pub cause: String,
    /// How many honest accounts of that cause the run had.
    pub accounts: u64,
    /// How many of them the detector flagged.
    pub flagged: u64,
    /// Flagged accounts per 1,000 accounts of that cause; `None`
    /// (undefined) when the run had none.
    pub per_1k_accounts: Option<f64>,
}

/// One point of a precision-recall curve: the scores a detector reaches
/// when only its alerts scored at or above a threshold are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// The threshold on the detector's alert scores.
    pub threshold: f64,
    /// Precision of the kept alerts, 0 when none is kept.
    pub precision: f64,
    /// Recall of the kept alerts.
    pub recall: f64,
}

/// How one detector scored on one kind of abuse.
///
/// Ratios lie between 0 and 1. All times are simulated time except
/// `ns_per_event`, `events_per_sec` and `p99_event_ns`, which are
/// wall-clock.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorScore {
    /// The detector's name, unique within the run.
    pub name: String,
    /// The abuse kind scored, by its file name, such as `spoofing`.
    pub kind: String,
    /// How many alerts of this kind the detector raised.
    pub alerts: u64,
    /// How many incidents those alerts formed once repeated alerts on one
    /// entity were merged.
    pub incidents: u64,
    /// How many of those incidents point at a real episode of this kind.
    pub true_incidents: u64,
    /// True incidents over all incidents; `None` (undefined) when there were
    /// none.
    pub precision: Option<f64>,
    /// Episodes of this kind caught by at least one alert, over all episodes
    /// of this kind; `None` (undefined) when there were none.
    pub recall: Option<f64>,
    /// The harmonic mean of precision and recall, an undefined precision
    /// counting as 0; `None` when recall is undefined.
    pub f1: Option<f64>,
    /// How many episodes of this kind the ground truth holds.
    pub episodes: u64,
    /// How many of those episodes at least one alert caught.
    pub detected: u64,
    /// Flagged accounts that are abusive, over all flagged accounts (an alert
    /// on a key flags the key's owner); `None` when nothing was flagged.
    pub entity_precision: Option<f64>,
    /// Abusive accounts that were flagged, over all abusive accounts of this
    /// kind; `None` when there were none.
    pub entity_recall: Option<f64>,
    /// The median detection delay over caught episodes, in milliseconds from
    /// an episode's first observable evidence to its first catching alert;
    /// `None` when no episode was caught.
    pub delay_p50_ms: Option<f64>,
    /// The 90th percentile of the same delays, in milliseconds; `None` when
    /// no episode was caught.
    pub delay_p90_ms: Option<f64>,
    /// Among episodes of this kind that reached a payoff, the share caught at
    /// or before it; `None` when no episode had a payoff.
    pub caught_before_payoff: Option<f64>,
    /// Honest accounts this detector flagged for this kind, per 1,000 honest
    /// accounts in the run.
    pub false_flags_per_1k_honest: f64,
    /// The same flagged honest accounts broken down by cause: one entry per
    /// decoy type, then `other_honest`, always in that order. The flagged
    /// counts add up to all honest accounts flagged. Empty in documents
    /// written before decoys existed.
    #[serde(default)]
    pub false_flags_by_cause: Vec<FalseFlagCause>,
    /// The wall-clock nanoseconds the detector spent per event.
    pub ns_per_event: f64,
    /// The events the detector consumed per wall-clock second.
    pub events_per_sec: f64,
    /// The 99th percentile of the wall-clock time the detector took for one
    /// event, in nanoseconds, over a sample of one event in 512 (each timed
    /// on its own, so the figure includes the cost of reading the clock).
    #[serde(default)]
    pub p99_event_ns: f64,
    /// The operating threshold the alerts were kept at, chosen on a
    /// calibration seed; `None` when every alert was scored.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Partial credit for rings: over the episodes of this kind, the mean
    /// share of each episode's accounts named by a true alert (an alert on
    /// a key names its owner); `None` when there were no episodes. Strict
    /// recall credits an episode for one member; this credits each member.
    #[serde(default)]
    pub member_recall: Option<f64>,
    /// The share of episodes of this kind whose every account was named by
    /// a true alert; `None` when there were no episodes.
    #[serde(default)]
    pub whole_ring_recall: Option<f64>,
    /// Average precision over every threshold on the detector's alert
    /// scores (the area under the step-wise precision-recall curve), all
    /// alerts considered whatever `threshold` is; `None` when there were
    /// no episodes of the kind.
    #[serde(default)]
    pub average_precision: Option<f64>,
    /// The precision-recall curve, from the highest threshold down; empty
    /// when the detector raised no alert of the kind.
    #[serde(default)]
    pub pr_curve: Vec<PrPoint>,
}

/// The wall-clock cost of a run. These figures vary from machine to machine
/// and from one run to the next; nothing else in the document does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunCost {
    /// Wall-clock seconds spent simulating the market, detectors excluded.
    pub sim_seconds: f64,
    /// Events the simulation produced per wall-clock second, detectors
    /// excluded.
    pub events_per_sec: f64,
    /// Wall-clock seconds the whole run took, from start to written results.
    pub wall_seconds: f64,
    /// The most memory the process held resident at once, in bytes, as the
    /// operating system reports it; `None` where it does not.
    #[serde(default)]
    pub peak_memory_bytes: Option<u64>,
}

impl RunReport {
    /// Returns the document as pretty-printed JSON ending in a newline, with
    /// fields in declaration order.
    ///
    /// Non-finite numbers have no JSON form and are written as `null`, which
    /// [`RunReport::from_json`] then refuses; every figure the harness
    /// computes is finite.
    pub fn to_json(&self) -> String {
        // The document holds only strings, numbers, lists and structs, so
        // serde_json has nothing it could refuse, and writing to a String
        // cannot fail.
        let mut text = serde_json::to_string_pretty(self)
            .expect("a RunReport is made of plain data that always serialises");
        text.push('\n');
        text
    }

    /// Reads a document written by [`RunReport::to_json`].
    ///
    /// # Errors
    ///
    /// Returns [`ReportError::Version`] when the document names a version
    /// of surveil of another series (another major, or minor while the
    /// major is 0), and [`ReportError::Malformed`] with the line, column
    /// and field of the problem when the text is not JSON or lacks a field
    /// or has one of the wrong type.
    pub fn from_json(text: &str) -> Result<RunReport, ReportError> {
        // The version is checked first: a document of another version is
        // likely to miss fields, and saying so is more useful than naming
        // the first missing one.
        #[derive(Deserialize)]
        struct Version {
            surveil_version: Option<serde_json::Value>,
        }
        if let Ok(Version { surveil_version: Some(found) }) = serde_json::from_str(text) {
            let found = found.as_str().map_or_else(|| found.to_string(), str::to_owned);
            let expected = env!("CARGO_PKG_VERSION");
            if series(&found) != Some(series(expected).unwrap_or_default()) {
                return Err(ReportError::Version {
                    found,
                    expected: expected.to_owned(),
                    expected_series: format!("{}.x", series(expected).unwrap_or_default()),
                });
            }
        }

        let mut deserializer = serde_json::Deserializer::from_str(text);
        let report: RunReport =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
                let path = err.path().to_string();
                let field = (path != ".").then_some(path);
                ReportError::from_json(err.inner(), field, RESULTS)
            })?;
        deserializer.end().map_err(|err| ReportError::from_json(&err, None, RESULTS))?;
        Ok(report)
    }

    /// Returns a copy with every wall-clock figure set to zero: the whole of
    /// [`RunCost`] and each detector's `ns_per_event`, `events_per_sec` and
    /// `p99_event_ns`.
    /// Two runs of the same scenario and seed give equal copies, which is
    /// what determinism tests compare.
    pub fn without_cost(&self) -> RunReport {
        let mut report = self.clone();
        report.cost = RunCost::default();
        for detector in &mut report.detectors {
            detector.ns_per_event = 0.0;
            detector.events_per_sec = 0.0;
            detector.p99_event_ns = 0.0;
        }
        report
    }
}

/// Returns the release series of a version whose documents read alike:
/// `major.minor` while the major is 0, `major` after; `None` when the text
/// is no version.
fn series(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    let major: u64 = parts.next()?.parse().ok()?;
    let minor: u64 = parts.next()?.parse().ok()?;
    Some(if major == 0 { format!("0.{minor}") } else { major.to_string() })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a score whose every figure differs from the others, so a field
    /// swapped or dropped on the way through JSON shows up as a mismatch.
    pub(crate) fn score(name: &str, kind: &str, base: f64) -> DetectorScore {
        DetectorScore {
            name: name.to_owned(),
            kind: kind.to_owned(),
            alerts: 40,
            incidents: 12,
            true_incidents: 9,
            precision: Some(base + 0.75),
            recall: Some(base + 0.5),
            f1: Some(base + 1.0 / 3.0),
            episodes: 6,
            detected: 3,
            entity_precision: Some(base + 0.1 + 0.2),
            entity_recall: Some(base + 2.0 / 7.0),
            delay_p50_ms: Some(base + 12.345),
            delay_p90_ms: None,
            caught_before_payoff: Some(base + 0.625),
            false_flags_per_1k_honest: base + 4.25,
            false_flags_by_cause: vec![
                FalseFlagCause {
                    cause: "shared_ip".to_owned(),
                    accounts: 24,
                    flagged: 3,
                    per_1k_accounts: Some(base + 125.0),
                },
                FalseFlagCause {
                    cause: "jump_burst".to_owned(),
                    accounts: 0,
                    flagged: 0,
                    per_1k_accounts: None,
                },
                FalseFlagCause {
                    cause: "other_honest".to_owned(),
                    accounts: 456,
                    flagged: 1,
                    per_1k_accounts: Some(base + 1000.0 / 456.0),
                },
            ],
            ns_per_event: base + 87.5,
            events_per_sec: base + 11_428_571.4,
            p99_event_ns: base + 250.0,
            threshold: Some(base + 1.5),
            member_recall: Some(base + 0.4),
            whole_ring_recall: Some(base + 0.2),
            average_precision: Some(base + 0.45),
            pr_curve: vec![
                PrPoint { threshold: base + 3.0, precision: 1.0, recall: 0.25 },
                PrPoint { threshold: base + 1.0, precision: 0.5, recall: 0.5 },
            ],
        }
    }

    /// Builds a small but complete document with two detectors.
    pub(crate) fn report() -> RunReport {
        RunReport {
            surveil_version: "0.1.0".to_owned(),
            scenario: "default".to_owned(),
            seed: 42,
            duration_s: 3600.0,
            instruments: vec!["BTC-KRW".to_owned(), "ZZZ-KRW".to_owned()],
            accounts: 500,
            honest_accounts: 480,
            events: 1_234_567,
            trades: 45_678,
            algo_share: 0.3125,
            api_share_target: 0.3,
            calibration: Calibration { runs: 2, met: true, retail_size_multiplier: 1.25 },
            digest: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_owned(),
            episodes: vec![
                EpisodeCount { kind: "spoofing".to_owned(), count: 3, requested: 3 },
                EpisodeCount { kind: "wash_trading".to_owned(), count: 2, requested: 4 },
            ],
            decoys: vec![
                DecoyCount { kind: "shared_ip".to_owned(), accounts: 24 },
                DecoyCount { kind: "jump_burst".to_owned(), accounts: 0 },
            ],
            grace_ms: 500.0,
            detectors: vec![
                score("null", "spoofing", 0.0),
                score("cancel_ratio", "spoofing", 0.01),
                score("self_trade", "wash_trading", 0.02),
            ],
            controls: ControlSummary::default(),
            cost: RunCost {
                sim_seconds: 1.5,
                events_per_sec: 823_044.7,
                wall_seconds: 2.25,
                peak_memory_bytes: Some(48_234_496),
            },
            charts: crate::series::tests::charts(),
        }
    }

    #[test]
    fn json_reads_back_to_an_equal_document() {
        let original = report();
        let text = original.to_json();
        assert!(text.ends_with("}\n"), "the JSON should end in a newline: {text:?}");

        let read = RunReport::from_json(&text).unwrap();
        assert_eq!(read, original);
        assert_eq!(read.to_json(), text);
    }

    #[test]
    fn json_round_trip_keeps_floats_exact() {
        // Ratios of small integers are the figures a scorer produces; every
        // one of them must survive being written and read back unchanged.
        let mut original = report();
        original.detectors = (1..=400)
            .map(|i| {
                let mut s = score("d", "pump", 0.0);
                s.precision = Some(f64::from(i) / 397.0);
                s.ns_per_event = f64::from(i) * 1.1e-3 + 1e9 / 7.0;
                s
            })
            .collect();

        let read = RunReport::from_json(&original.to_json()).unwrap();
        for (a, b) in read.detectors.iter().zip(&original.detectors) {
            assert_eq!(a.precision.map(f64::to_bits), b.precision.map(f64::to_bits));
            assert_eq!(a.ns_per_event.to_bits(), b.ns_per_event.to_bits());
        }
    }

    #[test]
    fn json_names_the_documented_fields() {
        let text = report().to_json();
        for field in [
            "scenario",
            "seed",
            "events",
            "trades",
            "algo_share",
            "digest",
            "detectors",
            "name",
            "kind",
            "precision",
            "recall",
            "f1",
            "delay_p50_ms",
            "delay_p90_ms",
            "false_flags_per_1k_honest",
            "false_flags_by_cause",
            "cause",
            "flagged",
            "per_1k_accounts",
            "decoys",
            "ns_per_event",
            "charts",
            "interval_s",
            "series",
            "price_krw",
            "volume_krw",
            "episodes",
            "alert_interval_s",
            "alerts",
            "delays_ms",
            "pr_curves",
            "volume_by_class",
            "facts",
        ] {
            assert!(text.contains(&format!("\"{field}\":")), "field `{field}` missing from {text}");
        }
    }

    #[test]
    fn json_keeps_declaration_order() {
        let text = report().to_json();
        let position = |field: &str| text.find(&format!("\"{field}\":")).unwrap();

        assert!(position("surveil_version") < position("scenario"));
        assert!(position("scenario") < position("seed"));
        assert!(position("digest") < position("episodes"));
        assert!(position("episodes") < position("decoys"));
        assert!(position("false_flags_per_1k_honest") < position("false_flags_by_cause"));
        assert!(position("detectors") < position("cost"));
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        // The third line lacks the colon after the key.
        let text = "{\n  \"surveil_version\": \"0.1.0\",\n  \"scenario\" \"default\"\n}\n";
        let err = RunReport::from_json(text).unwrap_err();

        let ReportError::Malformed { line, column, .. } = &err else {
            panic!("expected a malformed document, got {err}");
        };
        assert_eq!((*line, *column), (3, 14));
        let message = err.to_string();
        assert!(message.contains("line 3, column 14"), "{message}");
        assert!(!message.contains("at line 3 column 14"), "position said twice: {message}");
    }

    #[test]
    fn document_without_decoys_reads_with_empty_breakdowns() {
        let mut value: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        value.as_object_mut().unwrap().remove("decoys");
        for detector in value["detectors"].as_array_mut().unwrap() {
            detector.as_object_mut().unwrap().remove("false_flags_by_cause");
        }
        let read = RunReport::from_json(&serde_json::to_string(&value).unwrap()).unwrap();
        assert!(read.decoys.is_empty());
        assert!(read.detectors.iter().all(|d| d.false_flags_by_cause.is_empty()));
        assert_eq!(read.detectors[1].recall, report().detectors[1].recall);
    }

    #[test]
    fn missing_field_is_named_in_the_error() {
        let mut value: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        value.as_object_mut().unwrap().remove("seed");
        let text = serde_json::to_string_pretty(&value).unwrap();

        let message = RunReport::from_json(&text).unwrap_err().to_string();
        assert!(message.contains("`seed`"), "{message}");
        assert!(message.contains("line "), "{message}");
    }

    #[test]
    fn wrong_type_names_the_field_path() {
        let mut value: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        value["detectors"][2]["precision"] = serde_json::json!("high");
        let text = serde_json::to_string_pretty(&value).unwrap();

        let message = RunReport::from_json(&text).unwrap_err().to_string();
        assert!(message.contains("field `detectors[2].precision`"), "{message}");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn document_of_another_version_is_refused_naming_the_field() {
        let mut value: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        value["surveil_version"] = serde_json::json!("7.2.0");
        value.as_object_mut().unwrap().remove("seed");
        let text = serde_json::to_string_pretty(&value).unwrap();

        let err = RunReport::from_json(&text).unwrap_err();
        assert!(matches!(err, ReportError::Version { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("`surveil_version`"), "{message}");
        assert!(message.contains("\"7.2.0\""), "{message}");
    }

    #[test]
    fn document_without_charts_reads_with_empty_chart_data() {
        let mut value: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        value.as_object_mut().unwrap().remove("charts");
        let read = RunReport::from_json(&serde_json::to_string(&value).unwrap()).unwrap();
        assert_eq!(read.charts, ChartData::default());
    }

    #[test]
    fn without_cost_clears_only_wall_clock_figures() {
        let original = report();
        let cleared = original.without_cost();

        assert_eq!(
            cleared.cost,
            RunCost {
                sim_seconds: 0.0,
                events_per_sec: 0.0,
                wall_seconds: 0.0,
                peak_memory_bytes: None
            }
        );
        for (c, o) in cleared.detectors.iter().zip(&original.detectors) {
            assert_eq!((c.ns_per_event, c.events_per_sec, c.p99_event_ns), (0.0, 0.0, 0.0));
            let restored = DetectorScore {
                ns_per_event: o.ns_per_event,
                events_per_sec: o.events_per_sec,
                p99_event_ns: o.p99_event_ns,
                ..c.clone()
            };
            assert_eq!(&restored, o);
        }
        let restored = RunReport {
            cost: original.cost.clone(),
            detectors: original.detectors.clone(),
            ..cleared
        };
        assert_eq!(restored, original);
    }

    #[test]
    fn reports_differing_only_in_cost_compare_equal_without_it() {
        let a = report();
        let mut b = report();
        b.cost.wall_seconds = 99.0;
        b.detectors[1].ns_per_event = 1.0;
        assert_ne!(a, b);
        assert_eq!(a.without_cost(), b.without_cost());

        b.detectors[1].recall = Some(0.0);
        assert_ne!(a.without_cost(), b.without_cost());
    }
}
