//! The seed's small-group figures: a neuron behind a ReLU input, ten neurons with slightly
//! different inputs, and the raster of a 100-neuron group with noisy input. Leaky neurons
//! (snnTorch semantics, beta 0.9) run through the host simulator's CPU backend.
//!
//! `cargo run --release --example neuron_groups` writes target/lif-examples/neuron_groups/.

#[path = "common/mod.rs"]
mod common;

use lif_core::{LeakyConfig, RngState, Scalar};
use lif_host_cuda::{Backend, Input, Simulator};
use lif_sim::plot::{Panel, figure};

fn main() -> Result<(), String> {
    let dir = common::out_dir("neuron_groups");
    let leaky = LeakyConfig::default()
        .build::<f32>()
        .map_err(|e| e.to_string())?;
    let steps = 300;

    // 1. A neuron behind a ReLU: the sine's negative half is cut off before it reaches the neuron.
    let raw: Vec<f64> = (0..steps)
        .map(|t| 0.35 * (std::f64::consts::TAU * t as f64 / 100.0).sin())
        .collect();
    let relu: Vec<f64> = raw.iter().map(|&x| x.max(0.0)).collect();
    let trace = common::run(&leaky, 0, &relu);
    let mut p = common::membrane_panel("a Leaky neuron behind a ReLU input", &trace, 1.0, 0);
    p.series.push(common::line("input, raw", &raw, 5));
    p.series.push(common::line("input after ReLU", &relu, 3));
    figure(&dir.join("relu_input"), &[p], 500)?;
    println!("ReLU input: {} spikes", trace.spikes.len());

    // 2. Ten neurons with inputs 0.10, 0.11, ... 0.19: a small input step changes the rate.
    let n = 10;
    let input: Vec<f32> = (0..steps)
        .flat_map(|_| (0..n).map(|i| 0.10 + 0.01 * i as f32))
        .collect();
    let mut sim = Simulator::new(leaky, n, 0, Backend::Cpu).map_err(|e| e.to_string())?;
    let record: Vec<usize> = (0..n).collect();
    let out = sim
        .run(Input::Array(&input), steps, &record)
        .map_err(|e| e.to_string())?;
    let shown = 120; // the first steps, so the traces stay readable
    let mut membranes = Panel {
        title: format!("ten Leaky neurons, inputs 0.10 to 0.19 (four shown, first {shown} steps)"),
        x_range: Some((0.0, shown as f64)),
        x_desc: "time step".into(),
        y_desc: "membrane potential".into(),
        hlines: vec![(1.0, "threshold".into())],
        ..Panel::default()
    };
    for i in [0, 3, 6, 9] {
        let v: Vec<f64> = (0..shown).map(|t| out.trace[t * n + i].to_f64()).collect();
        membranes.series.push(common::line(
            format!("input {:.2}", 0.10 + 0.01 * i as f64),
            &v,
            membranes.series.len(),
        ));
    }
    let raster = Panel::raster(
        "their spikes (neuron i gets input 0.10 + 0.01 i)",
        &out.spikes,
        n,
        steps,
        n,
    );
    println!("ten neurons: spike counts {:?}", out.counts());
    figure(&dir.join("ten_neurons"), &[membranes, raster], 400)?;

    // 3. A 100-neuron group with noisy input: mean 0.12, standard deviation 0.1, per neuron.
    let n = 100;
    let mut streams: Vec<RngState> = (0..n as u64).map(|i| RngState::for_neuron(99, i)).collect();
    let input: Vec<f32> = (0..steps)
        .flat_map(|_| {
            (0..n)
                .map(|i| 0.12 + 0.1 * f32::std_normal(streams[i].next_u64()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut sim = Simulator::new(leaky, n, 0, Backend::Cpu).map_err(|e| e.to_string())?;
    let out = sim
        .run(Input::Array(&input), steps, &[])
        .map_err(|e| e.to_string())?;
    let raster = Panel::raster(
        "100 Leaky neurons with noisy input (mean 0.12, std 0.1)",
        &out.spikes,
        n,
        steps,
        n,
    );
    println!("100 neurons: {} spikes", out.spike_total());
    figure(&dir.join("group_raster"), &[raster], 560)?;
    println!("figures in {}", dir.display());
    Ok(())
}
