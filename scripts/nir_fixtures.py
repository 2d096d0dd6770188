#!/usr/bin/env python3
"""Write the NIR reference fixtures of lif-nir: small networks exported by snnTorch and Norse,
an input batch for each, and the exporting library's own outputs.

Not needed by the tests: everything it writes is committed under tests/fixtures/nir/. Run it
only to regenerate them (or to check a newer snnTorch, Norse or nir).

Setup (its own venv, nice'd; the PyPI torch wheel is large but runs on the CPU):

    python3 -m venv .venv-nir
    nice -n 10 .venv-nir/bin/pip install torch snntorch norse nir scikit-learn
    # the old-format file comes from the real nir 0.2.0 writer, in a second small venv:
    python3 -m venv .venv-nir02
    nice -n 10 .venv-nir02/bin/pip install nir==0.2.0

Run from the repository root:

    nice -n 10 .venv-nir/bin/python scripts/nir_fixtures.py [--nir02-python .venv-nir02/bin/python]

What it writes (the same bytes on every run, checked with nir 1.0.8 / h5py 3.16: fixed seeds,
CPU, float32 models, edges sorted):

- NAME.nir: the graph as the library exports it, written by nir.write (nir 1.0.8: arrays
  gzip-compressed by default; the fixtures below say which are written contiguous).
- NAME.input.npy: float32, (steps, batch, inputs).
- NAME.spikes.npy: uint8, (steps, batch, outputs): the original module's output spikes per
  step (for an LI readout: NAME.output.npy, float32 membranes, instead); NAME.hidden.npy
  (uint8) the first neuron layer's spikes and NAME.mem.npy (float32) the output layer's
  membranes, both of the original module, for tracing a mismatch.
- NAME.reimport.npy: uint8, the same for snnTorch's import_from_nir of the .nir file, where
  that import works (it is what lif's import must reproduce bit for bit by default, since the
  file cannot carry the reset mechanism).
- manifest.json: tool versions, and per fixture its nodes (type, parameter shapes and dtypes,
  a few values), edges, the dt the exporter assumed, the module's settings, and notes (errors
  of imports that fail).

Fixtures:

- leaky_ff: Linear(6, 8) -> Leaky -> Linear(8, 3) -> Leaky. Per-neuron beta and threshold
  tensors (a scalar beta fails the export's type inference), weights and biases on a 1/64
  grid (PyTorch's batched Linear then sums exactly), reset "subtract" as trained by default:
  the export drops it, so .spikes (subtract) and .reimport (zero) differ.
- synaptic_ff: Linear(6, 8) -> Synaptic -> Linear(8, 3) -> Synaptic (CubaLIF), reset "zero";
  written uncompressed (compression=None, contiguous float32) to keep the fixtures small.
- rleaky: Linear(5, 6) -> RLeaky(all to all) -> Linear(6, 2) -> Leaky. snnTorch builds the
  recurrent layer as a NIRGraph, but nirtorch 2.6 flattens it into the parent graph: nodes
  "1.lif" (float64 parameters) and "1.w_rec" (Affine) with the cycle 1.lif -> 1.w_rec ->
  1.lif. Written uncompressed (compression=None).
- norse_ff: Norse Linear(6, 8) -> LIFCell (CubaLIF) -> Linear(8, 3) -> LIBoxCell (LI), Norse's
  default parameters (scalar, 0-d arrays in the file), dt 1e-3; written uncompressed, because
  nir 1.0.8's gzip write fails on 0-d arrays.
- old_v02: Affine -> a nested NIRGraph "rnn" (input -> lif -> rec -> lif -> output, rec a
  Linear) -> CubaLIF, written by nir 0.2.0 (float64, contiguous, no v_reset and no w_in
  datasets), when --nir02-python is given.
"""

import argparse
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import torch

import nir
import snntorch as snn
from snntorch.export_nir import export_to_nir
from snntorch.import_nir import import_from_nir

STEPS = 16
BATCH = 4
GRID = 64.0


def grid(shape, scale, gen):
    """Values on a 1/GRID grid: every product with a spike and every partial sum is exact."""
    return torch.round(torch.randn(shape, generator=gen) * scale * GRID) / GRID


def set_linear(lin, gen, scale):
    with torch.no_grad():
        lin.weight.copy_(grid(lin.weight.shape, scale, gen))
        if lin.bias is not None:
            lin.bias.copy_(grid(lin.bias.shape, scale / 4, gen))


def inputs(n_in, gen, p=0.5):
    """Binary input spikes (steps, batch, inputs): exact through any Linear on the grid."""
    return (torch.rand((STEPS, BATCH, n_in), generator=gen) < p).to(torch.float32)


def run_module(step, x, hidden=None):
    """Calls step(x[t]) for every t; returns the stacked output spikes and, with `hidden`
    (a neuron module), that layer's spikes per step too, and the last layer's membranes."""
    outs, mems, seen = [], [], []
    hook = None
    if hidden is not None:
        hook = hidden.register_forward_hook(
            lambda m, i, o: seen.append((o[0] if isinstance(o, tuple) else o).detach().clone())
        )
    with torch.no_grad():
        for t in range(x.shape[0]):
            out = step(x[t])
            if isinstance(out, tuple):
                out, mem = out[0], out[-1]
                mems.append(mem.detach().clone())
            outs.append(out.detach().clone())
    if hook is not None:
        hook.remove()
    return (
        torch.stack(outs),
        torch.stack(seen) if seen else None,
        torch.stack(mems) if mems else None,
    )


def save_layers(out, name, entry, hid, mem):
    """The hidden layer's spikes (uint8) and the output layer's membranes (float32)."""
    if hid is not None:
        save_npy(out, f"{name}.hidden.npy", hid.numpy().astype(np.uint8))
        entry["hidden"] = f"{name}.hidden.npy"
    if mem is not None:
        save_npy(out, f"{name}.mem.npy", mem.numpy().astype(np.float32))
        entry["mem"] = f"{name}.mem.npy"


def reset_hidden(module):
    for m in module.modules():
        if isinstance(m, snn.SpikingNeuron):
            m.reset_hidden()


def run_reimport(graph, x):
    """snnTorch's import of the graph, stepped with its state carried between calls."""
    net = import_from_nir(graph)
    outs = []
    state = None
    with torch.no_grad():
        for t in range(x.shape[0]):
            out = net(x[t]) if state is None else net(x[t], state)
            if isinstance(out, tuple):
                out, state = out[0], out[1]
            outs.append(out.detach().clone())
    return torch.stack(outs)


def bits(x):
    """A stored float's bits as hex (f32: 8 digits, f64: 16); an integer as decimal."""
    x = np.asarray(x)
    if x.dtype == np.float32:
        return format(int(x.view(np.uint32)), "08x")
    if x.dtype == np.float64:
        return format(int(x.view(np.uint64)), "016x")
    return str(int(x))


def describe(node, name):
    """The manifest's view of one node: type, parameters with shape, dtype and a few values."""
    d = {"type": type(node).__name__}
    if isinstance(node, nir.NIRGraph):
        d["nodes"] = {k: describe(v, k) for k, v in sorted(node.nodes.items())}
        d["edges"] = [list(e) for e in node.edges]
        return d
    params = {}
    for k, v in sorted(node.to_dict().items()):
        if k in ("type", "metadata", "input_type", "output_type"):
            continue
        if isinstance(v, torch.Tensor):
            v = v.detach().numpy()
        a = np.asarray(v)
        if a.dtype.kind not in "fiub":
            continue
        flat = a.reshape(-1)
        params[k] = {
            "shape": list(a.shape),
            "dtype": str(a.dtype),
            "first": [float(x) for x in flat[:2]],
            # The stored bits of those values (JSON floats may not parse back exactly).
            "first_bits": [bits(x) for x in flat[:2]],
            "sum": float(np.sum(a, dtype=np.float64)),
        }
    d["params"] = params
    return d


def describe_graph(graph):
    return {
        "nodes": {k: describe(v, k) for k, v in sorted(graph.nodes.items())},
        "edges": [list(e) for e in graph.edges],
    }


def sort_edges(graph):
    """nirtorch lists edges in a different order on every run; sorted, reruns give the same
    files."""
    graph.edges = sorted(tuple(e) for e in graph.edges)
    for n in graph.nodes.values():
        if isinstance(n, nir.NIRGraph):
            sort_edges(n)
    return graph


def save_npy(out, name, arr):
    np.save(os.path.join(out, name), arr)


def leaky_ff(out, manifest):
    gen = torch.Generator().manual_seed(1)
    fc1, fc2 = torch.nn.Linear(6, 8), torch.nn.Linear(8, 3)
    set_linear(fc1, gen, 0.6)
    set_linear(fc2, gen, 0.6)
    beta1 = torch.tensor([0.8 + 0.025 * i for i in range(8)])
    beta2 = torch.tensor([0.85, 0.9, 0.95])
    lif1 = snn.Leaky(beta=beta1, threshold=torch.full((8,), 0.5), init_hidden=True)
    lif2 = snn.Leaky(beta=beta2, threshold=torch.ones(3), init_hidden=True, output=True)
    net = torch.nn.Sequential(fc1, lif1, fc2, lif2)
    x = inputs(6, gen)
    graph = sort_edges(export_to_nir(net, x[0, 0]))
    nir.write(os.path.join(out, "leaky_ff.nir"), graph)
    reset_hidden(net)
    spk, hid, mem = run_module(net, x, lif1)
    save_npy(out, "leaky_ff.input.npy", x.numpy())
    save_npy(out, "leaky_ff.spikes.npy", spk.numpy().astype(np.uint8))
    entry = {
        "file": "leaky_ff.nir",
        "writer": "snntorch.export_nir.export_to_nir + nir.write (gzip)",
        "dt": 1e-4,
        "module": "Sequential(Linear(6, 8), Leaky(beta[8], threshold 0.5), Linear(8, 3), "
        "Leaky(beta[3], threshold 1.0)); reset_mechanism subtract, reset_delay True "
        "(snnTorch's defaults, not in the file)",
        "beta": [beta1.tolist(), beta2.tolist()],
        "graph": describe_graph(graph),
        "input": "leaky_ff.input.npy",
        "spikes": "leaky_ff.spikes.npy",
        "spike_count": int(spk.sum()),
    }
    save_layers(out, "leaky_ff", entry, hid, mem)
    re = nir.read(os.path.join(out, "leaky_ff.nir"))
    try:
        rspk = run_reimport(re, x)
        save_npy(out, "leaky_ff.reimport.npy", rspk.numpy().astype(np.uint8))
        entry["reimport"] = "leaky_ff.reimport.npy"
        entry["reimport_spike_count"] = int(rspk.sum())
        entry["reimport_beta"] = imported_betas(re)
    except Exception as e:  # recorded, not fatal
        entry["reimport_error"] = f"{type(e).__name__}: {e}"
    manifest["fixtures"]["leaky_ff"] = entry


def imported_betas(graph):
    """The betas snnTorch's import computes (1 - dt/tau in the file's precision), as floats."""
    dt = 1e-4
    res = {}
    for k, v in sorted(graph.nodes.items()):
        if isinstance(v, nir.LIF):
            res[k] = [float(b) for b in (1 - (dt / v.tau)).reshape(-1)]
        elif isinstance(v, nir.CubaLIF):
            res[k] = {
                "alpha": [float(b) for b in (1 - (dt / v.tau_syn)).reshape(-1)],
                "beta": [float(b) for b in (1 - (dt / v.tau_mem)).reshape(-1)],
            }
    return res


def synaptic_ff(out, manifest):
    gen = torch.Generator().manual_seed(2)
    fc1, fc2 = torch.nn.Linear(6, 8), torch.nn.Linear(8, 3)
    set_linear(fc1, gen, 0.6)
    set_linear(fc2, gen, 0.6)
    alpha1 = torch.full((8,), 0.75)
    beta1 = torch.tensor([0.8 + 0.02 * i for i in range(8)])
    syn1 = snn.Synaptic(
        alpha=alpha1, beta=beta1, threshold=torch.full((8,), 0.5),
        reset_mechanism="zero", init_hidden=True,
    )
    syn2 = snn.Synaptic(
        alpha=torch.full((3,), 0.5), beta=torch.full((3,), 0.875),
        threshold=torch.ones(3), reset_mechanism="zero", init_hidden=True, output=True,
    )
    net = torch.nn.Sequential(fc1, syn1, fc2, syn2)
    x = inputs(6, gen)
    graph = sort_edges(export_to_nir(net, x[0, 0]))
    nir.write(os.path.join(out, "synaptic_ff.nir"), graph, compression=None)
    reset_hidden(net)
    spk, hid, mem = run_module(net, x, syn1)
    save_npy(out, "synaptic_ff.input.npy", x.numpy())
    save_npy(out, "synaptic_ff.spikes.npy", spk.numpy().astype(np.uint8))
    entry = {
        "file": "synaptic_ff.nir",
        "writer": "snntorch.export_nir.export_to_nir + nir.write(compression=None)",
        "dt": 1e-4,
        "module": "Sequential(Linear(6, 8), Synaptic(alpha 0.75, beta[8], threshold 0.5), "
        "Linear(8, 3), Synaptic(alpha 0.5, beta 0.875, threshold 1.0)); reset_mechanism zero, "
        "reset_delay True (not in the file)",
        "graph": describe_graph(graph),
        "input": "synaptic_ff.input.npy",
        "spikes": "synaptic_ff.spikes.npy",
        "spike_count": int(spk.sum()),
    }
    save_layers(out, "synaptic_ff", entry, hid, mem)
    re = nir.read(os.path.join(out, "synaptic_ff.nir"))
    try:
        rspk = run_reimport(re, x)
        save_npy(out, "synaptic_ff.reimport.npy", rspk.numpy().astype(np.uint8))
        entry["reimport"] = "synaptic_ff.reimport.npy"
        entry["reimport_spike_count"] = int(rspk.sum())
        entry["reimport_params"] = imported_betas(re)
    except Exception as e:
        entry["reimport_error"] = f"{type(e).__name__}: {e}"
    manifest["fixtures"]["synaptic_ff"] = entry


def rleaky(out, manifest):
    gen = torch.Generator().manual_seed(3)
    fc1, fc2 = torch.nn.Linear(5, 6), torch.nn.Linear(6, 2)
    set_linear(fc1, gen, 0.7)
    set_linear(fc2, gen, 1.0)
    with torch.no_grad():
        fc1.bias.add_(0.25)
    rlif = snn.RLeaky(
        beta=torch.full((6,), 0.875), threshold=torch.full((6,), 0.5), linear_features=6,
        all_to_all=True, init_hidden=True,
    )
    set_linear(rlif.recurrent, gen, 0.3)
    lif2 = snn.Leaky(beta=torch.full((2,), 0.9), threshold=torch.full((2,), 0.5), init_hidden=True,
                     output=True)
    net = torch.nn.Sequential(fc1, rlif, fc2, lif2)
    x = inputs(5, gen)
    graph = sort_edges(export_to_nir(net, x[0, 0]))
    nir.write(os.path.join(out, "rleaky.nir"), graph, compression=None)
    reset_hidden(net)
    spk, hid, mem = run_module(net, x, rlif)
    save_npy(out, "rleaky.input.npy", x.numpy())
    save_npy(out, "rleaky.spikes.npy", spk.numpy().astype(np.uint8))
    entry = {
        "file": "rleaky.nir",
        "writer": "snntorch.export_nir.export_to_nir + nir.write(compression=None)",
        "dt": 1e-4,
        "module": "Sequential(Linear(5, 6), RLeaky(beta 0.875, threshold 0.5, Linear(6, 6) "
        "all to all), Linear(6, 2), Leaky(beta 0.9, threshold 0.5)); reset subtract, "
        "reset_delay True (not in the file)",
        "graph": describe_graph(graph),
        "input": "rleaky.input.npy",
        "spikes": "rleaky.spikes.npy",
        "spike_count": int(spk.sum()),
    }
    save_layers(out, "rleaky", entry, hid, mem)
    try:
        re = nir.read(os.path.join(out, "rleaky.nir"))
        rspk = run_reimport(re, x)
        save_npy(out, "rleaky.reimport.npy", rspk.numpy().astype(np.uint8))
        entry["reimport"] = "rleaky.reimport.npy"
    except Exception as e:
        entry["reimport_error"] = f"{type(e).__name__}: {e}"[:300]
    manifest["fixtures"]["rleaky"] = entry


def norse_ff(out, manifest):
    import norse.torch as norse
    from norse.torch.utils.export_nir import to_nir

    gen = torch.Generator().manual_seed(4)
    fc1, fc2 = torch.nn.Linear(6, 8), torch.nn.Linear(8, 3)
    set_linear(fc1, gen, 0.6)
    set_linear(fc2, gen, 0.6)
    net = norse.SequentialState(fc1, norse.LIFCell(), fc2, norse.LIBoxCell())
    x = inputs(6, gen)
    graph = sort_edges(to_nir(net, x[0, 0]))
    # nir 1.0.8 cannot gzip the 0-d arrays of default Norse parameters (h5py: "Scalar
    # datasets don't support chunk/filter options"): written contiguous.
    nir.write(os.path.join(out, "norse_ff.nir"), graph, compression=None)
    outs = []
    state = None
    with torch.no_grad():
        for t in range(x.shape[0]):
            o, state = net(x[t], state)
            outs.append(o.clone())
    v = torch.stack(outs)
    save_npy(out, "norse_ff.input.npy", x.numpy())
    save_npy(out, "norse_ff.output.npy", v.numpy().astype(np.float32))
    manifest["fixtures"]["norse_ff"] = {
        "file": "norse_ff.nir",
        "writer": "norse.torch.utils.export_nir.to_nir + nir.write(compression=None)",
        "dt": 1e-3,
        "module": "SequentialState(Linear(6, 8), LIFCell(), Linear(8, 3), LIBoxCell()), "
        "Norse's default parameters",
        "graph": describe_graph(graph),
        "input": "norse_ff.input.npy",
        "output": "norse_ff.output.npy (LI membranes, float32)",
    }


OLD_V02 = textwrap.dedent(
    """
    import sys
    import numpy as np
    import nir
    rnn = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([3])),
            "lif": nir.LIF(tau=np.array([0.01, 0.02, 0.04]), r=np.ones(3),
                           v_leak=np.zeros(3), v_threshold=np.array([1.0, 1.5, 2.0])),
            "rec": nir.Linear(weight=np.eye(3) * -0.5),
            "output": nir.Output(output_type=np.array([3])),
        },
        edges=[("input", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")],
    )
    g = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([4])),
            "fc": nir.Affine(weight=np.arange(12, dtype=np.float64).reshape(3, 4) / 16,
                             bias=np.array([0.125, -0.25, 0.5])),
            "rnn": rnn,
            "cuba": nir.CubaLIF(tau_mem=np.full(3, 0.02), tau_syn=np.full(3, 0.005),
                                r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3)),
            "output": nir.Output(output_type=np.array([3])),
        },
        edges=[("input", "fc"), ("fc", "rnn"), ("rnn", "cuba"), ("cuba", "output")],
    )
    nir.write(sys.argv[1], g)
    print(nir.version)
    """
)


def old_v02(out, manifest, python):
    path = os.path.join(out, "old_v02.nir")
    version = subprocess.run(
        [python, "-c", OLD_V02, path], check=True, capture_output=True, text=True
    ).stdout.strip()
    manifest["fixtures"]["old_v02"] = {
        "file": "old_v02.nir",
        "writer": f"nir {version} nir.write (float64, contiguous, no v_reset / w_in)",
        "graph": describe_graph(nir.read(path)),
    }
    manifest["versions"]["nir_old"] = version


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/fixtures/nir")
    ap.add_argument("--nir02-python", help="a python with nir==0.2.0 (for old_v02.nir)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    import h5py
    import norse

    manifest = {
        "generator": "scripts/nir_fixtures.py",
        "versions": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "snntorch": snn.__version__,
            "norse": getattr(norse, "__version__", "unknown"),
            "nir": nir.version,
            "nirtorch": __import__("nirtorch").__version__
            if hasattr(__import__("nirtorch"), "__version__") else "unknown",
            "numpy": np.__version__,
            "h5py": h5py.__version__,
        },
        "steps": STEPS,
        "batch": BATCH,
        "fixtures": {},
    }
    leaky_ff(args.out, manifest)
    synaptic_ff(args.out, manifest)
    rleaky(args.out, manifest)
    norse_ff(args.out, manifest)
    if args.nir02_python:
        old_v02(args.out, manifest, args.nir02_python)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=0, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {len(os.listdir(args.out))} files, {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
