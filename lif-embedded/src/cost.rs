//! Measuring what a region of code costs.
//!
//! A [`Clock`] is any free-running counter. On hardware the DWT cycle counter gives cycles
//! (`Dwt`, feature `cortex-m`); under QEMU, whose DWT reads 0, SysTick clocked by the core
//! and QEMU's `-icount shift=N` give instructions (`SysTickInstructions`, feature `cortex-m`):
//! `instructions = ticks * 40 / 2^N` on the MPS2 boards (SysTick at 25 MHz).

/// A free-running counter.
pub trait Clock {
    /// Mask of the counter's width (ticks wrap at `MASK + 1`).
    const MASK: u32;
    /// Current count (increasing).
    fn now(&self) -> u32;
}

/// Runs `f` and returns its result with the ticks it took (modulo the clock's width).
///
/// The result passes through [`core::hint::black_box`] before the second reading, so its
/// computation cannot sink past it. Inputs that `f` reads should pass through it before the
/// call, for the same reason: the compiler may otherwise compute them inside the measured
/// region (the firmware's Leaky count once included its own input generation that way).
#[inline]
pub fn measure<C: Clock, R>(clock: &C, f: impl FnOnce() -> R) -> (R, u32) {
    let start = clock.now();
    let r = core::hint::black_box(f());
    (r, clock.now().wrapping_sub(start) & C::MASK)
}

/// A clock that never advances, for hosts and tests where cost is not measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoClock;

impl Clock for NoClock {
    const MASK: u32 = u32::MAX;
    fn now(&self) -> u32 {
        0
    }
}

/// The DWT cycle counter (Cortex-M3 and up). Build with [`Dwt::enable`].
#[cfg(feature = "cortex-m")]
#[derive(Debug)]
pub struct Dwt(());

#[cfg(feature = "cortex-m")]
impl Dwt {
    /// Enables tracing and the cycle counter.
    pub fn enable(
        dcb: &mut cortex_m::peripheral::DCB,
        dwt: &mut cortex_m::peripheral::DWT,
    ) -> Self {
        dcb.enable_trace();
        dwt.enable_cycle_counter();
        Dwt(())
    }
}

#[cfg(feature = "cortex-m")]
impl Clock for Dwt {
    const MASK: u32 = u32::MAX;
    fn now(&self) -> u32 {
        cortex_m::peripheral::DWT::cycle_count()
    }
}

/// SysTick as a 24-bit up-counter clocked by the core. Build with
/// [`SysTickInstructions::start`].
#[cfg(feature = "cortex-m")]
#[derive(Debug)]
pub struct SysTickInstructions(());

#[cfg(feature = "cortex-m")]
impl SysTickInstructions {
    /// Starts SysTick free-running from the core clock, reload 0xFF_FFFF, no interrupt.
    pub fn start(syst: &mut cortex_m::peripheral::SYST) -> Self {
        syst.set_clock_source(cortex_m::peripheral::syst::SystClkSource::Core);
        syst.set_reload(0x00ff_ffff);
        syst.clear_current();
        syst.disable_interrupt();
        syst.enable_counter();
        SysTickInstructions(())
    }
}

#[cfg(feature = "cortex-m")]
impl Clock for SysTickInstructions {
    const MASK: u32 = 0x00ff_ffff;
    fn now(&self) -> u32 {
        // SysTick counts down; flip it so that later reads are larger.
        0x00ff_ffff_u32.wrapping_sub(cortex_m::peripheral::SYST::get_current())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    struct Fake(Cell<u32>);
    impl Clock for Fake {
        const MASK: u32 = 0xff;
        fn now(&self) -> u32 {
            let v = self.0.get();
            self.0.set(v.wrapping_add(0x90));
            v
        }
    }

    #[test]
    fn measures_modulo_the_width() {
        let (r, ticks) = measure(&Fake(Cell::new(0xf0)), || 7);
        assert_eq!((r, ticks), (7, 0x90));
        assert_eq!(measure(&NoClock, || ()).1, 0);
    }
}
