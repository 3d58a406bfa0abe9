//! Running baselines and per-order tables shared by several detectors.

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

/// Values kept per order: a vector indexed by id for the dense ids an
/// exchange hands out in sequence, and a hash map for ids far beyond the
/// orders seen, so that a stream with sparse ids cannot make the vector
/// huge. It answers exactly as a map would.
#[derive(Clone, Debug)]
pub struct OrderTable<T> {
    dense: Vec<Option<T>>,
    sparse: FxHashMap<OrderId, T>,
    /// Inserts so far, which bound how far the vector may grow.
    inserted: usize,
}

impl<T> Default for OrderTable<T> {
    fn default() -> OrderTable<T> {
        OrderTable { dense: Vec::new(), sparse: FxHashMap::default(), inserted: 0 }
    }
}

/// The vector covers ids below this however few orders were inserted.
const DENSE_FLOOR: usize = 1 << 16;

impl<T> OrderTable<T> {
    /// The slot of `id` in the vector, growing it when the id is close
    /// enough to the orders seen; `None` when the id belongs in the map.
    fn slot(&mut self, id: OrderId) -> Option<usize> {
        let i = usize::try_from(id.0).ok()?;
        if i < self.dense.len() {
            return Some(i);
        }
        if i >= DENSE_FLOOR.max(4 * self.inserted) {
            return None;
        }
        let len = (i + 1).max(2 * self.dense.len()).min(DENSE_FLOOR.max(4 * self.inserted));
        self.dense.resize_with(len, || None);
        // Entries that had to go to the map move into the vector's range.
        if !self.sparse.is_empty() {
            let moving: Vec<OrderId> =
                self.sparse.keys().copied().filter(|k| (k.0 as usize) < len).collect();
            for k in moving {
                self.dense[k.0 as usize] = self.sparse.remove(&k);
            }
        }
        Some(i)
    }

    /// Sets the value of `id`, returning the one it replaces.
    pub fn insert(&mut self, id: OrderId, value: T) -> Option<T> {
        self.inserted += 1;
        match self.slot(id) {
            Some(i) => self.dense[i].replace(value),
            None => self.sparse.insert(id, value),
        }
    }

    /// Returns the value of `id`.
    pub fn get(&self, id: OrderId) -> Option<&T> {
        match usize::try_from(id.0) {
            Ok(i) if i < self.dense.len() => self.dense[i].as_ref(),
            _ => self.sparse.get(&id),
        }
    }

    /// Returns the value of `id` for changing.
    pub fn get_mut(&mut self, id: OrderId) -> Option<&mut T> {
        match usize::try_from(id.0) {
            Ok(i) if i < self.dense.len() => self.dense[i].as_mut(),
            _ => self.sparse.get_mut(&id),
        }
    }

    /// Removes `id`, returning its value.
    pub fn remove(&mut self, id: OrderId) -> Option<T> {
        match usize::try_from(id.0) {
            Ok(i) if i < self.dense.len() => self.dense[i].take(),
            _ => self.sparse.remove(&id),
        }
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
}
