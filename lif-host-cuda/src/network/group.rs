//! One population of a network on the CPU: its neurons, synapse channels, delay buffers and
//! input, stepped in ranges of whole spike words that threads own.

use lif_core::input::StepDraws;
use lif_core::network::prepare;
use lif_core::population::{self, PerNeuron, Rows, Shared};
use lif_core::projection::Projection;
use lif_core::synapse::{Channel, Synapses};
use lif_core::{AosSlices, Counter, Error, Neuron, Scalar, Stimulus};
use std::time::{Duration, Instant};

use multiversion::multiversion;
use rayon::prelude::*;

/// Where a population's parameters come from.
#[derive(Debug, Clone)]
pub enum Params<M> {
    /// One set for every neuron.
    Shared(M),
    /// One set per neuron.
    PerNeuron(Vec<M>),
}

/// What a network needs of a population, whatever its model.
pub(crate) trait Group<S: Scalar>: Send + Sync {
    fn len(&self) -> usize;
    /// Step `t` of lif-core's network order (deliver, collect, step the neurons) in ranges
    /// of `chunk` neurons (all at once when `chunk >= len`), one parallel region; spikes into
    /// `out` (packed words). Returns the time the ranges spent delivering and stepping,
    /// summed over the threads.
    fn advance(
        &mut self,
        t: u64,
        incoming: &[(Projection<'_, S>, &[u32])],
        out: &mut [u32],
        chunk: usize,
    ) -> Result<(Duration, Duration), Error>;
    /// The population on the device, its spike words of the step before in `last` (placed
    /// in row `last_row`).
    #[cfg(feature = "cuda")]
    fn upload(
        &mut self,
        last: &[u32],
        last_row: usize,
    ) -> Result<Box<dyn super::device::DevicePop<S> + '_>, crate::SimError>;
    /// Grows the delay buffer to `slots` steps (before the first step only).
    fn resize_slots(&mut self, slots: usize);
    /// Membrane of neuron `i`.
    fn membrane(&self, i: usize) -> Option<S>;
    /// Steps of external input rows, when the population has them.
    fn input_steps(&self) -> Option<usize>;
    /// Bytes of state per neuron (model state, channels, buffers, input).
    fn bytes_per_neuron(&self) -> usize;
}

/// One range's buffers: (index, (((input, delay buffer), channels), (state, spike words))).
type RangeParts<'a, S, T> = (
    usize,
    (
        ((&'a mut [S], &'a mut [S]), &'a mut [S]),
        (&'a mut [T], &'a mut [u32]),
    ),
);

/// A range's external input at one step.
enum External<'a, S> {
    /// None: zeros.
    None,
    /// Generated from the population's input draws, for the range's first neuron on.
    Stimulus(Stimulus<S>, Counter, u64),
    /// The range's part of the step's input row.
    Row(&'a [S]),
}

/// One range's external input and synaptic input for step `t` (lif-core's `prepare`),
/// compiled once per vector width and picked at run time, like the CPU backend's loop.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2",))]
fn prepare_range<S: Scalar>(
    t: u64,
    external: External<'_, S>,
    incoming: &[(Projection<'_, S>, &[u32])],
    syn: &mut Synapses<'_, S>,
    bias: Option<&[S]>,
    input: &mut [S],
) {
    match external {
        External::Stimulus(s, draws, first) => {
            s.sample_into(s.level(t), &StepDraws::new(draws, t), first, input)
        }
        External::Row(r) if r.len() == input.len() => input.copy_from_slice(r),
        _ => input.fill(S::ZERO),
    }
    prepare(t, incoming.iter().map(|(p, s)| (p, *s)), syn, bias, input);
}

/// One range's neurons stepped once with `input` (lif-core's population loop), compiled
/// per vector width like [`prepare_range`].
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2",))]
fn step_range<S, M, P>(
    params: &P,
    state: &mut [M::State],
    input: &[S],
    out: &mut [u32],
) -> Result<(), Error>
where
    S: Scalar,
    M: Neuron<S>,
    P: population::ParamSource<M>,
{
    let mut rows = Rows {
        data: input,
        stride: input.len(),
        offset: 0,
    };
    population::run_from(params, &mut AosSlices(state), &mut rows, 1, out)
}

/// A population of model `M`.
pub(crate) struct Pop<S: Scalar, M: Neuron<S>> {
    pub params: Params<M>,
    pub state: Vec<M::State>,
    pub channels: Vec<Channel<S>>,
    pub slots: usize,
    pub ring: Vec<S>,
    pub g: Vec<S>,
    pub bias: Option<Vec<S>>,
    pub stimulus: Option<Stimulus<S>>,
    /// External input rows, row-major (steps, n), checked finite; the network checks that
    /// they cover every step it runs.
    pub rows: Option<Vec<S>>,
    /// The input draws of the stimulus (`input_draws` of the population's seed).
    pub draws: Counter,
    pub input: Vec<S>,
    /// The range length the channel values and delay buffer are laid out for (one block of
    /// lif-core's layout per range; see `relayout`).
    pub layout: usize,
}

/// Where neuron `j`'s value of channel `c`, slot `slot` lies when a population of `n` is
/// laid out in ranges of `chunk` (lif-core's layout within each range); `slots = 1` for
/// the channel values.
fn at(j: usize, slot: usize, c: usize, chunk: usize, n: usize, slots: usize, cs: usize) -> usize {
    let b = j / chunk;
    let len = chunk.min(n - b * chunk);
    b * chunk * slots * cs + (slot * cs + c) * len + j % chunk
}

impl<S: Scalar, M: Neuron<S>> Pop<S, M> {
    /// Lays the channel values and delay buffer out for ranges of `chunk` neurons (a run on
    /// another number of threads splits the population differently); values do not change.
    pub(crate) fn relayout(&mut self, chunk: usize) {
        let (n, cs, slots, old) = (
            self.state.len(),
            self.channels.len(),
            self.slots,
            self.layout,
        );
        if chunk == old || n == 0 {
            self.layout = chunk;
            return;
        }
        let mut ring = vec![S::ZERO; self.ring.len()];
        let mut g = vec![S::ZERO; self.g.len()];
        for j in 0..n {
            for c in 0..cs {
                g[at(j, 0, c, chunk, n, 1, cs)] = self.g[at(j, 0, c, old, n, 1, cs)];
                for s in 0..slots {
                    ring[at(j, s, c, chunk, n, slots, cs)] =
                        self.ring[at(j, s, c, old, n, slots, cs)];
                }
            }
        }
        self.ring = ring;
        self.g = g;
        self.layout = chunk;
    }
}

impl<S, M> Group<S> for Pop<S, M>
where
    S: Scalar + Send + Sync,
    M: Neuron<S> + Copy + Send + Sync + 'static,
    M::State: Send + Sync + 'static,
{
    #[cfg(feature = "cuda")]
    fn upload(
        &mut self,
        last: &[u32],
        last_row: usize,
    ) -> Result<Box<dyn super::device::DevicePop<S> + '_>, crate::SimError> {
        super::device::upload(self, last, last_row)
    }

    fn len(&self) -> usize {
        self.state.len()
    }

    fn advance(
        &mut self,
        t: u64,
        incoming: &[(Projection<'_, S>, &[u32])],
        out: &mut [u32],
        chunk: usize,
    ) -> Result<(Duration, Duration), Error> {
        let n = self.state.len();
        let c = self.channels.len();
        let chunk = chunk.clamp(1, n.max(1));
        self.relayout(chunk);
        let words = chunk.div_ceil(population::BLOCK);
        let stimulus = self.stimulus;
        let (bias, params) = (self.bias.as_deref(), &self.params);
        let row = self.rows.as_deref().and_then(|r| {
            let at = usize::try_from(t).ok()?.checked_mul(n)?;
            r.get(at..at + n)
        });
        let (channels, slots, draws) = (&self.channels, self.slots, self.draws);
        // One range: its input and synaptic input (lif-core's `prepare`), then its neurons.
        let work = |(k, (((input, ring), g), (state, out))): RangeParts<'_, S, M::State>| {
            let begin = Instant::now();
            let start = k * chunk;
            let len = input.len();
            let range = start..start + len;
            let b = bias.and_then(|b| b.get(range.clone()));
            if let Ok(mut syn) = Synapses::part(channels, slots, n, range, ring, g) {
                let external = match (stimulus, row.and_then(|r| r.get(start..start + len))) {
                    (Some(s), _) => External::Stimulus(s, draws, start as u64),
                    (None, Some(r)) => External::Row(r),
                    (None, None) => External::None,
                };
                prepare_range(t, external, incoming, &mut syn, b, input);
            }
            let mid = Instant::now();
            let stepped = match params {
                Params::Shared(m) => step_range(&Shared(m), state, input, out),
                Params::PerNeuron(ms) => {
                    step_range(&PerNeuron(&ms[start..start + len]), state, input, out)
                }
            };
            (mid - begin, mid.elapsed(), stepped)
        };
        if chunk >= n {
            let (d, s, r) = work((
                0,
                (
                    ((&mut self.input, &mut self.ring), &mut self.g),
                    (&mut self.state, out),
                ),
            ));
            return r.map(|()| (d, s));
        }
        let (d, s, r) = self
            .input
            .par_chunks_mut(chunk)
            .zip(self.ring.par_chunks_mut(chunk * slots * c))
            .zip(self.g.par_chunks_mut(chunk * c))
            .zip(
                self.state
                    .par_chunks_mut(chunk)
                    .zip(out.par_chunks_mut(words)),
            )
            .enumerate()
            .map(work)
            .reduce(
                || (Duration::ZERO, Duration::ZERO, Ok(())),
                |a, b| (a.0 + b.0, a.1 + b.1, a.2.and(b.2)),
            );
        r.map(|()| (d, s))
    }

    fn resize_slots(&mut self, slots: usize) {
        // Before the first step only: the buffer holds nothing yet.
        self.slots = slots;
        self.ring = vec![S::ZERO; self.state.len() * self.channels.len() * slots];
    }

    fn membrane(&self, i: usize) -> Option<S> {
        self.state.get(i).map(M::membrane)
    }

    fn input_steps(&self) -> Option<usize> {
        let n = self.state.len().max(1);
        self.rows.as_ref().map(|r| r.len() / n)
    }

    fn bytes_per_neuron(&self) -> usize {
        let n = self.state.len().max(1);
        size_of::<M::State>()
            + (self.ring.len() + self.g.len() + self.input.len()) * size_of::<S>() / n
            + self.bias.as_ref().map_or(0, |_| size_of::<S>())
            + match &self.params {
                Params::Shared(_) => 0,
                Params::PerNeuron(_) => size_of::<M>(),
            }
    }
}
