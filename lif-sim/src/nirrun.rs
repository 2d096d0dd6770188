//! `lif-sim nir run FILE --input X.npy`: a NIR graph imported by lif-nir and run on the CPU
//! backend, one network per sample, samples in parallel (the bits do not depend on it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lif_core::{I8F24, I16F16, Reset, Scalar};
use lif_nir::{Convention, ImportOptions, Model, Run};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::ScalarKind;
use crate::outputs::write_npy;
use crate::staging::{OutputArgs, Staging};
use lif_sim::plot::{COLORS, Panel, Series, Style, figure};

/// `lif-sim nir run`'s options.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The .nir file.
    file: PathBuf,
    /// The input, float32 or float64 .npy: (steps, inputs) for one sample, (steps, batch,
    /// inputs) as snnTorch lays out a batch, or with --steps, (batch, inputs) held constant
    /// for that many steps.
    #[arg(long)]
    input: PathBuf,
    /// Hold each row of a 2-d --input for this many steps (one sample per row).
    #[arg(long)]
    steps: Option<usize>,
    /// Integer labels .npy (one per sample): adds the accuracy to summary.json.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Time step in seconds (the file has none; snnTorch, SpikingJelly and Lava use 1e-4,
    /// Norse 1e-3).
    #[arg(long, default_value_t = 1e-4)]
    dt: f64,
    /// Reset mechanism of the spiking neurons (the file has none) [default: zero, as
    /// snnTorch's import].
    #[arg(long, value_enum)]
    reset: Option<ResetKind>,
    /// Apply a spike's reset on the next step (snnTorch's reset_delay=True) [default: no].
    #[arg(long)]
    reset_delay: bool,
    /// Quantise the weights to 8 bits with a scale per target neuron (the microcontroller's
    /// flash-saving form).
    #[arg(long)]
    int8_weights: bool,
    /// The file comes from Norse: its time constants are `dt * tau` and a CubaLIF's input
    /// jumps into its current unscaled (use with --dt 1e-3, Norse's default).
    #[arg(long)]
    norse: bool,
    /// Number type.
    #[arg(long, value_enum, default_value_t = ScalarKind::F32)]
    scalar: ScalarKind,
    /// CPU threads (default: every core). Results never depend on it.
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The reset mechanism, as the CLI names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetKind {
    /// Set the membrane to zero.
    Zero,
    /// Subtract the threshold.
    Subtract,
    /// No reset.
    None,
}

impl From<ResetKind> for Reset {
    fn from(r: ResetKind) -> Self {
        match r {
            ResetKind::Zero => Reset::Zero,
            ResetKind::Subtract => Reset::Subtract,
            ResetKind::None => Reset::None,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    file: String,
    scalar: &'static str,
    dt: f64,
    reset: String,
    reset_delay: bool,
    int8_weights: bool,
    warnings: Vec<String>,
    samples: usize,
    steps: usize,
    output: OutputSummary,
    populations: Vec<PopulationSummary>,
    accuracy: Option<f64>,
    threads: usize,
    seconds: f64,
    inferences_per_second: f64,
}

#[derive(Serialize)]
struct OutputSummary {
    population: String,
    kind: &'static str,
    neurons: usize,
}

#[derive(Serialize)]
struct PopulationSummary {
    name: String,
    kind: &'static str,
    neurons: usize,
    spikes: usize,
}

/// Runs `lif-sim nir run`.
pub fn run(args: &RunArgs) -> Result<(), String> {
    if let Some(0) = args.threads {
        return Err("--threads: must be at least 1".into());
    }
    let nir = lif_nir::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let opts = ImportOptions {
        dt: args.dt,
        reset: args.reset.map(Reset::from),
        reset_delay: (args.reset.is_some() || args.reset_delay).then_some(args.reset_delay),
        int8_weights: args.int8_weights,
        convention: if args.norse {
            Convention::Norse
        } else {
            Convention::SnnTorch
        },
    };
    let model =
        lif_nir::import(&nir, &opts).map_err(|e| format!("{}: {e}", args.file.display()))?;
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    let samples = read_input(&args.input, args.steps, model.inputs)?;
    let labels = match &args.labels {
        Some(p) => {
            let l = read_labels(p)?;
            if l.len() != samples.len() {
                return Err(format!(
                    "--labels {}: {} labels for {} samples",
                    p.display(),
                    l.len(),
                    samples.len()
                ));
            }
            Some(l)
        }
        None => None,
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| format!("thread pool: {e}"))?;
    let stage = args.output.stage()?;
    let start = Instant::now();
    let runs = pool.install(|| match args.scalar {
        ScalarKind::F32 => run_all::<f32>(&model, &samples),
        ScalarKind::F64 => run_all::<f64>(&model, &samples),
        ScalarKind::I16f16 => run_all::<I16F16>(&model, &samples),
        ScalarKind::I8f24 => run_all::<I8F24>(&model, &samples),
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let out = &model.populations[model.output];
    let predictions: Vec<i64> = runs
        .iter()
        .map(|r| r.predicted(out.spiking).map_or(-1, |p| p as i64))
        .collect();
    let accuracy = labels.as_ref().map(|l| {
        let right = predictions.iter().zip(l).filter(|(p, y)| p == y).count();
        100.0 * right as f64 / l.len() as f64
    });
    write_outputs(&stage, &model, &runs, &predictions)?;
    let steps = samples.first().map_or(0, |s| s.len() / model.inputs);
    let summary = Summary {
        file: args.file.display().to_string(),
        scalar: scalar_name(args.scalar),
        dt: args.dt,
        reset: format!("{:?}", opts.reset.unwrap_or(Reset::Zero)).to_lowercase(),
        reset_delay: opts.reset_delay.unwrap_or(false),
        int8_weights: args.int8_weights,
        warnings: model.warnings.clone(),
        samples: samples.len(),
        steps,
        output: OutputSummary {
            population: out.name.clone(),
            kind: if out.spiking { "spikes" } else { "membrane" },
            neurons: out.neurons.len(),
        },
        populations: model
            .populations
            .iter()
            .enumerate()
            .map(|(p, pop)| PopulationSummary {
                name: pop.name.clone(),
                kind: pop.kind,
                neurons: pop.neurons.len(),
                spikes: runs.iter().map(|r| r.events[p].len()).sum(),
            })
            .collect(),
        accuracy,
        threads: pool.current_num_threads(),
        seconds,
        inferences_per_second: samples.len() as f64 / seconds.max(1e-9),
    };
    let p = stage.path("summary.json");
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    std::fs::write(&p, text + "\n").map_err(|e| format!("{}: {e}", p.display()))?;
    if !args.output.no_plots && !runs.is_empty() {
        raster(&stage, &model, &runs[0])?;
    }
    stage.commit()?;
    let acc = accuracy.map_or(String::new(), |a| format!(", accuracy {a:.2}%"));
    println!(
        "{} samples x {steps} steps in {}: {:.0} inferences/s on {} thread{}{acc} -> {}",
        samples.len(),
        summary.scalar,
        summary.inferences_per_second,
        summary.threads,
        if summary.threads == 1 { "" } else { "s" },
        args.output.out.display()
    );
    Ok(())
}

fn scalar_name(s: ScalarKind) -> &'static str {
    match s {
        ScalarKind::F32 => f32::NAME,
        ScalarKind::F64 => f64::NAME,
        ScalarKind::I16f16 => I16F16::NAME,
        ScalarKind::I8f24 => I8F24::NAME,
    }
}

fn run_all<S: Scalar + Send + Sync + 'static>(
    model: &Model,
    samples: &[Vec<f32>],
) -> Result<Vec<Run>, String> {
    samples
        .par_iter()
        .enumerate()
        .map(|(i, x)| model.run::<S>(x).map_err(|e| format!("sample {i}: {e}")))
        .collect()
}

/// The samples of `path`, each row-major `(steps, inputs)`.
fn read_input(path: &Path, hold: Option<usize>, inputs: usize) -> Result<Vec<Vec<f32>>, String> {
    let shown = path.display();
    let (shape, x) = read_floats(path)?;
    let bad = |what: String| format!("--input {shown}: {what}");
    let per = |n: usize| {
        if n == inputs {
            Ok(())
        } else {
            Err(bad(format!(
                "{n} values per step, but the graph takes {inputs}"
            )))
        }
    };
    if x.iter().any(|v| !v.is_finite()) {
        return Err(bad("holds NaN or an infinity".into()));
    }
    let samples = match (shape.as_slice(), hold) {
        ([batch, n], Some(steps)) => {
            per(*n)?;
            if steps == 0 {
                return Err("--steps: must be at least 1".into());
            }
            (0..*batch)
                .map(|b| x[b * n..][..*n].repeat(steps))
                .collect()
        }
        ([_, n], None) => {
            per(*n)?;
            vec![x]
        }
        ([steps, batch, n], None) => {
            per(*n)?;
            (0..*batch)
                .map(|b| {
                    (0..*steps)
                        .flat_map(|t| x[(t * batch + b) * n..][..*n].iter().copied())
                        .collect()
                })
                .collect()
        }
        (s, Some(_)) => {
            return Err(bad(format!(
                "shape {s:?}: --steps takes a 2-d (samples, inputs) array"
            )));
        }
        (s, None) => {
            return Err(bad(format!(
                "shape {s:?}: expected (steps, inputs) or (steps, batch, inputs)"
            )));
        }
    };
    let samples: Vec<Vec<f32>> = samples;
    if samples.is_empty() || samples[0].is_empty() {
        return Err(bad("no samples or no steps".into()));
    }
    Ok(samples)
}

fn open(path: &Path) -> Result<npyz::NpyFile<std::io::BufReader<File>>, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    npyz::NpyFile::new(std::io::BufReader::new(f))
        .map_err(|e| format!("{}: not a .npy file: {e}", path.display()))
}

fn type_str(f: &npyz::NpyFile<std::io::BufReader<File>>) -> String {
    match f.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => format!("{other:?}"),
    }
}

fn read_floats(path: &Path) -> Result<(Vec<usize>, Vec<f32>), String> {
    let f = open(path)?;
    let shape: Vec<usize> = f.shape().iter().map(|&n| n as usize).collect();
    let t = type_str(&f);
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let x = match t.as_str() {
        "<f4" => f.into_vec::<f32>().map_err(err)?,
        "<f8" => f
            .into_vec::<f64>()
            .map_err(err)?
            .into_iter()
            .map(|v| v as f32)
            .collect(),
        other => {
            return Err(format!(
                "{}: dtype {other}; expected float32 or float64",
                path.display()
            ));
        }
    };
    Ok((shape, x))
}

fn read_labels(path: &Path) -> Result<Vec<i64>, String> {
    let f = open(path)?;
    let t = type_str(&f);
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    Ok(match t.as_str() {
        "<i8" => f.into_vec::<i64>().map_err(err)?,
        "<i4" => f
            .into_vec::<i32>()
            .map_err(err)?
            .into_iter()
            .map(i64::from)
            .collect(),
        "|u1" => f
            .into_vec::<u8>()
            .map_err(err)?
            .into_iter()
            .map(i64::from)
            .collect(),
        other => {
            return Err(format!(
                "{}: dtype {other}; expected int64, int32 or uint8 labels",
                path.display()
            ));
        }
    })
}

/// output.npy (samples, steps, outputs) float32; predictions.npy (samples) int64;
/// spikes-POP.npy (events, 3) uint32: sample, step, neuron.
fn write_outputs(
    stage: &Staging,
    model: &Model,
    runs: &[Run],
    predictions: &[i64],
) -> Result<(), String> {
    let steps = runs.first().map_or(0, |r| r.steps) as u64;
    let n = model.populations[model.output].neurons.len() as u64;
    let outputs = runs.iter().flat_map(|r| r.output.iter().map(|&v| v as f32));
    write_npy(
        &stage.path("output.npy"),
        &[runs.len() as u64, steps, n],
        outputs,
    )?;
    let shape = [predictions.len() as u64];
    write_npy(
        &stage.path("predictions.npy"),
        &shape,
        predictions.iter().copied(),
    )?;
    for (k, pop) in model.populations.iter().enumerate() {
        let events: usize = runs.iter().map(|r| r.events[k].len()).sum();
        let rows = runs
            .iter()
            .enumerate()
            .flat_map(|(s, r)| r.events[k].iter().flat_map(move |&(t, i)| [s as u32, t, i]));
        let p = stage.path(&format!("spikes-{}.npy", pop.name));
        write_npy(&p, &[events as u64, 3], rows)?;
    }
    Ok(())
}

/// raster.png/svg: the first sample's spikes, a row per neuron, coloured by population.
fn raster(stage: &Staging, model: &Model, run: &Run) -> Result<(), String> {
    let mut series = Vec::new();
    let mut row0 = 0.0;
    for (p, pop) in model.populations.iter().enumerate() {
        let dots = run.events[p]
            .iter()
            .map(|&(t, i)| (f64::from(t), row0 + f64::from(i)))
            .collect();
        series.push(Series::new(
            format!("{} ({})", pop.name, pop.kind),
            dots,
            Style::Dots,
            p % COLORS.len(),
        ));
        row0 += pop.neurons.len() as f64;
    }
    let panel = Panel {
        title: "sample 0: spikes".into(),
        x_desc: "step".into(),
        y_desc: "neuron".into(),
        series,
        x_range: Some((0.0, run.steps as f64)),
        y_range: Some((-0.5, row0 - 0.5)),
        integer_y: true,
        ..Panel::default()
    };
    figure(&stage.path("raster"), &[panel], 360)
}
