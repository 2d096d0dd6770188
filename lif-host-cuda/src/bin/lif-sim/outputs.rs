//! Writing a run's results: .npy and CSV data, a JSON summary. Everything goes to a fresh
//! folder next to the destination that is renamed into place at the end, so a failed or
//! interrupted run never leaves a folder that looks complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use npyz::WriterBuilder;

/// What a run produced, in host units.
pub struct Results {
    pub neurons: usize,
    pub steps: usize,
    /// Packed spikes, (steps, ceil(neurons / 32)).
    pub spikes: Vec<u32>,
    /// Recorded neurons and their membranes, (steps, recorded).
    pub recorded: Vec<usize>,
    pub trace: Vec<f64>,
    /// Their thresholds, (steps, recorded).
    pub thresholds: Vec<f64>,
    /// Input of neuron 0 per step.
    pub input: Vec<f64>,
    pub summary: serde_json::Map<String, serde_json::Value>,
}

/// A staging folder that becomes `dest` on `commit` and is removed otherwise.
pub struct Staging {
    dir: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Staging {
    pub fn new(dest: &Path, force: bool) -> Result<Self, String> {
        if dest.exists() {
            let empty = dest
                .read_dir()
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !force && !empty {
                return Err(format!(
                    "--out {}: exists and is not empty (use --force to replace it)",
                    dest.display()
                ));
            }
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| format!("--out {}: not a folder name", dest.display()))?;
        let dir = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "--out {}: cannot create a folder there: {e}",
                dest.display()
            )
        })?;
        Ok(Self {
            dir,
            dest: dest.to_path_buf(),
            done: false,
        })
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn commit(mut self) -> Result<(), String> {
        if self.dest.exists() {
            std::fs::remove_dir_all(&self.dest)
                .map_err(|e| format!("--out {}: cannot replace: {e}", self.dest.display()))?;
        }
        std::fs::rename(&self.dir, &self.dest)
            .map_err(|e| format!("--out {}: {e}", self.dest.display()))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("writing {}: {e}", path.display())
}

pub fn spike_bit(spikes: &[u32], words: usize, t: usize, i: usize) -> bool {
    spikes[t * words + i / 32] >> (i % 32) & 1 == 1
}

pub fn write(stage: &Staging, r: &Results) -> Result<(), String> {
    let words = r.neurons.div_ceil(32);
    // spikes.npy: uint8 0/1, shape (steps, neurons).
    let p = stage.path("spikes.npy");
    let mut w = npyz::WriteOptions::<u8>::new()
        .default_dtype()
        .shape(&[r.steps as u64, r.neurons as u64])
        .writer(BufWriter::new(File::create(&p).map_err(io(&p))?))
        .begin_nd()
        .map_err(io(&p))?;
    for t in 0..r.steps {
        for i in 0..r.neurons {
            w.push(&(spike_bit(&r.spikes, words, t, i) as u8))
                .map_err(io(&p))?;
        }
    }
    w.finish().map_err(io(&p))?;
    // spikes.csv: one row per spike.
    let p = stage.path("spikes.csv");
    let mut f = BufWriter::new(File::create(&p).map_err(io(&p))?);
    writeln!(f, "step,neuron").map_err(io(&p))?;
    for t in 0..r.steps {
        for w in 0..words {
            let mut bits = r.spikes[t * words + w];
            while bits != 0 {
                writeln!(f, "{t},{}", w * 32 + bits.trailing_zeros() as usize).map_err(io(&p))?;
                bits &= bits - 1;
            }
        }
    }
    f.flush().map_err(io(&p))?;
    if !r.recorded.is_empty() {
        write_traces(stage, "membrane", r, &r.trace)?;
        write_traces(stage, "threshold", r, &r.thresholds)?;
    }
    let p = stage.path("summary.json");
    let text = serde_json::to_string_pretty(&r.summary).map_err(|e| e.to_string())?;
    std::fs::write(&p, text + "\n").map_err(io(&p))?;
    Ok(())
}

/// `NAME.npy` (float64, steps x recorded) and `NAME.csv` of one recorded variable.
fn write_traces(stage: &Staging, name: &str, r: &Results, values: &[f64]) -> Result<(), String> {
    let k = r.recorded.len();
    let p = stage.path(&format!("{name}.npy"));
    let mut w = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&[r.steps as u64, k as u64])
        .writer(BufWriter::new(File::create(&p).map_err(io(&p))?))
        .begin_nd()
        .map_err(io(&p))?;
    w.extend(values.iter().copied()).map_err(io(&p))?;
    w.finish().map_err(io(&p))?;
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

/// Firing statistics: per-neuron counts and rates, pooled interspike-interval mean and CV.
pub fn statistics(
    spikes: &[u32],
    neurons: usize,
    steps: usize,
) -> serde_json::Map<String, serde_json::Value> {
    let words = neurons.div_ceil(32);
    let mut counts = vec![0u64; neurons];
    let mut last: Vec<Option<usize>> = vec![None; neurons];
    let (mut n_isi, mut sum, mut sum2) = (0u64, 0f64, 0f64);
    for t in 0..steps {
        for w in 0..words {
            let mut bits = spikes[t * words + w];
            while bits != 0 {
                let i = w * 32 + bits.trailing_zeros() as usize;
                counts[i] += 1;
                if let Some(prev) = last[i] {
                    let isi = (t - prev) as f64;
                    n_isi += 1;
                    sum += isi;
                    sum2 += isi * isi;
                }
                last[i] = Some(t);
                bits &= bits - 1;
            }
        }
    }
    let total: u64 = counts.iter().sum();
    let mut m = serde_json::Map::new();
    m.insert("spike_count".into(), total.into());
    m.insert(
        "rate_per_step".into(),
        (total as f64 / (neurons * steps) as f64).into(),
    );
    let rates: Vec<f64> = counts.iter().map(|&c| c as f64 / steps as f64).collect();
    m.insert("rate_per_step_by_neuron".into(), rates.into());
    m.insert("spike_count_by_neuron".into(), counts.into());
    if n_isi > 0 {
        let mean = sum / n_isi as f64;
        let var = (sum2 / n_isi as f64 - mean * mean).max(0.0);
        m.insert("isi_mean_steps".into(), mean.into());
        m.insert("isi_cv".into(), (var.sqrt() / mean).into());
    } else {
        m.insert("isi_mean_steps".into(), serde_json::Value::Null);
        m.insert("isi_cv".into(), serde_json::Value::Null);
    }
    m.insert("isi_count".into(), n_isi.into());
    m
}
