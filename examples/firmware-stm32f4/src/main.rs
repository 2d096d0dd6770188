//! A small spiking network on an STM32F411: a sensor stream is delta-encoded into spikes,
//! fed through two I16F16 Leaky layers, and the output spikes and the cost of each step (DWT
//! cycles) are logged with defmt over RTT.
//!
//! The sensor is simulated (a drifting wave plus noise from a seeded stream) so that the
//! example needs no wiring; replace `Sensor::sample` with an ADC read on a real setup.
//! Flash and run: `cargo run --release` in this folder with a probe attached (probe-rs).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use defmt_rtt as _;
use lif_core::{I16F16, LeakyConfig, RngState, Scalar};
use lif_embedded::cost::{Dwt, measure};
use lif_embedded::encoder::DeltaEncoder;
use lif_embedded::network::{Layer, Network};
use lif_embedded::synapse::DenseQ;
use lif_embedded::{Population, words};
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

fn weights<const PRE: usize, const POST: usize>(seed: u64) -> [[i8; POST]; PRE] {
    let mut r = RngState::for_neuron(seed, 0);
    core::array::from_fn(|_| core::array::from_fn(|_| (r.next_u32() >> 24) as i8))
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
    let scale = S::from_int(1).div(S::from_int(128));
    let mut net = Network {
        encoder: DeltaEncoder::<S, SENSORS, { words(2 * SENSORS) }>::new(0.05, S::ZERO).unwrap(),
        hidden: Layer::new(
            DenseQ::<S, { 2 * SENSORS }, HIDDEN>::new(weights(1), scale),
            Population::<S, _, HIDDEN, { words(HIDDEN) }>::new(leaky, 2),
        ),
        output: Layer::new(
            DenseQ::<S, HIDDEN, OUTPUT>::new(weights(3), scale),
            Population::<S, _, OUTPUT, { words(OUTPUT) }>::new(leaky, 4),
        ),
    };
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
            net.step_logged(&x).map(|o| o.first().copied().unwrap_or(0))
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
