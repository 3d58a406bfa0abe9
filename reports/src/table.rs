//! The terminal rendering of a results document.
//!
//! A few summary lines describe the run, then one table gives a row per
//! detector and kind, in document order, and a second, narrower one breaks
//! each row's false flags down by cause. The output depends on the document
//! alone: it uses plain ASCII, no colour, and a fixed layout whatever the
//! terminal width, so it reads the same on a terminal, in a pipe or in a CI
//! log, and two equal documents render to equal text.

use std::fmt::Write as _;

use comfy_table::presets::ASCII_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::document::{DetectorScore, FalseFlagCause, RunReport};

/// How many hex digits of the stream digest the summary shows: enough to
/// tell runs apart at a glance.
const DIGEST_DIGITS: usize = 16;

/// The table's header, one entry per column. Long titles break over two
/// lines to keep the table narrow enough for a common terminal.
const HEADER: [&str; 13] = [
    "detector",
    "kind",
    "precision",
    "recall",
    "F1",
    "entity\nP",
    "entity\nR",
    "delay p50\nms",
    "delay p90\nms",
    "caught before\npayoff",
    "false flags\n/1k honest",
    "alerts",
    "ns/event",
];

/// The columns holding names; every other column holds a number.
const NAME_COLUMNS: usize = 2;

/// The line above the table of false flags by cause.
const CAUSE_TITLE: &str =
    "false flags by cause: honest accounts flagged (per 1,000 honest accounts of that cause)";

/// Renders a document for a terminal: summary lines, a blank line, the
/// detector table, a blank line, the table of false flags by cause, a
/// blank line, then the table of scores across thresholds and cost.
/// The text ends in a newline.
pub fn render_table(report: &RunReport) -> String {
    let mut out = summary(report);
    out.push('\n');
    out.push_str(&detector_table(&report.detectors).to_string());
    out.push_str("\n\n");
    out.push_str(CAUSE_TITLE);
    out.push('\n');
    out.push_str(&cause_table(&report.detectors).to_string());
    out.push_str("\n\n");
    out.push_str(&crate::ranking::render(&report.detectors));
    out
}

/// Writes the lines that describe the run itself.
fn summary(report: &RunReport) -> String {
    // Character-wise, so a digest that is not plain hex cannot split a
    // multi-byte character.
    let digest: String = report.digest.chars().take(DIGEST_DIGITS).collect();
    let episodes = if report.episodes.is_empty() {
        "none".to_owned()
    } else {
        let counts: Vec<String> = report
            .episodes
            .iter()
            .map(|e| {
                if e.count == e.requested {
                    format!("{} {}", e.kind, e.count)
                } else if e.count > e.requested {
                    // Some episodes label a second kind of their own, such
                    // as the wash trades that cover a pump.
                    format!("{} {} ({} requested)", e.kind, e.count, e.requested)
                } else {
                    format!("{} {} of {} requested", e.kind, e.count, e.requested)
                }
            })
            .collect();
        counts.join(", ")
    };

    let decoys = if report.decoys.is_empty() {
        "none".to_owned()
    } else {
        let counts: Vec<String> =
            report.decoys.iter().map(|d| format!("{} {}", d.kind, d.accounts)).collect();
        format!("{} honest accounts", counts.join(", "))
    };

    // Writing to a String cannot fail, so the results of `writeln!` carry
    // nothing worth handling.
    let mut out = String::new();
    let _ = writeln!(out, "scenario   {} (seed {})", report.scenario, report.seed);
    let _ = writeln!(out, "simulated  {:.3} s", report.duration_s);
    let _ = writeln!(out, "events     {}", report.events);
    let _ = writeln!(out, "trades     {}", report.trades);
    let _ = write!(
        out,
        "API share  {:.2}% of traded volume (target {:.2}%",
        report.algo_share * 100.0,
        report.api_share_target * 100.0
    );
    let calibration = &report.calibration;
    if calibration.runs > 1 && calibration.met {
        let _ = write!(
            out,
            "; met on run {} with retail sizes x{:.3}",
            calibration.runs, calibration.retail_size_multiplier
        );
    } else if !calibration.met {
        let _ = write!(
            out,
            "; not met in {} runs, closest shown, retail sizes x{:.3}",
            calibration.runs, calibration.retail_size_multiplier
        );
    }
    let _ = writeln!(out, ")");
    let _ = writeln!(out, "digest     {digest}");
    let _ = writeln!(out, "episodes   {episodes}");
    let unscored = unscored_kinds(report);
    if !unscored.is_empty() {
        let _ = writeln!(
            out,
            "unscored   {}: no detector of this kind ran, only the null and random floors",
            unscored.join(", ")
        );
    }
    let _ = writeln!(out, "decoys     {decoys}");
    write_controls(&mut out, &report.controls);
    out
}

/// Writes what the exchange's controls did, when any acted.
fn write_controls(out: &mut String, c: &crate::ControlSummary) {
    if c.is_empty() {
        return;
    }
    let list = |counts: &[crate::NamedCount]| {
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.iter().map(|n| format!("{} {}", n.name, n.count)).collect::<Vec<_>>().join(", ")
        }
    };
    let _ = writeln!(out, "refused    {} (by the exchange's controls)", list(&c.refusals));
    let _ = write!(out, "controls   {}", list(&c.actions));
    if c.actions.iter().any(|a| a.name == "reconciled") {
        let _ = write!(out, "; {} discrepancies found", c.discrepancies);
    }
    let _ = writeln!(out);
    if !c.halts.is_empty() {
        let halts: Vec<String> = c
            .halts
            .iter()
            .map(|h| match h.end_s {
                Some(end) => format!("{} {:.1}-{:.1} s", h.cause, h.start_s, end),
                None => format!("{} from {:.1} s to the close", h.cause, h.start_s),
            })
            .collect();
        let _ = writeln!(out, "halts      {}", halts.join(", "));
    }
}

/// The kinds with episodes that no detector but the null and random floors
/// was scored on.
fn unscored_kinds(report: &RunReport) -> Vec<&str> {
    report
        .episodes
        .iter()
        .filter(|e| e.count > 0)
        .map(|e| e.kind.as_str())
        .filter(|kind| {
            !report
                .detectors
                .iter()
                .any(|d| d.kind == *kind && d.name != "null" && d.name != "random")
        })
        .collect()
}

/// Builds the table with one row per detector and kind.
fn detector_table(scores: &[DetectorScore]) -> Table {
    let mut table = Table::new();

    // A fixed layout and no styling keep the text independent of whether
    // stdout is a terminal and of how wide it is.
    table
        .load_preset(ASCII_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(HEADER);

    for s in scores {
        table.add_row([
            s.name.clone(),
            s.kind.clone(),
            optional(s.precision, 3),
            optional(s.recall, 3),
            optional(s.f1, 3),
            optional(s.entity_precision, 3),
            optional(s.entity_recall, 3),
            optional(s.delay_p50_ms, 2),
            optional(s.delay_p90_ms, 2),
            optional(s.caught_before_payoff, 3),
            format!("{:.2}", s.false_flags_per_1k_honest),
            s.alerts.to_string(),
            format!("{:.2}", s.ns_per_event),
        ]);
    }

    for column in table.column_iter_mut().skip(NAME_COLUMNS) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}

/// Builds the table with one row per detector and kind and one column per
/// cause of false flags. The causes are those the document's scores name,
/// in the order they first appear; a score that lacks one shows `-` there.
fn cause_table(scores: &[DetectorScore]) -> Table {
    let mut causes: Vec<&FalseFlagCause> = Vec::new();
    for cause in scores.iter().flat_map(|s| &s.false_flags_by_cause) {
        if !causes.iter().any(|c| c.cause == cause.cause) {
            causes.push(cause);
        }
    }

    // A cause's name breaks at its first underscore, and the number of
    // accounts it has goes under it, so the columns stay narrow.
    let mut header = vec!["detector".to_owned(), "kind".to_owned()];
    for c in &causes {
        let name = match c.cause.split_once('_') {
            Some((first, rest)) => format!("{first}\n{rest}"),
            None => format!("{}\n", c.cause),
        };
        header.push(format!("{name}\nof {}", c.accounts));
    }

    let mut table = Table::new();
    table
        .load_preset(ASCII_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for s in scores {
        let mut row = vec![s.name.clone(), s.kind.clone()];
        for c in &causes {
            let entry = s.false_flags_by_cause.iter().find(|e| e.cause == c.cause);
            row.push(entry.map_or_else(|| "-".to_owned(), flagged));
        }
        table.add_row(row);
    }
    for column in table.column_iter_mut().skip(NAME_COLUMNS) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}

/// Formats a count of flagged accounts with its rate per 1,000 in
/// brackets, or a bare `0` when none was flagged.
fn flagged(entry: &FalseFlagCause) -> String {
    match (entry.flagged, entry.per_1k_accounts) {
        (0, _) => "0".to_owned(),
        (n, Some(rate)) => format!("{n} ({rate:.1})"),
        (n, None) => n.to_string(),
    }
}

/// Formats an optional figure with `decimals` digits, or `-` when absent.
fn optional(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => format!("{v:.decimals$}"),
        None => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::report;

    /// Returns the table line whose first cell is `name` and second `kind`.
    fn row<'a>(text: &'a str, name: &str, kind: &str) -> Option<&'a str> {
        text.lines().find(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            cells.len() > 3 && cells[1] == name && cells[2] == kind
        })
    }

    #[test]
    fn table_has_a_row_per_detector_and_kind() {
        let text = render_table(&report());

        assert!(row(&text, "null", "spoofing").is_some(), "{text}");
        assert!(row(&text, "cancel_ratio", "spoofing").is_some(), "{text}");
        assert!(row(&text, "self_trade", "wash_trading").is_some(), "{text}");
        assert!(row(&text, "self_trade", "spoofing").is_none(), "{text}");
    }

    #[test]
    fn row_shows_formatted_figures_and_dashes() {
        let text = render_table(&report());
        let line = row(&text, "cancel_ratio", "spoofing").unwrap();
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();

        // Base 0.01: precision 0.76, recall 0.51, F1 0.343..., entity P
        // 0.31, entity R 0.295..., p50 12.355, p90 absent, payoff 0.635,
        // false flags 4.26, 40 alerts, 87.51 ns per event.
        assert_eq!(
            &cells[1..14],
            &[
                "cancel_ratio",
                "spoofing",
                "0.760",
                "0.510",
                "0.343",
                "0.310",
                "0.296",
                "12.36",
                "-",
                "0.635",
                "4.26",
                "40",
                "87.51"
            ]
        );
    }

    #[test]
    fn numbers_are_right_aligned() {
        let mut doc = report();
        doc.detectors[0].alerts = 7;
        doc.detectors[1].alerts = 12_345;
        let text = render_table(&doc);

        // Right alignment puts the short number's last digit under the long
        // one's, so both cells end at the same column.
        let end = |name: &str| {
            let line = row(&text, name, "spoofing").unwrap();
            let digit = if name == "null" { "7 |" } else { "12345 |" };
            line.find(digit).unwrap() + digit.len()
        };
        assert_eq!(end("null"), end("cancel_ratio"));
    }

    #[test]
    fn summary_describes_the_run() {
        let text = render_table(&report());

        assert!(text.contains("default (seed 42)"), "{text}");
        assert!(text.contains("3600.000 s"), "{text}");
        assert!(text.contains("1234567"), "{text}");
        assert!(text.contains("45678"), "{text}");
        assert!(text.contains("31.25% of traded volume"), "{text}");
        assert!(text.contains("digest     0123456789abcdef\n"), "{text}");
        assert!(text.contains("spoofing 3, wash_trading 2 of 4 requested"), "{text}");
    }

    #[test]
    fn rendering_is_plain_ascii_and_ends_in_a_newline() {
        let text = render_table(&report());

        assert!(text.is_ascii(), "{text}");
        assert!(!text.contains('\u{1b}'), "escape codes in {text}");
        assert!(text.ends_with("+\n"), "{text}");
    }

    #[test]
    fn summary_names_kinds_only_the_floors_were_scored_on() {
        let mut doc = report();
        assert!(!render_table(&doc).contains("unscored"));
        doc.episodes.push(crate::document::EpisodeCount {
            kind: "pump".to_owned(),
            count: 4,
            requested: 4,
        });
        doc.detectors.push(crate::document::tests::score("null", "pump", 0.0));
        let text = render_table(&doc);
        assert!(text.contains("unscored   pump: no detector of this kind ran"), "{text}");

        doc.episodes.push(crate::document::EpisodeCount {
            kind: "key_sharing".to_owned(),
            count: 5,
            requested: 4,
        });
        assert!(render_table(&doc).contains("key_sharing 5 (4 requested)"));
    }

    #[test]
    fn summary_counts_the_decoys() {
        let text = render_table(&report());
        assert!(text.contains("decoys     shared_ip 24, jump_burst 0 honest accounts\n"), "{text}");

        let mut doc = report();
        doc.decoys.clear();
        assert!(render_table(&doc).contains("decoys     none\n"));
    }

    #[test]
    fn summary_shows_controls_only_when_they_acted() {
        let text = render_table(&report());
        assert!(!text.contains("controls"), "{text}");

        let mut doc = report();
        let count = |name: &str, count| crate::NamedCount { name: name.to_owned(), count };
        doc.controls = crate::ControlSummary {
            refusals: vec![count("not_whitelisted", 12), count("trading_halted", 40)],
            actions: vec![count("reconciled", 4), count("halted_overload", 1), count("resumed", 1)],
            discrepancies: 0,
            halts: vec![
                crate::Halt { cause: "overload".to_owned(), start_s: 600.25, end_s: Some(661.0) },
                crate::Halt { cause: "reconciliation".to_owned(), start_s: 900.0, end_s: None },
            ],
        };
        let text = render_table(&doc);
        assert!(text.contains("refused    not_whitelisted 12, trading_halted 40 (by"), "{text}");
        assert!(
            text.contains("controls   reconciled 4, halted_overload 1, resumed 1; 0 discrepancies"),
            "{text}"
        );
        assert!(
            text.contains(
                "halts      overload 600.2-661.0 s, reconciliation from 900.0 s to the close"
            ),
            "{text}"
        );
    }

    /// Returns the lines of the table of false flags by cause.
    fn cause_lines(text: &str) -> &str {
        let start = text.find(CAUSE_TITLE).expect("the cause table is rendered");
        &text[start..]
    }

    #[test]
    fn cause_table_has_a_column_per_cause_and_a_row_per_score() {
        let text = render_table(&report());
        let causes = cause_lines(&text);

        // The header names each cause over two lines, then its accounts.
        let header: Vec<Vec<&str>> =
            causes.lines().skip(2).take(3).map(|l| l.split('|').map(str::trim).collect()).collect();
        assert_eq!(&header[0][3..6], &["shared", "jump", "other"], "{causes}");
        assert_eq!(&header[1][3..6], &["ip", "burst", "honest"], "{causes}");
        assert_eq!(&header[2][3..6], &["of 24", "of 0", "of 456"], "{causes}");

        // Base 0.01: 3 shared-ip accounts at 125.01 per 1,000, no jump
        // burster flagged, 1 other honest account at 2.2030 per 1,000.
        let line = row(causes, "cancel_ratio", "spoofing").unwrap();
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(&cells[3..6], &["3 (125.0)", "0", "1 (2.2)"]);
        assert!(row(causes, "self_trade", "wash_trading").is_some(), "{causes}");
    }

    #[test]
    fn cause_missing_from_a_score_shows_a_dash() {
        let mut doc = report();
        doc.detectors[2].false_flags_by_cause.remove(0);
        let text = render_table(&doc);
        let line = row(cause_lines(&text), "self_trade", "wash_trading").unwrap();
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(&cells[3..6], &["-", "0", "1 (2.2)"]);
    }

    #[test]
    fn no_episodes_reads_none() {
        let mut doc = report();
        doc.episodes.clear();
        assert!(render_table(&doc).contains("episodes   none\n"));
    }
}
