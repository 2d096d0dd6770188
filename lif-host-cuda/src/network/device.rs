//! Networks on CUDA: the populations' state, synapse channels and delay buffers on the
//! device; per step and population, one `net_deliver` launch per projection into it (pulled
//! per target, in the CPU's order of additions) and one `net_step` launch. The host
//! network stays the owner of the state: a run uploads it, steps on the device and reads it
//! back, so runs on either backend continue each other.

use cust::context::Context;
use cust::launch;
use cust::memory::{CopyDestination, DeviceBox, DeviceBuffer, DevicePointer};
use cust::module::Module;
use cust::stream::{Stream, StreamFlags};
use lif_core::projection::{Connectivity, Delays, Projection, Weights};
use lif_core::synapse::Channel;
use lif_core::{Neuron, Scalar, Stimulus};

use super::group::{Params, Pop};
use crate::SimError;
use crate::cuda::{BLOCK, Dev, PTX, cuda_error, dev_slice, dev_slice_mut, kernel_prefix};

/// Rows of spike words kept on the device per population between copies to the host.
pub(crate) const ROWS: usize = 256;

/// What the device run needs of a population, whatever its model.
pub(crate) trait DevicePop<S: Scalar> {
    fn n(&self) -> usize;
    fn slots(&self) -> u32;
    fn channels(&self) -> u32;
    fn ring(&self) -> DevicePointer<Dev<S>>;
    /// The spike rows (ROWS rows of the population's words).
    fn rows(&self) -> &DeviceBuffer<u32>;
    fn step(&self, module: &Module, stream: &Stream, t: u64, row: usize) -> Result<(), SimError>;
    /// Reads the state back into the host population.
    fn finish(self: Box<Self>) -> Result<(), SimError>;
}

/// A population on the device, borrowing its host copy.
pub(crate) struct OnDevice<'a, S: Scalar, M: Neuron<S> + Copy + 'static>
where
    M::State: 'static,
{
    host: &'a mut Pop<S, M>,
    kernel: String,
    model: DeviceBox<Dev<M>>,
    states: DeviceBuffer<Dev<M::State>>,
    channels: DeviceBuffer<Dev<Channel<S>>>,
    ring: DeviceBuffer<Dev<S>>,
    g: DeviceBuffer<Dev<S>>,
    bias: Option<DeviceBuffer<Dev<S>>>,
    stimulus: Option<DeviceBox<Dev<Stimulus<S>>>>,
    rows: DeviceBuffer<u32>,
}

/// Uploads population `host` (its spike words of the step before in `last`, placed in row
/// `last_row`).
pub(crate) fn upload<'a, S, M>(
    host: &'a mut Pop<S, M>,
    last: &[u32],
    last_row: usize,
) -> Result<Box<dyn DevicePop<S> + 'a>, SimError>
where
    S: Scalar,
    M: Neuron<S> + Copy + 'static,
    M::State: 'static,
{
    let model = match &host.params {
        Params::Shared(m) => *m,
        Params::PerNeuron(_) => {
            return Err(SimError::Unsupported {
                backend: "cuda",
                model: "per-neuron parameters in a network",
                scalar: S::NAME,
            });
        }
    };
    if host.rows.is_some() {
        return Err(SimError::Unsupported {
            backend: "cuda",
            model: "input rows in a network (use a Stimulus)",
            scalar: S::NAME,
        });
    }
    let prefix = kernel_prefix::<M>().ok_or(SimError::Unsupported {
        backend: "cuda",
        model: std::any::type_name::<M>(),
        scalar: S::NAME,
    })?;
    let n = host.state.len();
    // The device keeps lif-core's layout for one range of n neurons.
    host.relayout(n.max(1));
    let words = n.div_ceil(32);
    let mut rows = vec![0u32; ROWS * words];
    rows[last_row * words..(last_row + 1) * words].copy_from_slice(last);
    let e = cuda_error;
    Ok(Box::new(OnDevice {
        kernel: format!("{prefix}_net_step"),
        model: DeviceBox::new(&Dev(model)).map_err(e)?,
        states: DeviceBuffer::from_slice(dev_slice(&host.state)).map_err(e)?,
        channels: DeviceBuffer::from_slice(dev_slice(&host.channels)).map_err(e)?,
        ring: DeviceBuffer::from_slice(dev_slice(&host.ring)).map_err(e)?,
        g: DeviceBuffer::from_slice(dev_slice(&host.g)).map_err(e)?,
        bias: match &host.bias {
            Some(b) => Some(DeviceBuffer::from_slice(dev_slice(b)).map_err(e)?),
            None => None,
        },
        stimulus: match &host.stimulus {
            Some(s) => Some(DeviceBox::new(&Dev(*s)).map_err(e)?),
            None => None,
        },
        rows: DeviceBuffer::from_slice(&rows).map_err(e)?,
        host,
    }))
}

impl<S, M> DevicePop<S> for OnDevice<'_, S, M>
where
    S: Scalar,
    M: Neuron<S> + Copy + 'static,
    M::State: 'static,
{
    fn n(&self) -> usize {
        self.host.state.len()
    }
    fn slots(&self) -> u32 {
        self.host.slots as u32
    }
    fn channels(&self) -> u32 {
        self.host.channels.len() as u32
    }
    fn ring(&self) -> DevicePointer<Dev<S>> {
        self.ring.as_device_ptr()
    }
    fn rows(&self) -> &DeviceBuffer<u32> {
        &self.rows
    }

    fn step(&self, module: &Module, stream: &Stream, t: u64, row: usize) -> Result<(), SimError> {
        let n = self.n();
        let f = module.get_function(&self.kernel).map_err(cuda_error)?;
        let grid = (n as u32).div_ceil(BLOCK).max(1);
        let words = n.div_ceil(32);
        let bias = self
            .bias
            .as_ref()
            .map_or(DevicePointer::null(), |b| b.as_device_ptr());
        let stim = self
            .stimulus
            .as_ref()
            .map_or(DevicePointer::null(), |s| s.as_device_ptr());
        let draws = self.host.draws.0;
        // SAFETY: row < ROWS, so the offset stays within the rows buffer.
        let out = unsafe { self.rows.as_device_ptr().offset((row * words) as isize) };
        let (model, states, channels) = (
            self.model.as_device_ptr(),
            self.states.as_device_ptr(),
            self.channels.as_device_ptr(),
        );
        let (ring, g) = (self.ring.as_device_ptr(), self.g.as_device_ptr());
        let (n32, c, slots) = (n as u32, self.channels(), self.slots());
        // SAFETY: the parameters match lif-kernels' `*_net_step`; every buffer was uploaded
        // for n neurons, c channels and `slots` slots.
        unsafe {
            launch!(f<<<grid, BLOCK, 0, stream>>>(
                model, states, n32, channels, c, slots, t, ring, g, bias, stim, draws, out
            ))
            .map_err(cuda_error)
        }
    }

    fn finish(self: Box<Self>) -> Result<(), SimError> {
        let this = *self;
        let e = cuda_error;
        this.states
            .copy_to(dev_slice_mut(&mut this.host.state))
            .map_err(e)?;
        this.ring
            .copy_to(dev_slice_mut(&mut this.host.ring))
            .map_err(e)?;
        this.g.copy_to(dev_slice_mut(&mut this.host.g)).map_err(e)?;
        Ok(())
    }
}

/// A projection's synapses by target on the device: for each target, its incoming synapses
/// ordered by source (then as stored), the order in which the CPU adds them.
pub(crate) struct DeviceProjection<S: Scalar> {
    pub source: usize,
    pub channel: u32,
    pub previous_step: bool,
    offsets: DeviceBuffer<u32>,
    sources: DeviceBuffer<u32>,
    weights: Option<DeviceBuffer<Dev<S>>>,
    weight: S,
    delays: Option<DeviceBuffer<u8>>,
    delay: u32,
    kernel: String,
}

impl<S: Scalar> DeviceProjection<S> {
    /// Transposes `p` (between populations of `ns` and `nt` neurons) by target.
    pub(crate) fn new(p: &Projection<'_, S>, ns: usize, nt: usize) -> Result<Self, SimError> {
        // (source, target, weight, delay) in the stored order, which is by source; grouped
        // stably by target, each target's synapses stay by source, then as stored.
        let mut syn: Vec<(u32, u32, S, u16)> = Vec::new();
        p.for_each_synapse(ns, nt, |i, j, _, w, d| syn.push((i as u32, j as u32, w, d)));
        let (offsets, syn) = super::wiring::group_by(nt, syn, |s| s.1 as usize);
        let e = cuda_error;
        let sources: Vec<u32> = syn.iter().map(|s| s.0).collect();
        let (weights, weight) = match p.connectivity {
            Connectivity::Sparse {
                weights: Weights::Uniform(w),
                ..
            } => (None, w),
            _ => (Some(syn.iter().map(|s| s.2).collect::<Vec<S>>()), S::ZERO),
        };
        let (delays, delay) = match p.delays {
            Delays::Uniform(d) => (None, u32::from(d)),
            // Per-synapse delays are u8 (checked), so the narrowing keeps them.
            Delays::PerSynapse(_) => (Some(syn.iter().map(|s| s.3 as u8).collect::<Vec<u8>>()), 0),
        };
        Ok(Self {
            source: p.source,
            channel: p.channel as u32,
            previous_step: p.reads_previous_step(),
            offsets: DeviceBuffer::from_slice(&offsets).map_err(e)?,
            sources: DeviceBuffer::from_slice(&sources).map_err(e)?,
            weights: match weights {
                Some(w) => Some(DeviceBuffer::from_slice(dev_slice(&w)).map_err(e)?),
                None => None,
            },
            weight,
            delays: match delays {
                Some(d) => Some(DeviceBuffer::from_slice(&d).map_err(e)?),
                None => None,
            },
            delay,
            kernel: match S::NAME {
                "f32" => "net_deliver_f32".into(),
                name if name == <lif_core::I16F16 as Scalar>::NAME => "net_deliver_i16f16".into(),
                _ => {
                    return Err(SimError::Unsupported {
                        backend: "cuda",
                        model: "network",
                        scalar: S::NAME,
                    });
                }
            },
        })
    }

    /// Delivers the source's spikes of row `row` (emitted at step `emitted`) into the
    /// target's delay buffer.
    pub(crate) fn deliver(
        &self,
        module: &Module,
        stream: &Stream,
        source: &dyn DevicePop<S>,
        target: &dyn DevicePop<S>,
        row: usize,
        emitted: u64,
    ) -> Result<(), SimError> {
        let nt = target.n();
        let f = module.get_function(&self.kernel).map_err(cuda_error)?;
        let grid = (nt as u32).div_ceil(BLOCK).max(1);
        let words = source.n().div_ceil(32);
        // SAFETY: row < ROWS: within the source's rows.
        let spikes = unsafe { source.rows().as_device_ptr().offset((row * words) as isize) };
        let weights = self
            .weights
            .as_ref()
            .map_or(DevicePointer::null(), |w| w.as_device_ptr());
        let delays = self
            .delays
            .as_ref()
            .map_or(DevicePointer::null(), |d| d.as_device_ptr());
        let (offsets, sources) = (self.offsets.as_device_ptr(), self.sources.as_device_ptr());
        let (weight, delay, channel) = (Dev(self.weight), self.delay, self.channel);
        let (slots, channels, ring, n32) =
            (target.slots(), target.channels(), target.ring(), nt as u32);
        // SAFETY: the parameters match lif-kernels' `net_deliver_*`; the synapse arrays
        // were built for this projection and the buffers for its populations.
        unsafe {
            launch!(f<<<grid, BLOCK, 0, stream>>>(
                spikes, offsets, sources, weights, weight, delays, delay, emitted, slots,
                channels, channel, ring, n32
            ))
            .map_err(cuda_error)
        }
    }
}

/// A CUDA context, the kernels and a stream.
pub(crate) struct Device {
    pub stream: Stream,
    pub module: Module,
    _context: Context,
}

impl Device {
    pub(crate) fn new() -> Result<Self, SimError> {
        let context = cust::quick_init().map_err(cuda_error)?;
        let module = Module::from_ptx(PTX, &[]).map_err(cuda_error)?;
        let stream = Stream::new(StreamFlags::NON_BLOCKING, None).map_err(cuda_error)?;
        Ok(Self {
            stream,
            module,
            _context: context,
        })
    }
}
