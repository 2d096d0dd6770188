//! Inputs generated where the neurons run (firmware, CPU thread or GPU thread), as a pure
//! function of the seed, the neuron's index and the global step, so every backend and every
//! split of a run generates the same values.
//!
//! A [`Stimulus`] is a [`Shape`], the value every neuron shares at a step (constant, step,
//! pulse train, ramp, sine), and what each neuron's input stream does to it: Poisson gating
//! and added Gaussian noise, each optional:
//!
//! ```
//! use lif_core::input::{input_draws, Shape, Stimulus};
//!
//! let sine = Stimulus::new(Shape::Sine { amplitude: 0.2f32, offset: 0.15, period: 80.0 });
//! let noisy = sine.with_noise(0.05);
//! noisy.check()?;
//! let draws = input_draws(42); // the input draws of seed 42
//! let x: Vec<f32> = (0..4).map(|t| noisy.value(draws, 7, t)).collect(); // neuron 7
//! assert_eq!(x[3], noisy.value(draws, 7, 3)); // no state: any order gives the same value
//! assert!((sine.level(20) - 0.35).abs() < 1e-6); // offset + amplitude at a quarter period
//! # Ok::<(), lif_core::Error>(())
//! ```
//!
//! # Determinism
//! A shape's level is computed in f64 with `libm` (pure Rust: the same bits on the firmware,
//! every host and the GPU) from the shape's parameters and the global step, then rounded once
//! to the scalar, saturating at its limits. Draws come from the counter-based generator of
//! the seed ([`input_draws`], a [`Counter`]): at global step `t`, neuron `i`'s Poisson gate
//! takes the word of draw 0, and its noise the words of draws 1 (high half) and 2 (low
//! half) as the 64 bits of a standard normal, each only when it is on. No input draw
//! depends on an earlier one, so nothing is stored per neuron.
//!
//! Where a scalar's variate reads at most 16 bits ([`Scalar::UNIT_BITS`]: fixed point with
//! up to 16 fraction bits, such as I16F16), one gate word serves two neurons: neuron
//! `32 q + k` and neuron `32 q + 16 + k` (`k < 16`) take the high and the low half of word
//! `16 q + k`, each moved to the top of a word whose lower 16 bits are zero. Each gate still
//! reads 16 uniform bits, all the format can resolve, and the two halves of one word are
//! independent; a vector unit makes half as many draws.

use crate::error::{Error, ParamProblem};
use crate::rng::{Counter, Draw, StepKey};
use crate::scalar::Scalar;

/// Salt that separates the input draws of a seed from the model streams of the same seed.
pub const INPUT_SALT: u64 = 0x1f2e_3d4c_5b6a_7988;

/// The input draws of every neuron under `seed`.
pub const fn input_draws(seed: u64) -> Counter {
    Counter::new(seed ^ INPUT_SALT)
}

/// The value every neuron shares at a global step.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
#[repr(C)]
pub enum Shape<S> {
    /// The same value at every step.
    Constant(S),
    /// `before` until step `at` (exclusive), then `after`.
    Step {
        /// Value before `at`.
        before: S,
        /// Value from `at` on.
        after: S,
        /// First step of `after`.
        at: u64,
    },
    /// A pulse train: `amplitude` for `width` steps of every `period` from `start` on, else 0.
    Pulse {
        /// Value during a pulse.
        amplitude: S,
        /// First step of the first pulse.
        start: u64,
        /// Steps per pulse.
        width: u64,
        /// Steps from one pulse's start to the next (at least 1).
        period: u64,
    },
    /// A line from `from` at step 0 to `to` at step `steps - 1`, then `to`.
    Ramp {
        /// Value at step 0.
        from: S,
        /// Value from step `steps - 1` on.
        to: S,
        /// Length of the ramp in steps (1 jumps to `to` at once).
        steps: u64,
    },
    /// `offset + amplitude * sin(2 pi t / period)`.
    Sine {
        /// Amplitude.
        amplitude: S,
        /// Value at step 0 (the mean).
        offset: S,
        /// Period in steps (finite, `> 0`).
        period: f64,
    },
}

/// A generated input: a [`Shape`] shared by every neuron, optionally gated per neuron and
/// step by a Poisson draw and then given per-neuron Gaussian noise.
///
/// The value of a neuron at step `t` is `level(t)`, replaced by 0 unless a uniform draw is
/// below `p` (only when `p < 1`), plus `std * z` with `z` standard normal (only when
/// `std != 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Stimulus<S> {
    /// The level every neuron shares at a step.
    pub shape: Shape<S>,
    /// Probability per step that the level passes, in `[0, 1]`; 1 passes it always, with
    /// no draw.
    pub p: S,
    /// Standard deviation of the Gaussian noise added, `>= 0`; 0 adds none, with no draw.
    pub std: S,
}

impl<S: Scalar> Stimulus<S> {
    /// `shape` itself: no gating, no noise.
    pub const fn new(shape: Shape<S>) -> Self {
        Self {
            shape,
            p: S::ONE,
            std: S::ZERO,
        }
    }

    /// The same value at every step, for every neuron.
    pub const fn constant(value: S) -> Self {
        Self::new(Shape::Constant(value))
    }

    /// Poisson spike input: `amplitude` with probability `p` per step, else 0.
    pub const fn poisson(p: S, amplitude: S) -> Self {
        Self::new(Shape::Constant(amplitude)).with_p(p)
    }

    /// Gaussian input: `mean + std * z`, `z` standard normal per neuron and step.
    pub const fn gaussian(mean: S, std: S) -> Self {
        Self::new(Shape::Constant(mean)).with_noise(std)
    }

    /// This stimulus gated by a Poisson draw of probability `p` per step.
    pub const fn with_p(self, p: S) -> Self {
        Self { p, ..self }
    }

    /// This stimulus with Gaussian noise of standard deviation `std` added.
    pub const fn with_noise(self, std: S) -> Self {
        Self { std, ..self }
    }

    /// Refuses non-finite values, probabilities outside `[0, 1]`, a negative standard
    /// deviation and periods that are not positive.
    pub fn check(&self) -> Result<(), Error> {
        let finite = |name, v: S| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(Error::Param {
                    name,
                    value: v.to_f64(),
                    problem: ParamProblem::NotFinite,
                })
            }
        };
        let out_of = |name, value: f64, allowed| Error::Param {
            name,
            value,
            problem: ParamProblem::OutOfRange { allowed },
        };
        match self.shape {
            Shape::Constant(v) => finite("constant", v)?,
            Shape::Step { before, after, .. } => {
                finite("before", before)?;
                finite("after", after)?;
            }
            Shape::Pulse {
                amplitude, period, ..
            } => {
                finite("amplitude", amplitude)?;
                if period == 0 {
                    return Err(out_of("period", 0.0, ">= 1 step"));
                }
            }
            Shape::Ramp { from, to, .. } => {
                finite("from", from)?;
                finite("to", to)?;
            }
            Shape::Sine {
                amplitude,
                offset,
                period,
            } => {
                finite("amplitude", amplitude)?;
                finite("offset", offset)?;
                if !(period.is_finite() && period > 0.0) {
                    return Err(out_of("period", period, "finite, > 0"));
                }
            }
        }
        finite("p", self.p)?;
        if self.p < S::ZERO || self.p > S::ONE {
            return Err(out_of("p", self.p.to_f64(), "[0, 1]"));
        }
        finite("std", self.std)?;
        if self.std < S::ZERO {
            return Err(out_of("std", self.std.to_f64(), ">= 0"));
        }
        Ok(())
    }

    /// The level every neuron shares at global step `t`.
    #[inline]
    pub fn level(&self, t: u64) -> S {
        match self.shape {
            Shape::Constant(v) => v,
            Shape::Step { before, after, at } => {
                if t < at {
                    before
                } else {
                    after
                }
            }
            Shape::Pulse {
                amplitude,
                start,
                width,
                period,
            } => {
                if t >= start && (t - start) % period.max(1) < width {
                    amplitude
                } else {
                    S::ZERO
                }
            }
            Shape::Ramp { from, to, steps } => {
                let last = steps.saturating_sub(1);
                if t >= last {
                    to
                } else {
                    let (a, b) = (from.to_f64(), to.to_f64());
                    saturate(a + (b - a) * (t as f64 / last as f64))
                }
            }
            Shape::Sine {
                amplitude,
                offset,
                period,
            } => {
                let phase = core::f64::consts::TAU * (t as f64 / period);
                saturate(offset.to_f64() + amplitude.to_f64() * libm::sin(phase))
            }
        }
    }

    /// The value of neuron `neuron` at the step of `step`, whose shared level is `level`.
    #[inline]
    pub fn sample(&self, level: S, step: &StepDraws, neuron: u64) -> S {
        let x = match self.gate() {
            Some(cut) if gate_word::<S>(step.gate, neuron) >= cut => S::ZERO,
            _ => level,
        };
        self.noisy(x, step, neuron as u32, Draw::high(neuron))
    }

    /// The gate as an integer cut: a neuron's level passes when its gate word is below it
    /// (exactly when `S::unit(word) < p`, [`Scalar::unit_cut`]). `None` when every word
    /// passes: `p >= 1` (no draw is made) or a `p` so close to 1 that no variate reaches it.
    #[inline]
    fn gate(&self) -> Option<u32> {
        if self.p < S::ONE {
            u32::try_from(S::unit_cut(self.p)).ok()
        } else {
            None
        }
    }

    /// `x` plus the noise of the neuron with index halves `low`, `high` (`x` itself when the
    /// stimulus has none).
    #[inline(always)]
    fn noisy(&self, x: S, draws: &StepDraws, low: u32, high: u32) -> S {
        if self.std != S::ZERO {
            x.add(self.std.mul(S::std_normal(draws.normal(low, high))))
        } else {
            x
        }
    }

    /// [`Stimulus::sample`] for neurons `first..first + out.len()` side by side, with the
    /// gate and noise decided once for all of them. The draws of neighbouring neurons are
    /// independent 32-bit computations, so the loop runs in vector lanes.
    #[inline(always)]
    pub fn sample_into(&self, level: S, draws: &StepDraws, first: u64, out: &mut [S]) {
        match self.gate() {
            Some(cut) if packed_gates::<S>() => self.sample_packed(level, draws, cut, first, out),
            gate => {
                for (low, high, run) in Runs::new(first, out) {
                    self.sample_run(level, draws, gate, low, high, run);
                }
            }
        }
    }

    /// [`Stimulus::sample_into`] for neurons whose indices share their high half, one gate
    /// word per neuron.
    #[inline(always)]
    fn sample_run(
        &self,
        level: S,
        draws: &StepDraws,
        gate: Option<u32>,
        low: u32,
        high: u32,
        out: &mut [S],
    ) {
        let each = out
            .iter_mut()
            .zip(0u32..)
            .map(|(x, k)| (x, low.wrapping_add(k)));
        match (gate, self.std != S::ZERO) {
            (None, false) => out.fill(level),
            (Some(cut), false) => {
                let (mut point, step) = (draws.gate.point(low), draws.gate.mul);
                for x in out.iter_mut() {
                    *x = if Draw::word_at(point, high) < cut {
                        level
                    } else {
                        S::ZERO
                    };
                    point = point.wrapping_add(step);
                }
            }
            (None, true) => each.for_each(|(x, i)| *x = self.noisy(level, draws, i, high)),
            (Some(cut), true) => each.for_each(|(x, i)| {
                let passed = draws.gate.word_in(i, high) < cut;
                *x = self.noisy(if passed { level } else { S::ZERO }, draws, i, high)
            }),
        }
    }

    /// [`Stimulus::sample_into`] with two neurons to a gate word ([`gate_word`]): the whole
    /// groups of 32 neurons in vector lanes (each of 16 words gates neuron `k` with its high
    /// half and neuron `k + 16` with its low half), the neurons around them one at a time.
    #[inline(always)]
    fn sample_packed(&self, level: S, draws: &StepDraws, cut: u32, first: u64, out: &mut [S]) {
        let head = (first.wrapping_neg() % PACK_GROUP) as usize;
        let (head, rest) = out.split_at_mut(head.min(out.len()));
        let whole = rest.len() - rest.len() % PACK_GROUP as usize;
        let (body, tail) = rest.split_at_mut(whole);
        let start = first.wrapping_add(head.len() as u64);
        let end = start.wrapping_add(whole as u64);
        for (k, x) in head.iter_mut().enumerate() {
            *x = self.sample(level, draws, first.wrapping_add(k as u64));
        }
        for (g, group) in body.chunks_exact_mut(PACK_GROUP as usize).enumerate() {
            // The group's first word: a multiple of 16, so its 16 words share a high half.
            let word = gate_index(start.wrapping_add(g as u64 * PACK_GROUP));
            let (low, high) = (word as u32, Draw::high(word));
            let (upper, lower) = group.split_at_mut(PACK_GROUP as usize / 2);
            let (mut point, step) = (draws.gate.point(low), draws.gate.mul);
            for (a, b) in upper.iter_mut().zip(lower.iter_mut()) {
                let [high_gate, low_gate] = gate_halves(Draw::word_at(point, high));
                point = point.wrapping_add(step);
                *a = if high_gate < cut { level } else { S::ZERO };
                *b = if low_gate < cut { level } else { S::ZERO };
            }
        }
        if self.std != S::ZERO {
            for (low, high, run) in Runs::new(start, body) {
                for (x, k) in run.iter_mut().zip(0u32..) {
                    *x = self.noisy(*x, draws, low.wrapping_add(k), high);
                }
            }
        }
        for (k, x) in tail.iter_mut().enumerate() {
            *x = self.sample(level, draws, end.wrapping_add(k as u64));
        }
    }

    /// The value of neuron `neuron` at global step `t` under the input draws `draws`
    /// ([`input_draws`] of the seed): [`Stimulus::sample`] of [`Stimulus::level`].
    #[inline]
    pub fn value(&self, draws: Counter, neuron: u64, t: u64) -> S {
        // Only the draws this stimulus reads: a GPU thread makes them per neuron and step.
        let key = draws.at(t);
        let noisy = self.std != S::ZERO;
        let step = StepDraws {
            gate: if self.p < S::ONE {
                key.draw(0)
            } else {
                Draw::default()
            },
            hi: if noisy { key.draw(1) } else { Draw::default() },
            lo: if noisy { key.draw(2) } else { Draw::default() },
        };
        self.sample(self.level(t), &step, neuron)
    }
}

/// Neurons per group of [`gate_word`]'s packing: 16 words, two neurons each.
const PACK_GROUP: u64 = 32;

/// Whether two neurons share a gate word: `S`'s variates read at most 16 bits
/// ([`Scalar::UNIT_BITS`]), as fixed point with up to 16 fraction bits does.
#[inline(always)]
const fn packed_gates<S: Scalar>() -> bool {
    S::UNIT_BITS <= 16
}

/// The index of the draw-0 word that holds the gate of neuron `neuron` when gates are
/// packed: neuron `32 q + 16 h + k` (`h` in {0, 1}, `k < 16`) takes word `16 q + k`.
#[inline(always)]
const fn gate_index(neuron: u64) -> u64 {
    ((neuron >> 1) & !15) | (neuron & 15)
}

/// The word whose [`Scalar::unit`] gates neuron `neuron` under the gate draw `gate`: its own
/// word, or when gates are packed ([`packed_gates`]) one half of word [`gate_index`] moved
/// to the top, its lower 16 bits zero (the high half for `h = 0`, the low half for `h = 1`).
#[inline(always)]
fn gate_word<S: Scalar>(gate: Draw, neuron: u64) -> u32 {
    if !packed_gates::<S>() {
        return gate.word(neuron);
    }
    gate_halves(gate.word(gate_index(neuron)))[usize::from(neuron & 16 != 0)]
}

/// The two gate words a packed word holds, each half moved to the top with its lower 16
/// bits zero: the high half's (for neuron `32 q + k`) and the low half's (`32 q + 16 + k`).
#[inline(always)]
const fn gate_halves(w: u32) -> [u32; 2] {
    [w & 0xffff_0000, w << 16]
}

/// The runs of `out` (neurons `first..`) over which the index's high half is constant (all
/// of `out`, below 2^32), each with the low half of its first index and [`Draw::high`] of
/// it. An iterator rather than a function taking a closure: a closure is not always inlined,
/// and outside the caller it loses the caller's vector width.
struct Runs<'a, S> {
    first: u64,
    rest: &'a mut [S],
}

impl<'a, S> Runs<'a, S> {
    #[inline(always)]
    fn new(first: u64, out: &'a mut [S]) -> Self {
        Self { first, rest: out }
    }
}

impl<'a, S> Iterator for Runs<'a, S> {
    type Item = (u32, u32, &'a mut [S]);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let first = self.first;
        let room = (1u64 << 32) - (first & 0xffff_ffff);
        let len = self
            .rest
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        let (now, later) = core::mem::take(&mut self.rest).split_at_mut(len);
        self.first = first.wrapping_add(len as u64);
        self.rest = later;
        Some((first as u32, Draw::high(first), now))
    }
}

/// The input draws of one step: the Poisson gate (draw 0) and the two halves of the noise
/// (draws 1 and 2). Made once per step and shared by every neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepDraws {
    gate: Draw,
    hi: Draw,
    lo: Draw,
}

impl StepDraws {
    /// The draws of global step `t` under `draws` ([`input_draws`] of the seed).
    #[inline]
    pub const fn new(draws: Counter, t: u64) -> Self {
        Self::of(draws.at(t))
    }

    /// The input draws of the step whose key is `step`.
    #[inline]
    pub const fn of(step: StepKey) -> Self {
        Self {
            gate: step.draw(0),
            hi: step.draw(1),
            lo: step.draw(2),
        }
    }

    /// The 64 bits of the noise of the neuron with index halves `low`, `high`.
    #[inline(always)]
    fn normal(&self, low: u32, high: u32) -> u64 {
        (u64::from(self.hi.word_in(low, high)) << 32) | u64::from(self.lo.word_in(low, high))
    }
}

/// `v` rounded to `S`, saturating at its limits (`v` is never NaN here: it comes from finite
/// parameters).
fn saturate<S: Scalar>(v: f64) -> S {
    match S::from_f64(v) {
        Some(x) => x,
        None if v < 0.0 => S::MIN,
        None => S::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::I16F16;

    fn levels<S: Scalar>(s: &Stimulus<S>, n: u64) -> std::vec::Vec<f64> {
        (0..n).map(|t| s.level(t).to_f64()).collect()
    }

    #[test]
    fn shapes() {
        let step = Stimulus::new(Shape::Step {
            before: 0.0f32,
            after: 2.0,
            at: 3,
        });
        assert_eq!(levels(&step, 5), [0.0, 0.0, 0.0, 2.0, 2.0]);
        let pulse = Stimulus::new(Shape::Pulse {
            amplitude: 1.0f32,
            start: 1,
            width: 2,
            period: 4,
        });
        assert_eq!(levels(&pulse, 8), [0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
        let ramp = Stimulus::new(Shape::Ramp {
            from: 0.0f64,
            to: 1.0,
            steps: 5,
        });
        assert_eq!(levels(&ramp, 6), [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]);
        let sine = Stimulus::new(Shape::Sine {
            amplitude: 1.0f64,
            offset: 0.5,
            period: 4.0,
        });
        let s = levels(&sine, 4);
        assert_eq!(s[0], 0.5);
        assert_eq!(s[1], 1.5);
        assert!((s[2] - 0.5).abs() < 1e-15 && (s[3] + 0.5).abs() < 1e-15);
        // Fixed point saturates at its limits instead of wrapping.
        let big = Stimulus::new(Shape::Sine {
            amplitude: I16F16::MAX,
            offset: I16F16::MAX,
            period: 4.0,
        });
        assert_eq!(big.level(1), I16F16::MAX);
    }

    #[test]
    fn draws() {
        let r = input_draws(1);
        let p = Stimulus::poisson(I16F16::from_num(0.25), I16F16::ONE);
        let hits = (0..10_000)
            .filter(|&t| p.value(r, 2, t) == I16F16::ONE)
            .count();
        assert!((2_300..2_700).contains(&hits), "{hits}");
        // Across neurons at one step as well as across steps of one neuron.
        let across = (0..10_000)
            .filter(|&i| p.value(r, i, 5) == I16F16::ONE)
            .count();
        assert!((2_300..2_700).contains(&across), "{across}");
        let g = Stimulus::gaussian(1.0f64, 0.5);
        let xs: std::vec::Vec<f64> = (0..20_000).map(|t| g.value(r, 2, t)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(
            (mean - 1.0).abs() < 0.02 && (var.sqrt() - 0.5).abs() < 0.02,
            "{mean} {var}"
        );
        // The gate is draw 0, the noise draws 1 and 2, as documented.
        let both = Stimulus::poisson(0.5f32, 1.0).with_noise(0.1);
        let a = input_draws(3);
        for (i, t) in [(0, 0), (5, 17), (1 << 40, u64::MAX)] {
            let x = both.value(a, i, t);
            let step = crate::rng::Counter::new(3 ^ INPUT_SALT).at(t);
            let passed = f32::unit(step.draw(0).word(i)) < 0.5;
            let bits = (u64::from(step.draw(1).word(i)) << 32) | u64::from(step.draw(2).word(i));
            let z = f32::std_normal(bits);
            assert_eq!(x, if passed { 1.0 } else { 0.0 } + 0.1 * z);
        }
        assert_ne!(input_draws(1), crate::rng::Counter::new(1));
    }

    #[test]
    fn sample_into_equals_sample_for_every_gate_and_noise() {
        for (p, std) in [
            (1.0f32, 0.0f32),
            (0.3, 0.0),
            (1.0, 0.2),
            (0.3, 0.2),
            (0.0, 0.0),
        ] {
            let s = Stimulus::constant(0.7f32).with_p(p).with_noise(std);
            let draws = input_draws(5);
            let mut out = [0.0f32; 40];
            // Neurons 100..140, as a block of a larger population would take them, and a
            // block across the 2^32 boundary of the index's halves.
            for first in [100, (1 << 32) - 17] {
                for t in 0..20 {
                    s.sample_into(s.level(t), &StepDraws::new(draws, t), first, &mut out);
                    for (k, x) in out.iter().enumerate() {
                        let want = s.value(draws, first + k as u64, t);
                        assert_eq!(x.to_bits(), want.to_bits(), "p {p} std {std}");
                    }
                }
            }
        }
    }

    #[test]
    fn packed_gates_sample_into_equals_sample() {
        let amplitude = I16F16::from_num(0.7);
        for (p, std) in [(0.3, 0.0), (0.3, 0.2), (0.0, 0.0), (0.999, 0.0)] {
            let s =
                Stimulus::poisson(I16F16::from_num(p), amplitude).with_noise(I16F16::from_num(std));
            let draws = input_draws(9);
            let mut out = [I16F16::ZERO; 100];
            // Aligned and unaligned starts, lengths with and without whole groups, and runs
            // across the 2^32 boundary of the neuron's index and of the gate word's index.
            for first in [0, 64, 100, (1 << 32) - 17, (1 << 33) - 40] {
                for len in [0, 5, 31, 32, 63, 100] {
                    for t in 0..8 {
                        let out = &mut out[..len];
                        s.sample_into(s.level(t), &StepDraws::new(draws, t), first, out);
                        for (k, x) in out.iter().enumerate() {
                            let want = s.value(draws, first + k as u64, t);
                            assert_eq!(*x, want, "p {p} std {std} first {first} k {k}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn packed_gates_follow_the_documented_construction() {
        let p = I16F16::from_num(0.4);
        let s = Stimulus::poisson(p, I16F16::ONE);
        let draws = input_draws(11);
        for t in [0, 3, 1 << 20] {
            let gate = crate::rng::Counter::new(11 ^ INPUT_SALT).at(t).draw(0);
            for q in [0u64, 1, 7, (1 << 27) + 5] {
                for k in 0..16 {
                    let w = gate.word(16 * q + k);
                    let high = s.value(draws, 32 * q + k, t) == I16F16::ONE;
                    let low = s.value(draws, 32 * q + 16 + k, t) == I16F16::ONE;
                    assert_eq!(high, I16F16::unit(w & 0xffff_0000) < p, "q {q} k {k}");
                    assert_eq!(low, I16F16::unit(w << 16) < p, "q {q} k {k}");
                }
            }
        }
        // f32 reads 24 bits: one word per neuron, as before.
        let f = Stimulus::poisson(0.4f32, 1.0);
        let gate = crate::rng::Counter::new(11 ^ INPUT_SALT).at(2).draw(0);
        for i in [0u64, 16, 17, 1 << 40] {
            let passed = f.value(draws, i, 2) == 1.0;
            assert_eq!(passed, f32::unit(gate.word(i)) < 0.4, "{i}");
        }
    }

    #[test]
    fn neurons_sharing_a_gate_word_are_independent() {
        // Pass rates of a neuron and of its word's partner, and of both at once, over steps
        // and groups: p, p and p^2 within a few standard errors.
        let p = 0.3;
        let s = Stimulus::poisson(I16F16::from_num(p), I16F16::ONE);
        let draws = input_draws(13);
        let (mut a, mut b, mut both, mut n) = (0u32, 0u32, 0u32, 0u32);
        let mut out = [I16F16::ZERO; 64];
        for t in 0..2_000 {
            s.sample_into(s.level(t), &StepDraws::new(draws, t), 0, &mut out);
            for g in out.chunks_exact(32) {
                for k in 0..16 {
                    let (x, y) = (g[k] == I16F16::ONE, g[k + 16] == I16F16::ONE);
                    a += u32::from(x);
                    b += u32::from(y);
                    both += u32::from(x && y);
                    n += 1;
                }
            }
        }
        let n = f64::from(n);
        let near = |count: u32, q: f64| {
            let se = (q * (1.0 - q) / n).sqrt();
            (f64::from(count) / n - q).abs() < 5.0 * se
        };
        assert!(near(a, p) && near(b, p), "{a} {b} of {n}");
        assert!(near(both, p * p), "{both} of {n}, want {}", p * p * n);
    }

    #[test]
    fn check_refuses_what_cannot_run() {
        assert!(Stimulus::poisson(1.5f32, 1.0).check().is_err());
        assert!(Stimulus::constant(f32::NAN).check().is_err());
        assert!(Stimulus::gaussian(0.0f32, -1.0).check().is_err());
        let pulse = |period| {
            Stimulus::new(Shape::Pulse {
                amplitude: 1.0f32,
                start: 0,
                width: 1,
                period,
            })
        };
        assert!(pulse(0).check().is_err());
        assert!(pulse(1).check().is_ok());
        for period in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let sine = Stimulus::new(Shape::Sine {
                amplitude: 1.0f32,
                offset: 0.0,
                period,
            });
            assert!(sine.check().is_err(), "{period}");
        }
    }
}
