#!/usr/bin/env python3
"""Train a small spiking network on scikit-learn's digits with snnTorch, export it to NIR, and
record snnTorch's predictions on the held-out set: the end-to-end fixture of lif-nir.

Not needed by the tests: everything it writes is committed under tests/fixtures/nir/. Run it
only to regenerate them. Setup as for scripts/nir_fixtures.py (its own venv, CPU torch):

    python3 -m venv .venv-nir
    nice -n 10 .venv-nir/bin/pip install torch snntorch nir nirtorch scikit-learn

Run from the repository root:

    nice -n 10 .venv-nir/bin/python scripts/nir_digits.py

The data ships inside scikit-learn (load_digits: 1,797 8x8 images, no download). Each image,
scaled to [0, 1] in steps of 1/16, is a constant input current for STEPS steps. The network:
Linear(64, 32) -> Leaky -> Linear(32, 10) -> Leaky, trained with snnTorch's rate
cross-entropy; the prediction is the output neuron with the most spikes (the first on a tie,
as torch.argmax). The neurons reset to zero without delay: that is what snnTorch's NIR import
builds (the file cannot carry the reset), so the trained module and its re-import agree.
After training, weights and biases are rounded to a 1/128 grid: with inputs on a 1/16 grid
every sum is exact in float32, whatever order PyTorch's batched Linear adds in.

What it writes (fixed seeds, one thread, CPU):
- digits.nir: the exported graph (nir.write, gzip).
- digits.test_x.npy: float32 (360, 64), the held-out images as input values.
- digits.test_y.npy: int64 (360,), their labels.
- digits.reimport.npy: uint8 (STEPS, 360, 10): the output spikes of snnTorch's
  import_from_nir of digits.nir, which lif must reproduce bit for bit.
- digits.json: versions, settings, accuracies (float module, grid module, re-import) and the
  re-import's predictions.
"""

import json
import os

import numpy as np
import torch

import nir
import snntorch as snn
import snntorch.functional as SF
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from snntorch.export_nir import export_to_nir
from snntorch.import_nir import import_from_nir

OUT = "tests/fixtures/nir"
STEPS = 10
HIDDEN = 32
BETA = 0.875
GRID = 128.0
EPOCHS = 80
SEED = 7


def model():
    lif = lambda n, **kw: snn.Leaky(  # noqa: E731
        beta=torch.full((n,), BETA),
        threshold=torch.ones(n),
        reset_mechanism="zero",
        reset_delay=False,
        init_hidden=True,
        **kw,
    )
    return torch.nn.Sequential(
        torch.nn.Linear(64, HIDDEN), lif(HIDDEN), torch.nn.Linear(HIDDEN, 10), lif(10, output=True)
    )


def reset(net):
    for m in net.modules():
        if isinstance(m, snn.SpikingNeuron):
            m.reset_hidden()


def run(net, x):
    """Output spikes (steps, batch, 10) for a constant input x (batch, 64)."""
    reset(net)
    outs = []
    for _ in range(STEPS):
        out = net(x)
        outs.append(out[0] if isinstance(out, tuple) else out)
    return torch.stack(outs)


def run_reimport(graph, x):
    net = import_from_nir(graph)
    outs, state = [], None
    with torch.no_grad():
        for _ in range(STEPS):
            out = net(x) if state is None else net(x, state)
            if isinstance(out, tuple):
                out, state = out[0], out[1]
            outs.append(out.detach().clone())
    return torch.stack(outs)


def accuracy(spk, y):
    return float((spk.sum(0).argmax(1) == y).float().mean() * 100)


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    xtr, xte, ytr, yte = train_test_split(
        x, d.target, test_size=0.2, stratify=d.target, random_state=0
    )
    xtr, xte = torch.tensor(xtr), torch.tensor(xte)
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = SF.ce_rate_loss()
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        perm = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(xtr), 64):
            idx = perm[i : i + 64]
            spk = run(net, xtr[idx])
            loss = loss_fn(spk, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 20 == 19:
            with torch.no_grad():
                print(f"epoch {epoch + 1}: test {accuracy(run(net, xte), yte):.2f}%")
    with torch.no_grad():
        acc_float = accuracy(run(net, xte), yte)
        for m in net.modules():
            if isinstance(m, torch.nn.Linear):
                m.weight.copy_(torch.round(m.weight * GRID) / GRID)
                m.bias.copy_(torch.round(m.bias * GRID) / GRID)
        acc_grid = accuracy(run(net, xte), yte)
        graph = export_to_nir(net, xte[0])
    graph.edges = sorted(tuple(e) for e in graph.edges)
    path = os.path.join(OUT, "digits.nir")
    nir.write(path, graph)
    spk = run_reimport(nir.read(path), xte)
    acc_re = accuracy(spk, yte)
    np.save(os.path.join(OUT, "digits.test_x.npy"), xte.numpy())
    np.save(os.path.join(OUT, "digits.test_y.npy"), yte.numpy().astype(np.int64))
    np.save(os.path.join(OUT, "digits.reimport.npy"), spk.numpy().astype(np.uint8))
    info = {
        "versions": {
            "torch": torch.__version__,
            "snntorch": snn.__version__,
            "nir": nir.__version__ if hasattr(nir, "__version__") else "?",
            "numpy": np.__version__,
        },
        "data": "sklearn.datasets.load_digits, x/16, train_test_split(test_size=0.2, "
        "stratify, random_state=0)",
        "network": f"Linear(64, {HIDDEN}) -> Leaky -> Linear({HIDDEN}, 10) -> Leaky; beta "
        f"{BETA}, threshold 1, reset zero, no reset delay",
        "steps": STEPS,
        "dt": 1e-4,
        "epochs": EPOCHS,
        "seed": SEED,
        "grid": GRID,
        "test_samples": len(yte),
        "accuracy": {
            "snntorch_float": acc_float,
            "snntorch_grid": acc_grid,
            "snntorch_reimport": acc_re,
        },
        "reimport_predictions": spk.sum(0).argmax(1).tolist(),
    }
    with open(os.path.join(OUT, "digits.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(json.dumps(info["accuracy"]))


if __name__ == "__main__":
    main()
