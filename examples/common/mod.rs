//! Helpers shared by the examples: where figures go, and single-neuron runs through
//! lif-core's `Neuron::step`.
#![allow(dead_code)]

use std::path::PathBuf;

use lif_core::{Neuron, Scalar};
use lif_sim::plot::{Panel, Series, Style};

/// `target/lif-examples/NAME/`, created.
pub fn out_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/lif-examples")
        .join(name);
    std::fs::create_dir_all(&dir).expect("create the output folder");
    dir
}

/// A single neuron's run: membrane after each step and the steps at which it spiked.
pub struct Trace {
    pub membrane: Vec<f64>,
    pub spikes: Vec<usize>,
}

/// Runs one neuron of `model` (stream 0 of `seed`) on `input`.
pub fn run<S: Scalar, M: Neuron<S>>(model: &M, seed: u64, input: &[f64]) -> Trace {
    let mut state = model.initial_state(seed, 0);
    let mut trace = Trace {
        membrane: Vec::with_capacity(input.len()),
        spikes: Vec::new(),
    };
    for (t, &x) in input.iter().enumerate() {
        if model.step(&mut state, S::from_f64(x).expect("input fits the scalar")) {
            trace.spikes.push(t);
        }
        trace.membrane.push(M::membrane(&state).to_f64());
    }
    trace
}

/// A line over time steps.
pub fn line(label: impl Into<String>, values: &[f64], color: usize) -> Series {
    Series::new(
        label,
        values
            .iter()
            .enumerate()
            .map(|(t, &v)| (t as f64, v))
            .collect(),
        Style::Line,
        color,
    )
}

/// Spike marks at height `y`.
pub fn marks(spikes: &[usize], y: f64, color: usize) -> Series {
    Series::new(
        "",
        spikes.iter().map(|&t| (t as f64, y)).collect(),
        Style::Marks,
        color,
    )
}

/// A panel of one membrane trace with its threshold and spike marks.
pub fn membrane_panel(title: &str, trace: &Trace, threshold: f64, color: usize) -> Panel {
    let top = trace.membrane.iter().copied().fold(threshold, f64::max);
    Panel {
        title: title.into(),
        x_desc: "time step".into(),
        y_desc: "membrane potential".into(),
        series: vec![
            line("membrane", &trace.membrane, color),
            marks(&trace.spikes, top + 0.05 * top.abs().max(0.1), color),
        ],
        hlines: vec![(threshold, "threshold".into())],
        ..Panel::default()
    }
}
