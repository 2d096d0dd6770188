#!/usr/bin/env python3
"""Write the convolutional NIR fixture of lif-nir: a small snnTorch network with Conv2d,
AvgPool2d and Flatten, exported to NIR, with the original module's spikes.

Not needed by the tests: what it writes is committed under tests/fixtures/nir/. Setup as for
scripts/nir_fixtures.py (the .venv-nir venv). Run from the repository root:

    nice -n 10 .venv-nir/bin/python scripts/nir_conv_fixture.py

The network: Conv2d(1, 2, 3) -> Leaky -> AvgPool2d(2) -> Flatten(-3, -1) -> Linear(8, 3) ->
Leaky (Flatten from the end, so that the unbatched sample of the export traces it too),
on 6x6 binary input spikes, reset zero without delay (what lif's import does by default).
Weights and biases are on a 1/64 grid and the inputs are spikes, so every sum is exact in
float32 whatever order PyTorch's convolution adds in. snnTorch's own import has no AvgPool2d,
so the reference is the original module.

Writes conv.nir, conv.input.npy (float32, steps x batch x 1 x 6 x 6), conv.spikes.npy (uint8,
steps x batch x 3), conv.hidden.npy (uint8, steps x batch x 2 x 4 x 4) and conv.json.
"""

import json
import os

import numpy as np
import torch

import nir
import snntorch as snn
from snntorch.export_nir import export_to_nir

OUT = "tests/fixtures/nir"
STEPS, BATCH, GRID = 12, 4, 64.0


def grid(shape, scale, gen):
    return torch.round(torch.randn(shape, generator=gen) * scale * GRID) / GRID


def main():
    gen = torch.Generator().manual_seed(5)
    conv = torch.nn.Conv2d(1, 2, 3)
    fc = torch.nn.Linear(8, 3)
    with torch.no_grad():
        for m, scale in ((conv, 0.5), (fc, 0.8)):
            m.weight.copy_(grid(m.weight.shape, scale, gen))
            m.bias.copy_(grid(m.bias.shape, scale / 4, gen))
    kw = dict(reset_mechanism="zero", reset_delay=False, init_hidden=True)
    lif1 = snn.Leaky(beta=torch.full((2, 4, 4), 0.875), threshold=torch.full((2, 4, 4), 0.5), **kw)
    lif2 = snn.Leaky(beta=torch.full((3,), 0.9), threshold=torch.full((3,), 0.5), output=True, **kw)
    net = torch.nn.Sequential(conv, lif1, torch.nn.AvgPool2d(2), torch.nn.Flatten(-3, -1), fc, lif2)
    x = (torch.rand((STEPS, BATCH, 1, 6, 6), generator=gen) < 0.4).to(torch.float32)
    graph = export_to_nir(net, x[0, 0])
    graph.edges = sorted(tuple(e) for e in graph.edges)
    nir.write(os.path.join(OUT, "conv.nir"), graph)
    for m in net.modules():
        if isinstance(m, snn.SpikingNeuron):
            m.reset_hidden()
    seen, outs = [], []
    hook = lif1.register_forward_hook(lambda m, i, o: seen.append(o.detach().clone()))
    with torch.no_grad():
        for t in range(STEPS):
            out = net(x[t])
            outs.append((out[0] if isinstance(out, tuple) else out).detach().clone())
    hook.remove()
    spk, hid = torch.stack(outs), torch.stack(seen)
    np.save(os.path.join(OUT, "conv.input.npy"), x.numpy())
    np.save(os.path.join(OUT, "conv.spikes.npy"), spk.numpy().astype(np.uint8))
    np.save(os.path.join(OUT, "conv.hidden.npy"), hid.numpy().astype(np.uint8))
    info = {
        "module": "Conv2d(1, 2, 3) -> Leaky(beta 0.875, threshold 0.5) -> AvgPool2d(2) -> "
        "Flatten -> Linear(8, 3) -> Leaky(beta 0.9, threshold 0.5); reset zero, no delay",
        "nodes": {k: type(v).__name__ for k, v in sorted(graph.nodes.items())},
        "edges": [list(e) for e in graph.edges],
        "steps": STEPS,
        "batch": BATCH,
        "output_spikes": int(spk.sum()),
        "hidden_spikes": int(hid.sum()),
        "versions": {"torch": torch.__version__, "snntorch": snn.__version__},
    }
    with open(os.path.join(OUT, "conv.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print(json.dumps(info))


if __name__ == "__main__":
    main()
