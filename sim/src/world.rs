//! The world outside the exchange: an external reference price per
//! instrument, such as the price on larger foreign venues, and how busy the
//! market is.
//!
//! Each reference price is a random walk in ticks, stepped every 25 ms,
//! with stochastic volatility and rare jumps. The volatility follows the
//! discrete stochastic-volatility model of Taylor ("Modelling Financial
//! Time Series", 1986): the log of the variance is an autoregressive
//! process whose mean is set so that the average variance is the
//! instrument's configured one. Calm and turbulent stretches therefore
//! alternate, which gives returns heavy tails at short horizons,
//! volatility that clusters, and tails that thin out as the horizon grows.
//!
//! Traders' attention is a self-exciting point process (Hawkes, "Spectra
//! of some self-exciting and mutually exciting point processes",
//! Biometrika 1971): latent attention events arrive at a base rate, and
//! each raises the rate of further events by an exponentially decaying
//! kernel, so that busy moments breed more busy moments, as order flow
//! does on real exchanges (Bacry, Mastromatteo and Muzy, "Hawkes processes
//! in finance", 2015). Part of the reference variance runs on this
//! attention clock rather than the calendar, after Clark's subordinated
//! model of prices ("A subordinated stochastic process model with finite
//! variance for speculative prices", Econometrica 1973): prices move most
//! when most trading happens, which is what ties volume to volatility.
//!
//! The activity level says how busy traders are relative to an average
//! moment: a U-shaped profile over the session (busy at the open and the
//! close, as on every exchange with a session, and the reference variance
//! follows the same profile), times the attention
//! process, times a surge after each jump of the reference that decays with
//! a half-life of a minute (news moves prices and brings traders in),
//! times traders' response to the realised volatility of the reference
//! (they trade more when prices move more).
//!
//! Everything here is drawn from its own random streams, so it depends only
//! on the seed and the time.

use rand_distr::{Distribution, Normal, Poisson};

use crate::config::{InstrumentConfig, WorldConfig};
use crate::integral::round_i64;
use crate::rng::{self, Stream};
use crate::types::{InstrumentId, Nanos, Price};

const STEP: Nanos = Nanos::from_millis(25);

/// How much a jump adds to the activity level, and how fast that fades.
const NEWS_SURGE: f64 = 1.5;
const NEWS_HALF_LIFE_S: f64 = 60.0;

/// Bounds of realised over average volatility in traders' response to it,
/// so that one wild or dead stretch cannot stop or flood the market.
const VOLATILITY_RATIO_RANGE: (f64, f64) = (0.25, 4.0);

#[derive(Clone, Debug)]
struct Walk {
    level: f64,
    /// Deviation of the log-variance from its mean.
    log_variance: f64,
    sigma_step: f64,
    /// The configured volatility, in ticks per square-root second.
    volatility: f64,
    /// Moving average of the squared moves, in ticks squared per second.
    realised_variance: f64,
    jump_probability: f64,
    jump_sigma: f64,
    min: i64,
    max: i64,
}

/// The self-exciting attention process, with an exponential kernel.
#[derive(Clone, Debug)]
struct Attention {
    /// The intensity in excess of the base rate, in events per second.
    excitation: f64,
    rng: Stream,
}

/// The intraday profile `0.6 + 1.2 (2x - 1)^2` at the fraction `x` of the
/// session elapsed (clamped to [0, 1]): 1.8 at the open and the close, 0.6
/// at midday, one on average.
pub(crate) fn intraday_profile(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    0.6 + 1.2 * (2.0 * x - 1.0).powi(2)
}

/// The highest value of [`intraday_profile`].
pub(crate) const INTRADAY_PEAK: f64 = 1.8;

/// The constants of one step of the processes, which depend only on the
/// configuration.
#[derive(Clone, Copy, Debug)]
struct StepFactors {
    /// How much of the log-variance's deviation survives a step.
    persistence: f64,
    /// The standard deviation of a step's shock to the log-variance.
    innovation: f64,
    /// The mean of the log-variance that makes the average variance one.
    mean: f64,
    /// How much of the news surge survives a step.
    news_decay: f64,
    /// How much of the realised variance's average survives a step.
    realised_decay: f64,
    /// How much of the attention's excitation survives a step.
    attention_decay: f64,
    /// The share of the variance on the attention clock.
    business_time: f64,
}

impl StepFactors {
    fn new(cfg: &WorldConfig) -> StepFactors {
        let step_secs = STEP.as_secs_f64();
        let decay = |half_life: Nanos| {
            let h = half_life.as_secs_f64().max(1e-9);
            (-std::f64::consts::LN_2 * step_secs / h).exp()
        };
        let persistence = decay(cfg.volatility_half_life);
        let vol_of_log_variance = cfg.volatility_of_log_variance;
        StepFactors {
            persistence,
            innovation: vol_of_log_variance * (1.0 - persistence * persistence).sqrt(),
            mean: -vol_of_log_variance * vol_of_log_variance / 2.0,
            news_decay: (-std::f64::consts::LN_2 * step_secs / NEWS_HALF_LIFE_S).exp(),
            realised_decay: decay(cfg.realised_volatility_half_life),
            attention_decay: decay(cfg.attention_half_life),
            business_time: cfg.business_time.clamp(0.0, 1.0),
        }
    }
}

/// The external reference prices.
#[derive(Clone, Debug)]
pub struct Reference {
    walks: Vec<Walk>,
    next_step: Nanos,
    rng: Stream,
    attention: Attention,
    cfg: WorldConfig,
    /// Worked out once: a wake that brings a step due would otherwise
    /// pay four exponentials for them.
    factors: StepFactors,
    session: Nanos,
    news: f64,
}

impl Reference {
    /// Starts every walk at its instrument's initial price, for a session
    /// of the given length.
    pub fn new(
        seed: u64,
        instruments: &[InstrumentConfig],
        world: &WorldConfig,
        session: Nanos,
    ) -> Reference {
        let step_secs = STEP.as_secs_f64();
        let walks = instruments
            .iter()
            .map(|i| Walk {
                level: i.initial_price.0 as f64,
                log_variance: 0.0,
                sigma_step: i.volatility * step_secs.sqrt(),
                volatility: i.volatility,
                realised_variance: i.volatility * i.volatility,
                jump_probability: i.jumps_per_hour * step_secs / 3600.0,
                jump_sigma: i.volatility * world.jump_scale,
                min: i.spec.min_price.0,
                max: i.spec.max_price.0,
            })
            .collect();
        Reference {
            walks,
            next_step: STEP,
            rng: rng::stream(seed, "reference", 0),
            attention: Attention { excitation: 0.0, rng: rng::stream(seed, "attention", 0) },
            cfg: world.clone(),
            factors: StepFactors::new(world),
            session,
            news: 0.0,
        }
    }

    /// Advances every walk up to and including `now`.
    #[inline]
    pub fn advance_to(&mut self, now: Nanos) {
        // Most wakes fall between two steps.
        if self.next_step <= now {
            self.step_to(now);
        }
    }

    /// Takes every step due up to and including `now`.
    fn step_to(&mut self, now: Nanos) {
        let step_secs = STEP.as_secs_f64();
        let StepFactors {
            persistence,
            innovation,
            mean,
            news_decay,
            realised_decay,
            attention_decay,
            business_time,
        } = self.factors;

        while self.next_step <= now {
            self.news *= news_decay;
            self.step_attention(step_secs, attention_decay);
            // Volatility has the same intraday U shape as activity
            // (Andersen and Bollerslev, "Intraday periodicity and volatility
            // persistence in financial markets", 1997).
            let clock = (1.0 - business_time + business_time * self.attention_level())
                * self.intraday_profile(self.next_step);
            let clock_sqrt = clock.sqrt();
            for walk in &mut self.walks {
                let shock: f64 = Normal::new(0.0, 1.0).map_or(0.0, |d| d.sample(&mut self.rng));
                walk.log_variance = persistence * walk.log_variance + innovation * shock;
                let sigma = walk.sigma_step * ((mean + walk.log_variance) / 2.0).exp() * clock_sqrt;
                let step = Normal::new(0.0, sigma).map_or(0.0, |d| d.sample(&mut self.rng));
                let jump = if rand::Rng::random_bool(&mut self.rng, walk.jump_probability.min(1.0))
                {
                    self.news += NEWS_SURGE;
                    Normal::new(0.0, walk.jump_sigma).map_or(0.0, |d| d.sample(&mut self.rng))
                } else {
                    0.0
                };
                let before = walk.level;
                walk.level = (walk.level + step + jump).clamp(walk.min as f64, walk.max as f64);
                let moved = walk.level - before;
                walk.realised_variance = realised_decay * walk.realised_variance
                    + (1.0 - realised_decay) * moved * moved / step_secs;
            }
            self.next_step += STEP;
        }
    }

    /// Draws the attention events of one step and lets the excitation of
    /// the earlier ones decay.
    fn step_attention(&mut self, step_secs: f64, decay: f64) {
        let rate = self.cfg.attention_rate;
        if rate <= 0.0 {
            return;
        }
        let branching = self.cfg.attention_branching.clamp(0.0, 0.99);
        let half_life = self.cfg.attention_half_life.as_secs_f64().max(1e-9);
        // With kernel `a e^(-bt)`, the branching ratio is `a / b`, and a base
        // rate of `rate (1 - branching)` gives a mean intensity of `rate`.
        let kernel_height = branching * std::f64::consts::LN_2 / half_life;
        let intensity = rate * (1.0 - branching) + self.attention.excitation;
        let events = Poisson::new((intensity * step_secs).max(1e-12))
            .map_or(0.0, |d| d.sample(&mut self.attention.rng));
        self.attention.excitation = self.attention.excitation * decay + kernel_height * events;
    }

    /// Returns the attention process's intensity over its mean: one on
    /// average.
    fn attention_level(&self) -> f64 {
        let rate = self.cfg.attention_rate;
        if rate <= 0.0 {
            return 1.0;
        }
        let branching = self.cfg.attention_branching.clamp(0.0, 0.99);
        (rate * (1.0 - branching) + self.attention.excitation) / rate
    }

    /// Returns how busy traders are now relative to an average moment of
    /// the session: the intraday profile times the attention process, the
    /// surge after news, and the response to realised volatility. The
    /// profile is `0.6 + 1.2 (2x - 1)^2` at the fraction `x` of the session
    /// elapsed, which averages one over the session.
    pub fn activity(&self, now: Nanos) -> f64 {
        self.intraday_profile(now)
            * (1.0 + self.news)
            * self.attention_level()
            * self.volatility_response()
    }

    /// Returns the intraday profile `0.6 + 1.2 (2x - 1)^2` at the fraction
    /// `x` of the session elapsed: busy at the open and the close, one on
    /// average.
    fn intraday_profile(&self, now: Nanos) -> f64 {
        let x =
            if self.session.0 == 0 { 0.5 } else { now.as_secs_f64() / self.session.as_secs_f64() };
        intraday_profile(x)
    }

    /// Returns traders' response to how much prices move: the mean over
    /// the instruments of realised over average volatility, raised to the
    /// configured power.
    fn volatility_response(&self) -> f64 {
        let exponent = self.cfg.volatility_response;
        // Summed in instrument order without collecting: traders ask for
        // this at every order.
        let (sum, moving) =
            self.walks.iter().filter(|w| w.volatility > 0.0).fold((0.0, 0usize), |(sum, n), w| {
                let (lo, hi) = VOLATILITY_RATIO_RANGE;
                (sum + (w.realised_variance.sqrt() / w.volatility).clamp(lo, hi), n + 1)
            });
        if exponent == 0.0 || moving == 0 {
            return 1.0;
        }
        (sum / moving as f64).powf(exponent)
    }

    /// Returns the realised volatility of an instrument's reference price:
    /// a moving average of its squared moves, in ticks per square-root
    /// second.
    ///
    /// # Panics
    ///
    /// Panics if the instrument does not exist.
    pub fn realised_volatility(&self, instrument: InstrumentId) -> f64 {
        self.walks[usize::from(instrument.0)].realised_variance.sqrt()
    }

    /// Returns an instrument's reference price, rounded to a tick.
    ///
    /// # Panics
    ///
    /// Panics if the instrument does not exist.
    pub fn price(&self, instrument: InstrumentId) -> Price {
        let walk = &self.walks[usize::from(instrument.0)];
        Price(round_i64(walk.level).clamp(walk.min, walk.max))
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

    /// A world with the stochastic volatility of the default market and no
    /// attention clustering.
    fn calm_world() -> WorldConfig {
        WorldConfig {
            jump_scale: 15.0,
            volatility_half_life: Nanos::from_secs(300),
            volatility_of_log_variance: 0.9,
            attention_rate: 0.0,
            attention_branching: 0.0,
            attention_half_life: Nanos::from_secs(20),
            business_time: 0.0,
            volatility_response: 0.0,
            realised_volatility_half_life: Nanos::from_secs(30),
        }
    }

    /// One-second returns of the reference over a long session.
    fn returns(seconds: u64) -> Vec<f64> {
        let mut reference =
            Reference::new(7, &[instrument(10.0)], &calm_world(), Nanos::from_secs(seconds));
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
        let mut reference = Reference::new(1, &[instrument(1.0)], &calm_world(), session);
        let open = reference.activity(Nanos(0));
        let noon = reference.activity(Nanos::from_secs(500));
        let close = reference.activity(session);
        assert!(open > 1.5 * noon && close > 1.5 * noon, "{open} {noon} {close}");
        reference.news = NEWS_SURGE;
        assert!(reference.activity(Nanos::from_secs(500)) > 2.0 * noon);
        reference.advance_to(Nanos::from_secs(600));
        assert!(reference.news < NEWS_SURGE * 0.25, "news fades: {}", reference.news);
    }

    #[test]
    fn attention_clusters_and_averages_one() {
        let mut world = calm_world();
        world.attention_rate = 0.5;
        world.attention_branching = 0.8;
        let seconds = 40_000;
        let mut reference =
            Reference::new(3, &[instrument(1.0)], &world, Nanos::from_secs(seconds));
        let levels: Vec<f64> = (1..=seconds)
            .map(|s| {
                reference.advance_to(Nanos::from_secs(s));
                reference.attention_level()
            })
            .collect();
        let n = levels.len() as f64;
        let mean = levels.iter().sum::<f64>() / n;
        assert!((0.8..1.2).contains(&mean), "mean attention {mean:.3}");

        // Busy seconds follow busy seconds.
        let var = levels.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let cov10 =
            levels.iter().zip(&levels[10..]).map(|(x, y)| (x - mean) * (y - mean)).sum::<f64>()
                / (n - 10.0);
        assert!(var > 0.05, "attention variance {var:.3}");
        assert!(cov10 / var > 0.3, "autocorrelation at 10 s: {:.3}", cov10 / var);
    }

    #[test]
    fn realised_volatility_tracks_the_moves() {
        let mut reference =
            Reference::new(5, &[instrument(4.0)], &calm_world(), Nanos::from_secs(600));
        reference.advance_to(Nanos::from_secs(600));
        let realised = reference.realised_volatility(InstrumentId(0));
        assert!((1.0..16.0).contains(&realised), "realised volatility {realised:.2}");
    }
}
