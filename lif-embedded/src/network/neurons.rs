//! [`Neurons`]: `N` neurons of one model in a firmware network, with their synapse channels,
//! delay buffer and spikes in fixed-size arrays.

use lif_core::connect::{population_seed, uniform};
use lif_core::neuron::Stored;
use lif_core::population::{self, PerNeuron, Rows, Shared};
use lif_core::projection::Projection;
use lif_core::synapse::{Channel, Synapses};
use lif_core::{Error, ParamProblem, Scalar, StateSlices};

use super::{Group, Params, parity};

/// `N` neurons of model `M` in a network: parameters, state (lif-core's structure of
/// arrays), an optional bias, `C` synapse channels with a delay buffer of `D` steps
/// (lif-core's [`Synapses`] layout), the step's input and the spikes of the last two steps
/// (`W` words each). `W` must be [`crate::words`]`(N)` and `D` at least 1, both checked at
/// compile time:
///
/// ```compile_fail
/// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
/// # use lif_embedded::network::{Neurons, Params};
/// # let leaky = LeakyConfig::default().build::<f32>().unwrap();
/// # let channel = ChannelConfig::instantaneous().build::<f32>(1.0).unwrap();
/// // 40 neurons need 2 words of spikes, not 1.
/// let g: Neurons<f32, _, 40, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [channel]);
/// ```
///
/// RAM: `size_of::<Self>()`, that is per neuron the model state, `C * (D + 1) + 1` scalars
/// (delay buffer, channel values, input) and two bits of spikes, plus the parameters.
///
/// ```
/// use lif_core::{Lif, LifConfig, synapse::ChannelConfig};
/// use lif_embedded::network::{Neurons, Params};
/// use lif_embedded::words;
///
/// let lif = LifConfig::default().build::<f32>()?;
/// let e = ChannelConfig::exponential(5.0).build::<f32>(0.1)?;
/// let i = ChannelConfig::exponential(10.0).build::<f32>(0.1)?;
/// let mut exc: Neurons<f32, Lif<f32>, 800, { words(800) }, 2, 1> =
///     Neurons::new(Params::Shared(lif), [e, i]);
/// exc.set_initial_membrane(-60.0, -50.0);
/// // v and refractory (8 B), ring and g (2 x 8 B), input (4 B) per neuron, and the rest.
/// assert!(size_of_val(&exc) < 800 * 28 + 400);
/// # Ok::<(), lif_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Neurons<
    'a,
    S: Scalar,
    M: Stored<S>,
    const N: usize,
    const W: usize,
    const C: usize,
    const D: usize,
> {
    params: Params<'a, M, N>,
    channels: [Channel<S>; C],
    bias: Option<&'a [S; N]>,
    membrane: Option<(f64, f64)>,
    state: M::Arrays<N>,
    /// The delay buffer, slot by slot, channel by channel (lif-core's [`Synapses`] layout).
    ring: [[[S; N]; C]; D],
    /// The channel values, channel by channel.
    g: [[S; N]; C],
    input: [S; N],
    spikes: [[u32; W]; 2],
}

impl<'a, S, M, const N: usize, const W: usize, const C: usize, const D: usize>
    Neurons<'a, S, M, N, W, C, D>
where
    S: Scalar,
    M: Stored<S>,
{
    const CAPACITIES: () = {
        assert!(W == N.div_ceil(32), "W must be words(N)");
        assert!(D >= 1, "the delay buffer holds at least one step");
    };

    /// A population with these parameters and synapse channels (projections name them by
    /// index), no bias and the model's initial membranes; the network sets its initial
    /// state when it is built.
    pub fn new(params: Params<'a, M, N>, channels: [Channel<S>; C]) -> Self {
        let () = Self::CAPACITIES;
        Self {
            params,
            channels,
            bias: None,
            membrane: None,
            state: M::Arrays::<N>::default(),
            ring: [[[S::ZERO; N]; C]; D],
            g: [[S::ZERO; N]; C],
            input: [S::ZERO; N],
            spikes: [[0; W]; 2],
        }
    }

    /// Adds `bias[i]` to neuron `i`'s input every step (after the external input, before
    /// the channels).
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Neurons, Params};
    /// static BIAS: [f32; 3] = [0.1, 0.2, 0.3];
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let channel = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// let mut g: Neurons<f32, _, 3, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [channel]);
    /// g.set_bias(&BIAS);
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn set_bias(&mut self, bias: &'a [S; N]) -> &mut Self {
        self.bias = Some(bias);
        self
    }

    /// Initial membranes uniform in `[lo, hi)`, drawn with [`lif_core::connect::uniform`]
    /// from the network's seed when the network is built (the host's `initial_membrane`).
    ///
    /// ```
    /// # use lif_core::{LifConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Network, Neurons, Params};
    /// # let lif = LifConfig::default().build::<f32>()?;
    /// # let channel = ChannelConfig::instantaneous().build::<f32>(0.1)?;
    /// let mut g: Neurons<f32, _, 3, 1, 1, 1> = Neurons::new(Params::Shared(lif), [channel]);
    /// g.set_initial_membrane(-60.0, -50.0);
    /// let net = Network::new(1, [&mut g], &[])?;
    /// drop(net);
    /// let v = g.neuron(0).map(|s| s.v);
    /// assert!(v.is_some_and(|v| (-60.0..-50.0).contains(&v)));
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn set_initial_membrane(&mut self, lo: f64, hi: f64) -> &mut Self {
        self.membrane = Some((lo, hi));
        self
    }

    /// The state of neuron `i`.
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Neurons, Params};
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let channel = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// let mut g: Neurons<f32, _, 3, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [channel]);
    /// assert_eq!(g.neuron(2).map(|s| s.mem), Some(0.0));
    /// assert_eq!(g.neuron(3), None);
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn neuron(&mut self, i: usize) -> Option<M::State> {
        M::view(&mut self.state).get(i)
    }

    /// The spikes of the last step stepped.
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Neurons, Params};
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let channel = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// let g: Neurons<f32, _, 3, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [channel]);
    /// assert_eq!(g.spikes_of(0), &[0]);
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn spikes_of(&self, t: u64) -> &[u32; W] {
        match self.spikes.get(parity(t)) {
            Some(s) => s,
            None => &[0; W],
        }
    }
}

/// Resolves an incoming projection's spikes: `None` is the target's own (`own`).
#[inline(always)]
fn resolve<'x, S>(
    (p, spikes): (&'x Projection<'x, S>, Option<&'x [u32]>),
    own: &'x [u32],
) -> (&'x Projection<'x, S>, &'x [u32]) {
    (p, spikes.unwrap_or(own))
}

impl<S, M, const N: usize, const W: usize, const C: usize, const D: usize> Group<S>
    for Neurons<'_, S, M, N, W, C, D>
where
    S: Scalar,
    M: Stored<S>,
{
    fn len(&self) -> usize {
        N
    }

    fn channels(&self) -> usize {
        C
    }

    fn slots(&self) -> usize {
        D
    }

    fn init(&mut self, seed: u64, index: usize) -> Result<(), Error> {
        let p = u32::try_from(index).map_err(|_| Error::Length {
            buffer: "populations",
            expected: u32::MAX as usize,
            actual: index,
        })?;
        let pseed = population_seed(seed, p);
        let mut view = M::view(&mut self.state);
        for i in 0..N {
            let Some(model) = self.params.get(i) else {
                continue;
            };
            let mut s = model.initial_state(pseed, i as u64);
            if let Some((lo, hi)) = self.membrane {
                let v = uniform(seed, p, i as u32, lo, hi);
                let problem = if v.is_finite() {
                    ParamProblem::Overflow { scalar: S::NAME }
                } else {
                    ParamProblem::NotFinite
                };
                let v = S::from_f64(v).ok_or(Error::Param {
                    name: "initial membrane",
                    value: v,
                    problem,
                })?;
                M::set_membrane(&mut s, v);
            }
            view.set(i, s);
        }
        self.ring = [[[S::ZERO; N]; C]; D];
        self.g = [[S::ZERO; N]; C];
        self.input = [S::ZERO; N];
        self.spikes = [[0; W]; 2];
        Ok(())
    }

    fn spikes(&self, t: u64) -> &[u32] {
        self.spikes_of(t)
    }

    #[inline]
    fn prepare<'p>(
        &mut self,
        t: u64,
        incoming: &mut dyn Iterator<Item = (&'p Projection<'p, S>, Option<&'p [u32]>)>,
        external: &mut dyn FnMut(u64, &mut [S]),
    ) -> Result<(), Error>
    where
        S: 'p,
    {
        let Self {
            channels,
            bias,
            ring,
            g,
            input,
            spikes,
            ..
        } = self;
        *input = [S::ZERO; N];
        external(t, input);
        let own: &[u32] = spikes.get(parity(t.wrapping_sub(1))).map_or(&[], |s| s);
        let mut syn = Synapses::new(
            channels,
            D,
            N,
            ring.as_flattened_mut().as_flattened_mut(),
            g.as_flattened_mut(),
        )?;
        lif_core::network::prepare(
            t,
            incoming.map(|item| resolve(item, own)),
            &mut syn,
            bias.map(|b| b.as_slice()),
            input,
        );
        Ok(())
    }

    #[inline]
    fn fire(&mut self, t: u64) -> Result<(), Error> {
        let Self {
            params,
            state,
            input,
            spikes,
            ..
        } = self;
        let Some(out) = spikes.get_mut(parity(t)) else {
            return Ok(());
        };
        let mut view = M::view(state);
        // `population::step` is `run_from` over one row: called here directly (it is always
        // inlined), each population gets the loop compiled for its own size.
        let mut rows = Rows {
            data: input.as_slice(),
            stride: N,
            offset: 0,
        };
        let out = out.as_mut_slice();
        match params {
            Params::Shared(m) => population::run_from(&Shared(&*m), &mut view, &mut rows, 1, out),
            Params::PerNeuron(ms) => {
                population::run_from(&PerNeuron(ms.as_slice()), &mut view, &mut rows, 1, out)
            }
        }
    }

    fn membrane(&mut self, i: usize) -> Option<S> {
        self.neuron(i).as_ref().map(M::membrane)
    }
}
