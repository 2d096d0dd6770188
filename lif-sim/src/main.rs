//! `lif-sim`: run a population of a lif-core model from a config file or flags, and write
//! its spikes, recorded membranes and a summary.
//!
//! ```text
//! lif-sim run --model leaky --neurons 100 --steps 1000 --input constant --input-arg value=0.3 --out out/leaky
//! lif-sim run sim.toml --out out/run1
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod compare;
mod config;
mod inputs;
mod netconfig;
mod netrun;
mod netstats;
mod nir;
mod nirrun;
mod outputs;
mod plots;
mod serve;
mod simulate;
mod staging;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use config::{BackendKind, Config, ConfigError, ModelKind, ScalarKind};
use staging::OutputArgs;

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
    Run(Box<RunArgs>),
    /// Run a network (populations joined by projections) from a TOML config on the CPU
    /// backend and write its results to --out.
    ///
    /// Outputs: spikes-POPULATION.npy (uint32, spikes x 2: step, neuron) for each
    /// population, summary.json (per population: spikes, rate in Hz, mean CV of interspike
    /// intervals; the population rate's spectral peak; time by part; memory per neuron and
    /// per synapse) and raster.png/svg (spikes coloured by population, population rates).
    /// examples/cuba.toml is the CUBA benchmark.
    Network(NetworkArgs),
    /// Start the dashboard: a local web page on 127.0.0.1 whose controls rerun the simulation
    /// (in f32 and I16F16 side by side) as they move. Prints the address; Ctrl-C stops it.
    Serve(ServeArgs),
    /// NIR graphs (.nir files exported by snnTorch, Norse, ...): `nir inspect FILE` prints the
    /// graph and the flash and RAM it would need on a microcontroller; `nir run FILE --input
    /// X.npy` imports it and runs it.
    Nir(nir::NirArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Backend of the runs (auto: CUDA when present).
    #[arg(long, value_enum, default_value_t = BackendKind::Auto)]
    backend: BackendKind,
}

#[derive(clap::Args)]
struct NetworkArgs {
    /// The network's TOML config.
    config: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
    /// Multiply every population's size by F and divide every connection probability by F
    /// (the expected fan-in stays; weights unchanged).
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    scale: f64,
    /// CPU threads (default: every core). Results never depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Steps to run (overrides the config).
    #[arg(long)]
    steps: Option<usize>,
    /// Seed (overrides the config).
    #[arg(long)]
    seed: Option<u64>,
    /// Number type (overrides the config).
    #[arg(long, value_enum)]
    scalar: Option<ScalarKind>,
    /// Backend (auto: CUDA when built with it and a device is present).
    #[arg(long, value_enum, default_value_t = BackendKind::Cpu)]
    backend: BackendKind,
}

fn network(args: &NetworkArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("config {}: {e}", args.config.display()))?;
    let mut cfg = netconfig::NetworkConfig::parse(&text, &args.config.display().to_string())
        .map_err(|e| e.to_string())?;
    if let Some(v) = args.steps {
        cfg.steps = v;
    }
    if let Some(v) = args.seed {
        cfg.seed = v;
    }
    if let Some(v) = args.scalar {
        cfg.scalar = v;
    }
    if args.scale != 1.0 {
        cfg.scale(args.scale).map_err(|e| e.to_string())?;
    }
    cfg.validate().map_err(|e| e.to_string())?;
    let stage = args.output.stage()?;
    let s = netrun::run(
        &cfg,
        &netrun::Options {
            threads: args.threads,
            scale: args.scale,
            plots: !args.output.no_plots,
            backend: args.backend,
        },
        &stage,
    )?;
    stage.commit()?;
    let rates: Vec<String> = s
        .populations
        .iter()
        .map(|p| format!("{} {:.2} Hz", p.name, p.stats.rate_hz))
        .collect();
    println!(
        "{} neurons, {} synapses, {} steps on {} threads in {:.3} s ({}) -> {}",
        s.neurons,
        s.synapses,
        s.steps,
        s.threads,
        s.timing_s.total,
        rates.join(", "),
        args.output.out.display()
    );
    Ok(())
}

#[derive(clap::Args)]
struct RunArgs {
    /// A TOML config file.
    config: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
    /// Also run the same config in a fixed-point format (default i16f16) and write how it
    /// differs from the float run: compare.png and "compare" in summary.json (membrane
    /// differences, spike agreement, the first step where the rasters part).
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "i16f16", value_name = "FORMAT")]
    compare_fixed: Option<ScalarKind>,
    /// Neuron model [config default: leaky].
    #[arg(long, value_enum)]
    model: Option<ModelKind>,
    /// Number type [config default: f32].
    #[arg(long, value_enum)]
    scalar: Option<ScalarKind>,
    /// Backend (auto: CUDA when present) [config default: auto].
    #[arg(long, value_enum)]
    backend: Option<BackendKind>,
    /// Number of neurons, 1 to 100,000,000 [config default: 100].
    #[arg(long)]
    neurons: Option<usize>,
    /// Number of time steps, 1 to 10,000,000 [config default: 1000].
    #[arg(long)]
    steps: Option<usize>,
    /// Seed of the random streams (stochastic models, Poisson and noise inputs) [config
    /// default: 0].
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
    /// Standard deviation of Gaussian noise added to every neuron's input at every step
    /// (seeded, independent per neuron), on top of --input.
    #[arg(long)]
    noise: Option<f64>,
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

/// The config file with the flags applied, validated.
fn config(args: &RunArgs) -> Result<Config, ConfigError> {
    let mut cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("config {}: {e}", path.display())))?;
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                ConfigError(format!("config {}: {}", path.display(), e.message()))
            })?;
            Config::parse(table)?
        }
        None => Config::default(),
    };
    if let Some(v) = args.model {
        cfg.model = v;
    }
    if let Some(v) = args.scalar {
        cfg.scalar = v;
    }
    if let Some(v) = args.backend {
        cfg.backend = v;
    }
    if let Some(v) = args.neurons {
        cfg.neurons = v;
    }
    if let Some(v) = args.steps {
        cfg.steps = v;
    }
    if let Some(v) = args.seed {
        cfg.seed = v;
    }
    if args.dt.is_some() {
        cfg.dt = args.dt;
    }
    if let Some(v) = args.noise {
        cfg.noise = v;
    }
    for p in &args.params {
        cfg.set_param(p)?;
    }
    if args.input.is_some() || !args.input_args.is_empty() {
        cfg.set_input(args.input.as_deref(), &args.input_args)?;
    }
    if args.modulation.is_some() || !args.modulation_args.is_empty() {
        cfg.set_modulation(args.modulation.as_deref(), &args.modulation_args)?;
    }
    if !args.record.is_empty() {
        cfg.record.neurons = args.record.clone();
    }
    cfg.validate()?;
    Ok(cfg)
}

fn run(args: &RunArgs) -> Result<(), String> {
    let cfg = config(args).map_err(|e| e.to_string())?;
    let stage = args.output.stage()?;
    // A comparison counts every differing spike, so both runs keep all of theirs.
    let keep = simulate::Keep {
        progress: true,
        spike_neurons: if args.compare_fixed.is_some() {
            cfg.neurons
        } else {
            plots::RASTER_NEURONS
        },
        files: Some(&stage),
    };
    let (mut results, info) = simulate::run(&cfg, &keep)?;
    if let Some(fixed) = args.compare_fixed {
        if !matches!(cfg.scalar, ScalarKind::F32 | ScalarKind::F64) {
            return Err("--compare-fixed: the run's --scalar must be f32 or f64".into());
        }
        if matches!(fixed, ScalarKind::F32 | ScalarKind::F64) {
            return Err("--compare-fixed: the format must be i16f16 or i8f24".into());
        }
        let mut other = cfg.clone();
        other.scalar = fixed;
        let keep = simulate::Keep {
            progress: true,
            spike_neurons: cfg.neurons,
            files: None,
        };
        let (fixed_run, _) = simulate::run(&other, &keep)?;
        let c = compare::compare(&results, &fixed_run);
        if !args.output.no_plots {
            compare::write_figure(&stage, &results, &fixed_run, &c)?;
        }
        results.summary.compare = Some(c);
    }
    let (threshold, threshold_label) = info.threshold;
    outputs::write(&stage, &results)?;
    let s = &results.summary;
    if !args.output.no_plots {
        plots::write_all(
            &stage,
            &plots::PlotData {
                title: format!("{:?} ({})", cfg.model, s.scalar),
                steps: results.steps,
                neurons: results.neurons,
                spike_neurons: results.spike_neurons,
                spikes: &results.spikes,
                recorded_spikes: &results.recorded_spikes,
                recorded: &results.recorded,
                trace: &results.trace,
                thresholds: &results.thresholds,
                input: &results.input,
                threshold,
                threshold_label,
                counts: &results.spike_counts,
                population: &results.population,
                time: info.time,
                voltage_unit: info.voltage_unit,
            },
        )?;
    }
    stage.commit()?;
    println!(
        "{} neurons x {} steps on {}: {} spikes ({:.4} per neuron-step), {:.3e} neuron-steps/s -> {}",
        results.neurons,
        results.steps,
        s.backend,
        s.stats.spike_count,
        s.stats.rate_per_step,
        s.neuron_steps_per_s,
        args.output.out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run(args),
        Command::Network(args) => network(args),
        Command::Serve(args) => serve::serve(args.port, args.backend),
        Command::Nir(args) => nir::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lif-sim: error: {e}");
            ExitCode::FAILURE
        }
    }
}
