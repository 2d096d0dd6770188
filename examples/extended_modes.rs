//! The seed's extended LIF neuron in its five modes, side by side, under the same input:
//! deterministic, stochastic (membrane noise and sigmoid spike probability), adaptive
//! threshold, dynamic spike probability, and neuromodulation driven by a sine signal.
//!
//! `cargo run --release --example extended_modes` writes target/lif-examples/extended_modes/.

#[path = "common/mod.rs"]
mod common;

use lif_core::{ExtendedConfig, ExtendedMode, Neuron};
use lif_sim::plot::{Panel, figure};

fn main() -> Result<(), String> {
    let steps = 400;
    let input: Vec<f64> = (0..steps)
        .map(|t| if (50..350).contains(&t) { 1.3 } else { 0.2 })
        .collect();
    let modes = [
        ("deterministic: hard threshold", ExtendedMode::Deterministic),
        (
            "stochastic: noise 0.1, spike probability sigmoid(V - V_th)",
            ExtendedMode::Stochastic,
        ),
        (
            "adaptive threshold: +eta per spike, relaxes to V_th0",
            ExtendedMode::AdaptiveThreshold,
        ),
        (
            "dynamic spike probability: slope base_alpha / (1 + spike trace)",
            ExtendedMode::DynamicProbability,
        ),
        (
            "neuromodulation: nm = sigmoid(3 sin(2 pi t / 100)) added to the drive",
            ExtendedMode::Neuromodulation,
        ),
    ];
    let mut panels = Vec::new();
    for (k, (title, mode)) in modes.into_iter().enumerate() {
        let modulated = mode == ExtendedMode::Neuromodulation;
        let model = ExtendedConfig::mode(mode)
            .build::<f32>()
            .map_err(|e| e.to_string())?;
        let mut state = model.initial_state(7, 0);
        let (mut membrane, mut threshold, mut spikes) = (Vec::new(), Vec::new(), Vec::new());
        for (t, &x) in input.iter().enumerate() {
            if modulated {
                model.modulate(
                    &mut state,
                    (3.0 * (std::f64::consts::TAU * t as f64 / 100.0).sin()) as f32,
                );
            }
            threshold.push(state.v_th as f64);
            if model.step(&mut state, x as f32) {
                spikes.push(t);
            }
            membrane.push(state.v as f64);
        }
        println!("{title}: {} spikes", spikes.len());
        let top = membrane
            .iter()
            .chain(&threshold)
            .copied()
            .fold(f64::MIN, f64::max);
        // Colour 3 is the input's, colour 5 the threshold's.
        let color = [0, 1, 2, 4][k % 4];
        panels.push(Panel {
            title: title.into(),
            x_desc: "time step".into(),
            y_desc: "V".into(),
            series: vec![
                common::line("membrane V", &membrane, color),
                common::line("threshold V_th", &threshold, 5),
                common::line("input I", &input, 3),
                common::marks(&spikes, top + 0.1, color),
            ],
            ..Panel::default()
        });
    }
    let dir = common::out_dir("extended_modes");
    figure(&dir.join("modes"), &panels, 300)?;
    println!("figures in {}", dir.display());
    Ok(())
}
