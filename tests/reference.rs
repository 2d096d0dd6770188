//! The f64 instantiation is the reference: check it against closed-form solutions over many
//! parameter sets.

use lif_core::population::{self, Shared};
use lif_core::{
    Integration, LapicqueConfig, LapicqueSlices, LeakyConfig, LeakySlices, Lif, LifConfig,
    LifReset, LifSlices, Neuron, Reset, StateSlices,
};
use proptest::prelude::*;

/// Steps a single f64 `Lif` neuron from `v0` with constant input; returns (V trace, spike steps).
fn lif_trace(model: &Lif<f64>, v0: f64, input: f64, steps: usize) -> (Vec<f64>, Vec<usize>) {
    let mut v = [v0];
    let mut refr = [0u32];
    let mut trace = Vec::with_capacity(steps);
    let mut spikes = Vec::new();
    let mut out = [false];
    for t in 0..steps {
        let mut view = LifSlices::new(&mut v, &mut refr).unwrap();
        population::step(&Shared(model), &mut view, &[input], &mut out[..]).unwrap();
        trace.push(v[0]);
        if out[0] {
            spikes.push(t);
        }
    }
    (trace, spikes)
}

fn lif_config(tau: f64, dt: f64, v_rest: f64, r: f64) -> LifConfig {
    LifConfig {
        tau,
        dt,
        v_rest,
        v_reset: v_rest - 5.0,
        v_th: v_rest + 20.0,
        r,
        ..LifConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Below threshold, exact integration follows V(t) = V_inf + (V0 - V_inf) exp(-t/tau)
    /// with V_inf = V_rest + R I: the steady state and, with I = 0, the free decay.
    #[test]
    fn lif_exact_follows_the_exponential(
        tau in 0.5f64..100.0, dt_frac in 0.001f64..1.0, v_rest in -70.0f64..10.0,
        r in 0.1f64..10.0, drive in -10.0f64..19.0, v0_off in -5.0f64..19.0, free in any::<bool>(),
    ) {
        let cfg = lif_config(tau, tau * dt_frac, v_rest, r);
        let model = cfg.build::<f64>().unwrap();
        let input = if free { 0.0 } else { drive / r };
        let v_inf = v_rest + r * input;
        let v0 = v_rest + v0_off;
        let steps = ((5.0 * tau / cfg.dt) as usize).clamp(10, 4000);
        let (trace, spikes) = lif_trace(&model, v0, input, steps);
        prop_assert!(spikes.is_empty());
        for (n, v) in trace.iter().enumerate() {
            let t = (n + 1) as f64 * cfg.dt;
            let want = v_inf + (v0 - v_inf) * (-t / tau).exp();
            // Each step rounds a few times; the decay keeps the accumulated error below
            // a few ulps per step of the largest magnitude involved.
            let scale = v_inf.abs().max(v0.abs()).max(1.0);
            prop_assert!((v - want).abs() <= 1e-13 * scale * (n + 1) as f64,
                "step {n}: {v} vs {want}");
        }
        if !free {
            // Steady state: the gap to R I shrinks by exp(-t/tau), t the time run (<= 5 tau).
            let last = *trace.last().unwrap();
            let shrink = (-(steps as f64) * cfg.dt / tau).exp();
            prop_assert!(shrink <= (-4.0f64).exp());
            prop_assert!((last - v_inf).abs() <= (v0 - v_inf).abs() * shrink * 1.0001 + 1e-9);
        }
    }

    /// With constant suprathreshold input and hard reset, the interspike interval is
    /// t_ref + tau ln((R I - V_reset) / (R I - V_th)) (potentials relative to V_rest), within
    /// one step.
    #[test]
    fn lif_interspike_interval_matches_the_closed_form(
        tau in 1.0f64..50.0, dt_frac in 0.002f64..0.2, over in 0.5f64..40.0,
        refractory_steps in 0u32..20, v_rest in -70.0f64..0.0, r in 0.5f64..5.0,
    ) {
        let mut cfg = lif_config(tau, tau * dt_frac, v_rest, r);
        cfg.refractory_steps = refractory_steps;
        let model = cfg.build::<f64>().unwrap();
        let ri = (cfg.v_th - v_rest) + over; // R I, relative to rest
        let expected = refractory_steps as f64 * cfg.dt
            + tau * ((ri - (cfg.v_reset - v_rest)) / (ri - (cfg.v_th - v_rest))).ln();
        let steps = ((6.0 * expected / cfg.dt) as usize).clamp(50, 20_000);
        let (_, spikes) = lif_trace(&model, cfg.v_reset, ri / r, steps);
        prop_assert!(spikes.len() >= 3, "{} spikes", spikes.len());
        for w in spikes.windows(2) {
            let isi = (w[1] - w[0]) as f64 * cfg.dt;
            prop_assert!((isi - expected).abs() <= cfg.dt * (1.0 + 1e-9),
                "isi {isi} vs closed form {expected} (dt {})", cfg.dt);
        }
    }

    /// Leaky with no input decays geometrically: m[t] = beta^t m[0].
    #[test]
    fn leaky_free_decay(beta in 0.0f64..=1.0, m0 in -0.9f64..0.99, steps in 1usize..300) {
        let model = LeakyConfig { beta, ..LeakyConfig::default() }.build::<f64>().unwrap();
        let mut mem = [m0];
        let mut out = [false];
        for t in 1..=steps {
            population::step(&Shared(&model), &mut LeakySlices::new(&mut mem).unwrap(), &[0.0], &mut out[..]).unwrap();
            let want = m0 * beta.powi(t as i32);
            prop_assert!((mem[0] - want).abs() <= 1e-15 * t as f64, "t {t}: {} vs {want}", mem[0]);
        }
    }

    /// Lapicque's Euler RC circuit settles at R I below threshold.
    #[test]
    fn lapicque_settles_at_r_times_i(r in 0.5f64..10.0, c in 1e-3f64..1e-1, dt_frac in 0.01f64..0.5, ri in 0.0f64..0.95) {
        let rc = r * c;
        let cfg = LapicqueConfig { r, c, dt: rc * dt_frac, threshold: 1.0, reset: Reset::Subtract };
        let model = cfg.build::<f64>().unwrap();
        let steps = (20.0 / dt_frac) as usize;
        let input = vec![ri / r; steps];
        let mut mem = [0.0];
        let mut out = vec![false; steps];
        population::run(&Shared(&model), &mut LapicqueSlices::new(&mut mem).unwrap(), &input, steps, &mut out[..]).unwrap();
        prop_assert!(out.iter().all(|s| !s));
        prop_assert!((mem[0] - ri).abs() <= ri * (-19.0f64).exp() + 1e-12, "{} vs {ri}", mem[0]);
    }
}

#[test]
fn lif_euler_converges_to_exact_as_dt_shrinks() {
    // Forward Euler is first order: halving dt should roughly halve its error at a fixed time.
    let err = |dt: f64| {
        let cfg = LifConfig {
            dt,
            integration: Integration::Euler,
            reset: LifReset::Hard,
            ..LifConfig::default()
        };
        let euler = cfg.build::<f64>().unwrap();
        let steps = (5.0 / dt).round() as usize;
        let mut st = euler.initial_state(0, 0);
        for _ in 0..steps {
            euler.step(&mut st, 15.0);
        }
        (st.v - 15.0 * (1.0 - (-0.5f64).exp())).abs()
    };
    let (e1, e2) = (err(0.1), err(0.05));
    assert!(
        e1 > 0.0 && (1.8..2.2).contains(&(e1 / e2)),
        "errors {e1} {e2}"
    );
}

#[test]
fn lif_refractory_holds_the_membrane() {
    let cfg = LifConfig {
        refractory_steps: 5,
        ..LifConfig::default()
    };
    let model = cfg.build::<f64>().unwrap();
    let mut v = [cfg.v_reset];
    let mut refr = [0u32];
    let mut view = LifSlices::new(&mut v, &mut refr).unwrap();
    let mut first = None;
    for t in 0..10_000 {
        let mut out = [false];
        population::step(&Shared(&model), &mut view, &[200.0], &mut out[..]).unwrap();
        if out[0] {
            first = Some(t);
            break;
        }
    }
    assert!(first.is_some());
    for _ in 0..5 {
        let mut out = [false];
        population::step(&Shared(&model), &mut view, &[200.0], &mut out[..]).unwrap();
        assert!(!out[0]);
        assert_eq!(view.get(0).unwrap().v, cfg.v_reset);
    }
    let mut out = [false];
    population::step(&Shared(&model), &mut view, &[200.0], &mut out[..]).unwrap();
    assert!(view.get(0).unwrap().v > cfg.v_reset);
}
