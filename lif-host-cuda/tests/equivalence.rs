//! Every backend equals lif-core's reference loop, bit for bit: one generic test body, run on
//! the CPU backend always and on the CUDA backend when a device is present (it says clearly
//! when it is skipped).

use lif_core::input::input_draws;
use lif_core::*;
use lif_host_cuda::{Backend, Input, SimError, Simulator};
use proptest::prelude::*;

/// What the reference loop computes: spike rows, final states, recorded membranes.
fn reference<S: Scalar, M: Neuron<S>>(
    model: &M,
    n: usize,
    seed: u64,
    steps: usize,
    input: &Input<'_, S>,
    record: &[usize],
) -> (Vec<u32>, Vec<M::State>, Vec<S>, Vec<S>) {
    let words = n.div_ceil(32);
    let mut spikes = vec![0u32; steps * words];
    let mut trace = vec![S::ZERO; steps * record.len()];
    let mut thresholds = vec![S::ZERO; steps * record.len()];
    let mut states = Vec::new();
    for i in 0..n {
        let mut s = model.initial_state(seed, i as u64);
        for t in 0..steps {
            let x = match *input {
                Input::Array(a) => a[t * n + i],
                Input::Generated(stimulus) => stimulus.value(input_draws(seed), i as u64, t as u64),
            };
            if model.step(&mut s, x) {
                spikes[t * words + i / 32] |= 1 << (i % 32);
            }
            for (k, _) in record.iter().enumerate().filter(|(_, r)| **r == i) {
                trace[t * record.len() + k] = M::membrane(&s);
                thresholds[t * record.len() + k] = model.threshold(&s);
            }
        }
        states.push(s);
    }
    (spikes, states, trace, thresholds)
}

/// The generic body: `backend` must reproduce the reference for this model, input and size,
/// also when the run is split in two calls. Returns false when the backend is unavailable.
fn check<S, M>(
    backend: Backend,
    model: M,
    n: usize,
    seed: u64,
    steps: usize,
    input: Input<'_, S>,
) -> bool
where
    S: Scalar,
    M: Neuron<S> + Send + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    let mut sim = match Simulator::new(model, n, seed, backend) {
        Ok(sim) => sim,
        Err(SimError::NoDevice(why)) => {
            eprintln!("skipped on {backend:?}: {why}");
            return false;
        }
        Err(e) => panic!("{e}"),
    };
    let record = [0, n / 2, n - 1];
    let (want_spikes, want_states, want_trace, want_thresholds) =
        reference(&model, n, seed, steps, &input, &record);
    // Split the run in two calls: the result may not depend on it.
    let first = steps / 3;
    let (a, b) = match input {
        Input::Array(data) => (
            Input::Array(&data[..first * n]),
            Input::Array(&data[first * n..]),
        ),
        other => (other, other),
    };
    let out1 = sim.run(a, first, &record).unwrap();
    let out2 = sim.run(b, steps - first, &record).unwrap();
    let counts: Vec<u32> = out1
        .counts()
        .iter()
        .zip(&out2.counts())
        .map(|(x, y)| x + y)
        .collect();
    let spikes = [out1.spikes, out2.spikes].concat();
    let trace = [out1.trace, out2.trace].concat();
    let thresholds = [out1.thresholds, out2.thresholds].concat();
    assert_eq!(
        thresholds,
        want_thresholds,
        "{} thresholds on {}",
        S::NAME,
        sim.backend_name()
    );
    assert_eq!(
        spikes,
        want_spikes,
        "{} spikes on {}",
        S::NAME,
        sim.backend_name()
    );
    assert_eq!(
        trace,
        want_trace,
        "{} membranes on {}",
        S::NAME,
        sim.backend_name()
    );
    assert_eq!(
        sim.states().unwrap(),
        want_states.as_slice(),
        "{} final states",
        S::NAME
    );
    let want_counts: Vec<u32> = (0..n)
        .map(|i| {
            (0..steps)
                .filter(|t| want_spikes[t * n.div_ceil(32) + i / 32] >> (i % 32) & 1 == 1)
                .count() as u32
        })
        .collect();
    assert_eq!(counts, want_counts);
    true
}

fn array<S: Scalar>(seed: u64, len: usize, lo: f64, hi: f64) -> Vec<S> {
    let mut r = RngState::for_neuron(seed, 77);
    (0..len)
        .map(|_| S::from_f64(lo + (hi - lo) * (r.next_u32() as f64 / 4_294_967_296.0)).unwrap())
        .collect()
}

/// Runs the body for one model config over the scalar types and input kinds, on `backend`.
macro_rules! every_scalar_and_input {
    ($backend:expr, $cfg:expr, $n:expr, $seed:expr, $steps:expr, $lo:expr, $hi:expr, [$($S:ty),+]) => {{
        $(
            let model = ($cfg).build::<$S>().unwrap();
            let data: Vec<$S> = array($seed, $n * $steps, $lo, $hi);
            let c = <$S>::from_f64(($lo + $hi) / 2.0).unwrap();
            let amp = <$S>::from_f64($hi * 2.0).unwrap();
            let p = <$S>::from_f64(0.3).unwrap();
            check($backend, model, $n, $seed, $steps, Input::Array(&data));
            check($backend, model, $n, $seed, $steps, Input::Generated(Stimulus::constant(c)));
            check($backend, model, $n, $seed, $steps, Input::Generated(Stimulus::new(Shape::Step { before: <$S>::ZERO, after: c, at: 5 })));
            check($backend, model, $n, $seed, $steps, Input::Generated(Stimulus::poisson(p, amp)));
            let sd = <$S>::from_f64(($hi - $lo) / 4.0).unwrap();
            let sine = Shape::Sine { amplitude: c, offset: c, period: 7.5 };
            check($backend, model, $n, $seed, $steps, Input::Generated(Stimulus::new(sine).with_noise(sd)));
            let pulse = Shape::Pulse { amplitude: amp, start: 2, width: 3, period: 5 };
            check($backend, model, $n, $seed, $steps, Input::Generated(Stimulus::new(pulse).with_p(p).with_noise(sd)));
            let ramp = Shape::Ramp { from: <$S>::ZERO, to: amp, steps: $steps as u64 / 2 };
            check($backend, model, $n, $seed, $steps, Input::Generated(Stimulus::new(ramp)));
        )+
    }};
}

fn leaky(beta: f64, threshold: f64, reset: u8, delay: bool) -> LeakyConfig {
    let reset = [Reset::Subtract, Reset::Zero, Reset::None][reset as usize % 3];
    LeakyConfig {
        beta,
        threshold,
        reset,
        reset_delay: delay,
    }
}

fn all_models(backend: Backend, seed: u64, n: usize, steps: usize, beta: f64, stochastic: bool) {
    every_scalar_and_input!(
        backend,
        leaky(beta, 1.0, seed as u8, seed & 8 == 0),
        n,
        seed,
        steps,
        0.0,
        0.4,
        [f32, I16F16]
    );
    every_scalar_and_input!(
        backend,
        LapicqueConfig::default(),
        n,
        seed,
        steps,
        0.0,
        0.5,
        [f32, I16F16]
    );
    every_scalar_and_input!(
        backend,
        SynapticConfig {
            beta,
            ..SynapticConfig::default()
        },
        n,
        seed,
        steps,
        0.0,
        0.1,
        [f32, I16F16]
    );
    every_scalar_and_input!(
        backend,
        LifConfig {
            refractory_steps: 2,
            ..LifConfig::default()
        },
        n,
        seed,
        steps,
        20.0,
        60.0,
        [f32, I16F16]
    );
    let ext = if stochastic {
        ExtendedConfig::default()
    } else {
        ExtendedConfig::deterministic()
    };
    every_scalar_and_input!(backend, ext, n, seed, steps, 0.0, 1.5, [f32, I16F16]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn cpu_backend_equals_the_reference(seed in any::<u64>(), n in 1usize..300, steps in 2usize..40,
                                        beta in 0.5f64..1.0, stochastic in any::<bool>()) {
        all_models(Backend::Cpu, seed, n, steps, beta, stochastic);
    }
}

#[test]
fn cpu_backend_equals_the_reference_across_many_blocks() {
    // Several tiles per thread block and several blocks: exercises the parallel split.
    let n = 3 * lif_core::population::tile_len(4) * rayon::current_num_threads().max(1) + 45;
    all_models(Backend::Cpu, 5, n, 6, 0.9, true);
    every_scalar_and_input!(
        Backend::Cpu,
        ExtendedConfig::default(),
        n,
        9,
        5,
        0.0,
        1.5,
        [f64, I8F24]
    );
}

#[test]
fn cuda_backend_equals_the_reference_when_a_gpu_is_present() {
    let model = LeakyConfig::default().build::<f32>().unwrap();
    if !check(
        Backend::Cuda,
        model,
        100,
        1,
        10,
        Input::Generated(Stimulus::constant(0.3f32)),
    ) {
        eprintln!("SKIPPED: no CUDA device; the GPU equivalence run is owed on a machine with one");
        return;
    }
    for seed in 0..4 {
        all_models(
            Backend::Cuda,
            seed,
            1000 + 77 * seed as usize,
            50,
            0.9,
            seed % 2 == 0,
        );
    }
}

#[test]
fn modulation_reaches_every_neuron_on_every_backend() {
    let model = ExtendedConfig::deterministic();
    let model = ExtendedConfig {
        neuromodulation: true,
        ..model
    }
    .build::<f32>()
    .unwrap();
    for backend in [Backend::Cpu, Backend::Cuda] {
        let Ok(mut sim) = Simulator::new(model, 70, 3, backend) else {
            eprintln!("SKIPPED on {backend:?}: no CUDA device");
            continue;
        };
        sim.modulate(0.0).unwrap();
        let nm: Vec<f32> = sim.states().unwrap().iter().map(|s| s.nm).collect();
        assert!(nm.iter().all(|&v| v == 0.5), "sigmoid(0) everywhere");
        // With nm = sigmoid(4) added to the drive and no input, the neurons fire; without, not.
        sim.modulate(4.0).unwrap();
        let out = sim
            .run(Input::Generated(Stimulus::constant(0.2f32)), 60, &[])
            .unwrap();
        assert!(out.spike_total() > 0);
    }
    let leaky = LeakyConfig::default().build::<f32>().unwrap();
    let mut sim = Simulator::new(leaky, 5, 0, Backend::Cpu).unwrap();
    sim.modulate(1.0).unwrap(); // no neuromodulation input: nothing changes
    assert!(sim.states().unwrap().iter().all(|s| s.mem == 0.0));
    assert!(sim.modulate(f32::NAN).is_err());
}
