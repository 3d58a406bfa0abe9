//! The price levels of one side of a book, in an array sorted so that the
//! best price comes last.
//!
//! Almost everything a book does happens at or near its touch: reading the
//! best price, matching against it, quoting one or two ticks away. With the
//! best level at the end of the array, reading it is one load, taking it
//! away is a pop, and a level added or removed near the touch moves only
//! the few levels between it and the end. A level is found by binary
//! search over keys that rise toward the best price (the price for bids,
//! its negation for asks), so one ascending search serves both sides; the
//! keys are distinct and strictly ordered, which [`Ladder::check_order`]
//! verifies.

use std::ops::Index;

use super::Level;
use crate::types::{Price, Side};

#[derive(Clone, Debug)]
pub(super) struct Ladder {
    /// The side the levels belong to, which decides their order.
    side: Side,
    /// One key per level, rising from the worst price to the best: the
    /// price for bids, its negation for asks. Kept apart from the levels so
    /// that a search reads eight bytes a level.
    keys: Vec<i64>,
    /// The levels, in the order of their keys.
    levels: Vec<Level>,
}

impl Ladder {
    pub(super) fn new(side: Side) -> Ladder {
        Ladder { side, keys: Vec::new(), levels: Vec::new() }
    }

    /// Returns the key that orders `price` on this side.
    fn key(&self, price: Price) -> i64 {
        match self.side {
            Side::Buy => price.0,
            Side::Sell => -price.0,
        }
    }

    /// Returns the price a key stands for.
    fn price(&self, key: i64) -> Price {
        match self.side {
            Side::Buy => Price(key),
            Side::Sell => Price(-key),
        }
    }

    /// Returns the position of `price`, or where it would be inserted.
    fn search(&self, price: Price) -> Result<usize, usize> {
        let key = self.key(price);
        // The touch is the most common price asked for.
        match self.keys.last() {
            Some(&best) if best == key => Ok(self.keys.len() - 1),
            Some(&best) if best < key => Err(self.keys.len()),
            _ => self.keys.binary_search(&key),
        }
    }

    /// Returns the number of levels the arrays have room for.
    pub(super) fn capacity(&self) -> usize {
        self.keys.capacity().min(self.levels.capacity())
    }

    /// Returns the best level, if any.
    pub(super) fn best(&self) -> Option<(Price, &Level)> {
        Some((self.price(*self.keys.last()?), self.levels.last()?))
    }

    /// Returns the best level for changing, if any.
    pub(super) fn best_mut(&mut self) -> Option<(Price, &mut Level)> {
        let price = self.price(*self.keys.last()?);
        Some((price, self.levels.last_mut()?))
    }

    /// Removes the best level.
    pub(super) fn pop_best(&mut self) {
        self.keys.pop();
        self.levels.pop();
    }

    /// Returns the level at `price`, if any.
    pub(super) fn get(&self, price: Price) -> Option<&Level> {
        self.search(price).ok().map(|i| &self.levels[i])
    }

    /// Returns the level at `price` for changing, if any.
    pub(super) fn get_mut(&mut self, price: Price) -> Option<&mut Level> {
        self.search(price).ok().map(|i| &mut self.levels[i])
    }

    /// Returns the position of the level at `price`, if any, for
    /// [`Ladder::at_mut`] and [`Ladder::remove_at`].
    pub(super) fn position(&self, price: Price) -> Option<usize> {
        self.search(price).ok()
    }

    /// Returns the level at a position [`Ladder::position`] gave.
    pub(super) fn at_mut(&mut self, position: usize) -> &mut Level {
        &mut self.levels[position]
    }

    /// Removes the level at a position [`Ladder::position`] gave.
    pub(super) fn remove_at(&mut self, position: usize) {
        self.keys.remove(position);
        self.levels.remove(position);
    }

    /// Returns the level at `price`, adding `empty` there first if the
    /// price has no level.
    pub(super) fn get_or_insert(&mut self, price: Price, empty: Level) -> &mut Level {
        let i = match self.search(price) {
            Ok(i) => i,
            Err(i) => {
                self.keys.insert(i, self.key(price));
                self.levels.insert(i, empty);
                i
            }
        };
        &mut self.levels[i]
    }

    /// Removes the level at `price`, if any.
    #[cfg(test)]
    fn remove(&mut self, price: Price) {
        if let Some(i) = self.position(price) {
            self.remove_at(i);
        }
    }

    /// Returns the levels, best price first.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Price, &Level)> + '_ {
        self.keys.iter().rev().zip(self.levels.iter().rev()).map(|(&k, l)| (self.price(k), l))
    }

    /// Checks that the prices are distinct and in this side's order, one
    /// level to each.
    pub(super) fn check_order(&self) -> Result<(), String> {
        if self.keys.len() != self.levels.len() {
            return Err(format!(
                "{} side holds {} prices for {} levels",
                self.side,
                self.keys.len(),
                self.levels.len()
            ));
        }
        for pair in self.keys.windows(2) {
            if pair[0] >= pair[1] {
                return Err(format!(
                    "{} levels out of order: {:?} before {:?}",
                    self.side,
                    self.price(pair[0]),
                    self.price(pair[1])
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
