//! BrainPy's `LIF`: a current-based leaky integrate-and-fire neuron in physical units.
//!
//! `tau dV/dt = -(V - V_rest) + R I`. Per step, with `drive = V_rest + R * I[t]`:
//!
//! - exact (exponential Euler, the default; exact for input constant over the step):
//!   `V = drive + (V - drive) * exp(-dt / tau)`
//! - forward Euler: `V = V + (drive - V) * (dt / tau)`
//!
//! Spike when `V >= V_th`; then `Hard` reset sets `V = V_reset`, `Soft` reset subtracts
//! `V_th`, and the neuron is refractory for `refractory_steps` steps, during which `V` is held
//! and input is ignored. For constant input with `R I > V_th` and hard reset the interspike
//! interval is `t_ref + tau * ln((R I - V_reset) / (R I - V_th))` (relative to `V_rest = 0`),
//! which the discrete model meets within one step (`tests/reference.rs`).
//! `exp(-dt/tau)` and `dt/tau` are computed once in f64.

use crate::error::{Error, ParamProblem, param as perr};
use crate::neuron::{Block, Neuron, StateSlices, state_soa, step_branch_free, step_each};
use crate::param;
use crate::scalar::Scalar;

/// How the membrane equation is integrated over one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Integration {
    /// Exponential Euler: exact for piecewise-constant input.
    #[default]
    Exact,
    /// Forward Euler (requires `dt <= tau`).
    Euler,
}

/// What a spike does to the membrane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum LifReset {
    /// `V = V_reset`.
    #[default]
    Hard,
    /// `V = V - V_th`.
    Soft,
}

/// Parameters of [`Lif`], in f64 (BrainPy's defaults: mV, ms, and `dt = 0.1`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct LifConfig {
    /// Membrane time constant, `> 0`.
    pub tau: f64,
    /// Resting potential.
    pub v_rest: f64,
    /// Reset potential, `< v_th`.
    pub v_reset: f64,
    /// Threshold potential.
    pub v_th: f64,
    /// Membrane resistance, `> 0`.
    pub r: f64,
    /// Time step, `> 0`.
    pub dt: f64,
    /// Steps the neuron stays silent after a spike.
    pub refractory_steps: u32,
    /// Integration scheme.
    pub integration: Integration,
    /// Reset kind.
    pub reset: LifReset,
}

impl Default for LifConfig {
    fn default() -> Self {
        Self {
            tau: 10.0,
            v_rest: 0.0,
            v_reset: -5.0,
            v_th: 20.0,
            r: 1.0,
            dt: 0.1,
            refractory_steps: 0,
            integration: Integration::Exact,
            reset: LifReset::Hard,
        }
    }
}

impl LifConfig {
    /// Validates and converts the parameters to `S`.
    pub fn build<S: Scalar>(&self) -> Result<Lif<S>, Error> {
        let tau = param::positive("tau", self.tau)?;
        let dt = param::positive("dt", self.dt)?;
        let v_rest = param::finite("v_rest", self.v_rest)?;
        let v_reset = param::finite("v_reset", self.v_reset)?;
        let v_th = param::finite("v_th", self.v_th)?;
        let r = param::positive("r", self.r)?;
        if v_reset >= v_th {
            return Err(perr(
                "v_reset",
                v_reset,
                ParamProblem::Conflict {
                    with: "v_th (must be below it)",
                },
            ));
        }
        let factor = match self.integration {
            Integration::Exact => {
                let e = libm::exp(-dt / tau);
                param::factor::<S>("dt", dt, "exp(-dt/tau)", e)?
            }
            Integration::Euler => {
                let k = dt / tau;
                if k > 1.0 {
                    return Err(perr(
                        "dt",
                        dt,
                        ParamProblem::Conflict {
                            with: "tau (Euler needs dt <= tau)",
                        },
                    ));
                }
                let k_s = param::factor::<S>("dt", dt, "dt/tau", k)?;
                if k_s == S::ZERO {
                    return Err(perr(
                        "dt",
                        dt,
                        ParamProblem::Degenerate {
                            scalar: S::NAME,
                            derived: "dt/tau",
                        },
                    ));
                }
                k_s
            }
        };
        Ok(Lif {
            factor,
            v_rest: param::to_scalar("v_rest", v_rest)?,
            v_reset: param::to_scalar("v_reset", v_reset)?,
            v_th: param::to_scalar("v_th", v_th)?,
            r: param::to_positive("r", r)?,
            refractory_steps: self.refractory_steps,
            integration: self.integration,
            reset: self.reset,
        })
    }
}

/// A validated BrainPy-style `LIF` neuron in scalar type `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Lif<S> {
    /// `exp(-dt/tau)` (exact) or `dt/tau` (Euler).
    factor: S,
    v_rest: S,
    v_reset: S,
    v_th: S,
    r: S,
    refractory_steps: u32,
    integration: Integration,
    reset: LifReset,
}

impl<S: Scalar> Lif<S> {
    /// Threshold potential as stored.
    pub fn v_th(&self) -> S {
        self.v_th
    }
}

state_soa! {
    model Lif;
    /// State of one `Lif` neuron.
    state LifState;
    /// Structure-of-arrays state of a `Lif` population.
    view LifSlices;
    /// Owned fixed-capacity state of `N` neurons (structure of arrays).
    arrays LifArrays;
    /// Membrane potential.
    v: S,
    /// Refractory steps left.
    refractory: u32,
}

impl<S: Scalar> Neuron<S> for Lif<S> {
    type State = LifState<S>;

    #[inline]
    fn membrane(state: &Self::State) -> S {
        state.v
    }

    #[inline]
    fn set_membrane(state: &mut Self::State, v: S) {
        state.v = v;
    }

    #[inline]
    fn threshold(&self, _state: &Self::State) -> S {
        self.v_th
    }

    fn initial_state(&self, _seed: u64, _index: u64) -> Self::State {
        LifState {
            v: self.v_rest,
            refractory: 0,
        }
    }

    #[inline]
    fn step(&self, state: &mut Self::State, input: S) -> bool {
        if state.refractory > 0 {
            state.refractory -= 1;
            return false;
        }
        let v = self.integrate(self.integration == Integration::Exact, state.v, input);
        let spike = v >= self.v_th;
        state.v = if spike {
            self.after_spike(self.reset == LifReset::Hard, v)
        } else {
            v
        };
        if spike {
            state.refractory = self.refractory_steps;
        }
        spike
    }

    #[inline(always)]
    fn step_block<St>(&self, block: Block<'_, S, St>) -> u32
    where
        St: StateSlices<State = Self::State> + ?Sized,
    {
        // `step` with the integration and reset chosen once per block, so the loop
        // vectorises. A scalar core gains nothing from computing the update for refractory
        // neurons too (on a Cortex-M4 it cost 38.1 -> 43.6 instructions per I16F16
        // neuron-step), so it keeps `step`'s early return.
        if cfg!(target_arch = "arm") {
            return step_each(self, block);
        }
        match (self.integration, self.reset) {
            (Integration::Exact, LifReset::Hard) => {
                step_branch_free(block, |s, xi| self.branch_free::<true, true>(s, xi))
            }
            (Integration::Exact, LifReset::Soft) => {
                step_branch_free(block, |s, xi| self.branch_free::<true, false>(s, xi))
            }
            (Integration::Euler, LifReset::Hard) => {
                step_branch_free(block, |s, xi| self.branch_free::<false, true>(s, xi))
            }
            (Integration::Euler, LifReset::Soft) => {
                step_branch_free(block, |s, xi| self.branch_free::<false, false>(s, xi))
            }
        }
    }
}

impl<S: Scalar> Lif<S> {
    /// The membrane after one step from `v` with input `input`: exact integration
    /// (`exact`), else Euler. Shared by `step` and its block form.
    #[inline(always)]
    fn integrate(&self, exact: bool, v: S, input: S) -> S {
        let drive = self.v_rest.add(self.r.mul(input));
        if exact {
            drive.add(v.sub(drive).scale(self.factor))
        } else {
            v.add(drive.sub(v).scale(self.factor))
        }
    }

    /// The membrane after a spike at `v`: hard reset (`hard`), else soft.
    #[inline(always)]
    fn after_spike(&self, hard: bool, v: S) -> S {
        if hard { self.v_reset } else { v.sub(self.v_th) }
    }

    /// `step` with exact integration (`EXACT`, else Euler) and hard reset (`HARD`, else
    /// soft), written as selects: the update is computed for every neuron and kept only by
    /// those out of their refractory period (the others hold `v` and count down), which is
    /// what `step`'s early return does.
    #[inline(always)]
    fn branch_free<const EXACT: bool, const HARD: bool>(
        &self,
        s: &mut LifState<S>,
        input: S,
    ) -> bool {
        let active = s.refractory == 0;
        let v = self.integrate(EXACT, s.v, input);
        let spike = active & (v >= self.v_th);
        s.v = if spike {
            self.after_spike(HARD, v)
        } else if active {
            v
        } else {
            s.v
        };
        s.refractory = if spike {
            self.refractory_steps
        } else {
            s.refractory.saturating_sub(1)
        };
        spike
    }
}
