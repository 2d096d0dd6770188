//! The fixed scenario set that the QEMU firmware runs and the host test replays: every model
//! in f32 and I16F16, deterministic and stochastic (seeded), a 2-layer network driven by a
//! rate encoder (a [`Network`] of an [`Encoded`] group and two [`Neurons`] groups), and a
//! Leaky population whose input the firmware generates from a lif-core `Stimulus`
//! ([`run_all`]); and the recurrent E/I network of [`cuba`], whose synapse tables the
//! firmware's build script generates. Each scenario reports digests of its spike raster and
//! final state; the host must compute the same digests bit for bit.

use lif_core::input::input_draws;
use lif_core::neuron::{StateBits, Stored};
use lif_core::{
    Error, ExtendedConfig, I16F16, LapicqueConfig, LeakyConfig, LifConfig, RngState, Scalar, Shape,
    Stimulus, SynapticConfig,
};

use lif_core::projection::{Connectivity, Delays, Projection};
use lif_core::synapse::ChannelConfig;

use crate::cost::{Clock, measure};
use crate::encoder::RateEncoder;
use crate::network::{Encoded, Network, Neurons, Params};
use crate::population::Population;

pub mod cuba;

/// Neurons per population scenario.
pub const N: usize = 64;
/// Steps per scenario.
pub const STEPS: usize = 100;
const W: usize = crate::words(N);

/// What one scenario produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Scenario name, `model/scalar`.
    pub name: &'static str,
    /// Neuron-steps measured (population steps x neurons).
    pub neuron_steps: u32,
    /// Total spikes.
    pub spikes: u32,
    /// FNV-1a of every step's packed spikes.
    pub spike_digest: u64,
    /// FNV-1a of the final state's canonical bits ([`StateBits`]).
    pub state_digest: u64,
    /// Clock ticks spent in the measured steps.
    pub ticks: u32,
}

/// FNV-1a over 64-bit words: the digests the firmware reports and the host recomputes.
///
/// ```
/// use lif_embedded::scenarios::Fnv;
///
/// let mut a = Fnv::new();
/// a.words(&[1, 2]);
/// let mut b = Fnv::new();
/// b.word(1);
/// b.word(2);
/// assert_eq!(a.0, b.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Fnv(pub u64);

impl Fnv {
    /// The empty digest.
    pub const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    /// Adds one 64-bit word (little-endian bytes).
    pub fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    /// Adds each word of `ws`, widened to 64 bits.
    pub fn words(&mut self, ws: &[u32]) {
        for &w in ws {
            self.word(u64::from(w));
        }
    }
}

impl Default for Fnv {
    fn default() -> Self {
        Self::new()
    }
}

fn convert<S: Scalar>(name: &'static str, v: f64) -> Result<S, Error> {
    S::from_f64(v).ok_or(Error::Param {
        name,
        value: v,
        problem: lif_core::ParamProblem::Overflow { scalar: S::NAME },
    })
}

/// Steps `pop` [`STEPS`] times through `step`, which returns a step's spikes and the clock
/// ticks it took, and reports the raster and the population's final state.
fn report<S: Scalar, M: Stored<S>>(
    name: &'static str,
    pop: &mut Population<S, M, N, W>,
    mut step: impl FnMut(&mut Population<S, M, N, W>, u64) -> (Result<[u32; W], Error>, u32),
) -> Result<Report, Error> {
    let (mut digest, mut spikes, mut ticks) = (Fnv::new(), 0u32, 0u32);
    for t in 0..STEPS as u64 {
        let (out, tk) = step(pop, t);
        let out = out?;
        ticks = ticks.wrapping_add(tk);
        digest.words(&out);
        spikes = spikes.saturating_add(out.iter().map(|w| w.count_ones()).sum());
    }
    let mut state = Fnv::new();
    for i in 0..N {
        if let Some(s) = pop.neuron(i) {
            s.for_each_word(&mut |w| state.word(w));
        }
    }
    Ok(Report {
        name,
        neuron_steps: (N * STEPS) as u32,
        spikes,
        spike_digest: digest.0,
        state_digest: state.0,
        ticks,
    })
}

/// Runs one population of `model` for [`STEPS`] steps of inputs uniform in `[lo, hi)`.
fn population<S: Scalar, M: Stored<S>, C: Clock>(
    name: &'static str,
    model: M,
    lo: f64,
    hi: f64,
    clock: &C,
) -> Result<Report, Error> {
    let (lo, span) = (convert::<S>("lo", lo)?, convert::<S>("span", hi - lo)?);
    let mut pop = Population::<S, M, N, W>::new(model, 0x5eed);
    let mut stream = RngState::for_neuron(0x1a7e, 0);
    let step = |pop: &mut Population<S, M, N, W>, _| {
        let x: [S; N] = core::array::from_fn(|_| lo.add(S::unit(stream.next_u32()).mul(span)));
        // Materialised before the clock starts: not generated inside the measured step.
        let x = core::hint::black_box(x);
        measure(clock, || pop.step(&x).copied())
    };
    report(name, &mut pop, step)
}

/// Runs one Leaky population for [`STEPS`] steps of input that the firmware generates itself
/// from a lif-core [`Stimulus`]: a sine every neuron shares, gated per neuron by a Poisson
/// draw and with Gaussian noise added, from the input draws of the host's seeding
/// (`input_draws(seed)`): the firmware keeps no input state per neuron.
fn generated<S: Scalar, C: Clock>(name: &'static str, clock: &C) -> Result<Report, Error> {
    let model = LeakyConfig::default().build::<S>()?;
    let stimulus = Stimulus::new(Shape::Sine {
        amplitude: convert::<S>("amplitude", 0.4)?,
        offset: convert::<S>("offset", 0.3)?,
        period: 37.0,
    })
    .with_p(convert::<S>("p", 0.7)?)
    .with_noise(convert::<S>("std", 0.1)?);
    stimulus.check()?;
    let mut pop = Population::<S, _, N, W>::new(model, 0x5eed);
    let draws = input_draws(0x1a7e);
    let step = |pop: &mut Population<S, _, N, W>, t| {
        measure(clock, || pop.step_stimulus(&stimulus, draws, t).copied())
    };
    report(name, &mut pop, step)
}

/// Sensor channels, hidden and output neurons of the network scenario.
const SENSORS: usize = 16;
const HIDDEN: usize = 48;
const OUTPUT: usize = 8;

fn weights<const PRE: usize, const POST: usize>(seed: u64) -> [[i8; POST]; PRE] {
    let mut r = RngState::for_neuron(seed, 0);
    // Mostly excitatory: i8 in [-32, 95].
    core::array::from_fn(|_| {
        core::array::from_fn(|_| ((r.next_u32() >> 25) as i8).wrapping_sub(32))
    })
}

/// i8 weights times `scale`, as a dense projection's weights (exact in Q16.16 for a power-of-two
/// scale, so the sums equal those of the i8 accumulator it replaced).
fn dequantise<const PRE: usize, const POST: usize>(
    q: [[i8; POST]; PRE],
    scale: I16F16,
) -> [[I16F16; POST]; PRE] {
    q.map(|row| row.map(|w| I16F16::from_int(i32::from(w)).mul(scale)))
}

/// The 2-layer network, an instance of the general [`Network`]: a rate encoder (16 sensors,
/// population 0) -> dense, delay 0 -> Leaky (48, population 1) -> dense, delay 0 -> Leaky (8,
/// population 2), in I16F16, driven by a slowly varying sensor pattern. The weights are
/// i8 / 256.
fn network<C: Clock>(clock: &C) -> Result<Report, Error> {
    type S = I16F16;
    let leaky = LeakyConfig {
        beta: 0.8,
        ..LeakyConfig::default()
    }
    .build::<S>()?;
    let scale = convert::<S>("scale", 1.0 / 256.0)?;
    let instant = ChannelConfig::instantaneous().build::<S>(1.0)?;
    let w_hidden = dequantise(weights::<SENSORS, HIDDEN>(21), scale);
    let w_output = dequantise(weights::<HIDDEN, OUTPUT>(41), scale);
    let dense = |source, weights| Projection {
        source,
        target: source.wrapping_add(1),
        channel: 0,
        delays: Delays::Uniform(0),
        connectivity: Connectivity::Dense { weights },
    };
    let projections = [
        dense(0, w_hidden.as_flattened()),
        dense(1, w_output.as_flattened()),
    ];
    let mut encoder: Encoded<S, _, SENSORS, { crate::words(SENSORS) }> = Encoded::new(
        RateEncoder::<S, SENSORS, { crate::words(SENSORS) }>::new(convert("gain", 0.5)?, 11),
    );
    let mut hidden: Neurons<S, _, HIDDEN, { crate::words(HIDDEN) }, 1, 1> =
        Neurons::new(Params::Shared(leaky), [instant]);
    let mut output: Neurons<S, _, OUTPUT, { crate::words(OUTPUT) }, 1, 1> =
        Neurons::new(Params::Shared(leaky), [instant]);
    let mut net = Network::new(0, [&mut encoder, &mut hidden, &mut output], &projections)?;
    let (mut digest, mut spikes, mut ticks) = (Fnv::new(), 0u32, 0u32);
    for t in 0..STEPS {
        // A bump that travels across the sensors.
        let sensor: [S; SENSORS] = core::array::from_fn(|i| {
            let d = (i as i32)
                .wrapping_sub((t / 6 % SENSORS) as i32)
                .unsigned_abs();
            if d < 3 { S::ONE } else { S::ZERO }
        });
        let sensor = core::hint::black_box(sensor);
        let (out, tk) = measure(clock, || {
            net.step(|p, _, x| {
                if p == 0 {
                    for (x, &s) in x.iter_mut().zip(&sensor) {
                        *x = s;
                    }
                }
            })
        });
        out?;
        ticks = ticks.wrapping_add(tk);
        let out = net.spikes(2).and_then(|w| w.first().copied()).unwrap_or(0);
        digest.words(net.spikes(1).unwrap_or(&[]));
        digest.word(u64::from(out));
        spikes = spikes.saturating_add(out.count_ones());
    }
    let mut state = Fnv::new();
    for i in 0..HIDDEN {
        if let Some(s) = hidden.neuron(i) {
            s.for_each_word(&mut |w| state.word(w));
        }
    }
    for i in 0..OUTPUT {
        if let Some(s) = output.neuron(i) {
            s.for_each_word(&mut |w| state.word(w));
        }
    }
    Ok(Report {
        name: "network/I16F16",
        neuron_steps: ((HIDDEN + OUTPUT) * STEPS) as u32,
        spikes,
        spike_digest: digest.0,
        state_digest: state.0,
        ticks,
    })
}

/// Runs every scenario in a fixed order, handing each report to `out`.
pub fn run_all<C: Clock>(clock: &C, mut out: impl FnMut(&Report)) -> Result<(), Error> {
    macro_rules! both_scalars {
        ($name:literal, $cfg:expr, $lo:expr, $hi:expr) => {{
            out(&population::<f32, _, _>(
                concat!($name, "/f32"),
                ($cfg).build::<f32>()?,
                $lo,
                $hi,
                clock,
            )?);
            out(&population::<I16F16, _, _>(
                concat!($name, "/I16F16"),
                ($cfg).build::<I16F16>()?,
                $lo,
                $hi,
                clock,
            )?);
        }};
    }
    both_scalars!("leaky", LeakyConfig::default(), 0.0, 0.3);
    both_scalars!("lapicque", LapicqueConfig::default(), 0.0, 0.5);
    both_scalars!("synaptic", SynapticConfig::default(), 0.0, 0.06);
    both_scalars!("lif", LifConfig::default(), 30.0, 60.0);
    let det = ExtendedConfig {
        adaptive_threshold: true,
        adaptation: true,
        ..ExtendedConfig::deterministic()
    };
    both_scalars!("extended_det", det, 0.5, 1.5);
    both_scalars!("extended_stoch", ExtendedConfig::default(), 0.0, 1.0);
    out(&network(clock)?);
    out(&generated::<f32, _>("leaky_generated/f32", clock)?);
    out(&generated::<I16F16, _>("leaky_generated/I16F16", clock)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::NoClock;

    #[test]
    fn every_scenario_runs_and_fires() {
        let mut reports = Vec::new();
        run_all(&NoClock, |r| reports.push(*r)).unwrap();
        assert_eq!(reports.len(), 15);
        for r in &reports {
            println!("{r:?}");
            assert!(r.spikes > 0 && r.spikes < r.neuron_steps, "{r:?}");
        }
    }
}
