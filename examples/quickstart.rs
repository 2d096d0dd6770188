//! The quickest useful run: every lif-core model as a population, in f32 and in I16F16 fixed
//! point, through the same population loop the firmware and the host backends call.
//!
//! `cargo run --release --example quickstart` (add `-- --quick` for a small run).
//! Prints, per model and scalar: firing rate, neuron-steps per second on one core, a digest
//! of the spike raster (compare it across machines: it must not change), and how many spikes
//! the fixed-point run shares with the f32 run.

use std::time::Instant;

use lif_core::population::{self, Shared};
use lif_core::*;

/// FNV-1a over the packed spike words: a short fingerprint of the whole raster.
fn digest(words: &[u32]) -> u64 {
    words
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// Inputs in `[lo, hi)`, the same values for every scalar type.
fn inputs(n: usize, steps: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut r = RngState::for_neuron(42, 0);
    (0..n * steps)
        .map(|_| lo + (hi - lo) * (r.next_u32() as f64 / 4_294_967_296.0))
        .collect()
}

struct Outcome {
    words: Vec<u32>,
    seconds: f64,
}

/// Builds `cfg` in `S`, runs `n` neurons for `steps` steps from `x`, returns packed spikes.
macro_rules! simulate {
    ($S:ty, $model:expr, $view:ident, [$($f:ident),+], $n:expr, $steps:expr, $x:expr) => {{
        let model = $model.build::<$S>().expect("valid parameters");
        let x: Vec<$S> = $x.iter().map(|&v| <$S>::from_f64(v).expect("input fits")).collect();
        $( let mut $f = vec![Default::default(); $n]; )+
        let mut view = $view::new($(&mut $f),+).expect("equal lengths");
        population::init(&Shared(&model), &mut view, 7, 0).expect("lengths");
        let mut words = vec![0u32; $steps * $n.div_ceil(32)];
        let t0 = Instant::now();
        population::run(&Shared(&model), &mut view, &x, $steps, &mut words[..]).expect("valid input");
        Outcome { words, seconds: t0.elapsed().as_secs_f64() }
    }};
}

macro_rules! compare {
    ($name:literal, $cfg:expr, $view:ident, [$($f:ident),+], $lo:expr, $hi:expr, $n:expr, $steps:expr) => {{
        let x = inputs($n, $steps, $lo, $hi);
        let a = simulate!(f32, $cfg, $view, [$($f),+], $n, $steps, x);
        let b = simulate!(I16F16, $cfg, $view, [$($f),+], $n, $steps, x);
        let count = |w: &[u32]| w.iter().map(|v| v.count_ones() as u64).sum::<u64>();
        let shared: u64 = a.words.iter().zip(&b.words).map(|(p, q)| (p & q).count_ones() as u64).sum();
        for (scalar, o) in [("f32", &a), ("I16F16", &b)] {
            let rate = count(&o.words) as f64 / ($n * $steps) as f64;
            println!(
                "{:<22} {:<7} {:>8.4} {:>14.3e} {:#018x}",
                $name, scalar, rate, ($n * $steps) as f64 / o.seconds, digest(&o.words)
            );
        }
        let union = count(&a.words) + count(&b.words) - shared;
        println!("{:<22} shared spikes f32/I16F16: {:.2}%", "", 100.0 * shared as f64 / union.max(1) as f64);
    }};
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n, steps) = if quick { (2_000, 200) } else { (20_000, 1_000) };
    println!("lif quickstart: {n} neurons x {steps} steps per model, one core, population::run");
    println!(
        "{:<22} {:<7} {:>8} {:>14} {:>18}",
        "model", "scalar", "rate", "neuron-steps/s", "spike digest"
    );
    compare!(
        "leaky",
        LeakyConfig::default(),
        LeakySlices,
        [mem],
        0.0,
        0.3,
        n,
        steps
    );
    compare!(
        "lapicque",
        LapicqueConfig::default(),
        LapicqueSlices,
        [mem],
        0.0,
        0.5,
        n,
        steps
    );
    compare!(
        "synaptic",
        SynapticConfig::default(),
        SynapticSlices,
        [syn, mem],
        0.0,
        0.06,
        n,
        steps
    );
    compare!(
        "lif",
        LifConfig::default(),
        LifSlices,
        [v, refractory],
        10.0,
        40.0,
        n,
        steps
    );
    let det = ExtendedConfig {
        adaptive_threshold: true,
        adaptation: true,
        ..ExtendedConfig::deterministic()
    };
    compare!(
        "extended deterministic",
        det,
        ExtendedSlices,
        [v, a, se, nm, q, v_th, rng],
        0.0,
        2.0,
        n,
        steps
    );
    compare!(
        "extended stochastic",
        ExtendedConfig::default(),
        ExtendedSlices,
        [v, a, se, nm, q, v_th, rng],
        0.0,
        2.0,
        n,
        steps
    );
}
