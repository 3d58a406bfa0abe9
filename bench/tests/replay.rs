//! `surveil replay` end to end: small hand-written LOBSTER files covering
//! every message type, phantom liquidity, revealed levels, halts, a
//! deliberate mismatch and malformed rows, then the real AMZN sample.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use surveil_bench::replay::{CheckSummary, OnError, ReplayError, ReplayReport, replay_files};
use tempfile::TempDir;

/// A one-level day, one message per line, with the book row after it.
///
/// The book opens with asks of 300 at 10100 (orders 1 and 2, never added in
/// the file), bids of 200 at 9900 (order 3, never added) and 50 more at
/// 9800, out of view.
const DAY: &[(&str, &str)] = &[
    ("34200.000000001,5,0,10,10000,1", "10100,300,9900,200"), // hidden: first row revealed
    ("34200.1,1,100,50,9950,1", "10100,300,9950,50"),         // new best bid
    ("34200.2,2,100,20,9950,1", "10100,300,9950,30"),         // partial cancel
    ("34200.3,4,100,30,9950,1", "10100,300,9900,200"),        // executed away: 9900 revealed
    ("34200.4,3,2,100,10100,-1", "10100,200,9900,200"),       // unknown order, from phantom
    ("34200.5,4,1,200,10100,-1", "10200,75,9900,200"),        // unknown, empties: 10200 revealed
    ("34200.6,6,0,500,10000,-1", "10200,75,9900,200"),        // cross trade
    ("34200.7,7,0,0,-1,-1", "10200,75,9900,200"),             // halt
    ("34200.8,7,0,0,0,-1", "10200,75,9900,200"),              // quoting resumes
    ("34200.9,1,101,10,10150,-1", "10150,10,9900,200"),       // new best ask
    ("34201,7,0,0,1,-1", "10150,10,9900,200"),                // trading resumes
    ("34201.1,3,3,200,9900,1", "10150,10,9800,50"),           // unknown; 9800 revealed
];

const MESSAGE_HEADER: &str = "Time,Type,OrderId,Size,Price,Direction";
const BOOK_HEADER: &str = "AskPrice1,AskSize1,BidPrice1,BidSize1";

/// A pair of files in a temporary folder that lives as long as the value.
struct Files {
    dir: TempDir,
    messages: PathBuf,
    orderbook: PathBuf,
}

impl Files {
    fn new(messages: &[&str], orderbook: &[&str]) -> Files {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let files =
            Files { messages: dir.path().join("m.csv"), orderbook: dir.path().join("o.csv"), dir };
        std::fs::write(&files.messages, lines(messages)).expect("the message file is written");
        std::fs::write(&files.orderbook, lines(orderbook)).expect("the book file is written");
        files
    }

    /// The day above, with a header row on each file or on neither.
    fn day(headers: bool) -> Files {
        let (mut messages, mut orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
        if headers {
            messages.insert(0, MESSAGE_HEADER);
            orderbook.insert(0, BOOK_HEADER);
        }
        Files::new(&messages, &orderbook)
    }

    /// The day above with one line of one file replaced (`line` counted
    /// from 1, no headers).
    fn day_with(file: Which, line: usize, text: &'static str) -> Files {
        let (mut messages, mut orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
        match file {
            Which::Messages => messages[line - 1] = text,
            Which::Orderbook => orderbook[line - 1] = text,
        }
        Files::new(&messages, &orderbook)
    }

    fn replay(&self, on_error: OnError) -> (Result<ReplayReport, ReplayError>, Vec<String>) {
        let mut skipped = Vec::new();
        let result = replay_files(&self.messages, Some(&self.orderbook), on_error, &mut |e| {
            skipped.push(e.to_string())
        });
        (result, skipped)
    }

    fn name(&self, path: &Path) -> String {
        path.display().to_string()
    }
}

enum Which {
    Messages,
    Orderbook,
}

fn lines(rows: &[&str]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

fn check(report: &ReplayReport) -> &CheckSummary {
    report.check.as_ref().expect("a checked replay")
}

fn surveil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surveil")).args(args).output().expect("surveil starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_message_type_replays_and_matches_the_book_file() {
    let files = Files::day(false);
    let (result, skipped) = files.replay(OnError::Stop);
    let report = result.unwrap();
    assert!(skipped.is_empty());

    assert_eq!(report.rows, 12);
    assert_eq!(report.levels, Some(1));
    let t = &report.types;
    let counts = [
        t.submit,
        t.partial_cancel,
        t.delete,
        t.visible_execution,
        t.hidden_execution,
        t.cross_trade,
        t.halt,
    ];
    assert_eq!(counts, [2, 1, 2, 2, 1, 1, 3]);
    assert_eq!(report.unknown_order_refs, 3);
    assert_eq!(report.refused_orders, 0);
    assert_eq!(report.first_time_ns, Some(34_200_000_000_001));
    assert_eq!(report.last_time_ns, Some(34_201_100_000_000));

    let c = check(&report);
    assert_eq!((c.matches, c.revealed_rows, c.mismatches), (8, 4, 0));
    assert_eq!((c.revealed_levels, c.stale_levels_dropped, c.unexplained_refs), (5, 0, 0));
}

#[test]
fn header_rows_are_detected_and_change_nothing_but_line_numbers() {
    let (plain, _) = Files::day(false).replay(OnError::Stop);
    let (headed, _) = Files::day(true).replay(OnError::Stop);
    let (plain, headed) = (plain.unwrap(), headed.unwrap());
    assert_eq!(headed.rows, 12);
    assert_eq!(headed.types, plain.types);
    assert_eq!(headed.check, plain.check);
}

#[test]
fn a_header_on_one_file_only_still_pairs_rows_by_data_row() {
    let (messages, orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
    let mut headed = vec![MESSAGE_HEADER];
    headed.extend(&messages);
    let files = Files::new(&headed, &orderbook);
    let (result, _) = files.replay(OnError::Stop);
    assert_eq!(check(&result.unwrap()).mismatches, 0);
}

#[test]
fn a_delete_of_an_order_the_file_never_added_draws_on_phantom_liquidity() {
    // 300 shares show at 10100 with no order behind them; deleting 100 of
    // them by an unknown id must leave exactly 200.
    let files = Files::new(
        &["1,5,0,1,10000,1", "2,3,42,100,10100,-1"],
        &["10100,300,9900,200", "10100,200,9900,200"],
    );
    let report = files.replay(OnError::Stop).0.unwrap();
    let c = check(&report);
    assert_eq!((c.matches, c.mismatches, c.unexplained_refs), (1, 0, 0));
    assert_eq!(report.unknown_order_refs, 1);
}

#[test]
fn a_level_behind_an_emptied_best_is_revealed_not_matched() {
    let files = Files::new(
        &["1,1,7,10,9950,1", "2,3,7,10,9950,1"],
        &["10100,300,9950,10", "10100,300,9900,200"],
    );
    let report = files.replay(OnError::Stop).0.unwrap();
    let c = check(&report);
    // Row 1 shows the book for the first time; row 2 shows 9900, which no
    // message described.
    assert_eq!((c.matches, c.revealed_rows, c.revealed_levels, c.mismatches), (0, 2, 3, 0));
}

#[test]
fn halts_are_recorded_in_order() {
    let report = Files::day(false).replay(OnError::Stop).0.unwrap();
    let h = &report.halts;
    assert_eq!((h.halts, h.quoting_resumed, h.trading_resumed), (1, 1, 1));
    assert_eq!(serde_json::to_value(h.state).unwrap(), "trading");

    let halted = Files::new(&["1,7,0,0,-1,-1"], &["10100,300,9900,200"]);
    let report = halted.replay(OnError::Stop).0.unwrap();
    assert_eq!(serde_json::to_value(report.halts.state).unwrap(), "halted");
}

#[test]
fn a_wrong_book_row_is_a_mismatch_with_row_expected_and_got() {
    // Row 3 should show 30 at 9950 after the partial cancel.
    let files = Files::day_with(Which::Orderbook, 3, "10100,300,9950,25");
    let report = files.replay(OnError::Stop).0.unwrap();
    let c = check(&report);
    assert_eq!(c.mismatches, 1);
    let m = &c.first_mismatches[0];
    assert_eq!((m.line, m.orderbook_line), (3, 3));
    assert_eq!(m.message, "34200.2,2,100,20,9950,1");
    assert_eq!((m.expected.bids[0].qty.0, m.got.bids[0].qty.0), (25, 30));
    // The book was corrected to the file: order 100's execution of 30 now
    // draws on 25 shares of phantom, 5 short.
    assert_eq!(c.unexplained_refs, 1);

    let out = surveil(&[
        "replay",
        &files.name(&files.messages),
        "--orderbook",
        &files.name(&files.orderbook),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("mismatches   1\n"), "{stdout}");
    assert!(stdout.contains("line 3: after message 34200.2,2,100,20,9950,1"), "{stdout}");
    assert!(stdout.contains("expected  asks 10100 x 300 | bids 9950 x 25"), "{stdout}");
    assert!(stdout.contains("got       asks 10100 x 300 | bids 9950 x 30"), "{stdout}");
    assert!(text(&out.stderr).contains("1 of 12 rows disagree"), "{}", text(&out.stderr));
}

#[test]
fn a_new_order_that_would_cross_is_a_mismatch_not_a_panic() {
    let files = Files::day_with(Which::Messages, 10, "34200.9,1,101,10,9900,-1");
    let report = files.replay(OnError::Stop).0.unwrap();
    let c = check(&report);
    assert_eq!(c.mismatches, 1);
    let reason = c.first_mismatches[0].reason.as_deref().unwrap_or_default();
    assert!(reason.contains("new order 101") && reason.contains("cross"), "{reason}");
}

#[test]
fn a_malformed_row_stops_the_replay_naming_line_and_field() {
    let files = Files::day_with(Which::Messages, 5, "34200.4,3,2,100,22.5,-1");
    let (result, skipped) = files.replay(OnError::Stop);
    let err = result.unwrap_err().to_string();
    let path = files.name(&files.messages);
    assert_eq!(err, format!("{path}:5: field `Price`: expected an integer, found \"22.5\""));
    assert!(skipped.is_empty());

    let out = surveil(&["replay", &path, "--orderbook", &files.name(&files.orderbook)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&err), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn line_numbers_count_the_header_row() {
    let (mut messages, mut orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
    messages.insert(0, MESSAGE_HEADER);
    orderbook.insert(0, BOOK_HEADER);
    orderbook[7] = "10200,75,9900,x";
    let files = Files::new(&messages, &orderbook);
    let err = files.replay(OnError::Stop).0.unwrap_err().to_string();
    let path = files.name(&files.orderbook);
    assert_eq!(err, format!("{path}:8: field `BidSize1`: expected an integer, found \"x\""));
}

#[test]
fn skipped_rows_are_reported_counted_and_do_not_cascade() {
    let files = Files::day_with(Which::Messages, 5, "34200.4,3,2,100,22.5,-1");
    let (result, skipped) = files.replay(OnError::Skip);
    let report = result.unwrap();
    let path = files.name(&files.messages);
    assert_eq!(skipped, [format!("{path}:5: field `Price`: expected an integer, found \"22.5\"")]);
    assert_eq!((report.rows, report.malformed_message_rows), (12, 1));
    assert_eq!(report.types.delete, 1, "the skipped delete is not counted as replayed");
    // The skipped message's book row brought the book back in line, so no
    // row after it disagrees.
    assert_eq!(check(&report).mismatches, 0);

    let out = surveil(&[
        "replay",
        &path,
        "--orderbook",
        &files.name(&files.orderbook),
        "--on-error",
        "skip",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("{path}:5: field `Price`")));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["malformed_message_rows"], 1);
    assert_eq!(doc["check"]["mismatches"], 0);
}

#[test]
fn a_skipped_book_row_leaves_its_message_unchecked() {
    let files = Files::day_with(Which::Orderbook, 6, "10200,75,9900");
    let (result, skipped) = files.replay(OnError::Skip);
    let report = result.unwrap();
    let path = files.name(&files.orderbook);
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].starts_with(&format!("{path}:6: expected 4 fields")), "{}", skipped[0]);
    assert_eq!(report.malformed_orderbook_rows, 1);
    let c = check(&report);
    assert_eq!(c.mismatches, 0);
    assert_eq!(c.matches + c.revealed_rows, 11);
}

#[test]
fn files_of_different_lengths_are_refused_with_both_counts() {
    let (messages, orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
    let files = Files::new(&messages, &orderbook[..10]);
    let err = files.replay(OnError::Stop).0.unwrap_err();
    assert!(matches!(
        err,
        ReplayError::RowCountMismatch { message_rows: 12, orderbook_rows: 10, .. }
    ));
    let shorter = Files::new(&messages[..11], &orderbook);
    let err = shorter.replay(OnError::Stop).0.unwrap_err().to_string();
    assert!(err.contains("has 11 data rows but") && err.contains("has 12"), "{err}");

    let out = surveil(&[
        "replay",
        &shorter.name(&shorter.messages),
        "--orderbook",
        &shorter.name(&shorter.orderbook),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("must have the same number of rows"));
}

#[test]
fn a_file_without_data_rows_is_refused_not_replayed_as_empty() {
    for messages in [&[][..], &[MESSAGE_HEADER][..]] {
        let files = Files::new(messages, &[]);
        let path = files.name(&files.messages);
        let out = surveil(&["replay", &path]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&format!("{path}: no data rows")), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_message_earlier_than_the_one_before_is_a_malformed_row() {
    let files = Files::day_with(Which::Messages, 4, "34200.15,4,100,30,9950,1");
    let err = files.replay(OnError::Stop).0.unwrap_err().to_string();
    let path = files.name(&files.messages);
    assert!(err.starts_with(&format!("{path}:4: field `Time`: expected a time no earlier")));

    let late = Files::day_with(Which::Messages, 12, "86400.5,3,3,200,9900,1");
    let err = late.replay(OnError::Stop).0.unwrap_err().to_string();
    assert!(
        err.contains(":12: field `Time`: expected seconds after midnight below 86400"),
        "{err}"
    );
}

#[test]
fn a_skip_that_leaves_no_row_standing_is_an_error() {
    let messages = vec!["34200.1,1,100,50,x,1"; DAY.len()];
    let (_, orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
    let files = Files::new(&messages, &orderbook);
    let (result, skipped) = files.replay(OnError::Skip);
    assert_eq!(skipped.len(), DAY.len());
    let err = result.unwrap_err();
    assert!(matches!(err, ReplayError::AllRowsMalformed { rows: 12, .. }), "{err}");

    let (messages, _): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
    let files = Files::new(&messages, &vec!["10200,75,9900"; DAY.len()]);
    let err = files.replay(OnError::Skip).0.unwrap_err().to_string();
    let path = files.name(&files.orderbook);
    assert!(err.starts_with(&format!("{path}: all 12 data rows are malformed")), "{err}");
}

#[test]
fn lines_ending_in_a_cr_alone_are_counted_one_by_one() {
    let (mut messages, orderbook): (Vec<&str>, Vec<&str>) = DAY.iter().copied().unzip();
    messages[6] = "34200.6,6,0,500,x,-1";
    let files = Files::new(&[], &orderbook);
    std::fs::write(&files.messages, messages.join("\r")).unwrap();
    let err = files.replay(OnError::Stop).0.unwrap_err().to_string();
    assert!(err.contains(":7: field `Price`"), "{err}");
}

#[test]
fn a_missing_file_is_named_and_exits_2() {
    let files = Files::day(false);
    let missing = files.dir.path().join("no-such-file.csv");
    let missing = files.name(&missing);
    let out = surveil(&["replay", &missing]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&missing) && stderr.contains("cannot open"), "{stderr}");

    let out = surveil(&["replay", &files.name(&files.messages), "--orderbook", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&missing));
}

#[test]
fn messages_alone_replay_without_checks() {
    let files = Files::day(false);
    let out = surveil(&["replay", &files.name(&files.messages)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("rows         12 ") && !stdout.contains("matches"), "{stdout}");
    assert!(stdout.contains("messages per second"), "{stdout}");

    let out = surveil(&["replay", &files.name(&files.messages), "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["check"].is_null());
    assert_eq!(doc["unknown_order_refs"], 3);
    assert!(doc["messages_per_sec"].as_f64().unwrap() > 0.0);
}

#[test]
fn replays_of_the_same_files_agree_apart_from_the_clock() {
    let files = Files::day(true);
    let strip = |mut r: ReplayReport| {
        r.wall_seconds = 0.0;
        r.messages_per_sec = 0.0;
        r
    };
    let first = strip(files.replay(OnError::Stop).0.unwrap());
    let second = strip(files.replay(OnError::Stop).0.unwrap());
    assert_eq!(first, second);
}

#[test]
fn the_amzn_level_1_sample_replays_with_no_mismatch() {
    let Some([messages, orderbook]) = common::real_data_files([
        "lobster/AMZN_2012-06-21_34200000_57600000_message_1.csv",
        "lobster/AMZN_2012-06-21_34200000_57600000_orderbook_1.csv",
    ]) else {
        return;
    };
    let report = replay_files(&messages, Some(&orderbook), OnError::Stop, &mut |_| ()).unwrap();

    // The counts SOURCES.md gives for this file.
    assert_eq!(report.rows, 57_515);
    let t = &report.types;
    let counts = [t.submit, t.partial_cancel, t.delete, t.visible_execution, t.hidden_execution];
    assert_eq!(counts, [27_845, 16, 18_235, 8_974, 2_445]);
    assert_eq!(t.cross_trade + t.halt, 0);

    let c = check(&report);
    assert_eq!(c.mismatches, 0, "first mismatches: {:#?}", c.first_mismatches);
    assert_eq!(c.unexplained_refs, 0);
    assert_eq!(c.matches + c.revealed_rows, report.rows);
    assert_eq!(report.refused_orders, 0);
    // 7,467 references name ids the file never adds; the rest name orders
    // folded into phantom liquidity when their level came back into view.
    assert!(report.unknown_order_refs >= 7_467, "{}", report.unknown_order_refs);
}
