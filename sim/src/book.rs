//! A limit order book for one instrument, with price-time priority.
//!
//! Resting orders live in a slab and are chained into one first-in-first-out
//! queue per price level; each side keeps its levels in an array sorted
//! with the best price last, where the touch is one load away. An
//! incoming order is matched against the opposite side best price first, and
//! within a price oldest first; every fill is priced at the resting order's
//! price.
//!
//! Invariants, checked after every operation in debug builds and in full by
//! [`Book::check_invariants`]:
//! - the book is never crossed at rest: best bid < best ask;
//! - no level is empty: each level holds at least one order, and its total
//!   quantity is the sum of its orders' remaining quantities;
//! - every resting order has a positive remaining quantity, is indexed by its
//!   id, and sits on the level of its own side and price;
//! - within a level, orders are in arrival order (a partial fill keeps an
//!   order's place), and the queue's links agree in both directions;
//! - each side's levels are at distinct prices, in that side's order;
//! - every slot of the slab holds either a resting order or a free entry,
//!   never both and never neither.

mod ids;
mod ladder;
mod slab;

use self::ids::IdIndex;
use self::ladder::Ladder;
use self::slab::Slab;
use crate::types::{AccountId, OrderId, Price, Qty, Side};

const NIL: u32 = u32::MAX;

/// One execution of an incoming order against a resting one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// The resting (maker) order.
    pub maker: OrderId,
    /// The price, which is always the resting order's.
    pub price: Price,
    /// The quantity traded.
    pub qty: Qty,
    /// What is left of the resting order; zero means it left the book.
    pub maker_remaining: Qty,
}

/// A resting order as the book holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resting {
    /// The order's id.
    pub id: OrderId,
    /// Its side.
    pub side: Side,
    /// Its limit price.
    pub price: Price,
    /// Its remaining quantity.
    pub qty: Qty,
}

/// The aggregate of one price level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelView {
    /// The level's price.
    pub price: Price,
    /// The total remaining quantity resting at this price.
    pub qty: Qty,
    /// The number of orders resting at this price.
    pub orders: u32,
}

/// Why the book refused to rest an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// An order with this id is already resting.
    #[error("order {} is already resting", .0.0)]
    DuplicateId(OrderId),
    /// The order would cross the opposite side; match it first.
    #[error("order would cross the book at rest")]
    WouldCross,
    /// The quantity is not positive.
    #[error("resting quantity must be positive")]
    NonPositiveQty,
}

#[derive(Clone, Copy, Debug)]
struct Level {
    head: u32,
    tail: u32,
    qty: Qty,
    orders: u32,
}

/// A resting order in the slab, laid out flat so that it takes 40 bytes.
#[derive(Clone, Copy, Debug)]
struct Node {
    id: OrderId,
    price: Price,
    qty: Qty,
    /// The account the order belongs to, for self-trade prevention, or
    /// [`NO_OWNER`] for orders of unknown owner, such as replayed market
    /// data.
    owner: u32,
    prev: u32,
    next: u32,
    side: Side,
}

/// The owner of an order whose account is not known.
const NO_OWNER: u32 = u32::MAX;

impl Node {
    fn order(&self) -> Resting {
        Resting { id: self.id, side: self.side, price: self.price, qty: self.qty }
    }

    fn owner(&self) -> Option<AccountId> {
        (self.owner != NO_OWNER).then_some(AccountId(self.owner))
    }
}

/// The limit order book of one instrument.
#[derive(Debug, Clone)]
pub struct Book {
    bids: Ladder,
    asks: Ladder,
    nodes: Slab,
    index: IdIndex,
    /// How many times a resting order has lost quantity other than by a
    /// cancel of it; see [`Book::reductions`].
    reductions: u64,
}

impl Default for Book {
    fn default() -> Book {
        Book::new()
    }
}

impl Book {
    /// Creates an empty book.
    pub fn new() -> Book {
        Book {
            bids: Ladder::new(Side::Buy),
            asks: Ladder::new(Side::Sell),
            nodes: Slab::default(),
            index: IdIndex::default(),
            reductions: 0,
        }
    }

    /// Returns the best bid level, if any.
    pub fn best_bid(&self) -> Option<LevelView> {
        self.bids.best().map(|(price, l)| view(price, l))
    }

    /// Returns the best ask level, if any.
    pub fn best_ask(&self) -> Option<LevelView> {
        self.asks.best().map(|(price, l)| view(price, l))
    }

    /// Returns the best level of one side, if any.
    pub fn best(&self, side: Side) -> Option<LevelView> {
        match side {
            Side::Buy => self.best_bid(),
            Side::Sell => self.best_ask(),
        }
    }

    /// Returns the levels of one side, best price first.
    pub fn levels(&self, side: Side) -> impl Iterator<Item = LevelView> + '_ {
        self.side(side).iter().map(|(p, l)| view(p, l))
    }

    /// Returns the total quantity resting at one price on one side.
    pub fn depth_at(&self, side: Side, price: Price) -> Qty {
        self.side(side).get(price).map_or(Qty::ZERO, |l| l.qty)
    }

    /// Returns a resting order by id.
    pub fn get(&self, id: OrderId) -> Option<Resting> {
        self.index.get(id, &self.nodes).map(|slot| self.nodes[slot].order())
    }

    /// Returns how many times so far a resting order has lost quantity
    /// other than by [`Book::cancel`]: by trading, by self-trade
    /// prevention, or by a reduction that kept its place. While the count
    /// stays the same, every order still resting holds what it held, so a
    /// participant who cancels its own orders itself, and has looked since
    /// the count last changed, knows what is left of each without asking.
    pub fn reductions(&self) -> u64 {
        self.reductions
    }

    /// Returns the number of resting orders.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Tells whether no order is resting.
    pub fn is_empty(&self) -> bool {
        self.index.len() == 0
    }

    /// Returns the orders resting at one level, oldest first.
    pub fn queue(&self, side: Side, price: Price) -> Vec<Resting> {
        let mut out = Vec::new();
        if let Some(level) = self.side(side).get(price) {
            let mut slot = level.head;
            while slot != NIL {
                let node = &self.nodes[slot];
                out.push(node.order());
                slot = node.next;
            }
        }
        out
    }

    /// Matches an incoming order against the opposite side.
    ///
    /// Walks the opposite side best price first and stops at `limit` (a buy
    /// takes asks at or below it, a sell takes bids at or above it; `None`
    /// means no limit, as for a market order) or when `qty` is exhausted.
    /// Appends one [`Fill`] per resting order touched and returns the
    /// quantity left unfilled. The caller decides whether that remainder
    /// rests ([`Book::rest`]) or is dropped.
    pub fn execute(
        &mut self,
        side: Side,
        limit: Option<Price>,
        qty: Qty,
        fills: &mut Vec<Fill>,
    ) -> Qty {
        let mut left = qty;
        let opposite = match side {
            Side::Buy => &mut self.asks,
            Side::Sell => &mut self.bids,
        };
        while left > Qty::ZERO {
            let Some((price, level)) = opposite.best_mut() else { break };
            let crosses = match (side, limit) {
                (_, None) => true,
                (Side::Buy, Some(l)) => price <= l,
                (Side::Sell, Some(l)) => price >= l,
            };
            if !crosses {
                break;
            }

            // Take from the head of the level's queue until it or the
            // incoming order is exhausted.
            while left > Qty::ZERO && level.head != NIL {
                let slot = level.head;
                let node = &mut self.nodes[slot];
                let traded = left.min(node.qty);
                node.qty -= traded;
                level.qty -= traded;
                left -= traded;
                fills.push(Fill { maker: node.id, price, qty: traded, maker_remaining: node.qty });
                self.reductions += 1;
                if node.qty == Qty::ZERO {
                    let id = node.id;
                    let next = node.next;
                    level.head = next;
                    level.orders -= 1;
                    if next == NIL {
                        level.tail = NIL;
                    } else {
                        self.nodes[next].prev = NIL;
                    }
                    self.index.remove(id, &self.nodes);
                    self.nodes.free(slot);
                }
            }
            if level.head == NIL {
                opposite.pop_best();
            }
        }
        self.debug_check();
        left
    }

    /// Rests an order at the back of its price level's queue.
    ///
    /// # Errors
    ///
    /// Refuses a duplicate live id, a non-positive quantity, and a price
    /// that would cross the opposite side (match it with [`Book::execute`]
    /// first).
    pub fn rest(
        &mut self,
        id: OrderId,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Result<(), RestError> {
        self.rest_owned(id, None, side, price, qty)
    }

    /// Rests an order of a known account at the back of its price level's
    /// queue; the owner is what self-trade prevention compares.
    ///
    /// # Errors
    ///
    /// As [`Book::rest`].
    pub fn rest_owned(
        &mut self,
        id: OrderId,
        owner: Option<AccountId>,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Result<(), RestError> {
        if qty <= Qty::ZERO {
            return Err(RestError::NonPositiveQty);
        }
        let crosses = match side {
            Side::Buy => self.best_ask().is_some_and(|a| price >= a.price),
            Side::Sell => self.best_bid().is_some_and(|b| price <= b.price),
        };
        if crosses {
            return Err(RestError::WouldCross);
        }
        let slot = self.nodes.next_slot();
        if !self.index.insert(id, slot, &self.nodes) {
            return Err(RestError::DuplicateId(id));
        }
        let levels = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let level =
            levels.get_or_insert(price, Level { head: NIL, tail: NIL, qty: Qty::ZERO, orders: 0 });
        let owner = owner.map_or(NO_OWNER, |a| a.0);
        let node = Node { id, price, qty, owner, prev: level.tail, next: NIL, side };
        let stored = self.nodes.insert(node);
        debug_assert_eq!(stored, slot, "the index names the slot the slab fills");
        if level.tail == NIL {
            level.head = slot;
        } else {
            self.nodes[level.tail].next = slot;
        }
        level.tail = slot;
        level.qty += qty;
        level.orders += 1;
        self.debug_check();
        Ok(())
    }

    /// Takes `by` lots off a resting order without moving it in its queue,
    /// and returns what is left of it (a quantity of zero means it left the
    /// book). Returns `None` if no order with this id is resting. Taking
    /// more than the order holds takes all of it.
    pub fn reduce(&mut self, id: OrderId, by: Qty) -> Option<Resting> {
        let slot = self.index.get(id, &self.nodes)?;
        let order = self.nodes[slot].order();
        let left = self.take_at(slot, by);
        Some(Resting { qty: left, ..order })
    }

    /// Removes a resting order and returns it, or `None` if no order with
    /// this id is resting.
    pub fn cancel(&mut self, id: OrderId) -> Option<Resting> {
        let slot = self.index.remove(id, &self.nodes)?;
        Some(self.unlink(slot))
    }

    /// Returns the bytes the book holds for its orders and levels, counted
    /// from the capacity of its containers: the slab's chunks of orders
    /// (free slots included), the id index's whole allocation and the
    /// arrays of price levels (a price and a level each, spare room
    /// included).
    pub fn memory_bytes(&self) -> usize {
        let levels = (self.bids.capacity() + self.asks.capacity()) * size_of::<(Price, Level)>();
        self.nodes.memory_bytes() + self.index.memory_bytes() + levels
    }

    /// Returns the owner of a resting order: `None` when no such order
    /// rests, `Some(None)` when it rests with no known owner.
    pub fn owner(&self, id: OrderId) -> Option<Option<AccountId>> {
        self.index.get(id, &self.nodes).map(|slot| self.nodes[slot].owner())
    }

    /// Returns the resting orders of one side in priority order (best
    /// price first, oldest first within a price), with their owners.
    pub fn orders(&self, side: Side) -> impl Iterator<Item = (Resting, Option<AccountId>)> + '_ {
        self.side(side).iter().flat_map(move |(_, level)| {
            let mut slot = level.head;
            std::iter::from_fn(move || {
                if slot == NIL {
                    return None;
                }
                let node = &self.nodes[slot];
                slot = node.next;
                Some((node.order(), node.owner()))
            })
        })
    }

    /// Returns the slot, order and owner at the head of the best level of
    /// one side: the next order an incoming order on the other side meets.
    pub(crate) fn head(&self, side: Side) -> Option<(u32, Resting, Option<AccountId>)> {
        let (_, level) = self.side(side).best()?;
        let node = &self.nodes[level.head];
        Some((level.head, node.order(), node.owner()))
    }

    /// Takes up to `by` lots off the order in `slot`, keeping its place,
    /// and returns what is left; an order left with nothing leaves the
    /// book.
    pub(crate) fn take_at(&mut self, slot: u32, by: Qty) -> Qty {
        self.reductions += 1;
        let order = self.nodes[slot].order();
        if by >= order.qty {
            self.remove_at(slot);
            return Qty::ZERO;
        }
        let by = by.max(Qty::ZERO);
        self.nodes[slot].qty -= by;
        let levels = match order.side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        if let Some(level) = levels.get_mut(order.price) {
            level.qty -= by;
        }
        self.debug_check();
        order.qty - by
    }

    /// Unlinks the order in `slot` from its queue and index, frees the slot
    /// and returns the order.
    pub(crate) fn remove_at(&mut self, slot: u32) -> Resting {
        self.reductions += 1;
        self.index.remove(self.nodes[slot].id, &self.nodes);
        self.unlink(slot)
    }

    /// Unlinks the order in `slot`, which the index no longer names, from
    /// its queue, frees the slot and returns the order.
    fn unlink(&mut self, slot: u32) -> Resting {
        let Node { prev, next, .. } = self.nodes[slot];
        let order = self.nodes[slot].order();
        let levels = match order.side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let Some(position) = levels.position(order.price) else {
            unreachable!("a resting order always has its level");
        };
        let level = levels.at_mut(position);
        if prev == NIL {
            level.head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            level.tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
        level.qty -= order.qty;
        level.orders -= 1;
        if level.orders == 0 {
            levels.remove_at(position);
        }
        self.nodes.free(slot);
        self.debug_check();
        order
    }

    /// Checks every invariant in the module documentation.
    ///
    /// The queues are walked link by link, checking the links both ways, so
    /// a corrupted queue (a cycle, a broken back link) is reported rather
    /// than followed forever.
    ///
    /// # Errors
    ///
    /// Returns a description of the first invariant found broken.
    pub fn check_invariants(&self) -> Result<(), String> {
        if let (Some(b), Some(a)) = (self.best_bid(), self.best_ask())
            && b.price >= a.price
        {
            return Err(format!("crossed at rest: bid {:?} >= ask {:?}", b.price, a.price));
        }

        // Every slot of the slab must be reached exactly once: from the free
        // list if it is free, from a level if it holds a resting order.
        let mut reached = vec![false; self.nodes.slots()];
        for slot in self.nodes.free_slots() {
            match reached.get_mut(slot as usize) {
                Some(seen) if !*seen => *seen = true,
                _ => return Err(format!("free slot {slot} is repeated or out of range")),
            }
            if self.nodes[slot].qty != Qty::ZERO {
                return Err(format!("free slot {slot} holds a quantity"));
            }
        }
        let mut resting = 0usize;
        for (side, levels) in [(Side::Buy, &self.bids), (Side::Sell, &self.asks)] {
            levels.check_order()?;
            for (price, level) in levels.iter() {
                let queue = self.walk(price, level)?;
                for &(slot, _) in &queue {
                    if std::mem::replace(&mut reached[slot as usize], true) {
                        return Err(format!("slot {slot} is free, or on more than one queue"));
                    }
                }
                if queue.is_empty() {
                    return Err(format!("empty level {price:?} on {side}"));
                }
                if queue.len() != level.orders as usize {
                    return Err(format!(
                        "level {price:?} counts {} orders, holds {}",
                        level.orders,
                        queue.len()
                    ));
                }
                let total: i64 = queue.iter().map(|&(_, o)| o.qty.0).sum();
                if total != level.qty.0 {
                    return Err(format!("level {price:?} total {} != sum {total}", level.qty.0));
                }
                for &(slot, o) in &queue {
                    if o.qty <= Qty::ZERO || o.side != side || o.price != price {
                        return Err(format!("misplaced or empty order {o:?} at {price:?}"));
                    }
                    if self.index.get(o.id, &self.nodes) != Some(slot) {
                        return Err(format!("order {:?} is not indexed at its slot {slot}", o.id));
                    }
                }
                resting += queue.len();
            }
        }
        if resting != self.index.len() {
            return Err(format!("{} orders indexed, {resting} on levels", self.index.len()));
        }
        if let Some(slot) = reached.iter().position(|&seen| !seen) {
            return Err(format!("slot {slot} is neither resting nor free"));
        }
        Ok(())
    }

    /// Follows a level's queue from head to tail and returns its slots and
    /// orders, checking that every node links back to the one before it and
    /// that the walk ends at the level's tail.
    ///
    /// The back-link check also ends the walk on a cycle: the first node
    /// reached twice is reached from two different predecessors (the head's
    /// first predecessor being none), so one of the two checks fails.
    fn walk(&self, price: Price, level: &Level) -> Result<Vec<(u32, Resting)>, String> {
        let mut queue = Vec::new();
        let (mut prev, mut slot) = (NIL, level.head);
        while slot != NIL {
            let Some(node) = self.nodes.get(slot) else {
                return Err(format!("the queue at {price:?} links to slot {slot}, past the slab"));
            };
            if node.prev != prev {
                return Err(format!(
                    "order {:?} at {price:?} links back to slot {}, not {prev}",
                    node.id, node.prev
                ));
            }
            queue.push((slot, node.order()));
            prev = slot;
            slot = node.next;
        }
        if level.tail != prev {
            return Err(format!(
                "the queue at {price:?} ends at slot {prev}, its tail is {}",
                level.tail
            ));
        }
        Ok(queue)
    }

    /// Cheap checks run after every operation in debug builds: the book is
    /// not crossed and the touch levels are not empty.
    fn debug_check(&self) {
        if cfg!(debug_assertions) {
            let bid = self.best_bid();
            let ask = self.best_ask();
            if let (Some(b), Some(a)) = (bid, ask) {
                debug_assert!(b.price < a.price, "book crossed at rest: {b:?} / {a:?}");
            }
            for l in bid.iter().chain(ask.iter()) {
                debug_assert!(l.orders > 0 && l.qty > Qty::ZERO, "empty touch level {l:?}");
            }
        }
    }

    fn side(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }
}

fn view(price: Price, level: &Level) -> LevelView {
    LevelView { price, qty: level.qty, orders: level.orders }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buy_limit(book: &mut Book, id: u64, price: i64, qty: i64) -> Vec<Fill> {
        let mut fills = Vec::new();
        let left = book.execute(Side::Buy, Some(Price(price)), Qty(qty), &mut fills);
        if left > Qty::ZERO {
            book.rest(OrderId(id), Side::Buy, Price(price), left).unwrap();
        }
        fills
    }

    fn sell_limit(book: &mut Book, id: u64, price: i64, qty: i64) -> Vec<Fill> {
        let mut fills = Vec::new();
        let left = book.execute(Side::Sell, Some(Price(price)), Qty(qty), &mut fills);
        if left > Qty::ZERO {
            book.rest(OrderId(id), Side::Sell, Price(price), left).unwrap();
        }
        fills
    }

    #[test]
    fn fills_are_priced_at_the_resting_order() {
        let mut book = Book::new();
        sell_limit(&mut book, 1, 100, 5);
        let fills = buy_limit(&mut book, 2, 105, 3);
        assert_eq!(
            fills,
            vec![Fill {
                maker: OrderId(1),
                price: Price(100),
                qty: Qty(3),
                maker_remaining: Qty(2)
            }]
        );
    }

    #[test]
    fn sweep_stops_at_its_own_limit() {
        let mut book = Book::new();
        sell_limit(&mut book, 1, 100, 1);
        sell_limit(&mut book, 2, 101, 1);
        sell_limit(&mut book, 3, 102, 1);
        let fills = buy_limit(&mut book, 4, 101, 5);
        assert_eq!(fills.len(), 2);
        assert_eq!(book.best_ask().unwrap().price, Price(102));
        assert_eq!(
            book.best_bid().unwrap(),
            LevelView { price: Price(101), qty: Qty(3), orders: 1 }
        );
    }

    #[test]
    fn exact_fill_leaves_nothing_behind() {
        let mut book = Book::new();
        sell_limit(&mut book, 1, 100, 4);
        buy_limit(&mut book, 2, 100, 4);
        assert!(book.is_empty());
        assert_eq!(book.best_ask(), None);
        assert_eq!(book.best_bid(), None);
        assert_eq!(book.get(OrderId(1)), None);
    }

    #[test]
    fn partial_fill_keeps_queue_position() {
        let mut book = Book::new();
        sell_limit(&mut book, 1, 100, 5);
        sell_limit(&mut book, 2, 100, 5);
        buy_limit(&mut book, 3, 100, 2);
        let queue: Vec<_> =
            book.queue(Side::Sell, Price(100)).iter().map(|o| (o.id, o.qty)).collect();
        assert_eq!(queue, vec![(OrderId(1), Qty(3)), (OrderId(2), Qty(5))]);
    }

    #[test]
    fn cancel_of_last_order_removes_the_level() {
        let mut book = Book::new();
        buy_limit(&mut book, 1, 99, 1);
        buy_limit(&mut book, 2, 98, 1);
        assert!(book.cancel(OrderId(1)).is_some());
        assert_eq!(book.best_bid().unwrap().price, Price(98));
        assert_eq!(book.cancel(OrderId(1)), None, "a second cancel finds nothing");
        book.check_invariants().unwrap();
    }

    #[test]
    fn cancel_from_the_middle_of_a_queue_keeps_siblings() {
        let mut book = Book::new();
        for id in 1..=3 {
            buy_limit(&mut book, id, 99, 1);
        }
        book.cancel(OrderId(2)).unwrap();
        let ids: Vec<_> = book.queue(Side::Buy, Price(99)).iter().map(|o| o.id).collect();
        assert_eq!(ids, vec![OrderId(1), OrderId(3)]);
        book.check_invariants().unwrap();
    }

    #[test]
    fn rest_refuses_duplicate_live_ids_and_crossing_prices() {
        let mut book = Book::new();
        book.rest(OrderId(1), Side::Buy, Price(99), Qty(1)).unwrap();
        assert_eq!(
            book.rest(OrderId(1), Side::Buy, Price(98), Qty(1)),
            Err(RestError::DuplicateId(OrderId(1)))
        );
        assert_eq!(
            book.rest(OrderId(2), Side::Sell, Price(99), Qty(1)),
            Err(RestError::WouldCross)
        );
        book.check_invariants().unwrap();
    }

    #[test]
    fn check_invariants_reports_a_queue_cycle_instead_of_following_it() {
        let mut book = Book::new();
        for id in 1..=3 {
            buy_limit(&mut book, id, 99, 1);
        }
        // The tail links forward to the head; the walk comes back round to
        // the head from the tail and must stop there.
        let Level { head, tail, .. } = book.bids[&Price(99)];
        book.nodes[tail].next = head;
        let err = book.check_invariants().unwrap_err();
        assert!(err.contains("links back"), "{err}");
    }

    #[test]
    fn check_invariants_reports_a_broken_back_link() {
        let mut book = Book::new();
        for id in 1..=3 {
            sell_limit(&mut book, id, 101, 1);
        }
        let middle = book.index.get(OrderId(2), &book.nodes).unwrap();
        book.nodes[middle].prev = NIL;
        let err = book.check_invariants().unwrap_err();
        assert!(err.contains("links back"), "{err}");
    }

    #[test]
    fn check_invariants_reports_a_resting_slot_on_the_free_list() {
        let mut book = Book::new();
        buy_limit(&mut book, 1, 99, 1);
        buy_limit(&mut book, 2, 98, 1);
        let slot = book.index.get(OrderId(2), &book.nodes).unwrap();
        book.nodes.free(slot);
        let err = book.check_invariants().unwrap_err();
        assert!(err.contains("slot 1 is free"), "{err}");
    }

    #[test]
    fn reduce_keeps_queue_position_and_removes_at_zero() {
        let mut book = Book::new();
        sell_limit(&mut book, 1, 100, 5);
        sell_limit(&mut book, 2, 100, 5);
        assert_eq!(book.reduce(OrderId(1), Qty(3)).unwrap().qty, Qty(2));
        let ids: Vec<_> =
            book.queue(Side::Sell, Price(100)).iter().map(|o| (o.id, o.qty)).collect();
        assert_eq!(ids, vec![(OrderId(1), Qty(2)), (OrderId(2), Qty(5))]);
        assert_eq!(book.depth_at(Side::Sell, Price(100)), Qty(7));
        assert_eq!(book.reduce(OrderId(1), Qty(9)).unwrap().qty, Qty(0));
        assert_eq!(book.get(OrderId(1)), None);
        assert_eq!(book.reduce(OrderId(1), Qty(1)), None);
        book.check_invariants().unwrap();
    }

    #[test]
    fn a_resting_order_takes_forty_bytes_of_slab() {
        assert_eq!(size_of::<Node>(), 40);
    }

    /// Each order takes 40 bytes of slab and 5 of index (a slot and a
    /// control byte per bucket); the slab grows a chunk at a time, and the
    /// index doubles, so its spare buckets add up to 6 bytes more per order
    /// right after it grows. Books of 100,000 orders, and of every size up
    /// to it in steps that catch the index on both sides of a doubling,
    /// hold at most 64 bytes per order.
    #[test]
    fn a_full_book_holds_at_most_64_bytes_per_resting_order() {
        // Fill a book the way a busy instrument's looks: many orders on a
        // few hundred levels.
        let mut book = Book::new();
        let mut worst: f64 = 0.0;
        for id in 0..100_000u64 {
            let side = if id.is_multiple_of(2) { Side::Buy } else { Side::Sell };
            let level = (id % 400) as i64;
            let price = match side {
                Side::Buy => 10_000 - level,
                Side::Sell => 10_001 + level,
            };
            book.rest(OrderId(id), side, Price(price), Qty(1)).unwrap();
            let orders = id + 1;
            if orders >= 4096 && (orders.is_multiple_of(1000) || orders.is_power_of_two()) {
                worst = worst.max(book.memory_bytes() as f64 / orders as f64);
            }
        }
        assert!(worst <= 64.0, "{worst:.1} bytes per resting order");
    }

    #[test]
    fn id_is_reusable_after_fill() {
        let mut book = Book::new();
        sell_limit(&mut book, 1, 100, 1);
        buy_limit(&mut book, 2, 100, 1);
        sell_limit(&mut book, 1, 101, 1);
        assert_eq!(book.get(OrderId(1)).unwrap().price, Price(101));
    }
}
