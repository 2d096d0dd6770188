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
    Extended, I16F16, Lapicque, Leaky, Lif, Neuron, RngState, Scalar, Stimulus, Synaptic,
};

use crate::SimError;

/// The kernels, compiled from `lif-host-cuda/kernels` for nvptx64 by build.rs.
pub const PTX: &str = include_str!(env!("LIF_PTX"));

/// Threads per block: a multiple of the warp, which the kernels' spike vote needs.
const BLOCK: u32 = 256;

/// Plain data copied to the device as it is (lif-core's models, states and streams are
/// `#[repr(C)]` or `#[repr(transparent)]` and hold no pointers).
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
struct Dev<T>(T);

// SAFETY: only instantiated with lif-core's plain-data, pointer-free Copy types.
unsafe impl<T: Copy + 'static> DeviceCopy for Dev<T> {}

fn dev_slice<T>(s: &[T]) -> &[Dev<T>] {
    // SAFETY: Dev<T> is repr(transparent) over T.
    unsafe { std::slice::from_raw_parts(s.as_ptr().cast(), s.len()) }
}

fn dev_slice_mut<T>(s: &mut [T]) -> &mut [Dev<T>] {
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
fn kernel_prefix<M: 'static>() -> Option<&'static str> {
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

/// A population on the device.
pub(crate) struct CudaEngine<S: Scalar, M: Neuron<S> + Copy + 'static>
where
    M::State: 'static,
{
    // Field order is drop order: buffers and module before the context.
    model: DeviceBox<Dev<M>>,
    states: DeviceBuffer<Dev<M::State>>,
    /// Input streams, uploaded on the first generated-input run (16 bytes per neuron that
    /// host-array runs do not need on the device).
    streams: Option<DeviceBuffer<Dev<RngState>>>,
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
    pub(crate) fn new(model: &M, states: &[M::State]) -> Result<Self, SimError> {
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
            streams: None,
            stream,
            module,
            _context: context,
            prefix,
            n: states.len(),
            _scalar: PhantomData,
        })
    }

    pub(crate) fn read_states(&mut self, out: &mut [M::State]) -> Result<(), SimError> {
        self.stream.synchronize().map_err(cuda_error)?;
        self.states.copy_to(dev_slice_mut(out)).map_err(cuda_error)
    }

    pub(crate) fn write_states(&mut self, states: &[M::State]) -> Result<(), SimError> {
        self.stream.synchronize().map_err(cuda_error)?;
        self.states.copy_from(dev_slice(states)).map_err(cuda_error)
    }

    /// Bytes of device memory held per neuron between runs (model state, plus the input
    /// stream once a generated input has run).
    pub(crate) fn device_bytes_per_neuron(&self) -> usize {
        size_of::<M::State>()
            + if self.streams.is_some() {
                size_of::<RngState>()
            } else {
                0
            }
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

    fn launch_chunks(
        &mut self,
        steps: usize,
        record: &[usize],
        trace: &mut [S],
        thresholds: &mut [S],
        mut chunk_input: impl FnMut(usize, usize) -> Option<Vec<S>>,
        generated: Option<(Stimulus<S>, u64)>,
    ) -> Result<Vec<u32>, SimError> {
        let n = self.n;
        let words = n.div_ceil(32);
        let k = record.len();
        let chunk = self.chunk_steps(steps, k, generated.is_none())?;
        let mut slots = vec![-1i32; n];
        for (j, &i) in record.iter().enumerate() {
            slots[i] = j as i32;
        }
        let slots = DeviceBuffer::from_slice(&slots).map_err(cuda_error)?;
        let stimulus = match generated {
            Some((s, _)) => Some(DeviceBox::new(&Dev(s)).map_err(cuda_error)?),
            None => None,
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
                slots.as_device_ptr(),
                rec.as_device_ptr(),
                rec_th.as_device_ptr(),
            );
            let (n32, len32, k32) = (n as u32, len as u32, k as u32);
            match (&stimulus, generated) {
                (Some(stim), Some((_, t0))) => {
                    let f = self
                        .module
                        .get_function(format!("{}_run_gen", self.prefix))
                        .map_err(cuda_error)?;
                    let streams = match &self.streams {
                        Some(b) => b.as_device_ptr(),
                        None => {
                            return Err(SimError::Cuda("input streams were not uploaded".into()));
                        }
                    };
                    let stim_ptr = stim.as_device_ptr();
                    let t = t0 + done as u64;
                    // SAFETY: the kernel's parameters match lif-kernels' `*_run_gen`; every
                    // buffer is sized for n neurons, len steps and k recorded neurons.
                    unsafe {
                        launch!(f<<<grid, BLOCK, 0, stream>>>(
                            model, states, stim_ptr, streams, t, n32, len32, out.as_device_ptr(), slots_ptr, k32, rec_ptr, th_ptr
                        ))
                        .map_err(cuda_error)?;
                    }
                }
                _ => {
                    let host = chunk_input(done, len).unwrap_or_default();
                    let input = DeviceBuffer::from_slice(dev_slice(&host)).map_err(cuda_error)?;
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

    pub(crate) fn run_rows(
        &mut self,
        data: &[S],
        steps: usize,
        record: &[usize],
        trace: &mut [S],
        thresholds: &mut [S],
    ) -> Result<Vec<u32>, SimError> {
        if let Some(i) = data.iter().position(|x| !x.is_finite()) {
            return Err(lif_core::Error::NonFinite {
                buffer: "input",
                index: i,
            }
            .into());
        }
        let n = self.n;
        self.launch_chunks(
            steps,
            record,
            trace,
            thresholds,
            |t, len| Some(data[t * n..(t + len) * n].to_vec()),
            None,
        )
    }

    pub(crate) fn run_generated(
        &mut self,
        stimulus: Stimulus<S>,
        (t0, streams): (u64, &[RngState]),
        steps: usize,
        record: &[usize],
        trace: &mut [S],
        thresholds: &mut [S],
    ) -> Result<Vec<u32>, SimError> {
        if self.streams.is_none() {
            self.streams = Some(DeviceBuffer::from_slice(dev_slice(streams)).map_err(cuda_error)?);
        }
        self.launch_chunks(
            steps,
            record,
            trace,
            thresholds,
            |_, _| None,
            Some((stimulus, t0)),
        )
    }
}
