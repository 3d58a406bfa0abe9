//! Abusive participants, one module per kind of abuse.
//!
//! Each kind is a family of agents. A scenario sets, per kind, how many
//! episodes there are, the relative weights of the kind's variants, the
//! parameters of their intensity, and a stealth share in `[0, 1]`: that
//! share of the kind's episodes (rounded, chosen at random) is *disguised*,
//! acting with the kind's stealth tactics; the rest act plainly. The
//! variants are dealt to episodes in proportion to their weights, so a
//! dozen episodes over three equal variants give four of each.
//!
//! Every agent records its episode in the ground truth as it acts: its kind
//! and variant, the accounts and keys involved, every order it places and
//! the address it came from, the first public evidence, the payoff where
//! there is one, and the end (its last public event).
//!
//! Abusive accounts are drawn from the same id generator as everyone else
//! and at the same moment of the build as they would be if honest, so an
//! account's id, its position in the roster and its order ids say nothing
//! about its role (see the leakage test in `bench/tests/abuse.rs`).

mod build;
mod key_sharing;
mod micro_burst;
mod ordinary;
mod pump;
mod spoofing;
mod wash_trading;

use rand::Rng;
use rand::seq::SliceRandom;

pub(crate) use self::build::build;
pub(crate) use self::key_sharing::KeySharingOperator;
pub(crate) use self::micro_burst::MicroBurster;
pub(crate) use self::pump::PumpGroup;
pub(crate) use self::spoofing::Spoofer;
pub(crate) use self::wash_trading::WashRing;
use crate::rng::{self, Stream};
use crate::types::Nanos;

/// The time window an abusive agent is active in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub(crate) start: Nanos,
    pub(crate) end: Nanos,
}

/// What one episode of a kind is to be: its variant, by index into the
/// kind's variant list, and whether it is disguised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EpisodePlan {
    pub(crate) variant: usize,
    pub(crate) disguised: bool,
}

/// Plans the episodes of one kind: variants dealt in proportion to
/// `weights` (each next episode goes to the variant furthest below its
/// share so far), then shuffled; and `stealth` of the episodes, rounded,
/// disguised, chosen at random.
pub(crate) fn plan(
    seed: u64,
    kind: &str,
    episodes: u32,
    weights: &[f64],
    stealth: f64,
) -> Vec<EpisodePlan> {
    let n = episodes as usize;
    let total: f64 = weights.iter().sum();
    let mut dealt = vec![0usize; weights.len()];
    let mut variants = Vec::with_capacity(n);
    for e in 0..n {
        let deficit = |i: usize| weights[i] / total.max(f64::MIN_POSITIVE) * (e + 1) as f64;
        let mut best = 0;
        for i in 0..weights.len() {
            let gap = deficit(i) - dealt[i] as f64;
            if weights[i] > 0.0
                && (weights[best] <= 0.0 || gap > deficit(best) - dealt[best] as f64)
            {
                best = i;
            }
        }
        dealt[best] += 1;
        variants.push(best);
    }

    let mut s: Stream = rng::stream(seed, "abuse_plan", kind_index(kind));
    variants.shuffle(&mut s);
    let disguised = ((n as f64) * stealth.clamp(0.0, 1.0)).round() as usize;
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut s);
    let mut plans: Vec<EpisodePlan> =
        variants.into_iter().map(|variant| EpisodePlan { variant, disguised: false }).collect();
    for &i in &order[..disguised] {
        plans[i].disguised = true;
    }
    // One more draw keeps the stream's use fixed whatever the counts.
    let _: u64 = s.random();
    plans
}

/// A stable index per kind, naming its planning stream.
fn kind_index(kind: &str) -> u64 {
    kind.bytes().fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_dealt_in_proportion_to_their_weights() {
        let plans = plan(1, "spoofing", 12, &[1.0, 1.0, 2.0], 0.25);
        let count = |v: usize| plans.iter().filter(|p| p.variant == v).count();
        assert_eq!((count(0), count(1), count(2)), (3, 3, 6));
        assert_eq!(plans.iter().filter(|p| p.disguised).count(), 3);
    }

    #[test]
    fn a_variant_of_weight_zero_is_never_dealt() {
        let plans = plan(3, "pump", 7, &[0.0, 1.0], 1.0);
        assert!(plans.iter().all(|p| p.variant == 1 && p.disguised));
    }
}
