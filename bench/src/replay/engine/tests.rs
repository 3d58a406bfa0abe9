use surveil_sim::{Nanos, OrderId, Price, Qty, Side};

use super::*;
use crate::replay::check::{CheckSummary, MISMATCHES_KEPT, RowAt};
use crate::replay::lobster::{BookRow, Depth, HaltSignal, Message, MessageKind};

fn msg(kind: MessageKind, id: u64, size: i64, price: i64, side: Side) -> Message {
    Message { time: Nanos(1), kind, id: OrderId(id), size: Qty(size), price: Price(price), side }
}

fn levels(pairs: &[(i64, i64)]) -> Vec<Depth> {
    pairs.iter().map(|&(p, q)| Depth { price: Price(p), qty: Qty(q) }).collect()
}

fn row(asks: &[(i64, i64)], bids: &[(i64, i64)]) -> BookRow {
    BookRow { asks: levels(asks), bids: levels(bids) }
}

/// Applies a message and checks it against `expected` at depth `n`.
fn step(r: &mut Replayer, m: Message, expected: &BookRow, n: usize) {
    let problem = r.apply(&m);
    r.check(expected, n, RowAt { line: 0, orderbook_line: 0, message: &m }, problem);
    r.book().check_invariants().unwrap();
}

fn summary(r: &Replayer) -> CheckSummary {
    r.summary().unwrap().clone()
}

/// A replayer whose first row has shown asks at 101 x 50 and bids at
/// 99 x 40, one level per side, none of it explained by a known order.
fn seeded() -> Replayer {
    let mut r = Replayer::new(true);
    let hidden = msg(MessageKind::HiddenExecution, 0, 5, 100, Side::Buy);
    step(&mut r, hidden, &row(&[(101, 50)], &[(99, 40)]), 1);
    r
}

#[test]
fn the_first_row_is_revealed_not_matched() {
    let r = seeded();
    let s = summary(&r);
    assert_eq!((s.matches, s.revealed_rows, s.revealed_levels, s.mismatches), (0, 1, 2, 0));
    assert_eq!(r.book().depth_at(Side::Sell, Price(101)), Qty(50));
}

#[test]
fn unknown_order_delete_is_taken_from_phantom_liquidity() {
    let mut r = seeded();
    let delete = msg(MessageKind::Delete, 77, 30, 99, Side::Buy);
    step(&mut r, delete, &row(&[(101, 50)], &[(99, 10)]), 1);
    let execution = msg(MessageKind::VisibleExecution, 78, 20, 101, Side::Sell);
    step(&mut r, execution, &row(&[(101, 30)], &[(99, 10)]), 1);
    let s = summary(&r);
    assert_eq!((s.matches, s.mismatches, s.unexplained_refs), (2, 0, 0));
    assert_eq!(r.tally().unknown_order_refs, 2);
}

#[test]
fn known_orders_are_followed_by_id() {
    let mut r = seeded();
    let submit = msg(MessageKind::Submit, 5, 10, 100, Side::Buy);
    step(&mut r, submit, &row(&[(101, 50)], &[(100, 10)]), 1);
    let cancel = msg(MessageKind::PartialCancel, 5, 4, 100, Side::Buy);
    step(&mut r, cancel, &row(&[(101, 50)], &[(100, 6)]), 1);
    assert_eq!(summary(&r).matches, 2);
    assert_eq!(r.book().get(OrderId(5)).map(|o| o.qty), Some(Qty(6)));
    assert_eq!(r.tally().unknown_order_refs, 0);
}

#[test]
fn a_level_behind_an_emptied_one_is_revealed() {
    let mut r = seeded();
    // The whole best bid goes; the file shows the level behind it, which no
    // message ever described.
    let delete = msg(MessageKind::Delete, 77, 40, 99, Side::Buy);
    step(&mut r, delete, &row(&[(101, 50)], &[(97, 25)]), 1);
    let s = summary(&r);
    assert_eq!((s.matches, s.revealed_rows, s.revealed_levels, s.mismatches), (0, 2, 3, 0));
    assert_eq!(r.book().best_bid().map(|l| (l.price, l.qty)), Some((Price(97), Qty(25))));
}

#[test]
fn a_wrong_size_at_a_followed_level_is_a_mismatch() {
    let mut r = seeded();
    let execution = msg(MessageKind::VisibleExecution, 77, 15, 99, Side::Buy);
    step(&mut r, execution, &row(&[(101, 50)], &[(99, 30)]), 1);
    let s = summary(&r);
    assert_eq!(s.mismatches, 1);
    let m = &s.first_mismatches[0];
    assert_eq!(m.expected.bids, levels(&[(99, 30)]));
    assert_eq!(m.got.bids, levels(&[(99, 25)]));

    // The book was corrected, so the next row is judged on its own.
    let submit = msg(MessageKind::Submit, 6, 5, 99, Side::Buy);
    step(&mut r, submit, &row(&[(101, 50)], &[(99, 35)]), 1);
    assert_eq!((summary(&r).mismatches, summary(&r).matches), (1, 1));
}

#[test]
fn a_crossing_submission_is_a_mismatch_with_its_reason() {
    let mut r = seeded();
    let crossing = msg(MessageKind::Submit, 8, 5, 101, Side::Buy);
    step(&mut r, crossing, &row(&[(101, 50)], &[(99, 40)]), 1);
    let s = summary(&r);
    assert_eq!(s.mismatches, 1);
    let reason = s.first_mismatches[0].reason.clone().unwrap();
    assert!(reason.contains("new order 8") && reason.contains("cross"), "{reason}");
    assert_eq!(r.tally().refused_orders, 1);
}

#[test]
fn a_side_shown_short_of_its_levels_is_followed_whole() {
    // Two levels per side, but only one bid: the file says there is no
    // other bid at all, so a bid the replay adds below it must be there.
    let mut r = Replayer::new(true);
    let hidden = msg(MessageKind::HiddenExecution, 0, 1, 100, Side::Buy);
    step(&mut r, hidden, &row(&[(101, 5), (102, 5)], &[(99, 5)]), 2);
    let deep = msg(MessageKind::Submit, 9, 3, 90, Side::Buy);
    step(&mut r, deep, &row(&[(101, 5), (102, 5)], &[(99, 5)]), 2);
    assert_eq!(summary(&r).mismatches, 1, "the file lost a level the replay followed");
    assert_eq!(r.book().depth_at(Side::Buy, Price(90)), Qty::ZERO, "corrected to the file");
}

#[test]
fn stale_known_orders_become_phantom_when_their_level_comes_back_smaller() {
    let mut r = seeded();
    // Order 5 rests at 98, out of view behind the best bid at 99.
    let behind = msg(MessageKind::Submit, 5, 10, 98, Side::Buy);
    step(&mut r, behind, &row(&[(101, 50)], &[(99, 40)]), 1);
    // When 99 empties, 98 shows 4 shares: order 5 lost 6 out of view.
    let delete = msg(MessageKind::Delete, 77, 40, 99, Side::Buy);
    step(&mut r, delete, &row(&[(101, 50)], &[(98, 4)]), 1);
    assert_eq!(r.book().get(OrderId(5)), None, "order 5 is folded into the phantom");
    // Its deletion, now of an unknown order, is taken from the phantom.
    let gone = msg(MessageKind::Delete, 5, 4, 98, Side::Buy);
    step(&mut r, gone, &row(&[(101, 50)], &[]), 1);
    let s = summary(&r);
    assert_eq!((s.mismatches, s.unexplained_refs, s.revealed_rows), (0, 0, 2));
}

#[test]
fn halts_record_the_trading_state() {
    let mut r = Replayer::new(false);
    r.apply(&msg(MessageKind::Halt(HaltSignal::Halt), 0, 0, -1, Side::Sell));
    assert_eq!(r.tally().halts.state, TradingState::Halted);
    r.apply(&msg(MessageKind::Halt(HaltSignal::QuotingResumes), 0, 0, 0, Side::Sell));
    assert_eq!(r.tally().halts.state, TradingState::QuotingOnly);
    r.apply(&msg(MessageKind::Halt(HaltSignal::TradingResumes), 0, 0, 1, Side::Sell));
    let halts = &r.tally().halts;
    assert_eq!((halts.halts, halts.quoting_resumed, halts.trading_resumed), (1, 1, 1));
    assert_eq!(halts.state, TradingState::Trading);
    assert_eq!(r.tally().types.halt, 3);
}

#[test]
fn an_unchecked_replay_counts_unknown_orders_and_takes_nothing() {
    let mut r = Replayer::new(false);
    r.apply(&msg(MessageKind::Submit, 1, 10, 100, Side::Buy));
    r.apply(&msg(MessageKind::Delete, 2, 10, 100, Side::Buy));
    assert_eq!(r.tally().unknown_order_refs, 1);
    assert_eq!(r.book().depth_at(Side::Buy, Price(100)), Qty(10));
    assert!(r.summary().is_none());
}

#[test]
fn a_message_placing_a_known_order_elsewhere_is_a_mismatch() {
    let mut r = seeded();
    let submit = msg(MessageKind::Submit, 5, 10, 100, Side::Buy);
    step(&mut r, submit, &row(&[(101, 50)], &[(100, 10)]), 1);
    let moved = msg(MessageKind::VisibleExecution, 5, 4, 100, Side::Sell);
    step(&mut r, moved, &row(&[(101, 50)], &[(100, 6)]), 1);
    let s = summary(&r);
    assert_eq!(s.mismatches, 1);
    assert!(s.first_mismatches[0].reason.as_deref().is_some_and(|r| r.contains("places it")));
}

#[test]
fn only_the_first_mismatches_are_kept_but_all_are_counted() {
    let mut r = seeded();
    for i in 0..MISMATCHES_KEPT as i64 + 3 {
        let m = msg(MessageKind::VisibleExecution, 77, 1, 99, Side::Buy);
        step(&mut r, m, &row(&[(101, 50)], &[(99, 40 - 2 * (i + 1))]), 1);
    }
    let s = summary(&r);
    assert_eq!(s.mismatches, MISMATCHES_KEPT as u64 + 3);
    assert_eq!(s.first_mismatches.len(), MISMATCHES_KEPT);
}
