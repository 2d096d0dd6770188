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
