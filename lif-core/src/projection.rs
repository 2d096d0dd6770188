//! Projections: synapses from one population's spikes to another's synapse channel, written
//! once and called by every backend.
//!
//! A projection is pushed event by event: each spiking source adds its synapses' weights
//! into the target's delay buffer ([`crate::synapse::Synapses`]), at the slot of the step
//! the spike arrives in. The order of additions is fixed: sources in index order, and a
//! source's synapses in the order they are stored. A backend that splits the targets
//! among threads (each adding only into its own range) or that pulls per target in the
//! same order adds the same numbers in the same order, so f32 sums are the same bits on any
//! number of threads and on every device; fixed-point sums saturate at each addition.
//!
//! Delays are whole steps. A delay of 0 carries the spikes of the current step (the source
//! is stepped earlier in the step than the target: a feed-forward layer as in snnTorch); a
//! delay `d >= 1` carries the spikes of step `t - 1`, delivered at step `t` and arriving at
//! step `t - 1 + d`. Brian2's synapses without a delay (`on_pre` applied after the step's
//! update) are delay 1.

use core::ops::Range;

use crate::error::{Error, ProjectionProblem};
use crate::scalar::Scalar;
use crate::synapse::Synapses;

/// The weights of a sparse projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weights<'a, S> {
    /// One weight for every synapse (CUBA's `we` and `wi`): no memory per synapse.
    Uniform(S),
    /// One weight per synapse, in the order of the synapses.
    PerSynapse(&'a [S]),
}

/// The delays of a projection, in steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delays<'a> {
    /// One delay for every synapse; 0 delivers the current step's spikes.
    Uniform(u16),
    /// One delay per synapse (each at least 1), in the order of the synapses.
    PerSynapse(&'a [u8]),
}

/// Which sources reach which targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Connectivity<'a, S> {
    /// Every source onto every target: the weight from source `i` to target `j` is
    /// `weights[i * targets + j]` (a dense layer; synapse `i * targets + j`).
    Dense {
        /// `sources * targets` weights, row-major by source.
        weights: &'a [S],
    },
    /// Compressed rows by source: source `i`'s synapses are positions
    /// `offsets[i]..offsets[i + 1]` of `targets` (and of the weights and delays when those
    /// are per synapse).
    Sparse {
        /// `sources + 1` offsets, from 0, never decreasing, ending at `targets.len()`.
        offsets: &'a [u32],
        /// The target of each synapse.
        targets: &'a [u32],
        /// The weights.
        weights: Weights<'a, S>,
    },
    /// [`Connectivity::Dense`] with 8-bit weights and one scale per target (the flash-saving
    /// form for microcontrollers): the weight from source `i` to target `j` is
    /// `scales[j].mul_int(weights[i * targets + j])` ([`int8_weight`]), exact in fixed point, so it
    /// adds the same numbers as `Dense` with those products as its weights.
    DenseInt8 {
        /// `sources * targets` integers, row-major by source.
        weights: &'a [i8],
        /// One per target.
        scales: &'a [S],
    },
}

/// The weight an 8-bit integer `q` and its scale stand for.
#[inline(always)]
pub fn int8_weight<S: Scalar>(q: i8, scale: S) -> S {
    scale.mul_int(i32::from(q))
}

/// Synapses from population `source` onto channel `channel` of population `target`.
///
/// ```
/// use lif_core::projection::{Connectivity, Delays, Projection, Weights};
/// use lif_core::synapse::{Channel, ChannelConfig, Synapses};
///
/// // Source 0 onto targets 1 and 2, source 1 onto target 0; one weight 0.5, delay 1.
/// let offsets = [0, 2, 3];
/// let targets = [1, 2, 0];
/// let p = Projection {
///     source: 0,
///     target: 1,
///     channel: 0,
///     delays: Delays::Uniform(1),
///     connectivity: Connectivity::Sparse {
///         offsets: &offsets,
///         targets: &targets,
///         weights: Weights::Uniform(0.5f32),
///     },
/// };
/// p.check(0, 2, 3, 1, 1)?;
/// let channels = [ChannelConfig::instantaneous().build::<f32>(0.1)?];
/// let (mut ring, mut g) = ([0.0f32; 3], [0.0f32; 3]);
/// let mut syn = Synapses::new(&channels, 1, 3, &mut ring, &mut g)?; // 1 slot, 3 neurons
/// p.deliver(&[0b01], 0, &mut syn); // source 0 spiked at step 0
/// let mut input = [0.0f32; 3];
/// syn.collect(1, None, &mut input); // arrives at step 1
/// assert_eq!(input, [0.0, 0.5, 0.5]);
/// # Ok::<(), lif_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection<'a, S> {
    /// The source population's index in the network.
    pub source: usize,
    /// The target population's index in the network.
    pub target: usize,
    /// The target's synapse channel the weights add into.
    pub channel: usize,
    /// The delays.
    pub delays: Delays<'a>,
    /// The synapses.
    pub connectivity: Connectivity<'a, S>,
}

impl<S: Scalar> Projection<'_, S> {
    /// Whether the projection carries the spikes of the step before (every delay is at
    /// least 1) rather than those of the current step (delay 0).
    #[inline]
    pub fn reads_previous_step(&self) -> bool {
        !matches!(self.delays, Delays::Uniform(0))
    }

    /// The longest delay, in steps.
    pub fn max_delay(&self) -> usize {
        match self.delays {
            Delays::Uniform(d) => usize::from(d),
            Delays::PerSynapse(d) => d.iter().copied().max().map_or(0, usize::from),
        }
    }

    /// Weight `k` (source `k / targets`, target `k % targets`) of a dense projection.
    fn dense_weight(&self, k: usize, targets: usize) -> Option<S> {
        match self.connectivity {
            Connectivity::Dense { weights } => weights.get(k).copied(),
            Connectivity::DenseInt8 { weights, scales } => {
                Some(int8_weight(*weights.get(k)?, *scales.get(k % targets)?))
            }
            Connectivity::Sparse { .. } => None,
        }
    }

    /// The number of synapses.
    pub fn synapses(&self, sources: usize, targets: usize) -> usize {
        match self.connectivity {
            Connectivity::Dense { .. } | Connectivity::DenseInt8 { .. } => {
                sources.saturating_mul(targets)
            }
            Connectivity::Sparse { targets: t, .. } => t.len(),
        }
    }

    /// Calls `f(source, target, synapse, weight, delay)` for every synapse of the projection
    /// between populations of `sources` and `targets` neurons, by source and then as stored
    /// (the order in which [`Projection::deliver`] adds them). Entries outside the arrays
    /// are skipped (call it after [`Projection::check`]).
    pub fn for_each_synapse(
        &self,
        sources: usize,
        targets: usize,
        mut f: impl FnMut(usize, usize, usize, S, u16),
    ) {
        let delay = |k: usize| match self.delays {
            Delays::Uniform(d) => Some(d),
            Delays::PerSynapse(ds) => ds.get(k).map(|&d| u16::from(d)),
        };
        match self.connectivity {
            Connectivity::Dense { .. } | Connectivity::DenseInt8 { .. } => {
                for k in 0..sources.saturating_mul(targets) {
                    if let (Some(w), Some(d)) = (self.dense_weight(k, targets), delay(k)) {
                        f(k / targets, k % targets, k, w, d);
                    }
                }
            }
            Connectivity::Sparse {
                offsets,
                targets: ts,
                weights,
            } => {
                for (i, ends) in offsets.windows(2).enumerate().take(sources) {
                    let (a, b) = (ends[0] as usize, ends[1] as usize);
                    for (k, &j) in (a..).zip(ts.get(a..b).unwrap_or_default()) {
                        let w = match weights {
                            Weights::Uniform(w) => Some(w),
                            Weights::PerSynapse(ws) => ws.get(k).copied(),
                        };
                        if let (Some(w), Some(d)) = (w, delay(k)) {
                            f(i, j as usize, k, w, d);
                        }
                    }
                }
            }
        }
    }

    /// Checks the projection against its network (projection `index`, reporting as such):
    /// `sources` and `targets` neurons, `channels` channels and a buffer of `slots` steps on
    /// the target. After this, [`Projection::deliver`] never reads outside the projection's
    /// arrays and never adds outside the buffer.
    pub fn check(
        &self,
        index: usize,
        sources: usize,
        targets: usize,
        channels: usize,
        slots: usize,
    ) -> Result<(), Error> {
        let fail = |problem| Err(Error::Projection { index, problem });
        if self.channel >= channels {
            return fail(ProjectionProblem::Channel {
                channel: self.channel,
                channels,
            });
        }
        let dense = |len: usize| {
            let want = sources.saturating_mul(targets);
            if len == want {
                Ok(want)
            } else {
                Err(Error::Length {
                    buffer: "dense weights",
                    expected: want,
                    actual: len,
                })
            }
        };
        let synapses = match self.connectivity {
            Connectivity::Dense { weights } => dense(weights.len())?,
            Connectivity::DenseInt8 { weights, scales } => {
                if scales.len() != targets {
                    return Err(Error::Length {
                        buffer: "weight scales",
                        expected: targets,
                        actual: scales.len(),
                    });
                }
                dense(weights.len())?
            }
            Connectivity::Sparse {
                offsets,
                targets: t,
                weights,
            } => {
                let ok = offsets.len() == sources + 1
                    && offsets.first() == Some(&0)
                    && offsets.windows(2).all(|w| w[0] <= w[1])
                    && offsets.last().map(|&l| l as usize) == Some(t.len());
                if !ok {
                    return fail(ProjectionProblem::Offsets);
                }
                if let Some((synapse, &target)) =
                    t.iter().enumerate().find(|&(_, &j)| j as usize >= targets)
                {
                    return fail(ProjectionProblem::Target {
                        synapse,
                        target,
                        targets,
                    });
                }
                if let Weights::PerSynapse(w) = weights
                    && w.len() != t.len()
                {
                    return Err(Error::Length {
                        buffer: "synapse weights",
                        expected: t.len(),
                        actual: w.len(),
                    });
                }
                t.len()
            }
        };
        let max = slots;
        match self.delays {
            Delays::Uniform(d) if usize::from(d) > max => fail(ProjectionProblem::Delay {
                delay: u32::from(d),
                max,
            }),
            Delays::PerSynapse(d) if d.len() != synapses => Err(Error::Length {
                buffer: "synapse delays",
                expected: synapses,
                actual: d.len(),
            }),
            Delays::PerSynapse(d) => match d.iter().find(|&&d| d == 0 || usize::from(d) > max) {
                Some(&delay) => fail(ProjectionProblem::Delay {
                    delay: u32::from(delay),
                    max,
                }),
                None => Ok(()),
            },
            Delays::Uniform(_) => Ok(()),
        }
    }

    /// Delivers the spikes `spikes` (the source's packed spike words) emitted at step
    /// `emitted` into `syn`, the buffer of the target's neurons `syn.range()`: each spiking
    /// source, in index order, adds the weight of each of its synapses onto a target in the
    /// range at the slot of the step it arrives in (`emitted + delay`, or `emitted` for
    /// delay 0). Synapses onto targets outside the range are skipped, so threads that own
    /// disjoint ranges deliver the whole projection between them, each in the same order.
    ///
    /// Call it after [`Projection::check`] accepted the projection for `syn`'s population:
    /// it assumes what that checks, and skips what would fall outside its arrays.
    #[inline(always)]
    pub fn deliver(&self, spikes: &[u32], emitted: u64, syn: &mut Synapses<'_, S>) {
        let range = syn.range();
        let channel = self.channel;
        // The slot of a uniform delay, computed once.
        let slot = (arrival(emitted, self.delays, 0) % syn.slots() as u64) as usize;
        match self.connectivity {
            Connectivity::Dense { weights } => {
                let n = syn.population_len();
                if let Delays::Uniform(_) = self.delays {
                    // One lane (the range's neurons at the slot), and each spiking source's
                    // row over the range added into it in target order: per target, the
                    // same additions in the same order as synapse by synapse.
                    let (lane, first) = syn.lane(slot, channel);
                    for_each_spike(spikes, |i| {
                        let start = i * n + first;
                        if let Some(row) = weights.get(start..start + lane.len()) {
                            for (x, &w) in lane.iter_mut().zip(row) {
                                *x = x.add(w);
                            }
                        }
                    });
                    return;
                }
                for_each_spike(spikes, |i| {
                    let Some(row) = weights.get(i * n..(i + 1) * n) else {
                        return;
                    };
                    for j in range.clone() {
                        let k = i * n + j;
                        if let Some(&w) = row.get(j) {
                            syn.add(j, arrival(emitted, self.delays, k), channel, w);
                        }
                    }
                });
            }
            Connectivity::DenseInt8 { weights, scales } => {
                let n = syn.population_len();
                if let Delays::Uniform(_) = self.delays {
                    // As for `Dense`: one lane, each spiking source's row added in order.
                    let (lane, first) = syn.lane(slot, channel);
                    let scales = scales.get(first..first + lane.len()).unwrap_or_default();
                    for_each_spike(spikes, |i| {
                        let start = i * n + first;
                        if let Some(row) = weights.get(start..start + lane.len()) {
                            for ((x, &q), &s) in lane.iter_mut().zip(row).zip(scales) {
                                *x = x.add(int8_weight(q, s));
                            }
                        }
                    });
                    return;
                }
                for_each_spike(spikes, |i| {
                    let Some(row) = weights.get(i * n..(i + 1) * n) else {
                        return;
                    };
                    for j in range.clone() {
                        let k = i * n + j;
                        if let (Some(&q), Some(&s)) = (row.get(j), scales.get(j)) {
                            let at = arrival(emitted, self.delays, k);
                            syn.add(j, at, channel, int8_weight(q, s));
                        }
                    }
                });
            }
            Connectivity::Sparse {
                offsets,
                targets,
                weights,
            } => {
                let rows = |i: usize| {
                    let (a, b) = (offsets.get(i)?, offsets.get(i + 1)?);
                    let (a, b) = (*a as usize, *b as usize);
                    Some((a, targets.get(a..b)?))
                };
                if let (Delays::Uniform(_), Weights::Uniform(w)) = (self.delays, weights) {
                    // The common case (generated connectivity): one lane, one weight; an
                    // index outside this range's lane is a target another range owns.
                    let (lane, first) = syn.lane(slot, channel);
                    let add_row = |lane: &mut [S], i: usize| {
                        if let Some((_, ts)) = rows(i) {
                            for &j in ts {
                                if let Some(x) = lane.get_mut((j as usize).wrapping_sub(first)) {
                                    *x = x.add(w);
                                }
                            }
                        }
                    };
                    // Large networks miss the cache on each spiking source's offsets and
                    // row: the spikes are taken a batch at a time so that the offsets of the
                    // source AHEAD places on and the row of the one AHEAD / 2 on are
                    // requested while the current row is added.
                    const AHEAD: usize = 8;
                    let mut batch = [0u32; 64];
                    let mut len = 0;
                    let flush = |batch: &[u32], lane: &mut [S]| {
                        for (k, &i) in batch.iter().enumerate() {
                            if let Some(&far) = batch.get(k + AHEAD) {
                                prefetch(offsets.as_ptr().wrapping_add(far as usize));
                            }
                            if let Some(&near) = batch.get(k + AHEAD / 2)
                                && let Some(&a) = offsets.get(near as usize)
                            {
                                let row = targets.as_ptr().wrapping_add(a as usize);
                                for line in 0..4 {
                                    prefetch(row.wrapping_add(line * 16));
                                }
                            }
                            add_row(lane, i as usize);
                        }
                    };
                    for_each_spike(spikes, |i| {
                        if let Some(b) = batch.get_mut(len) {
                            *b = i as u32;
                            len += 1;
                        }
                        if len == batch.len() {
                            flush(&batch, lane);
                            len = 0;
                        }
                    });
                    flush(batch.get(..len).unwrap_or_default(), lane);
                    return;
                }
                for_each_spike(spikes, |i| {
                    let Some((a, ts)) = rows(i) else { return };
                    for (k, &j) in (a..).zip(ts) {
                        let j = j as usize;
                        if !contains(&range, j) {
                            continue;
                        }
                        let w = match weights {
                            Weights::Uniform(w) => w,
                            Weights::PerSynapse(ws) => match ws.get(k) {
                                Some(&w) => w,
                                None => continue,
                            },
                        };
                        match self.delays {
                            Delays::Uniform(_) => syn.add_at_slot(j, slot, channel, w),
                            Delays::PerSynapse(_) => {
                                syn.add(j, arrival(emitted, self.delays, k), channel, w)
                            }
                        }
                    }
                });
            }
        }
    }
}

/// Asks the cache for the line holding `p` (x86-64; elsewhere nothing). Results never
/// depend on it.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every x86-64 core has SSE; a prefetch never faults, whatever the address, and
    // reads nothing the program sees.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// `range.contains(&j)`, without a reference in the hot loop.
#[inline(always)]
fn contains(range: &Range<usize>, j: usize) -> bool {
    j >= range.start && j < range.end
}

/// The step at which synapse `k`'s spike, emitted at `emitted`, arrives.
#[inline(always)]
fn arrival(emitted: u64, delays: Delays<'_>, k: usize) -> u64 {
    let d = match delays {
        Delays::Uniform(d) => u64::from(d),
        Delays::PerSynapse(ds) => ds.get(k).copied().map_or(1, u64::from),
    };
    emitted.wrapping_add(d)
}

/// Calls `f(i)` for each set bit `i` of the packed words `spikes`, in increasing order.
#[inline]
pub fn for_each_spike(spikes: &[u32], mut f: impl FnMut(usize)) {
    for (w, &word) in spikes.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            f(w * 32 + b);
            bits &= bits - 1;
        }
    }
}

/// An analog input through dense weights: `out[j] = sum_i weights[j * x.len() + i] * x[i] +
/// bias[j]`, each sum taken in the order of `x` with the bias added last (as a per-sample
/// `torch.nn.Linear` does), saturating in fixed point. This is how an imported network's
/// first layer turns input values (not spikes) into its first population's input.
///
/// ```
/// use lif_core::projection::affine;
///
/// let (w, b) = ([1.0f32, 2.0, 0.5, -1.0], [0.25f32, 0.0]); // (2 outputs, 2 inputs)
/// let mut out = [0.0f32; 2];
/// affine(&w, &b, &[1.0, 0.5], &mut out)?;
/// assert_eq!(out, [2.25, 0.0]);
/// # Ok::<(), lif_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Length`] unless `weights` holds `out.len() * x.len()` values and `bias` one per
/// output.
pub fn affine<S: Scalar>(weights: &[S], bias: &[S], x: &[S], out: &mut [S]) -> Result<(), Error> {
    check_affine(weights.len(), bias.len(), x.len(), out.len())?;
    let n = x.len();
    for (j, (o, &b)) in out.iter_mut().zip(bias).enumerate() {
        let mut s = S::ZERO;
        for (&w, &v) in weights[j * n..(j + 1) * n].iter().zip(x) {
            s = s.add(w.mul(v));
        }
        *o = s.add(b);
    }
    Ok(())
}

/// An analog input through 8-bit weights with one scale per output:
/// `out[j] = (sum_i x[i] * weights[j * x.len() + i]) * scales[j] + bias[j]`, the sum by
/// [`Scalar::dot_int8`]
/// (in the order of `x`; exact in fixed point, which then rounds once, at the scale), the
/// bias added last. One multiply-accumulate of an input and an integer per weight: the
/// first layer of an imported network on a microcontroller.
///
/// ```
/// use lif_core::projection::affine_int8;
///
/// let (q, scales, b) = ([2i8, 4, 1, -2], [0.5f32, 0.5], [0.25f32, 0.0]);
/// let mut out = [0.0f32; 2];
/// affine_int8(&q, &scales, &b, &[1.0, 0.5], &mut out)?; // weights 1, 2, 0.5, -1
/// assert_eq!(out, [2.25, 0.0]);
/// # Ok::<(), lif_core::Error>(())
/// ```
///
/// # Errors
/// As [`affine`], and [`Error::Length`] unless there is one scale per output.
pub fn affine_int8<S: Scalar>(
    weights: &[i8],
    scales: &[S],
    bias: &[S],
    x: &[S],
    out: &mut [S],
) -> Result<(), Error> {
    check_affine(weights.len(), bias.len(), x.len(), out.len())?;
    if scales.len() != out.len() {
        return Err(Error::Length {
            buffer: "weight scales",
            expected: out.len(),
            actual: scales.len(),
        });
    }
    let n = x.len();
    for (j, ((o, &b), &scale)) in out.iter_mut().zip(bias).zip(scales).enumerate() {
        let row = weights.get(j * n..(j + 1) * n).unwrap_or_default();
        *o = S::dot_int8(x, row).mul(scale).add(b);
    }
    Ok(())
}

fn check_affine(weights: usize, bias: usize, inputs: usize, outputs: usize) -> Result<(), Error> {
    if weights != outputs * inputs {
        return Err(Error::Length {
            buffer: "weights",
            expected: outputs * inputs,
            actual: weights,
        });
    }
    if bias != outputs {
        return Err(Error::Length {
            buffer: "bias",
            expected: outputs,
            actual: bias,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_each_synapse_lists_synapses_by_source_as_stored() {
        let mut seen = [(0, 0, 0, 0.0f32, 0u16); 3];
        let mut n = 0;
        let sparse = Projection {
            source: 0,
            target: 1,
            channel: 0,
            delays: Delays::PerSynapse(&[3, 1, 2]),
            connectivity: Connectivity::Sparse {
                offsets: &[0, 2, 2, 3],
                targets: &[4, 1, 0],
                weights: Weights::PerSynapse(&[0.5, 0.25, 2.0]),
            },
        };
        sparse.for_each_synapse(3, 5, |i, j, k, w, d| {
            seen[n] = (i, j, k, w, d);
            n += 1;
        });
        assert_eq!(n, 3);
        assert_eq!(
            seen,
            [(0, 4, 0, 0.5, 3), (0, 1, 1, 0.25, 1), (2, 0, 2, 2.0, 2)]
        );
        let dense = Projection {
            connectivity: Connectivity::Dense {
                weights: &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            },
            delays: Delays::Uniform(1),
            ..sparse
        };
        let mut last = (0, 0, 0, 0.0, 0);
        let mut count = 0;
        dense.for_each_synapse(2, 3, |i, j, k, w, d| {
            last = (i, j, k, w, d);
            count += 1;
        });
        assert_eq!((count, last), (6, (1, 2, 5, 6.0, 1)));
    }

    /// 8-bit weights deliver the same sums as dense weights holding their products, in
    /// fixed point (where the products are exact) for every delay form and target range.
    #[test]
    fn int8_weights_deliver_as_dense_weights_of_their_values() {
        use crate::I16F16;
        use crate::synapse::{ChannelConfig, Synapses};
        let q: [i8; 12] = [127, -128, 3, 0, -7, 64, 1, -1, 100, -100, 55, 9];
        let scales = [0.0039, 0.5, 1.75].map(|s| I16F16::from_f64(s).unwrap());
        let values: [I16F16; 12] = core::array::from_fn(|k| int8_weight(q[k], scales[k % 3]));
        let delays = [1u8, 2, 1, 2, 2, 1, 1, 1, 2, 2, 1, 2];
        for d in [Delays::Uniform(1), Delays::PerSynapse(&delays)] {
            let p = |c| Projection {
                source: 0,
                target: 1,
                channel: 0,
                delays: d,
                connectivity: c,
            };
            let a = p(Connectivity::DenseInt8 {
                weights: &q,
                scales: &scales,
            });
            let b = p(Connectivity::Dense { weights: &values });
            a.check(0, 4, 3, 1, 2).unwrap();
            let ch = [ChannelConfig::instantaneous().build::<I16F16>(1.0).unwrap()];
            let run = |p: &Projection<'_, I16F16>| {
                let (mut ring, mut g) = ([I16F16::ZERO; 6], [I16F16::ZERO; 3]);
                let mut syn = Synapses::new(&ch, 2, 3, &mut ring, &mut g).unwrap();
                p.deliver(&[0b1011], 0, &mut syn);
                p.deliver(&[0b0110], 1, &mut syn);
                let mut out = [[I16F16::ZERO; 3]; 2];
                for (t, o) in out.iter_mut().enumerate() {
                    syn.collect(t as u64 + 1, None, o);
                }
                out
            };
            assert_eq!(run(&a), run(&b));
            let mut listed = 0;
            a.for_each_synapse(4, 3, |_, _, k, w, _| {
                assert_eq!(w, values[k]);
                listed += 1;
            });
            assert_eq!(listed, 12);
        }
        let short = Connectivity::DenseInt8 {
            weights: &q,
            scales: &scales[..2],
        };
        let bad = Projection {
            source: 0,
            target: 1,
            channel: 0,
            delays: Delays::Uniform(1),
            connectivity: short,
        };
        assert!(matches!(
            bad.check(0, 4, 3, 1, 2),
            Err(Error::Length {
                buffer: "weight scales",
                ..
            })
        ));
    }
}
