//! lif-core: leaky integrate-and-fire neuron models written once, `no_std` and heap-free,
//! generic over the scalar (`f32`, `f64`, or saturating fixed point such as [`I16F16`]).
//! The firmware (lif-embedded), the host's CPU backend and its CUDA kernels (lif-host-cuda)
//! all run this crate's code, so a given scalar, seed and input give the same bits on each.
//!
//! - [`models`]: snnTorch's [`Leaky`], [`Lapicque`] and [`Synaptic`], BrainPy's [`Lif`] and
//!   the [`Extended`] LIF; each one's equations are in its file's docs, written once.
//! - [`population`]: the one loop that steps many neurons ([`population::run`]), with shared
//!   ([`Shared`]) or per-neuron ([`PerNeuron`]) parameters and packed spikes.
//! - [`input`]: generated inputs ([`Stimulus`]) that every backend computes itself.
//! - [`network`]: populations joined by [`projection`]s into [`synapse`] channels, and the
//!   one order of a network's step; [`connect`]: seeded random connectivity.
//! - [`scalar`]: the number types and their rounding and overflow rules.
//!
//! # A population
//!
//! ```
//! use lif_core::population::{self, Shared};
//! use lif_core::{I16F16, LeakyConfig, LeakySlices};
//!
//! // Parameters are given in f64, validated and converted once.
//! let model = LeakyConfig { beta: 0.9, ..LeakyConfig::default() }.build::<I16F16>()?;
//!
//! // State lives in caller-owned slices (structure of arrays): here 64 membranes.
//! let mut mem = [I16F16::ZERO; 64];
//! let mut state = LeakySlices::new(&mut mem)?;
//!
//! // 10 steps of input, row-major [step][neuron]; spikes bit-packed, one u32 per 32 neurons.
//! let input = [I16F16::from_num(0.3); 64 * 10];
//! let mut spikes = [0u32; 2 * 10];
//! population::run(&Shared(&model), &mut state, &input, 10, &mut spikes[..])?;
//! assert_eq!(spikes[0], 0); // 0.3, 0.57, 0.81, 1.03: the first spike is at step 3
//! assert_eq!(spikes[2 * 3], u32::MAX);
//! # Ok::<(), lif_core::Error>(())
//! ```
//!
//! # One neuron, generated input
//!
//! ```
//! use lif_core::input::input_draws;
//! use lif_core::{LeakyConfig, Neuron, Shape, Stimulus};
//!
//! let model = LeakyConfig::default().build::<f32>()?;
//! let mut state = model.initial_state(7, 0);
//! let draws = input_draws(7); // the input draws of seed 7
//! let drive = Stimulus::new(Shape::Sine { amplitude: 0.2f32, offset: 0.2, period: 50.0 })
//!     .with_noise(0.05);
//! let spikes = (0..200).filter(|&t| model.step(&mut state, drive.value(draws, 0, t))).count();
//! assert!(spikes > 0);
//! # Ok::<(), lif_core::Error>(())
//! ```
//!
//! # Contracts
//! - Determinism: every operation goes through [`Scalar`], one IEEE operation or one
//!   saturating integer operation at a time (never a fused multiply-add); random numbers come
//!   from per-neuron xoshiro128++ streams seeded by `(seed, neuron)`. The same scalar, seed
//!   and input give the same bits on every target and for any split of a run.
//! - Fixed point saturates at its limits and never wraps or panics; its distance from the
//!   f64 reference is bounded and tested (`tests/accuracy.rs` in the workspace).
//! - Bad parameters and inputs are typed [`Error`]s naming what is wrong.
#![cfg_attr(not(test), no_std)]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

#[cfg(feature = "std")]
extern crate std;

pub mod connect;
pub mod error;
pub mod input;
mod lut;
pub mod models;
pub mod network;
pub mod neuron;
mod param;
pub mod population;
pub mod projection;
pub mod rng;
pub mod scalar;
pub mod surrogate;
pub mod synapse;

pub use error::{Error, ParamProblem, ProjectionProblem};
pub use input::{Shape, Stimulus};
pub use models::extended::{
    Extended, ExtendedArrays, ExtendedConfig, ExtendedMode, ExtendedSlices, ExtendedState,
    Transform,
};
pub use models::lapicque::{
    Lapicque, LapicqueArrays, LapicqueConfig, LapicqueSlices, LapicqueState,
};
pub use models::leaky::{Leaky, LeakyArrays, LeakyConfig, LeakySlices, LeakyState};
pub use models::lif::{Integration, Lif, LifArrays, LifConfig, LifReset, LifSlices, LifState};
pub use models::reset::Reset;
pub use models::synaptic::{
    Synaptic, SynapticArrays, SynapticConfig, SynapticSlices, SynapticState,
};
pub use neuron::{
    AosSlices, Block, Neuron, StateBits, StateFields, StateSlices, Stored, step_each,
};
pub use population::{Generated, InputSource, PerNeuron, Rows, Shared, SpikeSink, StreamRows};
pub use rng::{Counter, RngState};
pub use scalar::{I8F24, I16F16, Scalar};
pub use surrogate::Surrogate;
