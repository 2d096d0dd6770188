#![doc = include_str!("../../README.md")]
#![cfg_attr(not(test), no_std)]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod input;
mod lut;
pub mod models;
pub mod neuron;
mod param;
pub mod population;
pub mod rng;
pub mod scalar;
pub mod surrogate;

pub use error::{Error, ParamProblem};
pub use input::Stimulus;
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
pub use rng::RngState;
pub use scalar::{I8F24, I16F16, Scalar};
pub use surrogate::Surrogate;
