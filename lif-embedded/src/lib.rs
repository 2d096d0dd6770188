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
//! - [`network::Network`]: populations of any lif-core model ([`network::Neurons`], with
//!   shared or per-neuron parameters, bias, synapse channels and delay buffers) and encoders
//!   ([`network::Encoded`]) joined by lif-core projections (dense or sparse, delayed,
//!   recurrent; their tables `&'static` in flash), stepped in lif-core's network order;
//! - [`recorder::Recorder`]: the last `T` steps of spikes and of chosen membranes;
//! - [`cost`]: measuring a region's cost (the DWT cycle counter on hardware, feature
//!   `cortex-m`).
//!
//! ```
//! use lif_core::{I16F16, LeakyConfig};
//! use lif_embedded::{Population, words};
//!
//! // 100 Leaky neurons in Q16.16; state and spikes are fixed-size arrays (no heap).
//! let model = LeakyConfig::default().build::<I16F16>()?;
//! let mut pop: Population<I16F16, _, 100, { words(100) }> = Population::new(model, 7);
//! let input = [I16F16::from_num(0.4); 100];
//! let mut fired = 0;
//! for _ in 0..10 {
//!     fired += pop.step(&input)?.iter().map(|w| w.count_ones()).sum::<u32>();
//! }
//! assert_eq!(fired, 300); // 0.4, 0.76, 1.08: every neuron fires on steps 2, 5 and 8
//! # Ok::<(), lif_core::Error>(())
//! ```
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
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]
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
