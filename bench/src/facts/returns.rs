//! Facts 1 to 4 and 12: the returns of the mid price, their tails, their
//! memory, how they aggregate, and how volatility moves with volume.
//!
//! The mid price `m(t)` is sampled on a grid of whole seconds from the
//! session's start (see [`super::collector`]), and the return over a
//! horizon of `h` seconds is the change of its logarithm over consecutive,
//! non-overlapping stretches: `r_j = ln m(jh) − ln m((j − 1)h)`. Log
//! returns are free of the price level and of the currency, so a BTC-like
//! token quoted in KRW and a US stock compare directly. A return with a
//! side of the book empty at either end is missing: it is left out of
//! every statistic, and autocorrelations pair only values that are both
//! present. The statistics themselves are defined in [`super::stats`].
//!
//! - **Heavy tails** (fact 1): the excess kurtosis of 1 s and 1 min
//!   returns, and the Hill tail index of their absolute values. A Gaussian
//!   has excess kurtosis 0 and no power-law tail (a large Hill index);
//!   real returns have a large kurtosis and a tail index of about 2 to 5.
//!   Beside them, for reading, the share of 1 s returns that are exactly
//!   zero: a mid that stays put most seconds and then jumps has heavy
//!   tails at 1 s for that reason alone.
//! - **No linear autocorrelation** (fact 2): the autocorrelation of 1 s
//!   returns at lag 1, and the mean of its absolute value over lags 3 to
//!   30 s, which stays near the noise floor (about `0.8 / √n` for `n`
//!   returns) when returns carry no linear memory beyond the first lags.
//! - **Volatility clustering** (fact 3): the mean autocorrelation of
//!   absolute 1 s returns over lags 1 to 10 s and over lags 31 to 60 s;
//!   both positive, and the second still clearly above zero, when large
//!   moves cluster and the memory decays slowly.
//! - **Aggregational normality** (fact 4): the excess kurtosis of 10 s
//!   returns, and the ratios of kurtosis from 1 s to 10 s and from 10 s to
//!   1 min, which fall below 1 as returns approach a Gaussian over longer
//!   horizons (for independent returns the kurtosis of a sum of `k` of them
//!   is `1/k` of theirs).
//! - **Volume and volatility** (fact 12): over each whole minute of the
//!   session, the traded quantity and the realised volatility
//!   `√(Σ r²)` of the 1 s returns inside it (a minute with fewer than 30
//!   of its 60 returns present is left out); reported is the Pearson
//!   correlation of the two over all minutes.

use super::stats::{
    autocorrelation, excess_kurtosis, hill_tail_index, mean_autocorrelation, pearson,
};

/// The horizons whose kurtosis is measured, in seconds.
pub const HORIZONS_S: [usize; 3] = [1, 10, 60];

/// The lags, in 1 s steps, over which linear autocorrelation is averaged.
pub const LINEAR_LAGS: (usize, usize) = (3, 30);

/// The short and long ranges of lags over which the autocorrelation of
/// absolute returns is averaged.
pub const ABS_LAGS: [(usize, usize); 2] = [(1, 10), (31, 60)];

/// The length of the intervals fact 12 compares, in seconds.
pub const VOLUME_INTERVAL_S: usize = 60;

/// Facts 1 to 4 and 12.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReturnFacts {
    /// The number of 1 s returns present.
    pub count_1s: u64,
    /// The share of 1 s returns present that are exactly zero.
    pub zero_share_1s: Option<f64>,
    /// The excess kurtosis at each of [`HORIZONS_S`].
    pub kurtosis: [Option<f64>; 3],
    /// The Hill tail index of 1 s returns.
    pub hill_1s: Option<f64>,
    /// The Hill tail index of 1 min returns.
    pub hill_1min: Option<f64>,
    /// The autocorrelation of 1 s returns at lag 1.
    pub acf_lag1: Option<f64>,
    /// The mean absolute autocorrelation of 1 s returns over
    /// [`LINEAR_LAGS`].
    pub mean_abs_acf: Option<f64>,
    /// The mean autocorrelation of absolute 1 s returns over each range of
    /// [`ABS_LAGS`].
    pub abs_return_acf: [Option<f64>; 2],
    /// Kurtosis at 10 s over kurtosis at 1 s.
    pub kurtosis_ratio_10s_1s: Option<f64>,
    /// Kurtosis at 1 min over kurtosis at 10 s.
    pub kurtosis_ratio_1min_10s: Option<f64>,
    /// The correlation of traded quantity and realised volatility per
    /// minute.
    pub volume_volatility: Option<f64>,
}

impl ReturnFacts {
    /// Computes the facts from the mid at each whole second (`None` where
    /// a side was empty) and the traded quantity in each second.
    pub fn compute(mids: &[Option<f64>], volume: &[i64]) -> ReturnFacts {
        let series = HORIZONS_S.map(|h| returns(mids, h));
        let present = series.each_ref().map(|s| s.iter().flatten().copied().collect::<Vec<_>>());
        let kurtosis = present.each_ref().map(|r| excess_kurtosis(r));
        let one_second = &series[0];
        let absolute: Vec<Option<f64>> = one_second.iter().map(|r| r.map(f64::abs)).collect();

        let (from, to) = LINEAR_LAGS;
        let linear: Option<Vec<f64>> =
            (from..=to).map(|l| autocorrelation(one_second, l).map(f64::abs)).collect();

        ReturnFacts {
            count_1s: present[0].len() as u64,
            zero_share_1s: (!present[0].is_empty()).then(|| {
                present[0].iter().filter(|&&r| r == 0.0).count() as f64 / present[0].len() as f64
            }),
            kurtosis,
            hill_1s: hill_tail_index(&present[0]),
            hill_1min: hill_tail_index(&present[2]),
            acf_lag1: autocorrelation(one_second, 1),
            mean_abs_acf: linear.map(|l| l.iter().sum::<f64>() / l.len() as f64),
            abs_return_acf: ABS_LAGS.map(|(a, b)| mean_autocorrelation(&absolute, a, b)),
            kurtosis_ratio_10s_1s: ratio(kurtosis[1], kurtosis[0]),
            kurtosis_ratio_1min_10s: ratio(kurtosis[2], kurtosis[1]),
            volume_volatility: volume_volatility(one_second, volume),
        }
    }
}

/// Returns the log returns over consecutive stretches of `h` grid steps;
/// a return is `None` when either end has no mid.
pub fn returns(mids: &[Option<f64>], h: usize) -> Vec<Option<f64>> {
    let h = h.max(1);
    let count = mids.len().saturating_sub(1) / h;
    (1..=count)
        .map(|j| match (mids[(j - 1) * h], mids[j * h]) {
            (Some(a), Some(b)) if a > 0.0 && b > 0.0 => Some(b.ln() - a.ln()),
            _ => None,
        })
        .collect()
}

/// Returns `long / short` when the short-horizon kurtosis is positive.
fn ratio(long: Option<f64>, short: Option<f64>) -> Option<f64> {
    let short = short.filter(|&s| s > 0.0)?;
    Some(long? / short)
}

/// Returns the correlation, over whole minutes, of traded quantity and the
/// realised volatility of the 1 s returns `r` (return `k` ends at second
/// `k + 1`, so minute `j` holds returns `60 j` to `60 j + 59`).
fn volume_volatility(r: &[Option<f64>], volume: &[i64]) -> Option<f64> {
    let n = VOLUME_INTERVAL_S;
    let (mut volumes, mut volatilities) = (Vec::new(), Vec::new());
    for (j, minute) in r.chunks_exact(n).enumerate() {
        let present: Vec<f64> = minute.iter().flatten().copied().collect();
        if present.len() * 2 < n {
            continue;
        }
        let traded: i64 = volume.iter().skip(j * n).take(n).sum();
        volumes.push(traded as f64);
        volatilities.push(present.iter().map(|x| x * x).sum::<f64>().sqrt());
    }
    pearson(&volumes, &volatilities)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Bernoulli, Distribution, Exp, Normal, StudentT};
    use surveil_sim::{Nanos, Price};

    use super::*;
    use crate::facts::collector::{BookSnapshot, Collector, Measurements};

    /// The price level of the synthetic walks, in ticks: high enough that
    /// a tick is a negligible fraction of it, so log returns equal the
    /// increments over the level to within rounding.
    const LEVEL: f64 = 1e9;

    /// Runs a mid price through a collector, one step per second, and
    /// returns the facts; `steps` gives the increment of each second in
    /// ticks.
    fn walk(steps: impl IntoIterator<Item = f64>) -> Measurements {
        walk_with_volume(steps.into_iter().map(|s| (s, 0)))
    }

    fn walk_with_volume(steps: impl IntoIterator<Item = (f64, i64)>) -> Measurements {
        let mut c = Collector::new(Nanos(0), 1);
        let mut mid = LEVEL;
        let mut second = 0;
        let quote = |mid: f64| {
            let m = mid.round() as i64;
            BookSnapshot { bid: Some(Price(m - 1)), ask: Some(Price(m + 1)), ..Default::default() }
        };
        for (step, traded) in steps {
            // The book moves just after each whole second, so grid point s
            // sees the mid set during second s - 1.
            c.advance(Nanos::from_secs(second) + Nanos(1), &quote(mid));
            if traded > 0 {
                c.execution(None, surveil_sim::Qty(traded));
            }
            mid += step;
            second += 1;
        }
        c.finish(Nanos::from_secs(second), &quote(mid))
    }

    fn sample<D: Distribution<f64>>(d: D, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn a_gaussian_walk_has_no_excess_kurtosis_and_a_large_tail_index() {
        let m = walk(sample(Normal::new(0.0, 1_000.0).unwrap(), 240_000, 21));
        let r = &m.returns;
        assert_eq!(r.count_1s, 240_000);
        for (k, h) in r.kurtosis.iter().zip(HORIZONS_S) {
            let k = k.unwrap();
            // The sampling error of the kurtosis is √(24/n): 0.01 at 1 s,
            // 0.06 at 1 min.
            let n = 240_000 / h;
            assert!(k.abs() < 4.0 * (24.0 / n as f64).sqrt(), "kurtosis {k} at {h} s");
        }
        assert!(r.hill_1s.unwrap() > 6.0, "Hill index {:?}", r.hill_1s);
        assert!(r.hill_1min.unwrap() > 4.0, "Hill index {:?}", r.hill_1min);
    }

    #[test]
    fn a_student_t_walk_has_heavy_tails_with_its_own_index() {
        // Student t with 3 degrees of freedom: a power-law tail of index 3
        // and an infinite fourth moment, so the sample kurtosis is large.
        let m = walk(sample(StudentT::new(3.0).unwrap().map(|x| x * 1_000.0), 240_000, 22));
        let hill = m.returns.hill_1s.unwrap();
        assert!((2.3..3.8).contains(&hill), "Hill index {hill}");
        assert!(m.returns.kurtosis[0].unwrap() > 5.0, "{:?}", m.returns.kurtosis);
    }

    #[test]
    fn independent_returns_have_no_autocorrelation_at_any_lag() {
        let n = 100_000;
        let m = walk(sample(Normal::new(0.0, 1_000.0).unwrap(), n, 23));
        let noise = 1.0 / (n as f64).sqrt();
        let lag1 = m.returns.acf_lag1.unwrap();
        assert!(lag1.abs() < 4.0 * noise, "lag 1: {lag1}");
        // The mean of |ρ| for independent returns is √(2/π)/√n ≈ 0.8/√n.
        let mean_abs = m.returns.mean_abs_acf.unwrap();
        assert!((0.5 * noise..1.1 * noise).contains(&mean_abs), "mean |acf| {mean_abs}");
        for acf in m.returns.abs_return_acf {
            assert!(acf.unwrap().abs() < 3.0 * noise, "absolute returns: {acf:?}");
        }
    }

    #[test]
    fn a_moving_average_shows_its_lag_one_correlation() {
        // r_t = e_t − 0.5 e_{t−1}: ρ(1) = −0.5 / 1.25 = −0.4, nothing after.
        let e = sample(Normal::new(0.0, 1_000.0).unwrap(), 100_001, 24);
        let m = walk(e.windows(2).map(|w| w[1] - 0.5 * w[0]));
        let lag1 = m.returns.acf_lag1.unwrap();
        assert!((lag1 + 0.4).abs() < 0.02, "lag 1: {lag1}");
        assert!(m.returns.mean_abs_acf.unwrap() < 0.01);
    }

    #[test]
    fn regime_switching_volatility_has_the_closed_form_absolute_autocorrelation() {
        // Volatility switches between 1 and 3 (times 1000 ticks), staying
        // put each second with probability p. For r = σ Z with Z Gaussian,
        // Cov(|r_t|, |r_{t+l}|) = (2/π) Var(σ) λ^l with λ = 2p − 1, and
        // Var(|r|) = E[σ²] − (2/π) E[σ]², so the autocorrelation of |r| at
        // lag l is (2/π) Var(σ) λ^l / Var(|r|).
        let p: f64 = 0.99;
        let (low, high): (f64, f64) = (1.0, 3.0);
        let var_sigma = ((high - low) / 2.0).powi(2);
        let mean_sigma = (low + high) / 2.0;
        let mean_sq = (low * low + high * high) / 2.0;
        let c = 2.0 / std::f64::consts::PI;
        let acf =
            |l: f64| c * var_sigma * (2.0 * p - 1.0).powf(l) / (mean_sq - c * mean_sigma.powi(2));
        let expected =
            ABS_LAGS.map(|(a, b)| (a..=b).map(|l| acf(l as f64)).sum::<f64>() / (b - a + 1) as f64);

        let mut rng = ChaCha8Rng::seed_from_u64(25);
        let stay = Bernoulli::new(p).unwrap();
        let z = Normal::new(0.0, 1_000.0).unwrap();
        let mut sigma = low;
        let steps: Vec<f64> = (0..1_000_000)
            .map(|_| {
                if !stay.sample(&mut rng) {
                    sigma = if sigma == low { high } else { low };
                }
                sigma * z.sample(&mut rng)
            })
            .collect();
        let m = walk(steps);
        for (got, want) in m.returns.abs_return_acf.iter().zip(expected) {
            let got = got.unwrap();
            assert!((got - want).abs() < 0.015, "absolute-return acf {got}, expected {want}");
        }
        assert!(expected[1] > 0.05, "the test's regimes must leave memory at a minute");
        assert!(m.returns.acf_lag1.unwrap().abs() < 0.01, "no linear memory");
    }

    #[test]
    fn kurtosis_of_independent_returns_falls_as_one_over_the_horizon() {
        // Laplace increments have excess kurtosis 3; a sum of k of them has
        // 3 / k: 0.3 at 10 s and 0.05 at 1 min.
        let n = 600_000;
        let a = sample(Exp::new(1.0).unwrap(), n, 26);
        let b = sample(Exp::new(1.0).unwrap(), n, 27);
        let m = walk(a.iter().zip(&b).map(|(x, y)| (x - y) * 1_000.0));
        let [k1, k10, k60] = m.returns.kurtosis.map(Option::unwrap);
        assert!((k1 - 3.0).abs() < 0.15, "1 s: {k1}");
        assert!((k10 - 0.3).abs() < 0.06, "10 s: {k10}");
        assert!((k60 - 0.05).abs() < 0.1, "1 min: {k60}");
        let ratio = m.returns.kurtosis_ratio_10s_1s.unwrap();
        assert!((ratio - 0.1).abs() < 0.025, "ratio 10 s / 1 s: {ratio}");
        assert!(m.returns.kurtosis_ratio_1min_10s.unwrap() < 1.0);
    }

    #[test]
    fn volume_proportional_to_volatility_correlates_as_the_closed_form_says() {
        // Each minute's volatility σ is 1 or 4 (times 1000 ticks) with equal
        // chance, and its traded quantity is 10 σ. Realised volatility is
        // σ S with S = √(Σ z²) over 60 Gaussians, independent of σ, so
        // corr(σ, σ S) = Var(σ) E[S] / √(Var(σ) Var(σ S)), where
        // Var(σ S) = E[σ²] · 60 − E[σ]² E[S]² and E[S] ≈ √(60 − 1/2).
        let (var_s, mean_s, mean_sq) = (2.25, 2.5, 8.5);
        let e_chi = (59.5f64).sqrt();
        let expected =
            var_s * e_chi / (var_s * (mean_sq * 60.0 - mean_s * mean_s * e_chi * e_chi)).sqrt();

        let mut rng = ChaCha8Rng::seed_from_u64(28);
        let coin = Bernoulli::new(0.5).unwrap();
        let z = Normal::new(0.0, 1_000.0).unwrap();
        let mut steps = Vec::new();
        for _ in 0..5_000 {
            let sigma = if coin.sample(&mut rng) { 1.0 } else { 4.0 };
            for s in 0..60 {
                let traded = if s == 0 { (10.0 * sigma) as i64 } else { 0 };
                steps.push((sigma * z.sample(&mut rng), traded));
            }
        }
        let m = walk_with_volume(steps);
        let corr = m.returns.volume_volatility.unwrap();
        assert!((corr - expected).abs() < 0.01, "correlation {corr}, expected {expected}");

        // The same walk with volume drawn apart from volatility.
        let mut rng = ChaCha8Rng::seed_from_u64(29);
        let independent: Vec<(f64, i64)> = (0..300_000)
            .map(|s| {
                let traded =
                    if s % 60 == 0 { i64::from(coin.sample(&mut rng)) * 30 + 10 } else { 0 };
                (z.sample(&mut rng), traded)
            })
            .collect();
        let corr = walk_with_volume(independent).returns.volume_volatility.unwrap();
        assert!(corr.abs() < 4.0 / (5_000f64).sqrt(), "independent: {corr}");
    }

    #[test]
    fn a_mid_that_rests_two_seconds_in_three_has_two_thirds_zero_returns() {
        let m = walk((0..3_000).map(|s| if s % 3 == 2 { 1_000.0 } else { 0.0 }));
        assert!((m.returns.zero_share_1s.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let moving = walk(sample(Normal::new(0.0, 1_000.0).unwrap(), 3_000, 30));
        assert!(moving.returns.zero_share_1s.unwrap() < 0.01);
    }

    #[test]
    fn returns_are_missing_where_a_side_is_empty() {
        let mids = [Some(100.0), None, Some(100.0), Some(110.0), Some(121.0)];
        let r = returns(&mids, 1);
        assert_eq!(r.len(), 4);
        assert_eq!((r[0], r[1]), (None, None));
        assert!((r[2].unwrap() - 1.1f64.ln()).abs() < 1e-12);
        let r2 = returns(&mids, 2);
        assert_eq!(r2.len(), 2);
        assert!((r2[1].unwrap() - 1.21f64.ln()).abs() < 1e-12);
    }
}
