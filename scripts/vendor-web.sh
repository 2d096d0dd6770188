#!/usr/bin/env bash
# Refreshes the dashboard's vendored front-end files from the npm registry.
#
# The versions are pinned in lif-sim/web/package.json and
# package-lock.json (with integrity hashes). The built files are copied into web/vendor/,
# which is committed and embedded in lif-sim: the page never loads anything from a CDN, and
# building or testing the project needs no npm. Run this only to change a version.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
web="$root/lif-sim/web"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$web/package.json" "$work/"
[ -f "$web/package-lock.json" ] && cp "$web/package-lock.json" "$work/"
(cd "$work" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
cp "$work/package-lock.json" "$web/"
mkdir -p "$web/vendor"
cp "$work/node_modules/uplot/dist/uPlot.iife.min.js" "$work/node_modules/uplot/dist/uPlot.min.css" "$web/vendor/"
cp "$work/node_modules/uplot/LICENSE" "$web/vendor/uPlot.LICENSE"
echo "vendored: uplot $(node -p "require('$work/node_modules/uplot/package.json').version")"
