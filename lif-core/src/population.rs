//! The population loop: N neurons over caller-owned slices, no allocation.
//!
//! This is the one loop the firmware and the CPU backend call; the GPU kernels call the same
//! per-neuron [`Neuron::step`] in the same order. Neurons are processed in tiles of
//! [`tile_len`] neurons; each tile is run through all requested time steps while its state
//! stays in cache, in blocks of 32 (one word of packed spikes). Neurons are independent, so
//! any split of the population (blocks, threads, devices) and any split of time (calls of
//! `run` with fewer steps) gives the same bits.

use crate::error::Error;
use crate::input::{StepDraws, Stimulus};
use crate::neuron::{Neuron, StateSlices, step_block, step_each_with};
use crate::rng::Counter;
use crate::scalar::Scalar;

/// Neurons per block: one 32-bit word of packed spikes.
pub const BLOCK: usize = 32;

/// State bytes per tile: a tile is run through all requested steps before the next one
/// starts, so its state stays in the core's cache while each step reads one long contiguous
/// stretch of input (short stretches cost the memory system more than the arithmetic).
pub const TILE_BYTES: usize = 64 << 10;

/// Neurons per span: the loop asks the input source for one span of a step's row at a time
/// and, while it steps the span's blocks, has the source fetch the next span (4 KiB of f32
/// ahead; 2 to 16 KiB measured the same).
const SPAN: usize = 32 * BLOCK;

/// Neurons per batch of generated input: [`InputSource::fill`] makes this many values at a
/// time (a few blocks: its per-call work is amortised, and the buffer stays small on a
/// microcontroller's stack).
const GENERATED: usize = 8 * BLOCK;

/// Neurons per tile for a state of `state_bytes` bytes: [`TILE_BYTES`] of state, a whole
/// number of blocks, at least one.
pub const fn tile_len(state_bytes: usize) -> usize {
    let n = TILE_BYTES / if state_bytes == 0 { 1 } else { state_bytes };
    let blocks = n / BLOCK;
    if blocks == 0 { BLOCK } else { blocks * BLOCK }
}

/// Where the parameters of neuron `i` come from.
pub trait ParamSource<M> {
    /// `Some(n)` when the source holds exactly `n` per-neuron parameter sets.
    fn count(&self) -> Option<usize>;
    /// The one parameter set of every neuron, when the source is shared.
    fn shared(&self) -> Option<&M> {
        None
    }
    /// Parameters of neuron `i`.
    ///
    /// # Safety
    /// `i` is below `count()` when that is `Some`.
    unsafe fn at(&self, i: usize) -> &M;
}

/// One parameter set for every neuron.
#[derive(Debug, Clone, Copy)]
pub struct Shared<'a, M>(pub &'a M);

/// One parameter set per neuron.
#[derive(Debug, Clone, Copy)]
pub struct PerNeuron<'a, M>(pub &'a [M]);

impl<M> ParamSource<M> for Shared<'_, M> {
    #[inline]
    fn count(&self) -> Option<usize> {
        None
    }
    #[inline]
    fn shared(&self) -> Option<&M> {
        Some(self.0)
    }
    #[inline]
    unsafe fn at(&self, _i: usize) -> &M {
        self.0
    }
}

impl<M> ParamSource<M> for PerNeuron<'_, M> {
    #[inline]
    fn count(&self) -> Option<usize> {
        Some(self.0.len())
    }
    #[inline]
    unsafe fn at(&self, i: usize) -> &M {
        // SAFETY: the caller checked `i < count()`.
        unsafe { self.0.get_unchecked(i) }
    }
}

/// A spike output: `[bool]` (one per neuron and step) or `[u32]` (bit-packed, bit `i % 32` of
/// word `i / 32` of each step's row of `ceil(n / 32)` words).
pub trait SpikeSink {
    /// Length needed for `rows` steps of `n` neurons.
    fn required_len(rows: usize, n: usize) -> usize;
    /// Current length.
    fn available(&self) -> usize;
    /// Writes the spikes of neurons `32 * block .. 32 * block + count` at step `row` from the
    /// low `count` bits of `bits` (bits above `count` are zero).
    ///
    /// # Safety
    /// `available() >= required_len(row + 1, n)` and `32 * block + count <= n`.
    unsafe fn put(&mut self, row: usize, n: usize, block: usize, bits: u32, count: usize);
}

impl SpikeSink for [bool] {
    fn required_len(rows: usize, n: usize) -> usize {
        rows.saturating_mul(n)
    }
    fn available(&self) -> usize {
        self.len()
    }
    #[inline]
    unsafe fn put(&mut self, row: usize, n: usize, block: usize, bits: u32, count: usize) {
        let base = row * n + block * BLOCK;
        for j in 0..count {
            // SAFETY: base + j < (row + 1) * n <= len, by the caller's contract.
            unsafe { *self.get_unchecked_mut(base + j) = (bits >> j) & 1 != 0 };
        }
    }
}

impl SpikeSink for [u32] {
    fn required_len(rows: usize, n: usize) -> usize {
        rows.saturating_mul(n.div_ceil(BLOCK))
    }
    fn available(&self) -> usize {
        self.len()
    }
    #[inline]
    unsafe fn put(&mut self, row: usize, n: usize, block: usize, bits: u32, _count: usize) {
        // SAFETY: row * words + block < (row + 1) * words <= len, by the caller's contract.
        unsafe { *self.get_unchecked_mut(row * n.div_ceil(BLOCK) + block) = bits };
    }
}

/// Per-neuron parameters must match the population.
fn check_params<M, P: ParamSource<M>>(params: &P, n: usize) -> Result<(), Error> {
    match params.count() {
        Some(count) if count != n => Err(Error::Length {
            buffer: "params",
            expected: n,
            actual: count,
        }),
        _ => Ok(()),
    }
}

/// The index of the first non-finite value in `xs`.
#[inline]
pub fn first_non_finite<S: Scalar>(xs: &[S]) -> Option<usize> {
    if S::all_finite(xs) {
        None
    } else {
        xs.iter().position(|x| !x.is_finite())
    }
}

/// Where the input of neuron `i` at step `t` of a run comes from.
pub trait InputSource<S> {
    /// Checks that the source covers `steps` steps of `n` neurons and holds only valid
    /// values; called once before anything is stepped.
    fn check(&self, steps: usize, n: usize) -> Result<(), Error>;
    /// The input of neuron `i` at step `t` of the run.
    ///
    /// # Safety
    /// `t < steps` and `i < n` for the `steps` and `n` that `check` accepted.
    unsafe fn get(&mut self, t: usize, i: usize) -> S;
    /// The inputs of neurons `start..start + out.len()` at step `t`, into `out`: what
    /// [`InputSource::get`] gives for each (the default), where a source can hoist its
    /// per-step work out of the loop.
    ///
    /// # Safety
    /// `t < steps` and `start + out.len() <= n` for the `steps` and `n` that `check`
    /// accepted.
    #[inline(always)]
    unsafe fn fill(&mut self, t: usize, start: usize, out: &mut [S]) {
        for (k, x) in out.iter_mut().enumerate() {
            // SAFETY: forwarded from the caller; start + k < start + out.len().
            *x = unsafe { self.get(t, start + k) };
        }
    }
    /// The inputs of neurons `start..start + len` at step `t` as one slice, where the source
    /// holds them side by side (an array's row); `None` (the default) has the loop gather
    /// them with [`InputSource::get`].
    ///
    /// # Safety
    /// `t < steps` and `start + len <= n` for the `steps` and `n` that `check` accepted.
    #[inline(always)]
    unsafe fn row(&self, t: usize, start: usize, len: usize) -> Option<&[S]> {
        let _ = (t, start, len);
        None
    }
    /// Called with the inputs `x` of neurons `start..start + x.len()` at step `t`, taken
    /// from [`InputSource::row`], just before they are stepped. A source that checks its
    /// values as they are read ([`StreamRows`]) answers a non-finite one with
    /// [`Error::NonFinite`], which stops the run; the default accepts them (they were
    /// checked by [`InputSource::check`]).
    #[inline(always)]
    fn check_cells(&self, t: usize, start: usize, x: &[S]) -> Result<(), Error> {
        let _ = (t, start, x);
        Ok(())
    }
    /// A hint that the block of neurons `start..start + BLOCK` at step `t` will be read
    /// soon: a source in memory asks the cache for it. It may point past the run; results
    /// never depend on it. The default does nothing.
    #[inline(always)]
    fn prefetch(&self, t: usize, start: usize) {
        let _ = (t, start);
    }
}

/// Input rows of a row-major array: neuron `i` at step `t` reads
/// `data[t * stride + offset + i]`, so a sub-population can read its columns of a larger
/// population's input in place.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a, S> {
    /// The array.
    pub data: &'a [S],
    /// Distance between the starts of two steps' rows.
    pub stride: usize,
    /// Column of neuron 0 within each row.
    pub offset: usize,
}

impl<S: Scalar> Rows<'_, S> {
    /// The rows cover `steps` steps of `n` neurons.
    fn check_lengths(&self, steps: usize, n: usize) -> Result<(), Error> {
        if steps == 0 || n == 0 {
            return Ok(());
        }
        if self.offset.saturating_add(n) > self.stride && steps > 1 {
            return Err(Error::Length {
                buffer: "input stride",
                expected: self.offset + n,
                actual: self.stride,
            });
        }
        let want = (steps - 1)
            .saturating_mul(self.stride)
            .saturating_add(self.offset)
            .saturating_add(n);
        if self.data.len() < want
            || (self.stride == n && self.offset == 0 && self.data.len() != want)
        {
            return Err(Error::Length {
                buffer: "input",
                expected: want,
                actual: self.data.len(),
            });
        }
        Ok(())
    }

    /// The checks of [`InputSource::check`] for these rows: their lengths, then their values.
    fn check_all(&self, steps: usize, n: usize) -> Result<(), Error> {
        self.check_lengths(steps, n)?;
        if n == 0 {
            return Ok(());
        }
        for t in 0..steps {
            let row = t * self.stride + self.offset;
            // SAFETY: row + n <= want <= data.len(), checked above.
            let cells = unsafe { self.data.get_unchecked(row..row + n) };
            if let Some(i) = first_non_finite(cells) {
                return Err(Error::NonFinite {
                    buffer: "input",
                    index: row + i,
                });
            }
        }
        Ok(())
    }

    /// Asks the cache for the block of cells `start..start + BLOCK` of step `t`'s row. A
    /// core that streams its input while computing on it keeps too few reads in flight on
    /// its own, so it asks one span ahead (figures: docs/performance.md). Elsewhere (Cortex-M
    /// has no data cache) it does nothing.
    #[inline(always)]
    fn prefetch_block(&self, t: usize, start: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            const LINE: usize = 64;
            let at = t
                .wrapping_mul(self.stride)
                .wrapping_add(self.offset)
                .wrapping_add(start);
            let p = self.data.as_ptr().wrapping_add(at).cast::<i8>();
            for line in 0..(BLOCK * size_of::<S>()).div_ceil(LINE) {
                // SAFETY: every x86-64 core has SSE; a prefetch never faults, whatever the
                // address, and reads nothing the program sees.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(line * LINE)) };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (t, start);
    }

    /// The slice of `row`.
    ///
    /// # Safety
    /// As for [`InputSource::row`].
    #[inline(always)]
    unsafe fn slice(&self, t: usize, start: usize, len: usize) -> &[S] {
        let at = t * self.stride + self.offset + start;
        // SAFETY: t < steps and start + len <= n, so the range ends below `want <= data.len()`.
        unsafe { self.data.get_unchecked(at..at + len) }
    }
}

impl<S: Scalar> InputSource<S> for Rows<'_, S> {
    fn check(&self, steps: usize, n: usize) -> Result<(), Error> {
        self.check_all(steps, n)
    }

    #[inline]
    unsafe fn get(&mut self, t: usize, i: usize) -> S {
        // SAFETY: t < steps and i < n, so the index is below `want <= data.len()`.
        unsafe { *self.data.get_unchecked(t * self.stride + self.offset + i) }
    }

    #[inline(always)]
    unsafe fn row(&self, t: usize, start: usize, len: usize) -> Option<&[S]> {
        // SAFETY: forwarded from the caller.
        Some(unsafe { self.slice(t, start, len) })
    }

    #[inline(always)]
    fn prefetch(&self, t: usize, start: usize) {
        self.prefetch_block(t, start);
    }
}

/// [`Rows`] whose values are checked as the run reads them instead of before it: the input
/// is read once, not twice, which is what bounds a large run's speed. On a non-finite value
/// the run stops with [`Error::NonFinite`] (its index into `data`) and the neurons already
/// stepped stay stepped, so a caller that must keep its state on error keeps a copy of it
/// (the host simulator does). Fixed-point inputs are finite by construction.
#[derive(Debug, Clone, Copy)]
pub struct StreamRows<'a, S>(pub Rows<'a, S>);

impl<S: Scalar> InputSource<S> for StreamRows<'_, S> {
    fn check(&self, steps: usize, n: usize) -> Result<(), Error> {
        self.0.check_lengths(steps, n)
    }

    /// Unchecked: the run loop reads this source through `row`.
    #[inline]
    unsafe fn get(&mut self, t: usize, i: usize) -> S {
        // SAFETY: forwarded from the caller.
        unsafe { self.0.get(t, i) }
    }

    #[inline(always)]
    unsafe fn row(&self, t: usize, start: usize, len: usize) -> Option<&[S]> {
        // SAFETY: forwarded from the caller.
        Some(unsafe { self.0.slice(t, start, len) })
    }

    /// Checked block by block, just before the block steps: the values are then read from
    /// memory once, for the check, and stepped from registers or the first-level cache.
    #[inline(always)]
    fn check_cells(&self, t: usize, start: usize, x: &[S]) -> Result<(), Error> {
        match first_non_finite(x) {
            None => Ok(()),
            Some(i) => Err(Error::NonFinite {
                buffer: "input",
                index: t * self.0.stride + self.0.offset + start + i,
            }),
        }
    }

    #[inline(always)]
    fn prefetch(&self, t: usize, start: usize) {
        self.0.prefetch_block(t, start);
    }
}

/// Generated input: `stimulus` at global step `t0 + t` for neuron `first + i`, drawn from
/// `draws` (lif-core's [`crate::input::input_draws`] of the seed), so any backend and any
/// split of the run reproduces it. A step's shared level and draws are computed once per
/// step, not once per neuron.
#[derive(Debug, Clone)]
pub struct Generated<S> {
    stimulus: Stimulus<S>,
    draws: Counter,
    t0: u64,
    first: u64,
    /// The step whose level and draws `level` and `key` hold (`usize::MAX`: none yet).
    level_at: usize,
    level: S,
    key: StepDraws,
}

impl<S: Scalar> Generated<S> {
    /// `stimulus` from global step `t0` on, for neurons numbered from `first` (a block of a
    /// larger population passes its first neuron's index).
    pub fn new(stimulus: Stimulus<S>, draws: Counter, t0: u64, first: u64) -> Self {
        Self {
            stimulus,
            draws,
            t0,
            first,
            level_at: usize::MAX,
            level: S::ZERO,
            key: StepDraws::default(),
        }
    }

    /// The shared level and draws of the run's step `t`, computed once per step.
    #[inline]
    fn step(&mut self, t: usize) -> S {
        if t != self.level_at {
            let global = self.t0.wrapping_add(t as u64);
            self.level = self.stimulus.level(global);
            self.key = StepDraws::new(self.draws, global);
            self.level_at = t;
        }
        self.level
    }
}

impl<S: Scalar> InputSource<S> for Generated<S> {
    fn check(&self, _steps: usize, _n: usize) -> Result<(), Error> {
        self.stimulus.check()
    }

    #[inline]
    unsafe fn get(&mut self, t: usize, i: usize) -> S {
        let level = self.step(t);
        let neuron = self.first.wrapping_add(i as u64);
        self.stimulus.sample(level, &self.key, neuron)
    }

    /// Always inlined, so that it is compiled for the caller's vector width (the CPU
    /// backend's loop picks AVX2 or AVX-512 at run time).
    #[inline(always)]
    unsafe fn fill(&mut self, t: usize, start: usize, out: &mut [S]) {
        let level = self.step(t);
        let first = self.first.wrapping_add(start as u64);
        self.stimulus.sample_into(level, &self.key, first, out);
    }
}

/// Checks the parts of a run that do not depend on the input; returns the population size.
fn check<M, P, St, O>(params: &P, state: &St, steps: usize, spikes: &O) -> Result<usize, Error>
where
    P: ParamSource<M>,
    St: StateSlices + ?Sized,
    O: SpikeSink + ?Sized,
{
    let n = state.len();
    check_params(params, n)?;
    let want = O::required_len(steps, n);
    if spikes.available() != want {
        return Err(Error::Length {
            buffer: "spikes",
            expected: want,
            actual: spikes.available(),
        });
    }
    Ok(n)
}

/// Advances every neuron by one step. `input` holds one value per neuron; `spikes` receives
/// one row. On error nothing is stepped.
pub fn step<S, M, P, St, O>(
    params: &P,
    state: &mut St,
    input: &[S],
    spikes: &mut O,
) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: ParamSource<M>,
    St: StateSlices<State = M::State> + ?Sized,
    O: SpikeSink + ?Sized,
{
    run(params, state, input, 1, spikes)
}

/// Advances every neuron by `steps` steps. `input` is row-major `[step][neuron]`
/// (`steps * n` values); `spikes` receives one row per step. On error nothing is stepped.
pub fn run<S, M, P, St, O>(
    params: &P,
    state: &mut St,
    input: &[S],
    steps: usize,
    spikes: &mut O,
) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: ParamSource<M>,
    St: StateSlices<State = M::State> + ?Sized,
    O: SpikeSink + ?Sized,
{
    let n = state.len();
    run_from(
        params,
        state,
        &mut Rows {
            data: input,
            stride: n,
            offset: 0,
        },
        steps,
        spikes,
    )
}

/// Advances every neuron by `steps` steps with input from `source`; `spikes` receives one
/// row per step. On error nothing is stepped, except with a [`StreamRows`] source, which
/// stops at a non-finite value.
///
/// Always inlined, so that a caller compiled for wider vectors (the host's CPU backend picks
/// AVX2 or AVX-512 at run time) gets the loop compiled for them too.
#[inline(always)]
pub fn run_from<S, M, P, St, I, O>(
    params: &P,
    state: &mut St,
    source: &mut I,
    steps: usize,
    spikes: &mut O,
) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: ParamSource<M>,
    St: StateSlices<State = M::State> + ?Sized,
    I: InputSource<S> + ?Sized,
    O: SpikeSink + ?Sized,
{
    let n = check(params, state, steps, spikes)?;
    source.check(steps, n)?;
    match params.shared() {
        // One parameter set: a local copy the compiler can keep in registers and branch on
        // once (its fields are loop-invariant), instead of re-reading it for every neuron.
        Some(model) => {
            let model = model.clone();
            run_tiles(&Shared(&model), state, source, steps, spikes, n)
        }
        None => run_tiles(params, state, source, steps, spikes, n),
    }
}

/// The loop of [`run_from`], after its checks.
#[inline(always)]
fn run_tiles<S, M, P, St, I, O>(
    params: &P,
    state: &mut St,
    source: &mut I,
    steps: usize,
    spikes: &mut O,
    n: usize,
) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: ParamSource<M>,
    St: StateSlices<State = M::State> + ?Sized,
    I: InputSource<S> + ?Sized,
    O: SpikeSink + ?Sized,
{
    let tile_n = const { tile_len(size_of::<M::State>()) };
    for tile in (0..n).step_by(tile_n) {
        let tile_end = (tile + tile_n).min(n);
        for t in 0..steps {
            for span in (tile..tile_end).step_by(SPAN) {
                let len = (tile_end - span).min(SPAN);
                // Where the span after this one starts, in the loop's order: each block asks
                // for its counterpart there, spreading the requests over the span.
                let (next_t, next) = if span + SPAN < tile_end {
                    (t, span + SPAN)
                } else if t + 1 < steps {
                    (t + 1, tile)
                } else {
                    (0, tile_end)
                };
                // SAFETY: span + len <= n == state.len() == params.count() (when
                // per-neuron), and t < steps, i < n for the source; all checked by
                // `run_from`. Blocks stay within the span and hold at most BLOCK neurons.
                unsafe {
                    match (params.shared(), source.row(t, span, len)) {
                        // One model and the span's inputs side by side: its block step, which
                        // may vectorise, on whole blocks of constant length.
                        (Some(model), Some(x)) => {
                            let full = x.chunks_exact(BLOCK);
                            let tail = full.remainder();
                            for (b, xb) in full.enumerate() {
                                source.prefetch(next_t, next + b * BLOCK);
                                let start = span + b * BLOCK;
                                source.check_cells(t, start, xb)?;
                                let bits = step_block(model, state, start, xb);
                                spikes.put(t, n, start / BLOCK, bits, BLOCK);
                            }
                            if !tail.is_empty() {
                                let start = span + len - tail.len();
                                source.check_cells(t, start, tail)?;
                                let bits = step_block(model, state, start, tail);
                                spikes.put(t, n, start / BLOCK, bits, tail.len());
                            }
                        }
                        (None, Some(x)) => {
                            for start in (span..span + len).step_by(BLOCK) {
                                let count = (span + len - start).min(BLOCK);
                                let cells = x.get_unchecked(start - span..start - span + count);
                                source.check_cells(t, start, cells)?;
                                let bits = step_each_with(
                                    state,
                                    start,
                                    count,
                                    |k| params.at(start + k),
                                    |k| *cells.get_unchecked(k),
                                );
                                spikes.put(t, n, start / BLOCK, bits, count);
                            }
                        }
                        // Generated inputs for one model: made for a few blocks at a time
                        // (the source's per-call work is paid once per batch), then stepped
                        // block by block.
                        (Some(model), None) => {
                            let mut g = [S::ZERO; GENERATED];
                            for batch in (span..span + len).step_by(GENERATED) {
                                let count = (span + len - batch).min(GENERATED);
                                source.fill(t, batch, &mut g[..count]);
                                // Whole blocks of constant length, as for rows, then the tail.
                                let full = g[..count].chunks_exact(BLOCK);
                                let tail = full.remainder();
                                for (b, xb) in full.enumerate() {
                                    let start = batch + b * BLOCK;
                                    let bits = step_block(model, state, start, xb);
                                    spikes.put(t, n, start / BLOCK, bits, BLOCK);
                                }
                                if !tail.is_empty() {
                                    let start = batch + count - tail.len();
                                    let bits = step_block(model, state, start, tail);
                                    spikes.put(t, n, start / BLOCK, bits, tail.len());
                                }
                            }
                        }
                        // Inputs gathered one by one (generated inputs, per-neuron models).
                        (shared, None) => {
                            for start in (span..span + len).step_by(BLOCK) {
                                let count = (span + len - start).min(BLOCK);
                                let bits = match shared {
                                    Some(model) => {
                                        let mut g = [S::ZERO; BLOCK];
                                        source.fill(t, start, &mut g[..count]);
                                        step_block(model, state, start, &g[..count])
                                    }
                                    None => step_each_with(
                                        state,
                                        start,
                                        count,
                                        |k| params.at(start + k),
                                        |k| source.get(t, start + k),
                                    ),
                                };
                                spikes.put(t, n, start / BLOCK, bits, count);
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Applies a modulation signal to every neuron ([`Neuron::modulate`]).
pub fn modulate<S, M, P, St>(params: &P, state: &mut St, signal: S) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: ParamSource<M>,
    St: StateSlices<State = M::State> + ?Sized,
{
    let n = state.len();
    check_params(params, n)?;
    if !signal.is_finite() {
        return Err(Error::NonFinite {
            buffer: "signal",
            index: 0,
        });
    }
    for i in 0..n {
        // SAFETY: i < n, and params has n entries when it is per-neuron (checked above).
        unsafe {
            let mut s = state.load(i);
            params.at(i).modulate(&mut s, signal);
            state.store(i, s);
        }
    }
    Ok(())
}

/// Sets every neuron to its initial state under `seed` (neuron `i` gets stream `i + offset`,
/// so a slice of a larger population can be initialised on its own).
pub fn init<S, M, P, St>(params: &P, state: &mut St, seed: u64, offset: u64) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: ParamSource<M>,
    St: StateSlices<State = M::State> + ?Sized,
{
    let n = state.len();
    check_params(params, n)?;
    for i in 0..n {
        // SAFETY: i < n, and params has n entries when it is per-neuron (checked above).
        unsafe {
            let s = params.at(i).initial_state(seed, offset + i as u64);
            state.store(i, s);
        }
    }
    Ok(())
}
