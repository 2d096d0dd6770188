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
use crate::neuron::{Neuron, StateSlices, state_soa, step_branch_free, step_each};
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
            threshold: param::to_scalar("threshold", threshold)?,
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
        let prev = state.mem;
        let r = prev > self.threshold;
        let syn = state.syn.scale(self.alpha).add(x);
        let base = prev.scale(self.beta).add(syn);
        let rs = if r { S::ONE } else { S::ZERO };
        let mut m = match self.reset {
            Reset::Subtract if r => base.sub(self.threshold),
            Reset::Zero => base.sub(base.mul(rs)),
            _ => base,
        };
        let spike = m > self.threshold;
        if !self.reset_delay {
            m = reset::immediate(self.reset, m, self.threshold, spike, r);
        }
        state.syn = syn;
        state.mem = m;
        spike
    }

    #[inline(always)]
    unsafe fn step_block<St>(&self, state: &mut St, start: usize, x: &[S]) -> u32
    where
        St: StateSlices<State = Self::State> + ?Sized,
    {
        // `step` with the reset kind chosen once per block, so the loop vectorises.
        match (self.reset, self.reset_delay) {
            // SAFETY: forwarded from the caller.
            (Reset::Subtract, true) => unsafe {
                step_branch_free(state, start, x, |s, xi| self.branch_free::<true>(s, xi))
            },
            // SAFETY: forwarded from the caller.
            (Reset::None, true) => unsafe {
                step_branch_free(state, start, x, |s, xi| self.branch_free::<false>(s, xi))
            },
            // SAFETY: forwarded from the caller.
            _ => unsafe { step_each(self, state, start, x) },
        }
    }
}

impl<S: Scalar> Synaptic<S> {
    /// `step` with a delayed subtractive reset (`SUBTRACT`) or none, the pending reset as a
    /// select: subtracting a zero threshold leaves every value as it is.
    #[inline(always)]
    fn branch_free<const SUBTRACT: bool>(&self, s: &mut SynapticState<S>, x: S) -> bool {
        let thr = self.threshold;
        let back = if SUBTRACT && s.mem > thr {
            thr
        } else {
            S::ZERO
        };
        s.syn = s.syn.scale(self.alpha).add(x);
        s.mem = s.mem.scale(self.beta).add(s.syn).sub(back);
        s.mem > thr
    }
}
