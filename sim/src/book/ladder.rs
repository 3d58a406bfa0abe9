//! The price levels of one side of a book, in an array sorted so that the
//! best price comes last.
//!
//! Almost everything a book does happens at or near its touch: reading the
//! best price, matching against it, quoting one or two ticks away. With the
//! best level at the end of the array, reading it is one load, taking it
//! away is a pop, and a level added or removed near the touch moves only
//! the few levels between it and the end. A level is found by binary
//! search. Prices in the array are distinct and strictly ordered (rising
//! for bids, falling for asks), which [`Ladder::check_order`] verifies.

use std::cmp::Ordering;
use std::ops::Index;

use super::Level;
use crate::types::{Price, Side};

#[derive(Clone, Debug)]
pub(super) struct Ladder {
    /// The side the levels belong to, which decides their order.
    side: Side,
    /// Levels from the worst price to the best.
    levels: Vec<(Price, Level)>,
}

impl Ladder {
    pub(super) fn new(side: Side) -> Ladder {
        Ladder { side, levels: Vec::new() }
    }

    /// Compares two prices by where they sit in the array: `Less` when `a`
    /// is the worse price of this side, so it comes first.
    fn order(&self, a: Price, b: Price) -> Ordering {
        match self.side {
            Side::Buy => a.cmp(&b),
            Side::Sell => b.cmp(&a),
        }
    }

    /// Returns the position of `price`, or where it would be inserted.
    fn search(&self, price: Price) -> Result<usize, usize> {
        // The touch is the most common price asked for.
        match self.levels.last() {
            Some(&(best, _)) if best == price => return Ok(self.levels.len() - 1),
            Some(&(best, _)) if self.order(best, price) == Ordering::Less => {
                return Err(self.levels.len());
            }
            _ => {}
        }
        self.levels.binary_search_by(|&(p, _)| self.order(p, price))
    }

    /// Returns the number of levels the array has room for.
    pub(super) fn capacity(&self) -> usize {
        self.levels.capacity()
    }

    /// Returns the best level, if any.
    pub(super) fn best(&self) -> Option<(Price, &Level)> {
        self.levels.last().map(|(p, l)| (*p, l))
    }

    /// Returns the best level for changing, if any.
    pub(super) fn best_mut(&mut self) -> Option<(Price, &mut Level)> {
        self.levels.last_mut().map(|(p, l)| (*p, l))
    }

    /// Removes the best level.
    pub(super) fn pop_best(&mut self) {
        self.levels.pop();
    }

    /// Returns the level at `price`, if any.
    pub(super) fn get(&self, price: Price) -> Option<&Level> {
        self.search(price).ok().map(|i| &self.levels[i].1)
    }

    /// Returns the level at `price` for changing, if any.
    pub(super) fn get_mut(&mut self, price: Price) -> Option<&mut Level> {
        self.search(price).ok().map(|i| &mut self.levels[i].1)
    }

    /// Returns the level at `price`, adding `empty` there first if the
    /// price has no level.
    pub(super) fn get_or_insert(&mut self, price: Price, empty: Level) -> &mut Level {
        let i = match self.search(price) {
            Ok(i) => i,
            Err(i) => {
                self.levels.insert(i, (price, empty));
                i
            }
        };
        &mut self.levels[i].1
    }

    /// Removes the level at `price`, if any.
    pub(super) fn remove(&mut self, price: Price) {
        if let Ok(i) = self.search(price) {
            self.levels.remove(i);
        }
    }

    /// Returns the levels, best price first.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = (Price, &Level)> + '_ {
        self.levels.iter().rev().map(|(p, l)| (*p, l))
    }

    /// Checks that the prices are distinct and in this side's order.
    pub(super) fn check_order(&self) -> Result<(), String> {
        for pair in self.levels.windows(2) {
            if self.order(pair[0].0, pair[1].0) != Ordering::Less {
                return Err(format!(
                    "{} levels out of order: {:?} before {:?}",
                    self.side, pair[0].0, pair[1].0
                ));
            }
        }
        Ok(())
    }
}

impl Index<&Price> for Ladder {
    type Output = Level;

    /// Returns the level at a price.
    ///
    /// # Panics
    ///
    /// Panics if the price has no level.
    fn index(&self, price: &Price) -> &Level {
        self.get(*price).unwrap_or_else(|| panic!("no level at {price:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Qty;

    fn level(orders: u32) -> Level {
        Level { head: 0, tail: 0, qty: Qty(i64::from(orders)), orders }
    }

    #[test]
    fn bids_and_asks_keep_their_best_price_last() {
        for (side, prices, best) in [(Side::Buy, [5, 9, 1, 7], 9), (Side::Sell, [5, 9, 1, 7], 1)] {
            let mut ladder = Ladder::new(side);
            for (n, p) in prices.into_iter().enumerate() {
                ladder.get_or_insert(Price(p), level(n as u32 + 1));
            }
            ladder.check_order().unwrap();
            assert_eq!(ladder.best().map(|(p, _)| p), Some(Price(best)));
            let order: Vec<i64> = ladder.iter().map(|(p, _)| p.0).collect();
            let mut expected = prices.to_vec();
            expected.sort_unstable();
            if side == Side::Buy {
                expected.reverse();
            }
            assert_eq!(order, expected, "{side} levels best first");
            assert_eq!(ladder[&Price(7)].orders, 4);
        }
    }

    #[test]
    fn an_existing_level_is_found_not_added_again() {
        let mut ladder = Ladder::new(Side::Sell);
        ladder.get_or_insert(Price(3), level(1)).orders += 1;
        ladder.get_or_insert(Price(3), level(9)).orders += 1;
        assert_eq!(ladder.iter().count(), 1);
        assert_eq!(ladder.get(Price(3)).map(|l| l.orders), Some(3));
        ladder.remove(Price(3));
        ladder.remove(Price(3));
        assert!(ladder.best().is_none() && ladder.get(Price(3)).is_none());
    }
}
