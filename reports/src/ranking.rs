//! The third table of a run's rendering: how each detector ranks its
//! alerts, how much of each ring it names, and how long one event takes.

use comfy_table::presets::ASCII_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::document::DetectorScore;

/// The line above the table.
pub(crate) const RANKING_TITLE: &str =
    "scores across thresholds, partial credit for rings, and per-event cost";

const HEADER: [&str; 9] = [
    "detector",
    "kind",
    "operating\nthreshold",
    "average\nprecision",
    "member\nrecall",
    "whole ring\nrecall",
    "curve\npoints",
    "events/s\n(millions)",
    "p99 ns\nper event",
];

/// Renders the title and the table, ending in a newline.
pub(crate) fn render(scores: &[DetectorScore]) -> String {
    let mut table = Table::new();
    table
        .load_preset(ASCII_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(HEADER);
    for s in scores {
        table.add_row([
            s.name.clone(),
            s.kind.clone(),
            s.threshold.map_or_else(|| "all alerts".to_owned(), |t| format!("{t:.4}")),
            optional(s.average_precision),
            optional(s.member_recall),
            optional(s.whole_ring_recall),
            s.pr_curve.len().to_string(),
            format!("{:.1}", s.events_per_sec / 1e6),
            format!("{:.0}", s.p99_event_ns),
        ]);
    }
    for column in table.column_iter_mut().skip(2) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    format!("{RANKING_TITLE}\n{table}\n")
}

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::report;

    #[test]
    fn a_row_shows_threshold_average_precision_credit_and_cost() {
        let text = render(&report().detectors);
        assert!(text.starts_with(RANKING_TITLE), "{text}");
        let line = text.lines().find(|l| l.contains("cancel_ratio")).expect("a row per score");
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // Base 0.01: threshold 1.51, AP 0.46, member recall 0.41, whole
        // ring 0.21, two curve points, 11.4 million events/s, p99 250 ns.
        assert_eq!(&cells[3..10], &["1.5100", "0.460", "0.410", "0.210", "2", "11.4", "250"]);
    }
}
