//! The CUDA backend: lif-kernels' PTX (built from lif-core by build.rs and embedded here),
//! launched with cust. One thread per neuron; state stays in device memory between calls.

use std::any::TypeId;
use std::marker::PhantomData;

use cust::context::Context;
use cust::error::CudaError;
use cust::launch;
use cust::memory::{CopyDestination, DeviceBox, DeviceBuffer, DeviceCopy};
use cust::module::Module;
use cust::stream::{Stream, StreamFlags};
use lif_core::{
    Counter, Extended, I16F16, Lapicque, Leaky, Lif, Neuron, Scalar, Stimulus, Synaptic,
};

use crate::engine::{Drive, Engine};
use crate::{RunOutput, SimError};

/// The kernels, compiled from `lif-host-cuda/kernels` for nvptx64 by build.rs.
pub const PTX: &str = include_str!(env!("LIF_PTX"));

/// Threads per block: a multiple of the warp, which the kernels' spike vote needs.
pub(crate) const BLOCK: u32 = 256;

/// Plain data copied to the device as it is (lif-core's models, states and streams are
/// `#[repr(C)]` or `#[repr(transparent)]` and hold no pointers).
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Dev<T>(pub(crate) T);

// SAFETY: only instantiated with lif-core's plain-data, pointer-free Copy types.
unsafe impl<T: Copy + 'static> DeviceCopy for Dev<T> {}

pub(crate) fn dev_slice<T>(s: &[T]) -> &[Dev<T>] {
    // SAFETY: Dev<T> is repr(transparent) over T.
    unsafe { std::slice::from_raw_parts(s.as_ptr().cast(), s.len()) }
}

pub(crate) fn dev_slice_mut<T>(s: &mut [T]) -> &mut [Dev<T>] {
    // SAFETY: Dev<T> is repr(transparent) over T.
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast(), s.len()) }
}

pub(crate) fn cuda_error(e: CudaError) -> SimError {
    match e {
        CudaError::NoDevice | CudaError::InvalidDevice | CudaError::NotInitialized => {
            SimError::NoDevice(e.to_string())
        }
        CudaError::OutOfMemory => SimError::OutOfDeviceMemory(e.to_string()),
        other => SimError::Cuda(other.to_string()),
    }
}

/// The kernel name prefix of model `M` in scalar `S`, if lif-kernels has one.
pub(crate) fn kernel_prefix<M: 'static>() -> Option<&'static str> {
    let m = TypeId::of::<M>();
    let table: [(TypeId, &str); 10] = [
        (TypeId::of::<Leaky<f32>>(), "leaky_f32"),
        (TypeId::of::<Leaky<I16F16>>(), "leaky_i16f16"),
        (TypeId::of::<Lapicque<f32>>(), "lapicque_f32"),
        (TypeId::of::<Lapicque<I16F16>>(), "lapicque_i16f16"),
        (TypeId::of::<Synaptic<f32>>(), "synaptic_f32"),
        (TypeId::of::<Synaptic<I16F16>>(), "synaptic_i16f16"),
        (TypeId::of::<Lif<f32>>(), "lif_f32"),
        (TypeId::of::<Lif<I16F16>>(), "lif_i16f16"),
        (TypeId::of::<Extended<f32>>(), "extended_f32"),
        (TypeId::of::<Extended<I16F16>>(), "extended_i16f16"),
    ];
    table.iter().find(|(id, _)| *id == m).map(|(_, name)| *name)
}

fn model_name<M>() -> &'static str {
    let full = std::any::type_name::<M>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Memory of the first CUDA device, in bytes, as its driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceMemory {
    /// Bytes free now, over every process and context on the device.
    pub free: usize,
    /// Bytes the device has.
    pub total: usize,
}

/// Free and total memory of the first CUDA device (the one [`crate::Backend::Cuda`] runs
/// on): what a caller compares before and after building a [`crate::Simulator`] to measure
/// what it holds on the device.
///
/// ```no_run
/// let before = lif_host_cuda::device_memory()?.free;
/// # Ok::<(), lif_host_cuda::SimError>(())
/// ```
///
/// # Errors
/// [`SimError::NoDevice`] without a device or driver.
pub fn device_memory() -> Result<DeviceMemory, SimError> {
    // The primary context, shared with every simulator: retaining it creates nothing new
    // while one is alive.
    let _context = cust::quick_init().map_err(cuda_error)?;
    let (free, total) = cust::memory::mem_get_info().map_err(cuda_error)?;
    Ok(DeviceMemory { free, total })
}

/// A population on the device.
pub(crate) struct CudaEngine<S: Scalar, M: Neuron<S> + Copy + 'static>
where
    M::State: 'static,
{
    // Field order is drop order: buffers and module before the context.
    model: DeviceBox<Dev<M>>,
    states: DeviceBuffer<Dev<M::State>>,
    /// The input draws of generated runs: a key, nothing per neuron.
    draws: Counter,
    /// The host's copy of the states, read back on demand.
    host_states: Vec<M::State>,
    stream: Stream,
    module: Module,
    _context: Context,
    prefix: &'static str,
    n: usize,
    _scalar: PhantomData<S>,
}

impl<S: Scalar, M: Neuron<S> + Copy + 'static> std::fmt::Debug for CudaEngine<S, M>
where
    M::State: 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaEngine")
            .field("kernels", &self.prefix)
            .field("n", &self.n)
            .finish()
    }
}

impl<S, M> CudaEngine<S, M>
where
    S: Scalar,
    M: Neuron<S> + Copy + 'static,
    M::State: 'static,
{
    pub(crate) fn new(model: &M, states: &[M::State], draws: Counter) -> Result<Self, SimError> {
        let prefix = kernel_prefix::<M>().ok_or(SimError::Unsupported {
            backend: "cuda",
            model: model_name::<M>(),
            scalar: S::NAME,
        })?;
        let context = cust::quick_init().map_err(cuda_error)?;
        let module = Module::from_ptx(PTX, &[]).map_err(cuda_error)?;
        let stream = Stream::new(StreamFlags::NON_BLOCKING, None).map_err(cuda_error)?;
        Ok(Self {
            model: DeviceBox::new(&Dev(*model)).map_err(cuda_error)?,
            states: DeviceBuffer::from_slice(dev_slice(states)).map_err(cuda_error)?,
            draws,
            host_states: states.to_vec(),
            stream,
            module,
            _context: context,
            prefix,
            n: states.len(),
            _scalar: PhantomData,
        })
    }

    /// Steps per launch so that one chunk of input, spikes and trace fits in a quarter of
    /// the free device memory: inputs larger than the device are streamed through it.
    fn chunk_steps(
        &self,
        steps: usize,
        recorded: usize,
        with_input: bool,
    ) -> Result<usize, SimError> {
        let (free, _total) = cust::memory::mem_get_info().map_err(cuda_error)?;
        let words = self.n.div_ceil(32);
        let per_step = words * 4
            + recorded * size_of::<S>()
            + if with_input {
                self.n * size_of::<S>()
            } else {
                0
            };
        let budget = free / 4;
        if per_step > budget {
            return Err(SimError::OutOfDeviceMemory(format!(
                "one step needs {per_step} bytes of device memory, {free} are free"
            )));
        }
        Ok((budget / per_step).clamp(1, steps.max(1)))
    }

    /// Runs `steps` steps in launches of as many steps as fit the device; returns the
    /// packed spikes.
    fn launch_chunks(
        &mut self,
        drive: Drive<'_, S>,
        steps: usize,
        record: &[usize],
        trace: &mut [S],
        thresholds: &mut [S],
    ) -> Result<Vec<u32>, SimError> {
        let n = self.n;
        let words = n.div_ceil(32);
        let k = record.len();
        // What each launch reads: host rows copied chunk by chunk, or the stimulus and the
        // key of the input draws.
        let launch = match drive {
            Drive::Rows(data) => {
                if let Some(i) = data.iter().position(|x| !x.is_finite()) {
                    return Err(lif_core::Error::NonFinite {
                        buffer: "input",
                        index: i,
                    }
                    .into());
                }
                Launch::Rows(data)
            }
            Drive::Generated { stimulus, t0 } => Launch::Generated {
                stimulus: DeviceBox::new(&Dev(stimulus)).map_err(cuda_error)?,
                t0,
            },
        };
        let chunk = self.chunk_steps(steps, k, matches!(launch, Launch::Rows(_)))?;
        // One record slot per neuron only when something is recorded (a null pointer
        // otherwise), so an unrecorded run holds nothing per neuron beyond its state.
        let slots = if k > 0 {
            let mut slots = vec![-1i32; n];
            for (j, &i) in record.iter().enumerate() {
                slots[i] = j as i32;
            }
            Some(DeviceBuffer::from_slice(&slots).map_err(cuda_error)?)
        } else {
            None
        };
        let grid = (n as u32).div_ceil(BLOCK);
        let mut spikes = vec![0u32; steps * words];
        let mut done = 0;
        while done < steps {
            let len = chunk.min(steps - done);
            let out = DeviceBuffer::<u32>::zeroed(len * words).map_err(cuda_error)?;
            let rec = DeviceBuffer::from_slice(&vec![Dev(S::ZERO); len * k.max(1)])
                .map_err(cuda_error)?;
            let rec_th = DeviceBuffer::from_slice(&vec![Dev(S::ZERO); len * k.max(1)])
                .map_err(cuda_error)?;
            let stream = &self.stream;
            let (model, states) = (self.model.as_device_ptr(), self.states.as_device_ptr());
            let (slots_ptr, rec_ptr, th_ptr) = (
                slots
                    .as_ref()
                    .map_or_else(cust::memory::DevicePointer::null, |s| s.as_device_ptr()),
                rec.as_device_ptr(),
                rec_th.as_device_ptr(),
            );
            let (n32, len32, k32) = (n as u32, len as u32, k as u32);
            match &launch {
                Launch::Generated { stimulus, t0 } => {
                    let f = self
                        .module
                        .get_function(format!("{}_run_gen", self.prefix))
                        .map_err(cuda_error)?;
                    let (stim_ptr, key) = (stimulus.as_device_ptr(), self.draws.0);
                    let t = t0 + done as u64;
                    // SAFETY: the kernel's parameters match lif-kernels' `*_run_gen`; every
                    // buffer is sized for n neurons, len steps and k recorded neurons.
                    unsafe {
                        launch!(f<<<grid, BLOCK, 0, stream>>>(
                            model, states, stim_ptr, key, t, n32, len32, out.as_device_ptr(), slots_ptr, k32, rec_ptr, th_ptr
                        ))
                        .map_err(cuda_error)?;
                    }
                }
                Launch::Rows(data) => {
                    let input =
                        DeviceBuffer::from_slice(dev_slice(&data[done * n..(done + len) * n]))
                            .map_err(cuda_error)?;
                    let f = self
                        .module
                        .get_function(format!("{}_run", self.prefix))
                        .map_err(cuda_error)?;
                    let input_ptr = input.as_device_ptr();
                    // SAFETY: as above, for `*_run`.
                    unsafe {
                        launch!(f<<<grid, BLOCK, 0, stream>>>(
                            model, states, input_ptr, n32, len32, out.as_device_ptr(), slots_ptr, k32, rec_ptr, th_ptr
                        ))
                        .map_err(cuda_error)?;
                    }
                    // The input buffer is dropped at the end of this block: wait for the kernel.
                    self.stream.synchronize().map_err(cuda_error)?;
                }
            }
            self.stream.synchronize().map_err(cuda_error)?;
            out.copy_to(&mut spikes[done * words..(done + len) * words])
                .map_err(cuda_error)?;
            if k > 0 {
                rec.copy_to(dev_slice_mut(&mut trace[done * k..(done + len) * k]))
                    .map_err(cuda_error)?;
                rec_th
                    .copy_to(dev_slice_mut(&mut thresholds[done * k..(done + len) * k]))
                    .map_err(cuda_error)?;
            }
            done += len;
        }
        Ok(spikes)
    }
}

/// What the launches of one run read.
enum Launch<'a, S: Scalar> {
    /// Host rows (steps, n), copied to the device chunk by chunk.
    Rows(&'a [S]),
    /// Generated on the device.
    Generated {
        stimulus: DeviceBox<Dev<Stimulus<S>>>,
        t0: u64,
    },
}

impl<S, M> Engine<S, M> for CudaEngine<S, M>
where
    S: Scalar,
    M: Neuron<S> + Copy + Send + 'static,
    M::State: Send + 'static,
{
    fn name(&self) -> &'static str {
        "cuda"
    }

    /// Model state: generated input keeps nothing per neuron.
    fn bytes_per_neuron(&self) -> usize {
        size_of::<M::State>()
    }

    fn run(
        &mut self,
        drive: Drive<'_, S>,
        steps: usize,
        record: &[usize],
        out: &mut RunOutput<S>,
    ) -> Result<(), SimError> {
        out.spikes =
            self.launch_chunks(drive, steps, record, &mut out.trace, &mut out.thresholds)?;
        Ok(())
    }

    fn states(&mut self) -> Result<&mut [M::State], SimError> {
        self.stream.synchronize().map_err(cuda_error)?;
        self.states
            .copy_to(dev_slice_mut(&mut self.host_states))
            .map_err(cuda_error)?;
        Ok(&mut self.host_states)
    }

    fn states_changed(&mut self) -> Result<(), SimError> {
        self.stream.synchronize().map_err(cuda_error)?;
        self.states
            .copy_from(dev_slice(&self.host_states))
            .map_err(cuda_error)
    }
}
