#!/usr/bin/env bash
# CUBA benchmark (Vogels & Abbott 2005, as Brian2's examples/CUBA.py): lif against Brian2
# (runtime and cpp_standalone) at N = 4000, 40000 and 400000 with fan-in 80, 1 s simulated.
# Writes docs/cuba/results.json and prints a table; see scripts/cuba_brian2.py.
#
# Needs Python >= 3.12 (Brian2 2.11) and a C++ compiler (g++) for cpp_standalone. The
# Brian2 venv is made at .venv-brian2 if missing; set PYTHON to the interpreter to make it
# with (default: pyenv's 3.13.0 when pyenv has it, else python3). Extra arguments go to
# scripts/cuba_brian2.py (e.g. --sizes 4000 --threads 1).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-brian2
if [ ! -x "$venv/bin/python" ]; then
    py="${PYTHON:-}"
    if [ -z "$py" ]; then
        if command -v pyenv >/dev/null && prefix=$(pyenv prefix 3.13.0 2>/dev/null); then
            py="$prefix/bin/python"
        else
            py=python3
        fi
    fi
    "$py" -c 'import sys; assert sys.version_info >= (3, 12), "Brian2 2.11 needs Python >= 3.12"'
    "$py" -m venv "$venv"
    "$venv/bin/pip" install -q brian2 numpy
fi

cargo build --release -p lif-sim

mkdir -p docs/cuba
"$venv/bin/python" scripts/cuba_brian2.py \
    --sizes 4000,40000,400000 --devices runtime,cpp_standalone --threads 1,2 \
    --duration 1.0 --json docs/cuba/results.json "$@"
