//! The population loop is only a loop: it equals stepping each neuron on its own, for any
//! split of the neurons or of time, with shared or per-neuron parameters, bit-packed or bool
//! spikes; and the same seed gives the same output.

use lif_core::population::{self, PerNeuron, Shared};
use lif_core::*;
use proptest::prelude::*;

/// Deterministic inputs in `[lo, hi)`.
fn inputs<S: Scalar>(seed: u64, len: usize, lo: f64, hi: f64) -> Vec<S> {
    let mut r = RngState::for_neuron(seed, u64::MAX);
    (0..len)
        .map(|_| S::from_f64(lo + (hi - lo) * (r.next_u32() as f64 / 4_294_967_296.0)).unwrap())
        .collect()
}

/// Generates the test module of one model: `$view` is its state view, `$field`s its state
/// slices in `new`'s order, `$cfg` a config expression, inputs drawn in `[$lo, $hi)`.
macro_rules! population_tests {
    ($name:ident, $view:ident, $state:ident, [$($field:ident),+], $cfg:expr, $lo:expr, $hi:expr) => {
        mod $name {
            use super::*;

            /// Runs neurons `range` of a population for `steps` steps of `input` (a full
            /// population-wide input of `n` per step), in one `run` call, packed spikes.
            fn run_range<S: Scalar>(
                model: &impl Neuron<S, State = $state<S>>,
                seed: u64, n: usize, range: std::ops::Range<usize>, input: &[S], steps: usize,
            ) -> (Vec<$state<S>>, Vec<bool>) {
                let m = range.len();
                $( let mut $field = vec![Default::default(); m]; )+
                let mut view = $view::new($( &mut $field ),+).unwrap();
                population::init(&Shared(model), &mut view, seed, range.start as u64).unwrap();
                let sub: Vec<S> = (0..steps).flat_map(|t| input[t * n + range.start..t * n + range.end].iter().copied()).collect();
                let mut bits = vec![0u32; steps * m.div_ceil(32)];
                population::run(&Shared(model), &mut view, &sub, steps, &mut bits[..]).unwrap();
                let states = (0..m).map(|i| view.get(i).unwrap()).collect();
                let spikes = (0..steps * m).map(|k| {
                    let (t, i) = (k / m, k % m);
                    bits[t * m.div_ceil(32) + i / 32] >> (i % 32) & 1 == 1
                }).collect();
                (states, spikes)
            }

            fn check<S: Scalar>(seed: u64, n: usize, steps: usize, split_n: usize, split_t: usize) {
                let model = ($cfg).build::<S>().unwrap();
                let input: Vec<S> = inputs(seed, n * steps, $lo, $hi);

                // Reference: every neuron on its own through `Neuron::step`.
                let mut want_states = Vec::new();
                let mut want_spikes = vec![false; n * steps];
                for i in 0..n {
                    let mut s = model.initial_state(seed, i as u64);
                    for t in 0..steps {
                        want_spikes[t * n + i] = model.step(&mut s, input[t * n + i]);
                    }
                    want_states.push(s);
                }

                // One run over everything.
                let (states, spikes) = run_range(&model, seed, n, 0..n, &input, steps);
                assert_eq!(states, want_states);
                assert_eq!(spikes, want_spikes);

                // Neurons split in two populations (the second initialised with an offset).
                let (a, sa) = run_range(&model, seed, n, 0..split_n, &input, steps);
                let (b, sb) = run_range(&model, seed, n, split_n..n, &input, steps);
                assert_eq!([a, b].concat(), want_states);
                for t in 0..steps {
                    for i in 0..n {
                        let got = if i < split_n { sa[t * split_n + i] } else { sb[t * (n - split_n) + i - split_n] };
                        assert_eq!(got, want_spikes[t * n + i], "split neurons: t {t} i {i}");
                    }
                }

                // Time split in two calls, bool spikes, per-neuron parameter copies.
                $( let mut $field = vec![Default::default(); n]; )+
                let mut view = $view::new($( &mut $field ),+).unwrap();
                let per: Vec<_> = (0..n).map(|_| model).collect();
                population::init(&PerNeuron(&per), &mut view, seed, 0).unwrap();
                let mut spikes = vec![false; n * steps];
                let (first, rest) = spikes.split_at_mut(n * split_t);
                population::run(&PerNeuron(&per), &mut view, &input[..n * split_t], split_t, first).unwrap();
                population::run(&PerNeuron(&per), &mut view, &input[n * split_t..], steps - split_t, rest).unwrap();
                assert_eq!((0..n).map(|i| view.get(i).unwrap()).collect::<Vec<_>>(), want_states);
                assert_eq!(spikes, want_spikes);
            }

            #[test]
            fn spans_several_tiles() {
                let tile = population::tile_len(std::mem::size_of::<$state<f32>>());
                let n = 2 * tile + 37;
                check::<f32>(5, n, 3, tile + 5, 1);
                check::<I16F16>(6, n, 3, 33, 2);
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(24))]
                #[test]
                fn population_equals_single_neurons(seed in any::<u64>(), n in 1usize..100, steps in 1usize..60,
                                                    a in 0.0f64..1.0, b in 0.0f64..1.0) {
                    let split_n = ((n as f64 * a) as usize).min(n);
                    let split_t = ((steps as f64 * b) as usize).min(steps);
                    check::<f32>(seed, n, steps, split_n, split_t);
                    check::<f64>(seed, n, steps, split_n, split_t);
                    check::<I16F16>(seed, n, steps, split_n, split_t);
                    check::<I8F24>(seed, n, steps, split_n, split_t);
                }
            }
        }
    };
}

population_tests!(
    leaky,
    LeakySlices,
    LeakyState,
    [mem],
    LeakyConfig::default(),
    -0.2,
    0.6
);
population_tests!(
    leaky_zero_now,
    LeakySlices,
    LeakyState,
    [mem],
    LeakyConfig {
        reset: Reset::Zero,
        reset_delay: false,
        ..LeakyConfig::default()
    },
    -0.2,
    0.6
);
population_tests!(
    leaky_no_reset,
    LeakySlices,
    LeakyState,
    [mem],
    LeakyConfig {
        reset: Reset::None,
        ..LeakyConfig::default()
    },
    -0.2,
    0.6
);
population_tests!(
    lapicque,
    LapicqueSlices,
    LapicqueState,
    [mem],
    LapicqueConfig::default(),
    0.0,
    0.5
);
population_tests!(
    synaptic,
    SynapticSlices,
    SynapticState,
    [syn, mem],
    SynapticConfig::default(),
    -0.1,
    0.3
);
population_tests!(
    synaptic_no_reset,
    SynapticSlices,
    SynapticState,
    [syn, mem],
    SynapticConfig {
        reset: Reset::None,
        ..SynapticConfig::default()
    },
    -0.1,
    0.3
);
population_tests!(
    lapicque_no_reset,
    LapicqueSlices,
    LapicqueState,
    [mem],
    LapicqueConfig {
        reset: Reset::None,
        ..LapicqueConfig::default()
    },
    0.0,
    0.5
);
population_tests!(
    lif,
    LifSlices,
    LifState,
    [v, refractory],
    // dt = 1 so that neurons fire within the tests' few steps (with BrainPy's dt = 0.1 the
    // first spike needs about 70).
    LifConfig {
        refractory_steps: 2,
        dt: 1.0,
        ..LifConfig::default()
    },
    10.0,
    40.0
);
population_tests!(
    lif_euler_soft,
    LifSlices,
    LifState,
    [v, refractory],
    LifConfig {
        refractory_steps: 3,
        integration: Integration::Euler,
        reset: LifReset::Soft,
        dt: 1.0,
        ..LifConfig::default()
    },
    10.0,
    40.0
);
population_tests!(
    lif_exact_soft_no_refractory,
    LifSlices,
    LifState,
    [v, refractory],
    LifConfig {
        reset: LifReset::Soft,
        dt: 1.0,
        ..LifConfig::default()
    },
    10.0,
    40.0
);
population_tests!(
    lif_euler_hard,
    LifSlices,
    LifState,
    [v, refractory],
    LifConfig {
        refractory_steps: 1,
        integration: Integration::Euler,
        dt: 1.0,
        ..LifConfig::default()
    },
    10.0,
    40.0
);
population_tests!(
    extended_stochastic,
    ExtendedSlices,
    ExtendedState,
    [v, a, se, nm, q, v_th, rng],
    ExtendedConfig::default(),
    0.0,
    1.5
);
population_tests!(
    extended_deterministic,
    ExtendedSlices,
    ExtendedState,
    [v, a, se, nm, q, v_th, rng],
    ExtendedConfig {
        adaptive_threshold: true,
        adaptation: true,
        ..ExtendedConfig::deterministic()
    },
    0.0,
    2.0
);

/// Stochastic output is a function of the seed: the same seed reproduces it, another seed
/// changes it.
#[test]
fn same_seed_same_spikes_other_seed_other_spikes() {
    let model = ExtendedConfig::default().build::<I16F16>().unwrap();
    let n = 200;
    let steps = 100;
    let input: Vec<I16F16> = inputs(1, n * steps, 0.5, 1.5);
    let run = |seed| {
        let mut vars = vec![vec![I16F16::ZERO; n]; 6];
        let mut rng = vec![RngState::default(); n];
        let [v, a, se, nm, q, th] = vars.as_mut_slice() else {
            unreachable!()
        };
        let mut view = ExtendedSlices::new(v, a, se, nm, q, th, &mut rng).unwrap();
        population::init(&Shared(&model), &mut view, seed, 0).unwrap();
        let mut bits = vec![0u32; steps * n.div_ceil(32)];
        population::run(&Shared(&model), &mut view, &input, steps, &mut bits[..]).unwrap();
        bits
    };
    let a = run(7);
    assert_eq!(a, run(7));
    let b = run(8);
    assert_ne!(a, b);
    let count = |v: &[u32]| v.iter().map(|w| w.count_ones()).sum::<u32>();
    // Both seeds fire at a similar, nontrivial rate.
    let (ca, cb) = (count(&a), count(&b));
    assert!(ca > 500 && cb > 500, "{ca} {cb}");
    assert!((ca as f64 / cb as f64 - 1.0).abs() < 0.2, "{ca} {cb}");
}

#[test]
fn modulation_sets_the_neuromodulator_through_the_transform() {
    for (transform, x, want) in [
        (Transform::Sigmoid, 0.0, 0.5),
        (Transform::Tanh, 0.5, 0.5f64.tanh()),
        (Transform::Relu, -1.0, 0.0),
        (Transform::Identity, 0.25, 0.25),
    ] {
        let cfg = ExtendedConfig {
            transform,
            ..ExtendedConfig::default()
        };
        let m = cfg.build::<f64>().unwrap();
        let mut s = m.initial_state(0, 0);
        assert_eq!(s.nm, 0.0);
        m.modulate(&mut s, x);
        assert!((s.nm - want).abs() < 1e-12, "{transform:?}");
        let mq = cfg.build::<I16F16>().unwrap();
        let mut sq = mq.initial_state(0, 0);
        mq.modulate(&mut sq, I16F16::from_f64(x).unwrap());
        assert!((sq.nm.to_f64() - want).abs() < 1e-4, "{transform:?} fixed");
    }
    // Off: the signal is ignored and nm stays at nm_init.
    let m = ExtendedConfig::deterministic().build::<f32>().unwrap();
    let mut s = m.initial_state(0, 0);
    m.modulate(&mut s, 3.0);
    assert_eq!(s.nm, 0.0);
}

/// The owned fixed-capacity arrays (firmware storage) view into the same loop.
#[test]
fn owned_arrays_run_the_same_loop() {
    let model = SynapticConfig::default().build::<I16F16>().unwrap();
    let input: Vec<I16F16> = inputs(3, 40 * 5, 0.0, 0.3);
    let mut arrays = SynapticArrays::<I16F16, 40>::default();
    let mut view = <Synaptic<I16F16> as Stored<I16F16>>::view(&mut arrays);
    population::init(&Shared(&model), &mut view, 1, 0).unwrap();
    let mut bits = [0u32; 10];
    population::run(&Shared(&model), &mut view, &input, 5, &mut bits[..]).unwrap();

    let (mut syn, mut mem) = (vec![I16F16::ZERO; 40], vec![I16F16::ZERO; 40]);
    let mut slices = SynapticSlices::new(&mut syn, &mut mem).unwrap();
    let mut want = [0u32; 10];
    population::run(&Shared(&model), &mut slices, &input, 5, &mut want[..]).unwrap();
    assert_eq!(bits, want);
    assert!(bits.iter().any(|w| *w != 0));
    assert_eq!(arrays.mem.as_slice(), mem.as_slice());
    assert_eq!(arrays.syn.as_slice(), syn.as_slice());
}

/// The deterministic extended model steps a block with its four mechanisms fixed at compile
/// time, touching only their variables: for every combination, on the structure-of-arrays
/// and the array-of-structs views, that equals `step` on each neuron, untouched variables
/// included (they start away from their defaults here, so a block that wrote them would
/// show).
#[test]
fn extended_blocks_equal_steps_for_every_switch_combination() {
    fn check<S: Scalar>(cfg: ExtendedConfig) {
        let model = cfg.build::<S>().unwrap();
        let (n, steps) = (45, 60);
        let input: Vec<S> = inputs(11, n * steps, -0.2, 3.0);
        let start: Vec<ExtendedState<S>> = (0..n)
            .map(|i| {
                let mut s = model.initial_state(9, i as u64);
                let f = |v: f64| S::from_f64(v + i as f64 / 100.0).unwrap();
                (s.a, s.se, s.nm, s.q, s.v_th) = (f(0.1), f(0.5), f(0.05), f(0.3), f(0.9));
                s
            })
            .collect();
        let mut want = start.clone();
        let mut want_spikes = vec![false; n * steps];
        for (i, s) in want.iter_mut().enumerate() {
            for t in 0..steps {
                want_spikes[t * n + i] = model.step(s, input[t * n + i]);
            }
        }
        assert!(want_spikes.iter().any(|&s| s), "{cfg:?} never fires");

        let mut aos = start.clone();
        let mut spikes = vec![false; n * steps];
        population::run(
            &Shared(&model),
            &mut AosSlices(&mut aos),
            &input,
            steps,
            &mut spikes[..],
        )
        .unwrap();
        assert_eq!(aos, want, "array of structs, {cfg:?}");
        assert_eq!(spikes, want_spikes, "array of structs, {cfg:?}");

        let col = |f: fn(&ExtendedState<S>) -> S| start.iter().map(f).collect::<Vec<_>>();
        let (mut v, mut a, mut se) = (col(|s| s.v), col(|s| s.a), col(|s| s.se));
        let (mut nm, mut q, mut th) = (col(|s| s.nm), col(|s| s.q), col(|s| s.v_th));
        let mut rng: Vec<RngState> = start.iter().map(|s| s.rng).collect();
        let mut view =
            ExtendedSlices::new(&mut v, &mut a, &mut se, &mut nm, &mut q, &mut th, &mut rng)
                .unwrap();
        let mut spikes = vec![false; n * steps];
        population::run(&Shared(&model), &mut view, &input, steps, &mut spikes[..]).unwrap();
        let got: Vec<_> = (0..n).map(|i| view.get(i).unwrap()).collect();
        assert_eq!(got, want, "structure of arrays, {cfg:?}");
        assert_eq!(spikes, want_spikes, "structure of arrays, {cfg:?}");
    }
    for bits in 0..16u32 {
        let cfg = ExtendedConfig {
            adaptation: bits & 1 != 0,
            adaptive_threshold: bits & 2 != 0,
            depression: bits & 4 != 0,
            neuromodulation: bits & 8 != 0,
            ..ExtendedConfig::deterministic()
        };
        check::<f32>(cfg);
        check::<f64>(cfg);
        check::<I16F16>(cfg);
        check::<I8F24>(cfg);
    }
}
