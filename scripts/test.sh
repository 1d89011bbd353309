#!/usr/bin/env bash
# Runs every test: host unit tests, collector integration tests, browser tests
# in headless Chromium, the package and demo builds, and the end-to-end tests.
# Installs what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bash scripts/setup.sh
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p wasmtrace --target wasm32-unknown-unknown --features otel --all-targets -- -D warnings
# The shipped module (plain exports, no_std) as build-pkg.sh builds it.
cargo clippy -p wasmtrace --target wasm32-unknown-unknown --no-default-features --features standalone -- -D warnings

step "host tests: SDK core and collector (unit + integration)"
cargo test --workspace

step "browser tests (wasm-bindgen-test in headless Chromium, against a real collector)"
work=$(mktemp -d)
collector_pid=""
cleanup() { [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/collector.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$port
        cors:
          allowed_origins: ["http://127.0.0.1:*"]
exporters:
  file:
    path: $work/browser-tests.jsonl
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
YAML
target/debug/wasmtrace-collector --config "$work/collector.yaml" 2> "$work/collector.log" &
collector_pid=$!
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
WASMTRACE_TEST_COLLECTOR="http://127.0.0.1:$port/v1/traces" \
  cargo test -p wasmtrace --target wasm32-unknown-unknown --features otel --tests
for name in from-wasm-bindgen-test rust-parent rust-child; do
  grep -q "\"$name\"" "$work/browser-tests.jsonl" \
    || { echo "the browser tests' span \"$name\" did not reach the collector"; cat "$work/collector.log"; exit 1; }
done
kill "$collector_pid"; collector_pid=""

step "npm package (pkg/) and the demo app built from it"
bash scripts/build-pkg.sh
(cd www && npm install --no-audit --no-fund --loglevel=error && npm run build)

step "shipped size (fails past the budget)"
node scripts/size.mjs

step "end-to-end tests (playwright-core + Debian's Chromium + the collector)"
npm run --silent test:e2e

if [ -f bench/run.sh ]; then
  step "benchmark harness, quick mode (checks the harness runs; its figures mean nothing)"
  bash bench/run.sh --quick
fi
