//! The storage-level differential test: [`Book::execute`], [`Book::rest`]
//! and [`Book::cancel`] beside the reference.
//!
//! After every message the two books must agree on the fills (maker, price,
//! quantity, maker remaining) in order, on the unfilled remainder, on the
//! outcome of every `rest` and `cancel`, on the touch, and on every level of
//! both sides down to the order of each queue. Messages include what the
//! order layer above never sends: a `rest` that would cross, a `rest` of a
//! live id, a `rest` of no quantity.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use surveil_sim::book::{Book, Fill, RestError};
use surveil_sim::types::{OrderId, Price, Qty, Side};

use crate::reference::{ReferenceBook, compare_books};
use crate::{
    Kind, NO_ORDER, START_MID, Seeded, UNSEEN_IDS, drift, kind, lots, offset, persisted,
    price_behind, side,
};

/// Which id a new order carries.
#[derive(Clone, Copy, Debug)]
enum IdChoice {
    /// One never used before.
    Fresh,
    /// One whose order has left the book (the book allows reuse), picked
    /// among them; a fresh one when there is none.
    Reused(Index),
}

/// One message to both books. Prices are offsets from a mid price that the
/// run carries, and ids are picks among those the run knows, so every
/// message is valid whatever came before it and shrinking may delete any of
/// them.
#[derive(Clone, Copy, Debug)]
enum Message {
    /// A new order priced `offset` ticks behind the mid on its own side (a
    /// negative offset reaches through the mid), after the mid moves by
    /// `drift`.
    New { side: Side, kind: Kind, drift: i64, offset: i64, qty: i64, id: IdChoice },
    /// A cancel of a resting order, picked among them.
    CancelLive(Index),
    /// A cancel of an order that filled, was cancelled, or never rested.
    CancelDead(Index),
    /// A cancel of an id the book has never seen.
    CancelUnseen(OrderId),
    /// A resting order's id offered to `rest` again, either at the order's
    /// own side and price (which cannot cross) or at a new place.
    RestDuplicate { pick: Index, own_place: bool, side: Side, offset: i64, qty: i64 },
    /// A fresh id offered straight to `rest` without matching first, so it
    /// may cross or have no quantity.
    RestDirect { side: Side, offset: i64, qty: i64 },
}

fn id_choice() -> impl Strategy<Value = IdChoice> {
    prop_oneof![9 => Just(IdChoice::Fresh), 1 => any::<Index>().prop_map(IdChoice::Reused)]
}

fn message() -> impl Strategy<Value = Message> {
    let new = (side(), kind(), drift(), offset(), lots(), id_choice()).prop_map(
        |(side, kind, drift, offset, qty, id)| Message::New { side, kind, drift, offset, qty, id },
    );
    let duplicate = (any::<Index>(), any::<bool>(), side(), offset(), 0..=50i64).prop_map(
        |(pick, own_place, side, offset, qty)| Message::RestDuplicate {
            pick,
            own_place,
            side,
            offset,
            qty,
        },
    );
    let direct = (side(), offset(), 0..=50i64)
        .prop_map(|(side, offset, qty)| Message::RestDirect { side, offset, qty });
    // Cancels of live orders are rare enough that the book settles at about
    // a hundred resting orders over a long run.
    prop_oneof![
        70 => new,
        5 => any::<Index>().prop_map(Message::CancelLive),
        3 => any::<Index>().prop_map(Message::CancelDead),
        2 => (UNSEEN_IDS..UNSEEN_IDS * 2).prop_map(|id| Message::CancelUnseen(OrderId(id))),
        3 => duplicate,
        2 => direct,
    ]
}

/// Counts of what a run exercised, so that a generator that stops reaching
/// the interesting cases fails the run instead of passing it emptily.
#[derive(Clone, Copy, Debug, Default)]
struct Coverage {
    messages: u64,
    fills: u64,
    /// Executions that traded at three or more prices.
    sweeps: u64,
    deepest_queue: usize,
    most_levels: usize,
    most_orders: usize,
    /// The number of resting orders summed over all messages, for the mean.
    order_total: u64,
    live_cancels: u64,
    dead_cancels: u64,
    unseen_cancels: u64,
    duplicates_refused: u64,
    crosses_refused: u64,
    empty_refused: u64,
    reused_ids_rested: u64,
}

/// Both books, the state messages are resolved against, and what the run
/// has covered.
struct BookHarness {
    book: Book,
    model: ReferenceBook,
    mid: i64,
    next_id: u64,
    /// Ids whose orders have left the book or never rested.
    dead: Vec<OrderId>,
    fills: Vec<Fill>,
    expected_fills: Vec<Fill>,
    coverage: Coverage,
}

impl BookHarness {
    fn new() -> BookHarness {
        BookHarness {
            book: Book::new(),
            model: ReferenceBook::default(),
            mid: START_MID,
            next_id: 1,
            dead: Vec::new(),
            fills: Vec::new(),
            expected_fills: Vec::new(),
            coverage: Coverage::default(),
        }
    }

    fn fresh_id(&mut self) -> OrderId {
        let id = OrderId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Sends one message to both books and compares everything afterwards.
    fn apply(&mut self, message: &Message) -> Result<(), String> {
        match *message {
            Message::New { side, kind, drift, offset, qty, id } => {
                self.mid += drift;
                let price = price_behind(self.mid, side, offset);
                let (id, reused) = match id {
                    IdChoice::Reused(pick) if !self.dead.is_empty() => {
                        (self.dead.swap_remove(pick.index(self.dead.len())), true)
                    }
                    _ => (self.fresh_id(), false),
                };
                let limit = if kind == Kind::Market { None } else { Some(price) };
                let left = self.execute(side, limit, Qty(qty))?;
                if kind == Kind::Limit && left > Qty::ZERO {
                    // What is left after matching never crosses, and the id
                    // is not resting, so the book has no reason to refuse.
                    if !self.rest(id, side, price, left)? {
                        return Err(format!("the remainder of {id:?} was refused"));
                    }
                    self.coverage.reused_ids_rested += u64::from(reused);
                } else {
                    self.dead.push(id);
                }
            }
            Message::CancelLive(pick) => {
                let live = self.model.live_ids();
                let id = if live.is_empty() { NO_ORDER } else { live[pick.index(live.len())] };
                if self.cancel(id)? {
                    self.coverage.live_cancels += 1;
                }
            }
            Message::CancelDead(pick) => {
                let id = if self.dead.is_empty() {
                    NO_ORDER
                } else {
                    self.dead[pick.index(self.dead.len())]
                };
                if self.cancel(id)? {
                    return Err(format!("cancel of dead order {id:?} found it resting"));
                }
                self.coverage.dead_cancels += 1;
            }
            Message::CancelUnseen(id) => {
                if self.cancel(id)? {
                    return Err(format!("cancel of unseen order {id:?} found it resting"));
                }
                self.coverage.unseen_cancels += 1;
            }
            Message::RestDuplicate { pick, own_place, side, offset, qty } => {
                let live = self.model.live_ids();
                if !live.is_empty() {
                    let id = live[pick.index(live.len())];
                    let order = self.model.get(id).ok_or("a live id has no order")?;
                    let (side, price) = if own_place {
                        (order.side, order.price)
                    } else {
                        (side, price_behind(self.mid, side, offset))
                    };
                    if self.rest(id, side, price, Qty(qty))? {
                        return Err(format!("live id {id:?} rested twice"));
                    }
                }
            }
            Message::RestDirect { side, offset, qty } => {
                let id = self.fresh_id();
                if !self.rest(id, side, price_behind(self.mid, side, offset), Qty(qty))? {
                    self.dead.push(id);
                }
            }
        }

        let shape = compare_books(&self.book, &self.model)?;
        let coverage = &mut self.coverage;
        coverage.messages += 1;
        coverage.deepest_queue = coverage.deepest_queue.max(shape.deepest_queue);
        coverage.most_levels = coverage.most_levels.max(shape.levels);
        coverage.most_orders = coverage.most_orders.max(shape.orders);
        coverage.order_total += shape.orders as u64;
        Ok(())
    }

    /// Matches an incoming order in both books and compares the fills and
    /// the remainder.
    fn execute(&mut self, side: Side, limit: Option<Price>, qty: Qty) -> Result<Qty, String> {
        self.fills.clear();
        self.expected_fills.clear();
        let left = self.book.execute(side, limit, qty, &mut self.fills);
        let expected_left = self.model.execute(side, limit, qty, &mut self.expected_fills);
        if self.fills != self.expected_fills {
            return Err(format!(
                "{side} {qty:?} limit {limit:?} filled {:?}, reference {:?}",
                self.fills, self.expected_fills
            ));
        }
        if left != expected_left {
            return Err(format!("remainder {left:?}, reference {expected_left:?}"));
        }

        // Makers filled to zero have left the book; their ids are dead.
        for fill in &self.fills {
            if fill.maker_remaining == Qty::ZERO {
                self.dead.push(fill.maker);
            }
        }
        let mut prices: Vec<Price> = self.fills.iter().map(|f| f.price).collect();
        prices.dedup();
        self.coverage.fills += self.fills.len() as u64;
        self.coverage.sweeps += u64::from(prices.len() >= 3);
        Ok(left)
    }

    /// Offers an order to `rest` in both books, checks that they agree, and
    /// tells whether it rested.
    fn rest(&mut self, id: OrderId, side: Side, price: Price, qty: Qty) -> Result<bool, String> {
        let result = self.book.rest(id, side, price, qty);
        let refusals = self.model.rest(id, side, price, qty);
        match result {
            Ok(()) if refusals.is_empty() => Ok(true),
            Err(refusal) if refusals.contains(&refusal) => {
                let coverage = &mut self.coverage;
                match refusal {
                    RestError::DuplicateId(_) => coverage.duplicates_refused += 1,
                    RestError::WouldCross => coverage.crosses_refused += 1,
                    RestError::NonPositiveQty => coverage.empty_refused += 1,
                }
                Ok(false)
            }
            _ => Err(format!(
                "rest of {id:?} {side} {qty:?} at {price:?}: book {result:?}, \
                 reference refusals {refusals:?}"
            )),
        }
    }

    /// Cancels in both books, checks that they agree, and tells whether the
    /// order was resting.
    fn cancel(&mut self, id: OrderId) -> Result<bool, String> {
        let cancelled = self.book.cancel(id);
        let expected = self.model.cancel(id);
        if cancelled != expected {
            return Err(format!("cancel of {id:?}: book {cancelled:?}, reference {expected:?}"));
        }
        if cancelled.is_some() {
            self.dead.push(id);
        }
        Ok(cancelled.is_some())
    }
}

proptest! {
    // The default 256 sequences (`PROPTEST_CASES` overrides it) of about
    // 1,000 messages each.
    #![proptest_config(persisted(1))]

    #[test]
    fn book_agrees_with_the_reference(messages in prop::collection::vec(message(), 1..=2_000)) {
        let mut harness = BookHarness::new();
        for (i, message) in messages.iter().enumerate() {
            harness
                .apply(message)
                .map_err(|e| TestCaseError::fail(format!("message {i}, {message:?}: {e}")))?;
        }
    }
}

#[test]
fn book_agrees_with_the_reference_over_a_long_seeded_run() {
    const MESSAGES: u64 = 300_000;

    let mut messages = Seeded::new(message(), 7);
    let mut harness = BookHarness::new();
    for i in 0..MESSAGES {
        let message = messages.draw();
        if let Err(e) = harness.apply(&message) {
            panic!("message {i}, {message:?}: {e}");
        }
    }

    // The run must reach what it exists to test: deep queues, sweeps across
    // several levels, and every kind of refusal and cancel.
    let c = harness.coverage;
    assert_eq!(c.messages, MESSAGES);
    assert!(c.fills > MESSAGES / 2 && c.sweeps > 2_000, "{c:?}");
    assert!(c.order_total / MESSAGES >= 50, "{c:?}");
    assert!(c.deepest_queue >= 15 && c.most_levels >= 50, "{c:?}");
    assert!(c.live_cancels > 10_000 && c.dead_cancels > 5_000 && c.unseen_cancels > 3_000, "{c:?}");
    assert!(c.duplicates_refused > 4_000 && c.crosses_refused > 2_000, "{c:?}");
    assert!(c.empty_refused > 100 && c.reused_ids_rested > 5_000, "{c:?}");
}
