//! One run of a validated config on the simulator: the same path for `lif-sim run` and the
//! dashboard's requests.

use std::time::Instant;

use lif_core::{
    ExtendedConfig, I8F24, I16F16, LapicqueConfig, LeakyConfig, LifConfig, Neuron, Scalar,
    SynapticConfig,
};
use lif_host_cuda::{Backend, Input, RunOutput, Simulator};

use crate::config::{BackendKind, Config, ModelKind, ScalarKind};
use crate::inputs::{self, Source};
use crate::outputs::{self, Results};

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
fn simulate<S, M>(cfg: &Config, model: M, progress: bool) -> Result<Results, String>
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
    if let Some(note) = sim.note().filter(|_| progress) {
        eprintln!("lif-sim: {note}");
    }
    let mut source: Source<S> =
        Source::new(&cfg.input, cfg.noise, n, steps, cfg.seed).map_err(|e| e.to_string())?;
    let record = cfg.record.neurons.clone();
    // Chunks of steps bound the host input buffer to about 64 MiB.
    let chunk = ((64 << 20) / (n * size_of::<S>()).max(1)).clamp(1, steps);
    let bar = if progress {
        indicatif::ProgressBar::new(steps as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
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
    // One output buffer for every chunk.
    let mut out = RunOutput::default();
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
            (None, _) => {}
        }
        match (&host, &source) {
            (Some(rows), _) => sim.run_into(Input::Array(rows), len, &record, &mut out),
            (None, Source::Generated(s)) => {
                sim.run_into(Input::Generated(*s), len, &record, &mut out)
            }
            (None, _) => return Err("input: no values generated".into()),
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
/// threshold to plot. `progress` shows a progress bar and the backend's note on stderr.
pub fn dispatch(cfg: &Config, progress: bool) -> Result<(Results, (f64, &'static str)), String> {
    macro_rules! with_scalar {
        ($cfg_ty:ty) => {{
            let mc: $cfg_ty = cfg.model_config().map_err(|e| e.to_string())?;
            let threshold = mc.threshold();
            let err = |e: lif_core::Error| format!("params: {e}");
            let results = match cfg.scalar {
                ScalarKind::F32 => {
                    simulate::<f32, _>(cfg, mc.build::<f32>().map_err(err)?, progress)
                }
                ScalarKind::F64 => {
                    simulate::<f64, _>(cfg, mc.build::<f64>().map_err(err)?, progress)
                }
                ScalarKind::I16f16 => {
                    simulate::<I16F16, _>(cfg, mc.build::<I16F16>().map_err(err)?, progress)
                }
                ScalarKind::I8f24 => {
                    simulate::<I8F24, _>(cfg, mc.build::<I8F24>().map_err(err)?, progress)
                }
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
