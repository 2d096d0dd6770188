//! snnTorch's `Lapicque`: an RC membrane integrated by forward Euler.
//!
//! With `r = H(m[t-1] - thr)` (the reset is always delayed), in this order:
//!
//! `base = ((x[t] * R) * (1 / (R * C))) * dt + (1 - dt / (R * C)) * m[t-1]`
//!
//! | reset      | `m[t]`             |
//! |------------|--------------------|
//! | `Subtract` | `base - r * thr`   |
//! | `Zero`     | `base - r * base`  |
//! | `None`     | `base`             |
//!
//! and `s[t] = H(m[t] - thr)`. The constants `1 / (R * C)` and `1 - dt / (R * C)` are
//! computed once in [`Scalar::Calc`]: float32 for f32 (as PyTorch does with its float32
//! buffers), f64 for fixed point, then converted.
//!
//! Floats follow snnTorch's order above exactly. Fixed point folds the input chain into one
//! gain `R * (1 / (R * C)) * dt = dt / C`, computed in f64: `base = x * (dt / C) + keep * m`.
//! In snnTorch's order the intermediate `x / C` overflows small formats (C is often 1e-3) and
//! the quantisation error of a small `dt` would be amplified by `1 / C`.

use crate::error::Error;
use crate::models::reset::{self, Reset};
use crate::neuron::{Block, Neuron, StateSlices, state_soa, step_branch_free, step_each};
use crate::param;
use crate::scalar::Scalar;

/// Parameters of [`Lapicque`], in f64.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct LapicqueConfig {
    /// Membrane resistance, `> 0`.
    pub r: f64,
    /// Membrane capacitance, `> 0`.
    pub c: f64,
    /// Time step, `> 0` and at most `R * C` (forward Euler is unstable beyond).
    pub dt: f64,
    /// Firing threshold, `> 0`.
    pub threshold: f64,
    /// Reset mechanism.
    pub reset: Reset,
}

impl Default for LapicqueConfig {
    /// The snnTorch tutorial's neuron: R = 5.1, C = 5e-3, dt = 1e-3.
    fn default() -> Self {
        Self {
            r: 5.1,
            c: 5e-3,
            dt: 1e-3,
            threshold: 1.0,
            reset: Reset::Subtract,
        }
    }
}

impl LapicqueConfig {
    /// Validates and converts the parameters to `S`.
    pub fn build<S: Scalar>(&self) -> Result<Lapicque<S>, Error> {
        let r = param::positive("r", self.r)?;
        let c = param::positive("c", self.c)?;
        let dt = param::positive("dt", self.dt)?;
        let threshold = param::positive("threshold", self.threshold)?;
        let rc = r * c;
        if !(rc.is_finite() && rc > 0.0) {
            return Err(crate::error::param(
                "c",
                c,
                crate::error::ParamProblem::OutOfRange {
                    allowed: "R * C finite and > 0",
                },
            ));
        }
        if dt > rc {
            return Err(crate::error::param(
                "dt",
                dt,
                crate::error::ParamProblem::Conflict {
                    with: "r * c (dt must not exceed it)",
                },
            ));
        }
        let calc = |name, v: f64| {
            <S::Calc as Scalar>::from_f64(v).ok_or(crate::error::param(
                name,
                v,
                crate::error::ParamProblem::Overflow {
                    scalar: <S::Calc as Scalar>::NAME,
                },
            ))
        };
        let (rq, cq, dtq) = (calc("r", r)?, calc("c", c)?, calc("dt", dt)?);
        let rcq = rq.mul(cq);
        let inv_rc = <S::Calc as Scalar>::ONE.div(rcq);
        let keep = <S::Calc as Scalar>::ONE.sub(dtq.div(rcq));
        let keep_s: S = param::from_calc("dt", dt, keep)?;
        if keep.to_f64() > 0.0 && keep.to_f64() < 1.0 && (keep_s == S::ZERO || keep_s == S::ONE) {
            return Err(crate::error::param(
                "dt",
                dt,
                crate::error::ParamProblem::Degenerate {
                    scalar: S::NAME,
                    derived: "1 - dt/(R*C)",
                },
            ));
        }
        let (r_s, inv_rc_s, dt_s) = if S::FLOAT {
            (
                param::to_positive("r", r)?,
                param::from_calc("r", r, inv_rc)?,
                param::to_scalar("dt", dt)?,
            )
        } else {
            (S::ONE, S::ONE, param::nonvanishing("c", "dt/C", dt / c)?)
        };
        Ok(Lapicque {
            r: r_s,
            inv_rc: inv_rc_s,
            dt: dt_s,
            keep: keep_s,
            threshold: param::to_positive("threshold", threshold)?,
            reset: self.reset,
        })
    }
}

/// A validated `Lapicque` neuron in scalar type `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Lapicque<S> {
    // Floats: R, 1/(R*C), dt. Fixed point: 1, 1, dt/C (the folded gain).
    r: S,
    inv_rc: S,
    dt: S,
    keep: S,
    threshold: S,
    reset: Reset,
}

impl<S: Scalar> Lapicque<S> {
    /// Threshold as stored.
    pub fn threshold(&self) -> S {
        self.threshold
    }
    /// The membrane's retention per step, `1 - dt / (R * C)`, as stored.
    pub fn keep(&self) -> S {
        self.keep
    }
}

state_soa! {
    model Lapicque;
    /// State of one `Lapicque` neuron.
    state LapicqueState;
    /// Structure-of-arrays state of a `Lapicque` population.
    view LapicqueSlices;
    /// Owned fixed-capacity state of `N` neurons (structure of arrays).
    arrays LapicqueArrays;
    /// Membrane potential.
    mem: S,
}

impl<S: Scalar> Neuron<S> for Lapicque<S> {
    type State = LapicqueState<S>;

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
        LapicqueState { mem: S::ZERO }
    }

    #[inline]
    fn step(&self, state: &mut Self::State, x: S) -> bool {
        self.advance(self.reset, false, state, x)
    }

    #[inline(always)]
    fn step_block<St>(&self, block: Block<'_, S, St>) -> u32
    where
        St: StateSlices<State = Self::State> + ?Sized,
    {
        // The reset kind chosen once per block, so the loop has no branch and vectorises;
        // so is the cheaper product for a fixed-point gain within [0, 1].
        let unit_gain = !S::FLOAT && S::ZERO <= self.dt && self.dt <= S::ONE;
        match (self.reset, unit_gain) {
            (Reset::Subtract, false) => {
                step_branch_free(block, |s, xi| self.advance(Reset::Subtract, false, s, xi))
            }
            (Reset::Subtract, true) => {
                step_branch_free(block, |s, xi| self.advance(Reset::Subtract, true, s, xi))
            }
            (Reset::None, false) => {
                step_branch_free(block, |s, xi| self.advance(Reset::None, false, s, xi))
            }
            (Reset::None, true) => {
                step_branch_free(block, |s, xi| self.advance(Reset::None, true, s, xi))
            }
            (Reset::Zero, _) => step_each(self, block),
        }
    }
}

impl<S: Scalar> Lapicque<S> {
    /// One step with reset `reset`: the model's math, as the module docs give it. `step`
    /// passes the model's own reset; a block passes a constant that leaves a loop without
    /// branches. `unit_gain` (only when the fixed-point gain is within `[0, 1]`) takes the
    /// product that skips the saturation check, which cannot trigger there: same result.
    #[inline(always)]
    fn advance(&self, reset: Reset, unit_gain: bool, s: &mut LapicqueState<S>, x: S) -> bool {
        let thr = self.threshold;
        let prev = s.mem;
        let r = prev > thr;
        let drive = if S::FLOAT {
            x.mul(self.r).mul(self.inv_rc).mul(self.dt)
        } else if unit_gain {
            x.scale(self.dt)
        } else {
            x.mul(self.dt)
        };
        let base = drive.add(prev.scale(self.keep));
        let m = match reset {
            Reset::Subtract => reset::subtract_pending(base, thr, r),
            // base - 1 * base, literally: exact 0, or NaN for an infinite base, as in torch.
            Reset::Zero if r => base.sub(base),
            // base - 0 * base: subtracting a zero of base's sign turns -0 into +0.
            Reset::Zero => base.sub(S::ZERO.mul(base)),
            Reset::None => base,
        };
        s.mem = m;
        m > thr
    }
}
