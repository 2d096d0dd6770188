//! Networks of any depth on a microcontroller: populations of any lif-core model joined by
//! lif-core [`Projection`]s (dense or sparse, any delays, recurrent), stepped in lif-core's
//! one network order ([`lif_core::network`]), with every capacity fixed at compile time.
//!
//! - [`Neurons`]: `N` neurons of one model (shared or per-neuron [`Params`]), an optional
//!   bias, `C` synapse channels, a delay buffer of `D` steps and double-buffered spikes
//!   (`W = words(N)` words each), all in fixed-size arrays.
//! - [`Encoded`]: an [`Encoder`](crate::encoder::Encoder) as a population whose spikes encode the step's sensor values.
//! - [`Network`]: `P` such [`Group`]s, borrowed, and the projections between them, borrowed
//!   too. On a board their weights, indices and delays are `&'static` tables in flash
//!   (generated at build time from a seed with [`lif_core::connect`], or trained); only the
//!   [`Projection`] records (a few words each) need to be built at run time.
//!
//! A step `t` runs the populations in their order. For each one:
//! [`lif_core::network::prepare`] delivers each projection into it (network order; the
//! source's spikes of step `t` for delay 0, of step `t - 1` otherwise) and collects its input
//! (`((external + bias) + gain * g ...)`), then lif-core's population loop steps its neurons.
//! No arithmetic of its own: the firmware's sums are the host's, bit for bit. The network is
//! checked once, by [`lif_core::network::check`], when it is built.
//!
//! A population's initial state is the host's: neuron `i` of population `p` of a network
//! seeded `seed` starts in `initial_state(population_seed(seed, p), i)`, with its membrane
//! drawn by [`lif_core::connect::uniform`]`(seed, p, i, lo, hi)` when a range is set.
//!
//! ```
//! use lif_core::projection::{Connectivity, Delays, Projection, Weights};
//! use lif_core::synapse::ChannelConfig;
//! use lif_core::LifConfig;
//! use lif_embedded::network::{Network, Neurons, Params};
//! use lif_embedded::words;
//!
//! // Two Lif populations: 4 excitatory neurons driven by a bias, onto 2 inhibitory ones
//! // (sparse, delay 2), which project back (delay 1) on a second channel.
//! static E_TO_I_OFFSETS: [u32; 5] = [0, 1, 2, 3, 4];
//! static E_TO_I_TARGETS: [u32; 4] = [0, 0, 1, 1];
//! static I_TO_E_OFFSETS: [u32; 3] = [0, 4, 8];
//! static I_TO_E_TARGETS: [u32; 8] = [0, 1, 2, 3, 0, 1, 2, 3];
//! static BIAS: [f32; 4] = [40.0, 42.0, 44.0, 46.0];
//!
//! let lif = LifConfig { refractory_steps: 2, ..LifConfig::default() }.build::<f32>()?;
//! let exc_channel = ChannelConfig::exponential(2.0).build::<f32>(0.1)?;
//! let inh_channel = ChannelConfig::exponential(5.0).build::<f32>(0.1)?;
//! let mut exc: Neurons<f32, _, 4, { words(4) }, 2, 1> =
//!     Neurons::new(Params::Shared(lif), [exc_channel, inh_channel]);
//! exc.set_bias(&BIAS);
//! let mut inh: Neurons<f32, _, 2, { words(2) }, 1, 2> =
//!     Neurons::new(Params::Shared(lif), [exc_channel]);
//! let projections = [
//!     Projection {
//!         source: 0, target: 1, channel: 0, delays: Delays::Uniform(2),
//!         connectivity: Connectivity::Sparse {
//!             offsets: &E_TO_I_OFFSETS, targets: &E_TO_I_TARGETS,
//!             weights: Weights::Uniform(60.0),
//!         },
//!     },
//!     Projection {
//!         source: 1, target: 0, channel: 1, delays: Delays::Uniform(1),
//!         connectivity: Connectivity::Sparse {
//!             offsets: &I_TO_E_OFFSETS, targets: &I_TO_E_TARGETS,
//!             weights: Weights::Uniform(-30.0),
//!         },
//!     },
//! ];
//! let mut net = Network::new(7, [&mut exc, &mut inh], &projections)?;
//! let mut fired = [0u32; 2];
//! for _ in 0..400 {
//!     net.step(|_population, _t, _input| {})?; // no external input: the bias drives it
//!     for (f, p) in fired.iter_mut().zip(0..) {
//!         *f += net.spikes(p).map_or(0, |w| w.iter().map(|x| x.count_ones()).sum());
//!     }
//! }
//! assert!(fired[0] > 0 && fired[1] > 0, "{fired:?}");
//! # Ok::<(), lif_core::Error>(())
//! ```

use lif_core::projection::{Connectivity, Projection, for_each_spike};
use lif_core::{Error, Scalar};

use crate::cost::{Clock, measure};

mod encoded;
mod neurons;

pub use encoded::Encoded;
pub use neurons::Neurons;

/// Where a population's parameters come from: one model for all `N` neurons, or one per
/// neuron (borrowed, so that a table of them can live in a `static`).
///
/// ```
/// use lif_core::LeakyConfig;
/// use lif_embedded::network::Params;
///
/// let slow = LeakyConfig { beta: 0.95, ..LeakyConfig::default() }.build::<f32>()?;
/// let fast = LeakyConfig { beta: 0.5, ..LeakyConfig::default() }.build::<f32>()?;
/// let shared: Params<'_, _, 3> = Params::Shared(slow);
/// let each = [slow, fast, slow];
/// let per_neuron = Params::PerNeuron(&each);
/// assert_eq!(shared.get(1), Some(&slow));
/// assert_eq!(per_neuron.get(1), Some(&fast));
/// # Ok::<(), lif_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Params<'a, M, const N: usize> {
    /// One parameter set for every neuron.
    Shared(M),
    /// One parameter set per neuron.
    PerNeuron(&'a [M; N]),
}

impl<M, const N: usize> Params<'_, M, N> {
    /// The parameters of neuron `i` (`None` past `N`).
    pub fn get(&self, i: usize) -> Option<&M> {
        match self {
            Params::Shared(m) => (i < N).then_some(m),
            Params::PerNeuron(ms) => ms.get(i),
        }
    }
}

/// A population as a [`Network`] steps it, whatever its model and capacities: [`Neurons`]
/// and [`Encoded`] implement it. The network calls [`Group::prepare`] then [`Group::fire`]
/// for each group in order at every step.
///
/// ```
/// use lif_core::{LeakyConfig, synapse::ChannelConfig};
/// use lif_embedded::network::{Group, Neurons, Params};
///
/// let leaky = LeakyConfig::default().build::<f32>()?;
/// let channel = ChannelConfig::instantaneous().build::<f32>(1.0)?;
/// let g: Neurons<f32, _, 40, 2, 1, 3> = Neurons::new(Params::Shared(leaky), [channel]);
/// let g: &dyn Group<f32> = &g;
/// assert_eq!((g.len(), g.channels(), g.slots()), (40, 1, 3));
/// # Ok::<(), lif_core::Error>(())
/// ```
pub trait Group<S: Scalar> {
    /// Neurons (bits of spikes).
    fn len(&self) -> usize;

    /// True if there are no neurons.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Synapse channels that projections can add into (0: none can).
    fn channels(&self) -> usize;

    /// Steps of delay the buffer holds (at least 1).
    fn slots(&self) -> usize;

    /// Puts the group in its initial state as population `index` of a network seeded with
    /// `seed`, with empty channels, delay buffer and spikes.
    fn init(&mut self, seed: u64, index: usize) -> Result<(), Error>;

    /// The packed spikes of step `t`: right for the last two steps stepped, and zeros for
    /// the steps before the first.
    fn spikes(&self, t: u64) -> &[u32];

    /// Steps 1 and 2 of lif-core's order for step `t`: `external` writes the step's external
    /// input into a buffer of zeros (one value per neuron for [`Neurons`], per sensor for
    /// [`Encoded`]), then each `(projection, spikes)` of `incoming` is delivered (`None`:
    /// the group's own spikes of the step before) and the input collected.
    fn prepare<'p>(
        &mut self,
        t: u64,
        incoming: &mut dyn Iterator<Item = (&'p Projection<'p, S>, Option<&'p [u32]>)>,
        external: &mut dyn FnMut(u64, &mut [S]),
    ) -> Result<(), Error>
    where
        S: 'p;

    /// Step 3: steps the neurons with the prepared input; their spikes become those of
    /// step `t`.
    fn fire(&mut self, t: u64) -> Result<(), Error>;

    /// The membrane of neuron `i` (`None` for groups without one). Takes `&mut self`
    /// because a structure of arrays is read through lif-core's mutable state view.
    fn membrane(&mut self, i: usize) -> Option<S>;
}

/// The spike buffer of step `t`.
pub(super) fn parity(t: u64) -> usize {
    usize::from(t % 2 == 1)
}

/// What one measured step cost ([`Network::step_measured`]), in clock ticks, and the
/// synaptic events it delivered.
///
/// ```
/// use lif_embedded::network::StepCost;
///
/// let a = StepCost { prepare: 10, fire: 20, events: 3 };
/// assert_eq!(a.total(), 30);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepCost {
    /// Ticks in [`Group::prepare`] (delivery and collection), all groups.
    pub prepare: u32,
    /// Ticks in [`Group::fire`] (the population loop), all groups.
    pub fire: u32,
    /// Synapses of the spikes delivered (each spiking source's synapses onto the target).
    pub events: u32,
}

impl StepCost {
    /// Ticks of the whole step.
    pub fn total(&self) -> u32 {
        self.prepare.wrapping_add(self.fire)
    }
}

/// The synapses that `spikes` (a source's packed words) activate in projection `p` onto a
/// population of `targets` neurons.
fn events<S: Scalar>(p: &Projection<'_, S>, spikes: &[u32], targets: usize) -> u32 {
    let mut n = 0u32;
    match p.connectivity {
        Connectivity::Dense { .. } | Connectivity::DenseInt8 { .. } => {
            let t = u32::try_from(targets).unwrap_or(u32::MAX);
            for_each_spike(spikes, |_| n = n.saturating_add(t));
        }
        Connectivity::Sparse { offsets, .. } => for_each_spike(spikes, |i| {
            let a = offsets.get(i).copied().unwrap_or(0);
            let b = offsets.get(i.wrapping_add(1)).copied().unwrap_or(a);
            n = n.saturating_add(b.saturating_sub(a));
        }),
    }
    n
}

/// `P` groups and the projections between them, stepped in lif-core's network order.
///
/// The groups and projections are borrowed: the network holds `P` pointers, the projection
/// slice and the step counter. Drop it (or stop using it) to get the typed groups back, e.g.
/// to read their final states. See the [module docs](self) for a whole example.
///
/// ```
/// use lif_core::projection::{Connectivity, Delays, Projection};
/// use lif_core::synapse::ChannelConfig;
/// use lif_core::{LeakyConfig, ProjectionProblem};
/// use lif_embedded::network::{Network, Neurons, Params};
///
/// let leaky = LeakyConfig::default().build::<f32>()?;
/// let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
/// let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
/// let mut b: Neurons<f32, _, 3, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
/// let w = [0.5f32; 6];
/// // A delay of 3 steps does not fit b's buffer of 1: refused, naming the projection.
/// let bad = [Projection { source: 0, target: 1, channel: 0, delays: Delays::Uniform(3),
///                         connectivity: Connectivity::Dense { weights: &w } }];
/// let err = Network::new(0, [&mut a, &mut b], &bad).err();
/// assert!(matches!(err, Some(lif_core::Error::Projection {
///     index: 0, problem: ProjectionProblem::Delay { delay: 3, max: 1 } })));
/// # Ok::<(), lif_core::Error>(())
/// ```
pub struct Network<'a, S: Scalar, const P: usize> {
    groups: [&'a mut dyn Group<S>; P],
    projections: &'a [Projection<'a, S>],
    t: u64,
}

impl<S: Scalar, const P: usize> core::fmt::Debug for Network<'_, S, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Network")
            .field("populations", &P)
            .field("projections", &self.projections.len())
            .field("t", &self.t)
            .finish()
    }
}

impl<'a, S: Scalar, const P: usize> Network<'a, S, P> {
    /// Checks the network with [`lif_core::network::check`] (populations that exist, sizes,
    /// channels, delays the buffers hold, delay 0 only forward) and puts every group in its
    /// initial state under `seed` (population `p` is `groups[p]`). Errors are lif-core's,
    /// naming the projection.
    ///
    /// ```
    /// use lif_core::projection::{Connectivity, Delays, Projection};
    /// use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// use lif_embedded::network::{Network, Neurons, Params};
    ///
    /// let leaky = LeakyConfig::default().build::<f32>()?;
    /// let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let w = [1.0f32; 4];
    /// // Delay 0 from a population onto itself would need spikes that do not exist yet.
    /// let p = [Projection { source: 0, target: 0, channel: 0, delays: Delays::Uniform(0),
    ///                       connectivity: Connectivity::Dense { weights: &w } }];
    /// assert!(Network::new(0, [&mut a], &p).is_err());
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn new(
        seed: u64,
        mut groups: [&'a mut dyn Group<S>; P],
        projections: &'a [Projection<'a, S>],
    ) -> Result<Self, Error> {
        let sizes = groups.each_ref().map(|g| g.len());
        let channels = groups.each_ref().map(|g| g.channels());
        let slots = groups.each_ref().map(|g| g.slots());
        lif_core::network::check(&sizes, &channels, &slots, projections)?;
        for (index, g) in groups.iter_mut().enumerate() {
            g.init(seed, index)?;
        }
        Ok(Self {
            groups,
            projections,
            t: 0,
        })
    }

    /// Runs step `t` (the number of steps run so far) of every population in order.
    /// `external(p, t, input)` writes population `p`'s external input into `input` (zeros;
    /// one value per neuron, or per sensor for an [`Encoded`] group); leave it to keep 0.
    /// On an error (a non-finite float input or sensor value) the step is abandoned where it
    /// stood.
    ///
    /// ```
    /// use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// use lif_embedded::network::{Network, Neurons, Params};
    ///
    /// let leaky = LeakyConfig::default().build::<f32>()?;
    /// let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let mut net = Network::new(0, [&mut a], &[])?;
    /// for _ in 0..3 {
    ///     net.step(|_p, _t, x| x.fill(0.6))?; // 0.6, 1.14: spikes at step 1
    /// }
    /// assert_eq!(net.steps_run(), 3);
    /// assert_eq!(net.spikes(0), Some(&[0][..]));
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn step(&mut self, mut external: impl FnMut(usize, u64, &mut [S])) -> Result<(), Error> {
        self.step_with(&crate::cost::NoClock, &mut external, false)
            .map(|_| ())
    }

    /// [`Network::step`], measuring with `clock` the ticks spent preparing (delivering and
    /// collecting) and firing (the population loop) every group, and counting the synaptic
    /// events delivered (counted outside the measured regions).
    ///
    /// ```
    /// use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// use lif_embedded::cost::NoClock;
    /// use lif_embedded::network::{Network, Neurons, Params};
    ///
    /// let leaky = LeakyConfig::default().build::<f32>()?;
    /// let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let mut net = Network::new(0, [&mut a], &[])?;
    /// let cost = net.step_measured(&NoClock, |_p, _t, x| x.fill(0.6))?;
    /// assert_eq!(cost.events, 0);
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn step_measured<K: Clock>(
        &mut self,
        clock: &K,
        mut external: impl FnMut(usize, u64, &mut [S]),
    ) -> Result<StepCost, Error> {
        self.step_with(clock, &mut external, true)
    }

    #[inline(always)]
    fn step_with<K: Clock>(
        &mut self,
        clock: &K,
        external: &mut dyn FnMut(usize, u64, &mut [S]),
        count: bool,
    ) -> Result<StepCost, Error> {
        let Self {
            groups,
            projections,
            t,
        } = self;
        let t = *t;
        let projections: &[Projection<'_, S>] = projections;
        let mut cost = StepCost::default();
        for p in 0..P {
            let (before, rest) = groups.split_at_mut(p);
            let Some((me, after)) = rest.split_first_mut() else {
                break;
            };
            let (before, after): (&[&mut dyn Group<S>], &[&mut dyn Group<S>]) = (before, after);
            // The spikes of population `q`'s step `at`, or `None` for this one's own.
            let peer = |q: usize, at: u64| -> Option<Option<&[u32]>> {
                if q == p {
                    return Some(None);
                }
                let g = if q < p {
                    before.get(q)
                } else {
                    after.get(q.wrapping_sub(p).wrapping_sub(1))
                };
                g.map(|g| Some(g.spikes(at)))
            };
            let emitted = |q: &Projection<'_, S>| {
                if q.reads_previous_step() {
                    t.wrapping_sub(1)
                } else {
                    t
                }
            };
            if count {
                for q in projections.iter().filter(|q| q.target == p) {
                    let at = emitted(q);
                    let words = match peer(q.source, at) {
                        Some(Some(w)) => w,
                        Some(None) => me.spikes(at),
                        None => continue,
                    };
                    cost.events = cost.events.saturating_add(events(q, words, me.len()));
                }
            }
            let mut incoming = projections
                .iter()
                .filter(|q| q.target == p)
                .filter_map(|q| peer(q.source, emitted(q)).map(|s| (q, s)));
            let (r, ticks) = measure(clock, || {
                me.prepare(t, &mut incoming, &mut |t, x| external(p, t, x))
            });
            r?;
            cost.prepare = cost.prepare.wrapping_add(ticks);
            let (r, ticks) = measure(clock, || me.fire(t));
            r?;
            cost.fire = cost.fire.wrapping_add(ticks);
        }
        self.t = t.wrapping_add(1);
        Ok(cost)
    }

    /// Steps run so far.
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Network, Neurons, Params};
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// # let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let net = Network::new(0, [&mut a], &[])?;
    /// assert_eq!(net.steps_run(), 0);
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn steps_run(&self) -> u64 {
        self.t
    }

    /// The spikes of population `p` at the last step run (zeros before the first).
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Network, Neurons, Params};
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// # let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let mut net = Network::new(0, [&mut a], &[])?;
    /// net.step(|_, _, x| x.fill(2.0))?;
    /// assert_eq!(net.spikes(0), Some(&[0b11][..]));
    /// assert_eq!(net.spikes(1), None);
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn spikes(&self, p: usize) -> Option<&[u32]> {
        self.groups.get(p).map(|g| g.spikes(self.t.wrapping_sub(1)))
    }

    /// The membrane of neuron `i` of population `p`.
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Network, Neurons, Params};
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// # let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let mut net = Network::new(0, [&mut a], &[])?;
    /// net.step(|_, _, x| x.fill(0.25))?;
    /// assert_eq!(net.membrane(0, 1), Some(0.25));
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn membrane(&mut self, p: usize, i: usize) -> Option<S> {
        self.groups.get_mut(p)?.membrane(i)
    }

    /// The projections.
    ///
    /// ```
    /// # use lif_core::{LeakyConfig, synapse::ChannelConfig};
    /// # use lif_embedded::network::{Network, Neurons, Params};
    /// # let leaky = LeakyConfig::default().build::<f32>()?;
    /// # let ch = ChannelConfig::instantaneous().build::<f32>(1.0)?;
    /// # let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [ch]);
    /// let net = Network::new(0, [&mut a], &[])?;
    /// assert!(net.projections().is_empty());
    /// # Ok::<(), lif_core::Error>(())
    /// ```
    pub fn projections(&self) -> &[Projection<'a, S>] {
        self.projections
    }

    /// [`Network::step`], logging every population's spike count with defmt at debug level.
    ///
    /// ```ignore
    /// // On a board with a defmt logger (feature `defmt`), as in examples/firmware-stm32f4:
    /// net.step_logged(|p, _t, input| if p == 0 { input.fill(sensor) })?;
    /// // DEBUG lif step 41: population 1 fired 3
    /// ```
    #[cfg(feature = "defmt")]
    pub fn step_logged(&mut self, external: impl FnMut(usize, u64, &mut [S])) -> Result<(), Error> {
        self.step(external)?;
        for p in 0..P {
            let n = self.spikes(p).map_or(0, |w| {
                w.iter()
                    .map(|x| x.count_ones())
                    .fold(0u32, u32::saturating_add)
            });
            defmt::debug!(
                "lif step {=u64}: population {=usize} fired {=u32}",
                self.t.wrapping_sub(1),
                p,
                n
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::RateEncoder;
    use crate::words;
    use lif_core::projection::{Delays, Weights};
    use lif_core::synapse::{Channel, ChannelConfig};
    use lif_core::{I16F16, LeakyConfig, LifConfig, Neuron, ProjectionProblem};

    fn instant<S: Scalar>() -> Channel<S> {
        ChannelConfig::instantaneous().build::<S>(1.0).unwrap()
    }

    #[test]
    fn spikes_arrive_after_their_delay_on_the_named_channel() {
        // A source spikes at step 0 only; its spike reaches the target after 3 steps.
        let leaky = LeakyConfig {
            beta: 0.5,
            ..LeakyConfig::default()
        }
        .build::<f32>()
        .unwrap();
        let quiet = LeakyConfig {
            beta: 0.5,
            threshold: 100.0,
            ..LeakyConfig::default()
        }
        .build::<f32>()
        .unwrap();
        let mut src: Neurons<f32, _, 1, 1, 1, 1> = Neurons::new(Params::Shared(leaky), [instant()]);
        let gain2 = ChannelConfig {
            tau: None,
            gain: 2.0,
        }
        .build::<f32>(1.0)
        .unwrap();
        let mut dst: Neurons<f32, _, 2, 1, 2, 3> =
            Neurons::new(Params::Shared(quiet), [instant(), gain2]);
        let offsets = [0u32, 1];
        let targets = [1u32];
        let proj = [Projection {
            source: 0,
            target: 1,
            channel: 1,
            delays: Delays::Uniform(3),
            connectivity: Connectivity::Sparse {
                offsets: &offsets,
                targets: &targets,
                weights: Weights::Uniform(0.25),
            },
        }];
        let mut net = Network::new(0, [&mut src, &mut dst], &proj).unwrap();
        let mut seen = [0.0f32; 6];
        for (t, s) in seen.iter_mut().enumerate() {
            net.step(|p, _, x| {
                if p == 0 && t == 0 {
                    x.fill(2.0)
                }
            })
            .unwrap();
            *s = net.membrane(1, 1).unwrap();
            assert_eq!(net.membrane(1, 0), Some(0.0));
        }
        // Emitted at 0, delivered at 1, arrives at 0 + 3 = 3 with gain 2, then decays 0.5.
        assert_eq!(seen, [0.0, 0.0, 0.0, 0.5, 0.25, 0.125]);
    }

    #[test]
    fn recurrent_and_per_neuron_params_step_like_single_neurons() {
        // A self-projection with zero weight and bias: each neuron equals a lone neuron
        // stepped with its bias.
        let models = [0.2, 0.5, 0.9].map(|beta| {
            LeakyConfig {
                beta,
                ..LeakyConfig::default()
            }
            .build::<I16F16>()
            .unwrap()
        });
        let bias = [0.3, 0.4, 0.5].map(I16F16::from_num);
        let mut g: Neurons<I16F16, _, 3, 1, 1, 2> =
            Neurons::new(Params::PerNeuron(&models), [instant()]);
        g.set_bias(&bias);
        let w = [I16F16::ZERO; 9];
        let proj = [Projection {
            source: 0,
            target: 0,
            channel: 0,
            delays: Delays::Uniform(2),
            connectivity: Connectivity::Dense { weights: &w },
        }];
        let mut net = Network::new(3, [&mut g], &proj).unwrap();
        let mut single = models.map(|m| m.initial_state(0, 0));
        for _ in 0..40 {
            net.step(|_, _, _| {}).unwrap();
            let s = net.spikes(0).unwrap()[0];
            for (i, (st, m)) in single.iter_mut().zip(&models).enumerate() {
                assert_eq!(m.step(st, bias[i]), s >> i & 1 == 1);
            }
        }

        for (i, st) in single.iter().enumerate() {
            assert_eq!(g.neuron(i), Some(*st));
        }
    }

    #[test]
    fn an_encoder_feeds_a_layer_in_the_same_step() {
        let leaky = LeakyConfig::default().build::<f32>().unwrap();
        let mut enc: Encoded<f32, _, 2, 1> = Encoded::new(RateEncoder::<f32, 2, 1>::new(1.0, 3));
        let mut out: Neurons<f32, _, 2, { words(2) }, 1, 1> =
            Neurons::new(Params::Shared(leaky), [instant()]);
        let w = [2.0, 0.0, 0.0, 2.0];
        let proj = [Projection {
            source: 0,
            target: 1,
            channel: 0,
            delays: Delays::Uniform(0),
            connectivity: Connectivity::Dense { weights: &w },
        }];
        let mut net = Network::new(0, [&mut enc, &mut out], &proj).unwrap();
        for _ in 0..5 {
            // Channel 0 always fires (probability 1), channel 1 never.
            net.step(|p, _, x| {
                if p == 0 {
                    x.copy_from_slice(&[1.0, 0.0])
                }
            })
            .unwrap();
            assert_eq!(net.spikes(0), Some(&[0b01][..]));
            assert_eq!(net.spikes(1), Some(&[0b01][..]));
        }
    }

    #[test]
    fn bad_networks_are_refused_naming_the_projection() {
        let lif = LifConfig::default().build::<f32>().unwrap();
        let mut a: Neurons<f32, _, 2, 1, 1, 1> = Neurons::new(Params::Shared(lif), [instant()]);
        let mut e: Encoded<f32, _, 2, 1> = Encoded::new(RateEncoder::<f32, 2, 1>::new(1.0, 3));
        let w = [1.0f32; 4];
        let into_encoder = [Projection {
            source: 0,
            target: 1,
            channel: 0,
            delays: Delays::Uniform(1),
            connectivity: Connectivity::Dense { weights: &w },
        }];
        assert_eq!(
            Network::new(0, [&mut a, &mut e], &into_encoder).err(),
            Some(Error::Projection {
                index: 0,
                problem: ProjectionProblem::Channel {
                    channel: 0,
                    channels: 0
                }
            })
        );
        let unknown = [Projection {
            source: 0,
            target: 2,
            ..into_encoder[0]
        }];
        assert!(matches!(
            Network::new(0, [&mut a, &mut e], &unknown).err(),
            Some(Error::Projection {
                index: 0,
                problem: ProjectionProblem::Population { population: 2, .. }
            })
        ));
        let short = [1.0f32; 3];
        let sizes = [Projection {
            source: 0,
            target: 0,
            connectivity: Connectivity::Dense { weights: &short },
            ..into_encoder[0]
        }];
        assert!(matches!(
            Network::new(0, [&mut a], &sizes).err(),
            Some(Error::Length {
                buffer: "dense weights",
                ..
            })
        ));
        a.set_initial_membrane(0.0, 1e300);
        assert!(matches!(
            Network::new(0, [&mut a], &[]).err(),
            Some(Error::Param {
                name: "initial membrane",
                ..
            })
        ));
    }

    #[test]
    fn events_count_the_synapses_of_spiking_sources() {
        let offsets = [0u32, 2, 2, 5];
        let targets = [0u32, 1, 0, 1, 2];
        let p = Projection {
            source: 0,
            target: 0,
            channel: 0,
            delays: Delays::Uniform(1),
            connectivity: Connectivity::Sparse {
                offsets: &offsets,
                targets: &targets,
                weights: Weights::Uniform(1.0f32),
            },
        };
        assert_eq!(events(&p, &[0b101], 3), 5);
        assert_eq!(events(&p, &[0b010], 3), 0);
        let w = [0.0f32; 6];
        let d = Projection {
            connectivity: Connectivity::Dense { weights: &w },
            ..p
        };
        assert_eq!(events(&d, &[0b11], 3), 6);
    }
}
