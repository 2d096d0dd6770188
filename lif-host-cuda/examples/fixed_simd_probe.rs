//! What hand-written AVX-512 would buy the fixed-point loop: lif-core's population loop
//! against a hand-vectorised loop of the same `Synaptic` I16F16 step (subtractive reset,
//! delayed) in the same order (tiles of 8192 neurons through every step, input prefetched
//! 4 KiB ahead). The probe first checks that both give the same states and spikes (20 calls,
//! 1 and 2 threads), then prints, in three interleaved rounds each, their speed on one thread
//! on 4096 neurons x 32 steps that stay in cache, and on 2 threads streaming N = 1e6, T = 100
//! from memory next to the read roofline (a plain 2-thread read of the same input).
//!
//! ```text
//! cargo run --release -p lif-host-cuda --example fixed_simd_probe
//! ```
//!
//! It is a measurement, not a backend: lif-core keeps one portable body per model, which the
//! compiler vectorises. The hand loop differs in two places the compiler does not reach from
//! portable code: the floored product `scale` as `vpmaddwd` + `vpmulhuw` (16-bit halves)
//! instead of two 32-bit multiplies, and the spike word read from a mask register instead of
//! a horizontal OR of 16 lanes. docs/performance.md gives its figures. x86-64 with AVX-512
//! only; elsewhere it says so and exits.

#[cfg(target_arch = "x86_64")]
mod probe {
    use std::arch::x86_64::*;
    use std::time::Instant;

    use lif_core::population::{self, Rows, Shared, StreamRows};
    use lif_core::{I16F16, Synaptic, SynapticConfig, SynapticSlices};

    /// Neurons per tile, as lif-core's loop takes them for an 8-byte state.
    const TILE: usize = 8192;

    /// Neurons' state, as two arrays.
    struct State<'a> {
        syn: &'a mut [I16F16],
        mem: &'a mut [I16F16],
    }

    /// Inputs: `steps` rows `stride` apart, the neurons' columns from `offset`.
    #[derive(Clone, Copy)]
    struct Input<'a> {
        data: &'a [I16F16],
        stride: usize,
        offset: usize,
        steps: usize,
    }

    impl<'a> Input<'a> {
        /// Every column of `data`, read as `steps` rows.
        fn whole(data: &'a [I16F16], steps: usize) -> Self {
            Input {
                data,
                stride: data.len() / steps,
                offset: 0,
                steps,
            }
        }
    }

    /// lif-core's loop, compiled for the same features as the hand loop.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
    fn portable(model: &Synaptic<I16F16>, state: State<'_>, x: Input<'_>, spikes: &mut [u32]) {
        let mut state = SynapticSlices::new(state.syn, state.mem).expect("equal lengths");
        let mut rows = StreamRows(Rows {
            data: x.data,
            stride: x.stride,
            offset: x.offset,
        });
        population::run_from(&Shared(model), &mut state, &mut rows, x.steps, spikes)
            .expect("shapes match");
    }

    /// `floor(m * b / 2^16)` for a factor `b` in `[0, 2^16]`, as lane constants:
    /// `hi(m) * b` is `vpmaddwd` of `m` with `(0, b as i16)` plus `hi(m) << 16` when `b`
    /// does not fit an i16, and `floor(lo(m) * b / 2^16)` is `vpmulhuw` with `(b as u16, 0)`.
    struct Factor {
        madd: __m512i,
        mulhi: __m512i,
        keep: __m512i,
    }

    #[target_feature(enable = "avx512f")]
    fn factor(b: i32) -> Factor {
        let keep = if b >= 1 << 16 {
            -1
        } else if b >= 1 << 15 {
            -(1 << 16)
        } else {
            0
        };
        Factor {
            madd: _mm512_set1_epi32(((b as u16 as u32) << 16) as i32),
            mulhi: _mm512_set1_epi32(b as u16 as i32),
            keep: _mm512_set1_epi32(keep),
        }
    }

    macro_rules! scale {
        ($m:expr, $f:expr) => {{
            let (m, f) = ($m, $f);
            let high = _mm512_madd_epi16(m, f.madd);
            // Inline assembly: LLVM compiles `_mm512_mulhi_epu16` here into widening, a
            // multiply per half and narrowing, even with the factor hidden from it.
            let low: __m512i;
            // SAFETY: a register-only instruction of AVX-512BW, which the caller enables.
            unsafe {
                std::arch::asm!(
                    "vpmulhuw {out}, {m}, {f}",
                    out = lateout(zmm_reg) low,
                    m = in(zmm_reg) m,
                    f = in(zmm_reg) f.mulhi,
                    options(pure, nomem, nostack)
                )
            };
            _mm512_add_epi32(_mm512_add_epi32(high, low), _mm512_and_si512(m, f.keep))
        }};
    }

    #[target_feature(enable = "avx512f,avx512dq")]
    fn saturating_add(a: __m512i, b: __m512i) -> __m512i {
        let r = _mm512_add_epi32(a, b);
        // Overflow where a and b agree in sign and r does not: (a ^ r) & (b ^ r) < 0.
        let overflow = _mm512_movepi32_mask(_mm512_ternarylogic_epi32::<0x42>(a, b, r));
        let saturated = _mm512_xor_si512(_mm512_srai_epi32::<31>(r), _mm512_set1_epi32(i32::MIN));
        _mm512_mask_mov_epi32(r, overflow, saturated)
    }

    /// The same step as lif-core's `Synaptic::advance` (subtract, delayed), 16 lanes at a
    /// time, over neurons `0..syn.len()` whose inputs are columns `offset..` of rows `stride`
    /// apart, in lif-core's order: tiles of 8192 neurons, each through every step, the input
    /// 4 KiB ahead prefetched.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
    fn hand(model: &Synaptic<I16F16>, state: State<'_>, x: Input<'_>, spikes: &mut [u32]) {
        let State { syn, mem } = state;
        let n = syn.len();
        let Input {
            data,
            stride,
            offset,
            steps,
        } = x;
        assert!(mem.len() == n && n % 32 == 0 && offset + n <= stride);
        assert!(data.len() >= stride * steps && spikes.len() == steps * n / 32);
        let (alpha, beta) = model.decays();
        let (fa, fb) = (factor(alpha.to_bits()), factor(beta.to_bits()));
        let thr = model.threshold().to_bits();
        let (vthr, floor) = (_mm512_set1_epi32(thr), _mm512_set1_epi32(i32::MIN + thr));
        let (syn, mem) = (
            syn.as_mut_ptr().cast::<i32>(),
            mem.as_mut_ptr().cast::<i32>(),
        );
        let x = data.as_ptr().cast::<i32>();
        for tile in (0..n).step_by(TILE) {
            let tile_end = (tile + TILE).min(n);
            for t in 0..steps {
                for block in (tile..tile_end).step_by(32) {
                    // The block 1024 neurons on in this loop's order: later in this row, or
                    // at the start of the tile's next row.
                    let ahead = block + 1024;
                    let (pt, pi) = if ahead < tile_end {
                        (t, ahead)
                    } else {
                        (t + 1, tile + ahead - tile_end)
                    };
                    let p = x.wrapping_add(pt * stride + offset + pi).cast::<i8>();
                    _mm_prefetch::<_MM_HINT_T0>(p);
                    _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
                    let mut bits = 0u32;
                    for half in 0..2 {
                        let i = block + half * 16;
                        // SAFETY: i + 16 <= n and t * stride + offset + i + 16 <= data.len(),
                        // asserted above.
                        let (xi, s, m) = unsafe {
                            (
                                _mm512_loadu_si512(x.add(t * stride + offset + i).cast()),
                                _mm512_loadu_si512(syn.add(i).cast()),
                                _mm512_loadu_si512(mem.add(i).cast()),
                            )
                        };
                        let pending = _mm512_cmpgt_epi32_mask(m, vthr);
                        let s = saturating_add(scale!(s, &fa), xi);
                        let base = saturating_add(scale!(m, &fb), s);
                        let m = _mm512_mask_sub_epi32(
                            base,
                            pending,
                            _mm512_max_epi32(base, floor),
                            vthr,
                        );
                        bits |= u32::from(_mm512_cmpgt_epi32_mask(m, vthr)) << (16 * half);
                        // SAFETY: as for the loads.
                        unsafe {
                            _mm512_storeu_si512(syn.add(i).cast(), s);
                            _mm512_storeu_si512(mem.add(i).cast(), m);
                        }
                    }
                    spikes[t * (n / 32) + block / 32] = bits;
                }
            }
        }
    }

    type Loop = fn(&Synaptic<I16F16>, State<'_>, Input<'_>, &mut [u32]);

    /// One call of `f` on `threads` equal shares of the neurons, side by side; seconds.
    fn call(
        f: Loop,
        model: &Synaptic<I16F16>,
        (syn, mem): (&mut [I16F16], &mut [I16F16]),
        x: Input<'_>,
        spikes: &mut [Vec<u32>],
        threads: usize,
    ) -> f64 {
        let share = syn.len() / threads;
        let start = Instant::now();
        if threads == 1 {
            // In line: a thread's start-up would be a sizable part of a short call.
            f(model, State { syn, mem }, x, &mut spikes[0]);
            return start.elapsed().as_secs_f64();
        }
        std::thread::scope(|scope| {
            for (k, ((syn, mem), out)) in syn
                .chunks_mut(share)
                .zip(mem.chunks_mut(share))
                .zip(spikes.iter_mut())
                .enumerate()
            {
                let x = Input {
                    offset: x.offset + k * share,
                    ..x
                };
                scope.spawn(move || f(model, State { syn, mem }, x, out));
            }
        });
        start.elapsed().as_secs_f64()
    }

    /// Bytes per second of a plain read of `data` on `threads` threads (the best of five).
    fn read_speed(data: &[I16F16], threads: usize) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for part in data.chunks(data.len().div_ceil(threads)) {
                    scope.spawn(move || {
                        let sum = part.iter().fold(0i32, |a, v| a.wrapping_add(v.to_bits()));
                        std::hint::black_box(sum)
                    });
                }
            });
            best = best.min(start.elapsed().as_secs_f64());
        }
        std::mem::size_of_val(data) as f64 / best
    }

    /// An input array of `steps` rows of `n` neurons.
    fn inputs(n: usize, steps: usize) -> Vec<I16F16> {
        (0..n * steps)
            .map(|i| I16F16::from_bits(((i % n * 7919) % 1000) as i32 * 13))
            .collect()
    }

    /// Neuron-steps per second of `f` (the best of `rounds` calls) with `threads` threads,
    /// from a zero state.
    fn speed(
        f: Loop,
        model: &Synaptic<I16F16>,
        x: Input<'_>,
        n: usize,
        threads: usize,
        rounds: usize,
    ) -> f64 {
        let (mut syn, mut mem) = (vec![I16F16::ZERO; n], vec![I16F16::ZERO; n]);
        let mut spikes = vec![vec![0u32; x.steps * n / threads / 32]; threads];
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let time = call(f, model, (&mut syn, &mut mem), x, &mut spikes, threads);
            best = best.min(time);
        }
        (n * x.steps) as f64 / best
    }

    pub fn main() {
        let features = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma"];
        if !(is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma"))
        {
            println!(
                "this probe needs {}; this CPU lacks one",
                features.join(", ")
            );
            return;
        }
        // SAFETY (for every call below): the features of both loops were detected above.
        let portable: Loop = |m, s, x, o| unsafe { portable(m, s, x, o) };
        let hand: Loop = |m, s, x, o| unsafe { hand(m, s, x, o) };
        let model = SynapticConfig::default()
            .build::<I16F16>()
            .expect("default parameters are valid");

        // The same bits: 20 calls on 3 tiles' worth of neurons, on 1 and 2 threads.
        let (n, steps) = (3 * TILE, 12);
        let data = inputs(n, steps);
        let x = Input::whole(&data, steps);
        let mut runs = Vec::new();
        for (f, threads) in [(portable, 1), (hand, 1), (hand, 2)] {
            let (mut syn, mut mem) = (vec![I16F16::ZERO; n], vec![I16F16::ZERO; n]);
            let mut spikes = vec![vec![0u32; steps * n / threads / 32]; threads];
            let mut all = Vec::new();
            for _ in 0..20 {
                call(f, &model, (&mut syn, &mut mem), x, &mut spikes, threads);
                all.extend(spikes.iter().flatten().copied());
            }
            runs.push((syn, mem, all));
        }
        // Two threads write their spike words per share: their states and spike total.
        let total: u32 = runs[0].2.iter().map(|w| w.count_ones()).sum();
        assert!(runs[0].0 == runs[1].0 && runs[0].1 == runs[1].1 && runs[0].2 == runs[1].2);
        assert!(runs[1].0 == runs[2].0 && runs[1].1 == runs[2].1);
        let two: u32 = runs[2].2.iter().map(|w| w.count_ones()).sum();
        assert_eq!(total, two);
        println!("same bits over 20 calls of {steps} steps ({total} spikes)");

        let (n, steps) = (4096, 32);
        let data = inputs(n, steps);
        let x = Input::whole(&data, steps);
        println!("Synaptic I16F16, one thread, {n} neurons x {steps} steps in cache:");
        for round in 1..=3 {
            let p = speed(portable, &model, x, n, 1, 1500);
            let h = speed(hand, &model, x, n, 1, 1500);
            println!(
                "  round {round}: lif-core {p:.3e}  hand AVX-512 {h:.3e} neuron-steps/s  ({:.2}x)",
                h / p
            );
        }

        let (n, steps, threads) = (1_000_000, 100, 2);
        let data = inputs(n, steps);
        let x = Input::whole(&data, steps);
        // Input, a spike bit, and the state (8 bytes) read and written once per call.
        let bytes = 4.0 + 1.0 / 8.0 + 16.0 / steps as f64;
        println!(
            "Synaptic I16F16, {threads} threads, N = {n}, T = {steps} streamed \
             ({bytes:.3} bytes per neuron-step):"
        );
        for round in 1..=3 {
            let p = speed(portable, &model, x, n, threads, 5);
            let h = speed(hand, &model, x, n, threads, 5);
            let roofline = read_speed(&data, threads) / bytes;
            println!(
                "  round {round}: read roofline {roofline:.3e}  lif-core {p:.3e} ({:.0}%)  \
                 hand AVX-512 {h:.3e} ({:.0}%)",
                100.0 * p / roofline,
                100.0 * h / roofline
            );
        }
    }
}

fn main() {
    #[cfg(target_arch = "x86_64")]
    probe::main();
    #[cfg(not(target_arch = "x86_64"))]
    println!("this probe is for x86-64 with AVX-512");
}
