//! Each neuron node's discretisation with the time step `dt`: NIR's continuous-time
//! equations as lif-core `Leaky` and `Synaptic` parameters. docs/nir.md writes the equations
//! out.
//!
//! Forward Euler, as snnTorch's import does:
//! - LIF: `v <- beta v + w I + (dt/tau) v_leak` with `beta = 1 - dt/tau` and `w = r dt/tau`;
//! - CubaLIF: `I <- alpha I + w_syn S`, `v <- beta v + w_mem I` with `alpha = 1 - dt/tau_syn`,
//!   `w_syn = w_in (dt/tau_syn)` and `w_mem = r dt/tau_mem`;
//! - IF: `v <- v + r I` (per step, as the tools that export IF integrate it);
//! - LI and CubaLI: LIF and CubaLIF without spikes (readouts);
//! - Threshold: a spike where the input exceeds the threshold (`Leaky` with `beta = 0`).
//!
//! Under [`crate::Convention::Norse`] the time constants are read as `tau / dt` and
//! `w_syn = w_in`.
//!
//! lif's neurons add their input unscaled, so the state is kept in units of `w`: the
//! threshold becomes `v_threshold / w` and a readout's membrane is `w` times lif's. A scale
//! within NumPy's `allclose` of 1 counts as 1, as in snnTorch's import (exporters write
//! `r = tau/dt`, which rounds). Every value is computed in the precision the file stored it
//! in (f32 arithmetic for f32 arrays, with `dt` rounded to f32 first, as NumPy does with a
//! Python float), so that f32 parameters match snnTorch's bit for bit.

use lif_core::{LeakyConfig, Reset, SynapticConfig};

use crate::error::Error;
use crate::graph::{Array, Dtype, Node};
use crate::linear::broadcast;

/// A population's neurons, one parameter set per neuron. Readouts (LI, CubaLI) have an
/// infinite threshold, which a network built for a scalar replaces with that scalar's
/// largest value (so they never fire).
#[derive(Debug, Clone, PartialEq)]
pub enum Neurons {
    /// LIF, IF, LI and Threshold nodes.
    Leaky(Vec<LeakyConfig>),
    /// CubaLIF and CubaLI nodes.
    Synaptic(Vec<SynapticConfig>),
}

impl Neurons {
    /// The number of neurons.
    pub fn len(&self) -> usize {
        match self {
            Neurons::Leaky(v) => v.len(),
            Neurons::Synaptic(v) => v.len(),
        }
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same neurons with a readout's infinite threshold replaced by `never` (a
    /// scalar's largest value), ready to build.
    pub fn with_finite_thresholds(&self, never: f64) -> Neurons {
        let cap = |t: f64| if t.is_infinite() { never } else { t };
        match self {
            Neurons::Leaky(v) => Neurons::Leaky(
                v.iter()
                    .map(|c| LeakyConfig {
                        threshold: cap(c.threshold),
                        ..*c
                    })
                    .collect(),
            ),
            Neurons::Synaptic(v) => Neurons::Synaptic(
                v.iter()
                    .map(|c| SynapticConfig {
                        threshold: cap(c.threshold),
                        ..*c
                    })
                    .collect(),
            ),
        }
    }
}

/// What a neuron node becomes: the neurons, a constant input per neuron (from `v_leak`), the
/// factor from lif's membrane to NIR's `v`, and whether it spikes.
pub(crate) struct Discretised {
    pub neurons: Neurons,
    pub bias: Vec<f64>,
    pub scale: Vec<f64>,
    pub spiking: bool,
}

/// Arithmetic in the precision of the file's arrays.
#[derive(Clone, Copy)]
struct Prec {
    f32: bool,
}

impl Prec {
    fn of(arrays: &[&Array]) -> Self {
        Prec {
            f32: arrays.iter().all(|a| a.dtype() == Dtype::F32),
        }
    }
    fn r(self, v: f64) -> f64 {
        if self.f32 { f64::from(v as f32) } else { v }
    }
    fn div(self, a: f64, b: f64) -> f64 {
        self.r(self.r(a) / self.r(b))
    }
    fn mul(self, a: f64, b: f64) -> f64 {
        self.r(self.r(a) * self.r(b))
    }
    fn sub(self, a: f64, b: f64) -> f64 {
        self.r(self.r(a) - self.r(b))
    }
    /// `1 - dt/tau`.
    fn decay(self, dt: f64, tau: f64) -> f64 {
        self.sub(1.0, self.div(dt, tau))
    }
}

/// NumPy's `allclose(w, 1)`: such a scale counts as exactly 1.
fn unit_or(w: f64) -> f64 {
    if (w - 1.0).abs() <= 1e-8 + 1e-5 {
        1.0
    } else {
        w
    }
}

/// The spiking models' reset, chosen by the importer (the file cannot carry it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resets {
    pub reset: Reset,
    pub delay: bool,
}

pub(crate) fn discretise(
    node: &Node,
    name: &str,
    n: usize,
    dt: f64,
    resets: Resets,
    norse: bool,
) -> Result<Discretised, Error> {
    let v = |a: &Array| broadcast(a, n);
    // Norse writes `dt * tau` (its `dt / tau_inv`): read as `tau / dt`, in f64 (Norse's own
    // update rounds differently, so no precision can match it bit for bit).
    let taus = |a: &Array| -> Vec<f64> {
        if norse {
            v(a).iter().map(|t| t / dt).collect()
        } else {
            v(a)
        }
    };
    let prec = |arrays: &[&Array]| {
        if norse {
            Prec { f32: false }
        } else {
            Prec::of(arrays)
        }
    };
    let unsupported = |param: &str, what: &str| Error::Import {
        node: name.to_string(),
        problem: format!("{param} {what}"),
    };
    let nonzero = |a: &Array| v(a).iter().any(|&x| x != 0.0);
    let leaky = |beta, threshold, reset: Reset, reset_delay| LeakyConfig {
        beta,
        threshold,
        reset,
        reset_delay,
    };
    let mut bias = vec![0.0; n];
    let mut scale = vec![1.0; n];
    let (neurons, spiking) = match node {
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => {
            if resets.reset == Reset::Zero && nonzero(v_reset) {
                return Err(unsupported(
                    "v_reset",
                    "is not 0: lif resets to 0 (reset zero) or subtracts the threshold",
                ));
            }
            let p = prec(&[tau, r, v_threshold]);
            let (tau, r, vl, th) = (taus(tau), v(r), v(v_leak), v(v_threshold));
            let mut cfg = Vec::with_capacity(n);
            for i in 0..n {
                let w = unit_or(p.div(p.mul(r[i], dt), tau[i]));
                let beta = p.decay(dt, tau[i]);
                let threshold = if w == 1.0 { th[i] } else { p.div(th[i], w) };
                cfg.push(leaky(beta, threshold, resets.reset, resets.delay));
                bias[i] = vl[i] * (dt / tau[i]) / w;
                scale[i] = w;
            }
            (Neurons::Leaky(cfg), true)
        }
        Node::Li { tau, r, v_leak } => {
            let p = prec(&[tau, r]);
            let (tau, r, vl) = (taus(tau), v(r), v(v_leak));
            let mut cfg = Vec::with_capacity(n);
            for i in 0..n {
                let w = unit_or(p.div(p.mul(r[i], dt), tau[i]));
                cfg.push(leaky(
                    p.decay(dt, tau[i]),
                    f64::INFINITY,
                    Reset::None,
                    false,
                ));
                bias[i] = vl[i] * (dt / tau[i]) / w;
                scale[i] = w;
            }
            (Neurons::Leaky(cfg), false)
        }
        Node::If {
            r,
            v_threshold,
            v_reset,
        } => {
            if resets.reset == Reset::Zero && nonzero(v_reset) {
                return Err(unsupported(
                    "v_reset",
                    "is not 0: lif resets to 0 (reset zero) or subtracts the threshold",
                ));
            }
            let p = prec(&[r, v_threshold]);
            let (r, th) = (v(r), v(v_threshold));
            let mut cfg = Vec::with_capacity(n);
            for i in 0..n {
                let w = unit_or(r[i]);
                let threshold = if w == 1.0 { th[i] } else { p.div(th[i], w) };
                cfg.push(leaky(1.0, threshold, resets.reset, resets.delay));
                scale[i] = w;
            }
            (Neurons::Leaky(cfg), true)
        }
        Node::Threshold { threshold } => {
            let th = v(threshold);
            let cfg = th
                .iter()
                .map(|&t| leaky(0.0, t, Reset::Zero, false))
                .collect();
            (Neurons::Leaky(cfg), true)
        }
        Node::CubaLif {
            tau_mem,
            tau_syn,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => {
            if nonzero(v_leak) {
                return Err(unsupported(
                    "v_leak",
                    "is not 0: lif's Synaptic neuron has no membrane leak potential",
                ));
            }
            if resets.reset == Reset::Zero && nonzero(v_reset) {
                return Err(unsupported(
                    "v_reset",
                    "is not 0: lif resets to 0 (reset zero) or subtracts the threshold",
                ));
            }
            let p = prec(&[tau_mem, tau_syn, r, v_threshold, w_in]);
            let (tm, ts) = (taus(tau_mem), taus(tau_syn));
            let (r, th, wi) = (v(r), v(v_threshold), v(w_in));
            let mut cfg = Vec::with_capacity(n);
            for i in 0..n {
                let w = cuba_scale(p, dt, tm[i], ts[i], r[i], wi[i], norse);
                cfg.push(SynapticConfig {
                    alpha: p.decay(dt, ts[i]),
                    beta: p.decay(dt, tm[i]),
                    threshold: if w == 1.0 { th[i] } else { p.div(th[i], w) },
                    reset: resets.reset,
                    reset_delay: resets.delay,
                });
                scale[i] = w;
            }
            (Neurons::Synaptic(cfg), true)
        }
        Node::CubaLi {
            tau_mem,
            tau_syn,
            r,
            v_leak,
            w_in,
        } => {
            if nonzero(v_leak) {
                return Err(unsupported(
                    "v_leak",
                    "is not 0: lif's Synaptic neuron has no membrane leak potential",
                ));
            }
            let p = prec(&[tau_mem, tau_syn, r, w_in]);
            let (tm, ts, r, wi) = (taus(tau_mem), taus(tau_syn), v(r), v(w_in));
            let mut cfg = Vec::with_capacity(n);
            for i in 0..n {
                let w = cuba_scale(p, dt, tm[i], ts[i], r[i], wi[i], norse);
                cfg.push(SynapticConfig {
                    alpha: p.decay(dt, ts[i]),
                    beta: p.decay(dt, tm[i]),
                    threshold: f64::INFINITY,
                    reset: Reset::None,
                    reset_delay: false,
                });
                scale[i] = w;
            }
            (Neurons::Synaptic(cfg), false)
        }
        other => unreachable!("{} is not a neuron node", other.type_name()),
    };
    check(&neurons, name, dt)?;
    Ok(Discretised {
        neurons,
        bias,
        scale,
        spiking,
    })
}

/// `w_in (dt/tau_syn)` (Norse: `w_in`, its current jumps by the input unscaled) times
/// `r dt/tau_mem`, each counted as 1 when close to it.
fn cuba_scale(p: Prec, dt: f64, tau_mem: f64, tau_syn: f64, r: f64, w_in: f64, norse: bool) -> f64 {
    let w_syn = if norse {
        unit_or(w_in)
    } else {
        unit_or(p.mul(w_in, p.div(dt, tau_syn)))
    };
    let w_mem = unit_or(p.div(p.mul(r, dt), tau_mem));
    if w_mem == 1.0 {
        w_syn
    } else {
        p.mul(w_syn, w_mem)
    }
}

/// Each neuron's parameters are valid for lif (in f64; a readout's infinite threshold
/// stands for "never"), with an error naming the node, the neuron and, for a decay out of
/// `[0, 1]`, the time step.
fn check(neurons: &Neurons, name: &str, dt: f64) -> Result<(), Error> {
    let results: Vec<Result<(), lif_core::Error>> = match neurons.with_finite_thresholds(f64::MAX) {
        Neurons::Leaky(v) => v.iter().map(|c| c.build::<f64>().map(drop)).collect(),
        Neurons::Synaptic(v) => v.iter().map(|c| c.build::<f64>().map(drop)).collect(),
    };
    for (i, r) in results.into_iter().enumerate() {
        if let Err(e) = r {
            let hint = match e {
                lif_core::Error::Param {
                    name: "alpha" | "beta",
                    value,
                    ..
                } if value < 0.0 => {
                    format!(" (dt = {dt} s is longer than the time constant: choose a smaller dt)")
                }
                _ => String::new(),
            };
            return Err(Error::Import {
                node: name.to_string(),
                problem: format!("neuron {i}: {e}{hint}"),
            });
        }
    }
    Ok(())
}
