//! Precision-recall curves of score-emitting detectors.
//!
//! A detector that attaches a score to each alert can be run at any
//! threshold: keep the alerts scoring at least `t`, and score what is left
//! exactly as the scorer scores a run ([`score_kind`]), so a curve's point
//! at the lowest threshold is the run's own precision and recall. The
//! thresholds are the distinct scores of the alerts, thinned to at most
//! [`MAX_POINTS`] by rank when there are more, so a curve's size is
//! bounded whatever the number of alerts.

use surveil_detectors::{AbuseKind, Alert};
use surveil_reports::series::{PrCurve, PrPoint};
use surveil_sim::GroundTruth;

use crate::score::{ScoringRules, score_kind};

/// The most points a curve holds.
pub const MAX_POINTS: usize = 40;

/// Returns the curve of one detector's alerts on one kind, or `None` when
/// its alerts of that kind carry fewer than two distinct scores, so that
/// no threshold would change what is kept.
pub fn pr_curve(
    detector: &str,
    truth: &GroundTruth,
    alerts: &[Alert],
    kind: AbuseKind,
    rules: &ScoringRules,
) -> Option<PrCurve> {
    let mut alerts: Vec<Alert> = alerts.iter().filter(|a| a.kind == kind).copied().collect();
    alerts.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut scores: Vec<f64> = alerts.iter().map(|a| a.score).collect();
    scores.dedup();
    if scores.len() < 2 {
        return None;
    }

    // Thin by rank, always keeping the lowest score, where the curve
    // meets the run's own figures.
    let thresholds: Vec<f64> = if scores.len() <= MAX_POINTS {
        scores
    } else {
        (1..=MAX_POINTS).map(|k| scores[(k * scores.len()).div_ceil(MAX_POINTS) - 1]).collect()
    };

    let points = thresholds
        .into_iter()
        .map(|threshold| {
            let kept = alerts.partition_point(|a| a.score >= threshold);
            let score = score_kind(truth, &alerts[..kept], kind, rules);
            PrPoint {
                threshold,
                alerts: kept as u64,
                precision: score.precision,
                recall: score.recall,
            }
        })
        .collect();
    Some(PrCurve { detector: detector.to_owned(), kind: kind.as_str().to_owned(), points })
}

#[cfg(test)]
mod tests {
    use surveil_detectors::Entity;
    use surveil_sim::truth::{Episode, EpisodeId};
    use surveil_sim::{AccountId, Nanos};

    use super::*;

    fn alert(time: u64, account: u32, score: f64) -> Alert {
        Alert {
            time: Nanos(time),
            kind: AbuseKind::Spoofing,
            entity: Entity::Account(AccountId(account)),
            score,
        }
    }

    fn truth() -> GroundTruth {
        let episode = |id: u32, account: u32| Episode {
            id: EpisodeId(id),
            kind: AbuseKind::Spoofing,
            variant: "single".to_owned(),
            accounts: vec![AccountId(account)],
            keys: Vec::new(),
            ips: Vec::new(),
            start: Nanos(0),
            first_evidence: Nanos(0),
            payoff: None,
            end: Nanos(1_000),
            orders: Vec::new(),
        };
        GroundTruth {
            accounts: (1..=10).map(AccountId).collect(),
            keys: Vec::new(),
            episodes: vec![episode(0, 1), episode(1, 2)],
            decoys: Vec::new(),
        }
    }

    #[test]
    fn curve_trades_precision_for_recall_as_the_threshold_falls() {
        // The best-scored alert is true, then a false one, then the second
        // episode's.
        let alerts = [alert(10, 1, 0.9), alert(20, 7, 0.6), alert(30, 2, 0.3)];
        let rules = ScoringRules { grace: Nanos(0) };
        let curve = pr_curve("d", &truth(), &alerts, AbuseKind::Spoofing, &rules).unwrap();

        let figures: Vec<_> =
            curve.points.iter().map(|p| (p.threshold, p.alerts, p.precision, p.recall)).collect();
        assert_eq!(
            figures,
            vec![
                (0.9, 1, Some(1.0), Some(0.5)),
                (0.6, 2, Some(0.5), Some(0.5)),
                (0.3, 3, Some(2.0 / 3.0), Some(1.0)),
            ]
        );
    }

    #[test]
    fn one_distinct_score_gives_no_curve() {
        let alerts = [alert(10, 1, 1.0), alert(20, 7, 1.0)];
        let rules = ScoringRules { grace: Nanos(0) };
        assert!(pr_curve("d", &truth(), &alerts, AbuseKind::Spoofing, &rules).is_none());
    }

    #[test]
    fn many_scores_are_thinned_to_the_bound_keeping_the_lowest() {
        let alerts: Vec<Alert> = (0..500).map(|i| alert(i, 5, f64::from(i as u32))).collect();
        let rules = ScoringRules { grace: Nanos(0) };
        let curve = pr_curve("d", &truth(), &alerts, AbuseKind::Spoofing, &rules).unwrap();
        assert_eq!(curve.points.len(), MAX_POINTS);
        assert_eq!(curve.points.last().map(|p| (p.threshold, p.alerts)), Some((0.0, 500)));
        assert!(curve.points.windows(2).all(|w| w[0].threshold > w[1].threshold));
    }
}
