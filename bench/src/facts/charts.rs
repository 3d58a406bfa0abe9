//! The return statistics the HTML report draws for facts 1 and 3: the
//! distribution of 1 s returns, standardised, and the autocorrelation of
//! absolute 1 s returns lag by lag.
//!
//! The facts table reduces both to a few numbers (kurtosis, a Hill index,
//! mean autocorrelations over ranges of lags); the chart shows the whole
//! shape behind them, so a reader can see where a simulated market's
//! tails or memory part from a real one's. Returns are those of
//! [`super::returns`]: log changes of the mid over whole seconds, missing
//! where a side of the book was empty.

use surveil_reports::series::ReturnSeries;

use super::returns::returns;
use super::stats::{autocorrelation, mean};

/// The width of one histogram bin, in standard deviations.
pub const BIN_WIDTH: f64 = 0.25;

/// How far from the mean the histogram reaches, at most, in standard
/// deviations; returns beyond are counted in the outermost bins.
pub const MAX_REACH: f64 = 40.0;

/// The lags of the autocorrelation, in seconds: 1 to this.
pub const MAX_LAG_S: usize = 60;

/// Computes the chart statistics from the mid at each whole second. The
/// label is left empty for the caller to name the session.
pub fn return_series(mids: &[Option<f64>]) -> ReturnSeries {
    let one_second = returns(mids, 1);
    let present: Vec<f64> = one_second.iter().flatten().copied().collect();
    let absolute: Vec<Option<f64>> = one_second.iter().map(|r| r.map(f64::abs)).collect();
    let abs_acf = (1..=MAX_LAG_S).map(|lag| autocorrelation(&absolute, lag)).collect();

    let (histogram_lo, histogram) = match standardised(&present) {
        Some(z) => histogram(&z),
        None => (0.0, Vec::new()),
    };
    ReturnSeries {
        label: String::new(),
        horizon_s: 1.0,
        histogram_lo,
        histogram_width: BIN_WIDTH,
        histogram,
        abs_acf,
    }
}

/// Returns the values less their mean, over their standard deviation, or
/// `None` when there are none or they do not vary.
fn standardised(xs: &[f64]) -> Option<Vec<f64>> {
    let m = mean(xs)?;
    let sd = (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64).sqrt();
    (sd > 0.0).then(|| xs.iter().map(|x| (x - m) / sd).collect())
}

/// Counts standardised values in bins of [`BIN_WIDTH`] symmetric about 0,
/// wide enough for the largest value up to [`MAX_REACH`], and returns the
/// lower edge and each bin's share.
fn histogram(z: &[f64]) -> (f64, Vec<f64>) {
    let largest = z.iter().map(|x| x.abs()).fold(0.0, f64::max);
    let reach = (largest.min(MAX_REACH) / BIN_WIDTH).ceil().max(1.0) * BIN_WIDTH;
    let bins = (2.0 * reach / BIN_WIDTH).round() as usize;
    let mut counts = vec![0u64; bins];
    for x in z {
        let i = ((x + reach) / BIN_WIDTH).floor().clamp(0.0, (bins - 1) as f64) as usize;
        counts[i] += 1;
    }
    let n = z.len() as f64;
    (-reach, counts.into_iter().map(|c| c as f64 / n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_shares_sum_to_one_and_reach_the_largest_value() {
        // A mid that steps up 1% and down 1% in turn, with one large jump.
        let mut mid = 100.0;
        let mut mids = vec![Some(mid)];
        for i in 0..200 {
            mid *= if i == 150 {
                1.2
            } else if i % 2 == 0 {
                1.01
            } else {
                0.99
            };
            mids.push(Some(mid));
        }
        let series = return_series(&mids);

        let total: f64 = series.histogram.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let top = series.histogram_lo + series.histogram.len() as f64 * series.histogram_width;
        assert!(top > 10.0, "the jump lies about 14 sd out: {top}");
        assert!((series.histogram_lo + top).abs() < 1e-12, "symmetric about 0");
        assert_eq!(series.abs_acf.len(), MAX_LAG_S);
        // Absolute returns alternate nowhere: all but one are about 1%.
        assert!(series.abs_acf[0].is_some());
    }

    #[test]
    fn a_mid_that_never_moves_has_no_histogram() {
        let series = return_series(&[Some(5.0); 30]);
        assert!(series.histogram.is_empty());
        assert!(series.abs_acf.iter().all(Option::is_none));
    }
}
