//! One run of a validated config on the simulator: the same path for `lif-sim run` and the
//! dashboard's requests.

use std::time::Instant;

use lif_core::{
    ExtendedConfig, I8F24, I16F16, LapicqueConfig, LeakyConfig, LifConfig, Neuron, Scalar,
    Stimulus, SynapticConfig,
};
use lif_host_cuda::{Backend, Input, RunOutput, Simulator};

use crate::config::{BackendKind, Config, ModelKind, ScalarKind};
use crate::inputs::{self, Source};
use crate::outputs::{Intervals, Results, SpikeFiles, Summary};
use crate::plots::TimeAxis;
use crate::staging::Staging;

/// What a model's plots draw besides the data: the threshold and its legend, the time axis
/// and the membrane's unit.
pub struct PlotInfo {
    pub threshold: (f64, &'static str),
    pub time: TimeAxis,
    pub voltage_unit: &'static str,
}

/// The threshold a model's plot draws, its legend, and the model's units.
trait Threshold {
    fn threshold(&self) -> (f64, &'static str);
    /// Steps and model units, unless the model has physical ones.
    fn units(&self) -> (TimeAxis, &'static str) {
        let steps = TimeAxis {
            scale: 1.0,
            label: "time step",
        };
        (steps, "model units")
    }
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
    /// BrainPy's LIF is written in mV and ms.
    fn units(&self) -> (TimeAxis, &'static str) {
        let ms = TimeAxis {
            scale: self.dt,
            label: "time (ms)",
        };
        (ms, "mV")
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

/// How a run keeps its spikes.
pub struct Keep<'a> {
    /// Show a progress bar and the backend's note on stderr.
    pub progress: bool,
    /// Neurons `0..spike_neurons` keep their spikes in [`Results::spikes`].
    pub spike_neurons: usize,
    /// Where every spike is streamed as the run goes (`spikes.npy`, `spikes.csv`).
    pub files: Option<&'a Staging>,
}

/// Bytes of memory the machine can still give, where the OS says (Linux).
pub(crate) fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub(crate) fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// Refuses a run whose buffers would not fit the memory available, before anything large
/// is allocated.
fn check_memory(need: u64, cfg: &Config) -> Result<(), String> {
    match memory_available() {
        Some(have) if need > have => Err(format!(
            "this run needs about {} of memory ({} neurons x {} steps, {} recorded), {} are \
             available: use fewer neurons, steps or recorded neurons",
            gib(need),
            cfg.neurons,
            cfg.steps,
            cfg.record.neurons.len(),
            gib(have)
        )),
        _ => Ok(()),
    }
}

/// Runs `cfg` with model `model` in scalar `S`; returns the results.
fn simulate<S, M>(cfg: &Config, model: M, keep: &Keep) -> Result<Results, String>
where
    S: Scalar,
    M: Neuron<S> + Send + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    let backend = match cfg.backend {
        BackendKind::Auto => Backend::Auto,
        BackendKind::Cpu => Backend::Cpu,
        BackendKind::Cuda => Backend::Cuda,
    };
    let (n, steps) = (cfg.neurons, cfg.steps);
    let input = cfg.input().map_err(|e| e.to_string())?;
    let mut source: Source<S> =
        Source::new(input, cfg.noise, n, steps, cfg.seed).map_err(|e| e.to_string())?;
    let modulation = match &cfg.modulation {
        Some(m) => Some(Stimulus::<S>::new(
            inputs::shape("modulation", m, steps).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let record = cfg.record.neurons.clone();
    let k = record.len();
    let words = n.div_ceil(32);
    let kept = keep.spike_neurons.min(n);
    let kept_words = kept.div_ceil(32);
    // Chunks of steps bound the host input and the spike rows to about 64 MiB each.
    let chunk = ((64 << 20) / (n * size_of::<S>()).max(1)).clamp(1, steps);
    let (n64, steps64, k64) = (n as u64, steps as u64, k as u64);
    let per_neuron = 2 * size_of::<M::State>() as u64 // state, and its undo copy
        + 4 + 8 + 4; // the backend's counts, the run's counts, the last spike
    let need = n64 * per_neuron
        + steps64 * (kept_words as u64 * 4 + k64 * (2 * 8 + 2 * size_of::<S>() as u64 + 1) + 8)
        + chunk as u64 * (words as u64 * 4 + n64 * size_of::<S>() as u64);
    check_memory(need, cfg)?;
    let mut sim =
        Simulator::new(model, n, cfg.seed, backend).map_err(|e| format!("backend: {e}"))?;
    if let Some(note) = sim.note().filter(|_| keep.progress) {
        eprintln!("lif-sim: {note}");
    }
    let mut files = match keep.files {
        Some(stage) => Some(SpikeFiles::create(stage, n, steps)?),
        None => None,
    };
    let mut intervals = Intervals::new(n);
    let bar = if keep.progress {
        indicatif::ProgressBar::new(steps as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let (mut spikes, mut trace, mut thresholds, mut recorded_spikes) = (
        Vec::with_capacity(steps * kept_words),
        Vec::with_capacity(steps * k),
        Vec::with_capacity(steps * k),
        Vec::with_capacity(steps * k),
    );
    let mut counts = vec![0u64; n];
    let mut population = Vec::with_capacity(steps);
    // Neuron 0's input, for the input plot: host rows, or the stimulus replayed from the
    // input draws for neuron 0 (exactly what the backend generated).
    let mut input0 = Vec::with_capacity(steps);
    let draws = lif_core::input::input_draws(cfg.seed);
    let mut last_signal: Option<S> = None;
    let mut done = 0;
    // One output buffer for every chunk.
    let mut out = RunOutput::default();
    while done < steps {
        let mut len = chunk.min(steps - done);
        if let Some(signal) = &modulation {
            let v = signal.level(done as u64);
            if last_signal != Some(v) {
                sim.modulate(v).map_err(|e| format!("modulation: {e}"))?;
                last_signal = Some(v);
            }
            // Run up to the next change of the signal.
            len = (1..len)
                .find(|&k| signal.level((done + k) as u64) != v)
                .unwrap_or(len);
        }
        let result = match &mut source {
            Source::Generated(s) => {
                input0.extend((0..len).map(|k| s.value(draws, 0, (done + k) as u64).to_f64()));
                sim.run_into(Input::Generated(*s), len, &record, &mut out)
            }
            file => {
                let rows = file
                    .chunk(done as u64, len, n)
                    .map_err(|e| e.to_string())?
                    .unwrap_or_default();
                input0.extend(rows.iter().step_by(n).map(|v| v.to_f64()));
                sim.run_into(Input::Array(&rows), len, &record, &mut out)
            }
        };
        result.map_err(|e| format!("simulation: {e}"))?;
        for row in out.spikes.chunks(words) {
            population.push(row.iter().map(|w| w.count_ones()).sum::<u32>());
            spikes.extend_from_slice(&row[..kept_words]);
            if kept % 32 != 0
                && let Some(last) = spikes.last_mut()
            {
                *last &= (1u32 << (kept % 32)) - 1;
            }
            recorded_spikes.extend(record.iter().map(|&i| row[i / 32] >> (i % 32) & 1 == 1));
        }
        intervals.add(&out.spikes, done);
        if let Some(files) = &mut files {
            files.write(&out.spikes, done)?;
        }
        for (c, &k) in counts.iter_mut().zip(&out.counts()) {
            *c += u64::from(k);
        }
        trace.extend(out.trace.iter().map(|v| v.to_f64()));
        thresholds.extend(out.thresholds.iter().map(|v| v.to_f64()));
        done += len;
        if start.elapsed().as_millis() > 500 {
            bar.set_position(done as u64);
        }
    }
    bar.finish_and_clear();
    if let Some(files) = files {
        files.finish()?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let summary = Summary {
        model: cfg.model.name(),
        scalar: S::NAME,
        backend: sim.backend_name(),
        backend_note: sim.note().map(str::to_owned),
        neurons: n,
        steps,
        seed: cfg.seed,
        dt: cfg
            .dt
            .or_else(|| cfg.params.get("dt").and_then(|v| v.as_float())),
        wall_time_s: seconds,
        neuron_steps_per_s: (n * steps) as f64 / seconds.max(1e-9),
        recorded_neurons: record.clone(),
        plot_clipped_values: [&trace, &thresholds, &input0]
            .iter()
            .map(|v| lif_sim::plot::clipped(v))
            .sum(),
        stats: intervals.statistics(&counts, steps),
        compare: None,
    };
    Ok(Results {
        neurons: n,
        steps,
        spike_neurons: kept,
        spikes,
        recorded: record,
        trace,
        recorded_spikes,
        thresholds,
        input: input0,
        spike_counts: counts,
        population,
        summary,
    })
}

/// [`run`] for the dashboard: every spike kept in memory, no progress bar; also returns the
/// threshold to draw.
pub fn dispatch(cfg: &Config) -> Result<(Results, (f64, &'static str)), String> {
    let keep = Keep {
        progress: false,
        spike_neurons: cfg.neurons,
        files: None,
    };
    run(cfg, &keep).map(|(r, info)| (r, info.threshold))
}

/// Picks the model config from `params` and the scalar, then runs; also returns what the
/// plots need to know of the model.
pub fn run(cfg: &Config, keep: &Keep) -> Result<(Results, PlotInfo), String> {
    macro_rules! with_scalar {
        ($cfg_ty:ty) => {{
            let mc: $cfg_ty = cfg.model_config().map_err(|e| e.to_string())?;
            let (time, voltage_unit) = mc.units();
            let info = PlotInfo {
                threshold: mc.threshold(),
                time,
                voltage_unit,
            };
            let err = |e: lif_core::Error| format!("params: {e}");
            let results = match cfg.scalar {
                ScalarKind::F32 => simulate::<f32, _>(cfg, mc.build::<f32>().map_err(err)?, keep),
                ScalarKind::F64 => simulate::<f64, _>(cfg, mc.build::<f64>().map_err(err)?, keep),
                ScalarKind::I16f16 => {
                    simulate::<I16F16, _>(cfg, mc.build::<I16F16>().map_err(err)?, keep)
                }
                ScalarKind::I8f24 => {
                    simulate::<I8F24, _>(cfg, mc.build::<I8F24>().map_err(err)?, keep)
                }
            }?;
            Ok((results, info))
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
