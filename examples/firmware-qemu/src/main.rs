//! Runs lif-embedded's scenario set on a Cortex-M4F and prints one line per scenario over
//! semihosting; exits 0 on success, 1 on any error or panic.
//!
//! `cargo run --release` here (the runner is QEMU; see .cargo/config.toml). The host test
//! `tests/firmware_qemu.rs` builds and runs this and checks every line against the host.
#![no_std]
#![no_main]

use core::fmt::Write;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use lif_embedded::cost::SysTickInstructions;
use lif_embedded::{Error, scenarios};

/// Writes to the host's stdout. Integers and strings only: formatting floats would link
/// core's float printing, whose bounds checks would hide a panic path of our own.
macro_rules! say {
    ($($arg:tt)*) => {{
        if let Ok(mut out) = hio::hstdout() {
            let _ = writeln!(out, $($arg)*);
        }
    }};
}

fn fail(what: &str) -> ! {
    say!("error: {}", what);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[entry]
fn main() -> ! {
    let Some(mut cp) = cortex_m::Peripherals::take() else {
        fail("peripherals taken")
    };
    let clock = SysTickInstructions::start(&mut cp.SYST);
    say!("lif firmware: scenarios of {} steps", scenarios::STEPS);
    let result = scenarios::run_all(&clock, |r| {
        say!(
            "scenario {} neuron_steps={} spikes={} spike_digest={:016x} state_digest={:016x} ticks={}",
            r.name,
            r.neuron_steps,
            r.spikes,
            r.spike_digest,
            r.state_digest,
            r.ticks
        );
    });
    match result {
        Ok(()) => {
            say!("done");
            debug::exit(debug::EXIT_SUCCESS);
            loop {
                cortex_m::asm::wfi();
            }
        }
        Err(Error::Param { name, .. }) => fail(name),
        Err(Error::Length { buffer, .. } | Error::NonFinite { buffer, .. }) => fail(buffer),
        Err(_) => fail("lif error"),
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Kept free of formatting so that a panic path, if one were linked, stays visible as the
    // only user of core::panicking in the symbol table.
    say!("PANIC");
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
