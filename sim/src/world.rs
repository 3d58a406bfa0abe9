//! The world outside the exchange: an external reference price per
//! instrument, such as the price on larger foreign venues, and how busy the
//! market is.
//!
//! Each reference price is a random walk in ticks, stepped every 25 ms,
//! with stochastic volatility and rare jumps. The volatility follows the
//! discrete stochastic-volatility model of Taylor ("Modelling Financial
//! Time Series", 1986): the log of the variance is an autoregressive
//! process, here with a half-life of five minutes, whose mean is set so that
//! the average variance is the instrument's configured one. Calm and
//! turbulent stretches therefore alternate, which gives returns heavy tails
//! at short horizons, volatility that clusters, and tails that thin out as
//! the horizon grows. Market makers quote around the reference and
//! arbitrageurs trade the book back toward it, which anchors the books.
//!
//! The activity level says how busy traders are relative to an average
//! moment: a U-shaped profile over the session (busy at the open and the
//! close, as on every exchange with a session) times a surge after each
//! jump of the reference, decaying with a half-life of a minute (news moves
//! prices and brings traders in).
//!
//! Everything here is drawn from its own random stream, so it depends only
//! on the seed and the time.

use rand_distr::{Distribution, Normal};

use crate::config::InstrumentConfig;
use crate::rng::{self, Stream};
use crate::types::{InstrumentId, Nanos, Price};

const STEP: Nanos = Nanos::from_millis(25);

/// Size of a jump relative to one second's volatility.
const JUMP_SCALE: f64 = 15.0;

/// Half-life of the log-variance's deviations from its mean.
const VOL_HALF_LIFE_S: f64 = 300.0;

/// Standard deviation of the log-variance around its mean.
const VOL_OF_LOG_VARIANCE: f64 = 0.9;

/// How much a jump adds to the activity level, and how fast that fades.
const NEWS_SURGE: f64 = 1.5;
const NEWS_HALF_LIFE_S: f64 = 60.0;

#[derive(Clone, Debug)]
struct Walk {
    level: f64,
    /// Deviation of the log-variance from its mean.
    log_variance: f64,
    sigma_step: f64,
    jump_probability: f64,
    jump_sigma: f64,
    min: i64,
    max: i64,
}

/// The external reference prices.
#[derive(Clone, Debug)]
pub struct Reference {
    walks: Vec<Walk>,
    next_step: Nanos,
    rng: Stream,
    session: Nanos,
    news: f64,
}

impl Reference {
    /// Starts every walk at its instrument's initial price, for a session
    /// of the given length.
    pub fn new(seed: u64, instruments: &[InstrumentConfig], session: Nanos) -> Reference {
        let step_secs = STEP.as_secs_f64();
        let walks = instruments
            .iter()
            .map(|i| Walk {
                level: i.initial_price.0 as f64,
                log_variance: 0.0,
                sigma_step: i.volatility * step_secs.sqrt(),
                jump_probability: i.jumps_per_hour * step_secs / 3600.0,
                jump_sigma: i.volatility * JUMP_SCALE,
                min: i.spec.min_price.0,
                max: i.spec.max_price.0,
            })
            .collect();
        Reference {
            walks,
            next_step: STEP,
            rng: rng::stream(seed, "reference", 0),
            session,
            news: 0.0,
        }
    }

    /// Advances every walk up to and including `now`.
    pub fn advance_to(&mut self, now: Nanos) {
        let step_secs = STEP.as_secs_f64();
        let persistence = (-std::f64::consts::LN_2 * step_secs / VOL_HALF_LIFE_S).exp();
        let innovation = VOL_OF_LOG_VARIANCE * (1.0 - persistence * persistence).sqrt();
        // The mean of the log-variance that makes the average variance one.
        let mean = -VOL_OF_LOG_VARIANCE * VOL_OF_LOG_VARIANCE / 2.0;
        let news_decay = (-std::f64::consts::LN_2 * step_secs / NEWS_HALF_LIFE_S).exp();

        while self.next_step <= now {
            self.news *= news_decay;
            for walk in &mut self.walks {
                let shock: f64 = Normal::new(0.0, 1.0).map_or(0.0, |d| d.sample(&mut self.rng));
                walk.log_variance = persistence * walk.log_variance + innovation * shock;
                let sigma = walk.sigma_step * ((mean + walk.log_variance) / 2.0).exp();
                let step = Normal::new(0.0, sigma).map_or(0.0, |d| d.sample(&mut self.rng));
                let jump = if rand::Rng::random_bool(&mut self.rng, walk.jump_probability.min(1.0))
                {
                    self.news += NEWS_SURGE;
                    Normal::new(0.0, walk.jump_sigma).map_or(0.0, |d| d.sample(&mut self.rng))
                } else {
                    0.0
                };
                walk.level = (walk.level + step + jump).clamp(walk.min as f64, walk.max as f64);
            }
            self.next_step += STEP;
        }
    }

    /// Returns how busy traders are now relative to an average moment of
    /// the session: the intraday profile times the surge after news. The
    /// profile is `0.6 + 1.2 (2x - 1)^2` at the fraction `x` of the session
    /// elapsed, which averages one over the session.
    pub fn activity(&self, now: Nanos) -> f64 {
        let x =
            if self.session.0 == 0 { 0.5 } else { now.as_secs_f64() / self.session.as_secs_f64() };
        let x = x.clamp(0.0, 1.0);
        let profile = 0.6 + 1.2 * (2.0 * x - 1.0).powi(2);
        profile * (1.0 + self.news)
    }

    /// Returns an instrument's reference price, rounded to a tick.
    ///
    /// # Panics
    ///
    /// Panics if the instrument does not exist.
    pub fn price(&self, instrument: InstrumentId) -> Price {
        let walk = &self.walks[usize::from(instrument.0)];
        Price((walk.level.round() as i64).clamp(walk.min, walk.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::InstrumentSpec;
    use crate::types::Qty;

    fn instrument(volatility: f64) -> InstrumentConfig {
        InstrumentConfig {
            spec: InstrumentSpec {
                symbol: "T".into(),
                krw_per_tick: 1.0,
                tokens_per_lot: 1.0,
                min_price: Price(1),
                max_price: Price(1 << 40),
                tick_size: 1,
                min_qty: Qty(1),
                max_qty: Qty(100),
                lot_size: 1,
            },
            initial_price: Price(1 << 30),
            volatility,
            jumps_per_hour: 0.0,
            typical_qty: Qty(1),
            activity_weight: 1.0,
            market_makers: 0,
            quote_half_spread: 1,
        }
    }

    /// One-second returns of the reference over a long session.
    fn returns(seconds: u64) -> Vec<f64> {
        let mut reference = Reference::new(7, &[instrument(10.0)], Nanos::from_secs(seconds));
        let mut last = reference.walks[0].level;
        (1..=seconds)
            .map(|s| {
                reference.advance_to(Nanos::from_secs(s));
                let now = reference.walks[0].level;
                let r = now - last;
                last = now;
                r
            })
            .collect()
    }

    #[test]
    fn average_volatility_is_the_configured_one() {
        let r = returns(20_000);
        let var = r.iter().map(|x| x * x).sum::<f64>() / r.len() as f64;
        // Ten ticks per square-root second: a variance of 100 per second.
        assert!((70.0..130.0).contains(&var), "variance {var:.1}");
    }

    #[test]
    fn stochastic_volatility_gives_heavy_tails_and_clustering() {
        let r = returns(20_000);
        let n = r.len() as f64;
        let m2 = r.iter().map(|x| x * x).sum::<f64>() / n;
        let m4 = r.iter().map(|x| x.powi(4)).sum::<f64>() / n;
        let excess_kurtosis = m4 / (m2 * m2) - 3.0;
        assert!(excess_kurtosis > 0.5, "excess kurtosis {excess_kurtosis:.2}");

        // Absolute returns a minute apart stay correlated.
        let a: Vec<f64> = r.iter().map(|x| x.abs()).collect();
        let mean = a.iter().sum::<f64>() / n;
        let cov = |lag: usize| {
            a.iter().zip(&a[lag..]).map(|(x, y)| (x - mean) * (y - mean)).sum::<f64>()
                / (n - lag as f64)
        };
        let acf60 = cov(60) / cov(0);
        assert!(acf60 > 0.05, "autocorrelation of |r| at 60 s: {acf60:.3}");
    }

    #[test]
    fn activity_is_u_shaped_and_surges_after_news() {
        let session = Nanos::from_secs(1000);
        let mut reference = Reference::new(1, &[instrument(1.0)], session);
        let open = reference.activity(Nanos(0));
        let noon = reference.activity(Nanos::from_secs(500));
        let close = reference.activity(session);
        assert!(open > 1.5 * noon && close > 1.5 * noon, "{open} {noon} {close}");
        reference.news = NEWS_SURGE;
        assert!(reference.activity(Nanos::from_secs(500)) > 2.0 * noon);
        reference.advance_to(Nanos::from_secs(600));
        assert!(reference.news < NEWS_SURGE * 0.25, "news fades: {}", reference.news);
    }
}
