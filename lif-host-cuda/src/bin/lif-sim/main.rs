//! `lif-sim`: run a population of a lif-core model from a config file or flags, and write
//! its spikes, recorded membranes and a summary.
//!
//! ```text
//! lif-sim run --model leaky --neurons 100 --steps 1000 --input constant --input-arg value=0.3 --out out/leaky
//! lif-sim run sim.toml --out out/run1
//! ```

mod config;
mod inputs;
mod outputs;
mod plots;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use lif_core::{
    ExtendedConfig, I8F24, I16F16, LapicqueConfig, LeakyConfig, LifConfig, Neuron, Scalar,
    SynapticConfig,
};
use lif_host_cuda::{Backend, Input, Simulator};

use config::{BackendKind, Config, ConfigError, ModelKind, ScalarKind, flag_value};
use inputs::Source;
use outputs::{Results, Staging};

#[derive(Parser)]
#[command(
    name = "lif-sim",
    version,
    about = "Simulate a population of leaky integrate-and-fire neurons (lif)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one simulation and write its results to --out.
    ///
    /// Settings come from CONFIG (TOML) when given, then from the flags, which override it.
    /// The config's keys are the flags' names: model, scalar, backend, neurons, steps, seed,
    /// [params] (the model's parameters by name), [input] (kind and its values) and
    /// [record] (neurons = [..], whose membranes are recorded).
    ///
    /// Outputs: spikes.npy (uint8, steps x neurons), spikes.csv (step,neuron per spike),
    /// membrane.npy / membrane.csv (float64, steps x recorded neurons), summary.json
    /// (counts, rates, ISI mean and CV, wall time, neuron-steps/s, backend) and plots as PNG
    /// and SVG: membrane (with threshold and spike marks), raster, rates, input.
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// A TOML config file.
    config: Option<PathBuf>,
    /// Output folder (created; must not exist or be empty unless --force).
    #[arg(long)]
    out: PathBuf,
    /// Replace a non-empty output folder.
    #[arg(long)]
    force: bool,
    /// Skip the plots (membrane, raster, rates, input as PNG and SVG).
    #[arg(long)]
    no_plots: bool,
    /// Neuron model: leaky, lapicque, synaptic, lif or extended.
    #[arg(long)]
    model: Option<String>,
    /// Number type: f32, f64, i16f16 or i8f24.
    #[arg(long)]
    scalar: Option<String>,
    /// Backend: auto (CUDA when present), cpu or cuda.
    #[arg(long)]
    backend: Option<String>,
    /// Number of neurons (1 to 100,000,000).
    #[arg(long)]
    neurons: Option<usize>,
    /// Number of time steps (1 to 10,000,000).
    #[arg(long)]
    steps: Option<usize>,
    /// Seed of the random streams (stochastic models, Poisson and noise inputs).
    #[arg(long)]
    seed: Option<u64>,
    /// Time step of the lapicque, lif and extended models (their `dt` parameter).
    #[arg(long)]
    dt: Option<f64>,
    /// A model parameter, NAME=VALUE (repeatable), e.g. --param beta=0.95.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Input kind: constant, step, pulse, ramp, sine, noise, poisson or file.
    #[arg(long)]
    input: Option<String>,
    /// A value of the input, NAME=VALUE (repeatable): constant value; step before, after, at;
    /// pulse amplitude, start, width, period; ramp from, to; sine amplitude, period, offset;
    /// noise mean, std; poisson p, amplitude; file path (.npy or .csv, steps x neurons).
    #[arg(long = "input-arg", value_name = "NAME=VALUE")]
    input_args: Vec<String>,
    /// Extended model only: the modulation signal's kind (constant, step, pulse, ramp, sine),
    /// applied through the model's transform before every step at which it changes.
    #[arg(long)]
    modulation: Option<String>,
    /// A value of the modulation signal, NAME=VALUE (repeatable), as for --input-arg.
    #[arg(long = "modulation-arg", value_name = "NAME=VALUE")]
    modulation_args: Vec<String>,
    /// Neurons whose membrane is recorded, comma-separated (e.g. 0,1,2).
    #[arg(long, value_delimiter = ',')]
    record: Vec<usize>,
}

fn key_value(arg: &str, flag: &str) -> Result<(String, toml::Value), ConfigError> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| ConfigError(format!("{flag} {arg}: expected NAME=VALUE")))?;
    Ok((k.trim().to_owned(), flag_value(v.trim())))
}

/// The config file with the flags applied.
fn table(args: &RunArgs) -> Result<toml::Table, ConfigError> {
    let mut t: toml::Table = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("config {}: {e}", path.display())))?;
            text.parse().map_err(|e: toml::de::Error| {
                ConfigError(format!("config {}: {}", path.display(), e.message()))
            })?
        }
        None => toml::Table::new(),
    };
    let mut set = |k: &str, v: toml::Value| {
        t.insert(k.to_owned(), v);
    };
    if let Some(v) = &args.model {
        set("model", v.clone().into());
    }
    if let Some(v) = &args.scalar {
        set("scalar", v.clone().into());
    }
    if let Some(v) = &args.backend {
        set("backend", v.clone().into());
    }
    if let Some(v) = args.neurons {
        set("neurons", (v as i64).into());
    }
    if let Some(v) = args.steps {
        set("steps", (v as i64).into());
    }
    if let Some(v) = args.seed {
        set("seed", (v as i64).into());
    }
    if let Some(v) = args.dt {
        set("dt", v.into());
    }
    for p in &args.params {
        let (k, v) = key_value(p, "--param")?;
        t.entry("params")
            .or_insert_with(|| toml::Table::new().into());
        if let Some(tbl) = t.get_mut("params").and_then(|x| x.as_table_mut()) {
            tbl.insert(k, v);
        }
    }
    if args.input.is_some() || !args.input_args.is_empty() {
        let input = t
            .entry("input")
            .or_insert_with(|| toml::Table::new().into());
        let tbl = input
            .as_table_mut()
            .ok_or_else(|| ConfigError("input: must be a table".into()))?;
        if let Some(kind) = &args.input {
            tbl.insert("kind".into(), kind.clone().into());
        }
        for a in &args.input_args {
            let (k, v) = key_value(a, "--input-arg")?;
            tbl.insert(k, v);
        }
    }
    if args.modulation.is_some() || !args.modulation_args.is_empty() {
        let m = t
            .entry("modulation")
            .or_insert_with(|| toml::Table::new().into());
        let tbl = m
            .as_table_mut()
            .ok_or_else(|| ConfigError("modulation: must be a table".into()))?;
        if let Some(kind) = &args.modulation {
            tbl.insert("kind".into(), kind.clone().into());
        }
        for a in &args.modulation_args {
            let (k, v) = key_value(a, "--modulation-arg")?;
            tbl.insert(k, v);
        }
    }
    if !args.record.is_empty() {
        let mut rec = toml::Table::new();
        rec.insert(
            "neurons".into(),
            args.record
                .iter()
                .map(|&i| toml::Value::Integer(i as i64))
                .collect::<Vec<_>>()
                .into(),
        );
        t.insert("record".into(), rec.into());
    }
    Ok(t)
}

/// The threshold a model's plot draws, and its legend.
trait Threshold {
    fn threshold(&self) -> (f64, &'static str);
}

impl Threshold for LeakyConfig {
    fn threshold(&self) -> (f64, &'static str) {
        (self.threshold, "threshold")
    }
}
impl Threshold for LapicqueConfig {
    fn threshold(&self) -> (f64, &'static str) {
        (self.threshold, "threshold")
    }
}
impl Threshold for SynapticConfig {
    fn threshold(&self) -> (f64, &'static str) {
        (self.threshold, "threshold")
    }
}
impl Threshold for LifConfig {
    fn threshold(&self) -> (f64, &'static str) {
        (self.v_th, "threshold V_th")
    }
}
impl Threshold for ExtendedConfig {
    fn threshold(&self) -> (f64, &'static str) {
        let label = if self.adaptive_threshold {
            "baseline threshold V_th0 (adaptive)"
        } else {
            "threshold V_th"
        };
        (self.v_th, label)
    }
}

/// Runs `cfg` with model `model` in scalar `S`; returns the results.
fn simulate<S, M>(cfg: &Config, model: M) -> Result<Results, String>
where
    S: Scalar,
    M: Neuron<S> + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    let backend = match cfg.backend {
        BackendKind::Auto => Backend::Auto,
        BackendKind::Cpu => Backend::Cpu,
        BackendKind::Cuda => Backend::Cuda,
    };
    let (n, steps) = (cfg.neurons, cfg.steps);
    let mut sim =
        Simulator::new(model, n, cfg.seed, backend).map_err(|e| format!("backend: {e}"))?;
    if let Some(note) = sim.note() {
        eprintln!("lif-sim: {note}");
    }
    let mut source: Source<S> =
        Source::new(&cfg.input, n, steps, cfg.seed).map_err(|e| e.to_string())?;
    let record = cfg.record.neurons.clone();
    // Chunks of steps bound the host input buffer to about 64 MiB.
    let chunk = ((64 << 20) / (n * size_of::<S>()).max(1)).clamp(1, steps);
    let bar = indicatif::ProgressBar::new(steps as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let (mut spikes, mut trace, mut thresholds) = (
        Vec::with_capacity(steps * n.div_ceil(32)),
        Vec::new(),
        Vec::new(),
    );
    // Neuron 0's input, for the input plot: host rows, or the stimulus replayed on neuron 0's
    // own input stream (exactly what the backend generated).
    let mut input0 = Vec::with_capacity(steps);
    let mut stream0 = lif_core::input::input_stream(cfg.seed, 0);
    let modulation = cfg.modulation.as_ref().map(|m| inputs::signal(m, steps));
    let mut last_signal: Option<f64> = None;
    let mut done = 0;
    while done < steps {
        let mut len = chunk.min(steps - done);
        if let Some(signal) = &modulation {
            let v = signal(done as u64);
            if last_signal != Some(v) {
                let s = S::from_f64(v).ok_or_else(|| {
                    format!("modulation at step {done}: {v} does not fit {}", S::NAME)
                })?;
                sim.modulate(s).map_err(|e| format!("modulation: {e}"))?;
                last_signal = Some(v);
            }
            // Run up to the next change of the signal.
            len = (1..len)
                .find(|&k| signal((done + k) as u64) != v)
                .unwrap_or(len);
        }
        let host = source
            .chunk(done as u64, len, n)
            .map_err(|e| e.to_string())?;
        match (&host, &source) {
            (Some(rows), _) => input0.extend((0..len).map(|k| rows[k * n].to_f64())),
            (None, Source::Generated(s)) => {
                input0.extend((0..len).map(|k| s.value((done + k) as u64, &mut stream0).to_f64()))
            }
            (None, Source::Host(_)) => {}
        }
        let out = match (&host, &source) {
            (Some(rows), _) => sim.run(Input::Array(rows), len, &record),
            (None, Source::Generated(s)) => sim.run(Input::Generated(*s), len, &record),
            (None, Source::Host(_)) => return Err("input: no values generated".into()),
        }
        .map_err(|e| format!("simulation: {e}"))?;
        spikes.extend_from_slice(&out.spikes);
        trace.extend(out.trace.iter().map(|v| v.to_f64()));
        thresholds.extend(out.thresholds.iter().map(|v| v.to_f64()));
        done += len;
        if start.elapsed().as_millis() > 500 {
            bar.set_position(done as u64);
        }
    }
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    let mut summary = serde_json::Map::new();
    summary.insert(
        "model".into(),
        format!("{:?}", cfg.model).to_lowercase().into(),
    );
    summary.insert("scalar".into(), S::NAME.into());
    summary.insert("backend".into(), sim.backend_name().into());
    if let Some(note) = sim.note() {
        summary.insert("backend_note".into(), note.into());
    }
    summary.insert("neurons".into(), n.into());
    summary.insert("steps".into(), steps.into());
    summary.insert("seed".into(), cfg.seed.into());
    if let Some(dt) = cfg
        .dt
        .or_else(|| cfg.params.get("dt").and_then(|v| v.as_float()))
    {
        summary.insert("dt".into(), dt.into());
    }
    summary.insert("wall_time_s".into(), seconds.into());
    summary.insert(
        "neuron_steps_per_s".into(),
        ((n * steps) as f64 / seconds.max(1e-9)).into(),
    );
    summary.insert("recorded_neurons".into(), record.clone().into());
    summary.extend(outputs::statistics(&spikes, n, steps));
    Ok(Results {
        neurons: n,
        steps,
        spikes,
        recorded: record,
        trace,
        thresholds,
        input: input0,
        summary,
    })
}

/// Picks the model config from `params` and the scalar, then runs; also returns the
/// threshold to plot.
fn dispatch(cfg: &Config) -> Result<(Results, (f64, &'static str)), String> {
    macro_rules! with_scalar {
        ($cfg_ty:ty) => {{
            let mc: $cfg_ty = cfg.model_config().map_err(|e| e.to_string())?;
            let threshold = mc.threshold();
            let err = |e: lif_core::Error| format!("params: {e}");
            let results = match cfg.scalar {
                ScalarKind::F32 => simulate::<f32, _>(cfg, mc.build::<f32>().map_err(err)?),
                ScalarKind::F64 => simulate::<f64, _>(cfg, mc.build::<f64>().map_err(err)?),
                ScalarKind::I16f16 => {
                    simulate::<I16F16, _>(cfg, mc.build::<I16F16>().map_err(err)?)
                }
                ScalarKind::I8f24 => simulate::<I8F24, _>(cfg, mc.build::<I8F24>().map_err(err)?),
            }?;
            Ok((results, threshold))
        }};
    }
    match cfg.model {
        ModelKind::Leaky => with_scalar!(LeakyConfig),
        ModelKind::Lapicque => with_scalar!(LapicqueConfig),
        ModelKind::Synaptic => with_scalar!(SynapticConfig),
        ModelKind::Lif => with_scalar!(LifConfig),
        ModelKind::Extended => with_scalar!(ExtendedConfig),
    }
}

fn run(args: &RunArgs) -> Result<(), String> {
    let cfg =
        Config::from_table(table(args).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let stage = Staging::new(&args.out, args.force)?;
    let (results, (threshold, threshold_label)) = dispatch(&cfg)?;
    outputs::write(&stage, &results)?;
    if !args.no_plots {
        let title = format!(
            "{:?} ({})",
            cfg.model,
            results.summary["scalar"].as_str().unwrap_or("?")
        );
        plots::write_all(
            &stage,
            &plots::PlotData {
                title,
                steps: results.steps,
                neurons: results.neurons,
                spikes: &results.spikes,
                recorded: &results.recorded,
                trace: &results.trace,
                thresholds: &results.thresholds,
                input: &results.input,
                threshold,
                threshold_label,
            },
        )?;
    }
    stage.commit()?;
    let s = &results.summary;
    println!(
        "{} neurons x {} steps on {}: {} spikes ({:.4} per neuron-step), {:.3e} neuron-steps/s -> {}",
        results.neurons,
        results.steps,
        s["backend"].as_str().unwrap_or("?"),
        s["spike_count"],
        s["rate_per_step"].as_f64().unwrap_or(0.0),
        s["neuron_steps_per_s"].as_f64().unwrap_or(0.0),
        args.out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lif-sim: error: {e}");
            ExitCode::FAILURE
        }
    }
}
