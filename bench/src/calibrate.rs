//! Meets a scenario's target share of API volume.
//!
//! A scenario names the share of traded value that API orders should make
//! up (both sides of every trade counted). The participants' mix gives some
//! share; the harness moves it to the target by scaling retail traders'
//! order sizes, the knob that moves retail volume without changing who
//! trades or how often. Over the range surveil simulates, the log-odds of
//! the realised share fall almost linearly in the logarithm of the retail
//! size multiplier (a slope of about -0.92 on the default market), so a
//! first correction uses that slope and later ones the secant through the
//! runs made so far.
//!
//! Every step is a function of earlier runs of the same scenario and seed,
//! so a calibrated run is as deterministic as an uncalibrated one.

/// How far the realised share may be from the target before another run
/// is made, in share points (0.0075 is three quarters of a point).
pub const TOLERANCE: f64 = 0.0075;

/// The most tries made to meet a target. If none meets it, the closest is
/// reported; a run keeps one try's output at a time, so when the closest
/// was not the last try it is made once more, for five runs in all.
pub const MAX_RUNS: usize = 4;

/// The slope of log-odds of the share against the log of the retail size
/// multiplier, measured on the default market, used for the first step.
const FIRST_SLOPE: f64 = -0.92;

/// Keeps multipliers within what the simulated sizes can express.
const MULTIPLIER_RANGE: (f64, f64) = (0.01, 100.0);

/// One run: the retail size multiplier used and the share it gave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    /// The retail size multiplier.
    pub multiplier: f64,
    /// The realised API share of traded value.
    pub share: f64,
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(0.001, 0.999);
    (p / (1.0 - p)).ln()
}

/// Tells whether a share is close enough to the target.
pub fn meets(share: f64, target: f64) -> bool {
    (share - target).abs() <= TOLERANCE
}

/// Returns the retail size multiplier for the next run, from the runs made
/// so far (at least one): the fitted slope after one run, the secant
/// through the last two after that.
///
/// # Panics
///
/// Panics if `probes` is empty.
pub fn next_multiplier(probes: &[Probe], target: f64) -> f64 {
    let last = probes[probes.len() - 1];
    let slope = match probes {
        [.., a, b] if (b.multiplier.ln() - a.multiplier.ln()).abs() > 1e-9 => {
            let s = (logit(b.share) - logit(a.share)) / (b.multiplier.ln() - a.multiplier.ln());
            // The market's response is locally noisy (sizes are whole
            // lots, often round), so a secant through two close runs can be
            // nearly flat; keep it within a factor of two of the fitted
            // slope, and never pointing the wrong way.
            s.clamp(2.0 * FIRST_SLOPE, 0.5 * FIRST_SLOPE)
        }
        _ => FIRST_SLOPE,
    };
    let log_m = last.multiplier.ln() + (logit(target) - logit(last.share)) / slope;
    log_m.exp().clamp(MULTIPLIER_RANGE.0, MULTIPLIER_RANGE.1)
}

/// The search for a retail size multiplier that meets a target share, one
/// run at a time: each run is recorded, and the search says what to do
/// next. `surveil run`, `surveil generate` and `surveil whatif` share it,
/// so that they settle on the same market.
#[derive(Clone, Debug)]
pub struct Search {
    target: f64,
    probes: Vec<Probe>,
}

/// What a [`Search`] asks for after a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    /// The run met the target.
    Met,
    /// The run missed the target; run again with this multiplier.
    Again(f64),
    /// [`MAX_RUNS`] tries missed the target.
    GiveUp {
        /// The try whose share came nearest, counted from 0 (the first of
        /// equals).
        closest: usize,
        /// The multiplier that try used.
        multiplier: f64,
    },
}

impl Search {
    /// Starts a search for `target`, the share of API volume wanted.
    pub fn new(target: f64) -> Search {
        Search { target, probes: Vec::new() }
    }

    /// Records a run made with `multiplier` that gave `share`, and says
    /// what to do next.
    pub fn record(&mut self, multiplier: f64, share: f64) -> Next {
        self.probes.push(Probe { multiplier, share });
        if meets(share, self.target) {
            return Next::Met;
        }
        if self.probes.len() < MAX_RUNS {
            return Next::Again(next_multiplier(&self.probes, self.target));
        }
        let off = |p: &Probe| (p.share - self.target).abs();
        let (closest, probe) = self
            .probes
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| off(a).total_cmp(&off(b)))
            .expect("a run was just recorded");
        Next::GiveUp { closest, multiplier: probe.multiplier }
    }

    /// Returns the number of runs recorded.
    pub fn tries(&self) -> usize {
        self.probes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A market whose share follows the model exactly, with another slope
    /// and offset than the first guess assumes.
    fn market(multiplier: f64) -> f64 {
        let l = 0.4 - 1.3 * multiplier.ln();
        1.0 / (1.0 + (-l).exp())
    }

    #[test]
    fn a_share_within_tolerance_needs_no_further_run() {
        assert!(meets(0.295, 0.30));
        assert!(!meets(0.31, 0.30));
    }

    #[test]
    fn steps_converge_on_a_market_of_another_slope() {
        for target in [0.10, 0.30, 0.60] {
            let mut probes = vec![Probe { multiplier: 1.0, share: market(1.0) }];
            while !meets(probes[probes.len() - 1].share, target) {
                assert!(probes.len() < MAX_RUNS, "target {target}: {probes:?}");
                let m = next_multiplier(&probes, target);
                probes.push(Probe { multiplier: m, share: market(m) });
            }
        }
    }

    #[test]
    fn a_flat_secant_does_not_throw_the_next_step_far_away() {
        // Two close runs that moved the share by almost nothing.
        let probes =
            [Probe { multiplier: 4.9, share: 0.109 }, Probe { multiplier: 5.45, share: 0.108 }];
        let next = next_multiplier(&probes, 0.10);
        assert!((5.45..7.0).contains(&next), "{next}");
    }

    #[test]
    fn a_search_gives_up_after_its_tries_on_the_closest_one() {
        let mut search = Search::new(0.30);
        assert_eq!(search.record(1.0, 0.30), Next::Met);
        let mut search = Search::new(0.30);
        let shares = [0.40, 0.25, 0.27, 0.35];
        let mut next = Next::Met;
        for (i, share) in shares.into_iter().enumerate() {
            next = search.record(1.0 + i as f64, share);
            if i + 1 < MAX_RUNS {
                assert!(matches!(next, Next::Again(_)), "{next:?}");
            }
        }
        assert_eq!(next, Next::GiveUp { closest: 2, multiplier: 3.0 });
        assert_eq!(search.tries(), MAX_RUNS);
    }

    #[test]
    fn more_retail_volume_means_a_larger_multiplier() {
        let probe = [Probe { multiplier: 1.0, share: 0.3 }];
        assert!(next_multiplier(&probe, 0.1) > 1.0);
        assert!(next_multiplier(&probe, 0.6) < 1.0);
    }
}
