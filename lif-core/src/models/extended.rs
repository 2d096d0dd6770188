//! The seed project's extended LIF neuron (`Extended_LIF_Neurons`' `LIFNeuronGroup`), with
//! every mechanism its README describes, each switchable.
//!
//! State per neuron: membrane `V`, adaptation current `a`, synaptic efficiency `se`,
//! neuromodulator level `nm`, spike-history trace `q`, threshold `V_th`, random stream.
//! One step with input `I`, in this order (`k = dt / tau` and `d_q = exp(-1 / tau_adapt)` are
//! computed once in f64):
//!
//! 1. `nm` is set by [`Extended::modulate`] (`nm = transform(signal)`), between steps; it
//!    persists until the next signal.
//! 2. `noise = N(0, 1) * noise_std` if `stochastic`, else 0.
//! 3. `I_eff = I * se + nm - a`; `V = V + (I_eff - V) * k + noise`.
//! 4. Deterministic: `spike = V >= V_th`. Stochastic: `delta = V - V_th`,
//!    `p = sigmoid(g * delta)` with `g = base_alpha / (1 + q)` when `dynamic_probability`,
//!    else `g = 1`; `spike = U(0, 1) < p`.
//! 5. On a spike `V = V_reset`.
//! 6. `adaptation`: `a = a * adaptation_decay + spike_increase * spike`.
//! 7. `depression`: `se = se * (1 - depression_rate * spike) + recovery_rate * (1 - se)`
//!    (both terms use the old `se`).
//! 8. `adaptive_threshold`: `V_th = V_th + eta` on a spike, else
//!    `V_th = V_th - eta * (V_th - V_th0)`; then clamped to `[min_threshold, max_threshold]`.
//! 9. `dynamic_probability`: `q = q * d_q + spike` (the trace the next step's `g` uses).
//!
//! A disabled mechanism leaves its variable at its initial value (`a = 0`, `se = 1`,
//! `nm = nm_init`, `q = 0`, `V_th = V_th0`) and skips its arithmetic.
//!
//! Differences from the seed's code, on purpose: `eta` is used (the seed ignores it at HEAD);
//! `nm` starts at `nm_init = 0` and only enters `I_eff` when `neuromodulation` is on (the
//! seed's `nm = 1` start parks `V` just below a threshold of 1 with zero input, so the neuron
//! never fires); the static-probability path works for a single neuron.
//! Random numbers per stochastic step: 64 bits for the noise, then 32 for the coin, from the
//! neuron's own stream.

use crate::error::{Error, ParamProblem, param as perr};
use crate::neuron::{Block, Neuron, StateSlices, Touch, state_soa, step_each, step_touching};
use crate::param;
use crate::rng::RngState;
use crate::scalar::Scalar;

/// The function that maps a modulation signal to the neuromodulator level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Transform {
    /// `1 / (1 + exp(-x))` (the seed's default).
    #[default]
    Sigmoid,
    /// `tanh(x)`, computed as `2 * sigmoid(2x) - 1`.
    Tanh,
    /// `max(x, 0)`.
    Relu,
    /// `x`.
    Identity,
}

impl Transform {
    /// Applies the transform in scalar type `S`.
    pub fn apply<S: Scalar>(self, x: S) -> S {
        match self {
            Transform::Sigmoid => x.sigmoid(),
            Transform::Tanh => {
                let two = S::ONE.add(S::ONE);
                two.mul(x.add(x).sigmoid()).sub(S::ONE)
            }
            Transform::Relu => {
                if x > S::ZERO {
                    x
                } else {
                    S::ZERO
                }
            }
            Transform::Identity => x,
        }
    }
}

/// The extended model's modes: the seed's mechanisms one family at a time, over
/// [`ExtendedConfig::deterministic`]. [`ExtendedConfig::mode`] gives each one's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum ExtendedMode {
    /// Every mechanism off: a leaky integrator with a hard threshold.
    Deterministic,
    /// Membrane noise and the spike probability `sigmoid(V - V_th)`.
    Stochastic,
    /// The threshold steps up by `eta` per spike and relaxes back to `V_th0`.
    AdaptiveThreshold,
    /// Stochastic firing whose slope `base_alpha / (1 + q)` follows the spike history.
    DynamicProbability,
    /// The neuromodulator level (set by [`Extended::modulate`]) adds to the drive.
    Neuromodulation,
    /// Every mechanism on ([`ExtendedConfig::default`]).
    All,
}

impl ExtendedMode {
    /// Every mode, in the order above.
    pub const ALL: [ExtendedMode; 6] = [
        ExtendedMode::Deterministic,
        ExtendedMode::Stochastic,
        ExtendedMode::AdaptiveThreshold,
        ExtendedMode::DynamicProbability,
        ExtendedMode::Neuromodulation,
        ExtendedMode::All,
    ];
}

/// Parameters of [`Extended`], in f64; defaults as in the seed's table.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct ExtendedConfig {
    /// Baseline threshold `V_th0`.
    pub v_th: f64,
    /// Reset potential, `< v_th`.
    pub v_reset: f64,
    /// Membrane time constant, `> 0`.
    pub tau: f64,
    /// Time step, `0 < dt <= tau`.
    pub dt: f64,
    /// Threshold step per spike and relaxation rate toward `v_th`, in `[0, 1]`.
    pub eta: f64,
    /// Switch: adaptive threshold.
    pub adaptive_threshold: bool,
    /// Lower clamp of the adaptive threshold.
    pub min_threshold: f64,
    /// Upper clamp of the adaptive threshold, `>= min_threshold`.
    pub max_threshold: f64,
    /// Switch: stochastic firing (membrane noise and sigmoid spike probability).
    pub stochastic: bool,
    /// Standard deviation of the membrane noise, `>= 0`.
    pub noise_std: f64,
    /// Switch: spike probability slope depends on the spike history.
    pub dynamic_probability: bool,
    /// Slope of the dynamic spike probability, `> 0`.
    pub base_alpha: f64,
    /// Time constant (in steps) of the spike-history trace, `> 0`.
    pub tau_adapt: f64,
    /// Switch: adaptation current.
    pub adaptation: bool,
    /// Adaptation current decay per step, in `[0, 1]`.
    pub adaptation_decay: f64,
    /// Adaptation current added per spike, `>= 0`.
    pub spike_increase: f64,
    /// Switch: short-term synaptic depression.
    pub depression: bool,
    /// Fraction of efficiency lost per spike, in `[0, 1]`.
    pub depression_rate: f64,
    /// Fraction of the gap to full efficiency recovered per step, in `[0, 1]`.
    pub recovery_rate: f64,
    /// Switch: neuromodulation input.
    pub neuromodulation: bool,
    /// Transform applied to modulation signals.
    pub transform: Transform,
    /// Neuromodulator level before the first signal.
    pub nm_init: f64,
}

impl Default for ExtendedConfig {
    fn default() -> Self {
        Self {
            v_th: 1.0,
            v_reset: 0.0,
            tau: 20.0,
            dt: 1.0,
            eta: 0.1,
            adaptive_threshold: true,
            min_threshold: 0.5,
            max_threshold: 2.0,
            stochastic: true,
            noise_std: 0.1,
            dynamic_probability: true,
            base_alpha: 2.0,
            tau_adapt: 20.0,
            adaptation: true,
            adaptation_decay: 0.9,
            spike_increase: 0.5,
            depression: true,
            depression_rate: 0.1,
            recovery_rate: 0.05,
            neuromodulation: true,
            transform: Transform::Sigmoid,
            nm_init: 0.0,
        }
    }
}

impl ExtendedConfig {
    /// Every mechanism off: a deterministic leaky integrator with a hard threshold.
    pub fn deterministic() -> Self {
        Self {
            adaptive_threshold: false,
            stochastic: false,
            dynamic_probability: false,
            adaptation: false,
            depression: false,
            neuromodulation: false,
            ..Self::default()
        }
    }

    /// The parameters of `mode`: the seed's defaults with only that mode's switches on.
    pub fn mode(mode: ExtendedMode) -> Self {
        let det = Self::deterministic();
        match mode {
            ExtendedMode::Deterministic => det,
            ExtendedMode::Stochastic => Self {
                stochastic: true,
                ..det
            },
            ExtendedMode::AdaptiveThreshold => Self {
                adaptive_threshold: true,
                ..det
            },
            ExtendedMode::DynamicProbability => Self {
                stochastic: true,
                dynamic_probability: true,
                ..det
            },
            ExtendedMode::Neuromodulation => Self {
                neuromodulation: true,
                ..det
            },
            ExtendedMode::All => Self::default(),
        }
    }

    /// Validates and converts the parameters to `S`.
    pub fn build<S: Scalar>(&self) -> Result<Extended<S>, Error> {
        let tau = param::positive("tau", self.tau)?;
        let dt = param::positive("dt", self.dt)?;
        if dt > tau {
            return Err(perr(
                "dt",
                dt,
                ParamProblem::Conflict {
                    with: "tau (dt must not exceed it)",
                },
            ));
        }
        let v_th = param::finite("v_th", self.v_th)?;
        let v_reset = param::finite("v_reset", self.v_reset)?;
        if v_reset >= v_th {
            return Err(perr(
                "v_reset",
                v_reset,
                ParamProblem::Conflict {
                    with: "v_th (must be below it)",
                },
            ));
        }
        let eta = param::unit_interval("eta", self.eta)?;
        let min_th = param::finite("min_threshold", self.min_threshold)?;
        let max_th = param::finite("max_threshold", self.max_threshold)?;
        if min_th > max_th {
            return Err(perr(
                "min_threshold",
                min_th,
                ParamProblem::Conflict {
                    with: "max_threshold",
                },
            ));
        }
        let noise_std = param::non_negative("noise_std", self.noise_std)?;
        let base_alpha = param::positive("base_alpha", self.base_alpha)?;
        let tau_adapt = param::positive("tau_adapt", self.tau_adapt)?;
        let adaptation_decay = param::unit_interval("adaptation_decay", self.adaptation_decay)?;
        let spike_increase = param::non_negative("spike_increase", self.spike_increase)?;
        let depression_rate = param::unit_interval("depression_rate", self.depression_rate)?;
        let recovery_rate = param::unit_interval("recovery_rate", self.recovery_rate)?;
        let nm_init = param::finite("nm_init", self.nm_init)?;
        let k = dt / tau;
        Ok(Extended {
            k: if k < 1.0 {
                param::factor("dt", dt, "dt/tau", k)?
            } else {
                S::ONE
            },
            v_th0: param::to_scalar("v_th", v_th)?,
            v_reset: param::to_scalar("v_reset", v_reset)?,
            eta: param::nonvanishing("eta", "eta", eta)?,
            min_th: param::to_scalar("min_threshold", min_th)?,
            max_th: param::to_scalar("max_threshold", max_th)?,
            noise_std: param::nonvanishing("noise_std", "noise_std", noise_std)?,
            base_alpha: param::to_positive("base_alpha", base_alpha)?,
            q_decay: param::factor(
                "tau_adapt",
                tau_adapt,
                "exp(-1/tau_adapt)",
                libm::exp(-1.0 / tau_adapt),
            )?,
            adaptation_decay: param::to_scalar("adaptation_decay", adaptation_decay)?,
            spike_increase: param::nonvanishing(
                "spike_increase",
                "spike_increase",
                spike_increase,
            )?,
            depression_keep: param::to_scalar("depression_rate", 1.0 - depression_rate)?,
            recovery_rate: param::nonvanishing("recovery_rate", "recovery_rate", recovery_rate)?,
            nm_init: param::to_scalar("nm_init", nm_init)?,
            transform: self.transform,
            on: Switches {
                adaptive_threshold: self.adaptive_threshold,
                stochastic: self.stochastic,
                dynamic_probability: self.dynamic_probability,
                adaptation: self.adaptation,
                depression: self.depression,
                neuromodulation: self.neuromodulation,
            },
        })
    }
}

/// A validated extended LIF neuron in scalar type `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Extended<S> {
    k: S,
    v_th0: S,
    v_reset: S,
    eta: S,
    min_th: S,
    max_th: S,
    noise_std: S,
    base_alpha: S,
    q_decay: S,
    adaptation_decay: S,
    spike_increase: S,
    depression_keep: S,
    recovery_rate: S,
    nm_init: S,
    transform: Transform,
    on: Switches,
}

state_soa! {
    model Extended;
    /// State of one extended LIF neuron.
    state ExtendedState;
    /// Structure-of-arrays state of an extended LIF population.
    view ExtendedSlices;
    /// Owned fixed-capacity state of `N` neurons (structure of arrays).
    arrays ExtendedArrays;
    /// Membrane potential.
    v: S,
    /// Adaptation current.
    a: S,
    /// Synaptic efficiency (1 = undepressed).
    se: S,
    /// Neuromodulator level.
    nm: S,
    /// Spike-history trace, already decayed and including the last spike.
    q: S,
    /// Current threshold.
    v_th: S,
    /// The neuron's random stream.
    rng: RngState,
}

/// Which mechanisms a step runs. [`Neuron::step`] reads them from the model; a block of the
/// deterministic family fixes them at compile time, so its loop has no switch left in it and
/// touches only the variables they use.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
struct Switches {
    adaptive_threshold: bool,
    stochastic: bool,
    dynamic_probability: bool,
    adaptation: bool,
    depression: bool,
    neuromodulation: bool,
}

impl Switches {
    /// The state variables a step with these switches reads and those it writes, as
    /// [`StateSlices::load_fields`] masks.
    #[inline(always)]
    const fn fields(self) -> (u32, u32) {
        const fn bit(on: bool, f: Field) -> u32 {
            if on { 1 << f as u32 } else { 0 }
        }
        let (v, th) = (bit(true, Field::v), bit(true, Field::v_th));
        let a = bit(self.adaptation, Field::a);
        let se = bit(self.depression, Field::se);
        let q = bit(self.dynamic_probability, Field::q);
        let rng = bit(self.stochastic, Field::rng);
        let nm = bit(self.neuromodulation, Field::nm);
        let writes = v | a | se | q | rng | bit(self.adaptive_threshold, Field::v_th);
        (writes | th | nm, writes)
    }
}

impl<S: Scalar> Extended<S> {
    /// A deterministic block with the four mechanisms fixed: only their variables are
    /// loaded and stored, and the loop has no switch in it.
    #[inline(always)]
    fn block<St, const ADAPT: bool, const THRESH: bool, const DEPRESS: bool, const MOD: bool>(
        &self,
        block: Block<'_, S, St>,
    ) -> u32
    where
        St: StateSlices<State = ExtendedState<S>> + ?Sized,
    {
        let on = Switches {
            adaptive_threshold: THRESH,
            stochastic: false,
            dynamic_probability: false,
            adaptation: ADAPT,
            depression: DEPRESS,
            neuromodulation: MOD,
        };
        let (reads, writes) = on.fields();
        let touch = Touch {
            template: ExtendedState::default(),
            reads,
            writes,
        };
        // `advance` with `on` uses only `touch`'s fields.
        step_touching(
            block,
            Some(touch),
            // The step is large; without this, it stays a call per neuron.
            #[inline(always)]
            |s, xi| self.advance(on, s, xi),
        )
    }

    /// One step with the mechanisms `on`: the model's math, in the order the module docs give.
    #[inline(always)]
    fn advance(&self, on: Switches, st: &mut ExtendedState<S>, input: S) -> bool {
        let mut drive = if on.depression {
            input.scale(st.se)
        } else {
            input
        };
        if on.neuromodulation {
            drive = drive.add(st.nm);
        }
        if on.adaptation {
            drive = drive.sub(st.a);
        }
        let mut v = st.v.add(drive.sub(st.v).scale(self.k));
        let spike = if on.stochastic {
            let noise = S::std_normal(st.rng.next_u64()).mul(self.noise_std);
            v = v.add(noise);
            let delta = v.sub(st.v_th);
            let x = if on.dynamic_probability {
                self.base_alpha.div(S::ONE.add(st.q)).mul(delta)
            } else {
                delta
            };
            S::unit(st.rng.next_u32()) < x.sigmoid()
        } else {
            v >= st.v_th
        };
        st.v = if spike { self.v_reset } else { v };
        if on.adaptation {
            let decayed = st.a.scale(self.adaptation_decay);
            st.a = if spike {
                decayed.add(self.spike_increase)
            } else {
                decayed
            };
        }
        if on.depression {
            let kept = if spike {
                st.se.scale(self.depression_keep)
            } else {
                st.se
            };
            st.se = kept.add(S::ONE.sub(st.se).scale(self.recovery_rate));
        }
        if on.adaptive_threshold {
            let th = if spike {
                st.v_th.add(self.eta)
            } else {
                st.v_th.sub(st.v_th.sub(self.v_th0).scale(self.eta))
            };
            st.v_th = if th < self.min_th {
                self.min_th
            } else if th > self.max_th {
                self.max_th
            } else {
                th
            };
        }
        if on.dynamic_probability {
            let decayed = st.q.scale(self.q_decay);
            st.q = if spike { decayed.add(S::ONE) } else { decayed };
        }
        spike
    }

    /// Baseline threshold as stored.
    pub fn v_th0(&self) -> S {
        self.v_th0
    }

    /// Whether firing is stochastic.
    pub fn is_stochastic(&self) -> bool {
        self.on.stochastic
    }
}

impl<S: Scalar> Neuron<S> for Extended<S> {
    type State = ExtendedState<S>;

    #[inline]
    fn membrane(state: &Self::State) -> S {
        state.v
    }

    #[inline]
    fn set_membrane(state: &mut Self::State, v: S) {
        state.v = v;
    }

    #[inline]
    fn threshold(&self, state: &Self::State) -> S {
        state.v_th
    }

    fn initial_state(&self, seed: u64, index: u64) -> Self::State {
        ExtendedState {
            v: self.v_reset,
            a: S::ZERO,
            se: S::ONE,
            nm: self.nm_init,
            q: S::ZERO,
            v_th: self.v_th0,
            rng: RngState::for_neuron(seed, index),
        }
    }

    /// `nm = transform(signal)` (no effect when neuromodulation is off). Call between
    /// steps; the level persists.
    #[inline]
    fn modulate(&self, state: &mut Self::State, signal: S) {
        if self.on.neuromodulation {
            state.nm = self.transform.apply(signal);
        }
    }

    #[inline]
    fn step(&self, st: &mut Self::State, input: S) -> bool {
        self.advance(self.on, st, input)
    }

    #[inline(always)]
    fn step_block<St>(&self, block: Block<'_, S, St>) -> u32
    where
        St: StateSlices<State = Self::State> + ?Sized,
    {
        // Stochastic steps are dominated by their random draws; the spike-history trace
        // only matters to them.
        if self.on.stochastic || self.on.dynamic_probability {
            return step_each(self, block);
        }
        macro_rules! fixed {
            ($( ($a:literal, $t:literal, $d:literal, $m:literal) ),+ $(,)?) => {
                match (self.on.adaptation, self.on.adaptive_threshold, self.on.depression, self.on.neuromodulation) {
                    $(
                        ($a, $t, $d, $m) => self.block::<St, $a, $t, $d, $m>(block),
                    )+
                }
            };
        }
        fixed!(
            (false, false, false, false),
            (false, false, false, true),
            (false, false, true, false),
            (false, false, true, true),
            (false, true, false, false),
            (false, true, false, true),
            (false, true, true, false),
            (false, true, true, true),
            (true, false, false, false),
            (true, false, false, true),
            (true, false, true, false),
            (true, false, true, true),
            (true, true, false, false),
            (true, true, false, true),
            (true, true, true, false),
            (true, true, true, true),
        )
    }
}
