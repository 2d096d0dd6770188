#!/usr/bin/env bash
# Builds, on a development machine, what a GPU machine without a Rust toolchain needs to run
# lif's GPU checks: lif-host-cuda's test binaries and the throughput example, built with the
# `cuda` feature against the driver stub (on the GPU machine the real libcuda.so.1 is found
# instead), plus run.sh. Carry gpu-bundle/ there and run gpu-bundle/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CUDA_LIBRARY_PATH="$PWD/target/cuda-stub"
rm -rf gpu-bundle
mkdir -p gpu-bundle
cargo test --release -p lif-host-cuda --features cuda --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, shutil, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "test" in m["target"]["kind"]:
        name = m["target"]["name"]
        if name in ("equivalence", "backends", "network"):
            shutil.copy(m["executable"], "gpu-bundle/" + name)
'
cargo build --release -q -p lif-host-cuda --features cuda --example throughput
cp target/release/examples/throughput gpu-bundle/
cargo build --release -q -p lif-sim --features cuda
cp target/release/lif-sim examples/cuba.toml gpu-bundle/
cat > gpu-bundle/run.sh <<'RUN'
#!/usr/bin/env bash
# On the GPU machine: the CUDA equivalence tests (CUDA == reference loop, bit for bit, every
# model x {f32, I16F16}), the backend tests (with the device memory of a generated-input
# Leaky neuron, measured), random networks on CUDA == CPU, throughput on
# the GPU and the CPU, then CUBA on both.
set -euo pipefail
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
./equivalence --nocapture
./backends --nocapture
./network --nocapture cuda_networks
./throughput --backend all "$@"
# CUBA at 4k, 40k and 400k neurons on the GPU (the same bits as the CPU: compare spikes).
for scale in 1 10 100; do
    ./lif-sim network cuba.toml --scale "$scale" --backend cuda --no-plots --force --out "cuba-gpu-$scale"
    ./lif-sim network cuba.toml --scale "$scale" --backend cpu --no-plots --force --out "cuba-cpu-$scale"
    cmp "cuba-gpu-$scale/spikes-exc.npy" "cuba-cpu-$scale/spikes-exc.npy" && echo "CUBA x$scale: GPU spikes == CPU spikes"
done
RUN
chmod +x gpu-bundle/run.sh
du -sh gpu-bundle
