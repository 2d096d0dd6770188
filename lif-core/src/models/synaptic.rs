//! snnTorch's `Synaptic`: a current-based neuron with a decaying synaptic current.
//!
//! With `r = H(m[t-1] - thr)`, in this order:
//!
//! `syn[t] = alpha * syn[t-1] + x[t]`
//!
//! | reset      | `m[t]`                                                   |
//! |------------|----------------------------------------------------------|
//! | `Subtract` | `(beta * m[t-1] + syn[t]) - r * thr`                      |
//! | `Zero`     | `base - base * r` with `base = beta * m[t-1] + syn[t]`    |
//! | `None`     | `beta * m[t-1] + syn[t]`                                  |
//!
//! The membrane uses the new `syn[t]`; the synaptic current is never reset.
//! `s[t] = H(m[t] - thr)`; `reset_delay = false` applies `d = s[t] - r` at once, as in
//! [`crate::models::leaky`].

use crate::error::Error;
use crate::models::reset::{self, Reset};
use crate::neuron::{Block, Neuron, StateSlices, state_soa, step_branch_free, step_each};
use crate::param;
use crate::scalar::Scalar;

/// Parameters of [`Synaptic`], in f64.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct SynapticConfig {
    /// Synaptic current decay per step, in `[0, 1]`.
    pub alpha: f64,
    /// Membrane decay per step, in `[0, 1]`.
    pub beta: f64,
    /// Firing threshold, `> 0`.
    pub threshold: f64,
    /// Reset mechanism.
    pub reset: Reset,
    /// Apply the reset on the next step (snnTorch's default).
    pub reset_delay: bool,
}

impl Default for SynapticConfig {
    fn default() -> Self {
        Self {
            alpha: 0.8,
            beta: 0.9,
            threshold: 1.0,
            reset: Reset::Subtract,
            reset_delay: true,
        }
    }
}

impl SynapticConfig {
    /// Validates and converts the parameters to `S`.
    pub fn build<S: Scalar>(&self) -> Result<Synaptic<S>, Error> {
        let alpha = param::unit_interval("alpha", self.alpha)?;
        let beta = param::unit_interval("beta", self.beta)?;
        let threshold = param::positive("threshold", self.threshold)?;
        Ok(Synaptic {
            alpha: param::to_scalar("alpha", alpha)?,
            beta: param::to_scalar("beta", beta)?,
            threshold: param::to_positive("threshold", threshold)?,
            reset: self.reset,
            reset_delay: self.reset_delay,
        })
    }
}

/// A validated `Synaptic` neuron in scalar type `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Synaptic<S> {
    alpha: S,
    beta: S,
    threshold: S,
    reset: Reset,
    reset_delay: bool,
}

impl<S: Scalar> Synaptic<S> {
    /// Threshold as stored.
    pub fn threshold(&self) -> S {
        self.threshold
    }
    /// `(alpha, beta)` as stored.
    pub fn decays(&self) -> (S, S) {
        (self.alpha, self.beta)
    }
}

state_soa! {
    model Synaptic;
    /// State of one `Synaptic` neuron.
    state SynapticState;
    /// Structure-of-arrays state of a `Synaptic` population.
    view SynapticSlices;
    /// Owned fixed-capacity state of `N` neurons (structure of arrays).
    arrays SynapticArrays;
    /// Synaptic current.
    syn: S,
    /// Membrane potential.
    mem: S,
}

impl<S: Scalar> Neuron<S> for Synaptic<S> {
    type State = SynapticState<S>;

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
        SynapticState {
            syn: S::ZERO,
            mem: S::ZERO,
        }
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

impl<S: Scalar> Synaptic<S> {
    /// One step with reset `reset`, delayed (`delay`) or not: the model's math, as the
    /// module docs give it. `step` passes the model's own choices; a block passes constants
    /// that leave a loop without branches.
    #[inline(always)]
    fn advance(&self, reset: Reset, delay: bool, s: &mut SynapticState<S>, x: S) -> bool {
        let thr = self.threshold;
        let prev = s.mem;
        let r = prev > thr;
        let syn = s.syn.scale(self.alpha).add(x);
        let base = prev.scale(self.beta).add(syn);
        let mut m = match reset {
            Reset::Subtract => reset::subtract_pending(base, thr, r),
            Reset::Zero => base.sub(base.mul(if r { S::ONE } else { S::ZERO })),
            Reset::None => base,
        };
        let spike = m > thr;
        if !delay {
            m = reset::immediate(reset, m, thr, spike, r);
        }
        s.syn = syn;
        s.mem = m;
        spike
    }
}
