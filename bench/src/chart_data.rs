//! The chart data of a results document, assembled from a run's output.
//!
//! Everything here is read after the run from what it produced: the
//! timeline gathered from the public stream, each detector's alerts, and
//! the ground truth, which only the harness sees. Episode windows, delays
//! and curves are facts about the labels and go into the report only,
//! never back to a detector.

use surveil_detectors::{Alert, Entity};
use surveil_reports::series::{
    AlertTrack, ChartData, DetectionDelays, EpisodeWindow, MAX_ALERT_BUCKETS,
};
use surveil_sim::{AbuseKind, Episode, GroundTruth, Nanos};

use crate::pipeline::RunOutput;
use crate::pr_curve::pr_curve;
use crate::score::ScoringRules;
use crate::timeline::grid_interval;

/// Builds the chart data of a run lasting `duration`.
pub fn chart_data(output: &RunOutput, duration: Nanos, rules: &ScoringRules) -> ChartData {
    let truth = &output.truth;
    let timeline = &output.timeline;
    let episodes = truth
        .episodes
        .iter()
        .map(|e| EpisodeWindow {
            kind: e.kind.as_str().to_owned(),
            start_s: e.start.as_secs_f64(),
            evidence_s: e.first_evidence.as_secs_f64(),
            end_s: e.end.as_secs_f64(),
            instruments: timeline.instruments_of(e),
        })
        .collect();

    let alert_interval = grid_interval(duration, MAX_ALERT_BUCKETS);
    let mut alerts = Vec::new();
    let mut delays = Vec::new();
    let mut pr_curves = Vec::new();
    for run in &output.detectors {
        for &kind in &run.kinds {
            alerts.push(alert_track(&run.name, &run.alerts, kind, alert_interval));
            delays.push(DetectionDelays {
                detector: run.name.clone(),
                kind: kind.as_str().to_owned(),
                delays_ms: detection_delays(truth, &run.alerts, kind, rules),
            });
            pr_curves.extend(pr_curve(&run.name, truth, &run.alerts, kind, rules));
        }
    }

    ChartData {
        interval_s: timeline.interval().as_secs_f64(),
        series: timeline.series(),
        episodes,
        alert_interval_s: alert_interval.as_secs_f64(),
        alerts,
        delays,
        pr_curves,
        volume_by_class: timeline.volume_by_class(),
        facts: None,
    }
}

/// Counts one detector's alerts of one kind per interval of `interval`.
fn alert_track(detector: &str, alerts: &[Alert], kind: AbuseKind, interval: Nanos) -> AlertTrack {
    let mut buckets: Vec<u32> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    // Alerts arrive sorted by time, so equal intervals are adjacent.
    for alert in alerts.iter().filter(|a| a.kind == kind) {
        let bucket = u32::try_from(alert.time.0 / interval.0).unwrap_or(u32::MAX);
        match (buckets.last(), counts.last_mut()) {
            (Some(&last), Some(count)) if last == bucket => *count += 1,
            _ => {
                buckets.push(bucket);
                counts.push(1);
            }
        }
    }
    AlertTrack { detector: detector.to_owned(), kind: kind.as_str().to_owned(), buckets, counts }
}

/// Returns, sorted, the delay in milliseconds from each caught episode's
/// first evidence to the first alert that catches it, by the scorer's
/// rule: an alert of the episode's kind on one of its accounts or keys,
/// between its start and its end plus the grace period. A catch before
/// the first evidence counts as zero, as in the scorer's percentiles.
pub fn detection_delays(
    truth: &GroundTruth,
    alerts: &[Alert],
    kind: AbuseKind,
    rules: &ScoringRules,
) -> Vec<f64> {
    let catches = |episode: &Episode, alert: &Alert| {
        let named = match alert.entity {
            Entity::Account(a) => episode.accounts.binary_search(&a).is_ok(),
            Entity::Key(k) => episode.keys.binary_search(&k).is_ok(),
        };
        let closes = Nanos(episode.end.0.saturating_add(rules.grace.0));
        named && episode.start <= alert.time && alert.time <= closes
    };
    let mut delays: Vec<f64> = truth
        .episodes
        .iter()
        .filter(|e| e.kind == kind)
        .filter_map(|episode| {
            alerts
                .iter()
                .filter(|a| a.kind == kind && catches(episode, a))
                .map(|a| a.time)
                .min()
                .map(|t| t.saturating_sub(episode.first_evidence).as_millis_f64())
        })
        .collect();
    delays.sort_by(f64::total_cmp);
    delays
}
