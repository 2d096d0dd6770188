//! One population of a network on the CPU: its neurons, synapse channels, delay buffers and
//! input, stepped in ranges of whole spike words that threads own.

use lif_core::network::prepare;
use lif_core::population::{self, PerNeuron, Rows, Shared};
use lif_core::projection::Projection;
use lif_core::synapse::{Channel, Synapses};
use lif_core::{AosSlices, Error, Neuron, RngState, Scalar, Stimulus};
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
    /// Steps 1 and 2 of lif-core's network order (deliver, collect) for step `t`, in
    /// ranges of `chunk` neurons (all at once when `chunk >= len`).
    fn prepare(&mut self, t: u64, incoming: &[(Projection<'_, S>, &[u32])], chunk: usize);
    /// Step 3: the neurons with the prepared input; spikes into `out` (packed words).
    fn step(&mut self, out: &mut [u32], chunk: usize) -> Result<(), Error>;
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
    /// Bytes of state per neuron (model state, channels, buffers, input, stream).
    fn bytes_per_neuron(&self) -> usize;
}

/// One range's buffers in `prepare`: (index, ((input, delay buffer), (channels, streams))).
type PrepareChunk<'a, S> = (
    usize,
    (
        (&'a mut [S], &'a mut [S]),
        (&'a mut [S], &'a mut [RngState]),
    ),
);

/// One range's buffers in `step`: (index, ((state, input), spike words)).
type StepChunk<'a, S, T> = (usize, ((&'a mut [T], &'a [S]), &'a mut [u32]));

/// One range's external input and synaptic input for step `t` (lif-core's `prepare`),
/// compiled once per vector width and picked at run time, like the CPU backend's loop.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2",))]
fn prepare_range<S: Scalar>(
    t: u64,
    stimulus: Option<Stimulus<S>>,
    streams: &mut [RngState],
    incoming: &[(Projection<'_, S>, &[u32])],
    syn: &mut Synapses<'_, S>,
    bias: Option<&[S]>,
    input: &mut [S],
) {
    match stimulus {
        Some(s) => s.sample_into(s.level(t), streams, input),
        None => input.fill(S::ZERO),
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
    pub streams: Vec<RngState>,
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

    fn prepare(&mut self, t: u64, incoming: &[(Projection<'_, S>, &[u32])], chunk: usize) {
        let n = self.state.len();
        let c = self.channels.len();
        let chunk = chunk.clamp(1, n.max(1));
        self.relayout(chunk);
        let stimulus = self.stimulus;
        let bias = self.bias.as_deref();
        let (channels, slots) = (&self.channels, self.slots);
        let work = |(k, ((input, ring), (g, streams))): PrepareChunk<'_, S>| {
            let start = k * chunk;
            let range = start..start + input.len();
            let b = bias.and_then(|b| b.get(range.clone()));
            if let Ok(mut syn) = Synapses::part(channels, slots, n, range, ring, g) {
                prepare_range(t, stimulus, streams, incoming, &mut syn, b, input);
            }
        };
        // Streams exist only with a stimulus; without one, empty chunks pair with each range.
        let mut none: Vec<RngState> = Vec::new();
        let streams: &mut [RngState] = if self.streams.len() == n {
            &mut self.streams
        } else {
            &mut none
        };
        if chunk >= n {
            work((
                0,
                ((&mut self.input, &mut self.ring), (&mut self.g, streams)),
            ));
            return;
        }
        let stream_chunk = if streams.is_empty() { 0 } else { chunk };
        let mut stream_parts: Vec<&mut [RngState]> = if stream_chunk == 0 {
            (0..n.div_ceil(chunk)).map(|_| Default::default()).collect()
        } else {
            streams.chunks_mut(chunk).collect()
        };
        self.input
            .par_chunks_mut(chunk)
            .zip(self.ring.par_chunks_mut(chunk * slots * c))
            .zip(
                self.g
                    .par_chunks_mut(chunk * c)
                    .zip(stream_parts.par_iter_mut().map(|s| &mut **s)),
            )
            .enumerate()
            .for_each(work);
    }

    fn step(&mut self, out: &mut [u32], chunk: usize) -> Result<(), Error> {
        let n = self.state.len();
        let words = chunk.div_ceil(population::BLOCK);
        let run = |(k, ((state, input), out)): StepChunk<'_, S, M::State>| {
            let len = input.len();
            match &self.params {
                Params::Shared(m) => step_range(&Shared(m), state, input, out),
                Params::PerNeuron(ms) => step_range(
                    &PerNeuron(&ms[k * chunk..k * chunk + len]),
                    state,
                    input,
                    out,
                ),
            }
        };
        if chunk >= n {
            return run((0, ((&mut self.state, &self.input), out)));
        }
        self.state
            .par_chunks_mut(chunk)
            .zip(self.input.par_chunks(chunk))
            .zip(out.par_chunks_mut(words))
            .enumerate()
            .try_for_each(run)
    }

    fn resize_slots(&mut self, slots: usize) {
        // Before the first step only: the buffer holds nothing yet.
        self.slots = slots;
        self.ring = vec![S::ZERO; self.state.len() * self.channels.len() * slots];
    }

    fn membrane(&self, i: usize) -> Option<S> {
        self.state.get(i).map(M::membrane)
    }

    fn bytes_per_neuron(&self) -> usize {
        let n = self.state.len().max(1);
        size_of::<M::State>()
            + (self.ring.len() + self.g.len() + self.input.len()) * size_of::<S>() / n
            + self.bias.as_ref().map_or(0, |_| size_of::<S>())
            + self.streams.len() * size_of::<RngState>() / n
            + match &self.params {
                Params::Shared(_) => 0,
                Params::PerNeuron(_) => size_of::<M>(),
            }
    }
}
