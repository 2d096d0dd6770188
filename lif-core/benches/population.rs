//! Throughput of the population loop, per model and scalar type.
//!
//! Each benchmark advances `N` neurons (default `1_000_000`, override with `LIF_BENCH_N`) by
//! `T = 100` steps with one call of [`population::run`] on one thread: shared parameters,
//! structure-of-arrays state, input streamed from a precomputed row-major `(T, N)` array,
//! bit-packed spikes. Buffers are allocated and initialised once per benchmark, outside the
//! timed closure (and only if the benchmark is selected); state carries on between iterations.
//! Throughput is reported in neuron-steps per second. Group = model, id = scalar:
//!
//! ```text
//! cargo bench -p lif-core --bench population -- 'leaky/f32'
//! LIF_BENCH_N=10000 cargo bench -p lif-core --bench population -- --warm-up-time 0.2 --measurement-time 0.5
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use lif_core::population::{self, Shared};
use lif_core::{
    ExtendedConfig, ExtendedSlices, I8F24, I16F16, LapicqueConfig, LapicqueSlices, LeakyConfig,
    LeakySlices, LifConfig, LifSlices, Neuron, RngState, Scalar, SpikeSink, StateSlices,
    SynapticConfig, SynapticSlices,
};

/// Time steps per timed call.
const STEPS: usize = 100;
/// Seed of the input generator and of the neurons' random streams.
const SEED: u64 = 0x5eed_1f00;

/// Population size: `LIF_BENCH_N`, or one million.
fn population_size() -> usize {
    match std::env::var("LIF_BENCH_N") {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("LIF_BENCH_N={v:?}: want a positive integer")),
        Err(_) => 1_000_000,
    }
}

/// A model configuration the benchmark can build in every scalar type, with owned storage
/// for its structure-of-arrays state.
trait Bench {
    /// The validated model in scalar `S`.
    type Model<S: Scalar>: Neuron<S>;
    /// One `Vec` per state variable.
    type Store<S: Scalar>;
    /// Builds the model; panics on invalid parameters.
    fn model<S: Scalar>(&self) -> Self::Model<S>;
    /// Storage for `n` neurons (contents are set by `population::init`).
    fn alloc<S: Scalar>(n: usize) -> Self::Store<S>;
    /// The state view over the storage.
    fn view<S: Scalar>(
        store: &mut Self::Store<S>,
    ) -> impl StateSlices<State = <Self::Model<S> as Neuron<S>>::State>;
}

/// Implements [`Bench`] for a config: `Config => Model, Slices { field: type, ... }`, fields
/// in the order of `Slices::new`.
macro_rules! bench_model {
    ($config:ident => $model:ident, $view:ident { $($field:ident: $ty:ty),+ $(,)? }) => {
        impl Bench for $config {
            type Model<S: Scalar> = lif_core::$model<S>;
            type Store<S: Scalar> = ($(Vec<$ty>,)+);
            fn model<S: Scalar>(&self) -> Self::Model<S> {
                self.build::<S>()
                    .unwrap_or_else(|e| panic!("{} in {}: {e:?}", stringify!($config), S::NAME))
            }
            fn alloc<S: Scalar>(n: usize) -> Self::Store<S> {
                ($(vec![<$ty>::default(); n],)+)
            }
            fn view<S: Scalar>(
                store: &mut Self::Store<S>,
            ) -> impl StateSlices<State = <Self::Model<S> as Neuron<S>>::State> {
                let ($($field,)+) = store;
                $view::new($($field),+).expect("state slices of equal length")
            }
        }
    };
}

bench_model!(LeakyConfig => Leaky, LeakySlices { mem: S });
bench_model!(LapicqueConfig => Lapicque, LapicqueSlices { mem: S });
bench_model!(SynapticConfig => Synaptic, SynapticSlices { syn: S, mem: S });
bench_model!(LifConfig => Lif, LifSlices { v: S, refractory: u32 });
bench_model!(ExtendedConfig => Extended, ExtendedSlices {
    v: S, a: S, se: S, nm: S, q: S, v_th: S, rng: RngState,
});

/// `len` inputs uniform in `[lo, hi)` from a 64-bit LCG; the same f64 sequence for every
/// scalar type, so the types see the same drive up to rounding.
fn inputs<S: Scalar>(len: usize, (lo, hi): (f64, f64)) -> Vec<S> {
    let mut x = SEED;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            S::from_f64(lo + (hi - lo) * u).expect("input fits the scalar type")
        })
        .collect()
}

/// Everything one benchmark needs, built once, outside the timed closure.
struct Setup<C: Bench, S: Scalar> {
    model: C::Model<S>,
    input: Vec<S>,
    store: C::Store<S>,
    spikes: Vec<u32>,
}

impl<C: Bench, S: Scalar> Setup<C, S> {
    fn new(config: &C, n: usize, range: (f64, f64)) -> Self {
        let model = config.model::<S>();
        let mut store = C::alloc::<S>(n);
        population::init(&Shared(&model), &mut C::view::<S>(&mut store), SEED, 0).expect("init");
        Self {
            model,
            input: inputs(STEPS * n, range),
            store,
            spikes: vec![0; <[u32]>::required_len(STEPS, n)],
        }
    }

    /// Fraction of neuron-steps that spiked in the last run.
    fn spike_rate(&self, n: usize) -> f64 {
        let ones: u64 = self.spikes.iter().map(|w| u64::from(w.count_ones())).sum();
        ones as f64 / (STEPS * n) as f64
    }
}

/// Benchmark `group/S::NAME`: one `population::run` of `STEPS` steps per iteration.
fn bench_scalar<C: Bench, S: Scalar>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    config: &C,
    n: usize,
    range: (f64, f64),
) {
    // Criterion calls the outer closure once per sample; build on the first call only, so a
    // benchmark filtered out on the command line allocates nothing.
    let mut setup: Option<Setup<C, S>> = None;
    group.bench_function(S::NAME, |b| {
        let Setup {
            model,
            input,
            store,
            spikes,
        } = setup.get_or_insert_with(|| Setup::new(config, n, range));
        let mut state = C::view::<S>(store);
        b.iter(|| {
            population::run(
                &Shared(black_box(&*model)),
                &mut state,
                black_box(&input[..]),
                STEPS,
                &mut spikes[..],
            )
            .expect("run");
        });
        black_box(&spikes);
    });
    if let Some(setup) = setup {
        eprintln!(
            "{name}/{}: {:.4} spikes per neuron-step in the last run",
            S::NAME,
            setup.spike_rate(n)
        );
    }
}

/// One group per model, one benchmark per scalar type.
fn bench_model<C: Bench>(c: &mut Criterion, name: &str, config: &C, n: usize, range: (f64, f64)) {
    let mut group = c.benchmark_group(name);
    // Each iteration is long (N * T neuron-steps): take every sample with the same count.
    group
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements((n * STEPS) as u64));
    bench_scalar::<C, f32>(&mut group, name, config, n, range);
    bench_scalar::<C, f64>(&mut group, name, config, n, range);
    bench_scalar::<C, I16F16>(&mut group, name, config, n, range);
    bench_scalar::<C, I8F24>(&mut group, name, config, n, range);
    group.finish();
}

fn populations(c: &mut Criterion) {
    let n = population_size();
    // Input ranges chosen for realistic firing; rough spike rates per neuron-step in steady
    // state: leaky 9%, lapicque 3%, synaptic 6%, lif 0.4% (dt = 0.1 ms, so ~40 Hz),
    // extended_det 1%. extended_stoch fires ~40% whatever the input: with the default
    // dynamic probability the sigmoid's slope `base_alpha / (1 + q)` flattens as the spike
    // trace `q` grows, pulling the spike probability toward 1/2.
    bench_model(c, "leaky", &LeakyConfig::default(), n, (0.0, 0.3));
    bench_model(c, "lapicque", &LapicqueConfig::default(), n, (0.1, 0.4));
    bench_model(c, "synaptic", &SynapticConfig::default(), n, (0.0, 0.05));
    bench_model(c, "lif", &LifConfig::default(), n, (15.0, 30.0));
    bench_model(
        c,
        "extended_det",
        &ExtendedConfig::deterministic(),
        n,
        (0.5, 1.5),
    );
    bench_model(
        c,
        "extended_stoch",
        &ExtendedConfig::default(),
        n,
        (0.0, 0.3),
    );
}

criterion_group! {
    name = benches;
    // Set here rather than on the groups so that `--warm-up-time` etc. on the command line win.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = populations
}
criterion_main!(benches);
