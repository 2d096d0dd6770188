//! A small spiking network on an STM32F411: a sensor stream is delta-encoded into spikes,
//! fed through two I16F16 Leaky layers, and the output spikes and the cost of each step (DWT
//! cycles) are logged with defmt over RTT. The network is lif-embedded's general form: an
//! encoder group and two neuron groups joined by dense, zero-delay lif-core projections.
//!
//! The sensor is simulated (a drifting wave plus noise from a seeded stream) so that the
//! example needs no wiring; replace `Sensor::sample` with an ADC read on a real setup.
//! Flash and run: `cargo run --release` in this folder with a probe attached (probe-rs).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use defmt_rtt as _;
use lif_core::projection::{Connectivity, Delays, Projection};
use lif_core::synapse::ChannelConfig;
use lif_core::{I16F16, LeakyConfig, RngState, Scalar};
use lif_embedded::cost::{Dwt, measure};
use lif_embedded::encoder::DeltaEncoder;
use lif_embedded::network::{Encoded, Network, Neurons, Params};
use lif_embedded::words;
use panic_probe as _;

type S = I16F16;
const SENSORS: usize = 4;
const HIDDEN: usize = 32;
const OUTPUT: usize = 4;

/// A simulated 4-channel sensor: phase-shifted triangle waves with a little noise.
struct Sensor {
    t: u32,
    noise: RngState,
}

impl Sensor {
    fn sample(&mut self) -> [S; SENSORS] {
        self.t = self.t.wrapping_add(1);
        core::array::from_fn(|c| {
            let phase = (self.t.wrapping_add(c as u32 * 50)) % 200;
            let tri = if phase < 100 { phase } else { 200 - phase };
            let noise = S::unit(self.noise.next_u32())
                .mul(S::from_int(1))
                .div(S::from_int(50));
            S::from_int(tri as i32).div(S::from_int(100)).add(noise)
        })
    }
}

/// Seeded weights in [-1, 1): i8 values over 128, row by presynaptic neuron.
fn weights<const PRE: usize, const POST: usize>(seed: u64) -> [[S; POST]; PRE] {
    let mut r = RngState::for_neuron(seed, 0);
    let scale = S::from_int(1).div(S::from_int(128));
    core::array::from_fn(|_| {
        core::array::from_fn(|_| S::from_int(i32::from((r.next_u32() >> 24) as i8)).mul(scale))
    })
}

#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().unwrap();
    let dwt = Dwt::enable(&mut cp.DCB, &mut cp.DWT);

    let leaky = LeakyConfig {
        beta: 0.9,
        ..LeakyConfig::default()
    }
    .build::<S>()
    .unwrap();
    let instant = ChannelConfig::instantaneous().build::<S>(1.0).unwrap();
    let w_hidden = weights::<{ 2 * SENSORS }, HIDDEN>(1);
    let w_output = weights::<HIDDEN, OUTPUT>(3);
    // Encoder (population 0) -> hidden (1) -> output (2), each in the same step (delay 0).
    let dense = |source: usize, weights| Projection {
        source,
        target: source + 1,
        channel: 0,
        delays: Delays::Uniform(0),
        connectivity: Connectivity::Dense { weights },
    };
    let (w_hidden, w_output) = (w_hidden.as_flattened(), w_output.as_flattened());
    let projections = [dense(0, w_hidden), dense(1, w_output)];
    let mut encoder: Encoded<S, _, SENSORS, { words(2 * SENSORS) }> = Encoded::new(
        DeltaEncoder::<S, SENSORS, { words(2 * SENSORS) }>::new(0.05, S::ZERO).unwrap(),
    );
    let mut hidden: Neurons<S, _, HIDDEN, { words(HIDDEN) }, 1, 1> =
        Neurons::new(Params::Shared(leaky), [instant]);
    let mut output: Neurons<S, _, OUTPUT, { words(OUTPUT) }, 1, 1> =
        Neurons::new(Params::Shared(leaky), [instant]);
    let mut net = Network::new(2, [&mut encoder, &mut hidden, &mut output], &projections).unwrap();
    let mut sensor = Sensor {
        t: 0,
        noise: RngState::for_neuron(5, 0),
    };
    defmt::info!(
        "lif on STM32F411: {} sensors -> {} hidden -> {} output",
        SENSORS,
        HIDDEN,
        OUTPUT
    );
    loop {
        let x = sensor.sample();
        let (out, cycles) = measure(&dwt, || {
            net.step_logged(|p, _, input| {
                if p == 0 {
                    for (i, &v) in input.iter_mut().zip(&x) {
                        *i = v;
                    }
                }
            })
            .map(|()| net.spikes(2).and_then(|o| o.first().copied()).unwrap_or(0))
        });
        match out {
            Ok(spikes) if spikes != 0 => defmt::info!(
                "t={} output spikes {=u32:#06b} ({} cycles)",
                sensor.t,
                spikes,
                cycles
            ),
            Ok(_) => {}
            Err(e) => defmt::error!("step failed: {}", e),
        }
    }
}
