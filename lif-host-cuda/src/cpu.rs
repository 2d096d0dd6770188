//! The CPU backend: lif-core's population loop on every core (rayon). The population is cut
//! into blocks of whole spike words; lif-core runs each block tile by tile through all
//! requested steps while the tile's state stays in cache, reading its columns of the input in
//! place and checking them as it reads (`StreamRows`).

use std::marker::PhantomData;

use lif_core::population::{self, Generated, Rows, Shared, StreamRows};
use lif_core::{AosSlices, Counter, InputSource, Neuron, Scalar, SpikeSink, Stimulus};
use multiversion::multiversion;
use rayon::prelude::*;

use crate::engine::{Drive, Engine};
use crate::{RunOutput, SimError};

/// Neurons per parallel block: about four blocks per thread for balance, a multiple of 32
/// (so blocks own whole spike words). lif-core tiles each block for the cache.
pub(crate) fn block_size(n: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    let per = n.div_ceil(threads * 4).max(1);
    per.div_ceil(population::BLOCK) * population::BLOCK
}

/// The first non-finite value of `data`, as lif-core reports it; checked in parallel.
fn check_finite<S: Scalar>(data: &[S]) -> Result<(), SimError> {
    const CHUNK: usize = 1 << 16;
    match data
        .par_chunks(CHUNK)
        .enumerate()
        .filter_map(|(c, x)| population::first_non_finite(x).map(|i| c * CHUNK + i))
        .min()
    {
        Some(index) => Err(lif_core::Error::NonFinite {
            buffer: "input",
            index,
        }
        .into()),
        None => Ok(()),
    }
}

/// The run's packed spike rows, (steps, words), shared by the parallel blocks: each block
/// writes only its own words of each row.
struct SharedRows {
    ptr: *mut u32,
    len: usize,
    words: usize,
}

// SAFETY: blocks write disjoint words (`BlockSink::put`), and nothing else touches the rows
// until every block is done.
unsafe impl Sync for SharedRows {}

/// Where one block's spikes go: its words of the run's rows, in place (no per-block buffer
/// to merge afterwards). Counts per neuron are not kept here: `RunOutput::counts` counts
/// them from the rows when asked, and a run that does not ask saves 12% to 19% of its time
/// (`docs/performance.md`).
struct BlockSink<'a> {
    rows: &'a SharedRows,
    /// The block's first word in each row.
    first: usize,
    /// Row of the run that the sink's row 0 is.
    row0: usize,
    /// Rows the sink takes.
    steps: usize,
    /// The block's words per row.
    words: usize,
}

impl SpikeSink for BlockSink<'_> {
    fn required_len(rows: usize, n: usize) -> usize {
        rows.saturating_mul(n.div_ceil(population::BLOCK))
    }
    fn available(&self) -> usize {
        self.steps * self.words
    }
    #[inline]
    unsafe fn put(&mut self, row: usize, _n: usize, block: usize, bits: u32, _count: usize) {
        let at = (self.row0 + row) * self.rows.words + self.first + block;
        debug_assert!(at < self.rows.len && block < self.words);
        // SAFETY: lif-core calls `put` with row < steps and block < words (the lengths
        // `available` reported); the block's words of every row are its own (`SharedRows`).
        unsafe { *self.rows.ptr.add(at) = bits };
    }
}

/// lif-core's population loop on one block, compiled once per vector width and picked at
/// run time for the CPU it runs on (wider vectors step more neurons per instruction). The
/// bits cannot change: it is the same code, and Rust never fuses a multiply and an add on
/// its own, whatever the width.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2",))]
fn run_block<S, M, I>(
    model: &M,
    view: &mut AosSlices<'_, M::State>,
    source: &mut I,
    steps: usize,
    sink: &mut BlockSink<'_>,
) -> Result<(), lif_core::Error>
where
    S: Scalar,
    M: Neuron<S>,
    I: InputSource<S>,
{
    population::run_from(&Shared(model), view, source, steps, sink)
}

/// A block's recorded values: (step, index in the record list, membrane, threshold).
type Samples<S> = Vec<(usize, usize, S, S)>;

/// What the parallel blocks read: their columns of the host rows, or the stimulus.
#[derive(Clone, Copy)]
enum BlockInput<'a, S> {
    Rows(&'a [S]),
    Generated { stimulus: Stimulus<S>, t0: u64 },
}

/// The CPU backend: states as an array of structs, the key of the input draws, and the
/// buffers a run reuses.
pub(crate) struct CpuEngine<S: Scalar, M: Neuron<S>> {
    model: M,
    states: Vec<M::State>,
    draws: Counter,
    /// The copy of the state that undoes a failed run, kept from run to run.
    snapshot: Vec<M::State>,
    _scalar: PhantomData<S>,
}

impl<S: Scalar, M: Neuron<S>> CpuEngine<S, M> {
    pub(crate) fn new(model: M, states: Vec<M::State>, draws: Counter) -> Self {
        Self {
            model,
            states,
            draws,
            snapshot: Vec::new(),
            _scalar: PhantomData,
        }
    }
}

impl<S, M> Engine<S, M> for CpuEngine<S, M>
where
    S: Scalar,
    M: Neuron<S> + Send + Sync,
    M::State: Send + Sync,
{
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn bytes_per_neuron(&self) -> usize {
        size_of::<M::State>()
    }

    fn states(&mut self) -> Result<&mut [M::State], SimError> {
        Ok(&mut self.states)
    }

    fn states_changed(&mut self) -> Result<(), SimError> {
        Ok(())
    }

    fn run(
        &mut self,
        drive: Drive<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError> {
        let result = self.run_blocks(drive, steps, record, out);
        if result.is_err() && self.snapshot.len() == self.states.len() {
            self.states.copy_from_slice(&self.snapshot);
        }
        result
    }
}

impl<S, M> CpuEngine<S, M>
where
    S: Scalar,
    M: Neuron<S> + Sync,
    M::State: Send,
{
    /// The body of [`Engine::run`]: every block in parallel. When it fails, `snapshot` holds
    /// the state to restore (it is emptied when the run cannot fail after stepping).
    fn run_blocks(
        &mut self,
        drive: Drive<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError> {
        let model = &self.model;
        let n = self.states.len();
        let words = n.div_ceil(32);
        let block = block_size(n);
        let nblocks = n.div_ceil(block);
        // Host rows are checked for non-finite values as the blocks read them (one pass over
        // the input, not two). A failed run must leave the state as it was, so it keeps a
        // copy of the state when that is smaller than the input; otherwise the input is
        // checked first. Generated input cannot fail once checked.
        self.snapshot.clear();
        let draws = self.draws;
        let input = match drive {
            Drive::Rows(data) => {
                if S::FLOAT {
                    if size_of::<M::State>() <= steps.saturating_mul(size_of::<S>()) {
                        self.snapshot.extend_from_slice(&self.states);
                    } else {
                        check_finite(data)?;
                    }
                }
                BlockInput::Rows(data)
            }
            Drive::Generated { stimulus, t0 } => BlockInput::Generated { stimulus, t0 },
        };
        // Every word of every row is written below, so a buffer of the right length is
        // reused as it is.
        if out.spikes.len() != steps * words {
            out.spikes.clear();
            out.spikes.resize(steps * words, 0);
        }
        let rows_out = SharedRows {
            ptr: out.spikes.as_mut_ptr(),
            len: out.spikes.len(),
            words,
        };
        let recorded_per_block: Vec<Vec<(usize, usize)>> = (0..nblocks)
            .map(|b| {
                record
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| **i / block == b)
                    .map(|(k, i)| (k, i - b * block))
                    .collect()
            })
            .collect();
        let traces =
            self.states
                .par_chunks_mut(block)
                .enumerate()
                .map(|(b, chunk)| -> Result<Samples<S>, SimError> {
                    let m = chunk.len();
                    let offset = b * block;
                    let mut view = AosSlices(chunk);
                    let probes = &recorded_per_block[b];
                    let mut samples = Vec::with_capacity(probes.len() * steps);
                    // With probes the block advances one step at a time (the same bits: time
                    // can be split anywhere); without, in one call.
                    let (calls, per_call) = if probes.is_empty() {
                        (1, steps)
                    } else {
                        (steps, 1)
                    };
                    for c in 0..calls {
                        let t = c * per_call;
                        let mut sink = BlockSink {
                            rows: &rows_out,
                            first: offset / population::BLOCK,
                            row0: t,
                            steps: per_call,
                            words: m.div_ceil(population::BLOCK),
                        };
                        match input {
                            BlockInput::Rows(data) => {
                                let mut source = StreamRows(Rows {
                                    data: &data[t * n..(t + per_call) * n],
                                    stride: n,
                                    offset,
                                });
                                run_block(model, &mut view, &mut source, per_call, &mut sink)
                                    .map_err(|e| match e {
                                        // Its index into the whole (steps, n) input.
                                        lif_core::Error::NonFinite { buffer, index } => {
                                            lif_core::Error::NonFinite {
                                                buffer,
                                                index: index + t * n,
                                            }
                                        }
                                        e => e,
                                    })?;
                            }
                            BlockInput::Generated { stimulus, t0 } => {
                                let mut source =
                                    Generated::new(stimulus, draws, t0 + t as u64, offset as u64);
                                run_block(model, &mut view, &mut source, per_call, &mut sink)?;
                            }
                        }
                        for &(k, local) in probes {
                            let s = &view.0[local];
                            samples.push((t, k, M::membrane(s), model.threshold(s)));
                        }
                    }
                    Ok(samples)
                })
                .collect::<Result<Vec<_>, _>>()?;
        for samples in traces {
            for (t, k, v, th) in samples {
                out.trace[t * record.len() + k] = v;
                out.thresholds[t * record.len() + k] = th;
            }
        }
        Ok(())
    }
}
