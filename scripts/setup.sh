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
