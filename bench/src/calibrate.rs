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
    fn more_retail_volume_means_a_larger_multiplier() {
        let probe = [Probe { multiplier: 1.0, share: 0.3 }];
        assert!(next_multiplier(&probe, 0.1) > 1.0);
        assert!(next_multiplier(&probe, 0.6) < 1.0);
    }
}
