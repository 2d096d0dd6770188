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
//! let out = sim.run(Input::Generated(Stimulus::Constant(0.3)), 100, &[0, 1])?;
//! assert_eq!(out.spikes.len(), 100 * 1000usize.div_ceil(32));
//! assert_eq!(out.counts.iter().sum::<u32>(), out.spike_total());
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
//! let poisson = Stimulus::Poisson { p, amplitude: lif_core::I16F16::ONE };
//! let out = sim.run(Input::Generated(poisson), 50, &[0, 9_999])?;
//! println!("{} spikes, neuron 0 fired {} times", out.spike_total(), out.counts[0]);
//! # Ok::<(), lif_host_cuda::SimError>(())
//! ```

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;
mod error;
pub mod plot;

/// The PTX of every kernel (lif-kernels built for nvptx64), as embedded in this crate.
#[cfg(feature = "cuda")]
pub use cuda::PTX;
pub use error::SimError;
use lif_core::input::input_stream;
use lif_core::{Neuron, RngState, Scalar, Stimulus};

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
    /// Generated on the backend (constant, step, Poisson from each neuron's input stream),
    /// by lif-core's own [`Stimulus::value`].
    Generated(Stimulus<S>),
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput<S> {
    /// Packed spikes, row-major (steps, ceil(n / 32)): bit `i % 32` of word `i / 32`.
    pub spikes: Vec<u32>,
    /// Spikes per neuron over the run.
    pub counts: Vec<u32>,
    /// Membranes of the recorded neurons, row-major (steps, recorded).
    pub trace: Vec<S>,
    /// Thresholds of the recorded neurons (they move with the extended model's adaptive
    /// threshold), row-major (steps, recorded).
    pub thresholds: Vec<S>,
}

impl<S> Default for RunOutput<S> {
    /// Empty buffers, for [`Simulator::run_into`] to fill.
    fn default() -> Self {
        Self {
            spikes: Vec::new(),
            counts: Vec::new(),
            trace: Vec::new(),
            thresholds: Vec::new(),
        }
    }
}

impl<S> RunOutput<S> {
    /// Total number of spikes.
    pub fn spike_total(&self) -> u32 {
        self.spikes.iter().map(|w| w.count_ones()).sum()
    }
}

/// The backend a simulator actually runs on.
#[derive(Debug)]
enum Engine<S: Scalar, M: Neuron<S> + Copy + 'static>
where
    M::State: 'static,
{
    Cpu,
    #[cfg(feature = "cuda")]
    Cuda(Box<cuda::CudaEngine<S, M>>),
    #[allow(dead_code)]
    Never(std::marker::PhantomData<(S, M)>),
}

/// `n` neurons of model `M` in scalar `S`.
#[derive(Debug)]
pub struct Simulator<S: Scalar, M: Neuron<S> + Copy + 'static>
where
    M::State: 'static,
{
    model: M,
    states: Vec<M::State>,
    streams: Vec<RngState>,
    step: u64,
    engine: Engine<S, M>,
    note: Option<String>,
    /// The CPU backend's copy of the state for undoing a failed run, kept between runs.
    snapshot: Vec<M::State>,
}

impl<S, M> Simulator<S, M>
where
    S: Scalar,
    M: Neuron<S> + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    /// `n` neurons in their initial state under `seed` (neuron `i` uses model stream `i` and
    /// input stream `i`), on `backend`.
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
        let streams: Vec<RngState> = (0..n as u64).map(|i| input_stream(seed, i)).collect();
        let (engine, note) = match backend {
            Backend::Cpu => (Engine::Cpu, None),
            Backend::Cuda => (Self::cuda_engine(&model, &states)?, None),
            Backend::Auto => match Self::cuda_engine(&model, &states) {
                Ok(engine) => (engine, None),
                Err(e) => (Engine::Cpu, Some(format!("running on the CPU: {e}"))),
            },
        };
        Ok(Self {
            model,
            states,
            streams,
            step: 0,
            engine,
            note,
            snapshot: Vec::new(),
        })
    }

    #[cfg(feature = "cuda")]
    fn cuda_engine(model: &M, states: &[M::State]) -> Result<Engine<S, M>, SimError> {
        Ok(Engine::Cuda(Box::new(cuda::CudaEngine::new(
            model, states,
        )?)))
    }

    #[cfg(not(feature = "cuda"))]
    fn cuda_engine(_: &M, _: &[M::State]) -> Result<Engine<S, M>, SimError> {
        Err(SimError::NoDevice(
            "lif-host-cuda was built without the `cuda` feature".into(),
        ))
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Always false: a simulator has at least one neuron.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// `"cpu"` or `"cuda"`.
    pub fn backend_name(&self) -> &'static str {
        match self.engine {
            Engine::Cpu | Engine::Never(_) => "cpu",
            #[cfg(feature = "cuda")]
            Engine::Cuda(_) => "cuda",
        }
    }

    /// Bytes of backend memory held per neuron between runs: the model state, and on the GPU
    /// the input stream once a generated input has run (the host always keeps one).
    pub fn bytes_per_neuron(&self) -> usize {
        match &self.engine {
            Engine::Cpu | Engine::Never(_) => size_of::<M::State>() + size_of::<RngState>(),
            #[cfg(feature = "cuda")]
            Engine::Cuda(engine) => engine.device_bytes_per_neuron(),
        }
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
        match &mut self.engine {
            Engine::Cpu | Engine::Never(_) => {}
            #[cfg(feature = "cuda")]
            Engine::Cuda(engine) => engine.read_states(&mut self.states)?,
        }
        Ok(&self.states)
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
    /// simulation in chunks allocates its outputs once (on the CPU, allocating and freeing
    /// them on every call cost more than the stepping at N = 1e7). On error `out` is empty,
    /// and on the CPU backend every neuron is as it was.
    pub fn run_into(
        &mut self,
        input: Input<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError> {
        let result = self.run_checked(input, steps, record, out);
        if result.is_err() {
            out.spikes.clear();
            out.counts.clear();
            out.trace.clear();
            out.thresholds.clear();
        }
        result
    }

    /// The body of [`Simulator::run_into`].
    fn run_checked(
        &mut self,
        input: Input<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError> {
        let n = self.states.len();
        if let Some(&bad) = record.iter().find(|&&i| i >= n) {
            return Err(SimError::Shape {
                what: "recorded neuron index",
                expected: n,
                actual: bad,
            });
        }
        if let Input::Array(data) = input
            && data.len() != steps * n
        {
            return Err(SimError::Shape {
                what: "input (steps x neurons)",
                expected: steps * n,
                actual: data.len(),
            });
        }
        let stimulus = match input {
            Input::Generated(s) => {
                s.check()?;
                Some(s)
            }
            Input::Array(_) => None,
        };
        for v in [&mut out.trace, &mut out.thresholds] {
            v.clear();
            v.resize(steps * record.len(), S::ZERO);
        }
        match &mut self.engine {
            Engine::Cpu | Engine::Never(_) => {
                let cpu_input = match (input, stimulus) {
                    (Input::Array(data), _) => cpu::CpuInput::Rows(data),
                    (_, Some(stimulus)) => cpu::CpuInput::Generated {
                        stimulus,
                        t0: self.step,
                        streams: &mut self.streams,
                    },
                    (_, None) => {
                        return Err(SimError::Shape {
                            what: "input",
                            expected: 1,
                            actual: 0,
                        });
                    }
                };
                cpu::run(
                    &self.model,
                    &mut self.states,
                    cpu_input,
                    steps,
                    record,
                    cpu::Outputs {
                        spikes: &mut out.spikes,
                        counts: &mut out.counts,
                        trace: &mut out.trace,
                        thresholds: &mut out.thresholds,
                        snapshot: &mut self.snapshot,
                    },
                )?
            }
            #[cfg(feature = "cuda")]
            Engine::Cuda(engine) => {
                out.spikes = match (input, stimulus) {
                    (Input::Array(data), _) => {
                        engine.run_rows(data, steps, record, &mut out.trace, &mut out.thresholds)?
                    }
                    (_, Some(stimulus)) => engine.run_generated(
                        stimulus,
                        (self.step, &self.streams),
                        steps,
                        record,
                        &mut out.trace,
                        &mut out.thresholds,
                    )?,
                    (_, None) => {
                        return Err(SimError::Shape {
                            what: "input",
                            expected: 1,
                            actual: 0,
                        });
                    }
                };
                out.counts = spike_counts(&out.spikes, n, steps);
            }
        }
        self.step += steps as u64;
        Ok(())
    }

    /// Applies a modulation signal to every neuron between steps (`nm = transform(signal)`
    /// for the extended model; other models ignore it).
    pub fn modulate(&mut self, signal: S) -> Result<(), SimError> {
        match &mut self.engine {
            Engine::Cpu | Engine::Never(_) => {}
            #[cfg(feature = "cuda")]
            Engine::Cuda(engine) => engine.read_states(&mut self.states)?,
        }
        let mut view = lif_core::AosSlices(&mut self.states);
        lif_core::population::modulate(
            &lif_core::population::Shared(&self.model),
            &mut view,
            signal,
        )?;
        match &mut self.engine {
            Engine::Cpu | Engine::Never(_) => {}
            #[cfg(feature = "cuda")]
            Engine::Cuda(engine) => engine.write_states(&self.states)?,
        }
        Ok(())
    }

    /// One step with one input value per neuron; returns the packed spikes.
    pub fn step(&mut self, input: &[S]) -> Result<Vec<u32>, SimError> {
        Ok(self.run(Input::Array(input), 1, &[])?.spikes)
    }
}

/// Spikes per neuron of packed rows (steps, ceil(n / 32)), counted in parallel over columns
/// of words (a serial count took a third of a large CPU run). The CPU backend counts as it
/// writes instead.
#[cfg(feature = "cuda")]
fn spike_counts(spikes: &[u32], n: usize, steps: usize) -> Vec<u32> {
    use rayon::prelude::*;
    let words = n.div_ceil(32);
    // Words per parallel column: 64 (2048 neurons).
    const COLUMN: usize = 64;
    let mut counts = vec![0u32; n];
    counts
        .par_chunks_mut(32 * COLUMN)
        .enumerate()
        .for_each(|(c, out)| {
            let first = c * COLUMN;
            let last = (first + COLUMN).min(words);
            for t in 0..steps {
                for (k, &word) in spikes[t * words + first..t * words + last]
                    .iter()
                    .enumerate()
                {
                    let mut bits = word;
                    while bits != 0 {
                        out[k * 32 + bits.trailing_zeros() as usize] += 1;
                        bits &= bits - 1;
                    }
                }
            }
        });
    counts
}
