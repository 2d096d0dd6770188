//! The Cortex-M firmware's scenario set (examples/firmware-qemu), run on this host through the
//! same lif-core and lif-embedded code, printing the same lines the firmware prints. Put the
//! two outputs side by side: every spike and state digest is equal (tests/firmware_qemu.rs
//! checks it automatically).
//!
//! `cargo run --release --example cortex_m_network`

use lif_embedded::cost::NoClock;
use lif_embedded::scenarios;

fn main() -> Result<(), lif_core::Error> {
    println!("lif host: scenarios of {} steps", scenarios::STEPS);
    scenarios::run_all(&NoClock, |r| {
        // ticks=0: the host does not measure instructions (the firmware does, under QEMU).
        println!(
            "scenario {} neuron_steps={} spikes={} spike_digest={:016x} state_digest={:016x} ticks={}",
            r.name, r.neuron_steps, r.spikes, r.spike_digest, r.state_digest, r.ticks
        );
    })?;
    println!("done");
    Ok(())
}
