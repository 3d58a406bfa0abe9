//! A histogram of sampled per-event latencies, of a fixed size however
//! long the run.
//!
//! Latencies under [`EXACT_NS`] nanoseconds each have a bucket of their
//! own; above it, each power of two is split into [`SUB_BUCKETS`] equal
//! buckets, so a value is known to within one part in 64. Percentiles are
//! taken by the nearest-rank method and reported as the lowest latency of
//! the bucket the rank falls in: exact below [`EXACT_NS`], and at most
//! 1.6% low above it.

/// Latencies below this many nanoseconds are counted exactly.
pub const EXACT_NS: u32 = 4096;

/// Buckets per power of two above [`EXACT_NS`].
pub const SUB_BUCKETS: u32 = 64;

const EXACT_BITS: u32 = EXACT_NS.trailing_zeros();
const SUB_BITS: u32 = SUB_BUCKETS.trailing_zeros();
const BUCKETS: usize = (EXACT_NS + (32 - EXACT_BITS) * SUB_BUCKETS) as usize;

/// Counts of latencies by bucket.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
}

impl Default for LatencyHistogram {
    fn default() -> LatencyHistogram {
        LatencyHistogram { counts: vec![0; BUCKETS], total: 0 }
    }
}

impl LatencyHistogram {
    /// Counts one latency, in nanoseconds.
    pub fn record(&mut self, ns: u32) {
        self.counts[bucket(ns)] += 1;
        self.total += 1;
    }

    /// Returns the number of latencies counted.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Returns whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Returns the `percent` percentile by the nearest-rank method, as the
    /// lowest latency of its bucket, or 0 when nothing was counted.
    pub fn percentile(&self, percent: u64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = (percent.min(100) * self.total).div_ceil(100).max(1);
        let mut seen = 0;
        for (i, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return f64::from(lowest(i));
            }
        }
        f64::from(lowest(BUCKETS - 1))
    }
}

/// Returns the bucket of a latency.
fn bucket(ns: u32) -> usize {
    if ns < EXACT_NS {
        return ns as usize;
    }
    let power = 31 - ns.leading_zeros();
    let sub = (ns >> (power - SUB_BITS)) & (SUB_BUCKETS - 1);
    (EXACT_NS + (power - EXACT_BITS) * SUB_BUCKETS + sub) as usize
}

/// Returns the lowest latency that falls in a bucket.
fn lowest(bucket: usize) -> u32 {
    let b = bucket as u32;
    if b < EXACT_NS {
        return b;
    }
    let above = b - EXACT_NS;
    let power = EXACT_BITS + above / SUB_BUCKETS;
    let sub = above % SUB_BUCKETS;
    (1 << power) | (sub << (power - SUB_BITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_latencies_are_exact_and_large_ones_within_one_part_in_64() {
        for ns in [0, 1, 100, 4095, 4096, 5000, 123_456, 9_999_999, u32::MAX] {
            let low = lowest(bucket(ns));
            assert!(low <= ns, "{ns}");
            if ns < EXACT_NS {
                assert_eq!(low, ns);
            } else {
                assert!(f64::from(ns - low) <= f64::from(ns) / 64.0, "{ns} -> {low}");
            }
        }
        assert_eq!(bucket(u32::MAX), BUCKETS - 1);
    }

    #[test]
    fn the_99th_percentile_is_the_nearest_rank() {
        let mut h = LatencyHistogram::default();
        assert_eq!(h.percentile(99), 0.0);
        for ns in 1..=1000 {
            h.record(ns);
        }
        // The 990th smallest of 1 to 1,000.
        assert_eq!(h.percentile(99), 990.0);
        h.record(1_000_000);
        assert_eq!(h.len(), 1001);
        assert_eq!(h.percentile(100), f64::from(lowest(bucket(1_000_000))));
    }
}
