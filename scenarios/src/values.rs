//! Scalar values that validate themselves as they are read.
//!
//! A value out of range is refused while the TOML is parsed, so the error
//! carries the exact position of the offending value in the file.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A fraction in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Share(pub f64);

/// A finite, non-negative number: a rate, a mean, a multiplier.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct NonNegative(pub f64);

/// A finite, strictly positive number.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Positive(pub f64);

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    // TOML distinguishes integers from floats; a scenario author should not
    // have to write `2.0` where `2` is meant.
    struct Number;
    impl serde::de::Visitor<'_> for Number {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
    }
    d.deserialize_any(Number)
}

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Share, D::Error> {
        let v = number(d)?;
        if (0.0..=1.0).contains(&v) {
            Ok(Share(v))
        } else {
            Err(serde::de::Error::custom(format!("expected a share between 0 and 1, found {v}")))
        }
    }
}

impl<'de> Deserialize<'de> for NonNegative {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NonNegative, D::Error> {
        let v = number(d)?;
        if v.is_finite() && v >= 0.0 {
            Ok(NonNegative(v))
        } else {
            Err(serde::de::Error::custom(format!("expected a number of zero or more, found {v}")))
        }
    }
}

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Positive, D::Error> {
        let v = number(d)?;
        if v.is_finite() && v > 0.0 {
            Ok(Positive(v))
        } else {
            Err(serde::de::Error::custom(format!("expected a number above zero, found {v}")))
        }
    }
}

/// How hard a kind's episodes try to hide: the share of them, in `[0, 1]`,
/// that use the kind's disguises. Written as a number or as a level:
/// `easy` (none), `medium` (a quarter) or `hard` (all).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Stealth(pub f64);

impl Stealth {
    /// No episode disguised.
    pub const EASY: Stealth = Stealth(0.0);
    /// A quarter of the episodes disguised.
    pub const MEDIUM: Stealth = Stealth(0.25);
    /// Every episode disguised.
    pub const HARD: Stealth = Stealth(1.0);
}

impl<'de> Deserialize<'de> for Stealth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Stealth, D::Error> {
        struct Level;
        impl serde::de::Visitor<'_> for Level {
            type Value = Stealth;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`easy`, `medium`, `hard` or a share between 0 and 1")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Stealth, E> {
                match v {
                    "easy" => Ok(Stealth::EASY),
                    "medium" => Ok(Stealth::MEDIUM),
                    "hard" => Ok(Stealth::HARD),
                    other => Err(E::custom(format!(
                        "expected `easy`, `medium`, `hard` or a share between 0 and 1, \
                         found `{other}`"
                    ))),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Stealth, E> {
                if (0.0..=1.0).contains(&v) {
                    Ok(Stealth(v))
                } else {
                    Err(E::custom(format!(
                        "expected `easy`, `medium`, `hard` or a share between 0 and 1, found {v}"
                    )))
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Stealth, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Stealth, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(Level)
    }
}
