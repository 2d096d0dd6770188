//! The run configuration: a TOML file, flags on top of it, one validation path.
//! Every error names the field and what is allowed.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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

/// The neuron model.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// snnTorch's Leaky.
    #[default]
    Leaky,
    /// snnTorch's Lapicque.
    Lapicque,
    /// snnTorch's Synaptic.
    Synaptic,
    /// BrainPy's LIF.
    Lif,
    /// The extended LIF (adaptation, stochastic firing, depression, neuromodulation).
    Extended,
}

impl BackendKind {
    /// The name in configs.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Auto => "auto",
            BackendKind::Cpu => "cpu",
            BackendKind::Cuda => "cuda",
        }
    }
}

impl ModelKind {
    /// The name in configs and summaries.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Leaky => "leaky",
            ModelKind::Lapicque => "lapicque",
            ModelKind::Synaptic => "synaptic",
            ModelKind::Lif => "lif",
            ModelKind::Extended => "extended",
        }
    }
}

/// The number type.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ScalarKind {
    /// IEEE single precision.
    #[default]
    F32,
    /// IEEE double precision (the reference).
    F64,
    /// Signed Q16.16 fixed point (saturating).
    I16f16,
    /// Signed Q8.24 fixed point (saturating).
    I8f24,
}

/// Where the neurons run.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// CUDA when a device is present, else the CPU.
    #[default]
    Auto,
    /// Every CPU core.
    Cpu,
    /// The first CUDA device.
    Cuda,
}

/// The input, by shape. Values are in the model's input units.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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

/// A whole run. Every key but `input` has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub model: ModelKind,
    pub scalar: ScalarKind,
    pub backend: BackendKind,
    pub neurons: usize,
    pub steps: usize,
    pub seed: u64,
    /// Time step of the models that have one (lapicque, lif, extended), in their time unit;
    /// the same as `params.dt`.
    #[serde(default)]
    pub dt: Option<f64>,
    /// Model parameters by name (the model's defaults for the rest).
    pub params: toml::Table,
    pub input: Option<InputSpec>,
    /// Standard deviation of Gaussian noise added to every neuron's input at every step
    /// (seeded, independent per neuron), on top of `input`; 0 for none.
    pub noise: f64,
    /// The extended model's modulation signal (constant, step, pulse, ramp or sine), applied
    /// through the model's transform before every step at which its value changes.
    pub modulation: Option<InputSpec>,
    pub record: RecordSpec,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            model: ModelKind::Leaky,
            scalar: ScalarKind::F32,
            backend: BackendKind::Auto,
            neurons: 100,
            steps: 1000,
            seed: 0,
            dt: None,
            params: toml::Table::new(),
            input: None,
            noise: 0.0,
            modulation: None,
            record: RecordSpec::default(),
        }
    }
}

/// Largest population and run the CLI accepts (memory of the outputs grows with both).
pub const MAX_NEURONS: usize = 100_000_000;
pub const MAX_STEPS: usize = 10_000_000;

impl Config {
    /// Parses a TOML table (a config file, or the dashboard's request) and validates it.
    pub fn from_table(table: toml::Table) -> Result<Self, ConfigError> {
        let cfg = Self::parse(table)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Parses a TOML table without validating it (flags may still change it).
    pub fn parse(table: toml::Table) -> Result<Self, ConfigError> {
        from_value("", toml::Value::Table(table))
    }

    /// The input; an error when neither the config nor the flags gave one.
    pub fn input(&self) -> Result<&InputSpec, ConfigError> {
        self.input
            .as_ref()
            .ok_or_else(|| bad("input", "missing: give --input KIND or an [input] table"))
    }

    /// `input` with `args` (NAME=VALUE) applied: a new input of kind `kind` when given,
    /// else the current one changed.
    pub fn set_input(&mut self, kind: Option<&str>, args: &[String]) -> Result<(), ConfigError> {
        self.input = Some(spec_with(
            "input",
            self.input.as_ref(),
            kind,
            args,
            "--input-arg",
        )?);
        Ok(())
    }

    /// The modulation signal with `args` applied, as for [`Config::set_input`].
    pub fn set_modulation(
        &mut self,
        kind: Option<&str>,
        args: &[String],
    ) -> Result<(), ConfigError> {
        self.modulation = Some(spec_with(
            "modulation",
            self.modulation.as_ref(),
            kind,
            args,
            "--modulation-arg",
        )?);
        Ok(())
    }

    /// Sets a model parameter from NAME=VALUE (numbers, booleans and names, as in TOML).
    pub fn set_param(&mut self, arg: &str) -> Result<(), ConfigError> {
        let (k, v) = key_value(arg, "--param")?;
        self.params.insert(k, v);
        Ok(())
    }

    /// Checks every field against the others and against the limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
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
        Self::validate_signal("input", self.input()?)
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
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
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

/// Splits NAME=VALUE and parses VALUE the way TOML would (numbers, booleans), else as a
/// name.
fn key_value(arg: &str, flag: &str) -> Result<(String, toml::Value), ConfigError> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| ConfigError(format!("{flag} {arg}: expected NAME=VALUE")))?;
    let v = v.trim();
    let value = if let Ok(i) = v.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(f) = v.parse::<f64>() {
        toml::Value::Float(f)
    } else if let Ok(b) = v.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(v.to_owned())
    };
    Ok((k.trim().to_owned(), value))
}

/// A signal spec: `current` (or a new one of `kind`) with NAME=VALUE `args` applied.
fn spec_with(
    field: &str,
    current: Option<&InputSpec>,
    kind: Option<&str>,
    args: &[String],
    flag: &str,
) -> Result<InputSpec, ConfigError> {
    let mut table = match (kind, current) {
        (Some(kind), _) => {
            let mut t = toml::Table::new();
            t.insert("kind".into(), kind.into());
            t
        }
        (None, Some(spec)) => match toml::Value::try_from(spec) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        },
        (None, None) => return Err(bad(field, format!("{flag} needs a kind (--{field} KIND)"))),
    };
    for a in args {
        let (k, v) = key_value(a, flag)?;
        table.insert(k, v);
    }
    from_value(field, toml::Value::Table(table))
}
