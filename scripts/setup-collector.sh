#!/usr/bin/env bash
# Installs the third-party programs the collector's integration tests drive,
# and only what is missing: a Python venv at .work/venv (moto_server as a
# local X-Ray, OpenTelemetry's Python OTLP exporters, boto3) and the Node
# OTLP/HTTP exporter under collector/tests/clients. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup-collector]\033[0m %s\n' "$*"; }

venv=.work/venv
# Pinned together: change one, re-run this script.
python_packages=(
  "moto[server]==5.2.5"
  "boto3==1.44.8"
  "opentelemetry-sdk==1.45.2"
  "opentelemetry-exporter-otlp-proto-http==1.45.2"
  "opentelemetry-exporter-otlp-proto-grpc==1.45.2"
)
stamp="$venv/.wasmtrace-packages"
want=$(printf '%s\n' "${python_packages[@]}")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # The pyenv shim forks; the real interpreter makes a venv that does not.
  python=$(python3 -c 'import sys; print(sys.executable)')
  log "python venv at $venv (moto, boto3, OpenTelemetry exporters)"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${python_packages[@]}"
  printf '%s\n' "$want" > "$stamp"
fi

clients=collector/tests/clients
if [ ! -d "$clients/node_modules/@opentelemetry/exporter-trace-otlp-http" ] \
  || [ "$clients/package.json" -nt "$clients/node_modules/.package-lock.json" ]; then
  log "npm install in $clients (@opentelemetry/exporter-trace-otlp-http)"
  (cd "$clients" && npm install --no-audit --no-fund --loglevel=error)
fi
