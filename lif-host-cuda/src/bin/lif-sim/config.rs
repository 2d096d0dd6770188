//! The run configuration: a TOML file, flags on top of it, one validation path.
//! Every error names the field and what is allowed.

use std::path::PathBuf;

use serde::Deserialize;

/// A configuration error, for the user.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(field: &str, msg: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{field}: {msg}"))
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Leaky,
    Lapicque,
    Synaptic,
    Lif,
    Extended,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScalarKind {
    #[default]
    F32,
    F64,
    I16f16,
    I8f24,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    #[default]
    Auto,
    Cpu,
    Cuda,
}

/// The input, by shape. Values are in the model's input units.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputSpec {
    /// `value` at every step.
    Constant { value: f64 },
    /// `before` until step `at`, then `after`.
    Step {
        #[serde(default)]
        before: f64,
        after: f64,
        at: u64,
    },
    /// `amplitude` for `width` steps every `period` steps from `start`, else 0.
    Pulse {
        amplitude: f64,
        #[serde(default)]
        start: u64,
        width: u64,
        period: u64,
    },
    /// Linear from `from` at step 0 to `to` at the last step.
    Ramp { from: f64, to: f64 },
    /// `offset + amplitude * sin(2 pi t / period)`.
    Sine {
        amplitude: f64,
        period: f64,
        #[serde(default)]
        offset: f64,
    },
    /// Independent Gaussian values per neuron and step (seeded): `mean + std * N(0, 1)`.
    Noise { mean: f64, std: f64 },
    /// Poisson spikes of `amplitude` with probability `p` per step and neuron.
    Poisson { p: f64, amplitude: f64 },
    /// A .npy or .csv file of shape (steps, neurons), or (steps,) for one shared value.
    File { path: PathBuf },
}

/// What to record besides the spikes.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// Neurons whose membrane is recorded.
    #[serde(default)]
    pub neurons: Vec<usize>,
}

/// A whole run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub model: ModelKind,
    #[serde(default)]
    pub scalar: ScalarKind,
    #[serde(default)]
    pub backend: BackendKind,
    pub neurons: usize,
    pub steps: usize,
    #[serde(default)]
    pub seed: u64,
    /// Time step of the models that have one (lapicque, lif, extended), in their time unit;
    /// the same as `params.dt`.
    #[serde(default)]
    pub dt: Option<f64>,
    /// Model parameters by name (the model's defaults for the rest).
    #[serde(default)]
    pub params: toml::Table,
    pub input: InputSpec,
    /// Standard deviation of Gaussian noise added to every neuron's input at every step
    /// (seeded, independent per neuron), on top of `input`; 0 for none.
    #[serde(default)]
    pub noise: f64,
    /// The extended model's modulation signal (constant, step, pulse, ramp or sine), applied
    /// through the model's transform before every step at which its value changes.
    #[serde(default)]
    pub modulation: Option<InputSpec>,
    #[serde(default)]
    pub record: RecordSpec,
}

/// Largest population and run the CLI accepts (memory of the outputs grows with both).
pub const MAX_NEURONS: usize = 100_000_000;
pub const MAX_STEPS: usize = 10_000_000;

impl Config {
    /// Parses a TOML table (a file with flags applied) and validates it.
    pub fn from_table(table: toml::Table) -> Result<Self, ConfigError> {
        let cfg: Config = from_value("", toml::Value::Table(table))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_NEURONS).contains(&self.neurons) {
            return Err(bad(
                "neurons",
                format!("must be in 1..={MAX_NEURONS} (got {})", self.neurons),
            ));
        }
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(bad(
                "steps",
                format!("must be in 1..={MAX_STEPS} (got {})", self.steps),
            ));
        }
        if let Some(&i) = self.record.neurons.iter().find(|&&i| i >= self.neurons) {
            return Err(bad(
                "record.neurons",
                format!("index {i} is not below neurons = {}", self.neurons),
            ));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(bad(
                "noise",
                format!("must be a finite value >= 0 (got {})", self.noise),
            ));
        }
        if let Some(m) = &self.modulation {
            if self.model != ModelKind::Extended {
                return Err(bad(
                    "modulation",
                    "only the extended model has a neuromodulation input",
                ));
            }
            if !matches!(
                m,
                InputSpec::Constant { .. }
                    | InputSpec::Step { .. }
                    | InputSpec::Pulse { .. }
                    | InputSpec::Ramp { .. }
                    | InputSpec::Sine { .. }
            ) {
                return Err(bad(
                    "modulation.kind",
                    "must be constant, step, pulse, ramp or sine",
                ));
            }
            Self::validate_signal("modulation", m)?;
        }
        Self::validate_signal("input", &self.input)
    }

    fn validate_signal(name: &str, spec: &InputSpec) -> Result<(), ConfigError> {
        let field = |f: &str| format!("{name}.{f}");
        let finite = |field: String, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(bad(&field, format!("must be finite (got {v})")))
            }
        };
        match spec {
            InputSpec::Constant { value } => finite(field("value"), *value)?,
            InputSpec::Step { before, after, .. } => {
                finite(field("before"), *before)?;
                finite(field("after"), *after)?;
            }
            InputSpec::Pulse {
                amplitude,
                width,
                period,
                ..
            } => {
                finite(field("amplitude"), *amplitude)?;
                if *period == 0 {
                    return Err(bad(&field("period"), "must be >= 1 step"));
                }
                if *width > *period {
                    return Err(bad(
                        &field("width"),
                        format!("must be at most period = {period} (got {width})"),
                    ));
                }
            }
            InputSpec::Ramp { from, to } => {
                finite(field("from"), *from)?;
                finite(field("to"), *to)?;
            }
            InputSpec::Sine {
                amplitude,
                period,
                offset,
            } => {
                finite(field("amplitude"), *amplitude)?;
                finite(field("offset"), *offset)?;
                if !(period.is_finite() && *period > 0.0) {
                    return Err(bad(
                        &field("period"),
                        format!("must be > 0 steps (got {period})"),
                    ));
                }
            }
            InputSpec::Noise { mean, std } => {
                finite(field("mean"), *mean)?;
                if !(std.is_finite() && *std >= 0.0) {
                    return Err(bad(&field("std"), format!("must be >= 0 (got {std})")));
                }
            }
            InputSpec::Poisson { p, amplitude } => {
                finite(field("amplitude"), *amplitude)?;
                if !(0.0..=1.0).contains(p) {
                    return Err(bad(&field("p"), format!("must be in [0, 1] (got {p})")));
                }
            }
            InputSpec::File { path } => {
                if !path.is_file() {
                    return Err(bad(
                        &field("path"),
                        format!("cannot read {}", path.display()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The model's f64 config: its defaults with `params` (and `dt`) applied.
    pub fn model_config<C: serde::de::DeserializeOwned>(&self) -> Result<C, ConfigError> {
        let mut params = self.params.clone();
        if let Some(dt) = self.dt {
            if matches!(self.model, ModelKind::Leaky | ModelKind::Synaptic) {
                return Err(bad(
                    "dt",
                    "the leaky and synaptic models have no time step (they are discrete)",
                ));
            }
            if params.contains_key("dt") {
                return Err(bad("dt", "given both as dt and as params.dt"));
            }
            params.insert("dt".into(), toml::Value::Float(dt));
        }
        from_value("params", toml::Value::Table(params))
    }
}

/// Deserializes `value`; an error names the field it is about (`steps`, `input.period`,
/// `params.beta`), under `prefix`.
fn from_value<T: serde::de::DeserializeOwned>(
    prefix: &str,
    value: toml::Value,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = match (prefix, path.as_str()) {
            ("", ".") => "config".to_owned(),
            (_, ".") => prefix.to_owned(),
            ("", p) => p.to_owned(),
            (_, p) => format!("{prefix}.{p}"),
        };
        ConfigError(format!("{field}: {}", e.into_inner().message()))
    })
}

/// Parses a flag value the way TOML would (numbers, booleans), else as a string.
pub fn flag_value(v: &str) -> toml::Value {
    if let Ok(i) = v.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(f) = v.parse::<f64>() {
        toml::Value::Float(f)
    } else if let Ok(b) = v.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(v.to_owned())
    }
}
