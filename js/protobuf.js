// "wasmtrace/protobuf": OTLP/protobuf, as OpenTelemetry JS's
// @opentelemetry/exporter-trace-otlp-proto provides it. Its init loads the
// WebAssembly module built with the protobuf encoder, which pages sending
// OTLP/JSON do not download; everything else comes from "wasmtrace".
import { init as initCore } from "./core.js";
import { OTLPTraceExporter as Exporter } from "./export.js";

/** Loads the module with OTLP/protobuf; use it in place of "wasmtrace"'s init. */
export default function init(source = new URL("wasmtrace_protobuf_bg.wasm", import.meta.url)) {
  return initCore(source);
}

/** The OTLP/HTTP exporter, sending OTLP/protobuf. */
export class OTLPTraceExporter extends Exporter {
  constructor(config = {}) {
    super({ ...config, protocol: "http/protobuf" });
  }
}
