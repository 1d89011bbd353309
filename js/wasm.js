// The WebAssembly core's loader and bindings, by hand: the module exports
// plain functions (src/api), so strings go in through its input buffer as
// UTF-8 and come back through its output buffer, by length.
let core;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Instantiates the module from a URL, path, Request, Response, bytes or a
 * compiled module (the file next to this one by default). No imports: the
 * core asks the browser for nothing.
 */
export default async function load(source = new URL("wasmtrace_core_bg.wasm", import.meta.url)) {
  if (typeof source === "string" || source instanceof URL || source instanceof Request) source = fetch(source);
  source = await source;
  let instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, {});
  } else if (source instanceof Response) {
    if (!source.ok) throw new Error(`wasmtrace: could not fetch the WebAssembly core (${source.status} ${source.url})`);
    // Streaming compiles as it downloads, but needs the application/wasm type.
    const fallback = source.clone();
    try {
      ({ instance } = await WebAssembly.instantiateStreaming(source, {}));
    } catch {
      ({ instance } = await WebAssembly.instantiate(await fallback.arrayBuffer(), {}));
    }
  } else {
    ({ instance } = await WebAssembly.instantiate(source, {}));
  }
  core = instance.exports;
  return core;
}

/** Writes the strings into the input buffer; returns their UTF-8 lengths. */
function put(...strings) {
  let room = 0;
  for (const s of strings) room += s.length * 3;
  const at = core.input_buffer(room); // first: it may grow memory
  const view = new Uint8Array(core.memory.buffer, at, room);
  let used = 0;
  return strings.map((s) => {
    const written = encoder.encodeInto(s, view.subarray(used)).written;
    used += written;
    return written;
  });
}

function output(length) {
  const at = core.output_ptr();
  return new Uint8Array(core.memory.buffer, at, length);
}
/** The string a call left in the output buffer, or undefined for -1. */
const text = (length) => (length < 0 ? undefined : decoder.decode(output(length)));

export const set_time_origin = (ms) => core.set_time_origin(ms);
/** Copies bytes into the input buffer; returns their length. */
function putBytes(bytes) {
  const at = core.input_buffer(bytes.length); // first: it may grow memory
  new Uint8Array(core.memory.buffer, at, bytes.length).set(bytes);
  return bytes.length;
}

export function provider_new(resource) {
  const id = core.provider_new(putBytes(resource));
  if (id < 0) throw new Error("wasmtrace: the resource's attributes could not be read");
  return id;
}
export const scope_new = (provider, name, version) => core.scope_new(provider, ...put(name, version));
export const input_buffer = (capacity) => core.input_buffer(capacity);
export const memory_buffer = () => core.memory.buffer;
/** The request body the batch became (a copy: linear memory is reused), or undefined. */
export function encode_batch(provider, protobuf, count, length, room) {
  const size = core.encode_batch(provider, protobuf, count, length, room);
  return size < 0 ? undefined : output(size).slice();
}
export const protobuf_supported = () => core.protobuf_supported() === 1;
export const last_batch_spans = () => core.last_batch_spans();
export const last_batch_invalid = () => core.last_batch_invalid();
export const xray_parse = (header) => text(core.xray_parse(...put(header)));
