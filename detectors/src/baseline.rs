//! Running baselines and per-order tables shared by several detectors.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;
use surveil_sim::{InstrumentId, Nanos, OrderId, Qty};

use crate::{Alert, Entity};

/// A running picture of order sizes on each instrument: an exponentially
/// weighted geometric mean (robust to the long right tail of order sizes)
/// and the smallest size seen.
#[derive(Clone, Debug, Default)]
pub struct SizeBaseline {
    per_instrument: Vec<Sizes>,
    /// The logarithm of each small size met so far (NaN where not yet
    /// needed): sizes repeat, and a look-up is far cheaper than `ln`.
    logs: Vec<f64>,
}

/// Sizes below this have their logarithm kept in [`SizeBaseline::logs`].
const LOGGED_SIZES: usize = 1 << 14;

#[derive(Clone, Copy, Debug)]
struct Sizes {
    log_mean: f64,
    smallest: i64,
    seen: u64,
}

/// Weight of each new order in the running mean: about the last thousand
/// orders count.
const ALPHA: f64 = 1.0 / 1000.0;

impl SizeBaseline {
    /// Adds an order size.
    pub fn observe(&mut self, instrument: InstrumentId, qty: Qty) {
        let i = usize::from(instrument.0);
        if self.per_instrument.len() <= i {
            self.per_instrument.resize(i + 1, Sizes { log_mean: 0.0, smallest: i64::MAX, seen: 0 });
        }
        let q = qty.0.max(1);
        let x = match usize::try_from(q) {
            Ok(small) if small < LOGGED_SIZES => {
                if self.logs.len() <= small {
                    self.logs.resize(small + 1, f64::NAN);
                }
                if self.logs[small].is_nan() {
                    self.logs[small] = (q as f64).ln();
                }
                self.logs[small]
            }
            _ => (q as f64).ln(),
        };
        let s = &mut self.per_instrument[i];
        // Until the window fills, a plain mean; then exponential forgetting.
        let weight = if (s.seen as f64) < 1.0 / ALPHA { 1.0 / (s.seen + 1) as f64 } else { ALPHA };
        s.log_mean += weight * (x - s.log_mean);
        s.smallest = s.smallest.min(qty.0);
        s.seen += 1;
    }

    /// Returns the typical (geometric mean) order size, once at least
    /// `warmup` orders have been seen.
    pub fn typical(&self, instrument: InstrumentId, warmup: u64) -> Option<f64> {
        let s = self.per_instrument.get(usize::from(instrument.0))?;
        (s.seen >= warmup).then(|| s.log_mean.exp())
    }

    /// Returns the smallest order size seen on the instrument.
    pub fn smallest(&self, instrument: InstrumentId) -> Option<Qty> {
        let s = self.per_instrument.get(usize::from(instrument.0))?;
        (s.seen > 0).then_some(Qty(s.smallest))
    }
}

/// The time of each entity's last alert, so that a detector alerts on one
/// entity at most once per cooldown.
#[derive(Clone, Debug, Default)]
pub struct Cooldowns {
    last: FxHashMap<Entity, Nanos>,
}

impl Cooldowns {
    /// Appends `alert` to `alerts` unless its entity alerted less than
    /// `cooldown` before it.
    pub fn raise(&mut self, alert: Alert, cooldown: Nanos, alerts: &mut Vec<Alert>) {
        let cooled =
            self.last.get(&alert.entity).is_none_or(|&t| alert.time.saturating_sub(t) >= cooldown);
        if cooled {
            self.last.insert(alert.entity, alert.time);
            alerts.push(alert);
        }
    }
}

/// Values kept per order: a window of slots indexed by id for the dense
/// ids an exchange hands out in sequence, and a hash map for ids outside
/// it. The window slides forward as the oldest orders leave, and an order
/// that outlives it moves to the map, so the table holds memory for the
/// orders in it and a bounded window of recent ids, never for every order
/// of the session. It answers exactly as a map would.
#[derive(Clone, Debug)]
pub struct OrderTable<T> {
    /// The slots of ids `base` to `base + dense.len()`.
    dense: VecDeque<Option<T>>,
    base: u64,
    /// Values of ids outside the window: below it for orders that outlived
    /// it, beyond it for ids far ahead of the orders seen.
    sparse: FxHashMap<OrderId, T>,
    /// Values in the table.
    live: usize,
    /// Values in `sparse` whose id lies beyond the window.
    ahead: usize,
}

impl<T> Default for OrderTable<T> {
    fn default() -> OrderTable<T> {
        OrderTable {
            dense: VecDeque::new(),
            base: 0,
            sparse: FxHashMap::default(),
            live: 0,
            ahead: 0,
        }
    }
}

/// The window may span this many ids however few orders are in the table.
const DENSE_FLOOR: usize = 1 << 16;

impl<T> OrderTable<T> {
    /// The most ids the window may span: a few times the orders in it, so
    /// that a slot per id costs at most a constant factor over a map.
    fn span(&self) -> usize {
        DENSE_FLOOR.max(4 * self.live)
    }

    /// The index of `id` in the window, if it lies there.
    fn index(&self, id: OrderId) -> Option<usize> {
        let offset = id.0.checked_sub(self.base)?;
        usize::try_from(offset).ok().filter(|&i| i < self.dense.len())
    }

    /// The index of `id` in the window, growing the window over it when it
    /// is close enough ahead; `None` when the id belongs in the map.
    fn slot(&mut self, id: OrderId) -> Option<usize> {
        if let Some(i) = self.index(id) {
            return Some(i);
        }
        // An empty window starts over at the id, however far it has come.
        if self.dense.is_empty() && id.0 >= self.base {
            self.base = id.0;
            self.ahead = self.sparse.keys().filter(|k| k.0 >= id.0).count();
        }
        let offset = usize::try_from(id.0.checked_sub(self.base)?).ok()?;
        let span = self.span();
        if offset - self.dense.len() >= span {
            return None;
        }

        // Grow by a share of the window at once while it is short of its
        // span, so that the map is looked through for ids it passes over
        // only now and then; past the span the window slides instead.
        let len = if offset < span {
            (offset + 1).max(self.dense.len() + self.dense.len() / 2).min(span)
        } else {
            offset + 1
        };
        self.dense.resize_with(len, || None);
        if self.ahead > 0 {
            let end = self.base + len as u64;
            let moving: Vec<OrderId> =
                self.sparse.keys().copied().filter(|k| k.0 >= self.base && k.0 < end).collect();
            for k in moving {
                self.ahead -= 1;
                self.dense[(k.0 - self.base) as usize] = self.sparse.remove(&k);
            }
        }
        Some(offset)
    }

    /// Slides the window past empty slots at its start, and past the
    /// oldest orders when it spans more ids than allowed, moving those to
    /// the map.
    fn slide(&mut self) {
        let span = self.span();
        while let Some(front) = self.dense.front() {
            if front.is_some() && self.dense.len() <= span {
                break;
            }
            if let Some(value) = self.dense.pop_front().flatten() {
                self.sparse.insert(OrderId(self.base), value);
            }
            self.base += 1;
        }
    }

    /// Sets the value of `id`, returning the one it replaces.
    pub fn insert(&mut self, id: OrderId, value: T) -> Option<T> {
        let old = match self.slot(id) {
            Some(i) => self.dense[i].replace(value),
            None => {
                let old = self.sparse.insert(id, value);
                if old.is_none() && id.0 >= self.base + self.dense.len() as u64 {
                    self.ahead += 1;
                }
                old
            }
        };
        if old.is_none() {
            self.live += 1;
        }
        self.slide();
        old
    }

    /// Returns the value of `id`.
    pub fn get(&self, id: OrderId) -> Option<&T> {
        match self.index(id) {
            Some(i) => self.dense[i].as_ref(),
            None => self.sparse.get(&id),
        }
    }

    /// Returns the value of `id` for changing.
    pub fn get_mut(&mut self, id: OrderId) -> Option<&mut T> {
        match self.index(id) {
            Some(i) => self.dense[i].as_mut(),
            None => self.sparse.get_mut(&id),
        }
    }

    /// Removes `id`, returning its value.
    pub fn remove(&mut self, id: OrderId) -> Option<T> {
        let value = match self.index(id) {
            Some(i) => self.dense[i].take(),
            None => {
                let value = self.sparse.remove(&id);
                if value.is_some() && id.0 >= self.base + self.dense.len() as u64 {
                    self.ahead -= 1;
                }
                value
            }
        };
        if value.is_some() {
            self.live -= 1;
            self.slide();
        }
        value
    }

    /// Returns the number of values in the table.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Tells whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Returns how many slots the table holds memory for, filled or not:
    /// what bounds its size.
    pub fn footprint(&self) -> usize {
        self.dense.len() + self.sparse.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_size_is_the_geometric_mean() {
        let mut b = SizeBaseline::default();
        let i = InstrumentId(0);
        for q in [1, 100, 1, 100] {
            b.observe(i, Qty(q));
        }
        assert!((b.typical(i, 4).unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(b.typical(i, 5), None);
        assert_eq!(b.smallest(i), Some(Qty(1)));
        assert_eq!(b.typical(InstrumentId(3), 0), None);
    }

    #[test]
    fn an_order_table_answers_as_a_map_for_dense_and_sparse_ids() {
        let mut t = OrderTable::default();
        let mut m = std::collections::BTreeMap::new();
        let ids = [5_u64, 1 << 40, 70_000, 3, 1 << 17, 5, 2_000_000, 1 << 40];
        for (n, &id) in ids.iter().enumerate() {
            assert_eq!(t.insert(OrderId(id), n), m.insert(id, n));
        }
        // Enough inserts that the vector grows over ids first put in the map.
        for id in 0..600_000_u64 {
            if id % 3 == 0 {
                assert_eq!(t.insert(OrderId(id), 0), m.insert(id, 0));
            }
        }
        for &id in ids.iter().chain(&[4, 6, 1 << 41]) {
            assert_eq!(t.get(OrderId(id)), m.get(&id));
        }
        *t.get_mut(OrderId(70_000)).unwrap() += 1;
        *m.get_mut(&70_000).unwrap() += 1;
        for &id in &ids {
            assert_eq!(t.remove(OrderId(id)), m.remove(&id));
            assert_eq!(t.get(OrderId(id)), None);
        }
    }

    #[test]
    fn an_order_table_answers_as_a_map_for_a_random_stream() {
        use rand::{Rng, SeedableRng};

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut t = OrderTable::default();
        let mut m = std::collections::BTreeMap::new();
        // Ids mostly a little ahead of or behind a moving front, now and
        // then far ahead or long past.
        let mut front = 0_u64;
        for n in 0..300_000_u64 {
            front += rng.random_range(0..3);
            let id = match rng.random_range(0..100) {
                0 => rng.random_range(0..u64::MAX / 2),
                1 => rng.random_range(0..=front),
                _ => (front + 50).saturating_sub(rng.random_range(0..400)),
            };
            match rng.random_range(0..3) {
                0 => assert_eq!(t.remove(OrderId(id)), m.remove(&id)),
                1 => assert_eq!(t.get(OrderId(id)), m.get(&id)),
                _ => assert_eq!(t.insert(OrderId(id), n), m.insert(id, n)),
            }
            assert_eq!(t.len(), m.len());
        }
        for (&id, value) in &m {
            assert_eq!(t.get(OrderId(id)), Some(value));
        }
    }

    #[test]
    fn an_order_table_holds_memory_for_its_orders_not_for_the_session() {
        let mut t = OrderTable::default();
        let mut m = std::collections::BTreeMap::new();
        // Two million orders, each finished a thousand ids later, except
        // every hundred-thousandth, which rests to the end.
        let lag = 1_000_u64;
        for id in 0..2_000_000_u64 {
            assert_eq!(t.insert(OrderId(id), id), m.insert(id, id));
            if let Some(old) = id.checked_sub(lag).filter(|old| old % 100_000 != 0) {
                assert_eq!(t.remove(OrderId(old)), m.remove(&old));
            }
            assert!(t.footprint() <= 2 * DENSE_FLOOR, "{} slots at id {id}", t.footprint());
        }
        assert_eq!(t.len(), m.len());
        for (&id, value) in &m {
            assert_eq!(t.get(OrderId(id)), Some(value));
        }
    }
}
