//! Differential tests of the order book, its order semantics, and the
//! gateway built on it.
//!
//! Each suite drives the real code message by message beside a reference
//! written to be obviously correct rather than fast (see [`reference`]), and
//! after every message compares everything the two can be asked: outcomes,
//! reports, and every level and queue of both sides, owners included; and
//! [`surveil_sim::book::Book::check_invariants`] must hold. Messages come
//! from proptest with a fixed seed, so a run is reproducible and a
//! disagreement shrinks to a short sequence, and from long seeded runs that
//! let the book grow deep and ids be reused over a long history, with
//! assertions that the cases each suite exists for actually happened.
//!
//! - [`storage`] holds the book's storage operations (`execute`, `rest`,
//!   `cancel`) to the reference.
//! - [`orders`] holds the order semantics (`submit` with every time in force
//!   and market orders, `amend`, `cancel_order`, self-trade prevention in
//!   every mode, orders with and without owners) to the reference's reading
//!   of the matching module's rules.
//! - [`gateway`] tests the exchange the same way one level up.

#[path = "book_model/gateway.rs"]
mod gateway;
#[path = "book_model/orders.rs"]
mod orders;
#[path = "book_model/reference.rs"]
mod reference;
#[path = "book_model/storage.rs"]
mod storage;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, RngSeed, TestRng, TestRunner,
};
use surveil_sim::types::{OrderId, Price, Side};

/// Where every run's mid price starts: far enough from zero that ordinary
/// prices stay positive however far the mid wanders in a run.
const START_MID: i64 = 10_000;

/// Order ids at or above this are never handed out, so cancels of them name
/// orders the book has never seen.
const UNSEEN_IDS: u64 = 1 << 40;

/// An id no run hands out, cancelled when a message asks to pick among
/// orders and there are none to pick from.
const NO_ORDER: OrderId = OrderId(u64::MAX);

/// How an incoming order treats what it cannot fill at once, for the
/// storage and gateway suites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Good till cancelled: the remainder rests at the limit.
    Limit,
    /// Immediate or cancel: the remainder is dropped.
    ImmediateOrCancel,
    /// No limit; the remainder is dropped.
    Market,
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![7 => Just(Kind::Limit), 2 => Just(Kind::ImmediateOrCancel), 1 => Just(Kind::Market)]
}

/// How far the mid moves before a new order: a symmetric random walk.
fn drift() -> impl Strategy<Value = i64> {
    prop_oneof![2 => Just(0i64), 1 => Just(-1i64), 1 => Just(1i64)]
}

/// Ticks behind the mid on the order's own side. Most orders join or sit
/// just behind the touch, which keeps queues deep; some reach a few ticks
/// through the mid; a few sit far behind or sweep far through.
fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![
        12 => 0..=4i64,
        4 => -4..=-1i64,
        1 => 5..=60i64,
        2 => -40..=-5i64,
    ]
}

/// Lots per order: mostly small, so that levels hold several orders yet a
/// large order can clear a few of them.
fn lots() -> impl Strategy<Value = i64> {
    prop_oneof![3 => 1..=10i64, 1 => 11..=50i64]
}

/// The price `offset` ticks behind `mid` on `side`.
fn price_behind(mid: i64, side: Side, offset: i64) -> Price {
    Price(mid - side.sign() * offset)
}

/// Draws values one at a time from a strategy, for runs longer than a
/// proptest case: proptest's ChaCha generator from a fixed seed. The seeded
/// runs thus draw from the very strategies the proptest suites use, and
/// their coverage checks hold the one generator both share to its purpose.
struct Seeded<S: Strategy> {
    strategy: S,
    runner: TestRunner,
}

impl<S: Strategy> Seeded<S> {
    fn new(strategy: S, seed: u8) -> Seeded<S> {
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
        Seeded { strategy, runner: TestRunner::new_with_rng(Config::default(), rng) }
    }

    fn draw(&mut self) -> S::Value {
        self.strategy.new_tree(&mut self.runner).expect("these strategies never reject").current()
    }
}

/// The proptest configuration: a fixed seed, so every run tries the same
/// cases; failing cases recorded beside the test's file so that they are
/// replayed first on the next run; and room to shrink a failing sequence of
/// a thousand messages to the few that matter. Deleting them one at a time
/// takes an attempt each, far beyond proptest's automatic limit of four per
/// case, but every attempt stops at its first disagreement, so they are cheap;
/// a minute bounds the whole.
fn persisted(seed: u64) -> Config {
    let persistence = FileFailurePersistence::WithSource("proptest-regressions");
    Config {
        failure_persistence: Some(Box::new(persistence)),
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 1_000_000,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}
