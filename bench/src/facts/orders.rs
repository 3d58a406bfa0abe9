//! Facts 6 to 9: what orders look like, how they arrive, how many are
//! cancelled per trade, and how long they rest.
//!
//! An order enters these facts when it comes to rest in the book (a LOBSTER
//! type-1 message; in the simulation, the part of an accepted order left
//! after it traded on arrival). Orders that trade in full on arrival or
//! never rest (market and immediate-or-cancel orders) show only as the
//! executions of the orders they meet, because that is all a LOBSTER file
//! shows of them.
//!
//! - **Order size** (fact 6): the quantity of each new resting order.
//!   Reported are the median (in the source's own unit: lots or shares,
//!   so for reading only), the 90th and 99th percentiles over the median
//!   (the shape of the tail, free of the unit), and two measures of
//!   clustering at round sizes: the share of orders of at least 10 whose
//!   size is a multiple of 10, and the share of orders of at least 100
//!   whose size is a multiple of 100. Sizes without a preference for
//!   round numbers give about 0.1 and 0.01.
//! - **Inter-arrival time** (fact 7): the gaps between consecutive new
//!   orders, with their mean and their coefficient of variation (standard
//!   deviation over mean). A Poisson stream of orders has exponential gaps
//!   and a coefficient of 1; bursty arrival gives more than 1.
//! - **Cancel-to-trade and order-to-trade ratios** (fact 8):
//!   cancellations (partial ones included) per execution, and new orders
//!   per execution. An execution is one resting order meeting one
//!   incoming order, so an order that sweeps three resting orders makes
//!   three.
//! - **Lifetime and time to first fill** (fact 9): the time from an
//!   order's arrival until it leaves the book (cancelled, or executed in
//!   full), and until its first execution, each as a median in seconds,
//!   and the share of new orders that trade at least once. Only orders
//!   whose arrival and end were both seen count for the lifetime: an order
//!   that drifts out of a level-1 file's view and is cancelled there is
//!   never seen to end.

use std::collections::HashMap;

use surveil_sim::{Nanos, OrderId, Qty};

use super::stats::{RunningMoments, quantile};

/// Fact 6: the distribution of new order sizes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SizeFacts {
    /// The median size, in the source's unit.
    pub median: Option<f64>,
    /// The 90th percentile over the median.
    pub p90_over_median: Option<f64>,
    /// The 99th percentile over the median.
    pub p99_over_median: Option<f64>,
    /// The share of sizes of at least 10 that are multiples of 10.
    pub round_10: Option<f64>,
    /// The share of sizes of at least 100 that are multiples of 100.
    pub round_100: Option<f64>,
}

/// Fact 7: the gaps between new orders.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArrivalFacts {
    /// The mean gap, in seconds.
    pub mean_gap_s: Option<f64>,
    /// The coefficient of variation of the gaps.
    pub cv: Option<f64>,
}

/// Fact 8: cancellations and new orders per execution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RatioFacts {
    /// Cancellations, partial ones included, per execution.
    pub cancels_per_trade: Option<f64>,
    /// New orders per execution.
    pub orders_per_trade: Option<f64>,
}

/// Fact 9: how long orders rest, and how soon they fill.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LifetimeFacts {
    /// The median time from arrival to leaving the book, in seconds.
    pub median_lifetime_s: Option<f64>,
    /// The median time from arrival to the first execution, in seconds,
    /// over orders that traded.
    pub median_first_fill_s: Option<f64>,
    /// The share of new orders that traded at least once.
    pub filled_share: Option<f64>,
}

impl SizeFacts {
    /// Computes fact 6 from the sizes of new orders.
    pub fn compute(sizes: &[i64]) -> SizeFacts {
        let mut sorted: Vec<f64> = sizes.iter().map(|&s| s as f64).collect();
        sorted.sort_by(f64::total_cmp);
        let median = quantile(&sorted, 0.5).filter(|&m| m > 0.0);
        let over_median = |q: f64| Some(quantile(&sorted, q)? / median?);
        let round = |unit: i64| {
            let large: Vec<i64> = sizes.iter().copied().filter(|&s| s >= unit).collect();
            let round = large.iter().filter(|&&s| s % unit == 0).count();
            (!large.is_empty()).then(|| round as f64 / large.len() as f64)
        };
        SizeFacts {
            median,
            p90_over_median: over_median(0.9),
            p99_over_median: over_median(0.99),
            round_10: round(10),
            round_100: round(100),
        }
    }
}

/// An order that came to rest and has not been seen to leave.
#[derive(Clone, Copy, Debug)]
struct Live {
    arrived: Nanos,
    remaining: i64,
    filled: bool,
}

/// What the order facts are computed from, gathered message by message.
#[derive(Debug, Default)]
pub(crate) struct OrderStats {
    sizes: Vec<i64>,
    last_arrival: Option<Nanos>,
    gaps: RunningMoments,
    new_orders: u64,
    cancellations: u64,
    trades: u64,
    /// Orders seen arriving and not yet seen leaving. Only looked up,
    /// never iterated, so its order cannot reach the output.
    live: HashMap<OrderId, Live>,
    lifetimes: Vec<f64>,
    first_fills: Vec<f64>,
    filled: u64,
}

impl OrderStats {
    /// Records a new resting order.
    pub(crate) fn new_order(&mut self, now: Nanos, id: OrderId, qty: Qty) {
        self.new_orders += 1;
        self.sizes.push(qty.0);
        if let Some(last) = self.last_arrival {
            self.gaps.push(seconds(last, now));
        }
        self.last_arrival = Some(now);
        self.live.insert(id, Live { arrived: now, remaining: qty.0, filled: false });
    }

    /// Records a cancellation of `qty`, or of all that is left when `full`.
    pub(crate) fn cancel(&mut self, now: Nanos, id: OrderId, qty: Qty, full: bool) {
        self.cancellations += 1;
        if let Some(live) = self.live.get_mut(&id) {
            live.remaining -= qty.0;
            if full || live.remaining <= 0 {
                let arrived = live.arrived;
                self.live.remove(&id);
                self.lifetimes.push(seconds(arrived, now));
            }
        }
    }

    /// Records an execution of `qty` of a resting order.
    pub(crate) fn execution(&mut self, now: Nanos, id: Option<OrderId>, qty: Qty) {
        self.trades += 1;
        let Some(id) = id else { return };
        let Some(live) = self.live.get_mut(&id) else { return };
        if !live.filled {
            live.filled = true;
            self.filled += 1;
            self.first_fills.push(seconds(live.arrived, now));
        }
        live.remaining -= qty.0;
        if live.remaining <= 0 {
            let arrived = live.arrived;
            self.live.remove(&id);
            self.lifetimes.push(seconds(arrived, now));
        }
    }

    pub(crate) fn sizes(&self) -> &[i64] {
        &self.sizes
    }

    pub(crate) fn new_orders(&self) -> u64 {
        self.new_orders
    }

    pub(crate) fn cancellations(&self) -> u64 {
        self.cancellations
    }

    pub(crate) fn trades(&self) -> u64 {
        self.trades
    }

    /// Computes fact 7.
    pub(crate) fn arrival_facts(&self) -> ArrivalFacts {
        ArrivalFacts { mean_gap_s: self.gaps.mean(), cv: self.gaps.coefficient_of_variation() }
    }

    /// Computes fact 8.
    pub(crate) fn ratio_facts(&self) -> RatioFacts {
        let per_trade = |n: u64| (self.trades > 0).then(|| n as f64 / self.trades as f64);
        RatioFacts {
            cancels_per_trade: per_trade(self.cancellations),
            orders_per_trade: per_trade(self.new_orders),
        }
    }

    /// Computes fact 9.
    pub(crate) fn lifetime_facts(&self) -> LifetimeFacts {
        LifetimeFacts {
            median_lifetime_s: median(&self.lifetimes),
            median_first_fill_s: median(&self.first_fills),
            filled_share: (self.new_orders > 0)
                .then(|| self.filled as f64 / self.new_orders as f64),
        }
    }
}

/// Returns the seconds from `from` to `to`.
fn seconds(from: Nanos, to: Nanos) -> f64 {
    to.0.saturating_sub(from.0) as f64 / 1e9
}

/// Returns the median of unsorted values.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile(&sorted, 0.5)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Exp};

    use super::*;
    use crate::facts::collector::{BookSnapshot, Collector};

    fn at_ms(c: &mut Collector, ms: u64) {
        c.advance(Nanos(ms * 1_000_000), &BookSnapshot::default());
    }

    #[test]
    fn sizes_one_to_a_hundred_have_known_quantiles_and_round_shares() {
        let sizes: Vec<i64> = (1..=100).collect();
        let f = SizeFacts::compute(&sizes);
        // Type-7 quantiles of 1..=100: q maps to 1 + 99 q.
        assert_eq!(f.median, Some(50.5));
        assert!((f.p90_over_median.unwrap() - 90.1 / 50.5).abs() < 1e-12);
        assert!((f.p99_over_median.unwrap() - 99.01 / 50.5).abs() < 1e-12);
        // Ten multiples of 10 among the 91 sizes from 10 up; one multiple
        // of 100 among the one size from 100 up.
        assert!((f.round_10.unwrap() - 10.0 / 91.0).abs() < 1e-12);
        assert_eq!(f.round_100, Some(1.0));
    }

    #[test]
    fn round_lots_only_give_round_shares_of_one() {
        let sizes = [100, 200, 100, 500, 300, 100];
        let f = SizeFacts::compute(&sizes);
        assert_eq!((f.round_10, f.round_100), (Some(1.0), Some(1.0)));
        assert_eq!(SizeFacts::compute(&[1, 2, 3]).round_10, None, "no size of 10 or more");
    }

    #[test]
    fn poisson_arrivals_have_a_coefficient_of_variation_of_one() {
        let gaps = Exp::new(1.0 / 0.05).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut c = Collector::new(Nanos(0), 1);
        let mut t = 0.0;
        for i in 0..50_000 {
            t += gaps.sample(&mut rng);
            c.advance(Nanos((t * 1e9) as u64), &BookSnapshot::default());
            c.new_order(OrderId(i), Qty(1));
        }
        let m = c.finish(Nanos((t * 1e9) as u64), &BookSnapshot::default());
        let cv = m.arrivals.cv.unwrap();
        assert!((cv - 1.0).abs() < 0.02, "exponential gaps: CV {cv}");
        assert!((m.arrivals.mean_gap_s.unwrap() - 0.05).abs() < 0.001);
    }

    #[test]
    fn bursty_arrivals_have_the_coefficient_of_their_mixture() {
        // Gaps drawn from a mixture: with probability 0.9 a mean of 10 ms,
        // otherwise a mean of 1 s. For a mixture of exponentials with
        // weights p_i and means m_i, E[g] = Σ p_i m_i and E[g²] = 2 Σ p_i m_i²,
        // so CV² = 2 Σ p_i m_i² / (Σ p_i m_i)² − 1.
        let (p, fast, slow): (f64, f64, f64) = (0.9, 0.01, 1.0);
        let mean = p * fast + (1.0 - p) * slow;
        let second = 2.0 * (p * fast * fast + (1.0 - p) * slow * slow);
        let expected = (second / (mean * mean) - 1.0).sqrt();

        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let coin = rand_distr::Bernoulli::new(p).unwrap();
        let (quick, pause) = (Exp::new(1.0 / fast).unwrap(), Exp::new(1.0 / slow).unwrap());
        let mut c = Collector::new(Nanos(0), 1);
        let mut t = 0.0;
        for i in 0..200_000 {
            t +=
                if coin.sample(&mut rng) { quick.sample(&mut rng) } else { pause.sample(&mut rng) };
            c.advance(Nanos((t * 1e9) as u64), &BookSnapshot::default());
            c.new_order(OrderId(i), Qty(1));
        }
        let m = c.finish(Nanos((t * 1e9) as u64), &BookSnapshot::default());
        let cv = m.arrivals.cv.unwrap();
        assert!((cv - expected).abs() < 0.05 * expected, "CV {cv}, expected {expected}");
        assert!(cv > 2.5, "a burst mixture is far burstier than Poisson: {cv}");
    }

    #[test]
    fn ratios_count_cancellations_and_orders_per_execution() {
        // Ten orders; six cancelled (one of them in two parts), two
        // executed: 7 cancellations and 10 orders over 2 executions.
        let mut c = Collector::new(Nanos(0), 1);
        for i in 0..10 {
            c.new_order(OrderId(i), Qty(10));
        }
        for i in 0..5 {
            c.cancel(OrderId(i), Qty(10), true);
        }
        c.cancel(OrderId(5), Qty(4), false);
        c.cancel(OrderId(5), Qty(6), true);
        c.execution(Some(OrderId(6)), Qty(10));
        c.execution(Some(OrderId(7)), Qty(3));
        let m = c.finish(Nanos(1), &BookSnapshot::default());
        assert_eq!(m.ratios.cancels_per_trade, Some(3.5));
        assert_eq!(m.ratios.orders_per_trade, Some(5.0));
        assert_eq!((m.counts.new_orders, m.counts.cancellations, m.counts.trades), (10, 7, 2));
    }

    #[test]
    fn lifetimes_and_first_fills_are_measured_from_arrival() {
        // Order i arrives at 0 and leaves after (i + 1) × 100 ms: 1 to 5
        // are cancelled, 6 to 9 fill in two halves (the first half 50 ms
        // after arrival), order 10 is never seen to end, and order 99 is
        // cancelled without having been seen to arrive.
        let mut c = Collector::new(Nanos(0), 1);
        for i in 1..=10 {
            c.new_order(OrderId(i), Qty(10));
        }
        at_ms(&mut c, 50);
        for i in 6..=9 {
            c.execution(Some(OrderId(i)), Qty(5));
        }
        for i in 1..=9 {
            at_ms(&mut c, i * 100);
            if i <= 5 {
                c.cancel(OrderId(i), Qty(10), true);
            } else {
                c.execution(Some(OrderId(i)), Qty(5));
            }
        }
        c.cancel(OrderId(99), Qty(1), true);
        let m = c.finish(Nanos::from_secs(1), &BookSnapshot::default());
        // Lifetimes 0.1 to 0.9 s: the median is 0.5 s.
        assert!((m.lifetimes.median_lifetime_s.unwrap() - 0.5).abs() < 1e-12);
        assert!((m.lifetimes.median_first_fill_s.unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(m.lifetimes.filled_share, Some(0.4));
    }

    #[test]
    fn exponential_lifetimes_have_a_median_of_mean_times_ln_2() {
        let life = Exp::new(1.0 / 2.0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let mut ends: Vec<(u64, u64)> =
            (0..20_000).map(|i| ((life.sample(&mut rng) * 1e9) as u64, i)).collect();
        let mut c = Collector::new(Nanos(0), 1);
        for &(_, i) in &ends {
            c.new_order(OrderId(i), Qty(1));
        }
        ends.sort_unstable();
        for &(t, i) in &ends {
            c.advance(Nanos(t), &BookSnapshot::default());
            c.cancel(OrderId(i), Qty(1), true);
        }
        let m = c.finish(Nanos(ends[ends.len() - 1].0), &BookSnapshot::default());
        let median = m.lifetimes.median_lifetime_s.unwrap();
        let expected = 2.0 * std::f64::consts::LN_2;
        assert!(
            (median - expected).abs() < 0.03 * expected,
            "median {median}, expected {expected}"
        );
    }
}
