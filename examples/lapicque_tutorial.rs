//! snnTorch tutorial 1's Lapicque neuron (R = 5.1, C = 5e-3, dt = 1e-3, threshold 1), in
//! float32 as snnTorch computes it: a current step (first spike at step 108 for 0.2), pulses of
//! equal charge, and the reset mechanisms compared.
//!
//! `cargo run --release --example lapicque_tutorial` writes target/lif-examples/lapicque_tutorial/.

#[path = "common/mod.rs"]
mod common;

use lif_core::{LapicqueConfig, Reset};
use lif_sim::plot::figure;

fn main() -> Result<(), String> {
    let dir = common::out_dir("lapicque_tutorial");
    let cfg = LapicqueConfig::default();
    let neuron = |reset| {
        LapicqueConfig { reset, ..cfg }
            .build::<f32>()
            .map_err(|e| e.to_string())
    };

    // 1. Step input: 10 zero steps, then a constant current.
    let model = neuron(Reset::Subtract)?;
    let mut panels = Vec::new();
    for (k, current) in [0.2, 0.3].into_iter().enumerate() {
        let input: Vec<f64> = (0..200)
            .map(|t| if t < 10 { 0.0 } else { current })
            .collect();
        let trace = common::run(&model, 0, &input);
        println!("step input {current}: spikes at {:?}", trace.spikes);
        if current == 0.2 {
            assert_eq!(
                trace.spikes.first(),
                Some(&108),
                "the tutorial's first spike"
            );
        }
        let mut p = common::membrane_panel(
            &format!("step input {current} from step 10"),
            &trace,
            1.0,
            k,
        );
        p.series.push(common::line("input", &input, 3));
        panels.push(p);
    }
    figure(&dir.join("step_input"), &panels, 360)?;

    // 2. Pulses of equal charge: amplitude x width is the same, the response is not.
    let mut panels = Vec::new();
    for (k, (amplitude, width)) in [(0.5, 30), (1.5, 10), (5.0, 3)].into_iter().enumerate() {
        let input: Vec<f64> = (0..200)
            .map(|t| {
                if (10..10 + width).contains(&t) {
                    amplitude
                } else {
                    0.0
                }
            })
            .collect();
        let trace = common::run(&model, 0, &input);
        let peak = trace.membrane.iter().copied().fold(f64::MIN, f64::max);
        println!(
            "pulse {amplitude} x {width} steps: peak membrane {peak:.3}, spikes {:?}",
            trace.spikes
        );
        let mut p = common::membrane_panel(
            &format!(
                "pulse {amplitude} for {width} steps (charge {:.1})",
                amplitude * width as f64
            ),
            &trace,
            1.0,
            k,
        );
        p.series.push(common::line("input", &input, 3));
        panels.push(p);
    }
    figure(&dir.join("equal_charge_pulses"), &panels, 320)?;

    // 3. Reset mechanisms under the same input.
    let input: Vec<f64> = (0..200).map(|t| if t < 10 { 0.0 } else { 0.5 }).collect();
    let mut panels = Vec::new();
    for (k, (reset, name)) in [
        (Reset::Subtract, "subtract"),
        (Reset::Zero, "zero"),
        (Reset::None, "none"),
    ]
    .into_iter()
    .enumerate()
    {
        let trace = common::run(&neuron(reset)?, 0, &input);
        println!("reset {name}: {} spikes", trace.spikes.len());
        panels.push(common::membrane_panel(
            &format!("reset mechanism: {name} (input 0.5)"),
            &trace,
            1.0,
            k,
        ));
    }
    figure(&dir.join("reset_mechanisms"), &panels, 320)?;
    println!("figures in {}", dir.display());
    Ok(())
}
