#!/usr/bin/env python3
"""The CUBA benchmark (Vogels & Abbott 2005) in Brian2 and in lif, side by side.

The network is the one of Brian2's ``examples/CUBA.py``, written out here from the
model's published definition (no code taken from Brian2's repository):

* N neurons, the first 80 % excitatory (global indices ``0 .. 0.8N-1``), the rest
  inhibitory.
* ``dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)``,
  ``dge/dt = -ge/taue``, ``dgi/dt = -gi/taui``, integrated with ``method='exact'``;
  taum 20 ms, taue 5 ms, taui 10 ms, El -49 mV.
* Threshold ``v > Vt`` (Vt -50 mV), reset ``v = Vr`` (Vr -60 mV), refractory 5 ms.
* Initial ``v = Vr + rand()*(Vt - Vr)``, ``ge = gi = 0``.
* Synapses from every excitatory neuron onto every neuron with probability p
  (``ge += we``, we = 60*0.27/10 mV = 1.62 mV) and from every inhibitory neuron with
  probability p (``gi += wi``, wi = -20*4.5/10 mV = -9 mV); no delay, self connections
  allowed.
* dt = 0.1 ms.

Scaling convention (that of the simulator benchmarks): the expected fan-in stays 80,
so ``p = 80/N`` (0.02 at N = 4000), and the weights stay as at N = 4000.

Three things live here:

1. :func:`run_brian2` builds and runs the network in Brian2 with the ``runtime`` device
   (Cython code generation) or the ``cpp_standalone`` device, and returns the spikes as
   (neuron, step) arrays with ``step = round(t/dt)``, plus timings.
2. :func:`run_lif` runs lif's ``lif-sim network`` command on ``examples/cuba.toml`` as a
   subprocess and reads back its spikes and timings.
3. :func:`spike_stats` computes the statistics compared across simulators (the network is
   chaotic, so only statistics can agree): mean E and I rates, mean CV of inter-spike
   intervals and the peak frequency of the population-rate spectrum. The same function is
   used for both simulators.

Set-up (Brian2 2.11 needs Python >= 3.12 and numpy >= 2)::

    python3.13 -m venv .venv-brian2
    .venv-brian2/bin/pip install brian2 numpy

``scripts/cuba-bench.sh`` does this, builds lif-sim and runs the benchmark.

Usage, from the repository root::

    .venv-brian2/bin/python scripts/cuba_brian2.py                  # benchmark, defaults
    .venv-brian2/bin/python scripts/cuba_brian2.py --sizes 4000 --no-lif --json out.json
    .venv-brian2/bin/python scripts/cuba_brian2.py --band           # test fixture, below

``--band`` runs Brian2 at N = 1000 (800 E, 200 I, p = 0.08) for seeds 1..8 and writes the
per-seed statistics to ``tests/fixtures/cuba_brian2_band.json``, the reference band for
lif's small-scale statistics test. ``--band-n``, ``--seeds`` and ``--band-out`` change
the size, the seeds and the output file.

Timings reported
----------------
runtime device
    ``connect_s``: wall time of the two ``connect(p=...)`` calls (includes generating or
    loading their Cython code); ``run_s``: wall time of ``Network.run`` (includes code
    generation and Cython compilation, or loading it from Brian2's on-disk cache, before
    the simulation loop); ``loop_s``: Brian2's own timing of the simulation loop alone.
cpp_standalone device
    ``compile_s``: wall time of ``device.build(compile=True, run=False)`` (C++ code
    generation plus ``make``; ``make_s`` is the make alone); ``run_s``: wall time of
    ``device.run()``, i.e. of the compiled binary, which generates the connectivity, runs
    the simulation and writes its results to disk; ``loop_s``: the binary's own timing of
    the simulation loop alone (no connectivity generation, no file output).
lif
    The ``timing_s`` object of lif's ``summary.json`` (``connect``, ``step``, ``deliver``,
    ``record``, ``total``), plus the subprocess wall time ``wall_s``.

Speed-ups printed: ``x run`` = cpp_standalone ``run_s`` / lif ``total`` (both include
connectivity generation), ``x loop`` = cpp_standalone ``loop_s`` / lif (``total`` -
``connect``) (both simulation only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------------------------------
# Model constants (SI units: seconds, volts)
# ---------------------------------------------------------------------------------------

DT_S = 0.1e-3
"""Time step (Brian2's default, 0.1 ms)."""

REFERENCE_N = 4000
"""Network size of the original benchmark; ``--scale`` for lif is N / REFERENCE_N."""

FAN_IN = 80
"""Expected number of incoming synapses per neuron, E and I together: p = 80/N."""

EXC_FRACTION = 0.8

CUBA = {
    "taum_s": 20e-3,
    "taue_s": 5e-3,
    "taui_s": 10e-3,
    "vt_v": -50e-3,
    "vr_v": -60e-3,
    "el_v": -49e-3,
    "refractory_s": 5e-3,
    "we_v": 60 * 0.27 / 10 * 1e-3,
    "wi_v": -20 * 4.5 / 10 * 1e-3,
}


def cuba_shape(n: int) -> tuple[int, float]:
    """Return (number of excitatory neurons, connection probability) for N neurons."""
    n_exc = int(round(EXC_FRACTION * n))
    if n < 5 or n_exc == n:
        raise ValueError(f"N = {n} is too small for an E/I split")
    return n_exc, FAN_IN / n


# ---------------------------------------------------------------------------------------
# Statistics (shared by both simulators)
# ---------------------------------------------------------------------------------------


def spike_stats(
    neurons: np.ndarray,
    steps: np.ndarray,
    n_exc: int,
    n_total: int,
    duration_s: float,
    dt_s: float = DT_S,
    bin_s: float = 1e-3,
    min_spikes_cv: int = 3,
) -> dict:
    """Statistics of a CUBA run from its spikes given as (global neuron index, step index).

    Choices:

    * ``rate_e_hz`` / ``rate_i_hz``: number of spikes of the group divided by (number of
      neurons in the group x ``duration_s``): every neuron counts, silent ones included,
      and the whole run counts, initial transient included.
    * ``cv``: for each neuron with at least ``min_spikes_cv`` (3) spikes, i.e. at least
      two inter-spike intervals, CV = std(ISI) / mean(ISI) with the population standard
      deviation (ddof = 0); ``cv`` is the mean over those neurons, E and I together.
      ``cv_neurons`` says how many neurons entered the mean; ``cv`` is NaN if none did.
    * ``peak_hz``: the population rate of all neurons (spikes per neuron per second) in
      bins of ``bin_s`` (1 ms = 10 steps at dt = 0.1 ms), counting only whole bins from
      step 0; its mean is removed, ``numpy.fft.rfft`` taken with no window (rectangular,
      frequency resolution 1/duration, 1 Hz for 1 s) and the frequency of the largest
      power ``|X(f)|^2`` above 0 Hz reported (ties: the lowest frequency). NaN if there
      are fewer than 2 bins or no spikes.

    Spikes with ``steps`` outside ``[0, round(duration_s/dt_s))`` are kept for the rates
    and CV but fall out of the spectrum.
    """
    neurons = np.asarray(neurons, dtype=np.int64)
    steps = np.asarray(steps, dtype=np.int64)
    if neurons.shape != steps.shape:
        raise ValueError("neurons and steps differ in shape")
    n_inh = n_total - n_exc
    is_exc = neurons < n_exc
    n_spikes_e = int(np.count_nonzero(is_exc))
    n_spikes_i = int(neurons.size - n_spikes_e)

    # CV of inter-spike intervals, per neuron.
    order = np.lexsort((steps, neurons))
    nrn, stp = neurons[order], steps[order]
    counts = np.bincount(nrn, minlength=n_total)
    same = nrn[1:] == nrn[:-1]
    isi = (stp[1:] - stp[:-1])[same].astype(np.float64)
    isi_owner = nrn[1:][same]
    n_isi = np.bincount(isi_owner, minlength=n_total)
    sum_isi = np.bincount(isi_owner, weights=isi, minlength=n_total)
    sum_sq = np.bincount(isi_owner, weights=isi * isi, minlength=n_total)
    keep = counts >= min_spikes_cv
    if np.any(keep):
        mean = sum_isi[keep] / n_isi[keep]
        var = np.maximum(sum_sq[keep] / n_isi[keep] - mean * mean, 0.0)
        cv = float(np.mean(np.sqrt(var) / mean))
    else:
        cv = float("nan")

    # Population-rate spectrum.
    n_steps = int(round(duration_s / dt_s))
    bin_steps = int(round(bin_s / dt_s))
    n_bins = n_steps // bin_steps
    peak_hz = float("nan")
    if n_bins >= 2 and steps.size:
        inside = (steps >= 0) & (steps < n_bins * bin_steps)
        hist = np.bincount(steps[inside] // bin_steps, minlength=n_bins)[:n_bins]
        rate = hist / (n_total * bin_steps * dt_s)
        power = np.abs(np.fft.rfft(rate - rate.mean())) ** 2
        freqs = np.fft.rfftfreq(n_bins, d=bin_steps * dt_s)
        if power.size > 1 and np.any(power[1:] > 0):
            peak_hz = float(freqs[1 + int(np.argmax(power[1:]))])

    return {
        "rate_e_hz": n_spikes_e / (n_exc * duration_s),
        "rate_i_hz": n_spikes_i / (n_inh * duration_s),
        "cv": cv,
        "cv_neurons": int(np.count_nonzero(keep)),
        "peak_hz": peak_hz,
        "spikes": int(neurons.size),
    }


# ---------------------------------------------------------------------------------------
# Brian2
# ---------------------------------------------------------------------------------------


def brian2_version() -> str:
    import brian2

    return brian2.__version__


def run_brian2(
    n: int,
    seed: int,
    duration_s: float,
    device: str = "cpp_standalone",
    directory: str | None = None,
    openmp_threads: int = 0,
) -> dict:
    """Build and run CUBA with N neurons in Brian2; return spikes and timings.

    ``device`` is ``'runtime'`` (Cython) or ``'cpp_standalone'``. ``directory`` is the
    standalone project folder; ``None`` uses a fresh temporary folder that is deleted
    afterwards (so ``compile_s`` is a clean build). With Brian2 2.11, ``make`` was seen
    to rebuild the whole project in a reused folder even when only the seed changed, so
    reusing one saves no compile time.
    ``openmp_threads`` > 0 turns on Brian2's OpenMP code for cpp_standalone (0: off,
    single thread, Brian2's default).

    Returns a dict: ``neurons`` and ``steps`` (int64 arrays, step = round(t/dt)),
    ``n_exc``, ``p``, ``synapses`` (number created, E and I together) and ``times``
    (seconds; see the module docstring for what each one covers).
    """
    import brian2 as b2

    if device not in ("runtime", "cpp_standalone"):
        raise ValueError(f"unknown Brian2 device {device!r}")
    n_exc, p = cuba_shape(n)
    c = CUBA
    times: dict[str, float | None] = {}

    if device == "cpp_standalone":
        b2.prefs.devices.cpp_standalone.openmp_threads = int(openmp_threads)
        b2.set_device("cpp_standalone", build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
        b2.set_device("runtime")
    b2.defaultclock.dt = DT_S * b2.second
    b2.seed(seed)

    # Constants enter the equations as external namespace values with units.
    namespace = {
        "taum": c["taum_s"] * b2.second,
        "taue": c["taue_s"] * b2.second,
        "taui": c["taui_s"] * b2.second,
        "Vt": c["vt_v"] * b2.volt,
        "Vr": c["vr_v"] * b2.volt,
        "El": c["el_v"] * b2.volt,
        "we": c["we_v"] * b2.volt,
        "wi": c["wi_v"] * b2.volt,
    }
    eqs = """
    dv/dt  = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    group = b2.NeuronGroup(
        n,
        eqs,
        threshold="v > Vt",
        reset="v = Vr",
        refractory=c["refractory_s"] * b2.second,
        method="exact",
        namespace=namespace,
        name="cuba",
    )
    group.v = "Vr + rand()*(Vt - Vr)"
    group.ge = 0 * b2.volt
    group.gi = 0 * b2.volt
    # Sources as subgroups: same distribution as a condition on i, no per-pair test.
    ce = b2.Synapses(group[:n_exc], group, on_pre="ge += we", namespace=namespace,
                     name="ce")
    ci = b2.Synapses(group[n_exc:], group, on_pre="gi += wi", namespace=namespace,
                     name="ci")
    t0 = time.perf_counter()
    ce.connect(p=p)
    ci.connect(p=p)
    times["connect_s"] = time.perf_counter() - t0 if device == "runtime" else None
    monitor = b2.SpikeMonitor(group, name="spikes")
    net = b2.Network(group, ce, ci, monitor, name="cuba_net")

    tmpdir = None
    try:
        if device == "runtime":
            t0 = time.perf_counter()
            net.run(duration_s * b2.second, namespace={})
            times["run_s"] = time.perf_counter() - t0
            times["loop_s"] = float(b2.device._last_run_time)
            times["compile_s"] = None
            times["make_s"] = None
        else:
            net.run(duration_s * b2.second, namespace={})  # recorded, not run yet
            if directory is None:
                tmpdir = tempfile.mkdtemp(prefix="cuba_brian2_")
                directory = tmpdir
            dev = b2.get_device()
            t0 = time.perf_counter()
            dev.build(directory=directory, compile=True, run=False, with_output=False)
            times["compile_s"] = time.perf_counter() - t0
            times["make_s"] = dev.timers["compile"]["make"]
            t0 = time.perf_counter()
            dev.run(directory=directory, with_output=False)
            times["run_s"] = time.perf_counter() - t0
            times["loop_s"] = float(dev._last_run_time)
        neurons = np.asarray(monitor.i[:], dtype=np.int64)
        steps = np.rint(np.asarray(monitor.t_[:]) / DT_S).astype(np.int64)
        synapses = int(len(ce) + len(ci))
    finally:
        if device == "cpp_standalone":
            b2.device.reinit()
            b2.device.activate(build_on_run=False)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return {
        "neurons": neurons,
        "steps": steps,
        "n_exc": n_exc,
        "p": p,
        "synapses": synapses,
        "times": times,
    }


# ---------------------------------------------------------------------------------------
# lif
# ---------------------------------------------------------------------------------------


def run_lif(
    binary: str,
    n: int,
    threads: int,
    out_dir: str,
    config: str = "examples/cuba.toml",
    extra_args: list[str] | None = None,
) -> dict:
    """Run ``lif-sim network CONFIG --scale N/4000 --threads T --out DIR --force``.

    Reads ``DIR/summary.json`` (its ``timing_s`` object) and the spike files
    ``DIR/spikes-exc.npy`` and ``DIR/spikes-inh.npy`` (uint32, shape (K, 2), columns
    (step, index within the population)); inhibitory indices are shifted by the number
    of excitatory neurons to give global indices as in Brian2. The simulated duration is
    set by CONFIG; if ``summary.json`` has a ``duration_s`` field it is returned too.
    """
    n_exc, _ = cuba_shape(n)
    scale = n / REFERENCE_N
    cmd = [binary, "network", config, "--scale", f"{scale:g}", "--threads", str(threads),
           "--out", out_dir, "--force"] + list(extra_args or [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text())
    parts_n, parts_s = [], []
    for name, offset in (("exc", 0), ("inh", n_exc)):
        arr = np.load(out / f"spikes-{name}.npy")
        arr = arr.reshape(-1, 2).astype(np.int64)
        parts_s.append(arr[:, 0])
        parts_n.append(arr[:, 1] + offset)
    timing = {k: float(v) for k, v in summary.get("timing_s", {}).items()}
    return {
        "neurons": np.concatenate(parts_n),
        "steps": np.concatenate(parts_s),
        "n_exc": n_exc,
        "timing_s": timing,
        "wall_s": wall,
        "duration_s": summary.get("duration_s"),
        "command": shlex.join(cmd[:cmd.index("--out") + 1] + ["DIR"]
                              + cmd[cmd.index("--out") + 2:]),
    }


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    """Parse ``1,2,5`` or ``1-8`` (or a mix: ``1-3,7``) into a list of ints."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    return out


def _machine() -> dict:
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": model, "cpus": os.cpu_count(), "python": platform.python_version(),
            "system": platform.system()}


def _clean(x):
    """JSON-safe copy: NaN becomes null, numpy scalars become Python numbers."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def _dumps(obj) -> str:
    """Indented JSON with lists of numbers kept on one line."""
    import re

    text = json.dumps(_clean(obj), indent=1)
    def one_line(m):
        return "[" + ", ".join(t.strip() for t in m.group(1).split(",")) + "]"

    return re.sub(r"\[([-0-9.eE+nul,\s]*)\]", one_line, text)


def _round(x, nd=6):
    return None if x is None or (isinstance(x, float) and not np.isfinite(x)) \
        else round(float(x), nd)


def _fmt(x, spec=".2f", none="-"):
    return none if x is None or (isinstance(x, float) and not np.isfinite(x)) \
        else format(x, spec)


def print_table(rows: list[dict]) -> None:
    """Print one line per (size, simulator, threads)."""
    head = (f"{'N':>7} {'simulator':<21} {'thr':>3} {'compile':>8} {'connect':>8} "
            f"{'run':>8} {'loop':>8} {'rate E':>7} {'rate I':>7} {'CV':>6} "
            f"{'peak':>6} {'x run':>6} {'x loop':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        t = r["times"]
        s = r["stats"]
        print(f"{r['neurons']:>7} {r['simulator']:<21} {_fmt(r.get('threads'), 'd'):>3} "
              f"{_fmt(t.get('compile_s')):>8} {_fmt(t.get('connect_s')):>8} "
              f"{_fmt(t.get('run_s')):>8} {_fmt(t.get('loop_s')):>8} "
              f"{_fmt(s['rate_e_hz']):>7} {_fmt(s['rate_i_hz']):>7} "
              f"{_fmt(s['cv'], '.3f'):>6} {_fmt(s['peak_hz'], '.0f'):>6} "
              f"{_fmt(r.get('speedup_run'), '.1f'):>6} "
              f"{_fmt(r.get('speedup_loop'), '.1f'):>6}")
    print("times in s, rates in Hz, peak in Hz; compile/connect/run/loop: see the "
          "module docstring;\nx run = cpp_standalone run / lif total, "
          "x loop = cpp_standalone loop / lif (total - connect)")


def run_benchmark(args) -> dict:
    rows: list[dict] = []
    for n in args.sizes:
        n_exc, p = cuba_shape(n)
        cpp_times = None
        for dev in args.devices:
            if dev == "runtime" and n > args.runtime_max:
                print(f"[skip] Brian2 runtime at N = {n} (> --runtime-max "
                      f"{args.runtime_max})", file=sys.stderr)
                continue
            print(f"[run] Brian2 {dev} N = {n} seed {args.seed}", file=sys.stderr,
                  flush=True)
            res = run_brian2(n, args.seed, args.duration, dev,
                             openmp_threads=args.brian2_threads)
            stats = spike_stats(res["neurons"], res["steps"], n_exc, n, args.duration)
            row = {
                "neurons": n, "n_exc": n_exc, "p": p, "seed": args.seed,
                "duration_s": args.duration, "simulator": f"brian2-{dev}",
                "threads": (args.brian2_threads or 1) if dev == "cpp_standalone" else 1,
                "synapses": res["synapses"], "times": res["times"], "stats": stats,
            }
            if dev == "cpp_standalone":
                cpp_times = res["times"]
            rows.append(row)
            print(f"       {json.dumps(_clean({**res['times'], **stats}))}",
                  file=sys.stderr, flush=True)
        if args.no_lif:
            continue
        for threads in args.threads:
            print(f"[run] lif N = {n} threads {threads}", file=sys.stderr, flush=True)
            with tempfile.TemporaryDirectory(prefix="cuba_lif_") as out_dir:
                res = run_lif(args.lif_bin, n, threads, out_dir, args.lif_config,
                              shlex.split(args.lif_args))
            duration = res["duration_s"] or args.duration
            stats = spike_stats(res["neurons"], res["steps"], n_exc, n, duration)
            tm = res["timing_s"]
            times = {"compile_s": None, "connect_s": tm.get("connect"),
                     "run_s": tm.get("total"), "wall_s": res["wall_s"],
                     "loop_s": (tm["total"] - tm["connect"])
                     if "total" in tm and "connect" in tm else None}
            row = {
                "neurons": n, "n_exc": n_exc, "p": p, "duration_s": duration,
                "simulator": "lif", "threads": threads, "times": times,
                "timing_s": tm, "stats": stats, "command": res["command"],
            }
            if cpp_times is not None and times["run_s"]:
                row["speedup_run"] = cpp_times["run_s"] / times["run_s"]
            if cpp_times is not None and times["loop_s"]:
                row["speedup_loop"] = cpp_times["loop_s"] / times["loop_s"]
            rows.append(row)
    print_table(rows)
    return {
        "benchmark": "CUBA (Vogels & Abbott 2005), Brian2 examples/CUBA.py",
        "model": CUBA, "dt_s": DT_S, "fan_in": FAN_IN,
        "brian2_version": brian2_version(), "numpy_version": np.__version__,
        "machine": _machine(), "command": "scripts/cuba_brian2.py " + shlex.join(
            sys.argv[1:]),
        "results": rows,
    }


def run_band(args) -> dict:
    """Per-seed Brian2 statistics at one size: the reference band for lif's test.

    The default device is ``runtime``: in Brian2 2.11 it gives the same spikes as
    cpp_standalone for the same seed, and at N = 1000 it is faster overall (a few seconds
    of cached code per seed against about 10 s of C++ compile per seed).
    """
    n = args.band_n
    n_exc, p = cuba_shape(n)
    device = args.band_device
    per_seed = {"rate_e_hz": [], "rate_i_hz": [], "cv": [], "peak_hz": []}
    t_start = time.perf_counter()
    for seed in args.seeds:
        res = run_brian2(n, seed, args.duration, device)
        st = spike_stats(res["neurons"], res["steps"], n_exc, n, args.duration)
        print(f"[band] N = {n} seed {seed}: E {st['rate_e_hz']:.3f} Hz, "
              f"I {st['rate_i_hz']:.3f} Hz, CV {st['cv']:.4f} "
              f"({st['cv_neurons']} neurons), peak {st['peak_hz']:.0f} Hz; "
              f"times {json.dumps(_clean(res['times']))}", file=sys.stderr,
              flush=True)
        for k in per_seed:
            per_seed[k].append(_round(st[k]))
    print(f"[band] {len(args.seeds)} seeds in {time.perf_counter() - t_start:.1f} s",
          file=sys.stderr)
    return {
        "neurons": n,
        "p": round(p, 12),
        "duration_s": args.duration,
        "dt_ms": DT_S * 1e3,
        "seeds": list(args.seeds),
        **per_seed,
        "brian2_version": brian2_version(),
        "brian2_device": device,
        "generated_by": "scripts/cuba_brian2.py " + shlex.join(sys.argv[1:]),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="CUBA benchmark: Brian2 (runtime, cpp_standalone) against lif.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--sizes", type=_int_list, default=[4000, 40000, 400000],
                    help="network sizes N, comma separated")
    ap.add_argument("--devices", default="runtime,cpp_standalone",
                    help="Brian2 devices: runtime, cpp_standalone (comma separated, "
                         "may be empty)")
    ap.add_argument("--threads", type=_int_list, default=[1, 2],
                    help="lif thread counts")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds")
    ap.add_argument("--seed", type=int, default=1, help="Brian2 seed")
    ap.add_argument("--json", metavar="OUT.json", help="write all results here")
    ap.add_argument("--no-lif", action="store_true", help="run Brian2 only")
    ap.add_argument("--lif-bin", default="target/release/lif-sim",
                    help="lif-sim binary")
    ap.add_argument("--lif-config", default="examples/cuba.toml",
                    help="network file given to lif-sim")
    ap.add_argument("--lif-args", default="",
                    help="extra arguments for lif-sim (one string, shell syntax)")
    ap.add_argument("--runtime-max", type=int, default=40000,
                    help="skip Brian2's runtime device above this N")
    ap.add_argument("--brian2-threads", type=int, default=0,
                    help="OpenMP threads for cpp_standalone (0: OpenMP off)")
    ap.add_argument("--band", action="store_true",
                    help="write the per-seed Brian2 statistics band instead")
    ap.add_argument("--band-n", type=int, default=1000, help="N for --band")
    ap.add_argument("--seeds", type=_int_list, default=list(range(1, 9)),
                    help="seeds for --band, e.g. 1-8 or 1,2,3")
    ap.add_argument("--band-device", default="runtime",
                    choices=["cpp_standalone", "runtime"], help="Brian2 device for --band")
    ap.add_argument("--band-out", default="tests/fixtures/cuba_brian2_band.json",
                    help="output of --band")
    args = ap.parse_args(argv)
    args.devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    for d in args.devices:
        if d not in ("runtime", "cpp_standalone"):
            ap.error(f"unknown device {d!r}")

    if not args.band and not args.no_lif and not os.access(args.lif_bin, os.X_OK):
        ap.error(f"lif binary {args.lif_bin} not found (build it with "
                 "`cargo build --release -p lif-sim`, set --lif-bin, or pass --no-lif)")

    if args.band:
        result = run_band(args)
        out = Path(args.band_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_dumps(result) + "\n")
        print(f"wrote {out}", file=sys.stderr)
        return 0

    result = run_benchmark(args)
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_dumps(result) + "\n")
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
