//! Per-neuron random streams.
//!
//! Every neuron owns a xoshiro128++ generator (`rand_xoshiro`), 16 bytes of state stored in the
//! neuron's state like any other variable. Its seed is a fixed function of `(seed, neuron
//! index)`, so a neuron draws the same numbers whatever the population's size, its split into
//! blocks or threads, or the backend: a Cortex-M, a CPU thread and a GPU thread all replay the
//! same stream.

use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro128PlusPlus;

/// The state of one neuron's generator: xoshiro128++'s four words, plain data so it can live
/// in state slices, device buffers and firmware RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(transparent)]
pub struct RngState(pub [u32; 4]);

/// SplitMix64's output function: a bijective 64-bit mixer with full avalanche.
#[inline]
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

impl RngState {
    /// The stream of neuron `index` under `seed`:
    /// `w0 = mix64(seed + (2 index + 1) G)`, `w1 = mix64(w0 ^ (seed + (2 index + 2) G))`,
    /// with `G = 0x9e3779b97f4a7c15`; the 16 seed bytes are `w0, w1` little-endian.
    pub fn for_neuron(seed: u64, index: u64) -> Self {
        let a =
            mix64(seed.wrapping_add(index.wrapping_mul(2).wrapping_add(1).wrapping_mul(GOLDEN)));
        let b = mix64(
            a ^ seed.wrapping_add(index.wrapping_mul(2).wrapping_add(2).wrapping_mul(GOLDEN)),
        );
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&b.to_le_bytes());
        Self::from_generator(&Xoshiro128PlusPlus::from_seed(bytes))
    }

    #[inline]
    fn from_generator(g: &Xoshiro128PlusPlus) -> Self {
        let b = g.state();
        let w = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
        Self([w(0), w(1), w(2), w(3)])
    }

    /// Next 32 random bits: one xoshiro128++ step on the four words as they are stored.
    ///
    /// This is `Xoshiro128PlusPlus::next_u32` written out: the crate exposes its state only
    /// as bytes, and converting to and from them on every draw (an out-of-line `state()`)
    /// costs more than the draw itself. The tests check it against the crate draw for draw
    /// (figures: docs/performance.md).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let s = &mut self.0;
        let out = s[0].wrapping_add(s[3]).rotate_left(7).wrapping_add(s[0]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        out
    }

    /// Next 64 random bits (two 32-bit draws, low word first).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let lo = u64::from(self.next_u32());
        lo | (u64::from(self.next_u32()) << 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    impl RngState {
        /// The crate's generator in this state.
        fn generator(&self) -> Xoshiro128PlusPlus {
            let mut bytes = [0u8; 16];
            for (chunk, word) in bytes.chunks_exact_mut(4).zip(self.0) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            Xoshiro128PlusPlus::from_seed(bytes)
        }
    }

    #[test]
    fn streams_differ_by_seed_and_index_and_are_reproducible() {
        let a = RngState::for_neuron(7, 0);
        assert_eq!(a, RngState::for_neuron(7, 0));
        assert_ne!(a, RngState::for_neuron(7, 1));
        assert_ne!(a, RngState::for_neuron(8, 0));
        assert_ne!(a, RngState::default());
    }

    #[test]
    fn stepping_through_state_equals_the_crate_generator() {
        for (seed, index) in [(1, 2), (0, 0), (u64::MAX, 12_345), (0x5eed, 1 << 40)] {
            let mut s = RngState::for_neuron(seed, index);
            let mut g = s.generator();
            for k in 0..1000 {
                if k % 7 == 3 {
                    assert_eq!(s.next_u64(), g.next_u64());
                } else {
                    assert_eq!(s.next_u32(), g.next_u32());
                }
            }
            assert_eq!(s, RngState::from_generator(&g));
        }
    }
}
