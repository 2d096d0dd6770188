#!/usr/bin/env bash
# End-to-end test of the lif-sim dashboard in headless Chromium (lif-sim/tests/dashboard/e2e.mjs).
# Installs what it needs when missing: Debian's chromium (apt, no recommends) and
# playwright-core (npm ci, pinned by lif-sim/tests/dashboard/package-lock.json; it drives the system
# Chromium and downloads no browser). Screenshots go to target/dashboard-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="missing"; fi
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$sudo" = missing ]; then
        echo "dashboard-e2e: ${need_apt[*]} missing and installing needs root (apt-get install ${need_apt[*]})" >&2
        exit 1
    fi
    echo "dashboard-e2e: installing ${need_apt[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -d lif-sim/tests/dashboard/node_modules/playwright-core ]; then
    (cd lif-sim/tests/dashboard && npm ci --no-audit --no-fund --loglevel=error)
fi

# A debug build is enough for the small runs of the test, and `cargo test` has made it.
cargo build -q -p lif-sim --bin lif-sim
LIF_SIM="$PWD/target/debug/lif-sim" node lif-sim/tests/dashboard/e2e.mjs
