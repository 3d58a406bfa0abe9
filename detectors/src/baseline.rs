//! Running baselines and cooldowns shared by several detectors.

use rustc_hash::FxHashMap;
use surveil_sim::{InstrumentId, Nanos, Qty};

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
    /// Returns the logarithm of a size of at least one lot.
    #[inline(always)]
    fn log(&mut self, q: i64) -> f64 {
        match usize::try_from(q) {
            Ok(small) if small < LOGGED_SIZES => match self.logs.get(small) {
                Some(&log) if !log.is_nan() => log,
                _ => self.first_log(small),
            },
            _ => (q as f64).ln(),
        }
    }

    /// Computes and keeps the logarithm of a small size met for the first
    /// time.
    #[cold]
    fn first_log(&mut self, small: usize) -> f64 {
        if self.logs.len() <= small {
            self.logs.resize(small + 1, f64::NAN);
        }
        self.logs[small] = (small as f64).ln();
        self.logs[small]
    }

    /// Makes room for the sizes of instrument `i`.
    #[cold]
    fn grow(&mut self, i: usize) {
        self.per_instrument.resize(i + 1, Sizes { log_mean: 0.0, smallest: i64::MAX, seen: 0 });
    }

    /// Adds an order size.
    #[inline(always)]
    pub fn observe(&mut self, instrument: InstrumentId, qty: Qty) {
        let i = usize::from(instrument.0);
        if self.per_instrument.len() <= i {
            self.grow(i);
        }
        let x = self.log(qty.0.max(1));
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

    /// Tells whether `qty` may be `ratio` or more times the typical size
    /// on the instrument, as `qty / typical >= ratio` would say: `false`
    /// only when it surely is not, which a comparison of logarithms tells
    /// without the exponential [`SizeBaseline::typical`] costs. `log_ratio`
    /// is the natural logarithm of `ratio`.
    #[inline]
    pub fn may_reach(&mut self, instrument: InstrumentId, qty: Qty, log_ratio: f64) -> bool {
        // A margin far above the rounding of either side's few operations.
        const MARGIN: f64 = 1e-9;
        let Some(s) = self.per_instrument.get(usize::from(instrument.0)) else { return true };
        let log_mean = s.log_mean;
        qty.0 < 1 || self.log(qty.0) - log_mean >= log_ratio - MARGIN
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_that_may_reach_a_ratio_of_the_typical_one_is_never_missed() {
        use rand::{Rng, SeedableRng};

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut b = SizeBaseline::default();
        let i = InstrumentId(0);
        for _ in 0..5_000 {
            b.observe(i, Qty(rng.random_range(1..200)));
            let qty = Qty(rng.random_range(0..5_000));
            let typical = b.typical(i, 0).unwrap();
            // Ratios near the one the size makes, where rounding decides.
            let exact = qty.0 as f64 / typical;
            for ratio in [exact, exact * (1.0 + 1e-15), exact * (1.0 - 1e-15), 8.0, 0.0] {
                if qty.0 as f64 / typical >= ratio {
                    assert!(b.may_reach(i, qty, ratio.ln()), "{qty:?} {typical} {ratio}");
                }
            }
            let far = 2.0 * exact + 1.0;
            assert!(!b.may_reach(i, qty, far.ln()) || qty.0 == 0, "{qty:?} {typical} {far}");
        }
    }

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
}
