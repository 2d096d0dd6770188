//! The one shape every backend has: an engine owns its neurons' state (and their input
//! streams) where it computes, and runs validated input over them.

use lif_core::{Neuron, Scalar, Stimulus};

use crate::{RunOutput, SimError};

/// The input of a run after [`crate::Simulator`] validated it: its shape matches the
/// population and the run, and a stimulus passed [`Stimulus::check`]. Array values are
/// checked for finiteness by the engine as it reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Drive<'a, S> {
    /// Row-major (steps, n).
    Rows(&'a [S]),
    /// Generated from global step `t0` on.
    Generated {
        /// What to generate.
        stimulus: Stimulus<S>,
        /// Global step of the run's first step.
        t0: u64,
    },
}

/// A backend: the CPU (`cpu::CpuEngine`) or a CUDA device (`cuda::CudaEngine`).
pub(crate) trait Engine<S: Scalar, M: Neuron<S>>: Send {
    /// `"cpu"` or `"cuda"`.
    fn name(&self) -> &'static str;

    /// Bytes of backend memory held per neuron between runs.
    fn bytes_per_neuron(&self) -> usize;

    /// Runs `steps` steps of every neuron: packed spikes and counts into `out`, and the
    /// membranes and thresholds of neurons `record` into `out.trace` and `out.thresholds`,
    /// which the caller sized to `steps * record.len()`.
    fn run(
        &mut self,
        drive: Drive<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError>;

    /// Every neuron's state, brought up to date on the host.
    fn states(&mut self) -> Result<&mut [M::State], SimError>;

    /// Makes changes made through [`Engine::states`] take effect.
    fn states_changed(&mut self) -> Result<(), SimError>;
}
