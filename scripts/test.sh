#!/usr/bin/env bash
# The project's test command (see README): set-up, then every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace "$@"

# The dashboard in headless Chromium (installs chromium and playwright-core when missing).
scripts/dashboard-e2e.sh

# The CUDA backend: built against the driver (a real one, or the stub from setup.sh), then
# its tests: PTX checks with ptxas, error paths, and GPU equivalence when a GPU is present
# (otherwise those say SKIPPED).
export CUDA_LIBRARY_PATH="${CUDA_LIBRARY_PATH:-$PWD/target/cuda-stub}"
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1 '; then
    export LD_LIBRARY_PATH="$PWD/target/cuda-stub/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
cargo test -p lif-host-cuda --features cuda "$@" -- --nocapture
