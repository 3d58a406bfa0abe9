//! Scores across thresholds, and the protocol that picks an operating
//! threshold without looking at the seeds it is scored on.
//!
//! A detector's alerts carry scores. Keeping only those at or above a
//! threshold gives one precision and one recall; every threshold together
//! gives the precision-recall curve, and the area under its step-wise form
//! is the average precision (the sum over thresholds, from the highest
//! down, of the recall gained times the precision there), which does not
//! depend on any single threshold. Precision and recall are the scorer's
//! own (incidents and episodes), so the curve agrees with the table.
//!
//! The threshold protocol (Tatbul et al. and the complaints about NAB's
//! scorer warn against tuning on the data being scored) chooses each
//! detector's operating threshold on a calibration seed, either at its
//! best F1 or at the lowest threshold that keeps its flagged entities
//! within an alert budget, and the evaluation seeds are then scored at it.

use std::collections::{BTreeMap, BTreeSet};

use surveil_detectors::{AbuseKind, Alert};
use surveil_reports::PrPoint;
use surveil_sim::GroundTruth;

use crate::pipeline::DetectorRun;
use crate::score::{ScoringRules, score_kind};

/// The most thresholds a curve is evaluated at. A detector with more
/// distinct scores is evaluated at this many of them, spread evenly by
/// rank (the highest and the lowest always among them), so the average
/// precision of a detector with very many distinct scores is a close
/// approximation rather than exact.
pub const MAX_THRESHOLDS: usize = 64;

/// The operating thresholds of a run, by detector and kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thresholds {
    by_detector: BTreeMap<(String, AbuseKind), f64>,
}

impl Thresholds {
    /// Returns the threshold of a detector and kind, if one was chosen.
    pub fn get(&self, detector: &str, kind: AbuseKind) -> Option<f64> {
        self.by_detector.get(&(detector.to_owned(), kind)).copied()
    }

    /// Sets the threshold of a detector and kind.
    pub fn set(&mut self, detector: &str, kind: AbuseKind, threshold: f64) {
        self.by_detector.insert((detector.to_owned(), kind), threshold);
    }

    /// Tells whether no threshold was chosen.
    pub fn is_empty(&self) -> bool {
        self.by_detector.is_empty()
    }
}

/// How the operating threshold is chosen on the calibration seed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// The threshold with the best F1; among equal F1, the highest.
    BestF1,
    /// The lowest threshold at which the entities flagged stay within this
    /// many per 1,000 accounts of the run.
    AlertBudget(f64),
}

/// Returns the distinct scores of the alerts of `kind`, highest first,
/// thinned to at most [`MAX_THRESHOLDS`].
fn candidate_thresholds(alerts: &[Alert], kind: AbuseKind) -> Vec<f64> {
    let mut scores: Vec<f64> = alerts.iter().filter(|a| a.kind == kind).map(|a| a.score).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    scores.dedup_by(|a, b| a.total_cmp(b).is_eq());
    if scores.len() <= MAX_THRESHOLDS {
        return scores;
    }
    let last = scores.len() - 1;
    (0..MAX_THRESHOLDS).map(|i| scores[i * last / (MAX_THRESHOLDS - 1)]).collect()
}

/// Returns the precision-recall curve of a detector's alerts on `kind`,
/// from the highest threshold down; empty when it raised no alert of the
/// kind or the kind had no episode.
pub fn pr_curve(
    truth: &GroundTruth,
    alerts: &[Alert],
    kind: AbuseKind,
    rules: &ScoringRules,
) -> Vec<PrPoint> {
    let mut curve = Vec::new();
    for threshold in candidate_thresholds(alerts, kind) {
        let kept: Vec<Alert> =
            alerts.iter().filter(|a| a.kind == kind && a.score >= threshold).copied().collect();
        let score = score_kind(truth, &kept, kind, rules);
        let Some(recall) = score.recall else { return Vec::new() };
        curve.push(PrPoint { threshold, precision: score.precision.unwrap_or(0.0), recall });
    }
    curve
}

/// Returns the average precision of a curve from [`pr_curve`]: the sum of
/// recall gained at each point times the precision there. An empty curve
/// (no alert) has an average precision of 0; `None` is left for a kind
/// without episodes, which the caller knows from recall.
pub fn average_precision(curve: &[PrPoint]) -> Option<f64> {
    let mut previous = 0.0;
    let mut area = 0.0;
    for point in curve {
        area += (point.recall - previous).max(0.0) * point.precision;
        previous = previous.max(point.recall);
    }
    Some(area)
}

/// Chooses the operating threshold of every detector and kind of a
/// calibration run. A detector that raised no alert of a kind gets no
/// threshold there (it keeps every alert on the scored seeds).
pub fn calibrate(
    truth: &GroundTruth,
    runs: &[DetectorRun],
    rules: &ScoringRules,
    objective: Objective,
) -> Thresholds {
    let mut thresholds = Thresholds::default();
    let accounts = truth.accounts.len().max(1) as f64;
    for run in runs {
        for &kind in &run.kinds {
            let candidates = candidate_thresholds(&run.alerts, kind);
            let chosen = match objective {
                Objective::BestF1 => {
                    let mut best: Option<(f64, f64)> = None;
                    for &t in &candidates {
                        let kept: Vec<Alert> = run
                            .alerts
                            .iter()
                            .filter(|a| a.kind == kind && a.score >= t)
                            .copied()
                            .collect();
                        let f1 = score_kind(truth, &kept, kind, rules).f1.unwrap_or(0.0);
                        // Candidates come highest first, so a tie keeps
                        // the higher threshold: fewer alerts, same F1.
                        if best.is_none_or(|(_, b)| f1 > b) {
                            best = Some((t, f1));
                        }
                    }
                    best.map(|(t, _)| t)
                }
                Objective::AlertBudget(per_1k) => {
                    let budget = per_1k * accounts / 1000.0;
                    let mut chosen = None;
                    for &t in &candidates {
                        let flagged: BTreeSet<_> = run
                            .alerts
                            .iter()
                            .filter(|a| a.kind == kind && a.score >= t)
                            .map(|a| a.entity)
                            .collect();
                        if flagged.len() as f64 > budget {
                            break;
                        }
                        chosen = Some(t);
                    }
                    // A budget that even the highest threshold exceeds
                    // keeps only alerts above every score seen.
                    chosen.or_else(|| candidates.first().map(|t| next_up(*t)))
                }
            };
            if let Some(t) = chosen {
                thresholds.set(&run.name, kind, t);
            }
        }
    }
    thresholds
}

/// Returns the smallest float above `x`.
fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    let bits = x.to_bits();
    let next = if x == 0.0 {
        1
    } else if x > 0.0 {
        bits + 1
    } else {
        bits - 1
    };
    f64::from_bits(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(threshold: f64, precision: f64, recall: f64) -> PrPoint {
        PrPoint { threshold, precision, recall }
    }

    #[test]
    fn average_precision_sums_recall_gained_times_precision() {
        // Recall 0.5 at precision 1, then 1.0 at precision 0.5.
        let curve = [point(3.0, 1.0, 0.5), point(1.0, 0.5, 1.0)];
        assert_eq!(average_precision(&curve), Some(0.75));
        assert_eq!(average_precision(&[]), Some(0.0));
    }

    #[test]
    fn candidates_are_distinct_scores_highest_first_and_thinned() {
        let alert = |score: f64| Alert {
            time: surveil_sim::Nanos(0),
            kind: AbuseKind::Spoofing,
            entity: surveil_detectors::Entity::Account(surveil_sim::AccountId(1)),
            score,
        };
        let alerts = [alert(1.0), alert(3.0), alert(1.0), alert(2.0)];
        assert_eq!(candidate_thresholds(&alerts, AbuseKind::Spoofing), [3.0, 2.0, 1.0]);
        assert!(candidate_thresholds(&alerts, AbuseKind::Pump).is_empty());

        let many: Vec<Alert> = (0..1000).map(|i| alert(f64::from(i))).collect();
        let thinned = candidate_thresholds(&many, AbuseKind::Spoofing);
        assert_eq!(thinned.len(), MAX_THRESHOLDS);
        assert_eq!((thinned[0], thinned[MAX_THRESHOLDS - 1]), (999.0, 0.0));
    }

    #[test]
    fn next_up_is_just_above() {
        assert!(next_up(1.0) > 1.0 && next_up(1.0) - 1.0 < 1e-15);
        assert!(next_up(0.0) > 0.0);
        assert!(next_up(-1.0) > -1.0);
    }
}
