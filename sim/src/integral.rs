//! Rounding a float to an integer, exactly as the standard library's
//! `floor`, `ceil` and `round` followed by a saturating `as i64` do, but
//! without calling them.
//!
//! On a plain x86-64 target (no SSE4.1) those three are calls into the
//! maths library, and the participants make several on every wake. Here
//! the float is truncated by the conversion instruction and the result is
//! corrected by one comparison. Every float gives the same integer as the
//! library's rounding followed by `as i64` (NaN gives 0, values out of
//! range saturate), which the tests check on random bit patterns, so the
//! event stream cannot tell the two apart.

/// Below this magnitude a float may have a fraction; at or above it every
/// float is an integer.
const FRACTIONAL_BELOW: f64 = 4_503_599_627_370_496.0; // 2^52

/// Returns `x.floor() as i64`.
#[inline]
pub fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    // Truncation moved a negative fraction up; an integer or a positive
    // fraction is already where floor puts it.
    if (t as f64) > x { t.saturating_sub(1) } else { t }
}

/// Returns `x.ceil() as i64`.
#[inline]
pub fn ceil_i64(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) < x { t.saturating_add(1) } else { t }
}

/// Returns `x.round() as i64`: halves round away from zero.
#[inline]
pub fn round_i64(x: f64) -> i64 {
    let t = x as i64;
    if x.is_nan() || x.abs() >= FRACTIONAL_BELOW {
        // NaN, an infinity or an integer: the conversion alone agrees.
        return t;
    }
    // Below 2^52 the truncation is exact and so is the difference, which
    // lies strictly between -1 and 1.
    let fraction = x - t as f64;
    if fraction >= 0.5 {
        t + 1
    } else if fraction <= -0.5 {
        t - 1
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Floats at the edges: halves, neighbours of halves and integers,
    /// the limits of exactness and of `i64`, infinities and NaN.
    fn edges() -> Vec<f64> {
        let mut xs = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN,
            FRACTIONAL_BELOW,
            i64::MAX as f64,
            i64::MIN as f64,
        ];
        for base in [0.5, 1.0, 1.5, 2.5, 1e15 + 0.5, FRACTIONAL_BELOW / 2.0 + 0.5] {
            for x in [base, f64::from_bits(base.to_bits() - 1), f64::from_bits(base.to_bits() + 1)]
            {
                xs.extend([x, -x]);
            }
        }
        xs
    }

    fn agrees(x: f64) -> Result<(), TestCaseError> {
        prop_assert_eq!(floor_i64(x), x.floor() as i64, "floor of {:e}", x);
        prop_assert_eq!(ceil_i64(x), x.ceil() as i64, "ceil of {:e}", x);
        prop_assert_eq!(round_i64(x), x.round() as i64, "round of {:e}", x);
        Ok(())
    }

    #[test]
    fn edge_values_round_as_the_library_does() {
        for x in edges() {
            agrees(x).unwrap();
        }
    }

    proptest! {
        /// Any bit pattern at all: every exponent, NaNs and infinities.
        #[test]
        fn any_float_rounds_as_the_library_does(bits in any::<u64>()) {
            agrees(f64::from_bits(bits))?;
        }

        /// Floats of the sizes prices and quantities have, with fractions.
        #[test]
        fn market_sized_floats_round_as_the_library_does(x in -1e7_f64..1e7) {
            agrees(x)?;
            agrees(x.trunc() + 0.5)?;
        }
    }
}
