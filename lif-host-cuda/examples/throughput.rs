//! Throughput of the host simulator: neuron-steps per second and bytes moved, per backend,
//! model and scalar, for N in {1e4, 1e6, 1e7, 1e8} and T in {100, 1000} where memory and
//! time allow, against the read roofline measured in the same run.
//!
//! ```text
//! cargo run --release -p lif-host-cuda --example throughput              # default matrix
//! cargo run --release -p lif-host-cuda --example throughput -- --quick   # seconds
//! cargo run --release -p lif-host-cuda --example throughput -- --roofline
//! cargo run --release -p lif-host-cuda --features cuda --example throughput -- --backend cuda
//! ```
//!
//! "streamed" runs read their input from a host (T, N) array (reused chunk by chunk when the
//! whole array would not fit); "generated" runs make a Poisson input on the backend. Bytes
//! moved per neuron-step: the input value (streamed only), one spike bit, and the state read
//! and written once per call.
//!
//! The roofline of a case is the bytes its loop must move divided by the time a plain
//! parallel read of them takes on the same machine, in the same run: the speed a loop that
//! did nothing but move its bytes would reach. Without `--roofline` the read is of a 1 GiB
//! buffer at the start. With `--roofline` each case reads its own input array (the bytes
//! its loop streams, up to 2 GiB) right before and right after its streamed runs and takes
//! the faster read: the same bytes in the same caches (an array that fits the last-level
//! cache in part would flatter the loop against a larger buffer), and a shared machine's
//! bandwidth drifts over the minutes of a full run. `--roofline` runs the matrix the docs'
//! table holds (Leaky, Lapicque, Synaptic; f32 and I16F16; N = 1e6, 1e7; T = 100, 1000) and
//! prints it as a Markdown table, with each model's compute ceiling: the CPU
//! backend's loop on one population per thread small enough that its input and state stay
//! in the core's L2 cache (8192 neurons, 32 steps per call), where memory costs next to
//! nothing and the loop's own instructions set the speed.

use std::time::Instant;

use lif_core::population::{self, Rows, Shared, StreamRows};
use lif_core::*;
use lif_host_cuda::{Backend, Input, RunOutput, SimError, Simulator};
use multiversion::multiversion;
use rayon::prelude::*;

/// Largest input array the benchmark allocates, in bytes.
const INPUT_BUDGET: usize = 2 << 30;
/// Skip a configuration whose estimated time exceeds this many seconds (unless --full).
const TIME_BUDGET: f64 = 20.0;
/// Seconds a case is repeated for (at least three runs) before its best run is kept.
const MEASURE: f64 = 2.0;

/// The best time of repeated runs of `once`: at least three and at least [`MEASURE`]
/// seconds of them (a neighbour on a shared machine slows single runs, never speeds them
/// up), but no run started that would end past [`TIME_BUDGET`].
fn best_time(mut once: impl FnMut() -> Result<f64, SimError>) -> Result<f64, SimError> {
    let start = Instant::now();
    let mut best = f64::MAX;
    let mut runs = 0;
    loop {
        best = best.min(once()?);
        runs += 1;
        let spent = start.elapsed().as_secs_f64();
        if (runs >= 3 && spent >= MEASURE) || spent + best > TIME_BUDGET {
            return Ok(best);
        }
    }
}

struct Args {
    quick: bool,
    compare: bool,
    roofline: bool,
    full: bool,
    backends: Vec<Backend>,
    models: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        quick: false,
        compare: false,
        roofline: false,
        full: false,
        backends: vec![Backend::Cpu],
        models: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => a.quick = true,
            // The snnTorch comparison point: N = 1e6, T = 100 only.
            "--compare" => a.compare = true,
            "--full" => a.full = true,
            "--roofline" => {
                // The whole matrix, none skipped for its estimated time.
                a.roofline = true;
                a.full = true;
                a.models = ["leaky", "lapicque", "synaptic"].map(str::to_owned).into();
            }
            "--backend" => {
                a.backends = match it.next().as_deref() {
                    Some("cpu") => vec![Backend::Cpu],
                    Some("cuda") => vec![Backend::Cuda],
                    Some("all") => vec![Backend::Cpu, Backend::Cuda],
                    other => {
                        eprintln!("--backend takes cpu, cuda or all, not {other:?}");
                        std::process::exit(2)
                    }
                }
            }
            "--models" => {
                a.models = it
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            "--help" | "-h" => {
                println!(
                    "throughput [--quick] [--compare] [--roofline] [--full] [--backend cpu|cuda|all] [--models leaky,lapicque,...]"
                );
                std::process::exit(0)
            }
            other => {
                eprintln!("unknown argument {other}; see --help");
                std::process::exit(2)
            }
        }
    }
    a
}

/// Multi-threaded copy of a large buffer: the bandwidth the CPU backend can hope for
/// (bytes read + bytes written per second).
fn copy_bandwidth() -> f64 {
    let len = 1 << 28; // 1 GiB of u32
    let src = vec![1u32; len];
    let mut dst = vec![0u32; len];
    let chunk = len / rayon::current_num_threads().max(1) / 8;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        dst.par_chunks_mut(chunk)
            .zip(src.par_chunks(chunk))
            .for_each(|(d, s)| d.copy_from_slice(s));
        best = best.min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&dst);
    (2 * len * 4) as f64 / best
}

/// Multi-threaded read of `words` (a sum, nothing written), bytes per second, the best of
/// three: what a loop that only streams its input in could reach, and the roofline's
/// bandwidth. Copy and read differ by machine (copy can be above or below read), and a
/// simulation loop mostly reads.
fn read_bandwidth(words: &[u32]) -> f64 {
    let chunk = words
        .len()
        .div_ceil(rayon::current_num_threads().max(1) * 8);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let sum: u32 = words
            .par_chunks(chunk)
            .map(|c| c.iter().fold(0u32, |a, &x| a.wrapping_add(x)))
            .reduce(|| 0, u32::wrapping_add);
        std::hint::black_box(sum);
        best = best.min(t.elapsed().as_secs_f64());
    }
    size_of_val(words) as f64 / best
}

/// `values` as the 32-bit words of its bytes, for [`read_bandwidth`].
fn as_words<S: Scalar>(values: &[S]) -> &[u32] {
    const { assert!(size_of::<S>().is_multiple_of(4) && align_of::<S>() >= 4) };
    // SAFETY: lif's scalars (f32, f64, fixed point) are plain data with no padding, a
    // multiple of 4 bytes long and aligned to at least 4 (checked above): their bytes
    // are whole, aligned u32 words, read only while `values` is borrowed.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast(), size_of_val(values) / 4) }
}

struct Row {
    backend: &'static str,
    model: &'static str,
    scalar: &'static str,
    input: &'static str,
    n: usize,
    t: usize,
    seconds: f64,
    bytes_per_step: f64,
    /// The read roofline of this case, neuron-steps per second.
    roofline: f64,
    /// Bytes of the host input array the run streams through (0 for generated input).
    input_bytes: usize,
}

/// One step's input for `n` neurons: values spread over `[lo, hi)`, the same in every step,
/// so each neuron fires at its own steady rate.
fn input_row<S: Scalar>(n: usize, lo: f64, hi: f64) -> Vec<S> {
    (0..n)
        .map(|i| S::from_f64(lo + (hi - lo) * ((i * 7919) % 1000) as f64 / 1000.0).unwrap())
        .collect()
}

/// Neurons per thread and steps per call of the in-cache run: 1 MiB of f32 input and 64 KiB
/// of Synaptic state per thread, within a 2 MiB L2, with about a quarter million
/// neuron-steps per call.
const IN_CACHE: (usize, usize) = (8192, 32);

/// `calls` calls of lif-core's population loop on one thread's in-cache population, built
/// for the same vector widths as the CPU backend's loop and picked the same way at run time.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2"))]
fn in_cache_calls<S, M>(
    model: &M,
    states: &mut [M::State],
    input: &[S],
    spikes: &mut [u32],
    calls: usize,
) -> Result<(), lif_core::Error>
where
    S: Scalar,
    M: Neuron<S>,
{
    let (n, t) = (states.len(), input.len() / states.len().max(1));
    for _ in 0..calls {
        let rows = Rows {
            data: input,
            stride: n,
            offset: 0,
        };
        population::run_from(
            &Shared(model),
            &mut AosSlices(&mut *states),
            &mut StreamRows(rows),
            t,
            spikes,
        )?;
        std::hint::black_box(&mut *spikes);
    }
    Ok(())
}

/// The compute ceiling of a model on the CPU backend: neuron-steps per second of the loop
/// the backend runs, on one population per thread whose input and state stay in cache, all
/// threads at once (best of repeated batches of calls). The backend's per-call work (the
/// hand-off to its threads, the output's set-up) is left out: at this size it would be a
/// sizable part of a call, while in the streamed cases it is not.
fn in_cache_rate<S, M>(model: M, lo: f64, hi: f64) -> Result<f64, SimError>
where
    S: Scalar,
    M: Neuron<S> + Send + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    let (n, t) = IN_CACHE;
    let threads = rayon::current_num_threads().max(1);
    const CALLS: usize = 64;
    let input: Vec<S> = input_row::<S>(n, lo, hi)
        .into_iter()
        .cycle()
        .take(t * n)
        .collect();
    let start_state = model.initial_state(0, 0);
    let mut populations: Vec<(Vec<M::State>, Vec<u32>)> = (0..threads)
        .map(|_| (vec![start_state; n], vec![0; t * n.div_ceil(32)]))
        .collect();
    let barrier = std::sync::Barrier::new(threads);
    let seconds = best_time(|| {
        let times = std::thread::scope(|scope| {
            let runs: Vec<_> = populations
                .iter_mut()
                .map(|(states, spikes)| {
                    let (barrier, input, model) = (&barrier, &input, &model);
                    scope.spawn(move || {
                        // One warm-up call, then all threads start together.
                        in_cache_calls(model, states, input, spikes, 1)?;
                        barrier.wait();
                        let start = Instant::now();
                        in_cache_calls(model, states, input, spikes, CALLS)?;
                        Ok::<f64, lif_core::Error>(start.elapsed().as_secs_f64())
                    })
                })
                .collect();
            runs.into_iter()
                .map(|r| r.join().expect("an in-cache thread panicked"))
                .collect::<Result<Vec<f64>, _>>()
        })?;
        Ok(times.into_iter().fold(0.0, f64::max))
    })?;
    Ok((threads * CALLS * n * t) as f64 / seconds)
}

/// A model's compute ceiling on the CPU backend (`in_cache_rate`).
struct Ceiling {
    model: &'static str,
    scalar: &'static str,
    /// Neuron-steps per second.
    rate: f64,
}

/// One configuration to measure: backend, population size, steps, input range.
#[derive(Clone, Copy)]
struct Case {
    backend: Backend,
    n: usize,
    t: usize,
    lo: f64,
    hi: f64,
    full: bool,
    /// Also measure the model's compute ceiling (`in_cache_rate`), once per model and scalar.
    ceiling: bool,
}

fn bench<S, M>(
    rows: &mut Vec<Row>,
    ceilings: &mut Vec<Ceiling>,
    read: (f64, bool),
    case: Case,
    model_name: &'static str,
    model: M,
) -> Result<(), SimError>
where
    S: Scalar,
    M: Neuron<S> + Send + Sync + Copy + 'static,
    M::State: Send + Sync + 'static,
{
    let Case {
        backend,
        n,
        t,
        lo,
        hi,
        full,
        ceiling,
    } = case;
    let (first_read, per_case_read) = read;
    let mut sim = Simulator::new(model, n, 1, backend)?;
    if backend == Backend::Cuda && sim.backend_name() != "cuda" {
        return Err(SimError::NoDevice("no CUDA device".into()));
    }
    let backend_name = sim.backend_name();
    if ceiling
        && backend_name == "cpu"
        && !ceilings
            .iter()
            .any(|c| (c.model, c.scalar) == (model_name, S::NAME))
    {
        let rate = in_cache_rate::<S, M>(model, lo, hi)?;
        println!(
            "cpu   {model_name:<15} {:<7} in cache  n={:.0e} t={:<5} {rate:>10.3e} neuron-steps/s (compute ceiling)",
            S::NAME,
            (IN_CACHE.0 * rayon::current_num_threads()) as f64,
            IN_CACHE.1
        );
        ceilings.push(Ceiling {
            model: model_name,
            scalar: S::NAME,
            rate,
        });
    }
    // Warm-up, then an estimate from a second short call (the first pays for allocating
    // the outputs, which the measured calls reuse).
    let probe = 4.min(t);
    let row = input_row::<S>(n, lo, hi);
    let warm: Vec<S> = row.iter().copied().cycle().take(probe * n).collect();
    let mut out = RunOutput::default();
    sim.run_into(Input::Array(&warm), probe, &[], &mut out)?;
    let t0 = Instant::now();
    sim.run_into(Input::Array(&warm), probe, &[], &mut out)?;
    let est = t0.elapsed().as_secs_f64() / probe as f64 * t as f64 * 2.0;
    if !full && est > TIME_BUDGET {
        println!(
            "{backend_name:<5} {model_name:<15} {:<7} n={n:.0e} t={t}: skipped (about {est:.0} s; --full runs it)",
            S::NAME
        );
        return Ok(());
    }
    let state_bytes = size_of::<M::State>() as f64;
    // Streamed: (chunk, n) array, reused until t steps are done.
    let chunk = (INPUT_BUDGET / (n * size_of::<S>())).clamp(1, t);
    let input: Vec<S> = row.iter().copied().cycle().take(chunk * n).collect();
    // The output touched before the clock starts: its first-touch page faults are not the
    // loop's (a long run is measured once, so best-of-three would not hide them).
    let words = n.div_ceil(32);
    out.spikes.clear();
    out.spikes.resize(chunk.min(t) * words, 0);
    // Under --roofline the case's roofline comes from plain reads of the very array its
    // loop streams (the same bytes, the same caches), right before and right after its
    // streamed runs (the faster), instead of the run's first read.
    let before = per_case_read.then(|| read_bandwidth(as_words(&input)));
    // One output reused by every call, as a caller streaming a long run would.
    let seconds = best_time(|| {
        let start = Instant::now();
        let mut done = 0;
        while done < t {
            let len = chunk.min(t - done);
            sim.run_into(Input::Array(&input[..len * n]), len, &[], &mut out)?;
            std::hint::black_box(&out);
            done += len;
        }
        Ok(start.elapsed().as_secs_f64())
    })?;
    let read = match before {
        Some(before) => before.max(read_bandwidth(as_words(&input))),
        None => first_read,
    };
    let calls = t.div_ceil(chunk) as f64;
    let per_step = size_of::<S>() as f64 + 1.0 / 8.0 + 2.0 * state_bytes * calls / t as f64;
    rows.push(Row {
        backend: backend_name,
        model: model_name,
        scalar: S::NAME,
        input: "streamed",
        n,
        t,
        seconds,
        bytes_per_step: per_step,
        roofline: read / per_step,
        input_bytes: chunk * n * size_of::<S>(),
    });
    // Generated on the backend.
    let p = S::from_f64(0.2).unwrap();
    let amplitude = S::from_f64(hi * 2.0).unwrap();
    out.spikes.clear();
    out.spikes.resize(t * words, 0);
    let seconds = best_time(|| {
        let start = Instant::now();
        sim.run_into(
            Input::Generated(Stimulus::poisson(p, amplitude)),
            t,
            &[],
            &mut out,
        )?;
        std::hint::black_box(&out);
        Ok(start.elapsed().as_secs_f64())
    })?;
    // Nothing per neuron but the state: the input is a function of seed, neuron and step.
    let per_step = 1.0 / 8.0 + 2.0 * state_bytes / t as f64;
    rows.push(Row {
        backend: backend_name,
        model: model_name,
        scalar: S::NAME,
        input: "generated",
        n,
        t,
        seconds,
        bytes_per_step: per_step,
        roofline: read / per_step,
        input_bytes: 0,
    });
    let last = &rows[rows.len() - 2..];
    for r in last {
        let rate = (r.n * r.t) as f64 / r.seconds;
        println!(
            "{:<5} {:<15} {:<7} {:<9} n={:.0e} t={:<5} {:>10.3e} neuron-steps/s {:>6.3} B/step {:>7.2} GB/s {:>5.1}% of read roofline",
            r.backend,
            r.model,
            r.scalar,
            r.input,
            r.n as f64,
            r.t,
            rate,
            r.bytes_per_step,
            rate * r.bytes_per_step / 1e9,
            100.0 * rate / r.roofline,
        );
    }
    Ok(())
}

/// The `--roofline` table: streamed and generated side by side, per case, against the
/// case's read roofline and the model's compute ceiling.
fn roofline_table(rows: &[Row], ceilings: &[Ceiling], copy: f64) {
    println!(
        "\n| model | scalar | N | T | streamed (neuron-steps/s) | bytes/step | read roofline | share | compute ceiling (in cache) | ceiling / roofline | generated (neuron-steps/s) | generated / streamed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for s in rows.iter().filter(|r| r.input == "streamed") {
        let Some(g) = rows.iter().find(|g| {
            g.input == "generated"
                && (g.model, g.scalar, g.n, g.t, g.backend)
                    == (s.model, s.scalar, s.n, s.t, s.backend)
        }) else {
            continue;
        };
        let (rs, rg) = (
            (s.n * s.t) as f64 / s.seconds,
            (g.n * g.t) as f64 / g.seconds,
        );
        let roofline = s.roofline;
        let (ceiling, over) = match ceilings
            .iter()
            .find(|c| (c.model, c.scalar) == (s.model, s.scalar) && s.backend == "cpu")
        {
            Some(c) => (
                format!("{:.2e}", c.rate),
                format!("{:.2}", c.rate / roofline),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {} | {:.0e} | {} | {:.2e} | {:.3} | {:.2e} | {:.0}% | {ceiling} | {over} | {:.2e} | {:.2} |",
            s.model,
            s.scalar,
            s.n as f64,
            s.t,
            rs,
            s.bytes_per_step,
            roofline,
            100.0 * rs / roofline,
            rg,
            rg / rs
        );
    }
    let reads = rows
        .iter()
        .filter(|r| r.input == "streamed")
        .map(|r| r.roofline * r.bytes_per_step);
    let (lo, hi) = reads.fold((f64::MAX, 0.0f64), |(lo, hi), r| (lo.min(r), hi.max(r)));
    println!(
        "\nread {:.2} to {:.2} GB/s over the cases (each case's roofline: the faster of two plain reads of its own input array, right before and right after its streamed runs), copy {:.2} GB/s (read + write), {} threads",
        lo / 1e9,
        hi / 1e9,
        copy / 1e9,
        rayon::current_num_threads()
    );
}

fn main() {
    let a = args();
    let threads = rayon::current_num_threads();
    let bw = copy_bandwidth();
    let read = read_bandwidth(&vec![1u32; 1 << 28]); // 1 GiB
    println!(
        "lif throughput: {threads} CPU threads; memory copy {:.2} GB/s (read + write), read {:.2} GB/s",
        bw / 1e9,
        read / 1e9
    );
    let sizes: &[usize] = if a.quick {
        &[10_000, 100_000]
    } else if a.roofline {
        &[1_000_000, 10_000_000]
    } else if a.compare {
        &[1_000_000]
    } else {
        &[10_000, 1_000_000, 10_000_000, 100_000_000]
    };
    let steps: &[usize] = if a.quick || a.compare {
        &[100]
    } else {
        &[100, 1000]
    };
    let want = |m: &str| a.models.is_empty() || a.models.iter().any(|x| x == m);
    let mut rows = Vec::new();
    let mut ceilings = Vec::new();
    for &backend in &a.backends {
        for &n in sizes {
            for &t in steps {
                macro_rules! both {
                    ($name:literal, $cfg:expr, $lo:expr, $hi:expr) => {
                        if want($name) {
                            let case = Case {
                                backend,
                                n,
                                t,
                                lo: $lo,
                                hi: $hi,
                                full: a.full,
                                ceiling: a.roofline,
                            };
                            for result in [
                                bench::<f32, _>(
                                    &mut rows,
                                    &mut ceilings,
                                    (read, a.roofline),
                                    case,
                                    $name,
                                    ($cfg).build::<f32>().unwrap(),
                                ),
                                bench::<I16F16, _>(
                                    &mut rows,
                                    &mut ceilings,
                                    (read, a.roofline),
                                    case,
                                    $name,
                                    ($cfg).build::<I16F16>().unwrap(),
                                ),
                            ] {
                                match result {
                                    Ok(()) => {}
                                    Err(SimError::NoDevice(why)) => {
                                        println!("{backend:?}: skipped: {why}");
                                        return;
                                    }
                                    Err(e) => println!("{backend:?} {} n={n} t={t}: {e}", $name),
                                }
                            }
                        }
                    };
                }
                both!("leaky", LeakyConfig::default(), 0.0, 0.3);
                both!("lapicque", LapicqueConfig::default(), 0.0, 0.5);
                both!("synaptic", SynapticConfig::default(), 0.0, 0.06);
                both!("lif", LifConfig::default(), 10.0, 40.0);
                both!("extended_det", ExtendedConfig::deterministic(), 0.5, 1.5);
                both!("extended_stoch", ExtendedConfig::default(), 0.0, 1.0);
            }
        }
    }
    if a.roofline {
        roofline_table(&rows, &ceilings, bw);
    }
    // Only inputs larger than a last-level cache count: a smaller array can stay in cache
    // from one call to the next (this VM has 260 MB of L3).
    if let Some(best) = rows
        .iter()
        .filter(|r| {
            r.model == "leaky"
                && r.scalar == "f32"
                && r.input == "streamed"
                && r.input_bytes > 1 << 28
        })
        .map(|r| (r.n * r.t) as f64 / r.seconds * r.bytes_per_step)
        .reduce(f64::max)
    {
        println!(
            "leaky f32 streamed (inputs over 256 MiB): best {:.2} GB/s = {:.0}% of the memory-copy bandwidth, {:.0}% of the read bandwidth",
            best / 1e9,
            100.0 * best / bw,
            100.0 * best / read
        );
    }
}
