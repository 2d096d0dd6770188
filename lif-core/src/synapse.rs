//! Synapse channels: the current a target population receives from its projections.
//!
//! Each target neuron has one value `g` per channel (excitatory, inhibitory, ...) and a delay
//! buffer of `slots` steps per channel. Projections add spikes' weights into the slot of the
//! step they arrive in ([`crate::projection::Projection::deliver`]). At step `t`, before the
//! neuron is stepped, [`Synapses::collect`] takes slot `t mod slots`, clears it, and for each
//! channel `c`, in order:
//!
//! - `g_c = g_c * decay_c + arrived_c` (exponential channel, `decay_c = exp(-dt / tau_c)`);
//!   `g_c = arrived_c` for an instantaneous channel (a feed-forward layer's current);
//! - the neuron's input is `((x + bias) + gain_0 * g_0) + gain_1 * g_1 + ...`, where `x` is
//!   the external input already in the input buffer and the bias is added when there is one.
//!
//! With [`ChannelConfig::exact_for_lif`]'s gain, a channel feeding a [`crate::Lif`] neuron
//! with exact integration reproduces the exact solution of
//! `tau_m dv/dt = -(v - v_rest) + R g`, `tau_c dg/dt = -g` over each step (Brian2's
//! `method='exact'` for CUBA).
//!
//! Layout of a view of `len` neurons (neuron `k` of the view): `g[c * len + k]`,
//! `ring[(slot * channels + c) * len + k]`, so that each channel's loop runs over contiguous
//! arrays. A backend that splits a population into ranges keeps one such block per range.

use core::ops::Range;

use crate::error::{Error, ParamProblem, param as perr};
use crate::param;
use crate::scalar::Scalar;

/// Parameters of one synapse channel, in f64.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct ChannelConfig {
    /// Decay time constant, in the units of `dt`; `None` for an instantaneous channel (the
    /// step's arrivals only, nothing carried over).
    pub tau: Option<f64>,
    /// Factor from the channel's value to the neuron's input.
    pub gain: f64,
}

impl ChannelConfig {
    /// A channel that passes each step's arrivals straight to the input (gain 1).
    pub const fn instantaneous() -> Self {
        Self {
            tau: None,
            gain: 1.0,
        }
    }

    /// An exponentially decaying channel with time constant `tau` and gain 1.
    pub const fn exponential(tau: f64) -> Self {
        Self {
            tau: Some(tau),
            gain: 1.0,
        }
    }

    /// The gain with which a channel of time constant `tau_syn` feeding a [`crate::Lif`]
    /// neuron (`tau_m`, resistance `r`, exact integration) gives the exact solution over a
    /// step of `dt`: with `em = exp(-dt/tau_m)`, `es = exp(-dt/tau_syn)`,
    /// `gain = tau_syn / (tau_syn - tau_m) * (es - em) / (r * (1 - em))`. The neuron adds
    /// `r * input * (1 - em)` per step, so its membrane gains `g * tau_syn / (tau_syn -
    /// tau_m) * (es - em)`, the exact integral of the decaying current. Computed in f64.
    pub fn exact_for_lif(tau_syn: f64, tau_m: f64, r: f64, dt: f64) -> Result<f64, Error> {
        let tau_syn = param::positive("tau_syn", tau_syn)?;
        let tau_m = param::positive("tau", tau_m)?;
        let r = param::positive("r", r)?;
        let dt = param::positive("dt", dt)?;
        if tau_syn == tau_m {
            return Err(perr(
                "tau_syn",
                tau_syn,
                ParamProblem::Conflict {
                    with: "tau (the exact gain needs tau_syn != tau)",
                },
            ));
        }
        let em = libm::exp(-dt / tau_m);
        let es = libm::exp(-dt / tau_syn);
        Ok(tau_syn / (tau_syn - tau_m) * (es - em) / (r * (1.0 - em)))
    }

    /// Validates the channel for a step of `dt` and converts it to `S`.
    pub fn build<S: Scalar>(&self, dt: f64) -> Result<Channel<S>, Error> {
        let dt = param::positive("dt", dt)?;
        let gain = param::finite("gain", self.gain)?;
        let decay = match self.tau {
            None => None,
            Some(tau) => {
                let tau = param::positive("tau_syn", tau)?;
                let d = libm::exp(-dt / tau);
                let s = param::to_scalar::<S>("tau_syn", d)?;
                if s == S::ZERO {
                    return Err(perr(
                        "tau_syn",
                        tau,
                        ParamProblem::Degenerate {
                            scalar: S::NAME,
                            derived: "exp(-dt/tau_syn)",
                        },
                    ));
                }
                Some(s)
            }
        };
        let gain = if gain == 1.0 {
            None
        } else {
            let g = param::to_scalar::<S>("gain", gain)?;
            if g == S::ZERO {
                return Err(perr(
                    "gain",
                    gain,
                    ParamProblem::Degenerate {
                        scalar: S::NAME,
                        derived: "gain",
                    },
                ));
            }
            Some(g)
        };
        Ok(Channel { decay, gain })
    }
}

/// A validated synapse channel in `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(C)]
pub struct Channel<S> {
    decay: Option<S>,
    gain: Option<S>,
}

impl<S: Scalar> Channel<S> {
    /// `exp(-dt / tau)`, or `None` for an instantaneous channel.
    pub fn decay(&self) -> Option<S> {
        self.decay
    }

    /// The gain, or `None` when it is 1.
    pub fn gain(&self) -> Option<S> {
        self.gain
    }

    /// The channel's value after a step from `g` with `arrived` added: `g * decay +
    /// arrived`, or `arrived` for an instantaneous channel. The one place of this formula:
    /// [`Synapses::collect`] and the GPU kernels call it.
    #[inline(always)]
    pub fn update(decay: Option<S>, g: S, arrived: S) -> S {
        match decay {
            Some(d) => g.scale(d).add(arrived),
            None => arrived,
        }
    }

    /// What a channel of value `g` adds to the input: `g * gain` (`g` for gain 1).
    #[inline(always)]
    pub fn contribution(gain: Option<S>, g: S) -> S {
        match gain {
            Some(k) => g.mul(k),
            None => g,
        }
    }
}

/// The channel values and delay buffers of neurons `first..first + len` of a target
/// population, over caller-owned slices (the whole population, or one thread's range).
#[derive(Debug)]
pub struct Synapses<'a, S> {
    channels: &'a [Channel<S>],
    slots: usize,
    first: usize,
    len: usize,
    population: usize,
    ring: &'a mut [S],
    g: &'a mut [S],
}

impl<'a, S: Scalar> Synapses<'a, S> {
    /// The synapses of a whole population: `g` holds `n * channels` values and `ring`
    /// `n * slots * channels` (layout in the module docs); `slots >= 1` is the longest
    /// delay the buffer holds.
    pub fn new(
        channels: &'a [Channel<S>],
        slots: usize,
        n: usize,
        ring: &'a mut [S],
        g: &'a mut [S],
    ) -> Result<Self, Error> {
        Self::part(channels, slots, n, 0..n, ring, g)
    }

    /// The synapses of neurons `range` of a population of `n`: `g` and `ring` hold that
    /// range's own buffers (laid out for `range.len()` neurons).
    pub fn part(
        channels: &'a [Channel<S>],
        slots: usize,
        n: usize,
        range: Range<usize>,
        ring: &'a mut [S],
        g: &'a mut [S],
    ) -> Result<Self, Error> {
        if slots == 0 {
            return Err(Error::Length {
                buffer: "delay slots",
                expected: 1,
                actual: 0,
            });
        }
        if range.start > range.end || range.end > n {
            return Err(Error::Length {
                buffer: "synapse range",
                expected: n,
                actual: range.end,
            });
        }
        let len = range.end - range.start;
        let c = channels.len();
        let want_g = len.saturating_mul(c);
        if g.len() != want_g {
            return Err(Error::Length {
                buffer: "channel values",
                expected: want_g,
                actual: g.len(),
            });
        }
        let want_ring = want_g.saturating_mul(slots);
        if ring.len() != want_ring {
            return Err(Error::Length {
                buffer: "delay buffer",
                expected: want_ring,
                actual: ring.len(),
            });
        }
        Ok(Self {
            channels,
            slots,
            first: range.start,
            len,
            population: n,
            ring,
            g,
        })
    }

    /// The neurons this view holds.
    #[inline]
    pub fn range(&self) -> Range<usize> {
        self.first..self.first + self.len
    }

    /// The size of the whole target population.
    #[inline]
    pub fn population_len(&self) -> usize {
        self.population
    }

    /// The longest delay the buffer holds.
    #[inline]
    pub fn slots(&self) -> usize {
        // Never 0 (`part` refuses it); the `max` lets the compiler see that, so dividing by
        // it links no division-by-zero panic into the firmware.
        self.slots.max(1)
    }

    /// The channels.
    #[inline]
    pub fn channels(&self) -> &[Channel<S>] {
        self.channels
    }

    /// The channel values of the view's neurons, `g[c * len + k]`.
    pub fn values(&self) -> &[S] {
        self.g
    }

    /// Adds `w` into channel `channel` of neuron `j` (population index, within the view's
    /// range) for step `arrival`, saturating; an index outside the view is ignored.
    #[inline(always)]
    pub fn add(&mut self, j: usize, arrival: u64, channel: usize, w: S) {
        let slot = (arrival % self.slots() as u64) as usize;
        self.add_at_slot(j, slot, channel, w);
    }

    /// The arrivals of channel `channel` at slot `slot` (`arrival mod slots`), and the
    /// population index of its first neuron: neuron `j` is at `j - first`.
    #[inline(always)]
    pub fn lane(&mut self, slot: usize, channel: usize) -> (&mut [S], usize) {
        let (len, c) = (self.len, self.channels.len());
        let start = (slot * c + channel) * len;
        let lane = self.ring.get_mut(start..start + len).unwrap_or_default();
        (lane, self.first)
    }

    /// [`Synapses::add`] with the slot already computed (`arrival mod slots`).
    #[inline(always)]
    pub fn add_at_slot(&mut self, j: usize, slot: usize, channel: usize, w: S) {
        let c = self.channels.len();
        let at = (slot * c + channel) * self.len + j.wrapping_sub(self.first);
        if j.wrapping_sub(self.first) < self.len
            && let Some(x) = self.ring.get_mut(at)
        {
            *x = x.add(w);
        }
    }

    /// Step `t`'s synaptic input: takes and clears the arrivals of slot `t mod slots`,
    /// updates every channel and adds the bias (when given, one per neuron of the view) and
    /// each channel's contribution to `input` (one per neuron of the view, holding the
    /// external input, or zeros), in the order of the module docs.
    #[inline(always)]
    pub fn collect(&mut self, t: u64, bias: Option<&[S]>, input: &mut [S]) {
        let len = self.len;
        let c = self.channels.len();
        let slot = (t % self.slots() as u64) as usize;
        let input = match input.get_mut(..len) {
            Some(x) => x,
            None => return,
        };
        if let Some(b) = bias.and_then(|b| b.get(..len)) {
            for (x, &b) in input.iter_mut().zip(b) {
                *x = x.add(b);
            }
        }
        let Some(arrived) = self.ring.get_mut(slot * c * len..(slot + 1) * c * len) else {
            return;
        };
        // Channel by channel over the neurons: each neuron still adds its channels in
        // order, and each loop runs over contiguous arrays (it vectorises).
        for ((ch, g), a) in self
            .channels
            .iter()
            .zip(self.g.chunks_exact_mut(len.max(1)))
            .zip(arrived.chunks_exact_mut(len.max(1)))
        {
            // Each combination its own loop, the options resolved outside it.
            let (upd, con) = (Channel::update, Channel::contribution);
            match (ch.decay, ch.gain) {
                (Some(d), Some(k)) => {
                    channel_loop(input, g, a, |g, a| upd(Some(d), g, a), |v| con(Some(k), v))
                }
                (Some(d), None) => {
                    channel_loop(input, g, a, |g, a| upd(Some(d), g, a), |v| con(None, v))
                }
                (None, Some(k)) => {
                    channel_loop(input, g, a, |g, a| upd(None, g, a), |v| con(Some(k), v))
                }
                (None, None) => channel_loop(input, g, a, |g, a| upd(None, g, a), |v| con(None, v)),
            }
        }
    }
}

/// One channel's update over a view's neurons: `g = update(g, arrived)`, the arrivals
/// cleared, `input += contribution(g)`.
#[inline(always)]
fn channel_loop<S: Scalar>(
    input: &mut [S],
    g: &mut [S],
    arrived: &mut [S],
    update: impl Fn(S, S) -> S,
    contribution: impl Fn(S) -> S,
) {
    for ((x, g), a) in input.iter_mut().zip(g.iter_mut()).zip(arrived.iter_mut()) {
        let v = update(*g, *a);
        *a = S::ZERO;
        *g = v;
        *x = x.add(contribution(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::I16F16;

    #[test]
    fn exponential_channels_decay_then_add_and_sum_with_their_gains() {
        let e = ChannelConfig::exponential(5.0).build::<f64>(1.0).unwrap();
        let i = ChannelConfig {
            tau: None,
            gain: -2.0,
        }
        .build::<f64>(1.0)
        .unwrap();
        let channels = [e, i];
        let (mut ring, mut g) = ([0.0f64; 2 * 2 * 2], [0.0f64; 2 * 2]);
        let mut syn = Synapses::new(&channels, 2, 2, &mut ring, &mut g).unwrap();
        syn.add(1, 0, 0, 1.0);
        syn.add(1, 0, 1, 0.25);
        syn.add(0, 1, 0, 3.0);
        let mut x = [10.0, 20.0];
        syn.collect(0, Some(&[1.0, 2.0]), &mut x);
        assert_eq!(x, [11.0, 22.0 + 1.0 - 0.5]);
        let mut x = [0.0; 2];
        syn.collect(1, None, &mut x);
        let d = libm::exp(-1.0 / 5.0);
        assert_eq!(x, [3.0, d]);
        let mut x = [0.0; 2];
        syn.collect(2, None, &mut x); // slot 0 was cleared when it was taken
        assert_eq!(x, [3.0 * d, d * d]);
    }

    #[test]
    fn bad_channels_and_buffers_are_refused_by_name() {
        let err = ChannelConfig::exponential(-1.0)
            .build::<f32>(0.1)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Param {
                    name: "tau_syn",
                    ..
                }
            ),
            "{err}"
        );
        let err = ChannelConfig::exponential(1e-9)
            .build::<I16F16>(1.0)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Param {
                    name: "tau_syn",
                    ..
                }
            ),
            "{err}"
        );
        let ch = [ChannelConfig::instantaneous().build::<f32>(0.1).unwrap()];
        let (mut ring, mut g) = ([0.0f32; 3], [0.0f32; 2]);
        let err = Synapses::new(&ch, 1, 3, &mut ring, &mut g).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Length {
                    buffer: "channel values",
                    ..
                }
            ),
            "{err}"
        );
        assert!(ChannelConfig::exact_for_lif(20.0, 20.0, 1.0, 0.1).is_err());
    }

    #[test]
    fn the_exact_gain_integrates_a_decaying_current_exactly() {
        // v' = (g - v) / tau_m, g' = -g / tau_s from v = 0, g = 1, over one step.
        let (tau_m, tau_s, dt) = (20.0, 5.0, 0.1);
        let gain = ChannelConfig::exact_for_lif(tau_s, tau_m, 1.0, dt).unwrap();
        let em = libm::exp(-dt / tau_m);
        let lif_step = gain * (1.0 - em); // Lif's exact step from v = 0 with input `gain`
        let es = libm::exp(-dt / tau_s);
        let analytic = tau_s / (tau_s - tau_m) * (es - em);
        assert!((lif_step - analytic).abs() < 1e-15);
        // And against a fine Euler integration of the pair.
        let (mut v, mut g, h) = (0.0f64, 1.0f64, dt / 100_000.0);
        for _ in 0..100_000 {
            v += h * (g - v) / tau_m;
            g -= h * g / tau_s;
        }
        assert!((v - analytic).abs() < 1e-8, "{v} {analytic}");
    }
}
