//! A single LIF neuron (BrainPy's model, exact integration): its membrane with the threshold
//! line, and its spike train, under a current step. Checks the interspike interval against
//! the closed form `t_ref + tau ln((R I - V_reset) / (R I - V_th))`.
//!
//! `cargo run --release --example single_neuron` writes target/lif-examples/single_neuron/.

#[path = "common/mod.rs"]
mod common;

use lif_core::LifConfig;
use lif_sim::plot::{Panel, Series, Style, figure};

fn main() -> Result<(), String> {
    let cfg = LifConfig {
        refractory_steps: 20,
        ..LifConfig::default()
    }; // tau 10 ms, dt 0.1 ms
    let model = cfg.build::<f64>().map_err(|e| e.to_string())?;
    let steps = 1500;
    let current = 30.0; // R I = 30 mV above rest, from step 100
    let input: Vec<f64> = (0..steps)
        .map(|t| if t < 100 { 0.0 } else { current })
        .collect();
    let trace = common::run(&model, 0, &input);

    let closed = cfg.refractory_steps as f64 * cfg.dt
        + cfg.tau * ((current - cfg.v_reset) / (current - cfg.v_th)).ln();
    let isis: Vec<f64> = trace
        .spikes
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 * cfg.dt)
        .collect();
    println!("spikes at steps {:?}", trace.spikes);
    println!(
        "interspike interval {:.2} ms; closed form {closed:.3} ms (within one step of {} ms)",
        isis[0], cfg.dt
    );
    assert!(isis.iter().all(|isi| (isi - closed).abs() <= cfg.dt));

    let dir = common::out_dir("single_neuron");
    let mut membrane = common::membrane_panel(
        "LIF neuron under a 30 mV current step: membrane",
        &trace,
        cfg.v_th,
        0,
    );
    membrane.y_desc = "membrane potential (mV)".into();
    membrane.x_desc = "time step (dt = 0.1 ms)".into();
    let train = Panel {
        title: "spike train".into(),
        x_desc: "time step (dt = 0.1 ms)".into(),
        y_desc: "spike".into(),
        series: vec![Series::new(
            "",
            trace.spikes.iter().map(|&t| (t as f64, 1.0)).collect(),
            Style::Bars { width: 4.0 },
            0,
        )],
        x_range: Some((0.0, steps as f64)),
        y_range: Some((0.0, 1.2)),
        ..Panel::default()
    };
    figure(&dir.join("membrane_and_spikes"), &[membrane, train], 380)?;
    println!("figures in {}", dir.display());
    Ok(())
}
