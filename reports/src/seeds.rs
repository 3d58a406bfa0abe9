//! The results of one scenario over many seeds: every seed's document,
//! and per detector and kind the mean of each figure with its 95%
//! confidence interval.
//!
//! The interval is the mean plus or minus t·s/√n, with s the sample
//! standard deviation over the seeds where the figure is defined and t the
//! two-sided 95% quantile of Student's t distribution with n − 1 degrees
//! of freedom, read from the table of critical values in the NIST/SEMATECH
//! e-Handbook of Statistical Methods (section 1.3.6.7.2). Degrees of
//! freedom between two rows of the table take the smaller row's value,
//! which widens the interval slightly rather than narrowing it.

use std::fmt::Write as _;

use comfy_table::presets::ASCII_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use serde::{Deserialize, Serialize};

use crate::document::{DetectorScore, RunReport};

/// Two-sided 95% quantiles of Student's t by degrees of freedom: 1 to 30,
/// then 40, 60 and 120.
const T_975: [(u32, f64); 33] = [
    (1, 12.706),
    (2, 4.303),
    (3, 3.182),
    (4, 2.776),
    (5, 2.571),
    (6, 2.447),
    (7, 2.365),
    (8, 2.306),
    (9, 2.262),
    (10, 2.228),
    (11, 2.201),
    (12, 2.179),
    (13, 2.160),
    (14, 2.145),
    (15, 2.131),
    (16, 2.120),
    (17, 2.110),
    (18, 2.101),
    (19, 2.093),
    (20, 2.086),
    (21, 2.080),
    (22, 2.074),
    (23, 2.069),
    (24, 2.064),
    (25, 2.060),
    (26, 2.056),
    (27, 2.052),
    (28, 2.048),
    (29, 2.045),
    (30, 2.042),
    (40, 2.021),
    (60, 2.000),
    (120, 1.980),
];

/// Returns the two-sided 95% quantile of Student's t with `df` degrees of
/// freedom (at least 1); beyond the table, the normal quantile 1.960.
pub fn t_quantile_95(df: u32) -> f64 {
    let df = df.max(1);
    if df > 120 {
        return 1.960;
    }
    T_975.iter().rev().find(|&&(d, _)| d <= df).map_or(T_975[0].1, |&(_, t)| t)
}

/// A mean over seeds with its 95% confidence interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The seeds where the figure was defined.
    pub n: u64,
    /// Their mean; `None` when `n` is 0.
    pub mean: Option<f64>,
    /// Half the width of the interval; `None` when `n` is below 2.
    pub half_width: Option<f64>,
}

impl Interval {
    /// Summarises the defined values among `values`.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Interval {
        let xs: Vec<f64> = values.into_iter().flatten().collect();
        let n = xs.len();
        if n == 0 {
            return Interval::default();
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let half_width = (n >= 2).then(|| {
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t_quantile_95((n - 1) as u32) * var.sqrt() / (n as f64).sqrt()
        });
        Interval { n: n as u64, mean: Some(mean), half_width }
    }

    fn render(&self, decimals: usize) -> String {
        match (self.mean, self.half_width) {
            (None, _) => "-".to_owned(),
            (Some(m), None) => format!("{m:.decimals$}"),
            (Some(m), Some(h)) => format!("{m:.decimals$} +/- {h:.decimals$}"),
        }
    }
}

/// One detector and kind over every seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    /// The detector.
    pub name: String,
    /// The kind.
    pub kind: String,
    /// Precision over the seeds.
    pub precision: Interval,
    /// Recall over the seeds.
    pub recall: Interval,
    /// F1 over the seeds.
    pub f1: Interval,
    /// Average precision over the seeds.
    pub average_precision: Interval,
    /// Partial credit for rings over the seeds.
    pub member_recall: Interval,
    /// Median detection delay over the seeds, in milliseconds.
    pub delay_p50_ms: Interval,
    /// Honest accounts flagged per 1,000 over the seeds.
    pub false_flags_per_1k_honest: Interval,
    /// Wall-clock nanoseconds per event over the seeds.
    pub ns_per_event: Interval,
}

/// The results of one scenario over many seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedsReport {
    /// The scenario.
    pub scenario: String,
    /// The seeds scored, in the order given.
    pub seeds: Vec<u64>,
    /// The seed the operating thresholds were chosen on, if any; never one
    /// of `seeds`.
    pub calibrate_seed: Option<u64>,
    /// How the thresholds were chosen: `best_f1`, `alert_budget`, or
    /// `none` when every alert was scored.
    pub objective: String,
    /// With `alert_budget`, the alerts allowed per 1,000 accounts.
    pub alert_budget_per_1k: Option<f64>,
    /// Per detector and kind, in the order of the first seed's document.
    pub summary: Vec<SeedSummary>,
    /// Each seed's own document, in the order of `seeds`.
    pub runs: Vec<RunReport>,
}

impl SeedsReport {
    /// Summarises the documents of `runs`, one per seed.
    pub fn summarise(runs: &[RunReport]) -> Vec<SeedSummary> {
        let Some(first) = runs.first() else { return Vec::new() };
        first
            .detectors
            .iter()
            .map(|d| {
                let rows: Vec<&DetectorScore> = runs
                    .iter()
                    .filter_map(|r| {
                        r.detectors.iter().find(|s| s.name == d.name && s.kind == d.kind)
                    })
                    .collect();
                let over =
                    |f: fn(&DetectorScore) -> Option<f64>| Interval::of(rows.iter().map(|r| f(r)));
                SeedSummary {
                    name: d.name.clone(),
                    kind: d.kind.clone(),
                    precision: over(|r| r.precision),
                    recall: over(|r| r.recall),
                    f1: over(|r| r.f1),
                    average_precision: over(|r| r.average_precision),
                    member_recall: over(|r| r.member_recall),
                    delay_p50_ms: over(|r| r.delay_p50_ms),
                    false_flags_per_1k_honest: over(|r| Some(r.false_flags_per_1k_honest)),
                    ns_per_event: over(|r| Some(r.ns_per_event)),
                }
            })
            .collect()
    }

    /// Returns the document as pretty-printed JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("a SeedsReport is made of plain data that always serialises");
        text.push('\n');
        text
    }

    /// Renders the summary for a terminal: a line naming the seeds and the
    /// protocol, then one row per detector and kind. Ends in a newline.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let seeds: Vec<String> = self.seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(out, "scenario   {}", self.scenario);
        let count = match self.seeds.len() {
            1 => "1 seed".to_owned(),
            n => format!("{n} seeds"),
        };
        let _ = writeln!(out, "seeds      {} ({count})", seeds.join(", "));
        let protocol = match (self.calibrate_seed, self.alert_budget_per_1k) {
            (None, _) => "every alert scored, no operating threshold".to_owned(),
            (Some(s), None) => format!("thresholds at best F1 on calibration seed {s}"),
            (Some(s), Some(k)) => {
                format!("thresholds at {k} alerts per 1,000 accounts on calibration seed {s}")
            }
        };
        let _ = writeln!(out, "protocol   {protocol}");
        let _ = writeln!(
            out,
            "figures    mean +/- half-width of the 95% confidence interval (Student's t)\n"
        );

        let mut table = Table::new();
        table
            .load_preset(ASCII_FULL_CONDENSED)
            .force_no_tty()
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header([
                "detector",
                "kind",
                "precision",
                "recall",
                "F1",
                "average\nprecision",
                "member\nrecall",
                "delay p50\nms",
                "false flags\n/1k honest",
            ]);
        for s in &self.summary {
            table.add_row([
                s.name.clone(),
                s.kind.clone(),
                s.precision.render(3),
                s.recall.render(3),
                s.f1.render(3),
                s.average_precision.render(3),
                s.member_recall.render(3),
                s.delay_p50_ms.render(1),
                s.false_flags_per_1k_honest.render(2),
            ]);
        }
        for column in table.column_iter_mut().skip(2) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        let _ = writeln!(out, "{table}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::report;

    #[test]
    fn the_t_table_matches_its_source_at_sampled_rows() {
        assert_eq!(t_quantile_95(1), 12.706);
        assert_eq!(t_quantile_95(19), 2.093);
        assert_eq!(t_quantile_95(30), 2.042);
        // Between rows, the smaller row: wider, never narrower.
        assert_eq!(t_quantile_95(45), 2.021);
        assert_eq!(t_quantile_95(1000), 1.960);
    }

    #[test]
    fn an_interval_is_the_mean_plus_or_minus_t_s_over_root_n() {
        let i = Interval::of([Some(1.0), Some(2.0), None, Some(3.0)]);
        assert_eq!((i.n, i.mean), (3, Some(2.0)));
        // s = 1, t(2) = 4.303, so the half-width is 4.303 / sqrt(3).
        assert!((i.half_width.unwrap() - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(Interval::of([Some(5.0)]).half_width, None);
        assert_eq!(Interval::of([None]).mean, None);
    }

    #[test]
    fn the_summary_has_a_row_per_detector_and_kind() {
        let a = report();
        let mut b = report();
        b.detectors[1].recall = Some(0.0);
        let summary = SeedsReport::summarise(&[a.clone(), b]);
        assert_eq!(summary.len(), a.detectors.len());
        assert_eq!(summary[1].recall.n, 2);
        assert_eq!(summary[1].recall.mean, Some(a.detectors[1].recall.unwrap() / 2.0));
        let doc = SeedsReport {
            scenario: "default".into(),
            seeds: vec![1, 2],
            summary,
            ..SeedsReport::default()
        };
        let text = doc.render_table();
        assert!(text.contains("seeds      1, 2 (2 seeds)"), "{text}");
        assert!(text.contains(" +/- "), "{text}");
    }

    #[test]
    fn one_seed_is_counted_in_the_singular() {
        let doc = SeedsReport { seeds: vec![7], ..SeedsReport::default() };
        let text = doc.render_table();
        assert!(text.contains("seeds      7 (1 seed)\n"), "{text}");
    }
}
