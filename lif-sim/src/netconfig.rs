//! Network configs (TOML): populations, their synapse channels and inputs, and the
//! projections between them with their connection rules. `examples/cuba.toml` is a complete
//! one.
//!
//! ```toml
//! scalar = "f32"      # f32, f64, i16f16, i8f24
//! seed = 1
//! dt = 0.1            # ms: the step of every time constant and of the reported rates
//! steps = 10000
//!
//! [[population]]
//! name = "exc"
//! model = "lif"       # leaky, lapicque, synaptic, lif, extended
//! neurons = 3200
//! params = { tau = 20.0, v_rest = -49.0, v_reset = -60.0, v_th = -50.0 }
//! initial_membrane = [-60.0, -50.0]              # uniform in [lo, hi)
//! record = [0, 1]                                 # membranes to record (membrane-exc.npy)
//! channels = [{ name = "e", tau = 5.0, gain = "exact" }, { name = "i", tau = 10.0, gain = "exact" }]
//! input = { kind = "poisson", p = 0.01, amplitude = 1.0 }   # optional, as in run configs
//!
//! [[projection]]
//! from = "exc"
//! to = "exc"
//! channel = "e"
//! rule = { probability = 0.02 }   # or { fan_in = 80 }, "one_to_one", "all"
//! weight = 1.62
//! delay = 1                       # steps; 0 only onto a population listed later
//! ```

use serde::Deserialize;

use crate::config::{ConfigError, InputSpec, ModelKind, ScalarKind, from_value};

/// A whole network run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// A title for plots and the summary.
    #[serde(default)]
    pub name: Option<String>,
    /// Number type of every population.
    #[serde(default)]
    pub scalar: ScalarKind,
    /// Seed of connectivity, initial values and input streams.
    #[serde(default)]
    pub seed: u64,
    /// Time step in ms.
    pub dt: f64,
    /// Steps to run.
    pub steps: usize,
    /// The populations, in step order.
    #[serde(rename = "population")]
    pub populations: Vec<PopulationConfig>,
    /// The projections, in delivery order.
    #[serde(default, rename = "projection")]
    pub projections: Vec<ProjectionConfig>,
}

/// One population.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationConfig {
    /// Its name (projections and outputs use it).
    pub name: String,
    /// Its model.
    pub model: ModelKind,
    /// Its size.
    pub neurons: usize,
    /// Model parameters by name (the model's defaults for the rest; `dt` defaults to the
    /// network's for the models that have one).
    #[serde(default)]
    pub params: toml::Table,
    /// Synapse channels (default: one instantaneous channel named "input").
    #[serde(default)]
    pub channels: Vec<ChannelSpec>,
    /// External input, as in run configs (constant, step, pulse, ramp, sine, noise, poisson).
    #[serde(default)]
    pub input: Option<InputSpec>,
    /// Gaussian noise added to the input, its standard deviation.
    #[serde(default)]
    pub noise: f64,
    /// A bias added to every neuron's input.
    #[serde(default)]
    pub bias: Option<f64>,
    /// Initial membranes uniform in `[lo, hi)`.
    #[serde(default)]
    pub initial_membrane: Option<[f64; 2]>,
    /// Neurons whose membranes are recorded every step (`membrane-NAME.npy`).
    #[serde(default)]
    pub record: Vec<usize>,
}

/// A synapse channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    /// Its name (projections use it).
    pub name: String,
    /// Decay time constant in ms; none for an instantaneous channel.
    #[serde(default)]
    pub tau: Option<f64>,
    /// The channel's gain into the input: a number, or "exact" (for a lif target with exact
    /// integration: the gain that integrates the decaying current exactly).
    #[serde(default)]
    pub gain: Gain,
}

/// A channel's gain.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Gain {
    /// A fixed factor.
    Value(f64),
    /// A named rule: "exact".
    Named(String),
}

impl Default for Gain {
    fn default() -> Self {
        Gain::Value(1.0)
    }
}

/// One projection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionConfig {
    /// Source population.
    pub from: String,
    /// Target population.
    pub to: String,
    /// The target's channel (default: its first).
    #[serde(default)]
    pub channel: Option<String>,
    /// Which pairs connect.
    pub rule: Rule,
    /// The weight of every synapse.
    pub weight: f64,
    /// Delay in steps.
    #[serde(default = "one")]
    pub delay: u16,
}

fn one() -> u16 {
    1
}

/// A connection rule.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Each pair independently with this probability.
    Probability(f64),
    /// Each target draws this many sources.
    FanIn(u32),
    /// Source i onto target i.
    OneToOne,
    /// Every pair (a dense layer with one weight).
    All,
}

impl NetworkConfig {
    /// Parses a TOML network config; errors name the field.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError(format!("{origin}: {}", e.message())))?;
        let cfg: Self = from_value("", toml::Value::Table(table))
            .map_err(|e| ConfigError(format!("{origin}: {}", e.0)))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks what serde cannot: names that exist and are unique, sizes and steps in range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return bad(format!("dt: must be > 0, got {}", self.dt));
        }
        if self.steps == 0 || self.steps > crate::config::MAX_STEPS {
            return bad(format!(
                "steps: must be 1 to {}, got {}",
                crate::config::MAX_STEPS,
                self.steps
            ));
        }
        if self.populations.is_empty() {
            return bad("population: a network needs at least one [[population]]".into());
        }
        let mut total = 0usize;
        for (k, p) in self.populations.iter().enumerate() {
            if self.populations[..k].iter().any(|q| q.name == p.name) {
                return bad(format!("population `{}`: the name is used twice", p.name));
            }
            if p.neurons == 0 {
                return bad(format!(
                    "population `{}`: neurons must be at least 1",
                    p.name
                ));
            }
            if let Some(&i) = p.record.iter().find(|&&i| i >= p.neurons) {
                return bad(format!(
                    "population `{}`.record: neuron {i} is outside its {} neurons",
                    p.name, p.neurons
                ));
            }
            total = total.saturating_add(p.neurons);
            let mut names: Vec<&str> = p.channels.iter().map(|c| c.name.as_str()).collect();
            names.sort_unstable();
            if names.windows(2).any(|w| w[0] == w[1]) {
                return bad(format!(
                    "population `{}`: two channels have the same name",
                    p.name
                ));
            }
        }
        if total > crate::config::MAX_NEURONS {
            return bad(format!(
                "population: {total} neurons in all, more than {}",
                crate::config::MAX_NEURONS
            ));
        }
        for (k, pr) in self.projections.iter().enumerate() {
            for name in [&pr.from, &pr.to] {
                if !self.populations.iter().any(|p| &p.name == name) {
                    return bad(format!(
                        "projection {k} ({} -> {}): unknown population `{name}`",
                        pr.from, pr.to
                    ));
                }
            }
            if let Some(ch) = &pr.channel {
                let target = self.populations.iter().find(|p| p.name == pr.to);
                let known = target.is_some_and(|t| {
                    if t.channels.is_empty() {
                        ch == "input"
                    } else {
                        t.channels.iter().any(|c| &c.name == ch)
                    }
                });
                if !known {
                    return bad(format!(
                        "projection {k} ({} -> {}): population `{}` has no channel `{ch}`",
                        pr.from, pr.to, pr.to
                    ));
                }
            }
        }
        Ok(())
    }

    /// Scales the network by `factor` as simulator benchmarks do: every population's size
    /// times `factor`, every connection probability divided by it (the expected fan-in stays),
    /// weights unchanged.
    pub fn scale(&mut self, factor: f64) -> Result<(), ConfigError> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(ConfigError(format!("--scale: must be > 0, got {factor}")));
        }
        for p in &mut self.populations {
            p.neurons = ((p.neurons as f64 * factor).round() as usize).max(1);
        }
        for pr in &mut self.projections {
            if let Rule::Probability(p) = &mut pr.rule {
                *p = (*p / factor).min(1.0);
            }
        }
        self.validate()
    }

    /// The index of population `name` (validated to exist).
    pub fn index(&self, name: &str) -> usize {
        self.populations
            .iter()
            .position(|p| p.name == name)
            .unwrap_or(0)
    }
}
