//! Random streams.
//!
//! Every participant and every background process draws from its own
//! stream, derived from the scenario seed and a stable name: a role and an
//! index within that role. Adding a participant therefore leaves every other
//! participant's draws unchanged. The generator is ChaCha with 8 rounds from
//! `rand_chacha`, whose output is fixed by the ChaCha specification; the
//! 256-bit seed is a BLAKE3 key derivation of the scenario seed and the
//! stream's name.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every stream uses.
pub type Stream = ChaCha8Rng;

/// Derives the stream for `(seed, role, index)`.
pub fn stream(seed: u64, role: &str, index: u64) -> Stream {
    let mut hasher = blake3::Hasher::new_derive_key("surveil 2026 random stream v1");
    hasher.update(&seed.to_le_bytes());
    hasher.update(&(role.len() as u64).to_le_bytes());
    hasher.update(role.as_bytes());
    hasher.update(&index.to_le_bytes());
    ChaCha8Rng::from_seed(*hasher.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use rand::RngCore;

    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a1 = stream(7, "retail", 0).next_u64();
        let a2 = stream(7, "retail", 0).next_u64();
        let b = stream(7, "retail", 1).next_u64();
        let c = stream(8, "retail", 0).next_u64();
        let d = stream(7, "maker", 0).next_u64();
        assert_eq!(a1, a2);
        assert!(a1 != b && a1 != c && a1 != d);
    }

    /// Guards the stream derivation and the generator together: if either
    /// changes, every dataset ever generated changes with it.
    #[test]
    fn stream_output_is_pinned() {
        let mut s = stream(42, "retail", 3);
        let got: Vec<u64> = (0..3).map(|_| s.next_u64()).collect();
        assert_eq!(got, PINNED.to_vec());
    }

    const PINNED: [u64; 3] =
        [4_326_168_183_137_293_601, 12_201_249_685_929_994_871, 5_424_376_909_991_172_813];
}
