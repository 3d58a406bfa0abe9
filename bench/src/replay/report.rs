//! The result of a replay, as a summary for people and a JSON document for
//! programs.
//!
//! Everything in a report except its two wall-clock fields (`wall_seconds`
//! and `messages_per_sec`) depends on the input files alone: replaying the
//! same files gives the same counts and the same mismatches, and renders to
//! the same text apart from the speed line.

use std::fmt::Write as _;

use serde::Serialize;
use surveil_sim::Nanos;

use super::check::{CheckSummary, Mismatch};
use super::engine::{HaltCounts, TradingState, TypeCounts};
use super::lobster::{BookRow, Depth};

/// What a replay found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplayReport {
    /// The message file, as the user named it.
    pub messages_file: String,
    /// The order book file, when one was given.
    pub orderbook_file: Option<String>,
    /// Levels per side in the order book file, once a row has shown it.
    pub levels: Option<usize>,
    /// Data rows in the message file, malformed ones included.
    pub rows: u64,
    /// Message rows skipped as malformed.
    pub malformed_message_rows: u64,
    /// Order book rows skipped as malformed.
    pub malformed_orderbook_rows: u64,
    /// The first message's time, in nanoseconds after midnight.
    pub first_time_ns: Option<u64>,
    /// The last message's time, in nanoseconds after midnight.
    pub last_time_ns: Option<u64>,
    /// Rows of each message type.
    pub types: TypeCounts,
    /// Cancellations, deletions and executions of orders not on the book.
    pub unknown_order_refs: u64,
    /// New orders the book refused.
    pub refused_orders: u64,
    /// Trading halts and resumptions.
    pub halts: HaltCounts,
    /// The comparison with the order book file, when one was given.
    pub check: Option<CheckSummary>,
    /// Wall-clock time of the replay, reading and parsing included.
    pub wall_seconds: f64,
    /// Message rows per second of wall-clock time.
    pub messages_per_sec: f64,
}

impl ReplayReport {
    /// Returns the rows where the rebuilt book disagreed with the order
    /// book file (zero for an unchecked replay).
    pub fn mismatches(&self) -> u64 {
        self.check.as_ref().map_or(0, |c| c.mismatches)
    }

    /// Renders the report as one JSON document, ending in a newline.
    pub fn to_json(&self) -> String {
        // The report holds only strings, integers, floats, lists and
        // structs, none of which serde_json refuses.
        let mut text = serde_json::to_string_pretty(self)
            .expect("a ReplayReport is plain data that always serialises");
        text.push('\n');
        text
    }

    /// Renders the report for a terminal: one line per figure, then the
    /// first mismatches in full. The text ends in a newline.
    pub fn render_table(&self) -> String {
        // Writing to a String cannot fail, so the results of `writeln!`
        // carry nothing worth handling.
        let mut out = String::new();
        let _ = writeln!(out, "messages     {}", self.messages_file);
        if let Some(orderbook) = &self.orderbook_file {
            let levels = match self.levels {
                Some(1) => ", 1 level per side".to_owned(),
                Some(n) => format!(", {n} levels per side"),
                None => String::new(),
            };
            let _ = writeln!(out, "orderbook    {orderbook}{levels}");
        }
        let _ = match self.orderbook_file {
            Some(_) => writeln!(
                out,
                "rows         {} (skipped as malformed: {} in the message file, {} in the order \
                 book file)",
                self.rows, self.malformed_message_rows, self.malformed_orderbook_rows
            ),
            None => writeln!(
                out,
                "rows         {} (skipped as malformed: {})",
                self.rows, self.malformed_message_rows
            ),
        };
        if let (Some(first), Some(last)) = (self.first_time_ns, self.last_time_ns) {
            let _ = writeln!(out, "time         {} to {}", clock(Nanos(first)), clock(Nanos(last)));
        }
        let t = &self.types;
        let _ = writeln!(
            out,
            "types        1 submit {}, 2 partial cancel {}, 3 delete {}, 4 visible execution {}",
            t.submit, t.partial_cancel, t.delete, t.visible_execution
        );
        let _ = writeln!(
            out,
            "             5 hidden execution {}, 6 cross trade {}, 7 halt {}",
            t.hidden_execution, t.cross_trade, t.halt
        );
        let _ = writeln!(
            out,
            "unknown ids  {} cancels, deletes and executions of orders not on the book",
            self.unknown_order_refs
        );
        let _ = writeln!(
            out,
            "refused      {} new orders the book could not rest",
            self.refused_orders
        );
        let _ = writeln!(out, "halts        {}", halts(&self.halts));
        if let Some(check) = &self.check {
            write_check(&mut out, check);
        }
        let _ = writeln!(
            out,
            "speed        {} messages in {:.3} s: {:.0} messages per second",
            self.rows, self.wall_seconds, self.messages_per_sec
        );

        if let Some(check) = self.check.as_ref().filter(|c| !c.first_mismatches.is_empty()) {
            let _ = writeln!(out, "\nfirst mismatches:");
            for m in &check.first_mismatches {
                write_mismatch(&mut out, m);
            }
        }
        out
    }
}

/// Writes the lines of the comparison with the order book file.
fn write_check(out: &mut String, check: &CheckSummary) {
    let _ = writeln!(out, "matches      {} rows exactly as the order book file", check.matches);
    let _ = writeln!(
        out,
        "revealed     {} rows ({} levels taken from the order book file as they came into view)",
        check.revealed_rows, check.revealed_levels
    );
    let _ = writeln!(
        out,
        "stale        {} levels held out of view and found gone when they came back",
        check.stale_levels_dropped
    );
    let _ = writeln!(out, "mismatches   {}", check.mismatches);
    let _ = writeln!(
        out,
        "unexplained  {} references to unknown orders beyond the phantom liquidity at their price",
        check.unexplained_refs
    );
}

/// Writes one mismatch: where, which message, why, and both books.
fn write_mismatch(out: &mut String, m: &Mismatch) {
    let at = if m.line == m.orderbook_line {
        format!("line {}", m.line)
    } else {
        format!("line {} (order book line {})", m.line, m.orderbook_line)
    };
    let _ = writeln!(out, "  {at}: after message {}", m.message);
    if let Some(reason) = &m.reason {
        let _ = writeln!(out, "    reason    {reason}");
    }
    let _ = writeln!(out, "    expected  {}", levels(&m.expected));
    let _ = writeln!(out, "    got       {}", levels(&m.got));
}

/// Writes a book's levels on one line, asks then bids, best first.
fn levels(row: &BookRow) -> String {
    let side = |levels: &[Depth]| -> String {
        if levels.is_empty() {
            return "none".to_owned();
        }
        let shown: Vec<String> =
            levels.iter().map(|l| format!("{} x {}", l.price.0, l.qty.0)).collect();
        shown.join(", ")
    };
    format!("asks {} | bids {}", side(&row.asks), side(&row.bids))
}

/// Describes the halt messages seen.
fn halts(h: &HaltCounts) -> String {
    if h.halts + h.quoting_resumed + h.trading_resumed == 0 {
        return "none".to_owned();
    }
    let state = match h.state {
        TradingState::Trading => "trading",
        TradingState::Halted => "halted",
        TradingState::QuotingOnly => "quoting only",
    };
    format!(
        "{} halts, {} quoting resumptions, {} trading resumptions; {state} at the end",
        h.halts, h.quoting_resumed, h.trading_resumed
    )
}

/// Formats nanoseconds after midnight as a time of day.
fn clock(t: Nanos) -> String {
    let secs = t.0 / 1_000_000_000;
    let nanos = t.0 % 1_000_000_000;
    format!("{:02}:{:02}:{:02}.{nanos:09}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Price, Qty};

    use super::*;

    fn report() -> ReplayReport {
        ReplayReport {
            messages_file: "m.csv".to_owned(),
            orderbook_file: Some("o.csv".to_owned()),
            levels: Some(1),
            rows: 3,
            malformed_message_rows: 0,
            malformed_orderbook_rows: 0,
            first_time_ns: Some(34_200_017_460_000),
            last_time_ns: Some(57_599_959_360_000),
            types: TypeCounts { submit: 2, delete: 1, ..TypeCounts::default() },
            unknown_order_refs: 1,
            refused_orders: 0,
            halts: HaltCounts::default(),
            check: Some(CheckSummary { matches: 2, mismatches: 1, ..CheckSummary::default() }),
            wall_seconds: 0.5,
            messages_per_sec: 6.0,
        }
    }

    #[test]
    fn clock_shows_the_time_of_day() {
        assert_eq!(clock(Nanos(34_200_017_459_617)), "09:30:00.017459617");
        assert_eq!(clock(Nanos(57_599_959_360_000)), "15:59:59.959360000");
    }

    #[test]
    fn table_shows_the_check_and_each_kept_mismatch() {
        let mut r = report();
        let depth = |p, q| Depth { price: Price(p), qty: Qty(q) };
        if let Some(check) = &mut r.check {
            check.first_mismatches.push(Mismatch {
                line: 4,
                orderbook_line: 3,
                message: "1,3,7,5,100,1".to_owned(),
                reason: None,
                expected: BookRow { asks: vec![depth(101, 5)], bids: vec![] },
                got: BookRow { asks: vec![depth(101, 6)], bids: vec![depth(99, 1)] },
            });
        }
        let text = r.render_table();
        assert!(text.contains("matches      2 rows"), "{text}");
        assert!(text.contains("mismatches   1\n"), "{text}");
        assert!(text.contains("line 4 (order book line 3): after message 1,3,7,5,100,1"), "{text}");
        assert!(text.contains("expected  asks 101 x 5 | bids none"), "{text}");
        assert!(text.contains("got       asks 101 x 6 | bids 99 x 1"), "{text}");
        assert!(text.contains("time         09:30:00.017460000 to 15:59:59.959360000"), "{text}");
    }

    #[test]
    fn unchecked_report_has_no_check_lines() {
        let r = ReplayReport { orderbook_file: None, levels: None, check: None, ..report() };
        let text = r.render_table();
        assert!(!text.contains("matches") && !text.contains("orderbook"), "{text}");
        let doc: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert!(doc["check"].is_null());
        assert_eq!(doc["types"]["submit"], 2);
    }
}
