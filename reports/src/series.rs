//! What a results document carries for its charts: the market over time,
//! the episodes and alerts placed in it, each detector's detection delays
//! and precision-recall curve, traded volume by participant class and,
//! when given, the return statistics behind the stylized facts.
//!
//! Everything here is bounded whatever the run's length: the series are
//! sampled on a grid of at most [`MAX_BUCKETS`] intervals, alerts are
//! counted per detector, kind and interval of a coarser grid of at most
//! [`MAX_ALERT_BUCKETS`], and per-episode lists are as long as the ground
//! truth's episodes. Every figure is simulated, never wall-clock, so it is
//! the same on every run of a scenario and seed.

use serde::{Deserialize, Serialize};

use crate::error::ReportError;

/// The most intervals a price and volume series is cut into.
pub const MAX_BUCKETS: usize = 400;

/// The most intervals alerts are counted in.
pub const MAX_ALERT_BUCKETS: usize = 120;

/// The data behind a report's charts. Empty in documents written before
/// charts existed, and then the report shows only what the scores allow.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    /// The width of one interval of the price and volume series, in
    /// seconds of simulated time; interval `i` covers `[i·w, (i+1)·w)`.
    pub interval_s: f64,
    /// The price and traded volume of each instrument, in scenario order.
    pub series: Vec<InstrumentSeries>,
    /// Every labelled episode's window, in ground-truth order.
    pub episodes: Vec<EpisodeWindow>,
    /// The width of one interval of the alert counts, in seconds.
    pub alert_interval_s: f64,
    /// Alerts per detector and kind, counted per alert interval.
    pub alerts: Vec<AlertTrack>,
    /// Each detector's detection delays, per kind it reports on.
    pub delays: Vec<DetectionDelays>,
    /// Precision against recall across score thresholds, for detectors
    /// whose alerts carry more than one distinct score.
    pub pr_curves: Vec<PrCurve>,
    /// Traded value by participant class: by channel, then by client.
    pub volume_by_class: Vec<ClassVolume>,
    /// The return statistics of `surveil facts`, when the run carries them.
    #[serde(default)]
    pub facts: Option<FactsCharts>,
}

/// One instrument's last traded price and traded value per interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InstrumentSeries {
    /// The instrument's symbol.
    pub symbol: String,
    /// The last trade price at the end of each interval, in KRW per token;
    /// `None` before the instrument's first trade.
    pub price_krw: Vec<Option<f64>>,
    /// The value traded in each interval, in KRW, each trade counted once.
    pub volume_krw: Vec<f64>,
}

/// When one abuse episode ran, and on which instruments it placed orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeWindow {
    /// The abuse kind, such as `spoofing`.
    pub kind: String,
    /// When it began, in seconds of simulated time.
    pub start_s: f64,
    /// Its first public event, in seconds.
    pub evidence_s: f64,
    /// Its last public event, in seconds.
    pub end_s: f64,
    /// The symbols of the instruments its orders went to, in scenario
    /// order; empty when it placed no order.
    pub instruments: Vec<String>,
}

/// The alerts of one detector on one kind, counted per alert interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertTrack {
    /// The detector's name.
    pub detector: String,
    /// The abuse kind claimed.
    pub kind: String,
    /// The intervals holding at least one alert, in ascending order.
    pub buckets: Vec<u32>,
    /// The number of alerts in each of those intervals.
    pub counts: Vec<u64>,
}

/// The detection delays of one detector on one kind: one per caught
/// episode, from its first public event to its first true alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectionDelays {
    /// The detector's name.
    pub detector: String,
    /// The abuse kind.
    pub kind: String,
    /// The delays in milliseconds of simulated time, sorted ascending.
    pub delays_ms: Vec<f64>,
}

/// Precision and recall of one detector on one kind when only alerts
/// scoring at least a threshold are kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// The detector's name.
    pub detector: String,
    /// The abuse kind.
    pub kind: String,
    /// The curve's points, from the highest threshold to the lowest.
    pub points: Vec<PrPoint>,
}

/// One point of a precision-recall curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// The lowest score kept.
    pub threshold: f64,
    /// The alerts kept.
    pub alerts: u64,
    /// Precision of the alerts kept, as the scorer counts it; `None` when
    /// they form no incident.
    pub precision: Option<f64>,
    /// Recall of the alerts kept; `None` when the kind has no episode.
    pub recall: Option<f64>,
}

/// The traded value of one class of participant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassVolume {
    /// How participants are grouped: `channel` (API, web, mobile) or
    /// `client` (the client fingerprint's family).
    pub group: String,
    /// The class, such as `api` or `unknown_tool`.
    pub class: String,
    /// The value the class traded, in KRW, both sides of every trade
    /// counted, so each group's values add up to twice the traded value.
    pub volume_krw: f64,
    /// The class's share of traded value, between 0 and 1; a group's
    /// shares add up to 1.
    pub share: f64,
}

/// The return statistics of one simulated session and, when compared, one
/// real session, as `surveil facts --json` writes them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FactsCharts {
    /// The sessions measured: the simulation first, then the real day.
    pub sessions: Vec<ReturnSeries>,
}

impl FactsCharts {
    /// Reads the return statistics from a document written by `surveil
    /// facts --json`, of one session or of a comparison; every other field
    /// of it is ignored.
    ///
    /// # Errors
    ///
    /// Returns [`ReportError::Malformed`] with the line, column and field
    /// when the text is not JSON or its `return_series` is missing or of
    /// the wrong shape.
    pub fn from_facts_json(text: &str) -> Result<FactsCharts, ReportError> {
        #[derive(Deserialize)]
        struct Facts {
            return_series: Vec<ReturnSeries>,
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let facts: Facts = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let path = err.path().to_string();
            ReportError::from_json(err.inner(), (path != ".").then_some(path), FACTS)
        })?;
        deserializer.end().map_err(|err| ReportError::from_json(&err, None, FACTS))?;
        Ok(FactsCharts { sessions: facts.return_series })
    }
}

/// What a facts document is called in errors.
const FACTS: &str = "facts document (the output of `surveil facts --json`)";

/// The distribution and autocorrelation of one session's returns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReturnSeries {
    /// What was measured, such as `simulated default (seed 1) BTC-KRW`.
    pub label: String,
    /// The return horizon, in seconds.
    pub horizon_s: f64,
    /// The returns standardised to mean 0 and variance 1, counted in
    /// bins: bin `i` covers `[lo + i·w, lo + (i+1)·w)`.
    pub histogram_lo: f64,
    /// The width of one bin.
    pub histogram_width: f64,
    /// The share of returns in each bin, so that the bins sum to 1.
    pub histogram: Vec<f64>,
    /// The autocorrelation of absolute returns at lags 1, 2, ...; `None`
    /// where undefined.
    pub abs_acf: Vec<Option<f64>>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn facts_document_gives_its_return_series() {
        let series = charts().facts.unwrap().sessions;
        let text = serde_json::json!({"source": {"kind": "simulated"}, "return_series": series});
        let read = FactsCharts::from_facts_json(&text.to_string()).unwrap();
        assert_eq!(read.sessions, series);

        let err = FactsCharts::from_facts_json("{\"rows\": []}").unwrap_err().to_string();
        assert!(err.contains("missing field `return_series`"), "{err}");
        assert!(err.starts_with("facts document"), "a facts document is named as one: {err}");
        let text = serde_json::json!({"return_series": [{"label": 3}]}).to_string();
        let err = FactsCharts::from_facts_json(&text).unwrap_err().to_string();
        assert!(err.contains("field `return_series[0].label`"), "{err}");
    }

    /// Builds chart data with every chart's input present, small enough to
    /// read: two instruments over ten 6-second intervals.
    pub(crate) fn charts() -> ChartData {
        let price =
            |base: f64| (0..10).map(|i| (i > 0).then(|| base + f64::from(i) * 3.5)).collect();
        let volume = |scale: f64| (0..10).map(|i| scale * f64::from((i * 7) % 5 + 1)).collect();
        ChartData {
            interval_s: 6.0,
            series: vec![
                InstrumentSeries {
                    symbol: "BTC-KRW".to_owned(),
                    price_krw: price(90_000_000.0),
                    volume_krw: volume(2.5e8),
                },
                InstrumentSeries {
                    symbol: "ZZZ-KRW".to_owned(),
                    price_krw: price(120.0),
                    volume_krw: volume(1.5e5),
                },
            ],
            episodes: vec![
                EpisodeWindow {
                    kind: "spoofing".to_owned(),
                    start_s: 10.0,
                    evidence_s: 11.5,
                    end_s: 20.0,
                    instruments: vec!["BTC-KRW".to_owned()],
                },
                EpisodeWindow {
                    kind: "wash_trading".to_owned(),
                    start_s: 30.0,
                    evidence_s: 30.0,
                    end_s: 52.0,
                    instruments: vec!["ZZZ-KRW".to_owned()],
                },
            ],
            alert_interval_s: 12.0,
            alerts: vec![
                AlertTrack {
                    detector: "cancel_ratio".to_owned(),
                    kind: "spoofing".to_owned(),
                    buckets: vec![0, 1, 4],
                    counts: vec![1, 3, 2],
                },
                AlertTrack {
                    detector: "random".to_owned(),
                    kind: "wash_trading".to_owned(),
                    buckets: vec![2],
                    counts: vec![5],
                },
            ],
            delays: vec![DetectionDelays {
                detector: "cancel_ratio".to_owned(),
                kind: "spoofing".to_owned(),
                delays_ms: vec![12.5, 250.0, 1_800.0],
            }],
            pr_curves: vec![PrCurve {
                detector: "cancel_ratio".to_owned(),
                kind: "spoofing".to_owned(),
                points: vec![
                    PrPoint { threshold: 9.0, alerts: 2, precision: Some(1.0), recall: Some(0.25) },
                    PrPoint { threshold: 4.0, alerts: 9, precision: Some(0.6), recall: Some(0.75) },
                ],
            }],
            volume_by_class: vec![
                ClassVolume {
                    group: "channel".to_owned(),
                    class: "api".to_owned(),
                    volume_krw: 6.0e9,
                    share: 0.3,
                },
                ClassVolume {
                    group: "channel".to_owned(),
                    class: "web".to_owned(),
                    volume_krw: 1.4e10,
                    share: 0.7,
                },
            ],
            facts: Some(FactsCharts {
                sessions: vec![ReturnSeries {
                    label: "simulated default (seed 1) BTC-KRW".to_owned(),
                    horizon_s: 1.0,
                    histogram_lo: -2.0,
                    histogram_width: 1.0,
                    histogram: vec![0.1, 0.4, 0.4, 0.1],
                    abs_acf: vec![Some(0.3), Some(0.2), None],
                }],
            }),
        }
    }
}
