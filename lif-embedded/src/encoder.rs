//! Spike encoders for sensor streams. Each turns `C` sensor values per step into packed
//! spikes on its own fixed number of channels.

use lif_core::{Counter, Error, ParamProblem, Scalar};

use crate::spikes;

/// Turns one step of `C` sensor values into packed spikes.
pub trait Encoder<S: Scalar, const C: usize> {
    /// Number of output channels.
    const CHANNELS: usize;
    /// Encodes one step; returns the spikes (`words(CHANNELS)` words).
    fn encode(&mut self, x: &[S; C]) -> Result<&[u32], Error>;
}

fn check_finite<S: Scalar>(x: &[S]) -> Result<(), Error> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            buffer: "sensor",
            index,
        }),
        None => Ok(()),
    }
}

/// Rate coding: channel `i` spikes with probability `clamp(gain * x[i], 0, 1)` each step.
/// The draw of channel `i` at the encoder's step `t` is lif-core's counter-based generator
/// (`Counter::new(seed).at(t).draw(0).word(i)` as the uniform), as generated
/// input draws on every backend: no state per channel, and the host reproduces the
/// firmware's spikes from the seed alone.
#[derive(Debug, Clone)]
pub struct RateEncoder<S, const C: usize, const W: usize> {
    gain: S,
    draws: Counter,
    /// Steps encoded so far.
    t: u64,
    out: [u32; W],
}

impl<S: Scalar, const C: usize, const W: usize> RateEncoder<S, C, W> {
    const WORDS_MATCH: () = assert!(W == C.div_ceil(32), "W must be words(C)");

    /// A rate encoder with spike probability `gain * x` per step.
    pub fn new(gain: S, seed: u64) -> Self {
        let () = Self::WORDS_MATCH;
        Self {
            gain,
            draws: Counter::new(seed),
            t: 0,
            out: [0; W],
        }
    }
}

impl<S: Scalar, const C: usize, const W: usize> Encoder<S, C> for RateEncoder<S, C, W> {
    const CHANNELS: usize = C;
    fn encode(&mut self, x: &[S; C]) -> Result<&[u32], Error> {
        check_finite(x)?;
        self.out = [0; W];
        let gate = self.draws.at(self.t).draw(0);
        self.t = self.t.wrapping_add(1);
        for (i, &v) in x.iter().enumerate() {
            let p = self.gain.mul(v);
            let spike = S::unit(gate.word(i as u64)) < p;
            spikes::set(&mut self.out, i, spike);
        }
        Ok(&self.out)
    }
}

/// Delta (send-on-delta) coding: channel `2i` spikes when `x[i]` has risen by `threshold`
/// since the last event of input `i`, channel `2i + 1` when it has fallen by as much; the
/// reference then moves by `threshold` toward the input (one event per step at most).
#[derive(Debug, Clone)]
pub struct DeltaEncoder<S, const C: usize, const W: usize> {
    threshold: S,
    reference: [S; C],
    out: [u32; W],
}

impl<S: Scalar, const C: usize, const W: usize> DeltaEncoder<S, C, W> {
    const WORDS_MATCH: () = assert!(W == (2 * C).div_ceil(32), "W must be words(2 * C)");

    /// A delta encoder starting from reference `start` for every input.
    pub fn new(threshold: f64, start: S) -> Result<Self, Error> {
        let () = Self::WORDS_MATCH;
        let t = if threshold.is_finite() && threshold > 0.0 {
            S::from_f64(threshold)
        } else {
            None
        };
        match t {
            Some(t) if t > S::ZERO => Ok(Self {
                threshold: t,
                reference: [start; C],
                out: [0; W],
            }),
            _ => Err(Error::Param {
                name: "threshold",
                value: threshold,
                problem: ParamProblem::OutOfRange {
                    allowed: "> 0 and representable",
                },
            }),
        }
    }
}

impl<S: Scalar, const C: usize, const W: usize> Encoder<S, C> for DeltaEncoder<S, C, W> {
    const CHANNELS: usize = 2 * C;
    fn encode(&mut self, x: &[S; C]) -> Result<&[u32], Error> {
        check_finite(x)?;
        self.out = [0; W];
        for (i, (r, &v)) in self.reference.iter_mut().zip(x).enumerate() {
            let up = i.saturating_mul(2);
            if v.sub(*r) >= self.threshold {
                *r = r.add(self.threshold);
                spikes::set(&mut self.out, up, true);
            } else if r.sub(v) >= self.threshold {
                *r = r.sub(self.threshold);
                spikes::set(&mut self.out, up.saturating_add(1), true);
            }
        }
        Ok(&self.out)
    }
}

/// Latency (time-to-first-spike) coding over windows of `window` steps: at the start of a
/// window the inputs are latched; channel `i` spikes once, at the first step `k` where
/// `x[i] >= 1 - k / (window - 1)` (so 1 fires at once, 0 on the last step, below 0 never).
#[derive(Debug, Clone)]
pub struct LatencyEncoder<S, const C: usize, const W: usize> {
    window: u16,
    step: u16,
    decrement: S,
    level: S,
    latched: [S; C],
    fired: [u32; W],
    out: [u32; W],
}

impl<S: Scalar, const C: usize, const W: usize> LatencyEncoder<S, C, W> {
    const WORDS_MATCH: () = assert!(W == C.div_ceil(32), "W must be words(C)");

    /// A latency encoder with windows of `window >= 2` steps.
    pub fn new(window: u16) -> Result<Self, Error> {
        let () = Self::WORDS_MATCH;
        let dec = if window >= 2 {
            S::from_f64(1.0 / f64::from(window.saturating_sub(1)))
        } else {
            None
        };
        match dec {
            Some(decrement) if decrement > S::ZERO => Ok(Self {
                window,
                step: 0,
                decrement,
                level: S::ONE,
                latched: [S::ZERO; C],
                fired: [0; W],
                out: [0; W],
            }),
            _ => Err(Error::Param {
                name: "window",
                value: f64::from(window),
                problem: ParamProblem::OutOfRange {
                    allowed: ">= 2 and 1/(window-1) representable",
                },
            }),
        }
    }
}

impl<S: Scalar, const C: usize, const W: usize> Encoder<S, C> for LatencyEncoder<S, C, W> {
    const CHANNELS: usize = C;
    fn encode(&mut self, x: &[S; C]) -> Result<&[u32], Error> {
        check_finite(x)?;
        if self.step == 0 {
            self.latched = *x;
            self.fired = [0; W];
            self.level = S::ONE;
        }
        self.out = [0; W];
        for (i, &v) in self.latched.iter().enumerate() {
            if !spikes::get(&self.fired, i) && v >= self.level {
                spikes::set(&mut self.fired, i, true);
                spikes::set(&mut self.out, i, true);
            }
        }
        self.level = self.level.sub(self.decrement);
        self.step = self.step.saturating_add(1);
        if self.step >= self.window {
            self.step = 0;
        }
        Ok(&self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lif_core::I16F16;

    #[test]
    fn rate_follows_the_probability() {
        let mut e = RateEncoder::<f32, 3, 1>::new(1.0, 9);
        let mut counts = [0u32; 3];
        for _ in 0..10_000 {
            let s = e.encode(&[0.0, 0.25, 1.0]).unwrap();
            for (i, c) in counts.iter_mut().enumerate() {
                *c += spikes::get(s, i) as u32;
            }
        }
        assert_eq!(counts[0], 0);
        assert!((2_300..2_700).contains(&counts[1]), "{counts:?}");
        assert_eq!(counts[2], 10_000);
        assert!(e.encode(&[0.0, f32::NAN, 0.0]).is_err());
    }

    #[test]
    fn delta_fires_on_changes_of_threshold_size() {
        let mut e = DeltaEncoder::<I16F16, 1, 1>::new(0.5, I16F16::ZERO).unwrap();
        let x = |v: f64| [I16F16::from_num(v)];
        assert_eq!(e.encode(&x(0.3)).unwrap(), &[0]);
        assert_eq!(e.encode(&x(0.6)).unwrap(), &[0b01]);
        assert_eq!(e.encode(&x(0.6)).unwrap(), &[0]);
        assert_eq!(e.encode(&x(-0.5)).unwrap(), &[0b10]);
        assert_eq!(e.encode(&x(-0.5)).unwrap(), &[0b10]);
        assert_eq!(e.encode(&x(-0.5)).unwrap(), &[0]);
        assert!(DeltaEncoder::<I16F16, 1, 1>::new(0.0, I16F16::ZERO).is_err());
    }

    #[test]
    fn latency_encodes_intensity_as_first_spike_time() {
        let mut e = LatencyEncoder::<f32, 3, 1>::new(5).unwrap();
        let mut first = [None; 3];
        for k in 0..10 {
            let s = e.encode(&[1.0, 0.5, -1.0]).unwrap().to_vec();
            for (i, f) in first.iter_mut().enumerate() {
                if spikes::get(&s, i) && k < 5 {
                    assert!(f.is_none(), "one spike per window");
                    *f = Some(k);
                }
            }
        }
        assert_eq!(first, [Some(0), Some(2), None]);
        assert!(LatencyEncoder::<f32, 1, 1>::new(1).is_err());
    }
}
