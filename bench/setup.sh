#!/usr/bin/env bash
# Installs what the benchmarks need on top of scripts/setup.sh (which runs
# this file): OpenTelemetry JS, Vite and playwright-core in bench/node_modules
# from bench/package-lock.json, and the compressors for the size figures.
# Installs only what is missing or stale: safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")"
log() { printf '\033[1m[bench setup]\033[0m %s\n' "$*"; }

missing=()
command -v brotli >/dev/null || missing+=(brotli)
command -v gzip >/dev/null || missing+=(gzip)
command -v chromium >/dev/null || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  log "npm ci in bench/ (OpenTelemetry JS reference packages, Vite, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi
