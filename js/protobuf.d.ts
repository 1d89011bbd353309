// "wasmtrace/protobuf": OTLP/protobuf. Call this module's init in place of
// "wasmtrace"'s; every other export comes from "wasmtrace".
import type { OTLPExporterConfig, OTLPTraceExporter as JsonExporter } from "./index.js";

/** Loads the WebAssembly module with the OTLP/protobuf encoder (wasmtrace_protobuf_bg.wasm by default). */
export default function init(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<unknown>;

/** The OTLP/HTTP exporter, sending OTLP/protobuf (`protocol` is always "http/protobuf"). */
export declare class OTLPTraceExporter extends JsonExporter {
  constructor(config?: Omit<OTLPExporterConfig, "protocol">);
}
