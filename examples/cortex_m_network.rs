//! The Cortex-M firmware's scenario set (examples/firmware-qemu), run on this host through the
//! same lif-core and lif-embedded code, printing the same lines the firmware prints. Put the
//! two outputs side by side: every spike and state digest is equal (tests/firmware_qemu.rs
//! checks it automatically). The CUBA network's synapse tables, which the firmware's build
//! script writes into flash, are drawn here at start-up by the same generator.
//!
//! `cargo run --release --example cortex_m_network`

use lif_core::I16F16;
use lif_embedded::cost::NoClock;
use lif_embedded::scenarios::{
    self,
    cuba::{self, Table, Tables},
};

fn main() -> Result<(), lif_core::Error> {
    println!("lif host: scenarios of {} steps", scenarios::STEPS);
    scenarios::run_all(&NoClock, |r| {
        // ticks=0: the host does not measure instructions (the firmware does, under QEMU).
        println!(
            "scenario {} neuron_steps={} spikes={} spike_digest={:016x} state_digest={:016x} ticks={}",
            r.name, r.neuron_steps, r.spikes, r.spike_digest, r.state_digest, r.ticks
        );
    })?;

    // The CUBA network: its tables as the firmware's build.rs draws them.
    let drawn: [(Vec<u32>, Vec<u32>); 4] = std::array::from_fn(|k| {
        let (mut offsets, mut targets) = (vec![0u32], Vec::new());
        for source in 0..cuba::sources(k) as u32 {
            cuba::row(k, source, |j| targets.push(j));
            offsets.push(targets.len() as u32);
        }
        (offsets, targets)
    });
    let table = |k: usize| Table {
        offsets: &drawn[k].0,
        targets: &drawn[k].1,
    };
    let tables = Tables([table(0), table(1), table(2), table(3)]);
    let steps = cuba::STEPS;
    let (quiet, none) = (|_: u64, _: &[u32], _: &[u32]| {}, |_, _, _| {});
    let f32_run = cuba::run::<f32, _>("cuba/f32", &tables, steps, &NoClock, quiet, none)?;
    let (quiet, none) = (|_: u64, _: &[u32], _: &[u32]| {}, |_, _, _| {});
    let fixed_run = cuba::run::<I16F16, _>("cuba/I16F16", &tables, steps, &NoClock, quiet, none)?;
    for r in [f32_run, fixed_run] {
        // The firmware's line, less its costs and memory (measured there only).
        println!(
            "cuba {} steps={} exc_spikes={} inh_spikes={} spike_digest={:016x} membrane_digest={:016x} state_digest={:016x} events={} synapses={}",
            r.name,
            r.steps,
            r.spikes[0],
            r.spikes[1],
            r.spike_digest,
            r.membrane_digest,
            r.state_digest,
            r.events,
            tables.synapses()
        );
    }
    println!("done");
    Ok(())
}
