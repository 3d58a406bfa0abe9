//! The world outside the exchange: an external reference price per
//! instrument, such as the price on larger foreign venues.
//!
//! Each reference price is a random walk in ticks, stepped every 100 ms,
//! with rare jumps. Market makers quote around it and arbitrageurs trade the
//! book back toward it, which anchors the simulated books. It is drawn from
//! its own random stream, so it depends only on the seed and the time.

use rand_distr::{Distribution, Normal};

use crate::config::InstrumentConfig;
use crate::rng::{self, Stream};
use crate::types::{InstrumentId, Nanos, Price};

const STEP: Nanos = Nanos::from_millis(100);

/// Size of a jump relative to one second's volatility.
const JUMP_SCALE: f64 = 15.0;

#[derive(Clone, Debug)]
struct Walk {
    level: f64,
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
}

impl Reference {
    /// Starts every walk at its instrument's initial price.
    pub fn new(seed: u64, instruments: &[InstrumentConfig]) -> Reference {
        let step_secs = STEP.as_secs_f64();
        let walks = instruments
            .iter()
            .map(|i| Walk {
                level: i.initial_price.0 as f64,
                sigma_step: i.volatility * step_secs.sqrt(),
                jump_probability: i.jumps_per_hour * step_secs / 3600.0,
                jump_sigma: i.volatility * JUMP_SCALE,
                min: i.spec.min_price.0,
                max: i.spec.max_price.0,
            })
            .collect();
        Reference { walks, next_step: STEP, rng: rng::stream(seed, "reference", 0) }
    }

    /// Advances every walk up to and including `now`.
    pub fn advance_to(&mut self, now: Nanos) {
        while self.next_step <= now {
            for walk in &mut self.walks {
                let step =
                    Normal::new(0.0, walk.sigma_step).map_or(0.0, |d| d.sample(&mut self.rng));
                let jump = if rand::Rng::random_bool(&mut self.rng, walk.jump_probability.min(1.0))
                {
                    Normal::new(0.0, walk.jump_sigma).map_or(0.0, |d| d.sample(&mut self.rng))
                } else {
                    0.0
                };
                walk.level = (walk.level + step + jump).clamp(walk.min as f64, walk.max as f64);
            }
            self.next_step += STEP;
        }
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
