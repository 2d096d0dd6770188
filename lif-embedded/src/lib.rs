//! Spiking networks of [`lif_core`] neurons on microcontrollers.
//!
//! Everything has a capacity fixed at compile time (const generics), lives in static or stack
//! memory and steps without allocating:
//!
//! - [`Population`]: `N` neurons of any lif-core model, its state stored as lif-core's
//!   structure-of-arrays, stepped by lif-core's own population loop;
//! - [`synapse::Dense`] and [`synapse::DenseQ`] (i8 weights with a scale): dense layers
//!   accumulated event-driven, adding only the rows of presynaptic neurons that spiked;
//! - [`encoder`]: rate (Bernoulli from per-channel seeded streams), delta (threshold crossing)
//!   and latency (time to first spike) encoders for sensor streams;
//! - [`network::Network`]: encoder -> layer -> layer, stepped in order;
//! - [`recorder::Recorder`]: the last `T` steps of spikes and of chosen membranes;
//! - [`cost`]: measuring a region's cost (the DWT cycle counter on hardware, feature
//!   `cortex-m`).
//!
//! # No panics
//! The step code has no panicking path: indexing, `unwrap`, `expect`, `panic!` and arithmetic
//! that can overflow are denied by clippy in this crate (`clippy::indexing_slicing`,
//! `clippy::unwrap_used`, `clippy::expect_used`, `clippy::panic`,
//! `clippy::arithmetic_side_effects`), lengths are type-level constants, and what can still
//! fail (a non-finite float input) returns [`Error`]. The QEMU firmware under
//! `examples/firmware-qemu` is linked with a panic handler that reports and fails, and its host
//! test checks the ELF for `core::panicking` symbols.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]
// Tests may index, unwrap and overflow-check by panicking.
#![cfg_attr(
    test,
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod cost;
pub mod encoder;
pub mod network;
mod population;
pub mod recorder;
#[cfg(feature = "scenarios")]
pub mod scenarios;
pub mod spikes;
pub mod synapse;

pub use lif_core::{Error, Scalar};
pub use population::Population;

/// Words of packed spikes for `n` neurons: the `W` of `Population<_, _, N, W>`.
pub const fn words(n: usize) -> usize {
    n.div_ceil(32)
}
