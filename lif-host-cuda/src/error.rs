//! Errors of the host simulator.

/// What can go wrong on the host side. Never a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// An error of lif-core: invalid parameters, buffer lengths, non-finite input.
    #[error(transparent)]
    Core(#[from] lif_core::Error),
    /// No CUDA device or driver (or the crate was built without the `cuda` feature).
    #[error("no CUDA device available: {0}")]
    NoDevice(String),
    /// The device ran out of memory.
    #[error("out of device memory: {0}")]
    OutOfDeviceMemory(String),
    /// Any other CUDA driver error.
    #[error("CUDA error: {0}")]
    Cuda(String),
    /// The backend has no kernel for this model and scalar type.
    #[error("the {backend} backend does not support {model} with {scalar}")]
    Unsupported {
        /// Backend name.
        backend: &'static str,
        /// Model name.
        model: &'static str,
        /// Scalar name.
        scalar: &'static str,
    },
    /// A part of a network is wrong: `part` names it (a population, a projection with its
    /// source and target), `source` says what is wrong.
    #[error("{part}: {source}")]
    Network {
        /// The part, e.g. "projection 2 (exc -> inh)".
        part: String,
        /// What is wrong with it.
        source: lif_core::Error,
    },
    /// No population of the network has this name.
    #[error("unknown population `{0}`")]
    UnknownPopulation(String),
    /// Two populations of a network have this name.
    #[error("two populations are named `{0}`")]
    DuplicatePopulation(String),
    /// An input or option does not match the simulator's shape.
    #[error("{what}: expected {expected}, got {actual}")]
    Shape {
        /// What is wrong.
        what: &'static str,
        /// Expected size.
        expected: usize,
        /// Given size.
        actual: usize,
    },
}
