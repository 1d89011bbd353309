#!/usr/bin/env bash
# Builds the npm package `wasmtrace` into pkg/: the WebAssembly core
# (size-optimized, plain exports), and the JavaScript facade with its loader and types.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
rm -rf pkg && mkdir -p pkg
# Plain exports that js/wasm.js binds by hand: no wasm-bindgen glue to ship.
# Two modules: OTLP/JSON only (what `init` from "wasmtrace" loads), and with
# OTLP/protobuf too (what "wasmtrace/protobuf" loads).
# The features rustc enables by default for wasm32; wasm-opt must accept them
# (minify-exports.mjs runs wasm-opt again with the same).
export WASM_OPT_FEATURES="--enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue"
build_module() { # <cargo features> <output file>
  cargo build -p wasmtrace --lib --target wasm32-unknown-unknown --profile wasm \
    --no-default-features --features "$1"
  # Rust's stack is the first 1 MiB, growing down toward 0, so the low 1 KiB
  # is reached only by a stack about to overflow, and wasm-opt may fold
  # addresses into load offsets; re-deriving the control flow
  # (flatten, rereloop) before -Oz makes the module 0.3 KB smaller brotli, at
  # the same encoding speed (measured A/B in the benchmark page).
  node_modules/.bin/wasm-opt --low-memory-unused --flatten --rereloop -Oz -Oz --strip-debug --strip-producers --strip-target-features \
    $WASM_OPT_FEATURES target/wasm32-unknown-unknown/wasm/wasmtrace.wasm -o "pkg/$2"
  node scripts/zero-dead-data.mjs "pkg/$2"
}
build_module standalone,protobuf wasmtrace_protobuf_bg.wasm
build_module standalone wasmtrace_core_bg.wasm
cp js/*.js js/*.d.ts pkg/
node scripts/mangle-private.mjs pkg/*.js
node scripts/minify-exports.mjs pkg/wasm.js pkg/wasmtrace_core_bg.wasm pkg/wasmtrace_protobuf_bg.wasm
cp README.md pkg/ 2>/dev/null || true
cat > pkg/package.json <<JSON
{
  "name": "wasmtrace",
  "version": "$version",
  "description": "OpenTelemetry-compatible browser tracing in Rust/WebAssembly: WebTracerProvider, X-Ray ids, OTLP export",
  "license": "Apache-2.0",
  "type": "module",
  "main": "./index.js",
  "module": "./index.js",
  "types": "./index.d.ts",
  "exports": {
    ".": { "types": "./index.d.ts", "default": "./index.js" },
    "./protobuf": { "types": "./protobuf.d.ts", "default": "./protobuf.js" },
    "./wasmtrace_core_bg.wasm": "./wasmtrace_core_bg.wasm",
    "./wasmtrace_protobuf_bg.wasm": "./wasmtrace_protobuf_bg.wasm"
  },
  "files": ["*.js", "*.d.ts", "*.wasm", "README.md"],
  "sideEffects": false
}
JSON
echo "pkg/ built: $(wc -c < pkg/wasmtrace_core_bg.wasm) bytes of wasm ($(wc -c < pkg/wasmtrace_protobuf_bg.wasm) with protobuf)"
