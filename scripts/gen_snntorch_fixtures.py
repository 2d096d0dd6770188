#!/usr/bin/env python3
"""Generate bit-exact snnTorch conformance fixtures for the `lif` crate.

This script runs the real `snntorch` neuron models (Leaky, Lapicque,
Synaptic) on CPU in float32 and records every input, membrane potential,
spike (and, for Synaptic, synaptic current) as float32 bit patterns. The
Rust test suite replays the same inputs and compares bit for bit.

It is NOT needed in CI: the generated JSON files are committed. Run it only
to regenerate them (e.g. after adding cases or to check a new snnTorch).

Install (in a virtual environment outside the repository):

    python3 -m venv /tmp/snnvenv
    /tmp/snnvenv/bin/pip install snntorch==1.0.0 torch

(PyPI's Linux torch wheel pulls in the nvidia-* CUDA wheels; they are only
dead weight here, the script runs on CPU.)

Run from the repository root:

    /tmp/snnvenv/bin/python scripts/gen_snntorch_fixtures.py

It rewrites tests/fixtures/snntorch/leaky.json, lapicque.json and
synaptic.json (deterministically: fixed seeds, CPU only, float32).

File format (one JSON object per file):

    {"generator": "scripts/gen_snntorch_fixtures.py",
     "snntorch": "<version>", "torch": "<version>",
     "cases": [{"name": ..., "model": "leaky"|"lapicque"|"synaptic",
                "params": {...}, "steps": T, "neurons": N,
                "input": [...], "mem": [...], "spk": [...],
                "syn": [...]   # synaptic only
               }, ...]}

Every array holds T*N float32 bit patterns as 8 lowercase hex digits,
row-major [t][n]; mem/spk/syn at index t*N+n are the values returned by
the call for step t. The initial state is all zeros, and the neuron is
stepped one call per time step, feeding back the returned state:
``spk, mem = lif(x[t], mem)`` / ``spk, syn, mem = lif(x[t], syn, mem)``.

Besides recording snnTorch's outputs, the script re-implements each model
in plain numpy float32 (``ref_*`` below, the exact operation order snnTorch
uses) and asserts that both agree bit for bit, so the documented semantics
are checked, not just assumed.
"""

import json
import os
import sys

import numpy as np
import torch
import snntorch
import snntorch as snn

GENERATOR = "scripts/gen_snntorch_fixtures.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "fixtures", "snntorch")

RESETS = ("subtract", "zero", "none")
DELAYS = (True, False)

F32 = np.float32


# --------------------------------------------------------------------------
# helpers


def bits(a):
    """float32 array -> list of 8-hex-digit bit patterns (row-major)."""
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
    return ["%08x" % int(v) for v in a.reshape(-1).view(np.uint32)]


def rng_for(seed):
    return np.random.default_rng(seed)


def uniform(rng, lo, hi, shape):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def random_inputs(rng, steps, neurons, lo, hi, neg_stretch=None, zero_stretch=None):
    """Uniform inputs in [lo, hi); optionally a negative and a zero stretch.

    neg_stretch: (start, stop, lo, hi) overwrite rows start..stop with
    uniform values in [lo, hi) (negative); zero_stretch: (start, stop).
    """
    x = uniform(rng, lo, hi, (steps, neurons))
    if neg_stretch is not None:
        s, e, nlo, nhi = neg_stretch
        x[s:e] = uniform(rng, nlo, nhi, (e - s, neurons))
    if zero_stretch is not None:
        s, e = zero_stretch
        x[s:e] = 0.0
    return x


def as_f32_rows(x):
    x = np.asarray(x, dtype=np.float32)
    assert x.ndim == 2
    return x


# --------------------------------------------------------------------------
# numpy float32 references (exact snnTorch 1.0.0 operation order)


def heaviside(mem, thr):
    # snnTorch: spike_grad(mem - threshold) == ((mem - threshold) > 0).float()
    return ((mem - thr) > F32(0)).astype(np.float32)


def ref_leaky(x, beta, threshold, reset_mechanism, reset_delay):
    beta = F32(min(max(F32(beta), F32(0)), F32(1)))  # beta.clamp(0, 1)
    thr = F32(threshold)
    mem = np.zeros(x.shape[1], dtype=np.float32)
    mems, spks = [], []
    for t in range(x.shape[0]):
        reset = heaviside(mem, thr)  # from the incoming (previous) mem
        if reset_mechanism == "subtract":
            new = (beta * mem + x[t]) - reset * thr
        elif reset_mechanism == "zero":
            mem = (F32(1) - reset) * mem
            new = beta * mem + x[t]
        else:
            new = beta * mem + x[t]
        spk = heaviside(new, thr) * F32(1)  # * graded_spikes_factor (1.0)
        if not reset_delay:
            do_reset = spk / F32(1) - reset  # may be -1, 0 or 1
            if reset_mechanism == "subtract":
                new = new - do_reset * thr
            elif reset_mechanism == "zero":
                new = new - do_reset * new
        mem = new
        mems.append(mem.copy())
        spks.append(spk)
    return np.array(mems), np.array(spks)


def ref_lapicque(x, R, C, time_step, threshold, reset_mechanism):
    R32, C32, dt32, thr = F32(R), F32(C), F32(time_step), F32(threshold)
    rc = R32 * C32
    inv_rc = F32(1) / rc  # 1 / (R*C) == reciprocal(R*C) * 1
    decay = F32(1) - dt32 / rc
    mem = np.zeros(x.shape[1], dtype=np.float32)
    mems, spks = [], []
    for t in range(x.shape[0]):
        reset = heaviside(mem, thr)
        base = ((x[t] * R32) * inv_rc) * dt32 + decay * mem
        if reset_mechanism == "subtract":
            new = base - reset * thr
        elif reset_mechanism == "zero":
            new = base - reset * base
        else:
            new = base
        mem = new
        spk = heaviside(mem, thr)
        mems.append(mem.copy())
        spks.append(spk)
    return np.array(mems), np.array(spks)


def ref_synaptic(x, alpha, beta, threshold, reset_mechanism, reset_delay):
    alpha = F32(min(max(F32(alpha), F32(0)), F32(1)))
    beta = F32(min(max(F32(beta), F32(0)), F32(1)))
    thr = F32(threshold)
    syn = np.zeros(x.shape[1], dtype=np.float32)
    mem = np.zeros(x.shape[1], dtype=np.float32)
    syns, mems, spks = [], [], []
    for t in range(x.shape[0]):
        reset = heaviside(mem, thr)
        nsyn = alpha * syn + x[t]
        nmem = beta * mem + nsyn
        if reset_mechanism == "subtract":
            nmem = nmem - reset * thr
        elif reset_mechanism == "zero":
            # syn -= 0 * reset (syn is NOT reset); mem -= mem * reset
            nsyn = nsyn - F32(0) * reset
            nmem = nmem - nmem * reset
        spk = heaviside(nmem, thr)
        if not reset_delay:
            do_reset = spk / F32(1) - reset
            if reset_mechanism == "subtract":
                nmem = nmem - do_reset * thr
            elif reset_mechanism == "zero":
                nmem = nmem - do_reset * nmem
        syn, mem = nsyn, nmem
        syns.append(syn.copy())
        mems.append(mem.copy())
        spks.append(spk)
    return np.array(syns), np.array(mems), np.array(spks)


# --------------------------------------------------------------------------
# running snnTorch


def run_leaky(x, p):
    lif = snn.Leaky(
        beta=p["beta"],
        threshold=p["threshold"],
        reset_mechanism=p["reset_mechanism"],
        reset_delay=p["reset_delay"],
    )
    xt = torch.from_numpy(x.copy())
    mem = torch.zeros(x.shape[1])
    mems, spks = [], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            spk, mem = lif(xt[t], mem)
            assert spk.dtype == torch.float32 and mem.dtype == torch.float32
            mems.append(mem.numpy().copy())
            spks.append(spk.numpy().copy())
    return np.array(mems), np.array(spks)


def run_lapicque(x, p):
    lif = snn.Lapicque(
        R=p["R"],
        C=p["C"],
        time_step=p["time_step"],
        threshold=p["threshold"],
        reset_mechanism=p["reset_mechanism"],
    )
    xt = torch.from_numpy(x.copy())
    mem = torch.zeros(x.shape[1])
    mems, spks = [], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            spk, mem = lif(xt[t], mem)
            assert spk.dtype == torch.float32 and mem.dtype == torch.float32
            mems.append(mem.numpy().copy())
            spks.append(spk.numpy().copy())
    return np.array(mems), np.array(spks)


def run_synaptic(x, p):
    lif = snn.Synaptic(
        alpha=p["alpha"],
        beta=p["beta"],
        threshold=p["threshold"],
        reset_mechanism=p["reset_mechanism"],
        reset_delay=p["reset_delay"],
    )
    xt = torch.from_numpy(x.copy())
    syn = torch.zeros(x.shape[1])
    mem = torch.zeros(x.shape[1])
    syns, mems, spks = [], [], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            spk, syn, mem = lif(xt[t], syn, mem)
            assert spk.dtype == torch.float32 and mem.dtype == torch.float32
            assert syn.dtype == torch.float32
            syns.append(syn.numpy().copy())
            mems.append(mem.numpy().copy())
            spks.append(spk.numpy().copy())
    return np.array(syns), np.array(mems), np.array(spks)


def same_bits(a, b):
    a = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    b = np.ascontiguousarray(b, dtype=np.float32).view(np.uint32)
    return a.shape == b.shape and np.array_equal(a, b)


def make_case(name, model, params, x):
    x = as_f32_rows(x)
    steps, neurons = x.shape
    case = {
        "name": name,
        "model": model,
        "params": params,
        "steps": steps,
        "neurons": neurons,
        "input": bits(x),
    }
    if model == "leaky":
        mem, spk = run_leaky(x, params)
        rmem, rspk = ref_leaky(x, **params)
    elif model == "lapicque":
        mem, spk = run_lapicque(x, params)
        rmem, rspk = ref_lapicque(x, **params)
    elif model == "synaptic":
        syn, mem, spk = run_synaptic(x, params)
        rsyn, rmem, rspk = ref_synaptic(x, **params)
        if not same_bits(syn, rsyn):
            sys.exit("numpy reference disagrees with snntorch (syn): " + name)
    else:
        raise ValueError(model)
    if not (same_bits(mem, rmem) and same_bits(spk, rspk)):
        sys.exit("numpy reference disagrees with snntorch (mem/spk): " + name)
    assert set(np.unique(spk).tolist()) <= {0.0, 1.0}
    assert np.all(np.isfinite(mem))
    case["mem"] = bits(mem)
    case["spk"] = bits(spk)
    if model == "synaptic":
        case["syn"] = bits(syn)
    case["_spk"] = spk  # kept only for the in-script checks; stripped on write
    return case


# --------------------------------------------------------------------------
# case lists


def leaky_cases():
    cases = []
    seed = 1000

    # 1) grid: reset x delay x beta, threshold 1.0, inputs in [-0.5, 1.5)
    #    with a negative stretch.
    for reset in RESETS:
        for delay in DELAYS:
            for beta in (0.9, 0.5, 0.99, 1.0, 0.0):
                seed += 1
                rng = rng_for(seed)
                x = random_inputs(rng, 36, 3, -0.5, 1.5, neg_stretch=(22, 28, -1.5, -0.2))
                p = {"beta": beta, "threshold": 1.0, "reset_mechanism": reset,
                     "reset_delay": delay}
                name = "leaky_%s_%s_beta%s_thr1.0_rand" % (
                    reset, "delay" if delay else "nodelay", beta)
                cases.append(make_case(name, "leaky", p, x))

    # 2) other thresholds and strong drive: inputs up to 3x threshold so the
    #    membrane goes past 2x threshold, plus negative and zero stretches.
    for reset in RESETS:
        for delay in DELAYS:
            for beta, thr in ((0.8, 0.5), (0.95, 2.0), (0.9, 1.0)):
                seed += 1
                rng = rng_for(seed)
                x = random_inputs(rng, 40, 4, -0.5 * thr, 3.0 * thr,
                                  neg_stretch=(24, 30, -3.0 * thr, -0.5 * thr),
                                  zero_stretch=(34, 37))
                p = {"beta": beta, "threshold": thr, "reset_mechanism": reset,
                     "reset_delay": delay}
                name = "leaky_%s_%s_beta%s_thr%s_strong" % (
                    reset, "delay" if delay else "nodelay", beta, thr)
                cases.append(make_case(name, "leaky", p, x))

    # 3) exact-boundary sequences (H is strict: mem == threshold -> no spike).
    #    col 0: beta 0.5: 0.5, 0.75 -> mem 0.5, 1.0 (== thr), then pushes.
    #    col 1: lands exactly on 2*thr (2.0) then on thr again.
    #    col 2: exact threshold after a reset; col 3: slightly above/below.
    for reset in RESETS:
        for delay in DELAYS:
            cols = [
                [0.5, 0.75, 0.5, 0.0, 0.5, 0.75, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                [2.0, 0.0, 1.0, 1.5, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                [1.0, 0.5, 1.5, 0.25, 0.875, 0.0, 1.0, 0.5, 0.75, 0.0, 0.0, 0.0],
                [np.nextafter(F32(1.0), F32(2.0)), 0.0, 0.0,
                 np.nextafter(F32(1.0), F32(0.0)), 0.0, 0.0,
                 1.5, 0.25, 0.0, -0.25, 0.0, 0.0],
            ]
            x = np.array(cols, dtype=np.float32).T
            p = {"beta": 0.5, "threshold": 1.0, "reset_mechanism": reset,
                 "reset_delay": delay}
            name = "leaky_%s_%s_beta0.5_thr1.0_boundary" % (
                reset, "delay" if delay else "nodelay")
            c = make_case(name, "leaky", p, x)
            # the textbook boundary: 0.5 then 0.75 -> mem exactly 1.0, no spike
            assert c["mem"][4 * 1 + 0] == "3f800000", name
            assert c["spk"][4 * 1 + 0] == "00000000", name
            cases.append(c)

    # thr 2.0 boundary: beta 0.5, 1.0 then 1.5 -> exactly 2.0
    for reset in RESETS:
        for delay in DELAYS:
            cols = [
                [1.0, 1.5, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0],
                [4.0, 0.0, 2.0, 0.0, 6.0, 0.0, 0.0, 0.0],
                [2.0, 1.0, 1.5, 0.0, 1.0, 1.5, 0.0, 0.0],
                [6.0, 0.0, 0.0, 0.0, -1.0, 3.0, 0.0, 0.0],
            ]
            x = np.array(cols, dtype=np.float32).T
            p = {"beta": 0.5, "threshold": 2.0, "reset_mechanism": reset,
                 "reset_delay": delay}
            name = "leaky_%s_%s_beta0.5_thr2.0_boundary" % (
                reset, "delay" if delay else "nodelay")
            cases.append(make_case(name, "leaky", p, x))
    return cases


def spike_steps(case, neuron=0):
    spk = case["_spk"]
    return [t for t in range(spk.shape[0]) if spk[t, neuron] == 1.0]


def lapicque_cases():
    cases = []
    tut = {"R": 5.1, "C": 5e-3, "time_step": 1e-3, "threshold": 1.0}

    # 1) the snnTorch tutorial (tutorial 2) cases, subtract reset (default)
    for amp, expected in ((0.2, [108]), (0.3, [36, 63, 91, 118, 146, 173])):
        x = np.zeros((200, 1), dtype=np.float32)
        x[10:] = amp
        p = dict(tut, reset_mechanism="subtract")
        c = make_case("lapicque_tutorial_step%s_subtract" % amp, "lapicque", p, x)
        got = spike_steps(c)
        assert got == expected, (amp, got, expected)
        cases.append(c)

    # 2) tutorial constants, all three resets, 2 constant drives.
    for reset in RESETS:
        x = np.zeros((200, 2), dtype=np.float32)
        x[10:] = np.array([0.3, 1.0], dtype=np.float32)
        p = dict(tut, reset_mechanism=reset)
        cases.append(make_case("lapicque_tutorial_steps_%s" % reset, "lapicque", p, x))

    # 3) random inputs with other R, C, time_step and thresholds.
    seed = 2000
    for R, C, dt, thr in ((1.0, 1e-2, 1e-3, 1.0),
                          (10.0, 1e-3, 1e-3, 1.0),
                          (2.0, 0.5, 0.25, 0.5),
                          (3.3, 2.2e-3, 5e-4, 2.0)):
        for reset in RESETS:
            seed += 1
            rng = rng_for(seed)
            scale = thr / R  # steady state mem = x * R
            x = random_inputs(rng, 50, 4, -0.5 * scale, 3.0 * scale,
                              neg_stretch=(30, 37, -3.0 * scale, -0.5 * scale),
                              zero_stretch=(44, 47))
            p = {"R": R, "C": C, "time_step": dt, "threshold": thr,
                 "reset_mechanism": reset}
            name = "lapicque_%s_R%s_C%s_dt%s_thr%s_rand" % (reset, R, C, dt, thr)
            cases.append(make_case(name, "lapicque", p, x))
    return cases


def synaptic_cases():
    cases = []
    seed = 3000
    pairs = ((0.8, 0.9), (0.5, 0.7), (0.95, 0.99))
    for alpha, beta in pairs:
        for reset in RESETS:
            for delay in DELAYS:
                # moderate drive scaled to the loop gain, with a negative
                # stretch and a silent tail.
                seed += 1
                rng = rng_for(seed)
                # g: constant input that brings mem (no reset) to threshold
                # after 8 steps; random drive averages g.
                syn_k = mem_k = 0.0
                for _ in range(8):
                    syn_k = alpha * syn_k + 1.0
                    mem_k = beta * mem_k + syn_k
                g = 1.0 / mem_k
                x = random_inputs(rng, 40, 4, -0.5 * g, 2.5 * g,
                                  neg_stretch=(24, 30, -2.0 * g, -0.2 * g),
                                  zero_stretch=(34, 40))
                p = {"alpha": alpha, "beta": beta, "threshold": 1.0,
                     "reset_mechanism": reset, "reset_delay": delay}
                name = "synaptic_%s_%s_alpha%s_beta%s_thr1.0_rand" % (
                    reset, "delay" if delay else "nodelay", alpha, beta)
                cases.append(make_case(name, "synaptic", p, x))

                # large inputs (up to 3x threshold per step), other threshold.
                seed += 1
                rng = rng_for(seed)
                thr = 2.0 if alpha != 0.5 else 0.5
                x = random_inputs(rng, 28, 4, -0.5 * thr, 3.0 * thr,
                                  neg_stretch=(14, 19, -3.0 * thr, -1.0 * thr),
                                  zero_stretch=(23, 28))
                p = {"alpha": alpha, "beta": beta, "threshold": thr,
                     "reset_mechanism": reset, "reset_delay": delay}
                name = "synaptic_%s_%s_alpha%s_beta%s_thr%s_large" % (
                    reset, "delay" if delay else "nodelay", alpha, beta, thr)
                cases.append(make_case(name, "synaptic", p, x))
    return cases


# --------------------------------------------------------------------------
# output


def write_file(fname, cases):
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    doc = {
        "generator": GENERATOR,
        "snntorch": snntorch.__version__,
        "torch": torch.__version__,
    }
    # One key per line; arrays compact on one line each (small, diffable).
    lines = ["{"]
    for k, v in doc.items():
        lines.append("  %s: %s," % (json.dumps(k), json.dumps(v)))
    lines.append('  "cases": [')
    for i, c in enumerate(cases):
        keys = ["name", "model", "params", "steps", "neurons", "input", "mem", "spk"]
        if c["model"] == "synaptic":
            keys.append("syn")
        body = ",\n".join(
            "      %s: %s" % (json.dumps(k), json.dumps(c[k], separators=(",", ":")))
            for k in keys
        )
        lines.append("    {\n" + body + "\n    }" + ("," if i + 1 < len(cases) else ""))
    lines.append("  ]")
    lines.append("}")
    path = os.path.join(OUT_DIR, fname)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    # round-trip check
    with open(path) as f:
        json.load(f)
    total_spk = sum(sum(1 for s in c["spk"] if s == "3f800000") for c in cases)
    print("wrote %s: %d cases, %d bytes, %d spikes"
          % (os.path.relpath(path, REPO_ROOT), len(cases), os.path.getsize(path), total_spk))


def main():
    np.random.seed(0)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT_DIR, exist_ok=True)
    write_file("leaky.json", leaky_cases())
    write_file("lapicque.json", lapicque_cases())
    write_file("synaptic.json", synaptic_cases())


if __name__ == "__main__":
    main()
