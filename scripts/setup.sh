#!/usr/bin/env bash
# Installs what building and testing lif needs on a fresh machine: the pinned Rust toolchain
# with the components and targets listed in rust-toolchain.toml. Idempotent and quick when
# everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rustup >/dev/null 2>&1; then
    echo "setup: rustup is required (https://rustup.rs); it installs the toolchain pinned in rust-toolchain.toml" >&2
    exit 1
fi
# Reads rust-toolchain.toml; adds missing components and targets to an existing toolchain too.
rustup toolchain install >/dev/null

# The firmware test runs a Cortex-M4F build under QEMU.
if ! command -v qemu-system-arm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "setup: qemu-system-arm is missing and installing it needs root (apt-get install qemu-system-arm)" >&2
        exit 1
    fi
    echo "setup: installing qemu-system-arm" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
fi

# ptxas (CUDA 12.9) from PyPI's nvidia-cuda-nvcc-cu12 wheel: validates the PTX kernels
# without a GPU (lif-host-cuda/tests/ptx.rs).
ptxas="target/tools/cuda-nvcc/bin/ptxas"
if [ ! -x "$ptxas" ]; then
    echo "setup: installing ptxas from the nvidia-cuda-nvcc-cu12 wheel" >&2
    tmp=$(mktemp -d)
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "nvidia-cuda-nvcc-cu12==12.9.86"
    mkdir -p "$(dirname "$ptxas")"
    python3 - "$tmp" "$ptxas" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    open(sys.argv[2], "wb").write(z.read("nvidia/cuda_nvcc/bin/ptxas"))
PY
    chmod +x "$ptxas"
    rm -rf "$tmp"
fi

# A CUDA driver stub for building the `cuda` feature and running its no-device paths on
# machines without CUDA.
if [ ! -f target/cuda-stub/lib64/libcuda.so ]; then
    scripts/cuda-stub.sh >/dev/null
fi
