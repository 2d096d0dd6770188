//! What hand-written AVX-512 would buy the fixed-point loop: lif-core's population loop
//! against a hand-vectorised loop of the same `Synaptic` I16F16 step (subtractive reset,
//! delayed), on one thread, one population of 4096 neurons x 32 steps whose input and state
//! stay in the core's cache. The probe first checks that both give the same bits (states and
//! spikes, 20 calls), then prints the speed of each in three interleaved rounds.
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

    const N: usize = 4096;
    const T: usize = 32;

    /// lif-core's loop, compiled for the same features as the hand loop.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
    fn portable(
        model: &Synaptic<I16F16>,
        syn: &mut [I16F16],
        mem: &mut [I16F16],
        x: &[I16F16],
        spikes: &mut [u32],
    ) {
        let mut state = SynapticSlices::new(syn, mem).expect("equal lengths");
        let mut rows = StreamRows(Rows {
            data: x,
            stride: N,
            offset: 0,
        });
        population::run_from(&Shared(model), &mut state, &mut rows, T, spikes)
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
        // Opaque to the compiler: knowing that half the words are zero, it rewrites
        // `vpmulhuw` into widening, a multiply per half and narrowing.
        Factor {
            madd: std::hint::black_box(_mm512_set1_epi32(((b as u16 as u32) << 16) as i32)),
            mulhi: std::hint::black_box(_mm512_set1_epi32(b as u16 as i32)),
            keep: std::hint::black_box(_mm512_set1_epi32(keep)),
        }
    }

    macro_rules! scale {
        ($m:expr, $f:expr) => {{
            let (m, f) = ($m, $f);
            let high = _mm512_madd_epi16(m, f.madd);
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

    /// The same step as lif-core's `Synaptic::advance` (subtract, delayed), 16 lanes at a time.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
    fn hand(
        model: &Synaptic<I16F16>,
        syn: &mut [I16F16],
        mem: &mut [I16F16],
        x: &[I16F16],
        spikes: &mut [u32],
    ) {
        assert!(syn.len() == N && mem.len() == N && x.len() == N * T);
        assert!(spikes.len() == T * N / 32);
        let (alpha, beta) = model.decays();
        let (fa, fb) = (factor(alpha.to_bits()), factor(beta.to_bits()));
        let thr = model.threshold().to_bits();
        let (vthr, floor) = (_mm512_set1_epi32(thr), _mm512_set1_epi32(i32::MIN + thr));
        let (syn, mem) = (
            syn.as_mut_ptr().cast::<i32>(),
            mem.as_mut_ptr().cast::<i32>(),
        );
        let x = x.as_ptr().cast::<i32>();
        for t in 0..T {
            for block in 0..N / 32 {
                let mut bits = 0u32;
                for half in 0..2 {
                    let i = block * 32 + half * 16;
                    // SAFETY: i + 16 <= N and t * N + i + 16 <= N * T, asserted above.
                    let (xi, s, m) = unsafe {
                        (
                            _mm512_loadu_si512(x.add(t * N + i).cast()),
                            _mm512_loadu_si512(syn.add(i).cast()),
                            _mm512_loadu_si512(mem.add(i).cast()),
                        )
                    };
                    let pending = _mm512_cmpgt_epi32_mask(m, vthr);
                    let s = saturating_add(scale!(s, &fa), xi);
                    let base = saturating_add(scale!(m, &fb), s);
                    let m =
                        _mm512_mask_sub_epi32(base, pending, _mm512_max_epi32(base, floor), vthr);
                    bits |= u32::from(_mm512_cmpgt_epi32_mask(m, vthr)) << (16 * half);
                    // SAFETY: as for the loads.
                    unsafe {
                        _mm512_storeu_si512(syn.add(i).cast(), s);
                        _mm512_storeu_si512(mem.add(i).cast(), m);
                    }
                }
                spikes[t * (N / 32) + block] = bits;
            }
        }
    }

    type Loop = fn(&Synaptic<I16F16>, &mut [I16F16], &mut [I16F16], &[I16F16], &mut [u32]);

    /// Neuron-steps per second: the best of 30 rounds of 50 calls.
    fn speed(f: Loop, model: &Synaptic<I16F16>, x: &[I16F16]) -> f64 {
        let (mut syn, mut mem) = (vec![I16F16::ZERO; N], vec![I16F16::ZERO; N]);
        let mut spikes = vec![0u32; T * N / 32];
        let mut best = f64::MAX;
        for _ in 0..30 {
            let start = Instant::now();
            for _ in 0..50 {
                f(model, &mut syn, &mut mem, x, &mut spikes);
                std::hint::black_box(&spikes);
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        (50 * N * T) as f64 / best
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
        let portable: Loop = |m, s, v, x, o| unsafe { portable(m, s, v, x, o) };
        let hand: Loop = |m, s, v, x, o| unsafe { hand(m, s, v, x, o) };
        let model = SynapticConfig::default()
            .build::<I16F16>()
            .expect("default parameters are valid");
        let x: Vec<I16F16> = (0..N * T)
            .map(|i| I16F16::from_num(0.2 * ((i % N * 7919) % 1000) as f64 / 1000.0))
            .collect();
        let (mut s1, mut m1) = (vec![I16F16::ZERO; N], vec![I16F16::ZERO; N]);
        let (mut s2, mut m2) = (s1.clone(), m1.clone());
        let (mut o1, mut o2) = (vec![0u32; T * N / 32], vec![0u32; T * N / 32]);
        let mut total = 0;
        for call in 0..20 {
            portable(&model, &mut s1, &mut m1, &x, &mut o1);
            hand(&model, &mut s2, &mut m2, &x, &mut o2);
            assert!(
                s1 == s2 && m1 == m2 && o1 == o2,
                "the loops differ at call {call}"
            );
            total += o1.iter().map(|w| w.count_ones()).sum::<u32>();
        }
        println!("same bits over 20 calls of {T} steps ({total} spikes)");
        println!("Synaptic I16F16, one thread, {N} neurons x {T} steps in cache (neuron-steps/s):");
        for round in 1..=3 {
            let (p, h) = (speed(portable, &model, &x), speed(hand, &model, &x));
            println!(
                "round {round}: lif-core {p:.3e}   hand AVX-512 {h:.3e}   ratio {:.2}",
                h / p
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
