//! lif-core's per-neuron step as CUDA kernels. No math lives here: every kernel calls
//! `Neuron::step` (and `Stimulus::value` for generated input) from lif-core, compiled for
//! nvptx64 from the same source the CPU and the firmware run.
//!
//! Built on stable Rust with `RUSTC_BOOTSTRAP=1` (see `lif-host-cuda/build.rs`): the
//! `ptx-kernel` ABI, the nvptx intrinsics and inline PTX are still feature-gated, and `core`
//! for nvptx64 is not shipped prebuilt, so it is built from source (`-Zbuild-std=core`).
//!
//! Kernel shapes, for every model and scalar (`<model>_<scalar>_<shape>`):
//! - `run`: T steps (one for `Simulator::step`); each thread keeps its neuron's state in
//!   registers, reads its input column of a row-major (T, N) array, writes packed spikes per
//!   step (a warp vote packs 32 neurons into a word), and optionally records its membrane and
//!   threshold in slot `record[i]` (negative: not recorded).
//! - `run_gen`: like `run` with input generated on the device from a `Stimulus` and the
//!   key of the input draws (lif-core's counter-based `Counter`: nothing per neuron).
//! - `net_step`: one step of a network population: its input is the stimulus (if any), the
//!   bias (if any) and its synapse channels, updated from the step's slot of its delay
//!   buffer by lif-core's `Channel::update` and `Channel::contribution`, in lif-core's
//!   order; then `Neuron::step`.
//!
//! And per scalar, `net_deliver_<scalar>`: one projection's spikes of one step into its
//! target's delay buffer, pulled per target: each target thread walks its incoming synapses
//! by source index (the host sorts them so), which is the order in which the CPU pushes
//! them, so every target adds the same numbers in the same order.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, asm_experimental_arch)]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

use core::arch::nvptx;

use lif_core::synapse::Channel;
use lif_core::{
    Counter, Extended, I16F16, Lapicque, Leaky, Lif, Neuron, Scalar, Stimulus, Synaptic,
};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: trap aborts the kernel; nothing in lif-core's step code panics.
    unsafe { nvptx::trap() }
}

/// This thread's global index.
#[inline(always)]
fn global_index() -> usize {
    // SAFETY: reading the special registers has no preconditions.
    unsafe { (nvptx::_block_idx_x() * nvptx::_block_dim_x() + nvptx::_thread_idx_x()) as usize }
}

/// The bits of `pred` across the warp, lane k in bit k (every lane must call it).
#[inline(always)]
fn ballot(pred: bool) -> u32 {
    let word: u32;
    // SAFETY: vote.sync over the full warp; the launch uses blocks of a multiple of 32
    // threads and every lane reaches every call.
    unsafe {
        core::arch::asm!(
            "{{ .reg .pred p; setp.ne.u32 p, {v}, 0; vote.sync.ballot.b32 {w}, p, 0xffffffff; }}",
            v = in(reg32) pred as u32,
            w = out(reg32) word,
        );
    }
    word
}

/// `steps` steps of neuron `i` with input from `input(t)`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn run_one<S: Scalar, M: Neuron<S>>(
    model: *const M,
    states: *mut M::State,
    n: u32,
    steps: u32,
    spikes: *mut u32,
    record: *const i32,
    recorded: u32,
    trace: *mut S,
    thresholds: *mut S,
    mut input: impl FnMut(usize, usize) -> S,
) {
    let i = global_index();
    let active = i < n as usize;
    let words = (n as usize).div_ceil(32);
    // The host sized every buffer for n neurons, `steps` rows of `words` spike words and
    // `steps` rows of `recorded` traces; each access below stays within them.
    let mut state = if active {
        // SAFETY: i < n.
        Some(unsafe { *states.add(i) })
    } else {
        None
    };
    let slot = if active && !record.is_null() {
        // SAFETY: i < n, and the record slots are one per neuron.
        unsafe { *record.add(i) }
    } else {
        -1
    };
    // SAFETY: the model is one value in device memory, read only.
    let model = unsafe { &*model };
    for t in 0..steps as usize {
        let spiked = match state.as_mut() {
            Some(s) => {
                let x = input(t, i);
                let spiked = model.step(s, x);
                if slot >= 0 && (slot as u32) < recorded {
                    let at = t * recorded as usize + slot as usize;
                    // SAFETY: t < steps and slot < recorded.
                    unsafe {
                        *trace.add(at) = M::membrane(s);
                        *thresholds.add(at) = model.threshold(s);
                    }
                }
                spiked
            }
            None => false,
        };
        let word = ballot(spiked);
        if active && i % 32 == 0 {
            // SAFETY: t < steps and i / 32 < words; one lane per word writes it.
            unsafe { *spikes.add(t * words + i / 32) = word };
        }
    }
    if let Some(s) = state {
        // SAFETY: `state` is Some only for i < n.
        unsafe { *states.add(i) = s };
    }
}

macro_rules! kernels {
    ($($run:ident, $run_gen:ident: $M:ty, $S:ty;)+) => {$(
        /// `steps` steps with input rows from a (steps, n) array (see the crate docs).
        ///
        /// # Safety
        /// Launched by lif-host-cuda with buffers sized for `n` neurons and `steps` steps.
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "ptx-kernel" fn $run(
            model: *const $M,
            states: *mut <$M as Neuron<$S>>::State,
            input: *const $S,
            n: u32,
            steps: u32,
            spikes: *mut u32,
            record: *const i32,
            recorded: u32,
            trace: *mut $S,
            thresholds: *mut $S,
        ) {
            let row = n as usize;
            // SAFETY: the launch's buffers are as `run_one` requires; the input has
            // `steps` rows of n values.
            unsafe {
                run_one::<$S, $M>(model, states, n, steps, spikes, record, recorded, trace, thresholds, |t, i| {
                    *input.add(t * row + i)
                })
            }
        }

        /// `steps` steps with input generated on the device (see the crate docs).
        ///
        /// # Safety
        /// Launched by lif-host-cuda with buffers sized for `n` neurons and `steps` steps.
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "ptx-kernel" fn $run_gen(
            model: *const $M,
            states: *mut <$M as Neuron<$S>>::State,
            stimulus: *const Stimulus<$S>,
            draws: u64,
            t0: u64,
            n: u32,
            steps: u32,
            spikes: *mut u32,
            record: *const i32,
            recorded: u32,
            trace: *mut $S,
            thresholds: *mut $S,
        ) {
            // SAFETY: the stimulus is one value in device memory.
            let stim = unsafe { *stimulus };
            let draws = Counter(draws);
            // SAFETY: the launch's buffers are as `run_one` requires.
            unsafe {
                run_one::<$S, $M>(model, states, n, steps, spikes, record, recorded, trace, thresholds, |t, i| {
                    stim.value(draws, i as u64, t0 + t as u64)
                })
            };
        }
    )+};
}

kernels! {
    leaky_f32_run, leaky_f32_run_gen: Leaky<f32>, f32;
    leaky_i16f16_run, leaky_i16f16_run_gen: Leaky<I16F16>, I16F16;
    lapicque_f32_run, lapicque_f32_run_gen: Lapicque<f32>, f32;
    lapicque_i16f16_run, lapicque_i16f16_run_gen: Lapicque<I16F16>, I16F16;
    synaptic_f32_run, synaptic_f32_run_gen: Synaptic<f32>, f32;
    synaptic_i16f16_run, synaptic_i16f16_run_gen: Synaptic<I16F16>, I16F16;
    lif_f32_run, lif_f32_run_gen: Lif<f32>, f32;
    lif_i16f16_run, lif_i16f16_run_gen: Lif<I16F16>, I16F16;
    extended_f32_run, extended_f32_run_gen: Extended<f32>, f32;
    extended_i16f16_run, extended_i16f16_run_gen: Extended<I16F16>, I16F16;
}

/// One target's share of a projection's delivery (see the crate docs). `weights` and
/// `delays` are per synapse, or null for the uniform `weight` and `delay`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn deliver_one<S: Scalar>(
    spikes: *const u32,
    offsets: *const u32,
    sources: *const u32,
    weights: *const S,
    weight: S,
    delays: *const u8,
    delay: u32,
    emitted: u64,
    slots: u32,
    channels: u32,
    channel: u32,
    ring: *mut S,
    n: u32,
) {
    let j = global_index();
    if j >= n as usize {
        return;
    }
    // The host built the incoming synapses by target (n + 1 offsets), their sources below
    // the source population's size, one spike bit per source, a buffer of slots * channels
    // * n values, and per-synapse arrays as long as the synapses.
    // SAFETY: j < n, and the arrays are as described.
    unsafe {
        let (a, b) = (*offsets.add(j) as usize, *offsets.add(j + 1) as usize);
        for k in a..b {
            let i = *sources.add(k) as usize;
            if (*spikes.add(i / 32) >> (i % 32)) & 1 == 0 {
                continue;
            }
            let d = if delays.is_null() {
                u64::from(delay)
            } else {
                u64::from(*delays.add(k))
            };
            let w = if weights.is_null() {
                weight
            } else {
                *weights.add(k)
            };
            let slot = (emitted.wrapping_add(d) % u64::from(slots)) as usize;
            let at = (slot * channels as usize + channel as usize) * n as usize + j;
            *ring.add(at) = (*ring.add(at)).add(w);
        }
    }
}

/// One step of one network population (see the crate docs). `bias` and `stimulus` may be
/// null; `draws` is the key of the stimulus's input draws.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn net_step_one<S: Scalar, M: Neuron<S>>(
    model: *const M,
    states: *mut M::State,
    n: u32,
    channels: *const Channel<S>,
    c: u32,
    slots: u32,
    t: u64,
    ring: *mut S,
    g: *mut S,
    bias: *const S,
    stimulus: *const Stimulus<S>,
    draws: u64,
    spikes: *mut u32,
) {
    let i = global_index();
    let active = i < n as usize;
    let n = n as usize;
    let mut spiked = false;
    if active {
        // The host sized the buffers for n neurons, c channels and `slots` slots, with the
        // layout of lif-core's `Synapses` for one range of n neurons.
        // SAFETY: i < n; the buffers are as described.
        unsafe {
            let mut x = if stimulus.is_null() {
                S::ZERO
            } else {
                (*stimulus).value(Counter(draws), i as u64, t)
            };
            if !bias.is_null() {
                x = x.add(*bias.add(i));
            }
            let slot = (t % u64::from(slots)) as usize;
            for ch in 0..c as usize {
                let channel = *channels.add(ch);
                let a = ring.add((slot * c as usize + ch) * n + i);
                let gi = g.add(ch * n + i);
                let v = Channel::update(channel.decay(), *gi, *a);
                *a = S::ZERO;
                *gi = v;
                x = x.add(Channel::contribution(channel.gain(), v));
            }
            let model = &*model;
            let mut s = *states.add(i);
            spiked = model.step(&mut s, x);
            *states.add(i) = s;
        }
    }
    let word = ballot(spiked);
    if active && i % 32 == 0 {
        // SAFETY: i / 32 < ceil(n / 32), the words of the step's row.
        unsafe { *spikes.add(i / 32) = word };
    }
}

macro_rules! deliver_kernels {
    ($($name:ident: $S:ty;)+) => {$(
        /// One projection's delivery into its target's delay buffer (see the crate docs).
        ///
        /// # Safety
        /// Launched by lif-host-cuda with the buffers `deliver_one` describes.
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "ptx-kernel" fn $name(
            spikes: *const u32,
            offsets: *const u32,
            sources: *const u32,
            weights: *const $S,
            weight: $S,
            delays: *const u8,
            delay: u32,
            emitted: u64,
            slots: u32,
            channels: u32,
            channel: u32,
            ring: *mut $S,
            n: u32,
        ) {
            // SAFETY: forwarded from the launch.
            unsafe {
                deliver_one::<$S>(
                    spikes, offsets, sources, weights, weight, delays, delay, emitted, slots,
                    channels, channel, ring, n,
                )
            }
        }
    )+};
}

deliver_kernels! {
    net_deliver_f32: f32;
    net_deliver_i16f16: I16F16;
}

macro_rules! net_step_kernels {
    ($($name:ident: $M:ty, $S:ty;)+) => {$(
        /// One step of a network population (see the crate docs).
        ///
        /// # Safety
        /// Launched by lif-host-cuda with the buffers `net_step_one` describes.
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "ptx-kernel" fn $name(
            model: *const $M,
            states: *mut <$M as Neuron<$S>>::State,
            n: u32,
            channels: *const Channel<$S>,
            c: u32,
            slots: u32,
            t: u64,
            ring: *mut $S,
            g: *mut $S,
            bias: *const $S,
            stimulus: *const Stimulus<$S>,
            draws: u64,
            spikes: *mut u32,
        ) {
            // SAFETY: forwarded from the launch.
            unsafe {
                net_step_one::<$S, $M>(
                    model, states, n, channels, c, slots, t, ring, g, bias, stimulus, draws,
                    spikes,
                )
            }
        }
    )+};
}

net_step_kernels! {
    leaky_f32_net_step: Leaky<f32>, f32;
    leaky_i16f16_net_step: Leaky<I16F16>, I16F16;
    lapicque_f32_net_step: Lapicque<f32>, f32;
    lapicque_i16f16_net_step: Lapicque<I16F16>, I16F16;
    synaptic_f32_net_step: Synaptic<f32>, f32;
    synaptic_i16f16_net_step: Synaptic<I16F16>, I16F16;
    lif_f32_net_step: Lif<f32>, f32;
    lif_i16f16_net_step: Lif<I16F16>, I16F16;
    extended_f32_net_step: Extended<f32>, f32;
    extended_i16f16_net_step: Extended<I16F16>, I16F16;
}
