//! Dense synapse layers, accumulated event-driven: a step costs one weight row per
//! presynaptic spike, not one per presynaptic neuron.

use lif_core::{Error, ParamProblem, Scalar};

use crate::spikes::for_each_spike;

/// A set of synapses from `PRE` presynaptic neurons onto `POST` postsynaptic ones.
pub trait Synapses<S: Scalar, const PRE: usize, const POST: usize> {
    /// Adds the weight rows of the presynaptic neurons that spiked (`pre`, packed) to
    /// `current`, saturating.
    fn accumulate(&self, pre: &[u32], current: &mut [S; POST]);
}

/// Weights in the scalar type itself: `weights[pre][post]`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Dense<S, const PRE: usize, const POST: usize> {
    weights: [[S; POST]; PRE],
}

impl<S: Scalar, const PRE: usize, const POST: usize> Dense<S, PRE, POST> {
    /// Wraps ready weights.
    pub fn new(weights: [[S; POST]; PRE]) -> Self {
        Self { weights }
    }

    /// Converts f64 weights, refusing NaN and values that do not fit `S`.
    pub fn from_f64(weights: &[[f64; POST]; PRE]) -> Result<Self, Error> {
        let mut out = [[S::ZERO; POST]; PRE];
        for (row, src) in out.iter_mut().zip(weights) {
            for (w, &v) in row.iter_mut().zip(src) {
                *w = S::from_f64(v).ok_or(Error::Param {
                    name: "weight",
                    value: v,
                    problem: if v.is_finite() {
                        ParamProblem::Overflow { scalar: S::NAME }
                    } else {
                        ParamProblem::NotFinite
                    },
                })?;
            }
        }
        Ok(Self { weights: out })
    }

    /// The weights.
    pub fn weights(&self) -> &[[S; POST]; PRE] {
        &self.weights
    }
}

impl<S: Scalar, const PRE: usize, const POST: usize> Synapses<S, PRE, POST>
    for Dense<S, PRE, POST>
{
    #[inline]
    fn accumulate(&self, pre: &[u32], current: &mut [S; POST]) {
        for_each_spike(pre, PRE, |i| {
            if let Some(row) = self.weights.get(i) {
                for (c, &w) in current.iter_mut().zip(row) {
                    *c = c.add(w);
                }
            }
        });
    }
}

/// i8 weights with one scale: weight `(pre, post)` is `weights[pre][post] * scale`. Spikes
/// add integer rows into an i32 accumulator; the scale is applied once per postsynaptic
/// neuron per step (4x less weight memory than f32, and integer adds in the event loop).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DenseQ<S, const PRE: usize, const POST: usize> {
    weights: [[i8; POST]; PRE],
    scale: S,
}

impl<S: Scalar, const PRE: usize, const POST: usize> DenseQ<S, PRE, POST> {
    /// Wraps ready quantised weights and their scale.
    pub fn new(weights: [[i8; POST]; PRE], scale: S) -> Self {
        Self { weights, scale }
    }

    /// Quantises f64 weights symmetrically: `scale = max|w| / 127`, `q = round(w / scale)`.
    /// Each weight is then off by at most `scale / 2`.
    pub fn quantize(weights: &[[f64; POST]; PRE]) -> Result<Self, Error> {
        let mut max = 0.0f64;
        for &v in weights.iter().flatten() {
            if !v.is_finite() {
                return Err(Error::Param {
                    name: "weight",
                    value: v,
                    problem: ParamProblem::NotFinite,
                });
            }
            max = max.max(v.abs());
        }
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let scale_s = S::from_f64(scale).ok_or(Error::Param {
            name: "weight",
            value: max,
            problem: ParamProblem::Overflow { scalar: S::NAME },
        })?;
        if scale_s == S::ZERO {
            return Err(Error::Param {
                name: "weight",
                value: max,
                problem: ParamProblem::Degenerate {
                    scalar: S::NAME,
                    derived: "scale = max|w|/127",
                },
            });
        }
        let mut q = [[0i8; POST]; PRE];
        for (row, src) in q.iter_mut().zip(weights) {
            for (w, &v) in row.iter_mut().zip(src) {
                // |v / scale| <= 127 by construction of scale.
                *w = libm::round(v / scale) as i8;
            }
        }
        Ok(Self {
            weights: q,
            scale: scale_s,
        })
    }

    /// The quantised weights.
    pub fn weights(&self) -> &[[i8; POST]; PRE] {
        &self.weights
    }

    /// The scale.
    pub fn scale(&self) -> S {
        self.scale
    }
}

impl<S: Scalar, const PRE: usize, const POST: usize> Synapses<S, PRE, POST>
    for DenseQ<S, PRE, POST>
{
    #[inline]
    fn accumulate(&self, pre: &[u32], current: &mut [S; POST]) {
        let mut acc = [0i32; POST];
        for_each_spike(pre, PRE, |i| {
            if let Some(row) = self.weights.get(i) {
                for (a, &w) in acc.iter_mut().zip(row) {
                    *a = a.saturating_add(w as i32);
                }
            }
        });
        for (c, a) in current.iter_mut().zip(acc) {
            if a != 0 {
                *c = c.add(S::from_int(a).mul(self.scale));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lif_core::I16F16;

    #[test]
    fn only_rows_of_spiking_neurons_are_added() {
        let d = Dense::<f32, 3, 2>::new([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]]);
        let mut c = [0.5f32; 2];
        d.accumulate(&[0b101], &mut c);
        assert_eq!(c, [101.5, 202.5]);
        let mut c = [0.0f32; 2];
        d.accumulate(&[0b1000], &mut c); // bit 3 is past PRE: ignored
        assert_eq!(c, [0.0, 0.0]);
    }

    #[test]
    fn quantised_weights_track_the_float_weights() {
        let w = [[0.5, -0.25, 0.0], [0.125, 1.0, -1.0]];
        let q = DenseQ::<I16F16, 2, 3>::quantize(&w).unwrap();
        let mut c = [I16F16::ZERO; 3];
        q.accumulate(&[0b11], &mut c);
        for (j, cj) in c.iter().enumerate() {
            let want = w[0][j] + w[1][j];
            assert!(
                (cj.to_num::<f64>() - want).abs() <= 2.0 * (1.0 / 127.0) / 2.0 + 1e-4,
                "{j}"
            );
        }
        assert!(DenseQ::<I16F16, 1, 1>::quantize(&[[f64::NAN]]).is_err());
        assert!(Dense::<I16F16, 1, 1>::from_f64(&[[1e6]]).is_err());
    }
}
