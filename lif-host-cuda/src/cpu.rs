//! The CPU backend: lif-core's population loop on every core (rayon). The population is cut
//! into blocks of whole spike words; lif-core runs each block tile by tile through all
//! requested steps while the tile's state stays in cache, reading its columns of the input in
//! place and checking them as it reads (`StreamRows`).

use lif_core::population::{self, Generated, Rows, Shared, StreamRows};
use lif_core::{AosSlices, InputSource, Neuron, RngState, Scalar, SpikeSink, Stimulus};
use multiversion::multiversion;
use rayon::prelude::*;

use crate::SimError;

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
/// to merge afterwards), and its neurons' spike counts, added as the words are written (a
/// separate pass over the packed rows took a fifth of a large run).
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
    /// Spikes per neuron of the block.
    counts: &'a mut [u32],
}

impl SpikeSink for BlockSink<'_> {
    fn required_len(rows: usize, n: usize) -> usize {
        rows.saturating_mul(n.div_ceil(population::BLOCK))
    }
    fn available(&self) -> usize {
        self.steps * self.words
    }
    #[inline]
    unsafe fn put(&mut self, row: usize, _n: usize, block: usize, bits: u32, count: usize) {
        let at = (self.row0 + row) * self.rows.words + self.first + block;
        debug_assert!(at < self.rows.len && block < self.words);
        // SAFETY: lif-core calls `put` with row < steps and block < words (the lengths
        // `available` reported); the block's words of every row are its own (`SharedRows`).
        unsafe { *self.rows.ptr.add(at) = bits };
        let counts = &mut self.counts[block * population::BLOCK..][..count];
        for (j, c) in counts.iter_mut().enumerate() {
            *c += (bits >> j) & 1;
        }
    }
}

/// lif-core's population loop on one block, compiled once per vector width and picked at
/// run time for the CPU it runs on (AVX-512 took a large f32 `Leaky` run from about 2.4e9 to
/// 3.4e9 neuron-steps/s on two cores). The bits cannot change: it is the same code, and Rust
/// never fuses a multiply and an add on its own, whatever the width.
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

/// Input of a CPU run.
pub(crate) enum CpuInput<'a, S> {
    /// Row-major (steps, n).
    Rows(&'a [S]),
    /// Generated from `stimulus` at global steps `t0..`.
    Generated {
        stimulus: Stimulus<S>,
        t0: u64,
        streams: &'a mut [RngState],
    },
}

/// The input of a run, split for the parallel blocks: host rows, or a stimulus with its
/// start step and one slice of input streams per block.
type Split<'a, S> = (
    Option<&'a [S]>,
    Option<(Stimulus<S>, u64)>,
    Vec<Option<&'a mut [RngState]>>,
);

/// Where a CPU run writes, in buffers the simulator and its caller keep from run to run: a
/// large run allocating its outputs afresh spent more time in page faults, and freeing them
/// in TLB shootdowns, than stepping (N = 1e7: 1.3e9 against 3.6e9 neuron-steps/s).
pub(crate) struct Outputs<'a, S, St> {
    /// Packed spikes, row-major (steps, words); resized here.
    pub spikes: &'a mut Vec<u32>,
    /// Spikes per neuron; resized and zeroed here.
    pub counts: &'a mut Vec<u32>,
    /// Membranes of neurons `record[k]` at `trace[t * record.len() + k]` (sized by the caller).
    pub trace: &'a mut [S],
    /// Their thresholds, likewise.
    pub thresholds: &'a mut [S],
    /// Scratch for the copy of the state kept to undo a failed run.
    pub snapshot: &'a mut Vec<St>,
}

/// Runs `steps` steps of every neuron into `out`.
pub(crate) fn run<S, M>(
    model: &M,
    states: &mut [M::State],
    input: CpuInput<'_, S>,
    steps: usize,
    record: &[usize],
    out: Outputs<'_, S, M::State>,
) -> Result<(), SimError>
where
    S: Scalar,
    M: Neuron<S> + Sync,
    M::State: Send,
{
    let n = states.len();
    let words = n.div_ceil(32);
    let block = block_size(n);
    let nblocks = n.div_ceil(block);
    let (rows, generated, stream_chunks): Split<'_, S> = match input {
        CpuInput::Rows(data) => {
            if data.len() != steps * n {
                return Err(SimError::Shape {
                    what: "input (steps x neurons)",
                    expected: steps * n,
                    actual: data.len(),
                });
            }
            (Some(data), None, (0..nblocks).map(|_| None).collect())
        }
        CpuInput::Generated {
            stimulus,
            t0,
            streams,
        } => (
            None,
            Some((stimulus, t0)),
            streams.chunks_mut(block).map(Some).collect(),
        ),
    };
    // Host rows are checked for non-finite values as the blocks read them (one pass over the
    // input, not two). A failed run must leave the state as it was, so it keeps a copy of
    // the state when that is smaller than the input; otherwise the input is checked first.
    let Outputs {
        spikes,
        counts,
        trace,
        thresholds,
        snapshot,
    } = out;
    let saved = match rows {
        Some(data) if S::FLOAT => {
            if size_of::<M::State>() <= steps.saturating_mul(size_of::<S>()) {
                snapshot.clear();
                snapshot.extend_from_slice(states);
                true
            } else {
                check_finite(data)?;
                false
            }
        }
        _ => false,
    };
    // Every word of every row is written below, so a buffer of the right length is reused
    // as it is.
    if spikes.len() != steps * words {
        spikes.clear();
        spikes.resize(steps * words, 0);
    }
    counts.clear();
    counts.resize(n, 0);
    let rows_out = SharedRows {
        ptr: spikes.as_mut_ptr(),
        len: spikes.len(),
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
    let traces: Result<Vec<Samples<S>>, SimError> = states
        .par_chunks_mut(block)
        .zip(counts.par_chunks_mut(block))
        .zip(stream_chunks.into_par_iter())
        .enumerate()
        .map(
            |(b, ((chunk, counts), streams))| -> Result<Samples<S>, SimError> {
                let m = chunk.len();
                let offset = b * block;
                let mut view = AosSlices(chunk);
                let probes = &recorded_per_block[b];
                let mut samples = Vec::with_capacity(probes.len() * steps);
                // With probes the block advances one step at a time (the same bits: time can be
                // split anywhere); without, in one call.
                let (calls, per_call) = if probes.is_empty() {
                    (1, steps)
                } else {
                    (steps, 1)
                };
                let mut streams = streams;
                for c in 0..calls {
                    let t = c * per_call;
                    let mut sink = BlockSink {
                        rows: &rows_out,
                        first: offset / population::BLOCK,
                        row0: t,
                        steps: per_call,
                        words: m.div_ceil(population::BLOCK),
                        counts: &mut *counts,
                    };
                    match (rows, generated, streams.as_deref_mut()) {
                        (Some(data), _, _) => {
                            let data = &data[t * n..(t + per_call) * n];
                            let mut source = StreamRows(Rows {
                                data,
                                stride: n,
                                offset,
                            });
                            run_block(model, &mut view, &mut source, per_call, &mut sink).map_err(
                                |e| match e {
                                    // Its index into the whole (steps, n) input.
                                    lif_core::Error::NonFinite { buffer, index } => {
                                        lif_core::Error::NonFinite {
                                            buffer,
                                            index: index + t * n,
                                        }
                                    }
                                    e => e,
                                },
                            )?;
                        }
                        (None, Some((stimulus, t0)), Some(streams)) => {
                            let mut source = Generated {
                                stimulus,
                                t0: t0 + t as u64,
                                streams,
                            };
                            run_block(model, &mut view, &mut source, per_call, &mut sink)?;
                        }
                        _ => {
                            return Err(SimError::Shape {
                                what: "input streams",
                                expected: m,
                                actual: 0,
                            });
                        }
                    }
                    for &(k, local) in probes {
                        let s = &view.0[local];
                        samples.push((t, k, M::membrane(s), model.threshold(s)));
                    }
                }
                Ok(samples)
            },
        )
        .collect::<Result<_, _>>();
    let traces = match traces {
        Ok(t) => t,
        Err(e) => {
            if saved {
                states.copy_from_slice(snapshot);
            }
            return Err(e);
        }
    };
    for samples in traces {
        for (t, k, v, th) in samples {
            trace[t * record.len() + k] = v;
            thresholds[t * record.len() + k] = th;
        }
    }
    Ok(())
}
