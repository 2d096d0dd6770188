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
