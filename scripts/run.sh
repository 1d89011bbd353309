#!/usr/bin/env bash
# The main job on one machine: builds the SDK package and the collector,
# starts the collector (writing spans to .work/traces.jsonl) and the demo app,
# and stops both on Ctrl-C. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build-pkg.sh
cargo build --release -p wasmtrace-collector
(cd www && npm install --no-audit --no-fund --loglevel=error)

mkdir -p .work
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

target/release/wasmtrace-collector --config collector/examples/local.yaml &
pids+=($!)
(cd www && VITE_OTLP_URL=http://127.0.0.1:4318/v1/traces exec npx vite --host 127.0.0.1 --port 5173 --strictPort) &
pids+=($!)

cat <<MSG

  demo app      http://127.0.0.1:5173/   (click "Send a span")
  collector     http://127.0.0.1:4318/v1/traces  (OTLP/HTTP, CORS for the app)
  spans land in $(pwd)/.work/traces.jsonl  (one OTLP/JSON line per request)
                and in the collector's log below (debug exporter)

  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
