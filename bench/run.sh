#!/usr/bin/env bash
# Runs every benchmark and writes the report:
#   bash bench/run.sh          full run (~30 min on 2 cores): installs what is
#                              missing, builds pkg/ and the release collector,
#                              writes bench/results/latest.json and BENCHMARKS.md
#   bash bench/run.sh --quick  seconds: tiny workloads that prove the harness
#                              runs (scripts/test.sh runs it); writes only under
#                              bench/.work/quick/, and fails only if the harness
#                              itself is broken, never on a slow figure
set -euo pipefail
cd "$(dirname "$0")/.."
mode=full
case "${1:-}" in
  --quick) mode=quick ;;
  "") ;;
  *) echo "usage: bash bench/run.sh [--quick]" >&2; exit 2 ;;
esac
step() { printf '\n\033[1m== bench: %s\033[0m\n' "$*"; }
start=$(date +%s)
work=bench/.work
mkdir -p "$work"
notes=()

if [ "$mode" = full ]; then
  step "tools (scripts/setup.sh, which runs bench/setup.sh)"
  bash scripts/setup.sh
else
  bash bench/setup.sh
fi

step "builds"
# The SDK package: always rebuilt in a full run; in quick mode only if absent
# (scripts/test.sh has just built it).
if [ "$mode" = full ] || [ ! -f pkg/index.js ]; then
  if ! bash scripts/build-pkg.sh; then
    [ -f pkg/index.js ] || { echo "bench: pkg/ could not be built" >&2; exit 1; }
    notes+=("scripts/build-pkg.sh failed; the browser figures are of the pkg/ built before.")
  fi
fi
# Others may rebuild pkg/ while the benchmark runs (build-pkg.sh starts with
# rm -rf pkg): the browser benchmarks bundle a snapshot of it.
snapshot_pkg() {
  for _ in $(seq 60); do
    if [ -f pkg/index.js ] && [ -f pkg/wasmtrace_core_bg.wasm ] && [ -f pkg/package.json ]; then
      rm -rf "$work/pkg" && cp -r pkg "$work/pkg" 2>/dev/null && [ -f "$work/pkg/index.js" ] && [ -f "$work/pkg/wasmtrace_core_bg.wasm" ] && return 0
    fi
    sleep 1
  done
  return 1
}
snapshot_pkg || { echo "bench: no complete pkg/ to measure" >&2; exit 1; }
export WASMTRACE_PKG="$PWD/$work/pkg"
if [ "$mode" = full ]; then
  profile=release
  cargo build --release -p wasmtrace-loadgen
  if ! cargo build --release -p wasmtrace-collector; then
    [ -x target/release/wasmtrace-collector ] || { echo "bench: the collector could not be built" >&2; exit 1; }
    notes+=("The collector's release build failed; its figures are of the release binary built before ($(date -r target/release/wasmtrace-collector -u +%FT%TZ)).")
  fi
else
  # Debug builds: quick, and scripts/test.sh has built most of it already.
  profile=debug
  cargo build -q -p wasmtrace-loadgen
  [ -x target/debug/wasmtrace-collector ] || cargo build -q -p wasmtrace-collector
fi

status=0
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
step "browser: wasmtrace vs OpenTelemetry JS in headless Chromium"
quick_flag=()
[ "$mode" = quick ] && quick_flag=(--quick)
node bench/browser/run.mjs --out "$work/browser-$mode.json" "${quick_flag[@]}" || status=1

step "collector: load generator against wasmtrace-collector ($profile build)"
node bench/collector/run.mjs --collector "target/$profile/wasmtrace-collector" --loadgen "target/$profile/wasmtrace-loadgen" \
  --out "$work/collector-$mode.json" "${quick_flag[@]}" || status=1

step "report"
elapsed=$(( $(date +%s) - start ))
# Other work on the machine skews the figures: say how busy it was.
notes+=("Load average (1/5/15 min) when the measurements ended: $(cut -d' ' -f1-3 /proc/loadavg); at the start: $load_start.")
if [ "$mode" = full ]; then
  json=bench/results/latest.json md=BENCHMARKS.md perf=bench/PERFORMANCE.md
else
  json=$work/quick/latest.json md=$work/quick/BENCHMARKS.md perf=$work/quick/PERFORMANCE.md
fi
notes_arg=$(IFS='|'; echo "${notes[*]:-}")
node bench/report.mjs --browser "$work/browser-$mode.json" --collector "$work/collector-$mode.json" \
  --json "$json" --md "$md" --perf-md "$perf" --mode "$mode" --elapsed "$elapsed" --profile "$profile" --notes "$notes_arg"
echo "bench: $mode run took ${elapsed}s; report in $md"
if [ $status -ne 0 ]; then
  echo "bench: the harness reported errors (see above and the Errors sections of $md)" >&2
fi
exit $status
