//! One named test per rule of the matching module, each a small
//! hand-written sequence with the reports it must give.

use super::*;
use crate::book::LevelView;

use CancelCause::{FillOrKill, Requested, SelfTrade, Unfilled};
use SelfTradePrevention::{CancelBoth, CancelIncoming, CancelResting, DecrementBoth, Off};
use TimeInForce::{FillOrKill as Fok, GoodTillCancel as Gtc, ImmediateOrCancel as Ioc, PostOnly};

const ALICE: Option<AccountId> = Some(AccountId(1));
const BOB: Option<AccountId> = Some(AccountId(2));

fn order(
    id: u64,
    owner: Option<AccountId>,
    side: Side,
    price: Option<i64>,
    qty: i64,
    tif: TimeInForce,
) -> NewOrder {
    NewOrder { id: OrderId(id), owner, side, price: price.map(Price), qty: Qty(qty), tif }
}

/// Submits and returns the reports, panicking on a refusal.
fn submit(book: &mut Book, o: NewOrder, stp: SelfTradePrevention) -> Vec<Report> {
    let mut out = Vec::new();
    book.submit(&o, stp, &mut out).unwrap();
    book.check_invariants().unwrap();
    out
}

fn sell(book: &mut Book, id: u64, owner: Option<AccountId>, price: i64, qty: i64) {
    submit(book, order(id, owner, Side::Sell, Some(price), qty, Gtc), Off);
}

fn buy(book: &mut Book, id: u64, owner: Option<AccountId>, price: i64, qty: i64) {
    submit(book, order(id, owner, Side::Buy, Some(price), qty, Gtc), Off);
}

fn fill(maker: u64, taker: u64, price: i64, qty: i64, maker_left: i64, taker_left: i64) -> Report {
    Report::Fill {
        maker: OrderId(maker),
        taker: OrderId(taker),
        price: Price(price),
        qty: Qty(qty),
        maker_remaining: Qty(maker_left),
        taker_remaining: Qty(taker_left),
    }
}

fn cancelled(id: u64, qty: i64, cause: CancelCause) -> Report {
    Report::Cancelled { id: OrderId(id), qty: Qty(qty), cause }
}

fn rested(id: u64, price: i64, qty: i64) -> Report {
    Report::Rested { id: OrderId(id), price: Price(price), qty: Qty(qty) }
}

fn queue(book: &Book, side: Side, price: i64) -> Vec<(u64, i64)> {
    book.queue(side, Price(price)).iter().map(|o| (o.id.0, o.qty.0)).collect()
}

#[test]
fn market_order_on_an_empty_book_is_rejected() {
    let mut book = Book::new();
    let mut out = Vec::new();
    let r = book.submit(&order(1, ALICE, Side::Buy, None, 5, Ioc), Off, &mut out);
    assert_eq!(r, Err(BookReject::NoLiquidity));
    assert!(out.is_empty());
}

#[test]
fn market_order_never_rests() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 3);
    let out = submit(&mut book, order(2, ALICE, Side::Buy, None, 5, Ioc), Off);
    assert_eq!(out, vec![fill(1, 2, 100, 3, 0, 2), cancelled(2, 2, Unfilled)]);
    assert!(book.is_empty());

    let mut out = Vec::new();
    let r = book.submit(&order(3, ALICE, Side::Buy, None, 5, Gtc), Off, &mut out);
    assert_eq!(r, Err(BookReject::MarketMustBeImmediate));
}

#[test]
fn a_sweep_stops_at_its_own_limit_and_fills_at_resting_prices() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    sell(&mut book, 2, BOB, 101, 2);
    sell(&mut book, 3, BOB, 103, 2);
    let out = submit(&mut book, order(4, ALICE, Side::Buy, Some(102), 6, Gtc), Off);
    assert_eq!(out, vec![fill(1, 4, 100, 2, 0, 4), fill(2, 4, 101, 2, 0, 2), rested(4, 102, 2)]);
    assert_eq!(book.best_ask().map(|l| l.price), Some(Price(103)));
}

#[test]
fn an_exact_fill_leaves_nothing_behind() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 4);
    let out = submit(&mut book, order(2, ALICE, Side::Buy, Some(100), 4, Gtc), Off);
    assert_eq!(out, vec![fill(1, 2, 100, 4, 0, 0)]);
    assert!(book.is_empty());
    assert_eq!((book.best_bid(), book.best_ask()), (None, None));
}

#[test]
fn a_partly_filled_resting_order_keeps_its_place() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 5);
    sell(&mut book, 2, BOB, 100, 5);
    submit(&mut book, order(3, ALICE, Side::Buy, Some(100), 2, Ioc), Off);
    assert_eq!(queue(&book, Side::Sell, 100), vec![(1, 3), (2, 5)]);
}

#[test]
fn an_ioc_remainder_is_cancelled_not_rested() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    let out = submit(&mut book, order(2, ALICE, Side::Buy, Some(100), 5, Ioc), Off);
    assert_eq!(out, vec![fill(1, 2, 100, 2, 0, 3), cancelled(2, 3, Unfilled)]);
    assert!(book.best_bid().is_none());
}

#[test]
fn fill_or_kill_fills_completely_or_changes_nothing() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    sell(&mut book, 2, BOB, 101, 2);

    // Four lots are there within 101, five are not.
    let out = submit(&mut book, order(3, ALICE, Side::Buy, Some(101), 5, Fok), Off);
    assert_eq!(out, vec![cancelled(3, 5, FillOrKill)]);
    assert_eq!(book.len(), 2);

    let out = submit(&mut book, order(4, ALICE, Side::Buy, Some(101), 4, Fok), Off);
    assert_eq!(out, vec![fill(1, 4, 100, 2, 0, 2), fill(2, 4, 101, 2, 0, 0)]);
    assert!(book.is_empty());
}

#[test]
fn post_only_rests_or_is_rejected_when_it_would_trade() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    let mut out = Vec::new();
    let r = book.submit(&order(2, ALICE, Side::Buy, Some(100), 1, PostOnly), Off, &mut out);
    assert_eq!(r, Err(BookReject::WouldTakeLiquidity));
    assert!(out.is_empty() && book.len() == 1);

    let out = submit(&mut book, order(3, ALICE, Side::Buy, Some(99), 1, PostOnly), Off);
    assert_eq!(out, vec![rested(3, 99, 1)]);
}

#[test]
fn amending_down_keeps_priority() {
    let mut book = Book::new();
    buy(&mut book, 1, ALICE, 99, 5);
    buy(&mut book, 2, BOB, 99, 5);
    let mut out = Vec::new();
    book.amend(OrderId(1), Price(99), Qty(3), Off, &mut out).unwrap();
    let kept =
        Report::Amended { id: OrderId(1), price: Price(99), qty: Qty(3), priority_kept: true };
    assert_eq!(out, vec![kept]);
    assert_eq!(queue(&book, Side::Buy, 99), vec![(1, 3), (2, 5)]);
}

#[test]
fn amending_up_or_to_another_price_loses_priority() {
    let mut book = Book::new();
    buy(&mut book, 1, ALICE, 99, 5);
    buy(&mut book, 2, BOB, 99, 5);
    let mut out = Vec::new();
    book.amend(OrderId(1), Price(99), Qty(6), Off, &mut out).unwrap();
    let lost =
        Report::Amended { id: OrderId(1), price: Price(99), qty: Qty(6), priority_kept: false };
    assert_eq!(out, vec![lost, rested(1, 99, 6)]);
    assert_eq!(queue(&book, Side::Buy, 99), vec![(2, 5), (1, 6)]);

    out.clear();
    book.amend(OrderId(2), Price(98), Qty(5), Off, &mut out).unwrap();
    assert_eq!(queue(&book, Side::Buy, 99), vec![(1, 6)], "the sibling stays");
    assert_eq!(queue(&book, Side::Buy, 98), vec![(2, 5)]);
    book.check_invariants().unwrap();
}

#[test]
fn an_amend_across_the_spread_trades_at_once() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 101, 2);
    buy(&mut book, 2, ALICE, 99, 5);
    let mut out = Vec::new();
    book.amend(OrderId(2), Price(101), Qty(5), Off, &mut out).unwrap();
    let lost =
        Report::Amended { id: OrderId(2), price: Price(101), qty: Qty(5), priority_kept: false };
    assert_eq!(out, vec![lost, fill(1, 2, 101, 2, 0, 3), rested(2, 101, 3)]);
    book.check_invariants().unwrap();
    assert!(book.best_ask().is_none(), "never crossed at rest");
}

#[test]
fn amending_to_zero_cancels() {
    let mut book = Book::new();
    buy(&mut book, 1, ALICE, 99, 5);
    let mut out = Vec::new();
    book.amend(OrderId(1), Price(99), Qty(0), Off, &mut out).unwrap();
    assert_eq!(out, vec![cancelled(1, 5, Requested)]);
    assert!(book.is_empty());
}

#[test]
fn cancel_or_amend_of_an_order_that_does_not_rest_is_rejected() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 1);
    buy(&mut book, 2, ALICE, 100, 1); // fills order 1
    buy(&mut book, 3, ALICE, 99, 1);
    let mut out = Vec::new();
    book.cancel_order(OrderId(3), &mut out).unwrap();

    for id in [1, 3, 42] {
        let mut out = Vec::new();
        assert_eq!(book.cancel_order(OrderId(id), &mut out), Err(BookReject::UnknownOrder), "{id}");
        let amend = book.amend(OrderId(id), Price(99), Qty(1), Off, &mut out);
        assert_eq!(amend, Err(BookReject::UnknownOrder), "{id}");
        assert!(out.is_empty());
    }
}

#[test]
fn ids_are_free_once_filled_or_cancelled_but_never_while_live() {
    let mut book = Book::new();
    buy(&mut book, 1, ALICE, 99, 1);
    let mut out = Vec::new();
    let dup = book.submit(&order(1, BOB, Side::Sell, Some(105), 1, Gtc), Off, &mut out);
    assert_eq!(dup, Err(BookReject::DuplicateId));

    book.cancel_order(OrderId(1), &mut out).unwrap();
    buy(&mut book, 1, ALICE, 98, 1);
    sell(&mut book, 2, BOB, 98, 1); // fills it
    sell(&mut book, 1, BOB, 103, 1);
    assert_eq!(book.get(OrderId(1)).map(|o| o.price), Some(Price(103)));
}

#[test]
fn self_trade_prevention_off_lets_an_account_trade_with_itself() {
    let mut book = Book::new();
    sell(&mut book, 1, ALICE, 100, 2);
    let out = submit(&mut book, order(2, ALICE, Side::Buy, Some(100), 2, Gtc), Off);
    assert_eq!(out, vec![fill(1, 2, 100, 2, 0, 0)]);
}

#[test]
fn cancel_incoming_keeps_fills_made_before_meeting_its_own_order() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    sell(&mut book, 2, ALICE, 100, 2);
    sell(&mut book, 3, BOB, 100, 2);
    let out = submit(&mut book, order(4, ALICE, Side::Buy, Some(100), 5, Gtc), CancelIncoming);
    assert_eq!(out, vec![fill(1, 4, 100, 2, 0, 3), cancelled(4, 3, SelfTrade)]);
    assert_eq!(queue(&book, Side::Sell, 100), vec![(2, 2), (3, 2)]);
    assert!(book.best_bid().is_none(), "the remainder does not rest");
}

#[test]
fn cancel_resting_removes_own_orders_and_matches_behind_them() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    sell(&mut book, 2, ALICE, 100, 2);
    sell(&mut book, 3, BOB, 100, 2);
    let out = submit(&mut book, order(4, ALICE, Side::Buy, Some(100), 5, Gtc), CancelResting);
    assert_eq!(
        out,
        vec![
            fill(1, 4, 100, 2, 0, 3),
            cancelled(2, 2, SelfTrade),
            fill(3, 4, 100, 2, 0, 1),
            rested(4, 100, 1)
        ]
    );
}

#[test]
fn cancel_both_removes_the_resting_order_and_the_remainder() {
    let mut book = Book::new();
    sell(&mut book, 1, BOB, 100, 2);
    sell(&mut book, 2, ALICE, 100, 2);
    sell(&mut book, 3, BOB, 100, 2);
    let out = submit(&mut book, order(4, ALICE, Side::Buy, Some(100), 5, Gtc), CancelBoth);
    assert_eq!(
        out,
        vec![fill(1, 4, 100, 2, 0, 3), cancelled(2, 2, SelfTrade), cancelled(4, 3, SelfTrade)]
    );
    assert_eq!(queue(&book, Side::Sell, 100), vec![(3, 2)]);
}

#[test]
fn decrement_both_reduces_both_without_trading() {
    // The incoming order is larger: the resting one goes, the rest matches on.
    let mut book = Book::new();
    sell(&mut book, 1, ALICE, 100, 2);
    sell(&mut book, 2, BOB, 100, 2);
    let out = submit(&mut book, order(3, ALICE, Side::Buy, Some(100), 3, Gtc), DecrementBoth);
    let dec = |id: u64, by: i64, left: i64| Report::Decremented {
        id: OrderId(id),
        by: Qty(by),
        remaining: Qty(left),
    };
    assert_eq!(out, vec![dec(1, 2, 0), dec(3, 2, 1), fill(2, 3, 100, 1, 1, 0)]);

    // The resting order is larger: it keeps the rest and its place.
    let mut book = Book::new();
    sell(&mut book, 1, ALICE, 100, 5);
    sell(&mut book, 2, BOB, 100, 5);
    let out = submit(&mut book, order(3, ALICE, Side::Buy, Some(100), 2, Gtc), DecrementBoth);
    assert_eq!(out, vec![dec(1, 2, 3), dec(3, 2, 0)]);
    assert_eq!(queue(&book, Side::Sell, 100), vec![(1, 3), (2, 5)]);
}

#[test]
fn orders_of_unknown_owner_never_trigger_self_trade_prevention() {
    let mut book = Book::new();
    sell(&mut book, 1, None, 100, 2);
    let out = submit(&mut book, order(2, None, Side::Buy, Some(100), 2, Gtc), CancelBoth);
    assert_eq!(out, vec![fill(1, 2, 100, 2, 0, 0)]);
}

#[test]
fn fill_or_kill_counts_only_what_it_may_trade_under_self_trade_prevention() {
    let mut book = Book::new();
    sell(&mut book, 1, ALICE, 100, 2);
    sell(&mut book, 2, BOB, 100, 2);

    // Cancel-incoming would stop at its own order at once: killed, and its
    // own order is untouched.
    let out = submit(&mut book, order(3, ALICE, Side::Buy, Some(100), 2, Fok), CancelIncoming);
    assert_eq!(out, vec![cancelled(3, 2, FillOrKill)]);
    assert_eq!(book.len(), 2);

    // Cancel-resting steps over it: two lots are fillable from Bob.
    let out = submit(&mut book, order(4, ALICE, Side::Buy, Some(100), 2, Fok), CancelResting);
    assert_eq!(out, vec![cancelled(1, 2, SelfTrade), fill(2, 4, 100, 2, 0, 0)]);
}

#[test]
fn levels_and_depth_queries_answer_after_every_kind_of_change() {
    let mut book = Book::new();
    buy(&mut book, 1, ALICE, 99, 3);
    buy(&mut book, 2, BOB, 98, 4);
    buy(&mut book, 3, BOB, 99, 1);
    let top: Vec<LevelView> = book.levels(Side::Buy).take(2).collect();
    assert_eq!(
        top,
        vec![
            LevelView { price: Price(99), qty: Qty(4), orders: 2 },
            LevelView { price: Price(98), qty: Qty(4), orders: 1 },
        ]
    );
    assert_eq!(book.depth_at(Side::Buy, Price(97)), Qty::ZERO);
}
