//! Fact 11: how activity is spread over the session.
//!
//! The session is cut into [`SLICES`] equal slices of its own length, so
//! that a simulated hour and a 6.5-hour exchange day compare on the same
//! normalised clock: slice 1 is the first thirteenth of either. Activity is
//! the number of messages a source shows (new resting orders,
//! cancellations and executions). Each slice's activity rate (messages per
//! second) is divided by the rate over the whole session, so a flat
//! session reads 1 in every slice and the slices average 1 whatever the
//! market's size.
//!
//! Real equity days are U-shaped: busier after the open and before the
//! close than at midday (Admati and Pfleiderer, "A theory of intraday
//! patterns", Review of Financial Studies, 1988, document the pattern).
//! Reported are the opening slice, the closing slice, the mean of the
//! middle five slices (5 to 9), and the U ratio: the mean of the opening
//! and closing slices over that midday mean. A flat session has a U ratio
//! of 1. The comparison with a real day also reports the mean absolute
//! difference between the two normalised profiles, slice by slice.
//!
//! Messages are counted by the second they fall in, so a slice boundary
//! is placed to within a second; the shortest sessions that can be sliced
//! are [`SLICES`] seconds long.

/// The number of equal slices the session is cut into: 13, which makes
/// each slice of a 6.5-hour exchange day half an hour.
pub const SLICES: usize = 13;

/// The slices (counted from 0) whose mean is the midday level: the middle
/// five.
pub const MIDDAY: std::ops::RangeInclusive<usize> = 4..=8;

/// Fact 11.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntradayFacts {
    /// Each slice's activity rate over the session's, in session order.
    pub profile: Option<[f64; SLICES]>,
    /// The first slice's normalised activity.
    pub opening: Option<f64>,
    /// The last slice's normalised activity.
    pub closing: Option<f64>,
    /// The mean normalised activity of the middle slices.
    pub midday: Option<f64>,
    /// The mean of the opening and closing slices over the midday mean.
    pub u_ratio: Option<f64>,
}

impl IntradayFacts {
    /// Computes fact 11 from the messages in each second of a session of
    /// `session_s` seconds.
    pub fn compute(per_second: &[u64], session_s: f64) -> IntradayFacts {
        let seconds = (session_s.ceil() as usize).max(per_second.len());
        let total: u64 = per_second.iter().sum();
        if seconds < SLICES || total == 0 {
            return IntradayFacts::default();
        }

        let (mut counts, mut lengths) = ([0u64; SLICES], [0u64; SLICES]);
        for second in 0..seconds {
            let slice = second * SLICES / seconds;
            counts[slice] += per_second.get(second).copied().unwrap_or(0);
            lengths[slice] += 1;
        }
        let session_rate = total as f64 / seconds as f64;
        let profile: [f64; SLICES] =
            std::array::from_fn(|i| counts[i] as f64 / lengths[i] as f64 / session_rate);

        let midday = profile[MIDDAY].iter().sum::<f64>() / MIDDAY.count() as f64;
        let (opening, closing) = (profile[0], profile[SLICES - 1]);
        IntradayFacts {
            profile: Some(profile),
            opening: Some(opening),
            closing: Some(closing),
            midday: Some(midday),
            u_ratio: (midday > 0.0).then(|| (opening + closing) / 2.0 / midday),
        }
    }

    /// Returns the mean absolute difference between two normalised
    /// profiles, slice by slice.
    pub fn distance(&self, other: &IntradayFacts) -> Option<f64> {
        let (a, b) = (self.profile?, other.profile?);
        Some(a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / SLICES as f64)
    }
}

#[cfg(test)]
mod tests {
    use surveil_sim::{Nanos, OrderId, Qty};

    use super::*;
    use crate::facts::collector::{BookSnapshot, Collector};

    #[test]
    fn a_steady_stream_is_flat_whatever_the_session_length() {
        for seconds in [900u64, 3_600, 23_400] {
            let mut c = Collector::new(Nanos(0), 1);
            for s in 0..seconds {
                c.advance(Nanos::from_secs(s) + Nanos(1), &BookSnapshot::default());
                c.new_order(OrderId(s), Qty(1));
                c.cancel(OrderId(s), Qty(1), true);
            }
            let m = c.finish(Nanos::from_secs(seconds), &BookSnapshot::default());
            let profile = m.intraday.profile.unwrap();
            assert!(profile.iter().all(|x| (x - 1.0).abs() < 1e-9), "{seconds} s: {profile:?}");
            assert!((m.intraday.u_ratio.unwrap() - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn a_u_shaped_day_has_the_u_ratio_of_its_rates() {
        // A 6.5-hour day in half-hour slices: the opening slice trades at 3
        // messages a second, the closing one at 2, the rest at 1. The
        // session rate is 16/13, so the opening slice reads 3 × 13/16.
        let slice = 1_800;
        let mut per_second = vec![1u64; 13 * slice];
        per_second[..slice].fill(3);
        per_second[12 * slice..].fill(2);
        let f = IntradayFacts::compute(&per_second, 23_400.0);
        assert!((f.opening.unwrap() - 39.0 / 16.0).abs() < 1e-12);
        assert!((f.closing.unwrap() - 26.0 / 16.0).abs() < 1e-12);
        assert!((f.midday.unwrap() - 13.0 / 16.0).abs() < 1e-12);
        assert!((f.u_ratio.unwrap() - 2.5).abs() < 1e-12);

        let flat = IntradayFacts::compute(&vec![5; 13 * 60], 780.0);
        // |39/16 − 1| + |26/16 − 1| + 11 × |13/16 − 1|, over 13 slices.
        let expected = (23.0 / 16.0 + 10.0 / 16.0 + 11.0 * 3.0 / 16.0) / 13.0;
        assert!((f.distance(&flat).unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn a_session_without_activity_has_no_profile() {
        assert_eq!(IntradayFacts::compute(&[], 3_600.0), IntradayFacts::default());
        assert_eq!(IntradayFacts::compute(&[1; 5], 5.0), IntradayFacts::default());
    }
}
