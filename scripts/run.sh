#!/usr/bin/env bash
# The demo on one machine: builds the SDK package, the collector, the task
# API and the Vue task app, then starts on loopback
#   the collector  OTLP/HTTP (CORS for the app) and OTLP/gRPC (the API) in;
#                  out to a file and its log, and to AWS X-Ray when AWS_REGION
#                  is set (or another OTLP backend with OTLP_BACKEND_ENDPOINT)
#   the task API   axum + SQLite, its own origin, traced with the opentelemetry crates
#   the app        the built Vue app (vite preview), traced with wasmtrace
# prints the URLs, and stops everything on Ctrl-C (spans in flight are flushed).
# Installs what is missing first.
#
# Settings (environment): APP_PORT (5173), API_PORT (8080), OTLP_HTTP_PORT
# (4318), OTLP_GRPC_PORT (4317), DEMO_WORK (.work/demo: database, spans,
# logs), AWS_REGION, OTLP_BACKEND_ENDPOINT, COLLECTOR_CONFIG (your own file).
# `--no-build` starts what is already built (the end-to-end test uses it,
# with TASK_API_BIN and WASMTRACE_COLLECTOR_BIN pointing at debug builds).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    *) echo "usage: bash scripts/run.sh [--no-build]" >&2; exit 2 ;;
  esac
done

app_port=${APP_PORT:-5173}
api_port=${API_PORT:-8080}
http_port=${OTLP_HTTP_PORT:-4318}
grpc_port=${OTLP_GRPC_PORT:-4317}
work=${DEMO_WORK:-.work/demo}
case "$work" in /*) ;; *) work="$root/$work" ;; esac

app="http://127.0.0.1:$app_port"
api="http://127.0.0.1:$api_port"
otlp_http="http://127.0.0.1:$http_port/v1/traces"

port_open() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$app_port" "$api_port" "$http_port" "$grpc_port"; do
  if port_open "$port"; then
    echo "port $port on 127.0.0.1 is in use; stop what uses it, or set APP_PORT, API_PORT, OTLP_HTTP_PORT or OTLP_GRPC_PORT" >&2
    exit 1
  fi
done

if [ -n "${COLLECTOR_CONFIG:-}" ]; then
  config=$COLLECTOR_CONFIG; exporters="as $COLLECTOR_CONFIG says"
elif [ -n "${AWS_REGION:-}" ]; then
  config=collector/examples/local-xray.yaml; exporters="AWS X-Ray ($AWS_REGION), the file and the log"
elif [ -n "${OTLP_BACKEND_ENDPOINT:-}" ]; then
  config=collector/examples/local-otlp.yaml; exporters="$OTLP_BACKEND_ENDPOINT (OTLP/HTTP), the file and the log"
else
  config=collector/examples/local.yaml; exporters="the file and the log (set AWS_REGION for X-Ray)"
fi

if [ "$build" = 1 ]; then
  bash scripts/setup.sh
  bash scripts/build-pkg.sh
  cargo build --release -p wasmtrace-collector -p task-api
  (cd www && npm install --no-audit --no-fund --loglevel=error && npx vue-tsc --noEmit)
fi
collector_bin=${WASMTRACE_COLLECTOR_BIN:-target/release/wasmtrace-collector}
api_bin=${TASK_API_BIN:-target/release/task-api}

# The app's URLs are fixed when it is built: one build per set of ports.
mkdir -p "$work"
(cd www && VITE_API_URL="$api" VITE_OTLP_URL="$otlp_http" \
  ./node_modules/.bin/vite build --outDir "$work/www" --emptyOutDir --logLevel warn)

# Each service in its own process group (job control), so Ctrl-C reaches
# this script alone and it stops them in order: the app, then the API (which
# flushes its spans to the collector), then the collector (which flushes to
# its exporters).
set -m
names=(); pids=()
start() { # name, log file, command...
  local name=$1 log=$2; shift 2
  # Its output goes to its log and to this terminal.
  "$@" > >(exec tee -a "$log") 2>&1 &
  names+=("$name"); pids+=($!)
  echo "$name $!" >> "$work/pids"  # for a test harness to clean up after a SIGKILL
}
stopping=0
stop() {
  trap - INT TERM
  [ "$stopping" = 1 ] && return
  stopping=1
  echo; echo "stopping…"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    # The service alone: its tee (same process group) must outlive it to
    # pass on its last lines.
    kill -TERM "${pids[i]}" 2>/dev/null || true
    rc=0; wait "${pids[i]}" 2>/dev/null || rc=$?
    # 143: ended by our SIGTERM without a handler of its own (vite).
    if [ "$rc" = 0 ] || [ "$rc" = 143 ]; then echo "  stopped ${names[i]}"; else echo "  stopped ${names[i]} (exit $rc)"; fi
  done
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

wait_for() { # name, port
  for _ in $(seq 300); do
    port_open "$2" && return 0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "$1 did not start (see its log above)" >&2; exit 1; }; done
    sleep 0.1
  done
  echo "$1 did not listen on port $2 within 30 s" >&2; exit 1
}

: > "$work/collector.log"; : > "$work/task-api.log"; : > "$work/app.log"; : > "$work/pids"
DEMO_OTLP_HTTP="127.0.0.1:$http_port" DEMO_OTLP_GRPC="127.0.0.1:$grpc_port" \
DEMO_APP_ORIGIN="$app" DEMO_TRACES_FILE="$work/traces.jsonl" \
  start collector "$work/collector.log" "$collector_bin" --config "$config"
wait_for collector "$http_port"
wait_for collector "$grpc_port"

TASK_API_ADDR="127.0.0.1:$api_port" TASK_API_DB="$work/tasks.db" \
TASK_API_ALLOWED_ORIGINS="$app,http://localhost:$app_port" \
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$grpc_port" \
  start task-api "$work/task-api.log" "$api_bin"
wait_for task-api "$api_port"

start app "$work/app.log" www/node_modules/.bin/vite preview www --outDir "$work/www" \
  --host 127.0.0.1 --port "$app_port" --strictPort < /dev/null  # no keyboard shortcuts: a background job must not read the terminal
wait_for app "$app_port"

cat <<MSG

  the task app   $app/            (add, complete and delete tasks; ?tracing=off runs it untraced)
  the task API   $api/api/tasks
  the collector  $otlp_http   (OTLP/HTTP, CORS for the app)
                 127.0.0.1:$grpc_port             (OTLP/gRPC, from the API)
  spans go to    $exporters
                 file: $work/traces.jsonl (one OTLP/JSON line per request)
  logs           $work/{collector,task-api,app}.log

  Ctrl-C stops everything.

MSG
set +e
wait -n "${pids[@]}"
status=$?
if [ "$stopping" = 0 ]; then
  echo "a service exited ($status); stopping the others" >&2
  stop
  exit 1
fi
