//! Writing a run's results: .npy and CSV data, a JSON summary, into a staging folder
//! (`staging.rs`) that becomes the output folder only once everything is written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use npyz::WriterBuilder;

use crate::staging::Staging;

/// What a run produced, in host units.
pub struct Results {
    pub neurons: usize,
    pub steps: usize,
    /// Neurons `0..spike_neurons` whose spikes are kept (all of them for the dashboard, the
    /// raster's rows for `lif-sim run`, which streams the rest to its files).
    pub spike_neurons: usize,
    /// Their packed spikes, (steps, ceil(spike_neurons / 32)).
    pub spikes: Vec<u32>,
    /// Recorded neurons, their membranes and spikes, (steps, recorded).
    pub recorded: Vec<usize>,
    pub trace: Vec<f64>,
    pub recorded_spikes: Vec<bool>,
    /// Their thresholds, (steps, recorded).
    pub thresholds: Vec<f64>,
    /// Input of neuron 0 per step.
    pub input: Vec<f64>,
    /// Spikes per neuron over the run (the backend's counts).
    pub spike_counts: Vec<u64>,
    /// Spikes of all neurons at each step.
    pub population: Vec<u32>,
    pub summary: Summary,
}

/// `summary.json`: what ran, how fast, and its firing statistics.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub model: &'static str,
    pub scalar: &'static str,
    pub backend: &'static str,
    /// Why `auto` fell back to the CPU, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend_note: Option<String>,
    pub neurons: usize,
    pub steps: usize,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dt: Option<f64>,
    pub wall_time_s: f64,
    pub neuron_steps_per_s: f64,
    pub recorded_neurons: Vec<usize>,
    /// Recorded or input values the plots draw clipped at +-1e9 or leave out (non-finite).
    pub plot_clipped_values: usize,
    /// With `--compare-fixed`: how the fixed-point run of the same config differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<crate::compare::Comparison>,
    #[serde(flatten)]
    pub stats: Statistics,
}

/// Firing statistics of a run (per-neuron counts go to `spike_counts.npy`, so the summary
/// stays small for any population).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Statistics {
    pub spike_count: u64,
    pub rate_per_step: f64,
    /// Pooled interspike-interval mean and coefficient of variation (null without one).
    pub isi_mean_steps: Option<f64>,
    pub isi_cv: Option<f64>,
    pub isi_count: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("writing {}: {e}", path.display())
}

/// Writes `values` (row-major, as many as `shape` holds) as the .npy file `path`.
pub fn write_npy<T: npyz::AutoSerialize>(
    path: &Path,
    shape: &[u64],
    values: impl IntoIterator<Item = T>,
) -> Result<(), String> {
    let mut w = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(shape)
        .writer(BufWriter::new(File::create(path).map_err(io(path))?))
        .begin_nd()
        .map_err(io(path))?;
    w.extend(values).map_err(io(path))?;
    w.finish().map_err(io(path))
}

/// `spikes.npy` (uint8 0/1, steps x neurons) and `spikes.csv` (step,neuron per spike),
/// written chunk by chunk as the run goes, so no run holds all its spikes in memory.
pub struct SpikeFiles {
    npy: npyz::NpyWriter<u8, BufWriter<File>>,
    csv: BufWriter<File>,
    npy_path: PathBuf,
    csv_path: PathBuf,
    neurons: usize,
    row: Vec<u8>,
}

impl SpikeFiles {
    /// Starts both files in the staging folder.
    pub fn create(stage: &Staging, neurons: usize, steps: usize) -> Result<Self, String> {
        let npy_path = stage.path("spikes.npy");
        let npy = npyz::WriteOptions::<u8>::new()
            .default_dtype()
            .shape(&[steps as u64, neurons as u64])
            .writer(BufWriter::new(
                File::create(&npy_path).map_err(io(&npy_path))?,
            ))
            .begin_nd()
            .map_err(io(&npy_path))?;
        let csv_path = stage.path("spikes.csv");
        let mut csv = BufWriter::new(File::create(&csv_path).map_err(io(&csv_path))?);
        writeln!(csv, "step,neuron").map_err(io(&csv_path))?;
        Ok(Self {
            npy,
            csv,
            npy_path,
            csv_path,
            neurons,
            row: vec![0; neurons],
        })
    }

    /// Appends the packed rows of steps `t0..t0 + rows.len() / words`.
    pub fn write(&mut self, rows: &[u32], t0: usize) -> Result<(), String> {
        let words = self.neurons.div_ceil(32);
        for (k, row) in rows.chunks(words).enumerate() {
            self.row.fill(0);
            for (w, &word) in row.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let i = w * 32 + bits.trailing_zeros() as usize;
                    self.row[i] = 1;
                    writeln!(self.csv, "{},{i}", t0 + k).map_err(io(&self.csv_path))?;
                    bits &= bits - 1;
                }
            }
            self.npy
                .extend(self.row.iter().copied())
                .map_err(io(&self.npy_path))?;
        }
        Ok(())
    }

    /// Completes both files.
    pub fn finish(mut self) -> Result<(), String> {
        self.npy.finish().map_err(io(&self.npy_path))?;
        self.csv.flush().map_err(io(&self.csv_path))
    }
}

/// The rest of a run's files: traces, per-neuron spike counts and the summary.
pub fn write(stage: &Staging, r: &Results) -> Result<(), String> {
    if !r.recorded.is_empty() {
        write_traces(stage, "membrane", r, &r.trace)?;
        write_traces(stage, "threshold", r, &r.thresholds)?;
    }
    write_npy(
        &stage.path("spike_counts.npy"),
        &[r.neurons as u64],
        r.spike_counts.iter().copied(),
    )?;
    let p = stage.path("summary.json");
    let text = serde_json::to_string_pretty(&r.summary).map_err(|e| e.to_string())?;
    std::fs::write(&p, text + "\n").map_err(io(&p))?;
    Ok(())
}

/// `NAME.npy` (float64, steps x recorded) and `NAME.csv` of one recorded variable.
fn write_traces(stage: &Staging, name: &str, r: &Results, values: &[f64]) -> Result<(), String> {
    let k = r.recorded.len();
    let p = stage.path(&format!("{name}.npy"));
    write_npy(&p, &[r.steps as u64, k as u64], values.iter().copied())?;
    let p = stage.path(&format!("{name}.csv"));
    let mut f = BufWriter::new(File::create(&p).map_err(io(&p))?);
    let header: Vec<String> = r.recorded.iter().map(|i| format!("neuron_{i}")).collect();
    writeln!(f, "step,{}", header.join(",")).map_err(io(&p))?;
    for t in 0..r.steps {
        let row: Vec<String> = values[t * k..(t + 1) * k]
            .iter()
            .map(|v| v.to_string())
            .collect();
        writeln!(f, "{t},{}", row.join(",")).map_err(io(&p))?;
    }
    f.flush().map_err(io(&p))
}

/// Pooled interspike intervals, gathered chunk by chunk.
pub struct Intervals {
    /// Step of each neuron's last spike (`u32::MAX`: none yet; runs are shorter).
    last: Vec<u32>,
    count: u64,
    sum: f64,
    sum2: f64,
}

impl Intervals {
    /// For `neurons` neurons.
    pub fn new(neurons: usize) -> Self {
        Self {
            last: vec![u32::MAX; neurons],
            count: 0,
            sum: 0.0,
            sum2: 0.0,
        }
    }

    /// Adds the packed rows of steps `t0..`.
    pub fn add(&mut self, rows: &[u32], t0: usize) {
        let words = self.last.len().div_ceil(32);
        for (k, row) in rows.chunks(words).enumerate() {
            let t = (t0 + k) as u32;
            for (w, &word) in row.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let i = w * 32 + bits.trailing_zeros() as usize;
                    let prev = std::mem::replace(&mut self.last[i], t);
                    if prev != u32::MAX {
                        let isi = f64::from(t - prev);
                        self.count += 1;
                        self.sum += isi;
                        self.sum2 += isi * isi;
                    }
                    bits &= bits - 1;
                }
            }
        }
    }

    /// The statistics, with the backend's spike counts per neuron.
    pub fn statistics(&self, counts: &[u64], steps: usize) -> Statistics {
        let total: u64 = counts.iter().sum();
        let (isi_mean_steps, isi_cv) = if self.count > 0 {
            let mean = self.sum / self.count as f64;
            let var = (self.sum2 / self.count as f64 - mean * mean).max(0.0);
            (Some(mean), Some(var.sqrt() / mean))
        } else {
            (None, None)
        };
        Statistics {
            spike_count: total,
            rate_per_step: total as f64 / (counts.len() * steps) as f64,
            isi_mean_steps,
            isi_cv,
            isi_count: self.count,
        }
    }
}
