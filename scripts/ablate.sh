#!/usr/bin/env bash
# Where the CPU loop's time goes: the throughput example (`--compare`: N = 1e6, T = 100, f32
# and I16F16, streamed and generated input) built once as it is and once without each part
# of the per-block work, on 1 and 2 threads. Each variant is the committed code with one
# edit, made in a scratch worktree (the checkout is left alone); a variant's bits are wrong
# by design (no spikes, no prefetch, ...): it measures time, nothing else.
#
#   scripts/ablate.sh [MODELS]      # MODELS: comma-separated, default leaky,synaptic
#
# Prints one line per variant, threads, model, scalar and input, neuron-steps/s.
set -euo pipefail
cd "$(dirname "$0")/.."
models="${1:-leaky,synaptic}"
root="$PWD"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach -q "$work/tree" HEAD
export CARGO_TARGET_DIR="$root/target/ablate"

core="lif-core/src/population.rs"
neuron="lif-core/src/neuron.rs"
cpu="lif-host-cuda/src/cpu.rs"
# name~file~exact text~replacement (the text must occur once in the file)
variants=(
    "as-is~"
    "no-finiteness-check~$core~source.check_cells(t, start, xb)?;~"
    "no-prefetch~$core~source.prefetch(next_t, next + b * BLOCK);~let _ = (next_t, next);"
    "no-spike-packing~$neuron~bits |= u32::from(spiked) << k;~let _ = spiked;"
    "no-spike-store~$cpu~unsafe { *self.rows.ptr.add(at) = bits };~let _ = at;"
)

apply() { # file, exact text, replacement: fails unless the text occurs exactly once
    local file="$work/tree/$1" from="$2" to="$3"
    python3 - "$file" "$from" "$to" <<'EOF'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: expected one {old!r}, found {text.count(old)}")
open(path, "w").write(text.replace(old, new))
EOF
}

for v in "${variants[@]}"; do
    IFS='~' read -r name file from to <<<"$v"
    git -C "$work/tree" checkout -q -- .
    if [ -n "$file" ]; then
        apply "$file" "$from" "$to"
    fi
    # A variant's edit leaves unused names (warnings); the log is shown only if it fails.
    if ! (cd "$work/tree" && cargo build --release -q -p lif-host-cuda --example throughput \
        >"$work/build.log" 2>&1); then
        echo "ablate: variant $name does not build:" >&2
        cat "$work/build.log" >&2
        exit 1
    fi
    for threads in 1 2; do
        RAYON_NUM_THREADS=$threads "$CARGO_TARGET_DIR/release/examples/throughput" \
            --compare --models "$models" |
            awk -v v="$name" -v th="$threads" '$1 == "cpu" { printf "%-20s %d thread(s) %-9s %-7s %-9s %s\n", v, th, $2, $3, $4, $7 }'
    done
done
