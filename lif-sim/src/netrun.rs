//! `lif-sim network`: builds a network config on the CPU backend, runs it, and writes each
//! population's spikes, the summary (rates, CV of interspike intervals, the population
//! rate's spectral peak, time by part, memory) and the plots.

use std::time::Instant;

use lif_core::synapse::ChannelConfig;
use lif_core::{
    ExtendedConfig, I8F24, I16F16, LapicqueConfig, LeakyConfig, LifConfig, Scalar, SynapticConfig,
};
use lif_host_cuda::network::{
    Connection, Delay, Network, PopulationSpec, Recording, Synapses, Timing,
};
use serde::Serialize;

use crate::config::{BackendKind, ModelKind, ScalarKind, from_value};
use crate::inputs::Source;
use crate::netconfig::{Gain, NetworkConfig, PopulationConfig, Rule};
use crate::netstats::{self, PopulationStats};
use crate::outputs::write_npy;
use crate::staging::Staging;
use lif_sim::plot::{COLORS, Panel, Series, Style, figure};

/// What `lif-sim network` writes to summary.json.
#[derive(Debug, Serialize)]
pub struct NetworkSummary {
    /// The config's name.
    pub name: Option<String>,
    /// Number type.
    pub scalar: &'static str,
    /// Seed.
    pub seed: u64,
    /// Step in ms.
    pub dt_ms: f64,
    /// Steps run.
    pub steps: usize,
    /// Simulated time in seconds (`steps * dt_ms / 1000`).
    pub duration_s: f64,
    /// The backend that ran it: "cpu" or "cuda".
    pub backend: &'static str,
    /// Threads of the CPU backend.
    pub threads: usize,
    /// The `--scale` factor applied.
    pub scale: f64,
    /// Neurons in all.
    pub neurons: usize,
    /// Synapses in all.
    pub synapses: usize,
    /// Bytes of the stored synapses, and per synapse.
    pub synapse_bytes: usize,
    /// `synapse_bytes / synapses`.
    pub bytes_per_synapse: f64,
    /// Per population, in step order.
    pub populations: Vec<PopulationSummary>,
    /// Peak of the spectrum of all neurons' rate in 1 ms bins (Hz).
    pub population_rate_peak_hz: Option<f64>,
    /// Wall time by part, in seconds.
    pub timing_s: TimingSummary,
    /// Neuron-steps per second of the stepping loop as a whole (total time).
    pub neuron_steps_per_s: f64,
}

/// One population's part of the summary.
#[derive(Debug, Serialize)]
pub struct PopulationSummary {
    /// Name.
    pub name: String,
    /// Model.
    pub model: &'static str,
    /// Size.
    pub neurons: usize,
    /// Bytes of state per neuron (model, channels, delay buffer, input).
    pub bytes_per_neuron: usize,
    /// Spike statistics.
    #[serde(flatten)]
    pub stats: PopulationStats,
}

/// Seconds by part.
#[derive(Debug, Serialize)]
pub struct TimingSummary {
    /// Generating connectivity.
    pub connect: f64,
    /// Delivering spikes and collecting synaptic input.
    pub deliver: f64,
    /// Stepping neurons.
    pub step: f64,
    /// Recording spikes.
    pub record: f64,
    /// The whole run: building the network and all steps.
    pub total: f64,
}

/// Options from the command line.
pub struct Options {
    /// Threads (default: every core).
    pub threads: Option<usize>,
    /// Size factor (expected fan-in kept).
    pub scale: f64,
    /// Whether to draw plots.
    pub plots: bool,
    /// Where to run.
    pub backend: BackendKind,
}

/// Runs `cfg` and writes its outputs into `stage`; returns the summary.
pub fn run(cfg: &NetworkConfig, opts: &Options, stage: &Staging) -> Result<NetworkSummary, String> {
    let (summary, rec) = simulate(cfg, opts)?;
    for (p, pc) in cfg.populations.iter().enumerate() {
        write_events(stage, &pc.name, &rec.events[p])?;
        if !pc.record.is_empty() {
            write_membranes(stage, &pc.name, pc.record.len(), &rec.traces[p])?;
        }
    }
    let p = stage.path("summary.json");
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    std::fs::write(&p, text + "\n").map_err(|e| format!("{}: {e}", p.display()))?;
    if opts.plots {
        plots(cfg, &rec, stage)?;
    }
    Ok(summary)
}

/// Runs `cfg`; returns its summary and its spikes (what the dashboard shows).
pub fn simulate(
    cfg: &NetworkConfig,
    opts: &Options,
) -> Result<(NetworkSummary, Recording), String> {
    check_memory(cfg)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = opts.threads {
        if t == 0 {
            return Err("--threads: must be at least 1".into());
        }
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| format!("thread pool: {e}"))?;
    pool.install(|| match cfg.scalar {
        ScalarKind::F32 => run_as::<f32>(cfg, opts),
        ScalarKind::F64 => run_as::<f64>(cfg, opts),
        ScalarKind::I16f16 => run_as::<I16F16>(cfg, opts),
        ScalarKind::I8f24 => run_as::<I8F24>(cfg, opts),
    })
}

/// Refuses a network whose expected synapses and neurons would not fit in memory.
fn check_memory(cfg: &NetworkConfig) -> Result<(), String> {
    let size = |name: &str| {
        cfg.populations
            .iter()
            .find(|p| p.name == name)
            .map_or(0.0, |p| p.neurons as f64)
    };
    let synapses: f64 = cfg
        .projections
        .iter()
        .map(|pr| {
            let (s, t) = (size(&pr.from), size(&pr.to));
            match pr.rule {
                Rule::Probability(p) => p * s * t,
                Rule::FanIn(k) => f64::from(k) * t * 2.0, // drawn, then stored
                Rule::OneToOne => s,
                Rule::All => s * t,
            }
        })
        .sum();
    let neurons: f64 = cfg.populations.iter().map(|p| p.neurons as f64).sum();
    // Indices (4 B), dense weights (8 B, f64 then the scalar), about 100 B per neuron.
    let need = (synapses * 8.0 + neurons * 100.0) as u64;
    match crate::simulate::memory_available() {
        Some(have) if need > have => Err(format!(
            "this network needs about {} of memory ({neurons} neurons, about {synapses:.0} \
             synapses), {} are available: use a smaller --scale",
            crate::simulate::gib(need),
            crate::simulate::gib(have)
        )),
        _ => Ok(()),
    }
}

/// The model of population `p` with its parameters (the network's `dt` by default).
fn model_config<C: serde::de::DeserializeOwned>(
    p: &PopulationConfig,
    dt: f64,
) -> Result<C, String> {
    let mut params = p.params.clone();
    if matches!(
        p.model,
        ModelKind::Lapicque | ModelKind::Lif | ModelKind::Extended
    ) && !params.contains_key("dt")
    {
        params.insert("dt".into(), toml::Value::Float(dt));
    }
    from_value(
        &format!("population `{}`.params", p.name),
        toml::Value::Table(params),
    )
    .map_err(|e| e.to_string())
}

/// The channels of population `p`, their "exact" gains computed for its lif model.
fn channels(p: &PopulationConfig, dt: f64) -> Result<Vec<ChannelConfig>, String> {
    if p.channels.is_empty() {
        return Ok(vec![ChannelConfig::instantaneous()]);
    }
    p.channels
        .iter()
        .map(|c| {
            let gain = match &c.gain {
                Gain::Value(g) => *g,
                Gain::Named(n) if n == "exact" => {
                    let lif: LifConfig = match p.model {
                        ModelKind::Lif => model_config(p, dt)?,
                        _ => {
                            return Err(format!(
                                "population `{}` channel `{}`: gain \"exact\" needs a lif \
                                 population",
                                p.name, c.name
                            ));
                        }
                    };
                    let tau = c.tau.ok_or_else(|| {
                        format!(
                            "population `{}` channel `{}`: gain \"exact\" needs a tau",
                            p.name, c.name
                        )
                    })?;
                    ChannelConfig::exact_for_lif(tau, lif.tau, lif.r, dt)
                        .map_err(|e| format!("population `{}` channel `{}`: {e}", p.name, c.name))?
                }
                Gain::Named(n) => {
                    return Err(format!(
                        "population `{}` channel `{}`: gain must be a number or \"exact\", \
                         got \"{n}\"",
                        p.name, c.name
                    ));
                }
            };
            Ok(ChannelConfig { tau: c.tau, gain })
        })
        .collect()
}

fn run_as<S: Scalar + Send + Sync + 'static>(
    cfg: &NetworkConfig,
    opts: &Options,
) -> Result<(NetworkSummary, Recording), String> {
    let start = Instant::now();
    let mut net = Network::<S>::new(cfg.seed, cfg.dt);
    for p in &cfg.populations {
        let stimulus = match &p.input {
            None => None,
            Some(spec) => match Source::<S>::new(spec, p.noise, p.neurons, cfg.steps, cfg.seed)
                .map_err(|e| format!("population `{}`.{e}", p.name))?
            {
                Source::Generated(s) => Some(s),
                Source::File { .. } => {
                    return Err(format!(
                        "population `{}`.input: network inputs are generated (constant, step, \
                         pulse, ramp, sine, noise, poisson); files are not supported",
                        p.name
                    ));
                }
            },
        };
        let chans = channels(p, cfg.dt)?;
        macro_rules! add {
            ($cfg_ty:ty) => {{
                let mc: $cfg_ty = model_config(p, cfg.dt)?;
                let model = mc
                    .build::<S>()
                    .map_err(|e| format!("population `{}`.params: {e}", p.name))?;
                let mut spec = PopulationSpec::new(&p.name, model, p.neurons).channels(chans);
                if let Some(b) = p.bias {
                    spec = spec.bias(vec![b; p.neurons]);
                }
                if let Some(s) = stimulus {
                    spec = spec.stimulus(s);
                }
                if let Some([lo, hi]) = p.initial_membrane {
                    spec = spec.initial_membrane(lo, hi);
                }
                net.add(spec).map_err(|e| e.to_string())?
            }};
        }
        match p.model {
            ModelKind::Leaky => add!(LeakyConfig),
            ModelKind::Lapicque => add!(LapicqueConfig),
            ModelKind::Synaptic => add!(SynapticConfig),
            ModelKind::Lif => add!(LifConfig),
            ModelKind::Extended => add!(ExtendedConfig),
        };
    }
    for pr in &cfg.projections {
        let (source, target) = (cfg.index(&pr.from), cfg.index(&pr.to));
        let tp = &cfg.populations[target];
        let channel = match &pr.channel {
            None => 0,
            Some(name) => tp
                .channels
                .iter()
                .position(|c| &c.name == name)
                .unwrap_or(0),
        };
        let w = pr.weight;
        let synapses = match pr.rule {
            Rule::Probability(p) => Synapses::Probability { p, weight: w },
            Rule::FanIn(k) => Synapses::FanIn { k, weight: w },
            Rule::OneToOne => Synapses::OneToOne { weight: w },
            Rule::All => Synapses::Dense {
                weights: vec![w; cfg.populations[source].neurons * tp.neurons],
            },
        };
        net.connect(Connection {
            source,
            target,
            channel,
            delay: Delay::Uniform(pr.delay),
            synapses,
        })
        .map_err(|e| e.to_string())?;
    }
    let mut rec = Recording {
        watch: cfg.populations.iter().map(|p| p.record.clone()).collect(),
        ..Recording::default()
    };
    let backend = run_network(&mut net, cfg.steps, &mut rec, opts.backend)?;
    let total = start.elapsed().as_secs_f64();

    let np = cfg.populations.len();
    let mut populations = Vec::with_capacity(np);
    for (p, pc) in cfg.populations.iter().enumerate() {
        populations.push(PopulationSummary {
            name: pc.name.clone(),
            model: pc.model.name(),
            neurons: pc.neurons,
            bytes_per_neuron: net.bytes_per_neuron(p),
            stats: netstats::population(&rec.events[p], pc.neurons, cfg.steps, cfg.dt),
        });
    }
    let all: Vec<&[(u32, u32)]> = rec.events.iter().map(Vec::as_slice).collect();
    let (rate, bin_ms) = netstats::binned_rate(&all, cfg.steps, cfg.dt);
    let Timing {
        connect,
        deliver,
        step,
        record,
    } = net.timing();
    let neurons: usize = cfg.populations.iter().map(|p| p.neurons).sum();
    let synapses = net.synapse_count();
    let summary = NetworkSummary {
        name: cfg.name.clone(),
        scalar: S::NAME,
        seed: cfg.seed,
        dt_ms: cfg.dt,
        steps: cfg.steps,
        duration_s: cfg.steps as f64 * cfg.dt / 1000.0,
        backend,
        threads: rayon::current_num_threads(),
        scale: opts.scale,
        neurons,
        synapses,
        synapse_bytes: net.synapse_bytes(),
        bytes_per_synapse: net.synapse_bytes() as f64 / synapses.max(1) as f64,
        populations,
        population_rate_peak_hz: netstats::spectrum_peak(&rate, bin_ms),
        timing_s: TimingSummary {
            connect: connect.as_secs_f64(),
            deliver: deliver.as_secs_f64(),
            step: step.as_secs_f64(),
            record: record.as_secs_f64(),
            total,
        },
        neuron_steps_per_s: (neurons * cfg.steps) as f64 / total,
    };
    Ok((summary, rec))
}

/// Runs `net` on `backend`; returns the backend's name. `auto` takes CUDA when this build
/// has it and a device answers, else the CPU.
fn run_network<S: Scalar + Send + Sync + 'static>(
    net: &mut Network<S>,
    steps: usize,
    rec: &mut Recording,
    backend: BackendKind,
) -> Result<&'static str, String> {
    #[cfg(feature = "cuda")]
    if backend != BackendKind::Cpu {
        match net.run_cuda(steps, rec) {
            Ok(()) => return Ok("cuda"),
            Err(lif_host_cuda::SimError::NoDevice(why)) if backend == BackendKind::Auto => {
                eprintln!("lif-sim: no CUDA device ({why}): running on the CPU");
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    #[cfg(not(feature = "cuda"))]
    if backend == BackendKind::Cuda {
        return Err("--backend cuda: this lif-sim was built without the cuda feature".into());
    }
    net.run(steps, rec).map_err(|e| e.to_string())?;
    Ok("cpu")
}

/// `spikes-NAME.npy`: uint32 (spikes, 2), columns step and neuron.
fn write_events(stage: &Staging, name: &str, events: &[(u32, u32)]) -> Result<(), String> {
    let p = stage.path(&format!("spikes-{name}.npy"));
    let values = events.iter().flat_map(|&(t, i)| [t, i]);
    write_npy(&p, &[events.len() as u64, 2], values)
}

/// `membrane-NAME.npy`: float64 (steps, recorded neurons).
fn write_membranes(stage: &Staging, name: &str, k: usize, trace: &[f64]) -> Result<(), String> {
    let p = stage.path(&format!("membrane-{name}.npy"));
    let shape = [(trace.len() / k.max(1)) as u64, k as u64];
    write_npy(&p, &shape, trace.iter().copied())
}

/// Neurons of each population the raster shows: all, up to this many in all (shared in
/// proportion to the populations' sizes).
pub(crate) const RASTER_ROWS: usize = 400;

/// raster.png/svg (a row per neuron, coloured by population) and rates.png/svg (each
/// population's rate in 1 ms bins).
fn plots(cfg: &NetworkConfig, rec: &Recording, stage: &Staging) -> Result<(), String> {
    let total: usize = cfg.populations.iter().map(|p| p.neurons).sum();
    let ms = |t: u32| f64::from(t) * cfg.dt;
    let mut series = Vec::new();
    let mut row0 = 0.0;
    for (p, pc) in cfg.populations.iter().enumerate() {
        let rows = (pc.neurons * RASTER_ROWS)
            .div_ceil(total.max(1))
            .min(pc.neurons);
        let dots = rec.events[p]
            .iter()
            .filter(|&&(_, i)| (i as usize) < rows)
            .map(|&(t, i)| (ms(t), row0 + f64::from(i)))
            .collect();
        series.push(Series::new(
            format!("{} ({rows} of {})", pc.name, pc.neurons),
            dots,
            Style::Dots,
            p % COLORS.len(),
        ));
        row0 += rows as f64;
    }
    let title = cfg.name.clone().unwrap_or_else(|| "network".into());
    let duration = cfg.steps as f64 * cfg.dt;
    let raster = Panel {
        title: format!("{title}: spikes"),
        x_desc: "time (ms)".into(),
        y_desc: "neuron".into(),
        series,
        x_range: Some((0.0, duration)),
        y_range: Some((-0.5, row0 - 0.5)),
        integer_y: true,
        ..Panel::default()
    };
    // 5 ms bins (or at least 1 step): 1 ms bins of a few hundred neurons are mostly noise.
    let per_bin = ((5.0 / cfg.dt).round() as usize).max(1);
    let bin_ms = per_bin as f64 * cfg.dt;
    let mut rates: Vec<Series> = Vec::new();
    let mut top: f64 = 1.0;
    for (p, pc) in cfg.populations.iter().enumerate() {
        let mut counts = vec![0.0; cfg.steps.div_ceil(per_bin)];
        for &(t, _) in &rec.events[p] {
            if let Some(c) = counts.get_mut(t as usize / per_bin) {
                *c += 1.0;
            }
        }
        let hz = 1000.0 / (bin_ms * pc.neurons as f64);
        let points: Vec<(f64, f64)> = counts
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                (
                    ((k * per_bin) as f64 + per_bin as f64 / 2.0) * cfg.dt,
                    c * hz,
                )
            })
            .collect();
        top = points.iter().map(|p| p.1).fold(top, f64::max);
        rates.push(Series::new(
            pc.name.clone(),
            points,
            Style::Line,
            p % COLORS.len(),
        ));
    }
    let rate_panel = Panel {
        title: format!("{title}: population rate ({bin_ms:.1} ms bins)"),
        x_desc: "time (ms)".into(),
        y_desc: "rate (Hz)".into(),
        series: rates,
        x_range: Some((0.0, duration)),
        y_range: Some((0.0, top * 1.05)),
        ..Panel::default()
    };
    figure(&stage.path("raster"), &[raster, rate_panel], 360)
}
