//! Inputs generated where the neurons run (firmware, CPU thread or GPU thread), from the
//! global step number and each neuron's own input stream, so every backend and every split
//! of a run generates the same values.

use crate::error::{Error, ParamProblem};
use crate::rng::RngState;
use crate::scalar::Scalar;

/// Salt that separates a neuron's input stream from its model stream under the same seed.
pub const INPUT_STREAM_SALT: u64 = 0x1f2e_3d4c_5b6a_7988;

/// The input stream of neuron `index` under `seed`.
pub fn input_stream(seed: u64, index: u64) -> RngState {
    RngState::for_neuron(seed ^ INPUT_STREAM_SALT, index)
}

/// A generated input.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
#[repr(C)]
pub enum Stimulus<S> {
    /// The same value at every step.
    Constant(S),
    /// `before` until step `at` (exclusive), then `after`.
    Step {
        /// Value before `at`.
        before: S,
        /// Value from `at` on.
        after: S,
        /// First step of `after`.
        at: u64,
    },
    /// Poisson spike input: `amplitude` with probability `p` per step (one draw of the
    /// neuron's input stream per step), else 0.
    Poisson {
        /// Probability per step, in `[0, 1]`.
        p: S,
        /// Value of an input spike.
        amplitude: S,
    },
}

impl<S: Scalar> Stimulus<S> {
    /// Refuses non-finite values and probabilities outside `[0, 1]`.
    pub fn check(&self) -> Result<(), Error> {
        let finite = |name, v: S| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(Error::Param {
                    name,
                    value: v.to_f64(),
                    problem: ParamProblem::NotFinite,
                })
            }
        };
        match *self {
            Stimulus::Constant(v) => finite("constant", v),
            Stimulus::Step { before, after, .. } => {
                finite("before", before).and(finite("after", after))
            }
            Stimulus::Poisson { p, amplitude } => {
                finite("p", p)?;
                finite("amplitude", amplitude)?;
                if p < S::ZERO || p > S::ONE {
                    return Err(Error::Param {
                        name: "p",
                        value: p.to_f64(),
                        problem: ParamProblem::OutOfRange { allowed: "[0, 1]" },
                    });
                }
                Ok(())
            }
        }
    }

    /// The value at global step `t` for the neuron whose input stream is `stream`.
    #[inline]
    pub fn value(&self, t: u64, stream: &mut RngState) -> S {
        match *self {
            Stimulus::Constant(v) => v,
            Stimulus::Step { before, after, at } => {
                if t < at {
                    before
                } else {
                    after
                }
            }
            Stimulus::Poisson { p, amplitude } => {
                if S::unit(stream.next_u32()) < p {
                    amplitude
                } else {
                    S::ZERO
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::I16F16;

    #[test]
    fn step_and_poisson() {
        let mut r = input_stream(1, 2);
        let s = Stimulus::Step {
            before: 0.0f32,
            after: 2.0,
            at: 3,
        };
        assert_eq!(
            [0, 1, 2, 3, 4].map(|t| s.value(t, &mut r)),
            [0.0, 0.0, 0.0, 2.0, 2.0]
        );
        let p = Stimulus::Poisson {
            p: I16F16::from_num(0.25),
            amplitude: I16F16::ONE,
        };
        let hits = (0..10_000)
            .filter(|&t| p.value(t, &mut r) == I16F16::ONE)
            .count();
        assert!((2_300..2_700).contains(&hits), "{hits}");
        assert!(
            Stimulus::Poisson {
                p: 1.5f32,
                amplitude: 1.0
            }
            .check()
            .is_err()
        );
        assert!(Stimulus::Constant(f32::NAN).check().is_err());
        assert_ne!(input_stream(1, 2), RngState::for_neuron(1, 2));
    }
}
