//! Facts 5 and 10: the spread, and the depth of the book by distance from
//! the touch.
//!
//! Both are averages over time, not over messages: a state of the book
//! counts for as long as it lasted, so a burst of updates in one second
//! weighs no more than a quiet second.
//!
//! - **Spread** (fact 5): best ask minus best bid, in ticks, while both
//!   sides are quoted. Reported are its time-weighted mean and the share of
//!   time it spent in each of six buckets: 1 tick, 2, 3–4, 5–8, 9–16, and
//!   17 or more (a spread that is not a whole number of ticks falls in the
//!   bucket of the next whole number up).
//! - **Depth** (fact 10): the quantity resting `d` ticks behind a side's
//!   best price (`d = 0` is the touch itself), averaged over time and over
//!   both sides, for `d` from 0 to 9. The depth at the touch is reported in
//!   units of the median size of new orders, which makes it comparable
//!   between markets whose sizes are counted in different units; the depth
//!   `d` ticks away is reported relative to the depth at the touch. A
//!   distance counts only over the time the source could see it: a
//!   level-1 LOBSTER file shows the touch and nothing behind it, so its
//!   profile beyond the touch is undefined rather than zero.

use super::collector::BookSnapshot;

/// The distances from the touch, in ticks, at which depth is measured:
/// 0 to `DEPTH_TICKS - 1`.
pub const DEPTH_TICKS: usize = 10;

/// The upper ends, in ticks, of the spread buckets; the last is open.
pub const SPREAD_BUCKETS: [f64; 6] = [1.0, 2.0, 4.0, 8.0, 16.0, f64::INFINITY];

/// The distances reported in the depth profile, relative to the touch:
/// single distances 1 to 4 ticks, then the mean over 5 to 9 ticks.
pub const PROFILE_DISTANCES: [(usize, usize); 5] = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 9)];

/// Fact 5: the distribution of the spread over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpreadFacts {
    /// The time-weighted mean spread, in ticks.
    pub mean_ticks: Option<f64>,
    /// The share of quoted time spent in each bucket of
    /// [`SPREAD_BUCKETS`]; `None` when both sides were never quoted.
    pub buckets: Option<[f64; 6]>,
}

/// Fact 10: the average depth by distance from the touch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DepthFacts {
    /// The average quantity at the touch, in median new-order sizes.
    pub touch_in_median_sizes: Option<f64>,
    /// The average quantity at each of [`PROFILE_DISTANCES`], over the
    /// average at the touch; `None` where the source never showed it.
    pub profile: [Option<f64>; 5],
}

/// Time-weighted sums over the book's states.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct BookStats {
    /// Seconds with both sides quoted, by spread bucket.
    spread_time: [f64; 6],
    /// Seconds times spread in ticks, for the mean.
    spread_tick_seconds: f64,
    /// Quantity times seconds at each distance, both sides added.
    depth_qty_seconds: [f64; DEPTH_TICKS],
    /// Seconds each distance was visible, both sides added.
    depth_seconds: [f64; DEPTH_TICKS],
}

impl BookStats {
    /// Adds a state of the book that lasted `seconds`.
    pub(crate) fn hold(&mut self, book: &BookSnapshot, seconds: f64, tick: i64) {
        if seconds <= 0.0 {
            return;
        }
        if let Some(spread) = book.spread() {
            let ticks = spread as f64 / tick as f64;
            let bucket = SPREAD_BUCKETS.iter().position(|&top| ticks <= top + 1e-9).unwrap_or(5);
            self.spread_time[bucket] += seconds;
            self.spread_tick_seconds += ticks * seconds;
        }
        for side in &book.depth {
            for d in 0..side.known.min(DEPTH_TICKS) {
                self.depth_qty_seconds[d] += side.volume[d] as f64 * seconds;
                self.depth_seconds[d] += seconds;
            }
        }
    }

    /// Computes fact 5.
    pub(crate) fn spread_facts(&self) -> SpreadFacts {
        let quoted: f64 = self.spread_time.iter().sum();
        if quoted <= 0.0 {
            return SpreadFacts::default();
        }
        SpreadFacts {
            mean_ticks: Some(self.spread_tick_seconds / quoted),
            buckets: Some(self.spread_time.map(|t| t / quoted)),
        }
    }

    /// Computes fact 10, given the median size of new orders.
    pub(crate) fn depth_facts(&self, median_size: Option<f64>) -> DepthFacts {
        let average = |d: usize| {
            (self.depth_seconds[d] > 0.0).then(|| self.depth_qty_seconds[d] / self.depth_seconds[d])
        };
        let touch = average(0).filter(|&q| q > 0.0);
        let profile = PROFILE_DISTANCES.map(|(from, to)| {
            let touch = touch?;
            let values: Option<Vec<f64>> = (from..=to).map(average).collect();
            let values = values?;
            Some(values.iter().sum::<f64>() / values.len() as f64 / touch)
        });
        DepthFacts {
            touch_in_median_sizes: touch
                .zip(median_size.filter(|&m| m > 0.0))
                .map(|(touch, median)| touch / median),
            profile,
        }
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::book::Book;
    use surveil_sim::{Nanos, OrderId, Price, Qty, Side};

    use super::*;
    use crate::facts::collector::{Collector, SideDepth};

    fn quote(bid: i64, ask: i64) -> BookSnapshot {
        BookSnapshot { bid: Some(Price(bid)), ask: Some(Price(ask)), ..BookSnapshot::default() }
    }

    #[test]
    fn a_fixed_spread_gives_a_one_point_distribution() {
        let mut c = Collector::new(Nanos(0), 100);
        c.advance(Nanos::from_secs(600), &quote(10_000, 10_300));
        let m = c.finish(Nanos::from_secs(600), &quote(10_000, 10_300));
        assert_eq!(m.spread.mean_ticks, Some(3.0));
        assert_eq!(m.spread.buckets, Some([0.0, 0.0, 1.0, 0.0, 0.0, 0.0]));
    }

    #[test]
    fn the_spread_is_weighted_by_time_not_by_updates() {
        // One tick for 10 s in a single state, then two ticks for 30 s in
        // thirty one-second states: a quarter and three quarters of the
        // time, whatever the number of updates.
        let mut c = Collector::new(Nanos(0), 1);
        c.advance(Nanos::from_secs(10), &quote(100, 101));
        for s in 11..=40 {
            c.advance(Nanos::from_secs(s), &quote(100, 102));
        }
        let m = c.finish(Nanos::from_secs(40), &quote(100, 102));
        let buckets = m.spread.buckets.unwrap();
        assert!((buckets[0] - 0.25).abs() < 1e-12 && (buckets[1] - 0.75).abs() < 1e-12);
        assert!((m.spread.mean_ticks.unwrap() - 1.75).abs() < 1e-12);
    }

    #[test]
    fn a_side_that_is_never_quoted_leaves_the_spread_undefined() {
        let one_sided = BookSnapshot { bid: Some(Price(100)), ..BookSnapshot::default() };
        let mut c = Collector::new(Nanos(0), 1);
        c.advance(Nanos::from_secs(5), &one_sided);
        let m = c.finish(Nanos::from_secs(5), &one_sided);
        assert_eq!(m.spread, SpreadFacts::default());
    }

    #[test]
    fn the_depth_profile_of_a_fixed_book_is_its_shape_over_the_touch() {
        // Bids of 10, 20 and 30 at 0, 1 and 2 ticks behind the best, with
        // 40 more at 7 ticks; the asks mirror them. The tick is 5 price
        // units, so the levels sit 5 units apart.
        let mut book = Book::new();
        let mut id = 0;
        for (side, best, sign) in [(Side::Buy, 1_000, -1), (Side::Sell, 1_005, 1)] {
            for (ticks, qty) in [(0, 10), (1, 20), (2, 30), (7, 40)] {
                id += 1;
                book.rest(OrderId(id), side, Price(best + sign * 5 * ticks), Qty(qty)).unwrap();
            }
        }
        let snapshot = BookSnapshot::of_book(&book, 5);
        assert_eq!(snapshot.depth[0].volume[..8], [10, 20, 30, 0, 0, 0, 0, 40]);

        let mut c = Collector::new(Nanos(0), 5);
        // Every new order is 5 lots, so the touch holds two median sizes.
        c.new_order(OrderId(1), Qty(5));
        c.advance(Nanos::from_secs(100), &snapshot);
        let m = c.finish(Nanos::from_secs(100), &snapshot);
        assert!((m.depth.touch_in_median_sizes.unwrap() - 2.0).abs() < 1e-12);
        let profile = m.depth.profile.map(Option::unwrap);
        let expected = [2.0, 3.0, 0.0, 0.0, 0.8];
        assert!(profile.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12), "{profile:?}");
    }

    #[test]
    fn a_level_one_source_has_no_profile_beyond_the_touch() {
        let mut side = SideDepth { known: 1, ..SideDepth::default() };
        side.volume[0] = 300;
        let snapshot = BookSnapshot { depth: [side, side], ..quote(100, 101) };
        let mut c = Collector::new(Nanos(0), 1);
        c.new_order(OrderId(1), Qty(100));
        c.advance(Nanos::from_secs(10), &snapshot);
        let m = c.finish(Nanos::from_secs(10), &snapshot);
        assert!((m.depth.touch_in_median_sizes.unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(m.depth.profile, [None; 5]);
    }
}
