#!/usr/bin/env bash
# Installs every tool the build, the demo and the tests need, and only what
# is missing: safe to run again and again, on a fresh machine or CI.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Debian packages: Chromium and its driver for browser tests, brotli for the
# size report. Never Debian's binaryen: its wasm-opt 108 breaks wasm-bindgen
# output; ours comes from npm.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v brotli >/dev/null || missing+=(brotli)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate exactly.
want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "cargo install wasm-bindgen-cli $want (a few minutes, once)"
  # Not --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "=$want"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "npm install (binaryen's wasm-opt, acorn, playwright-core)"
  npm install --no-audit --no-fund --loglevel=error
fi
# The collector's tests use real third-party clients and moto (Python, Node).
[ -f scripts/setup-collector.sh ] && bash scripts/setup-collector.sh
# The benchmarks compare against OpenTelemetry JS from npm.
[ -f bench/setup.sh ] && bash bench/setup.sh
log "tools ready"
