//! Networks on the CPU backend against a plain sequential reference: random small networks
//! (every model, dense and sparse, delays, recurrence, both scalars) give the same spikes and
//! membranes, bit for bit, on 1 and 2 threads and in the reference loop below, which keeps
//! its arrivals in a map instead of lif-core's delay buffers.

use std::collections::BTreeMap;

use lif_core::connect::{population_seed, uniform};
use lif_core::input::input_draws;
use lif_core::synapse::ChannelConfig;
use lif_core::{
    ExtendedConfig, I16F16, LapicqueConfig, LeakyConfig, LifConfig, Neuron, Scalar, Stimulus,
    SynapticConfig,
};
use lif_host_cuda::SimError;
use lif_host_cuda::network::{Connection, Delay, Network, PopulationSpec, Recording, Synapses};
use proptest::prelude::*;

/// Per population, its (step, neuron) spikes.
type Events = Vec<Vec<(u32, u32)>>;

/// A population of the generated networks.
#[derive(Debug, Clone)]
struct PopSpec {
    model: u8,
    n: usize,
    /// Channel time constants (None: instantaneous) and gains.
    channels: Vec<(Option<f64>, f64)>,
    bias: bool,
    stimulus: bool,
    membrane: bool,
}

#[derive(Debug, Clone)]
struct ProjSpec {
    source: usize,
    target: usize,
    channel: usize,
    delay: u16,
    per_synapse_delays: bool,
    kind: u8,
    p: f64,
    k: u32,
    weight_seed: u64,
}

#[derive(Debug, Clone)]
struct NetSpec {
    seed: u64,
    pops: Vec<PopSpec>,
    projections: Vec<ProjSpec>,
    steps: usize,
}

fn pop_spec() -> impl Strategy<Value = PopSpec> {
    (
        0u8..5,
        1usize..90,
        prop::collection::vec(
            (
                prop::option::of(1.0f64..20.0),
                prop_oneof![Just(1.0), 0.2f64..2.0],
            ),
            1..3,
        ),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(model, n, channels, bias, stimulus, membrane)| PopSpec {
            model,
            n,
            channels,
            bias,
            stimulus,
            membrane,
        })
}

fn net_spec() -> impl Strategy<Value = NetSpec> {
    (
        any::<u64>(),
        prop::collection::vec(pop_spec(), 1..4),
        1usize..60,
    )
        .prop_flat_map(|(seed, mut pops, steps)| {
            pops[0].stimulus = true; // something drives the network
            let np = pops.len();
            let proj = (
                0..np,
                0..np,
                0usize..2,
                0u16..4,
                any::<bool>(),
                0u8..5,
                0.0f64..0.5,
                0u32..6,
                any::<u64>(),
            )
                .prop_map(
                    |(source, target, channel, delay, per, kind, p, k, weight_seed)| ProjSpec {
                        source,
                        target,
                        channel,
                        delay,
                        per_synapse_delays: per,
                        kind,
                        p,
                        k,
                        weight_seed,
                    },
                );
            (
                Just(seed),
                Just(pops),
                prop::collection::vec(proj, 0..6),
                Just(steps),
            )
                .prop_map(|(seed, pops, projections, steps)| NetSpec {
                    seed,
                    pops,
                    projections,
                    steps,
                })
        })
}

/// A weight in about [-1, 1.5] from a seed, on a coarse grid (fixed point holds it exactly).
fn weight(seed: u64, k: usize) -> f64 {
    let h = seed
        .wrapping_add(k as u64)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .rotate_left(17);
    ((h % 641) as f64 - 256.0) / 256.0
}

/// The connection a projection spec stands for, valid for the network.
fn connection(pr: &ProjSpec, pops: &[PopSpec]) -> Connection {
    let (ns, nt) = (pops[pr.source].n, pops[pr.target].n);
    let channel = pr.channel % pops[pr.target].channels.len();
    // Delay 0 only forward; per-synapse delays are 1 to 3.
    let delay = if pr.delay == 0 && pr.source >= pr.target {
        1
    } else {
        pr.delay
    };
    let synapses = match pr.kind {
        0 => Synapses::Probability {
            p: pr.p,
            weight: weight(pr.weight_seed, 0),
        },
        1 => Synapses::FanIn {
            k: pr.k,
            weight: weight(pr.weight_seed, 1),
        },
        2 if ns == nt => Synapses::OneToOne {
            weight: weight(pr.weight_seed, 2),
        },
        3 | 2 => Synapses::Dense {
            weights: (0..ns * nt).map(|k| weight(pr.weight_seed, k)).collect(),
        },
        _ => {
            // Explicit sparse: source i onto targets (i * 7 + m) % nt for m < i % 3.
            let mut offsets = vec![0u32];
            let mut targets = Vec::new();
            for i in 0..ns {
                for m in 0..i % 3 {
                    targets.push(((i * 7 + m) % nt) as u32);
                }
                offsets.push(targets.len() as u32);
            }
            let weights = (0..targets.len())
                .map(|k| weight(pr.weight_seed, k))
                .collect();
            Synapses::Sparse {
                offsets,
                targets,
                weights,
            }
        }
    };
    let count = match &synapses {
        Synapses::Dense { weights } => Some(weights.len()),
        Synapses::Sparse { targets, .. } => Some(targets.len()),
        _ => None,
    };
    let delay = match (pr.per_synapse_delays, count) {
        (true, Some(c)) => Delay::PerSynapse((0..c).map(|k| 1 + (k % 3) as u8).collect()),
        _ => Delay::Uniform(delay),
    };
    Connection {
        source: pr.source,
        target: pr.target,
        channel,
        delay,
        synapses,
    }
}

/// The models of the generated networks, parameters chosen so that they fire.
enum Any<S: Scalar> {
    Leaky(lif_core::Leaky<S>),
    Lapicque(lif_core::Lapicque<S>),
    Synaptic(lif_core::Synaptic<S>),
    Lif(lif_core::Lif<S>),
    Extended(lif_core::Extended<S>),
}

fn model<S: Scalar>(k: u8) -> Any<S> {
    match k {
        0 => Any::Leaky(
            LeakyConfig {
                beta: 0.8,
                ..LeakyConfig::default()
            }
            .build()
            .unwrap(),
        ),
        1 => Any::Lapicque(LapicqueConfig::default().build().unwrap()),
        2 => Any::Synaptic(SynapticConfig::default().build().unwrap()),
        3 => Any::Lif(
            LifConfig {
                v_th: 1.0,
                v_reset: -0.5,
                tau: 2.0,
                refractory_steps: 2,
                ..LifConfig::default()
            }
            .build()
            .unwrap(),
        ),
        _ => Any::Extended(ExtendedConfig::default().build().unwrap()),
    }
}

fn stimulus<S: Scalar>() -> Stimulus<S> {
    Stimulus::poisson(S::from_f64(0.3).unwrap(), S::from_f64(1.5).unwrap())
}

fn build<S: Scalar + Send + Sync + 'static>(spec: &NetSpec) -> Result<Network<S>, SimError> {
    let mut net = Network::<S>::new(spec.seed, 1.0);
    for (p, ps) in spec.pops.iter().enumerate() {
        macro_rules! add {
            ($m:expr) => {{
                let mut s = PopulationSpec::new(&format!("p{p}"), $m, ps.n).channels(
                    ps.channels
                        .iter()
                        .map(|&(tau, gain)| ChannelConfig { tau, gain })
                        .collect(),
                );
                if ps.bias {
                    s = s.bias((0..ps.n).map(|i| (i % 5) as f64 * 0.05).collect());
                }
                if ps.stimulus {
                    s = s.stimulus(stimulus());
                }
                if ps.membrane {
                    s = s.initial_membrane(-0.5, 0.5);
                }
                net.add(s)?
            }};
        }
        match model::<S>(ps.model) {
            Any::Leaky(m) => add!(m),
            Any::Lapicque(m) => add!(m),
            Any::Synaptic(m) => add!(m),
            Any::Lif(m) => add!(m),
            Any::Extended(m) => add!(m),
        };
    }
    for pr in &spec.projections {
        net.connect(connection(pr, &spec.pops))?;
    }
    Ok(net)
}

/// The reference: one neuron at a time, arrivals kept per (step, neuron, channel) in a map,
/// with the order of additions lif-core documents.
fn reference<S: Scalar + Send + Sync + 'static>(
    spec: &NetSpec,
    net: &Network<S>,
) -> (Events, Vec<Vec<S>>) {
    macro_rules! per_model {
        ($k:expr, |$m:ident| $body:expr) => {
            match model::<S>($k) {
                Any::Leaky($m) => $body,
                Any::Lapicque($m) => $body,
                Any::Synaptic($m) => $body,
                Any::Lif($m) => $body,
                Any::Extended($m) => $body,
            }
        };
    }
    let np = spec.pops.len();
    // Per population: its neurons' states behind step and membrane closures.
    let mut steppers: Vec<Box<dyn FnMut(usize, S) -> bool>> = Vec::new();
    let mut membranes: Vec<Box<dyn Fn(usize) -> S>> = Vec::new();
    for (p, ps) in spec.pops.iter().enumerate() {
        let pseed = population_seed(spec.seed, p as u32);
        per_model!(ps.model, |m| {
            let mut st: Vec<_> = (0..ps.n)
                .map(|i| {
                    let mut s = m.initial_state(pseed, i as u64);
                    if ps.membrane {
                        let v = uniform(spec.seed, p as u32, i as u32, -0.5, 0.5);
                        set_membrane(&m, &mut s, S::from_f64(v).unwrap());
                    }
                    s
                })
                .collect();
            let cell = std::rc::Rc::new(std::cell::RefCell::new(std::mem::take(&mut st)));
            let (c1, c2) = (cell.clone(), cell);
            let m2 = m;
            steppers.push(Box::new(move |i, x| m2.step(&mut c1.borrow_mut()[i], x)));
            membranes.push(Box::new(move |i| membrane_of(&m, &c2.borrow()[i])));
        });
    }
    let channels: Vec<Vec<lif_core::synapse::Channel<S>>> = spec
        .pops
        .iter()
        .map(|ps| {
            ps.channels
                .iter()
                .map(|&(tau, gain)| ChannelConfig { tau, gain }.build::<S>(1.0).unwrap())
                .collect()
        })
        .collect();
    let synapses: Vec<_> = (0..spec.projections.len())
        .map(|k| net.synapses_of(k))
        .collect();
    let conns: Vec<Connection> = spec
        .projections
        .iter()
        .map(|pr| connection(pr, &spec.pops))
        .collect();
    let draws: Vec<_> = (0..spec.pops.len())
        .map(|p| input_draws(population_seed(spec.seed, p as u32)))
        .collect();
    let mut g: Vec<Vec<Vec<S>>> = spec
        .pops
        .iter()
        .map(|ps| vec![vec![S::ZERO; ps.channels.len()]; ps.n])
        .collect();
    // (target population, arrival step, neuron, channel) -> sum so far.
    let mut pending: BTreeMap<(usize, u64, usize, usize), S> = BTreeMap::new();
    let mut fired: Vec<Vec<Vec<bool>>> = spec.pops.iter().map(|_| Vec::new()).collect();
    let mut events = vec![Vec::new(); np];
    for t in 0..spec.steps as u64 {
        for p in 0..np {
            for (k, c) in conns.iter().enumerate() {
                if c.target != p {
                    continue;
                }
                let same_step = matches!(c.delay, Delay::Uniform(0));
                let emitted = if same_step { Some(t) } else { t.checked_sub(1) };
                let Some(e) = emitted else { continue };
                for &(i, j, w, d) in &synapses[k] {
                    if fired[c.source][e as usize][i as usize] {
                        let slot = pending
                            .entry((p, e + u64::from(d), j as usize, c.channel))
                            .or_insert(S::ZERO);
                        *slot = slot.add(w);
                    }
                }
            }
            let ps = &spec.pops[p];
            let mut now = vec![false; ps.n];
            for i in 0..ps.n {
                let mut x = if ps.stimulus {
                    stimulus::<S>().value(draws[p], i as u64, t)
                } else {
                    S::ZERO
                };
                if ps.bias {
                    x = x.add(S::from_f64((i % 5) as f64 * 0.05).unwrap());
                }
                for (c, ch) in channels[p].iter().enumerate() {
                    let a = pending.remove(&(p, t, i, c)).unwrap_or(S::ZERO);
                    let v = match ch.decay() {
                        Some(d) => g[p][i][c].scale(d).add(a),
                        None => a,
                    };
                    g[p][i][c] = v;
                    x = x.add(match ch.gain() {
                        Some(k) => v.mul(k),
                        None => v,
                    });
                }
                now[i] = steppers[p](i, x);
                if now[i] {
                    events[p].push((t as u32, i as u32));
                }
            }
            fired[p].push(now);
        }
    }
    let mems = spec
        .pops
        .iter()
        .enumerate()
        .map(|(p, ps)| (0..ps.n).map(|i| membranes[p](i)).collect())
        .collect();
    (events, mems)
}

fn set_membrane<S: Scalar, M: Neuron<S>>(_: &M, s: &mut M::State, v: S) {
    M::set_membrane(s, v);
}

fn membrane_of<S: Scalar, M: Neuron<S>>(_: &M, s: &M::State) -> S {
    M::membrane(s)
}

fn run_on<S: Scalar + Send + Sync + 'static>(
    spec: &NetSpec,
    threads: usize,
) -> (Events, Vec<Vec<S>>, Network<S>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut net = build::<S>(spec).unwrap();
        net.set_parallel_min(1); // chunk every population, however small
        let mut rec = Recording::default();
        // Two calls: a split of the run changes nothing.
        let half = spec.steps / 2;
        net.run(half, &mut rec).unwrap();
        net.run(spec.steps - half, &mut rec).unwrap();
        let mems = (0..spec.pops.len())
            .map(|p| {
                (0..spec.pops[p].n)
                    .map(|i| net.membrane(p, i).unwrap())
                    .collect()
            })
            .collect();
        (rec.events, mems, net)
    })
}

/// The first half of the run on 1 thread, the second on 3 (the population is split anew).
fn run_mixed<S: Scalar + Send + Sync + 'static>(spec: &NetSpec) -> Events {
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let mut net = build::<S>(spec).unwrap();
    net.set_parallel_min(1);
    let mut rec = Recording::default();
    let half = spec.steps / 2;
    pool(1).install(|| net.run(half, &mut rec)).unwrap();
    pool(3)
        .install(|| net.run(spec.steps - half, &mut rec))
        .unwrap();
    rec.events
}

fn same_everywhere<S: Scalar + Send + Sync + 'static>(spec: &NetSpec) {
    let (e1, m1, net) = run_on::<S>(spec, 1);
    let (e2, m2, _) = run_on::<S>(spec, 2);
    assert_eq!(e1, e2, "1 vs 2 threads: spikes");
    assert_eq!(m1, m2, "1 vs 2 threads: membranes");
    assert_eq!(e1, run_mixed::<S>(spec), "1 then 3 threads: spikes");
    let (er, mr) = reference::<S>(spec, &build::<S>(spec).unwrap());
    let _ = net;
    assert_eq!(e1, er, "backend vs reference: spikes");
    assert_eq!(m1, mr, "backend vs reference: membranes");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn f32_networks_equal_the_sequential_reference_on_any_thread_count(spec in net_spec()) {
        same_everywhere::<f32>(&spec);
    }

    #[test]
    fn i16f16_networks_equal_the_sequential_reference_on_any_thread_count(spec in net_spec()) {
        same_everywhere::<I16F16>(&spec);
    }
}

#[test]
fn spikes_cross_a_projection_after_its_delay() {
    // p0 fires at step 0 only (bias 2 then refractory); one synapse to p1 with delay 3 and a
    // weight big enough to fire p1 at once: p1 fires at step 3.
    let lif = LifConfig {
        v_th: 1.0,
        v_reset: 0.0,
        tau: 1.0,
        refractory_steps: 1000,
        ..LifConfig::default()
    }
    .build::<f32>()
    .unwrap();
    let big = LifConfig {
        refractory_steps: 0,
        ..LifConfig {
            v_th: 1.0,
            v_reset: 0.0,
            tau: 1.0,
            ..LifConfig::default()
        }
    }
    .build::<f32>()
    .unwrap();
    let mut net = Network::<f32>::new(0, 1.0);
    let a = net
        .add(PopulationSpec::new("a", lif, 1).bias(vec![100.0]))
        .unwrap();
    let b = net.add(PopulationSpec::new("b", big, 1)).unwrap();
    net.connect(Connection {
        source: a,
        target: b,
        channel: 0,
        delay: Delay::Uniform(3),
        synapses: Synapses::OneToOne { weight: 100.0 },
    })
    .unwrap();
    let mut rec = Recording::default();
    net.run(10, &mut rec).unwrap();
    assert_eq!(rec.events[a], vec![(0, 0)]);
    assert_eq!(rec.events[b], vec![(3, 0)]);
}

#[test]
fn bad_networks_get_errors_naming_the_part() {
    let leaky = LeakyConfig::default().build::<I16F16>().unwrap();
    let mut net = Network::<I16F16>::new(0, 1.0);
    let a = net.add(PopulationSpec::new("a", leaky, 4)).unwrap();
    let b = net.add(PopulationSpec::new("b", leaky, 3)).unwrap();
    let err = net.population("c").unwrap_err();
    assert_eq!(err.to_string(), "unknown population `c`");
    let err = net.add(PopulationSpec::new("a", leaky, 1)).unwrap_err();
    assert!(err.to_string().contains("`a`"), "{err}");
    let c = |source, target, delay, synapses| Connection {
        source,
        target,
        channel: 0,
        delay: Delay::Uniform(delay),
        synapses,
    };
    // Mismatched sizes.
    let err = net
        .connect(c(a, b, 1, Synapses::OneToOne { weight: 1.0 }))
        .unwrap_err();
    assert!(err.to_string().contains("projection 0 (a -> b)"), "{err}");
    let err = net
        .connect(c(
            a,
            b,
            1,
            Synapses::Dense {
                weights: vec![0.5; 11],
            },
        ))
        .unwrap_err();
    assert!(err.to_string().contains("expected 12"), "{err}");
    // Weights that overflow the fixed-point format.
    let err = net
        .connect(c(
            a,
            b,
            1,
            Synapses::Probability {
                p: 0.5,
                weight: 1e6,
            },
        ))
        .unwrap_err();
    assert!(err.to_string().contains("does not fit in I16F16"), "{err}");
    // Delay 0 backwards, unknown channel, unknown population, target out of range.
    let err = net
        .connect(c(
            b,
            a,
            0,
            Synapses::Probability {
                p: 0.5,
                weight: 1.0,
            },
        ))
        .unwrap_err();
    assert!(err.to_string().contains("delay 0"), "{err}");
    let mut bad = c(
        a,
        b,
        1,
        Synapses::Probability {
            p: 0.5,
            weight: 1.0,
        },
    );
    bad.channel = 3;
    let err = net.connect(bad).unwrap_err();
    assert!(err.to_string().contains("channel 3"), "{err}");
    let err = net
        .connect(c(
            a,
            9,
            1,
            Synapses::Probability {
                p: 0.5,
                weight: 1.0,
            },
        ))
        .unwrap_err();
    assert!(err.to_string().contains("population 9"), "{err}");
    let err = net
        .connect(c(
            a,
            b,
            1,
            Synapses::Sparse {
                offsets: vec![0, 1, 1, 1, 1],
                targets: vec![7],
                weights: vec![1.0],
            },
        ))
        .unwrap_err();
    assert!(err.to_string().contains("target 7"), "{err}");
    let mut bad = c(
        a,
        b,
        1,
        Synapses::Dense {
            weights: vec![0.5; 12],
        },
    );
    bad.delay = Delay::PerSynapse(vec![0; 12]);
    let err = net.connect(bad).unwrap_err();
    assert!(err.to_string().contains("delay of 0"), "{err}");
    // Nothing was added by the failed calls.
    assert_eq!(net.synapse_count(), 0);
}

/// CUDA against the CPU on random networks (the first 24 of a fixed seed), where a device
/// is present; says SKIPPED elsewhere.
#[cfg(feature = "cuda")]
#[test]
fn cuda_networks_equal_the_cpu_bit_for_bit() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let probe = LeakyConfig::default().build::<f32>().unwrap();
    let mut net = Network::<f32>::new(0, 1.0);
    net.add(PopulationSpec::new("probe", probe, 1)).unwrap();
    if let Err(e) = net.run_cuda(1, &mut Recording::default()) {
        eprintln!(
            "SKIPPED: no CUDA device ({e}); the GPU network run is owed on a machine with one"
        );
        return;
    }
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    for case in 0..24 {
        let spec = net_spec().new_tree(&mut runner).unwrap().current();
        fn both<S: Scalar + Send + Sync + 'static>(spec: &NetSpec, case: usize) {
            let (cpu_events, cpu_mems, _) = run_on::<S>(spec, 2);
            let mut net = build::<S>(spec).unwrap();
            let mut rec = Recording::default();
            // Split across calls, like the CPU run: state goes to the device and back.
            let half = spec.steps / 2;
            net.run_cuda(half, &mut rec).unwrap();
            net.run_cuda(spec.steps - half, &mut rec).unwrap();
            assert_eq!(rec.events, cpu_events, "case {case} ({}): spikes", S::NAME);
            let mems: Vec<Vec<S>> = (0..spec.pops.len())
                .map(|p| {
                    (0..spec.pops[p].n)
                        .map(|i| net.membrane(p, i).unwrap())
                        .collect()
                })
                .collect();
            assert_eq!(mems, cpu_mems, "case {case} ({}): membranes", S::NAME);
        }
        both::<f32>(&spec, case);
        both::<I16F16>(&spec, case);
    }
}

#[test]
fn input_rows_drive_a_population_and_a_run_past_them_is_refused() {
    let leaky = LeakyConfig {
        beta: 0.5,
        ..LeakyConfig::default()
    }
    .build::<f32>()
    .unwrap();
    let mut net = Network::<f32>::new(0, 1.0);
    // Neuron 0 gets 2.0 at steps 0 and 2, neuron 1 nothing: it fires exactly then.
    let rows = vec![2.0, 0.0, 0.0, 0.0, 2.0, 0.0];
    let a = net
        .add(PopulationSpec::new("a", leaky, 2).input_rows(rows))
        .unwrap();
    let mut rec = Recording::default();
    net.run(3, &mut rec).unwrap();
    assert_eq!(rec.events[a], vec![(0, 0), (2, 0)]);
    let err = net.run(1, &mut rec).unwrap_err();
    assert!(err.to_string().contains("input rows"), "{err}");
    let bad = Network::<f32>::new(0, 1.0)
        .add(PopulationSpec::new("b", leaky, 2).input_rows(vec![1.0; 3]));
    assert!(bad.is_err());
    let nan = Network::<f32>::new(0, 1.0)
        .add(PopulationSpec::new("c", leaky, 1).input_rows(vec![f32::NAN]));
    assert!(nan.unwrap_err().to_string().contains("non-finite"));
}

#[test]
fn watched_membranes_are_traced_every_step_and_bad_ones_refused() {
    let spec = NetSpec {
        seed: 3,
        pops: vec![PopSpec {
            model: 3,
            n: 40,
            channels: vec![(Some(5.0), 1.0)],
            bias: true,
            stimulus: true,
            membrane: true,
        }],
        projections: vec![ProjSpec {
            source: 0,
            target: 0,
            channel: 0,
            delay: 1,
            per_synapse_delays: false,
            kind: 0,
            p: 0.2,
            k: 0,
            weight_seed: 9,
        }],
        steps: 30,
    };
    let mut net = build::<f32>(&spec).unwrap();
    let mut rec = Recording {
        watch: vec![vec![5, 39]],
        ..Recording::default()
    };
    let mut last = Vec::new();
    for _ in 0..spec.steps {
        net.run(1, &mut rec).unwrap();
        last.push(f64::from(net.membrane(0, 5).unwrap()));
        last.push(f64::from(net.membrane(0, 39).unwrap()));
    }
    assert_eq!(rec.traces[0], last);
    let mut bad = Recording {
        watch: vec![vec![40]],
        ..Recording::default()
    };
    assert!(net.run(1, &mut bad).is_err());
}
