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
mod serve;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use config::{Config, ConfigError, flag_value};
use outputs::Staging;

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
    /// Start the dashboard: a local web page on 127.0.0.1 whose controls rerun the simulation
    /// (in f32 and I16F16 side by side) as they move. Prints the address; Ctrl-C stops it.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Backend of the runs: auto (CUDA when present), cpu or cuda.
    #[arg(long, default_value = "auto")]
    backend: String,
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
    if let Some(v) = args.noise {
        set("noise", v.into());
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

fn run(args: &RunArgs) -> Result<(), String> {
    let cfg =
        Config::from_table(table(args).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let stage = Staging::new(&args.out, args.force)?;
    let (results, (threshold, threshold_label)) = simulate::dispatch(&cfg, true)?;
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
        Command::Serve(args) => serve::serve(args.port, &args.backend),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lif-sim: error: {e}");
            ExitCode::FAILURE
        }
    }
}
