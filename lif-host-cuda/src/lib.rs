//! The host simulator of lif: one population of one lif-core model, stepped on a
//! multi-threaded CPU backend or on an NVIDIA GPU (feature `cuda`), with the same bits on
//! both because both run lif-core's `Neuron::step`.
//!
//! ```
//! use lif_core::{LeakyConfig, Stimulus};
//! use lif_host_cuda::{Backend, Input, Simulator};
//!
//! let model = LeakyConfig::default().build::<f32>()?;
//! let mut sim = Simulator::new(model, 1000, 42, Backend::Auto)?;
//! let out = sim.run(Input::Generated(Stimulus::constant(0.3)), 100, &[0, 1])?;
//! assert_eq!(out.spikes.len(), 100 * 1000usize.div_ceil(32));
//! assert_eq!(out.counts().iter().sum::<u32>(), out.spike_total());
//! assert_eq!(out.trace.len(), 100 * 2);
//! # Ok::<(), lif_host_cuda::SimError>(())
//! ```
//!
//! ```
//! use lif_core::{ExtendedConfig, Stimulus};
//! use lif_host_cuda::{Backend, Input, Simulator};
//!
//! let model = ExtendedConfig::default().build::<lif_core::I16F16>()?;
//! let mut sim = Simulator::new(model, 10_000, 7, Backend::Auto)?; // Auto: CUDA if present
//! if let Some(why) = sim.note() { eprintln!("{why}"); }          // says so when it falls back
//! let p = lif_core::I16F16::from_num(0.2);
//! let poisson = Stimulus::poisson(p, lif_core::I16F16::ONE);
//! let out = sim.run(Input::Generated(poisson), 50, &[0, 9_999])?;
//! println!("{} spikes, neuron 0 fired {} times", out.spike_total(), out.counts()[0]);
//! # Ok::<(), lif_host_cuda::SimError>(())
//! ```

#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;
mod engine;
mod error;
pub mod network;

/// The PTX of every kernel (lif-kernels built for nvptx64), as embedded in this crate.
#[cfg(feature = "cuda")]
pub use cuda::{DeviceMemory, PTX, device_memory};
use engine::{Drive, Engine};
pub use error::SimError;
use lif_core::input::input_draws;
use lif_core::{Counter, Neuron, Scalar, Stimulus};

/// Which backend runs the neurons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// Every CPU core (rayon).
    Cpu,
    /// The first CUDA device; an error if there is none.
    Cuda,
    /// CUDA when a device is present, else the CPU (and [`Simulator::note`] says why).
    #[default]
    Auto,
}

/// The input of a run.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a, S> {
    /// A host array, row-major (steps, neurons).
    Array(&'a [S]),
    /// Generated on the backend, by lif-core's own [`Stimulus::value`] (its shared level per
    /// step, and where the stimulus draws, the input draws of the simulator's seed: a pure
    /// function of seed, neuron and step).
    Generated(Stimulus<S>),
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput<S> {
    /// Packed spikes, row-major (steps, ceil(n / 32)): bit `i % 32` of word `i / 32`.
    pub spikes: Vec<u32>,
    /// Membranes of the recorded neurons, row-major (steps, recorded).
    pub trace: Vec<S>,
    /// Thresholds of the recorded neurons (they move with the extended model's adaptive
    /// threshold), row-major (steps, recorded).
    pub thresholds: Vec<S>,
    /// Neurons per row of `spikes`.
    neurons: usize,
}

impl<S> Default for RunOutput<S> {
    /// Empty buffers, for [`Simulator::run_into`] to fill.
    fn default() -> Self {
        Self {
            spikes: Vec::new(),
            trace: Vec::new(),
            thresholds: Vec::new(),
            neurons: 0,
        }
    }
}

impl<S> RunOutput<S> {
    /// Total number of spikes.
    pub fn spike_total(&self) -> u32 {
        self.spikes.iter().map(|w| w.count_ones()).sum()
    }

    /// Neurons per row of [`RunOutput::spikes`] (0 after a failed run).
    pub fn neurons(&self) -> usize {
        self.neurons
    }

    /// Spikes per neuron over the run, counted from the packed rows when asked (in parallel
    /// over columns of words), so a run that needs only its spikes does not pay for them.
    ///
    /// ```
    /// use lif_core::{LeakyConfig, Stimulus};
    /// use lif_host_cuda::{Backend, Input, Simulator};
    ///
    /// let model = LeakyConfig::default().build::<f32>()?;
    /// let mut sim = Simulator::new(model, 40, 1, Backend::Cpu)?;
    /// let out = sim.run(Input::Generated(Stimulus::constant(0.5)), 20, &[])?;
    /// let counts = out.counts();
    /// assert_eq!(counts.len(), 40);
    /// assert_eq!(counts[39], (0..20).filter(|t| out.spikes[t * 2 + 1] >> 7 & 1 == 1).count() as u32);
    /// # Ok::<(), lif_host_cuda::SimError>(())
    /// ```
    pub fn counts(&self) -> Vec<u32> {
        spike_counts(&self.spikes, self.neurons)
    }
}

/// Spikes per neuron of packed rows (steps, ceil(n / 32)), counted in parallel over columns
/// of words, row by row down each column (each column's counters stay in cache).
fn spike_counts(spikes: &[u32], n: usize) -> Vec<u32> {
    use rayon::prelude::*;
    // Words per parallel column: 64 (2048 neurons).
    const COLUMN: usize = 64;
    let words = n.div_ceil(32);
    let mut counts = vec![0u32; n];
    if words == 0 {
        return counts;
    }
    counts
        .par_chunks_mut(32 * COLUMN)
        .enumerate()
        .for_each(|(c, out)| {
            let first = c * COLUMN;
            for row in spikes.chunks_exact(words) {
                for (k, &word) in row[first..(first + COLUMN).min(words)].iter().enumerate() {
                    // Most words of a sparse raster are empty; a full one is counted with
                    // one vector pass over its 32 counters.
                    if word != 0 {
                        let out = &mut out[k * 32..];
                        for (j, c) in out.iter_mut().take(32).enumerate() {
                            *c += (word >> j) & 1;
                        }
                    }
                }
            }
        });
    counts
}

/// `n` neurons of model `M` in scalar `S`.
pub struct Simulator<S: Scalar, M: Neuron<S>> {
    model: M,
    n: usize,
    step: u64,
    engine: Box<dyn Engine<S, M>>,
    note: Option<String>,
}

impl<S: Scalar, M: Neuron<S> + std::fmt::Debug> std::fmt::Debug for Simulator<S, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("model", &self.model)
            .field("neurons", &self.n)
            .field("steps_done", &self.step)
            .field("backend", &self.engine.name())
            .finish()
    }
}

impl<S, M> Simulator<S, M>
where
    S: Scalar,
    M: Neuron<S> + Send + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    /// `n` neurons in their initial state under `seed` (neuron `i` uses model stream `i`, and
    /// generated input the input draws of `seed`), on `backend`.
    pub fn new(model: M, n: usize, seed: u64, backend: Backend) -> Result<Self, SimError> {
        if n == 0 || n > u32::MAX as usize {
            return Err(SimError::Shape {
                what: "neurons",
                expected: 1,
                actual: n,
            });
        }
        let states: Vec<M::State> = (0..n as u64)
            .map(|i| model.initial_state(seed, i))
            .collect();
        let draws = input_draws(seed);
        let cpu = |states| -> Box<dyn Engine<S, M>> {
            Box::new(cpu::CpuEngine::new(model, states, draws))
        };
        let (engine, note) = match backend {
            Backend::Cpu => (cpu(states), None),
            Backend::Cuda => (Self::cuda_engine(&model, &states, draws)?, None),
            Backend::Auto => match Self::cuda_engine(&model, &states, draws) {
                Ok(engine) => (engine, None),
                Err(e) => (cpu(states), Some(format!("running on the CPU: {e}"))),
            },
        };
        Ok(Self {
            model,
            n,
            step: 0,
            engine,
            note,
        })
    }

    #[cfg(feature = "cuda")]
    fn cuda_engine(
        model: &M,
        states: &[M::State],
        draws: Counter,
    ) -> Result<Box<dyn Engine<S, M>>, SimError> {
        Ok(Box::new(cuda::CudaEngine::new(model, states, draws)?))
    }

    #[cfg(not(feature = "cuda"))]
    fn cuda_engine(_: &M, _: &[M::State], _: Counter) -> Result<Box<dyn Engine<S, M>>, SimError> {
        Err(SimError::NoDevice(
            "lif-host-cuda was built without the `cuda` feature".into(),
        ))
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a simulator has at least one neuron.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// `"cpu"` or `"cuda"`.
    pub fn backend_name(&self) -> &'static str {
        self.engine.name()
    }

    /// Bytes of backend memory held per neuron between runs: the model state (generated
    /// input keeps nothing per neuron).
    pub fn bytes_per_neuron(&self) -> usize {
        self.engine.bytes_per_neuron()
    }

    /// Why `Backend::Auto` fell back to the CPU, if it did.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Global steps run so far.
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Every neuron's state (copied back from the device on the CUDA backend).
    pub fn states(&mut self) -> Result<&[M::State], SimError> {
        Ok(self.engine.states()?)
    }

    /// Runs `steps` steps; records the membranes of neurons `record`.
    pub fn run(
        &mut self,
        input: Input<'_, S>,
        steps: usize,
        record: &[usize],
    ) -> Result<RunOutput<S>, SimError> {
        let mut out = RunOutput::default();
        self.run_into(input, steps, record, &mut out)?;
        Ok(out)
    }

    /// [`Simulator::run`] into `out`, reusing its buffers: a caller that runs a long
    /// simulation in chunks allocates its outputs once (fresh buffers on every call cost
    /// page faults and their release TLB shootdowns). On error `out` is empty, and on the CPU
    /// backend every neuron is as it was.
    pub fn run_into(
        &mut self,
        input: Input<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError> {
        let result = self.validate(input, steps, record).and_then(|drive| {
            for v in [&mut out.trace, &mut out.thresholds] {
                v.clear();
                v.resize(steps * record.len(), S::ZERO);
            }
            self.engine.run(drive, steps, record, out)
        });
        match result {
            Ok(()) => {
                self.step += steps as u64;
                out.neurons = self.n;
                Ok(())
            }
            Err(e) => {
                out.spikes.clear();
                out.neurons = 0;
                out.trace.clear();
                out.thresholds.clear();
                Err(e)
            }
        }
    }

    /// The one place a run's input and options are checked against the population.
    fn validate<'a>(
        &self,
        input: Input<'a, S>,
        steps: usize,
        record: &[usize],
    ) -> Result<Drive<'a, S>, SimError> {
        let n = self.n;
        if let Some(&bad) = record.iter().find(|&&i| i >= n) {
            return Err(SimError::Shape {
                what: "recorded neuron index",
                expected: n,
                actual: bad,
            });
        }
        match input {
            Input::Array(data) => {
                let cells = steps.checked_mul(n).ok_or(SimError::Shape {
                    what: "steps x neurons (overflows usize)",
                    expected: usize::MAX,
                    actual: steps,
                })?;
                if data.len() != cells {
                    return Err(SimError::Shape {
                        what: "input (steps x neurons)",
                        expected: cells,
                        actual: data.len(),
                    });
                }
                Ok(Drive::Rows(data))
            }
            Input::Generated(stimulus) => {
                stimulus.check()?;
                Ok(Drive::Generated {
                    stimulus,
                    t0: self.step,
                })
            }
        }
    }

    /// Applies a modulation signal to every neuron between steps (`nm = transform(signal)`
    /// for the extended model; other models ignore it).
    pub fn modulate(&mut self, signal: S) -> Result<(), SimError> {
        let states = self.engine.states()?;
        let mut view = lif_core::AosSlices(states);
        lif_core::population::modulate(
            &lif_core::population::Shared(&self.model),
            &mut view,
            signal,
        )?;
        self.engine.states_changed()
    }

    /// One step with one input value per neuron; returns the packed spikes.
    pub fn step(&mut self, input: &[S]) -> Result<Vec<u32>, SimError> {
        Ok(self.run(Input::Array(input), 1, &[])?.spikes)
    }
}
