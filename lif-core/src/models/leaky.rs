//! snnTorch's `Leaky`: a first-order leaky integrator.
//!
//! With `r = H(m[t-1] - thr)` (H strict: 1 if positive) the update, in this order, one
//! rounding per operation, is
//!
//! | reset      | `m[t]`                          |
//! |------------|---------------------------------|
//! | `Subtract` | `(beta * m[t-1] + x[t]) - r * thr` |
//! | `Zero`     | `beta * ((1 - r) * m[t-1]) + x[t]` |
//! | `None`     | `beta * m[t-1] + x[t]`          |
//!
//! and the spike is `s[t] = H(m[t] - thr)`. With `reset_delay` (snnTorch's default) the
//! membrane is returned as computed and the reset lands on the next step. Without it,
//! `d = s[t] - r` is applied at once: `Subtract`: `m[t] -= d * thr`; `Zero`: `m[t] -= d * m[t]`
//! (`d` can be -1, which adds back).
//!
//! In f32 this reproduces snnTorch 1.0's float32 output bit for bit (`tests/snntorch.rs`).

use crate::error::Error;
use crate::models::reset::{self, Reset};
use crate::neuron::{Block, Neuron, StateSlices, state_soa, step_branch_free, step_each};
use crate::param;
use crate::scalar::Scalar;

/// Parameters of [`Leaky`], in f64, as a user writes them.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct LeakyConfig {
    /// Membrane decay per step, in `[0, 1]`.
    pub beta: f64,
    /// Firing threshold, `> 0`.
    pub threshold: f64,
    /// Reset mechanism.
    pub reset: Reset,
    /// Apply the reset on the next step (snnTorch's `reset_delay=True`).
    pub reset_delay: bool,
}

impl Default for LeakyConfig {
    fn default() -> Self {
        Self {
            beta: 0.9,
            threshold: 1.0,
            reset: Reset::Subtract,
            reset_delay: true,
        }
    }
}

impl LeakyConfig {
    /// Validates and converts the parameters to `S`.
    pub fn build<S: Scalar>(&self) -> Result<Leaky<S>, Error> {
        let beta = param::unit_interval("beta", self.beta)?;
        let threshold = param::positive("threshold", self.threshold)?;
        Ok(Leaky {
            beta: param::to_scalar("beta", beta)?,
            threshold: param::to_positive("threshold", threshold)?,
            reset: self.reset,
            reset_delay: self.reset_delay,
        })
    }
}

/// A validated `Leaky` neuron in scalar type `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Leaky<S> {
    beta: S,
    threshold: S,
    reset: Reset,
    reset_delay: bool,
}

impl<S: Scalar> Leaky<S> {
    /// Decay factor as stored.
    pub fn beta(&self) -> S {
        self.beta
    }
    /// Threshold as stored.
    pub fn threshold(&self) -> S {
        self.threshold
    }
}

state_soa! {
    model Leaky;
    /// State of one `Leaky` neuron.
    state LeakyState;
    /// Structure-of-arrays state of a `Leaky` population.
    view LeakySlices;
    /// Owned fixed-capacity state of `N` neurons (structure of arrays).
    arrays LeakyArrays;
    /// Membrane potential.
    mem: S,
}

impl<S: Scalar> Neuron<S> for Leaky<S> {
    type State = LeakyState<S>;

    #[inline]
    fn membrane(state: &Self::State) -> S {
        state.mem
    }

    #[inline]
    fn set_membrane(state: &mut Self::State, v: S) {
        state.mem = v;
    }

    #[inline]
    fn threshold(&self, _state: &Self::State) -> S {
        self.threshold
    }

    fn initial_state(&self, _seed: u64, _index: u64) -> Self::State {
        LeakyState { mem: S::ZERO }
    }

    #[inline]
    fn step(&self, state: &mut Self::State, x: S) -> bool {
        self.advance(self.reset, self.reset_delay, state, x)
    }

    #[inline(always)]
    fn step_block<St>(&self, block: Block<'_, S, St>) -> u32
    where
        St: StateSlices<State = Self::State> + ?Sized,
    {
        // The reset kind chosen once per block, so the loop has no branch and vectorises.
        match (self.reset, self.reset_delay) {
            (Reset::Subtract, true) => {
                step_branch_free(block, |s, xi| self.advance(Reset::Subtract, true, s, xi))
            }
            (Reset::None, true) => {
                step_branch_free(block, |s, xi| self.advance(Reset::None, true, s, xi))
            }
            _ => step_each(self, block),
        }
    }
}

impl<S: Scalar> Leaky<S> {
    /// One step with reset `reset`, delayed (`delay`) or not: the model's math, as the
    /// module docs give it. `step` passes the model's own choices; a block passes constants
    /// that leave a loop without branches.
    #[inline(always)]
    fn advance(&self, reset: Reset, delay: bool, s: &mut LeakyState<S>, x: S) -> bool {
        let thr = self.threshold;
        let prev = s.mem;
        let r = prev > thr;
        let base = prev.scale(self.beta).add(x);
        let mut m = match reset {
            Reset::Subtract => reset::subtract_pending(base, thr, r),
            // beta * (0 * m) + x, literally: the product decides the sign of a zero.
            Reset::Zero if r => self.beta.mul(S::ZERO.mul(prev)).add(x),
            _ => base,
        };
        let spike = m > thr;
        if !delay {
            m = reset::immediate(reset, m, thr, spike, r);
        }
        s.mem = m;
        spike
    }
}
