//! Random bits that every backend reproduces.
//!
//! Two generators, for two needs:
//!
//! - **Model state** ([`RngState`]): a neuron whose own dynamics draw (stochastic firing)
//!   owns a xoshiro128++ generator (`rand_xoshiro`), 16 bytes of state stored in the neuron's
//!   state like any other variable, seeded by a fixed function of `(seed, neuron index)`.
//! - **Generated input** ([`Counter`]): a pure function of `(seed, step, neuron, draw)`, with
//!   no state at all. Nothing is stored per neuron, nothing is carried from step to step, and
//!   neighbouring neurons' draws are independent computations, so a CPU core computes them
//!   in vector lanes and a GPU thread from its index alone.
//!
//! Either way a neuron draws the same numbers whatever the population's size, its split into
//! blocks or threads, or the backend: a Cortex-M, a CPU thread and a GPU thread all replay
//! the same bits.

use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro128PlusPlus;

/// The state of one neuron's generator: xoshiro128++'s four words, plain data so it can live
/// in state slices, device buffers and firmware RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(transparent)]
pub struct RngState(pub [u32; 4]);

/// SplitMix64's output function: a bijective 64-bit mixer with full avalanche.
#[inline(always)]
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

/// A counter-based generator: its bits are a pure function of the key, the step, the neuron
/// and the draw, so it needs no per-neuron state.
///
/// Per step, 64-bit keys come from SplitMix64's mixer; per neuron, 32-bit words come from a
/// 32-bit hash, because 32-bit multiplies are what vector units (AVX2, NEON) and GPUs have
/// natively, while a 64-bit multiply costs several instructions per lane:
///
/// - step `t`'s key is `k_t = mix64(key + t G)`, with `key = mix64(seed)`;
/// - draw `d` of that step has `k = mix64(k_t + (d + 1) G)`, `m = lo32(k) | 1`,
///   `a = hi32(k)`;
/// - its word for neuron `i` is `lowbias32((lo32(i) m + a) xor hi32(i) G32)`.
///
/// `G = 0x9e3779b97f4a7c15`, `G32 = 0x9e3779b9`, `mix64` is SplitMix64's output function and
/// `lowbias32` Chris Wellons' 32-bit integer hash; both are bijections. Within a step and a
/// draw, neurons are hashed points of a Weyl sequence with a random odd step (SplitMix32's
/// structure), so two neurons of a population below 2^32 never share an input word; steps
/// and draws get unrelated keys.
///
/// ```
/// use lif_core::rng::Counter;
///
/// let c = Counter::new(42);
/// let step = c.at(1_000);
/// // Any order, any split: the same bits.
/// assert_eq!(step.draw(0).word(7), Counter::new(42).at(1_000).draw(0).word(7));
/// assert_ne!(step.draw(0).word(7), step.draw(1).word(7));
/// assert_ne!(step.draw(0).word(7), c.at(1_001).draw(0).word(7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(transparent)]
pub struct Counter(pub u64);

/// [`Counter`]'s key for one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(transparent)]
pub struct StepKey(pub u64);

/// One draw of one step: a 32-bit word for every neuron ([`Draw::word`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Draw {
    /// Odd multiplier of the neuron index.
    pub mul: u32,
    /// Offset added to it.
    pub add: u32,
}

/// `G`'s top 32 bits: what the high half of a neuron index is multiplied by.
const GOLDEN32: u32 = 0x9e37_79b9;

/// Chris Wellons' `lowbias32`: a bijective 32-bit hash with low avalanche bias.
#[inline(always)]
const fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

impl Counter {
    /// The generator of `seed`.
    #[inline]
    pub const fn new(seed: u64) -> Self {
        Self(mix64(seed))
    }

    /// The key of global step `t`.
    #[inline]
    pub const fn at(self, t: u64) -> StepKey {
        StepKey(mix64(self.0.wrapping_add(t.wrapping_mul(GOLDEN))))
    }
}

impl StepKey {
    /// Draw `d` of this step.
    #[inline]
    pub const fn draw(self, d: u32) -> Draw {
        let k = mix64(self.0.wrapping_add((d as u64 + 1).wrapping_mul(GOLDEN)));
        Draw {
            mul: k as u32 | 1,
            add: (k >> 32) as u32,
        }
    }
}

impl Draw {
    /// The 32 random bits of neuron `neuron`.
    #[inline(always)]
    pub const fn word(self, neuron: u64) -> u32 {
        self.word_in(neuron as u32, Self::high(neuron))
    }

    /// What the high half of a neuron index adds to its word: constant over each run of
    /// 2^32 neurons, so a loop over neighbours hoists it.
    #[inline(always)]
    pub const fn high(neuron: u64) -> u32 {
        ((neuron >> 32) as u32).wrapping_mul(GOLDEN32)
    }

    /// [`Draw::word`] of the neuron whose index has low half `low` and [`Draw::high`] `high`.
    #[inline(always)]
    pub const fn word_in(self, low: u32, high: u32) -> u32 {
        Self::word_at(self.point(low), high)
    }

    /// The point of the Weyl sequence that the neuron with index low half `low` hashes:
    /// `low * mul + add`. Neighbours' points differ by `mul`, so a loop over neighbours can
    /// step from one point to the next with an add instead of a multiply.
    #[inline(always)]
    pub const fn point(self, low: u32) -> u32 {
        low.wrapping_mul(self.mul).wrapping_add(self.add)
    }

    /// [`Draw::word_in`] from the neuron's [`Draw::point`] and [`Draw::high`].
    #[inline(always)]
    pub const fn word_at(point: u32, high: u32) -> u32 {
        lowbias32(point ^ high)
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
    fn neighbours_points_differ_by_the_multiplier() {
        let d = Counter::new(5).at(9).draw(0);
        for low in [0u32, 1, 0x7fff_ffff, u32::MAX] {
            let next = d.point(low).wrapping_add(d.mul);
            assert_eq!(next, d.point(low.wrapping_add(1)));
            let high = Draw::high(3 << 32);
            assert_eq!(Draw::word_at(d.point(low), high), d.word_in(low, high));
        }
    }

    #[test]
    fn counter_words_follow_the_documented_construction() {
        assert_eq!(mix64(0), 0);
        // SplitMix64's first output under seed 0.
        assert_eq!(mix64(GOLDEN), 0xe220_a839_7b1d_cdaf);
        // lowbias32 is a bijection: distinct inputs near 0 and near the top stay distinct.
        let mut seen: std::vec::Vec<u32> = (0..1 << 16)
            .chain(u32::MAX - (1 << 16)..=u32::MAX)
            .map(lowbias32)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), (1 << 17) + 1);
        let c = Counter::new(9);
        assert_eq!(c.0, mix64(9));
        let step = c.at(123);
        assert_eq!(
            step.0,
            mix64(mix64(9).wrapping_add(123u64.wrapping_mul(GOLDEN)))
        );
        let k = mix64(step.0.wrapping_add(2u64.wrapping_mul(GOLDEN)));
        let d = step.draw(1);
        assert_eq!((d.mul, d.add), (k as u32 | 1, (k >> 32) as u32));
        for i in [0u64, 1, 77, (1 << 32) + 5, u64::MAX] {
            let x = (i as u32).wrapping_mul(d.mul).wrapping_add(d.add)
                ^ ((i >> 32) as u32).wrapping_mul(GOLDEN32);
            assert_eq!(d.word(i), lowbias32(x));
        }
        // Neurons of one step and draw never share an input word below 2^32.
        let mut words: std::vec::Vec<u32> = (0..100_000).map(|i| d.word(i)).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), 100_000);
    }

    #[test]
    fn counter_bits_are_uniform_and_uncorrelated_across_neurons_steps_and_draws() {
        // Bit balance over 64 x 4096 words, and how often neighbours in neuron, step and
        // draw differ bit by bit: all within a few standard errors of a fair coin.
        let c = Counter::new(1);
        let (mut ones, mut neuron_pair, mut step_pair, mut draw_pair, mut total) =
            (0u64, 0, 0, 0, 0);
        for t in 0..64u64 {
            let (k, next) = (c.at(t).draw(0), c.at(t + 1).draw(0));
            let other = c.at(t).draw(1);
            for i in 0..4096u64 {
                let b = k.word(i);
                ones += u64::from(b.count_ones());
                neuron_pair += u64::from((b ^ k.word(i + 1)).count_ones());
                step_pair += u64::from((b ^ next.word(i)).count_ones());
                draw_pair += u64::from((b ^ other.word(i)).count_ones());
                total += 32;
            }
        }
        for (name, x) in [
            ("ones", ones),
            ("neighbour neurons differ", neuron_pair),
            ("neighbour steps differ", step_pair),
            ("draws differ", draw_pair),
        ] {
            let f = x as f64 / total as f64;
            // Standard error of a fair coin over `total` bits is 0.5 / sqrt(total), about 7e-4.
            assert!((f - 0.5).abs() < 4e-3, "{name}: {f}");
        }
        // Each bit position on its own is balanced too.
        let k = c.at(5).draw(0);
        for bit in 0..32 {
            let set = (0..65_536u64)
                .filter(|&i| k.word(i) >> bit & 1 == 1)
                .count();
            assert!((31_700..33_836).contains(&set), "bit {bit}: {set}");
        }
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
