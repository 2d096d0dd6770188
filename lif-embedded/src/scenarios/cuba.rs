//! The scaled CUBA network (Vogels and Abbott 2005, as in Brian2's CUBA example) at 1,000
//! neurons, the size of an STM32F4: 800 excitatory (population 0) and 200 inhibitory
//! (population 1) Lif neurons, connection probability 0.08 (fan-in 80, as at 4,000 neurons
//! with 0.02), the weights of the 4,000-neuron network, every delay one step.
//!
//! The connectivity is [`lif_core::connect::bernoulli`] under [`SEED`], projection `k` of
//! [`PROJECTIONS`] being generator key `k`: the firmware's build script writes it into
//! `static` tables (flash) with [`row`]; the host draws the same synapses with
//! `lif_host_cuda::network::Synapses::Probability`. [`run`] steps it and reports digests of
//! its spikes and final state.
//!
//! ```
//! use lif_core::connect::bernoulli;
//! use lif_embedded::cost::NoClock;
//! use lif_embedded::scenarios::cuba::{self, Table, Tables};
//!
//! // The tables a build script would write, here in vectors.
//! let mut offsets = [vec![0u32], vec![0], vec![0], vec![0]];
//! let mut targets = [vec![], vec![], vec![], vec![]];
//! for (k, (o, t)) in offsets.iter_mut().zip(&mut targets).enumerate() {
//!     for source in 0..cuba::sources(k) as u32 {
//!         cuba::row(k, source, |j| t.push(j));
//!         o.push(t.len() as u32);
//!     }
//! }
//! let table = |k: usize| Table { offsets: &offsets[k], targets: &targets[k] };
//! let tables = Tables([table(0), table(1), table(2), table(3)]);
//! let r = cuba::run::<f32, _>("cuba/f32", &tables, 20, &NoClock, |_, _, _| {}, |_, _, _| {})?;
//! assert_eq!(r.steps, 20);
//! # Ok::<(), lif_core::Error>(())
//! ```

use lif_core::connect::bernoulli;
use lif_core::projection::{Connectivity, Delays, Projection, Weights};
use lif_core::synapse::ChannelConfig;
use lif_core::{Error, Integration, Lif, LifConfig, LifReset, Neuron, Scalar, StateBits};

use super::{Fnv, convert};
use crate::cost::Clock;
use crate::network::{Network, Neurons, Params};
use crate::words;

/// The network's seed: connectivity, initial membranes.
pub const SEED: u64 = 0xC0BA_2005;
/// Excitatory neurons (population 0).
pub const EXC: usize = 800;
/// Inhibitory neurons (population 1).
pub const INH: usize = 200;
/// Neurons of each population.
pub const SIZES: [usize; 2] = [EXC, INH];
/// Connection probability of every projection.
pub const P: f64 = 0.08;
/// Excitatory weight, mV: `60 * 0.27 / 10` (the 4,000-neuron network's).
pub const WE: f64 = 60.0 * 0.27 / 10.0;
/// Inhibitory weight, mV: `-20 * 4.5 / 10`.
pub const WI: f64 = -20.0 * 4.5 / 10.0;
/// Membrane time constant, ms.
pub const TAU_M: f64 = 20.0;
/// Excitatory synapse time constant (channel 0), ms.
pub const TAU_E: f64 = 5.0;
/// Inhibitory synapse time constant (channel 1), ms.
pub const TAU_I: f64 = 10.0;
/// Threshold, mV.
pub const V_T: f64 = -50.0;
/// Reset, mV.
pub const V_R: f64 = -60.0;
/// Resting potential `El`, mV.
pub const EL: f64 = -49.0;
/// Refractory period in steps (5 ms).
pub const REFRACTORY: u32 = 50;
/// Step, ms.
pub const DT: f64 = 0.1;
/// Steps the firmware runs (100 ms).
pub const STEPS: usize = 1000;

/// One projection of the network: `weight` on `channel` of `target`, from `source`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    /// Source population.
    pub source: usize,
    /// Target population.
    pub target: usize,
    /// The target's channel (0 excitatory, 1 inhibitory).
    pub channel: usize,
    /// The weight of every synapse, mV.
    pub weight: f64,
}

/// The projections in their order, which is also their generator key: exc -> exc,
/// exc -> inh (channel 0, [`WE`]), inh -> exc, inh -> inh (channel 1, [`WI`]).
pub const PROJECTIONS: [Spec; 4] = [
    Spec {
        source: 0,
        target: 0,
        channel: 0,
        weight: WE,
    },
    Spec {
        source: 0,
        target: 1,
        channel: 0,
        weight: WE,
    },
    Spec {
        source: 1,
        target: 0,
        channel: 1,
        weight: WI,
    },
    Spec {
        source: 1,
        target: 1,
        channel: 1,
        weight: WI,
    },
];

/// The neuron model: Lif with exact integration, hard reset, `R = 1`.
pub fn lif() -> LifConfig {
    LifConfig {
        tau: TAU_M,
        v_rest: EL,
        v_reset: V_R,
        v_th: V_T,
        r: 1.0,
        dt: DT,
        refractory_steps: REFRACTORY,
        integration: Integration::Exact,
        reset: LifReset::Hard,
    }
}

/// The two synapse channels (excitatory, inhibitory), exponential with the gain that makes
/// the Lif step the exact solution ([`ChannelConfig::exact_for_lif`]).
pub fn channels() -> Result<[ChannelConfig; 2], Error> {
    let channel = |tau: f64| -> Result<ChannelConfig, Error> {
        Ok(ChannelConfig {
            tau: Some(tau),
            gain: ChannelConfig::exact_for_lif(tau, TAU_M, 1.0, DT)?,
        })
    };
    Ok([channel(TAU_E)?, channel(TAU_I)?])
}

/// Sources of projection `k` (0 past the end).
pub fn sources(k: usize) -> usize {
    PROJECTIONS
        .get(k)
        .and_then(|s| SIZES.get(s.source))
        .copied()
        .unwrap_or(0)
}

/// The targets of `source` in projection `k`, in increasing order, through `f`:
/// [`lif_core::connect::bernoulli`]`(SEED, k, source, P, targets, f)`.
pub fn row(k: usize, source: u32, f: impl FnMut(u32)) {
    let Some(targets) = PROJECTIONS.get(k).and_then(|s| SIZES.get(s.target)) else {
        return;
    };
    bernoulli(SEED, k as u32, source, P, *targets as u32, f);
}

/// One projection's synapses, compressed by source (what [`row`] gives, in order).
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// `sources + 1` offsets into `targets`.
    pub offsets: &'a [u32],
    /// The target of each synapse.
    pub targets: &'a [u32],
}

/// The tables of the four projections, in [`PROJECTIONS`] order.
#[derive(Debug, Clone, Copy)]
pub struct Tables<'a>(pub [Table<'a>; 4]);

impl Tables<'_> {
    /// Synapses in all four tables.
    pub fn synapses(&self) -> usize {
        self.0.iter().map(|t| t.targets.len()).sum()
    }

    /// Bytes of the four tables (offsets and targets, 4 bytes each).
    pub fn bytes(&self) -> usize {
        self.0
            .iter()
            .map(|t| {
                t.offsets
                    .len()
                    .saturating_add(t.targets.len())
                    .saturating_mul(4)
            })
            .sum()
    }
}

/// The excitatory population: two channels, a one-step delay buffer.
pub type Exc<'a, S> = Neurons<'a, S, Lif<S>, EXC, { words(EXC) }, 2, 1>;
/// The inhibitory population.
pub type Inh<'a, S> = Neurons<'a, S, Lif<S>, INH, { words(INH) }, 2, 1>;

/// What a run of the network produced and cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// `cuba/<scalar>`.
    pub name: &'static str,
    /// Steps run.
    pub steps: u32,
    /// Spikes of each population.
    pub spikes: [u32; 2],
    /// FNV-1a of every step's packed spikes, excitatory words then inhibitory.
    pub spike_digest: u64,
    /// FNV-1a of the final membranes (bits of their exact f64 values), excitatory first.
    pub membrane_digest: u64,
    /// FNV-1a of the final states ([`StateBits`]: membrane and refractory count).
    pub state_digest: u64,
    /// Clock ticks in delivery and collection (all steps).
    pub prepare: u64,
    /// Clock ticks in the population loop.
    pub fire: u64,
    /// Synaptic events delivered.
    pub events: u64,
    /// Sum over steps of the step's events squared (for the regression of the preparing
    /// cost on the events).
    pub events_sq: u64,
    /// Sum over steps of the step's events times its preparing ticks.
    pub events_prepare: u64,
    /// Bytes of RAM of the network: both populations and the network record.
    pub ram: u32,
}

impl Report {
    /// Instructions (or cycles) per tick of the clock `ticks_to_instructions` gives, into the
    /// figures the docs give: (per synaptic event, per neuron-step). The preparing cost of
    /// a step is fitted by least squares as `a + b * events`: `b` is the cost of an event;
    /// `a` (collecting the channels) plus the population loop, over the neurons, is the cost
    /// of a neuron-step.
    pub fn per_event_and_neuron_step(&self, ticks_to_instructions: f64) -> (f64, f64) {
        let n = f64::from(self.steps);
        let (se, sp) = (self.events as f64, self.prepare as f64);
        let (see, sep) = (self.events_sq as f64, self.events_prepare as f64);
        let den = n * see - se * se;
        let b = if den > 0.0 {
            (n * sep - se * sp) / den
        } else {
            0.0
        };
        let a = (sp - b * se) / n;
        let neurons = (EXC + INH) as f64;
        let per_neuron_step = (a * n + self.fire as f64) / (neurons * n);
        (
            b * ticks_to_instructions,
            per_neuron_step * ticks_to_instructions,
        )
    }
}

/// Builds projection `spec` over `table` in `S`.
fn projection<'a, S: Scalar>(spec: Spec, table: Table<'a>) -> Result<Projection<'a, S>, Error> {
    Ok(Projection {
        source: spec.source,
        target: spec.target,
        channel: spec.channel,
        delays: Delays::Uniform(1),
        connectivity: Connectivity::Sparse {
            offsets: table.offsets,
            targets: table.targets,
            weights: Weights::Uniform(convert::<S>("weight", spec.weight)?),
        },
    })
}

/// Runs the network for `steps` steps in `S`, measuring each step with `clock`. `on_step(t,
/// exc, inh)` sees each step's spike words; `on_membrane(p, i, v)` each final membrane.
pub fn run<S: Scalar, K: Clock>(
    name: &'static str,
    tables: &Tables<'_>,
    steps: usize,
    clock: &K,
    mut on_step: impl FnMut(u64, &[u32], &[u32]),
    mut on_membrane: impl FnMut(usize, usize, S),
) -> Result<Report, Error> {
    let lif = lif().build::<S>()?;
    let [ce, ci] = channels()?;
    let channels = [ce.build::<S>(DT)?, ci.build::<S>(DT)?];
    let [s0, s1, s2, s3] = PROJECTIONS;
    let [t0, t1, t2, t3] = tables.0;
    let projections = [
        projection::<S>(s0, t0)?,
        projection::<S>(s1, t1)?,
        projection::<S>(s2, t2)?,
        projection::<S>(s3, t3)?,
    ];
    let mut exc: Exc<'_, S> = Neurons::new(Params::Shared(lif), channels);
    exc.set_initial_membrane(V_R, V_T);
    let mut inh: Inh<'_, S> = Neurons::new(Params::Shared(lif), channels);
    inh.set_initial_membrane(V_R, V_T);
    let mut net = Network::new(SEED, [&mut exc, &mut inh], &projections)?;
    let ram = size_of::<Exc<'_, S>>()
        .saturating_add(size_of::<Inh<'_, S>>())
        .saturating_add(size_of_val(&net));
    let mut r = Report {
        name,
        steps: steps as u32,
        spikes: [0; 2],
        spike_digest: 0,
        membrane_digest: 0,
        state_digest: 0,
        prepare: 0,
        fire: 0,
        events: 0,
        events_sq: 0,
        events_prepare: 0,
        ram: ram as u32,
    };
    let mut digest = Fnv::new();
    for t in 0..steps as u64 {
        let cost = net.step_measured(clock, |_, _, _| {})?;
        let (e, p) = (u64::from(cost.events), u64::from(cost.prepare));
        r.prepare = r.prepare.wrapping_add(p);
        r.fire = r.fire.wrapping_add(u64::from(cost.fire));
        r.events = r.events.wrapping_add(e);
        r.events_sq = r.events_sq.wrapping_add(e.wrapping_mul(e));
        r.events_prepare = r.events_prepare.wrapping_add(e.wrapping_mul(p));
        let exc_words = net.spikes(0).unwrap_or(&[]);
        let inh_words = net.spikes(1).unwrap_or(&[]);
        digest.words(exc_words);
        digest.words(inh_words);
        for (n, w) in r.spikes.iter_mut().zip([exc_words, inh_words]) {
            *n = n.saturating_add(w.iter().map(|x| x.count_ones()).sum());
        }
        on_step(t, exc_words, inh_words);
    }
    let (mut membranes, mut states) = (Fnv::new(), Fnv::new());
    let mut last = |p: usize, i: usize, s: &<Lif<S> as Neuron<S>>::State| {
        let v = Lif::<S>::membrane(s);
        membranes.word(v.to_f64().to_bits());
        s.for_each_word(&mut |w| states.word(w));
        on_membrane(p, i, v);
    };
    for i in 0..EXC {
        if let Some(s) = exc.neuron(i) {
            last(0, i, &s);
        }
    }
    for i in 0..INH {
        if let Some(s) = inh.neuron(i) {
            last(1, i, &s);
        }
    }
    r.spike_digest = digest.0;
    r.membrane_digest = membranes.0;
    r.state_digest = states.0;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::NoClock;

    fn tables() -> [(Vec<u32>, Vec<u32>); 4] {
        core::array::from_fn(|k| {
            let (mut o, mut t) = (vec![0u32], Vec::new());
            for source in 0..sources(k) as u32 {
                row(k, source, |j| t.push(j));
                o.push(t.len() as u32);
            }
            (o, t)
        })
    }

    #[test]
    fn the_network_is_cuba_sized_and_fires_at_a_plausible_rate() {
        let v = tables();
        let t = |k: usize| Table {
            offsets: &v[k].0,
            targets: &v[k].1,
        };
        let tables = Tables([t(0), t(1), t(2), t(3)]);
        // About 80 synapses per source (0.08 of the 1,000 targets).
        let mean = tables.synapses() as f64 / (EXC + INH) as f64;
        assert!((mean - 80.0).abs() < 2.0, "{mean}");
        for (name, r) in [
            (
                "f32",
                run::<f32, _>("f32", &tables, 1000, &NoClock, |_, _, _| {}, |_, _, _| {}),
            ),
            (
                "I16F16",
                run::<lif_core::I16F16, _>(
                    "I16F16",
                    &tables,
                    1000,
                    &NoClock,
                    |_, _, _| {},
                    |_, _, _| {},
                ),
            ),
        ] {
            let r = r.unwrap();
            // Rates in Hz over 100 ms: somewhere between silence and the refractory limit.
            let rate = |k: usize, n: usize| f64::from(r.spikes[k]) / n as f64 / 0.1;
            println!(
                "{name}: exc {:.1} Hz, inh {:.1} Hz, {} events, RAM {} B",
                rate(0, EXC),
                rate(1, INH),
                r.events,
                r.ram
            );
            assert!(rate(0, EXC) > 1.0 && rate(0, EXC) < 150.0);
            assert!(r.events > 0);
            assert!(r.ram < 30_000, "{}", r.ram);
        }
    }
}
