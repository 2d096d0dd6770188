//! Turning an input spec into what the simulator consumes, chunk by chunk of steps.

use std::path::Path;

use lif_core::{RngState, Scalar, Stimulus};

use crate::config::{ConfigError, InputSpec};

/// Salt of the noise streams (distinct from the model and input streams of the same seed).
const NOISE_SALT: u64 = 0x6e6f_6973_655f_7331;

/// Salt of the additive noise streams (`noise` on top of any input).
const ADDED_NOISE_SALT: u64 = 0x6164_6465_645f_6e31;

/// An input source for a run of `steps` steps of `n` neurons.
pub enum Source<S> {
    /// Generated on the backend by lif-core.
    Generated(Stimulus<S>),
    /// Values computed on the host, per step and neuron.
    Host(HostInput),
    /// `base` plus seeded Gaussian noise of standard deviation `std`, on the host. A generated
    /// base is replayed on the host from the same per-neuron input streams the backend uses.
    Noisy {
        base: Box<Source<S>>,
        std: f64,
        noise: Vec<RngState>,
        replay: Vec<RngState>,
    },
}

pub enum HostInput {
    /// The same value for every neuron at step t.
    Shared(Box<dyn Fn(u64) -> f64>),
    /// Gaussian per neuron and step.
    Noise {
        mean: f64,
        std: f64,
        streams: Vec<RngState>,
    },
    /// Loaded from a file, row-major with `cols` = 1 or n values per step (at least `steps` rows).
    Table { cols: usize, data: Vec<f64> },
}

fn convert<S: Scalar>(field: &str, v: f64) -> Result<S, ConfigError> {
    S::from_f64(v).ok_or_else(|| ConfigError(format!("{field}: {v} does not fit {}", S::NAME)))
}

impl<S: Scalar> Source<S> {
    /// The source of `spec`, plus Gaussian noise of standard deviation `noise` when > 0.
    pub fn new(
        spec: &InputSpec,
        noise: f64,
        n: usize,
        steps: usize,
        seed: u64,
    ) -> Result<Self, ConfigError> {
        let base = Self::shape(spec, n, steps, seed)?;
        if noise == 0.0 {
            return Ok(base);
        }
        let replay = match base {
            Source::Generated(_) => (0..n as u64)
                .map(|i| lif_core::input::input_stream(seed, i))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Source::Noisy {
            base: Box::new(base),
            std: noise,
            noise: (0..n as u64)
                .map(|i| RngState::for_neuron(seed ^ ADDED_NOISE_SALT, i))
                .collect(),
            replay,
        })
    }

    fn shape(spec: &InputSpec, n: usize, steps: usize, seed: u64) -> Result<Self, ConfigError> {
        Ok(match spec.clone() {
            InputSpec::Constant { value } => {
                Source::Generated(Stimulus::Constant(convert("input.value", value)?))
            }
            InputSpec::Step { before, after, at } => Source::Generated(Stimulus::Step {
                before: convert("input.before", before)?,
                after: convert("input.after", after)?,
                at,
            }),
            InputSpec::Poisson { p, amplitude } => Source::Generated(Stimulus::Poisson {
                p: convert("input.p", p)?,
                amplitude: convert("input.amplitude", amplitude)?,
            }),
            InputSpec::Pulse {
                amplitude,
                start,
                width,
                period,
            } => Source::Host(HostInput::Shared(Box::new(move |t| {
                if t >= start && (t - start) % period < width {
                    amplitude
                } else {
                    0.0
                }
            }))),
            InputSpec::Ramp { from, to } => {
                let last = (steps.max(2) - 1) as f64;
                Source::Host(HostInput::Shared(Box::new(move |t| {
                    from + (to - from) * t as f64 / last
                })))
            }
            InputSpec::Sine {
                amplitude,
                period,
                offset,
            } => Source::Host(HostInput::Shared(Box::new(move |t| {
                offset + amplitude * (std::f64::consts::TAU * t as f64 / period).sin()
            }))),
            InputSpec::Noise { mean, std } => Source::Host(HostInput::Noise {
                mean,
                std,
                streams: (0..n as u64)
                    .map(|i| RngState::for_neuron(seed ^ NOISE_SALT, i))
                    .collect(),
            }),
            InputSpec::File { path } => {
                let (rows, cols, data) = load(&path)?;
                if rows < steps {
                    return Err(ConfigError(format!(
                        "input.path: {} has {rows} rows, the run needs steps = {steps}",
                        path.display()
                    )));
                }
                if cols != 1 && cols != n {
                    return Err(ConfigError(format!(
                        "input.path: {} has {cols} columns, expected 1 or neurons = {n}",
                        path.display()
                    )));
                }
                if let Some(v) = data.iter().find(|v| !v.is_finite()) {
                    return Err(ConfigError(format!(
                        "input.path: {} holds a non-finite value ({v})",
                        path.display()
                    )));
                }
                Source::Host(HostInput::Table { cols, data })
            }
        })
    }

    /// Host values for steps `t0..t0 + len`, row-major (len, n); None for generated input.
    pub fn chunk(&mut self, t0: u64, len: usize, n: usize) -> Result<Option<Vec<S>>, ConfigError> {
        let host = match self {
            Source::Generated(_) => return Ok(None),
            Source::Host(h) => h,
            Source::Noisy {
                base,
                std,
                noise,
                replay,
            } => {
                let mut rows = match (base.chunk(t0, len, n)?, &**base) {
                    (Some(rows), _) => rows,
                    (None, Source::Generated(s)) => {
                        let mut rows = Vec::with_capacity(len * n);
                        for k in 0..len {
                            let t = t0 + k as u64;
                            rows.extend(replay.iter_mut().map(|r| s.value(t, r)));
                        }
                        rows
                    }
                    (None, _) => return Err(ConfigError("input: no values generated".into())),
                };
                for (k, row) in rows.chunks_mut(n).enumerate() {
                    let t = t0 + k as u64;
                    for (v, s) in row.iter_mut().zip(noise.iter_mut()) {
                        let z = <f64 as Scalar>::std_normal(s.next_u64());
                        *v = convert(&format!("input at step {t}"), v.to_f64() + *std * z)?;
                    }
                }
                return Ok(Some(rows));
            }
        };
        let mut out = Vec::with_capacity(len * n);
        for k in 0..len {
            let t = t0 + k as u64;
            match host {
                HostInput::Shared(f) => {
                    let v: S = convert(&format!("input at step {t}"), f(t))?;
                    out.extend(std::iter::repeat_n(v, n));
                }
                HostInput::Noise { mean, std, streams } => {
                    for s in streams.iter_mut() {
                        let z = <f64 as Scalar>::std_normal(s.next_u64());
                        out.push(convert(&format!("input at step {t}"), *mean + *std * z)?);
                    }
                }
                HostInput::Table { cols, data, .. } => {
                    let row = &data[t as usize * *cols..(t as usize + 1) * *cols];
                    for i in 0..n {
                        let v = if *cols == 1 { row[0] } else { row[i] };
                        out.push(convert(&format!("input at step {t}"), v)?);
                    }
                }
            }
        }
        Ok(Some(out))
    }
}

/// A value per step shared by all neurons (constant, step, pulse, ramp, sine; other kinds
/// give 0). Also the modulation signal.
pub fn signal(spec: &InputSpec, steps: usize) -> Box<dyn Fn(u64) -> f64> {
    match *spec {
        InputSpec::Constant { value } => Box::new(move |_| value),
        InputSpec::Step { before, after, at } => {
            Box::new(move |t| if t < at { before } else { after })
        }
        InputSpec::Pulse {
            amplitude,
            start,
            width,
            period,
        } => Box::new(move |t| {
            if t >= start && (t - start) % period < width {
                amplitude
            } else {
                0.0
            }
        }),
        InputSpec::Ramp { from, to } => {
            let last = (steps.max(2) - 1) as f64;
            Box::new(move |t| from + (to - from) * t as f64 / last)
        }
        InputSpec::Sine {
            amplitude,
            period,
            offset,
        } => Box::new(move |t| {
            offset + amplitude * (std::f64::consts::TAU * t as f64 / period).sin()
        }),
        InputSpec::Noise { .. } | InputSpec::Poisson { .. } | InputSpec::File { .. } => {
            Box::new(|_| 0.0)
        }
    }
}

/// Reads a .npy (f32 or f64, 1-D or 2-D) or .csv (numbers, optional header) file.
fn load(path: &Path) -> Result<(usize, usize, Vec<f64>), ConfigError> {
    let err = |e: &dyn std::fmt::Display| {
        ConfigError(format!("input.path: cannot read {}: {e}", path.display()))
    };
    if path.extension().is_some_and(|e| e == "npy") {
        let bytes = std::fs::read(path).map_err(|e| err(&e))?;
        let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| err(&e))?;
        let shape = npy.shape().to_vec();
        let (rows, cols) = match shape.as_slice() {
            [r] => (*r as usize, 1),
            [r, c] => (*r as usize, *c as usize),
            other => return Err(err(&format!("shape {other:?} is not 1-D or 2-D"))),
        };
        let data: Vec<f64> = match npy.dtype() {
            npyz::DType::Plain(t)
                if t.type_char() == npyz::TypeChar::Float && t.size_field() == 8 =>
            {
                npy.into_vec::<f64>().map_err(|e| err(&e))?
            }
            npyz::DType::Plain(t)
                if t.type_char() == npyz::TypeChar::Float && t.size_field() == 4 =>
            {
                npy.into_vec::<f32>()
                    .map_err(|e| err(&e))?
                    .into_iter()
                    .map(f64::from)
                    .collect()
            }
            other => {
                return Err(err(&format!(
                    "dtype {} is not float32 or float64",
                    other.descr()
                )));
            }
        };
        Ok((rows, cols, data))
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| err(&e))?;
        let mut data = Vec::new();
        let (mut rows, mut cols) = (0, 0);
        for (ln, line) in text.lines().enumerate() {
            let cells: Vec<&str> = line
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            if cells.is_empty() {
                continue;
            }
            let parsed: Result<Vec<f64>, _> = cells.iter().map(|c| c.parse::<f64>()).collect();
            match parsed {
                Ok(vals) => {
                    if rows > 0 && vals.len() != cols {
                        return Err(err(&format!(
                            "line {} has {} values, the first row has {cols}",
                            ln + 1,
                            vals.len()
                        )));
                    }
                    cols = vals.len();
                    rows += 1;
                    data.extend(vals);
                }
                Err(_) if rows == 0 && ln == 0 => {} // a header
                Err(e) => return Err(err(&format!("line {}: {e}", ln + 1))),
            }
        }
        Ok((rows, cols, data))
    }
}
