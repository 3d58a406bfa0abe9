//! The descriptive statistics the stylized facts are built from.
//!
//! Every function here takes plain numbers and returns `None` when the
//! statistic is undefined for its input (too few values, no variance, a
//! zero where a division needs a positive number), never a NaN and never a
//! panic. The definitions, for a sample `x_1 .. x_n` with mean `x̄`:
//!
//! - **central moments** `m_k = (1/n) Σ (x_i − x̄)^k`, divided by `n`, not
//!   `n − 1` (the population form);
//! - **excess kurtosis** `m_4 / m_2² − 3`: zero for a Gaussian, positive
//!   for heavier tails; it needs at least four values and `m_2 > 0`;
//! - **Hill tail index** (Hill, "A simple general approach to inference
//!   about the tail of a distribution", Annals of Statistics, 1975): with
//!   the non-zero absolute values sorted in decreasing order
//!   `a_(1) ≥ a_(2) ≥ …` and `k = ⌊√n'⌋` of the `n'` non-zero values,
//!   `α = 1 / ((1/k) Σ_{i≤k} ln(a_(i) / a_(k+1)))`. A power-law tail
//!   `P(|X| > x) ~ x^−α` gives back `α`; a Gaussian has no power-law tail
//!   and gives a value that grows with the sample (above 5 for the sample
//!   sizes used here). It needs `k ≥ 2` and `a_(k+1) > 0`;
//! - **autocorrelation at lag ℓ** of a series with gaps: with `x̄` and
//!   `s² = (1/N) Σ (x_t − x̄)²` over the `N` values present, and the `N_ℓ`
//!   pairs `(x_t, x_{t+ℓ})` where both are present,
//!   `ρ(ℓ) = ((1/N_ℓ) Σ (x_t − x̄)(x_{t+ℓ} − x̄)) / s²`; without gaps this
//!   is the usual estimator up to the factor `n / (n − ℓ)`;
//! - **Pearson correlation** `Σ (x_i − x̄)(y_i − ȳ) / √(Σ (x_i − x̄)² Σ (y_i − ȳ)²)`;
//! - **quantile** `q` of sorted values: linear interpolation between order
//!   statistics at position `h = (n − 1) q` (type 7 of Hyndman and Fan,
//!   "Sample quantiles in statistical packages", 1996);
//! - **total variation distance** between two distributions over the same
//!   buckets: `½ Σ |p_i − q_i|`, from 0 (equal) to 1 (disjoint);
//! - **coefficient of variation** `√m_2 / x̄`, kept as a running mean and
//!   sum of squared deviations (Welford's update) so that a stream of any
//!   length needs constant memory.

/// Returns the arithmetic mean, or `None` for no values.
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    Some(xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Returns the excess kurtosis `m_4 / m_2² − 3`, or `None` for fewer than
/// four values or no variance.
pub fn excess_kurtosis(xs: &[f64]) -> Option<f64> {
    if xs.len() < 4 {
        return None;
    }
    let n = xs.len() as f64;
    let m = mean(xs)?;
    let (mut m2, mut m4) = (0.0, 0.0);
    for &x in xs {
        let d2 = (x - m) * (x - m);
        m2 += d2;
        m4 += d2 * d2;
    }
    let (m2, m4) = (m2 / n, m4 / n);
    (m2 > 0.0).then(|| m4 / (m2 * m2) - 3.0)
}

/// Returns the Hill estimate of the tail index of `|x|`, from the `⌊√n'⌋`
/// largest of the `n'` non-zero absolute values, or `None` when fewer than
/// two values lie above the threshold.
pub fn hill_tail_index(xs: &[f64]) -> Option<f64> {
    let mut abs: Vec<f64> = xs.iter().map(|x| x.abs()).filter(|&a| a > 0.0).collect();
    let k = (abs.len() as f64).sqrt().floor() as usize;
    if k < 2 || abs.len() <= k {
        return None;
    }
    abs.sort_by(|a, b| b.total_cmp(a));
    let threshold = abs[k];
    let mean_log = abs[..k].iter().map(|a| (a / threshold).ln()).sum::<f64>() / k as f64;
    (mean_log > 0.0).then(|| 1.0 / mean_log)
}

/// Returns the autocorrelation at `lag` of a series whose missing values
/// are `None`, or `None` when no pair is `lag` apart or the series has no
/// variance.
pub fn autocorrelation(series: &[Option<f64>], lag: usize) -> Option<f64> {
    let present: Vec<f64> = series.iter().flatten().copied().collect();
    let m = mean(&present)?;
    let variance = present.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / present.len() as f64;
    if variance <= 0.0 || lag >= series.len() {
        return None;
    }

    let (mut sum, mut pairs) = (0.0, 0usize);
    for (a, b) in series.iter().zip(&series[lag..]) {
        if let (Some(a), Some(b)) = (a, b) {
            sum += (a - m) * (b - m);
            pairs += 1;
        }
    }
    (pairs > 0).then(|| sum / pairs as f64 / variance)
}

/// Returns the mean autocorrelation over the lags `from..=to`, or `None`
/// when any of them is undefined.
pub fn mean_autocorrelation(series: &[Option<f64>], from: usize, to: usize) -> Option<f64> {
    let values: Option<Vec<f64>> = (from..=to).map(|l| autocorrelation(series, l)).collect();
    mean(&values?)
}

/// Returns the Pearson correlation of paired values, or `None` for fewer
/// than three pairs, unequal lengths or a constant side.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 3 {
        return None;
    }
    let (mx, my) = (mean(xs)?, mean(ys)?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&x, &y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Returns quantile `q` (from 0 to 1) of values sorted in increasing
/// order, interpolating linearly between order statistics, or `None` for
/// no values.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * q.clamp(0.0, 1.0);
    let below = h.floor() as usize;
    let above = (below + 1).min(last);
    Some(sorted[below] + (h - below as f64) * (sorted[above] - sorted[below]))
}

/// Returns the total variation distance `½ Σ |p_i − q_i|` between two
/// distributions over the same buckets.
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>() / 2.0
}

/// A running mean and variance, updated one value at a time (Welford's
/// method), for statistics of streams too long to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunningMoments {
    n: u64,
    mean: f64,
    sum_sq: f64,
}

impl RunningMoments {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.sum_sq += delta * (x - self.mean);
    }

    /// Returns the number of values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Returns the mean, or `None` before the first value.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Returns the coefficient of variation (population standard deviation
    /// over the mean), or `None` for fewer than two values or a mean that
    /// is not positive.
    pub fn coefficient_of_variation(&self) -> Option<f64> {
        if self.n < 2 || self.mean <= 0.0 {
            return None;
        }
        Some((self.sum_sq / self.n as f64).sqrt() / self.mean)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Exp, Normal, StudentT};

    use super::*;

    fn draws<D: Distribution<f64>>(dist: D, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| dist.sample(&mut rng)).collect()
    }

    #[test]
    fn kurtosis_is_zero_for_a_gaussian_and_six_for_a_laplace() {
        let gauss = draws(Normal::new(0.0, 2.0).unwrap(), 200_000, 1);
        let k = excess_kurtosis(&gauss).unwrap();
        assert!(k.abs() < 0.05, "Gaussian excess kurtosis {k}");

        // A Laplace variable is the difference of two exponentials; its
        // excess kurtosis is 3.
        let a = draws(Exp::new(1.0).unwrap(), 200_000, 2);
        let b = draws(Exp::new(1.0).unwrap(), 200_000, 3);
        let laplace: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let k = excess_kurtosis(&laplace).unwrap();
        assert!((k - 3.0).abs() < 0.15, "Laplace excess kurtosis {k}");

        // Two points: m4 / m2² = 1, so the excess is -2 exactly.
        assert_eq!(excess_kurtosis(&[1.0, -1.0, 1.0, -1.0]), Some(-2.0));
        assert_eq!(excess_kurtosis(&[1.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(excess_kurtosis(&[1.0, 2.0, 3.0]), None);
    }

    #[test]
    fn hill_recovers_a_pareto_exponent_and_is_large_for_a_gaussian() {
        // Pareto with index 3 by inversion: x = u^(-1/3).
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let uniform = rand_distr::Uniform::new(0.0f64, 1.0).unwrap();
        let pareto: Vec<f64> =
            (0..40_000).map(|_| (1.0 - uniform.sample(&mut rng)).powf(-1.0 / 3.0)).collect();
        let alpha = hill_tail_index(&pareto).unwrap();
        assert!((alpha - 3.0).abs() < 0.5, "Pareto(3) Hill index {alpha}");

        let t3 = draws(StudentT::new(3.0).unwrap(), 40_000, 5);
        let alpha = hill_tail_index(&t3).unwrap();
        assert!((2.2..4.0).contains(&alpha), "Student t(3) Hill index {alpha}");

        let gauss = draws(Normal::new(0.0, 1.0).unwrap(), 40_000, 6);
        let alpha = hill_tail_index(&gauss).unwrap();
        assert!(alpha > 6.0, "Gaussian Hill index {alpha}");

        assert_eq!(hill_tail_index(&[0.0, 0.0, 1.0, 2.0]), None, "too few non-zero values");
    }

    #[test]
    fn autocorrelation_of_a_moving_average_is_theta_over_one_plus_theta_squared() {
        // x_t = e_t + 0.5 e_{t-1}: rho(1) = 0.5 / 1.25 = 0.4, rho(2) = 0.
        let e = draws(Normal::new(0.0, 1.0).unwrap(), 100_001, 7);
        let x: Vec<Option<f64>> = e.windows(2).map(|w| Some(w[1] + 0.5 * w[0])).collect();
        let r1 = autocorrelation(&x, 1).unwrap();
        let r2 = autocorrelation(&x, 2).unwrap();
        assert!((r1 - 0.4).abs() < 0.01, "rho(1) {r1}");
        assert!(r2.abs() < 0.01, "rho(2) {r2}");
        assert!((autocorrelation(&x, 0).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn autocorrelation_skips_gaps_without_shifting_the_series() {
        // An alternating series has rho(1) = -1 and rho(2) = 1; holes must
        // not pair values that are not one step apart.
        let mut x: Vec<Option<f64>> =
            (0..1000).map(|i| Some(if i % 2 == 0 { 1.0 } else { -1.0 })).collect();
        for i in (0..1000).step_by(7) {
            x[i] = None;
        }
        assert!((autocorrelation(&x, 1).unwrap() + 1.0).abs() < 0.01);
        assert!((autocorrelation(&x, 2).unwrap() - 1.0).abs() < 0.01);
        assert_eq!(autocorrelation(&[Some(1.0), Some(1.0)], 1), None, "no variance");
    }

    #[test]
    fn pearson_quantile_and_distance_match_hand_computed_values() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0]), None);

        let sorted = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&sorted, 0.5), Some(2.5));
        assert_eq!(quantile(&sorted, 0.0), Some(1.0));
        assert_eq!(quantile(&sorted, 1.0), Some(4.0));
        assert_eq!(quantile(&sorted, 0.9), Some(3.7));
        assert_eq!(quantile(&[], 0.5), None);

        assert_eq!(total_variation(&[0.5, 0.5, 0.0], &[0.0, 0.5, 0.5]), 0.5);
        assert_eq!(total_variation(&[1.0, 0.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn running_moments_give_the_coefficient_of_variation() {
        let exp = draws(Exp::new(4.0).unwrap(), 200_000, 8);
        let mut m = RunningMoments::default();
        exp.iter().for_each(|&x| m.push(x));
        let cv = m.coefficient_of_variation().unwrap();
        assert!((cv - 1.0).abs() < 0.01, "exponential CV {cv}");
        assert!((m.mean().unwrap() - 0.25).abs() < 0.003);

        let mut constant = RunningMoments::default();
        (0..10).for_each(|_| constant.push(2.0));
        assert_eq!(constant.coefficient_of_variation(), Some(0.0));
        assert_eq!(RunningMoments::default().mean(), None);
    }
}
