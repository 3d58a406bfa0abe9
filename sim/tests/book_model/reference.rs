//! The reference book the differential tests hold [`Book`] against, and the
//! comparison of the two.
//!
//! The reference keeps one plain vector of resting orders per side, each
//! stamped with an arrival number and its owner, and finds the next order to
//! trade by scanning for the best price and then for the earliest arrival at
//! that price. It is slow on purpose: every rule is written the way the
//! book's documentation states it, with nothing to keep in step but the
//! orders. This file holds the storage-level operations (`execute`, `rest`,
//! `cancel`); [`orders`] adds the order semantics of the matching module on
//! the same vectors.

#[path = "reference/orders.rs"]
pub(crate) mod orders;

use std::cmp::Reverse;

use surveil_sim::book::{Book, Fill, LevelView, RestError, Resting};
use surveil_sim::types::{AccountId, OrderId, Price, Qty, Side};

/// A resting order in the reference book, with its owner and the arrival
/// number that ranks it against others at the same price.
#[derive(Clone, Copy, Debug)]
struct Queued {
    order: Resting,
    owner: Option<AccountId>,
    arrival: u64,
}

/// The reference book: an unordered vector of resting orders per side.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReferenceBook {
    bids: Vec<Queued>,
    asks: Vec<Queued>,
    arrivals: u64,
}

impl ReferenceBook {
    /// Tells whether no order rests on `side`.
    pub(crate) fn side_is_empty(&self, side: Side) -> bool {
        self.orders(side).is_empty()
    }

    fn orders(&self, side: Side) -> &Vec<Queued> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn orders_mut(&mut self, side: Side) -> &mut Vec<Queued> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Returns the position of the order on `side` that trades next: the
    /// best price (highest bid, lowest ask), and at that price the earliest
    /// arrival.
    fn next_to_trade(&self, side: Side) -> Option<usize> {
        let orders = self.orders(side);
        let prices = orders.iter().map(|q| q.order.price);
        let best = match side {
            Side::Buy => prices.max(),
            Side::Sell => prices.min(),
        }?;
        (0..orders.len())
            .filter(|&i| orders[i].order.price == best)
            .min_by_key(|&i| orders[i].arrival)
    }

    /// Matches an incoming order one resting order at a time, as
    /// [`Book::execute`] is specified to.
    pub(crate) fn execute(
        &mut self,
        side: Side,
        limit: Option<Price>,
        qty: Qty,
        fills: &mut Vec<Fill>,
    ) -> Qty {
        let makers = side.opposite();
        let mut left = qty;
        while left > Qty::ZERO {
            let Some(i) = self.next_to_trade(makers) else { break };
            let maker = &mut self.orders_mut(makers)[i];
            let price = maker.order.price;
            let within_limit = match (side, limit) {
                (_, None) => true,
                (Side::Buy, Some(limit)) => price <= limit,
                (Side::Sell, Some(limit)) => price >= limit,
            };
            if !within_limit {
                break;
            }

            let traded = left.min(maker.order.qty);
            maker.order.qty -= traded;
            left -= traded;
            fills.push(Fill {
                maker: maker.order.id,
                price,
                qty: traded,
                maker_remaining: maker.order.qty,
            });
            if maker.order.qty == Qty::ZERO {
                self.orders_mut(makers).remove(i);
            }
        }
        left
    }

    /// Returns every reason the book has to refuse resting this order. The
    /// book's documentation does not rank them, so when several apply the
    /// book may report any one.
    fn refusals(&self, id: OrderId, side: Side, price: Price, qty: Qty) -> Vec<RestError> {
        let mut refusals = Vec::new();
        if qty <= Qty::ZERO {
            refusals.push(RestError::NonPositiveQty);
        }
        if self.get(id).is_some() {
            refusals.push(RestError::DuplicateId(id));
        }
        let crosses = match side {
            Side::Buy => self.asks.iter().any(|q| q.order.price <= price),
            Side::Sell => self.bids.iter().any(|q| q.order.price >= price),
        };
        if crosses {
            refusals.push(RestError::WouldCross);
        }
        refusals
    }

    /// Rests an order of unknown owner unless there is a reason to refuse
    /// it, and returns the reasons.
    pub(crate) fn rest(
        &mut self,
        id: OrderId,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Vec<RestError> {
        self.rest_owned(id, None, side, price, qty)
    }

    /// Rests an order of `owner` unless there is a reason to refuse it, and
    /// returns the reasons.
    pub(crate) fn rest_owned(
        &mut self,
        id: OrderId,
        owner: Option<AccountId>,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Vec<RestError> {
        let refusals = self.refusals(id, side, price, qty);
        if refusals.is_empty() {
            self.arrivals += 1;
            let queued =
                Queued { order: Resting { id, side, price, qty }, owner, arrival: self.arrivals };
            self.orders_mut(side).push(queued);
        }
        refusals
    }

    pub(crate) fn cancel(&mut self, id: OrderId) -> Option<Resting> {
        for side in [Side::Buy, Side::Sell] {
            let orders = self.orders_mut(side);
            if let Some(i) = orders.iter().position(|q| q.order.id == id) {
                return Some(orders.remove(i).order);
            }
        }
        None
    }

    pub(crate) fn get(&self, id: OrderId) -> Option<Resting> {
        self.find(id).map(|q| q.order)
    }

    fn find(&self, id: OrderId) -> Option<&Queued> {
        self.bids.iter().chain(&self.asks).find(|q| q.order.id == id)
    }

    /// Returns the best price on `side`: the highest bid or the lowest ask.
    pub(crate) fn best_price(&self, side: Side) -> Option<Price> {
        self.next_to_trade(side).map(|i| self.orders(side)[i].order.price)
    }

    /// Returns the ids of all resting orders, in increasing order so that a
    /// message's pick among them does not depend on how they are stored.
    pub(crate) fn live_ids(&self) -> Vec<OrderId> {
        let mut ids: Vec<OrderId> =
            self.bids.iter().chain(&self.asks).map(|q| q.order.id).collect();
        ids.sort_unstable();
        ids
    }

    /// Returns one side's orders with their owners in priority order: best
    /// price first, earliest arrival first within a price.
    pub(crate) fn in_priority(&self, side: Side) -> Vec<(Resting, Option<AccountId>)> {
        let mut orders = self.orders(side).clone();
        match side {
            Side::Buy => orders.sort_unstable_by_key(|q| (Reverse(q.order.price), q.arrival)),
            Side::Sell => orders.sort_unstable_by_key(|q| (q.order.price, q.arrival)),
        }
        orders.iter().map(|q| (q.order, q.owner)).collect()
    }
}

/// Sums orders listed in priority order into their levels, best first.
fn level_views(orders: &[(Resting, Option<AccountId>)]) -> Vec<LevelView> {
    orders
        .chunk_by(|(a, _), (b, _)| a.price == b.price)
        .map(|level| LevelView {
            price: level[0].0.price,
            qty: Qty(level.iter().map(|(o, _)| o.qty.0).sum()),
            orders: level.len() as u32,
        })
        .collect()
}

/// What a comparison saw of the book, for the coverage checks.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Shape {
    pub(crate) orders: usize,
    pub(crate) levels: usize,
    pub(crate) deepest_queue: usize,
}

/// Compares everything observable about `book` with the reference, and runs
/// the book's own invariant check: on each side, every order in priority
/// order with its quantity and owner (from the book's walk of the side, and
/// the owner again from [`Book::owner`]), every level's price, quantity and
/// order count, the touch, the depth at each level and the queue at the
/// touch; and the number of orders.
pub(crate) fn compare_books(book: &Book, model: &ReferenceBook) -> Result<Shape, String> {
    book.check_invariants().map_err(|e| format!("invariant broken: {e}"))?;

    let mut shape = Shape::default();
    for side in [Side::Buy, Side::Sell] {
        // The sequences are compared in place and collected only to report
        // a difference: this runs after every message of every run.
        let expected = model.in_priority(side);
        if !book.orders(side).eq(expected.iter().copied()) {
            let walked: Vec<_> = book.orders(side).collect();
            return Err(format!("{side} orders: book {walked:?}, reference {expected:?}"));
        }
        for &(order, owner) in &expected {
            let owned = book.owner(order.id);
            if owned != Some(owner) {
                return Err(format!("{:?}: owner {owned:?}, reference {owner:?}", order.id));
            }
        }

        let views = level_views(&expected);
        if !book.levels(side).eq(views.iter().copied()) {
            let actual: Vec<LevelView> = book.levels(side).collect();
            return Err(format!("{side} levels: book {actual:?}, reference {views:?}"));
        }
        for view in &views {
            if book.depth_at(side, view.price) != view.qty {
                return Err(format!("{side} depth at {:?} disagrees with its level", view.price));
            }
        }
        let best = match side {
            Side::Buy => book.best_bid(),
            Side::Sell => book.best_ask(),
        };
        if best != views.first().copied() || book.best(side) != best {
            return Err(format!("best {side}: book {best:?}, reference {:?}", views.first()));
        }
        if let Some(touch) = best {
            let queue = book.queue(side, touch.price);
            let orders = expected.iter().map(|&(order, _)| order).take(touch.orders as usize);
            if !queue.iter().copied().eq(orders) {
                return Err(format!("{side} queue at the touch: book {queue:?}"));
            }
        }

        shape.orders += expected.len();
        shape.levels += views.len();
        let deepest = views.iter().map(|v| v.orders as usize).max().unwrap_or(0);
        shape.deepest_queue = shape.deepest_queue.max(deepest);
    }

    if book.len() != shape.orders || book.is_empty() != (shape.orders == 0) {
        return Err(format!("book holds {} orders, reference {}", book.len(), shape.orders));
    }
    Ok(shape)
}
