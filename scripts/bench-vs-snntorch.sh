#!/usr/bin/env bash
# lif's CPU backend against snnTorch's Leaky on the same machine, in one session:
# f32 Leaky, N = 1e6, T = 100, input streamed from a (T, N) array, plus a large memory copy.
# The peer runs only when `python3 -c "import snntorch"` works (pip install snntorch torch);
# set PYTHON to use another interpreter (a venv).
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-python3}"
cargo run --release -q -p lif-host-cuda --example throughput -- --models leaky --compare
if "$py" -c "import torch" 2>/dev/null; then
    "$py" scripts/bench_snntorch.py 1000000 100
else
    echo "peer skipped: $py cannot import torch (pip install snntorch torch)"
fi
