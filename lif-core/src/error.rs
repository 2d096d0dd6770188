//! The one error type of lif-core. Every fallible call returns it; nothing panics.

use core::fmt;

/// What is wrong with a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParamProblem {
    /// NaN or an infinity.
    NotFinite,
    /// Outside the allowed interval (the bounds say which ends are allowed).
    OutOfRange {
        /// Allowed interval, human readable, e.g. `"[0, 1]"` or `"> 0"`.
        allowed: &'static str,
    },
    /// Valid, but does not fit the chosen scalar format.
    Overflow {
        /// Name of the scalar type, e.g. `"I16F16"`.
        scalar: &'static str,
    },
    /// A derived factor loses its meaning in the chosen format: a decay that rounds to exactly
    /// 1 (never decays) or 0 (forgets at once), or a nonzero value that rounds to 0.
    Degenerate {
        /// Name of the scalar type.
        scalar: &'static str,
        /// The derived quantity, e.g. `"exp(-dt/tau)"`.
        derived: &'static str,
    },
    /// Inconsistent with another parameter (e.g. `min_threshold > max_threshold`).
    Conflict {
        /// The other parameter.
        with: &'static str,
    },
}

/// What is wrong with a network's projection.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ProjectionProblem {
    /// The sparse offsets do not describe the synapses: not one more than the sources, not
    /// starting at 0, decreasing, or not ending at the synapse count.
    Offsets,
    /// A synapse's target lies outside the target population.
    Target {
        /// The synapse (its position in the projection's arrays).
        synapse: usize,
        /// The target it names.
        target: u32,
        /// The target population's size.
        targets: usize,
    },
    /// A delay is longer than the target's buffer holds (or a per-synapse delay is 0).
    Delay {
        /// The delay in steps.
        delay: u32,
        /// The longest delay the buffer holds.
        max: usize,
    },
    /// A delay of 0 from a source that is not stepped before its target: the spikes it
    /// would carry do not exist yet in that step.
    ZeroDelayBackward,
    /// The synapse channel does not exist on the target.
    Channel {
        /// The channel named.
        channel: usize,
        /// Channels the target has.
        channels: usize,
    },
    /// The source or target population does not exist.
    Population {
        /// The population named.
        population: usize,
        /// Populations in the network.
        populations: usize,
    },
}

/// An error of lif-core.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A model parameter is invalid.
    Param {
        /// The parameter's name as in the config struct, e.g. `"beta"`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is wrong with it.
        problem: ParamProblem,
    },
    /// A buffer has the wrong length.
    Length {
        /// Which buffer, e.g. `"input"`.
        buffer: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A projection of a network is inconsistent with its populations or itself.
    Projection {
        /// The projection's position in the network.
        index: usize,
        /// What is wrong.
        problem: ProjectionProblem,
    },
    /// A float input holds NaN or an infinity; nothing was stepped.
    NonFinite {
        /// Which buffer.
        buffer: &'static str,
        /// Index of the first offending element.
        index: usize,
    },
}

impl fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamProblem::NotFinite => f.write_str("is not finite"),
            ParamProblem::OutOfRange { allowed } => {
                write!(f, "is out of range (allowed: {allowed})")
            }
            ParamProblem::Overflow { scalar } => write!(f, "does not fit in {scalar}"),
            ParamProblem::Degenerate { scalar, derived } => {
                write!(f, "makes {derived} degenerate (0 or 1) in {scalar}")
            }
            ParamProblem::Conflict { with } => write!(f, "conflicts with {with}"),
        }
    }
}

impl fmt::Display for ProjectionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectionProblem::Offsets => f.write_str(
                "has sparse offsets that do not describe its synapses (one per source plus \
                 one, from 0, never decreasing, ending at the synapse count)",
            ),
            ProjectionProblem::Target {
                synapse,
                target,
                targets,
            } => write!(
                f,
                "has synapse {synapse} onto target {target}, outside the target population \
                 of {targets}"
            ),
            ProjectionProblem::Delay { delay, max } => write!(
                f,
                "has a delay of {delay} steps; its buffer holds delays 1 to {max} (or a \
                 uniform 0)"
            ),
            ProjectionProblem::ZeroDelayBackward => f.write_str(
                "has delay 0 but its source is not stepped before its target (recurrent \
                 projections need a delay of at least 1 step)",
            ),
            ProjectionProblem::Channel { channel, channels } => write!(
                f,
                "feeds channel {channel}, but the target has {channels} channels"
            ),
            ProjectionProblem::Population {
                population,
                populations,
            } => write!(
                f,
                "names population {population}, but the network has {populations}"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Param {
                name,
                value,
                problem,
            } => {
                write!(f, "parameter `{name}` = {value} {problem}")
            }
            Error::Length {
                buffer,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "buffer `{buffer}` has length {actual}, expected {expected}"
                )
            }
            Error::Projection { index, problem } => write!(f, "projection {index} {problem}"),
            Error::NonFinite { buffer, index } => {
                write!(
                    f,
                    "buffer `{buffer}` holds a non-finite value at index {index}"
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Shorthand used by the parameter validators.
pub(crate) fn param(name: &'static str, value: f64, problem: ParamProblem) -> Error {
    Error::Param {
        name,
        value,
        problem,
    }
}
