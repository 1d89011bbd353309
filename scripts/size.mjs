// Prints what the SDK costs a visitor: a production Vite bundle of an app
// that sets up the usual feature set, every byte the browser downloads (JS
// and wasm), raw, gzip -9 and brotli -q 11. Exits non-zero when brotli
// passes the budget, so CI catches growth.
//   node scripts/size.mjs [--json]
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, symlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { pathToFileURL } from "node:url";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
// The target: 20 KB for the SDK with every instrumentation. Mind
// that brotli moves by up to ~50 B when only the wasm file's hash in the
// bundle changes.
const BUDGET_BROTLI = Number(process.env.WASMTRACE_SIZE_BUDGET ?? 20 * 1024);

// Named imports, as an app writes them, so the bundler drops what is unused.
const ENTRY = `
import init, { WebTracerProvider, BatchSpanProcessor, OTLPTraceExporter, resourceFromAttributes, AWSXRayIdGenerator,
  AWSXRayPropagator, CompositePropagator, W3CTraceContextPropagator, registerInstrumentations, FetchInstrumentation,
  XMLHttpRequestInstrumentation, DocumentLoadInstrumentation, UserInteractionInstrumentation } from "wasmtrace";
await init();
const provider = new WebTracerProvider({
  resource: resourceFromAttributes({ "service.name": "size" }),
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: "/v1/traces" }))],
});
provider.register({ propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()] }) });
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new FetchInstrumentation(), new XMLHttpRequestInstrumentation(), new DocumentLoadInstrumentation(), new UserInteractionInstrumentation()],
});
provider.getTracer("size").startSpan("x").end();
`;

const dir = mkdtempSync(join(tmpdir(), "wasmtrace-size-"));
writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/main.js"></script>');
writeFileSync(join(dir, "main.js"), ENTRY);
mkdirSync(join(dir, "node_modules"));
symlinkSync(join(ROOT, "pkg"), join(dir, "node_modules/wasmtrace"), "dir");
const { build } = await import(pathToFileURL(join(ROOT, "www/node_modules/vite/dist/node/index.js")).href);
// Without Vite's module-preload polyfill, which is the app's, not the SDK's
// (the benchmark's bundles leave it out for both SDKs too).
await build({ root: dir, logLevel: "error", build: { outDir: join(dir, "dist"), target: "es2022", modulePreload: false } });

const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const files = readdirSync(join(dir, "dist/assets")).map((name) => ({ name, bytes: readFileSync(join(dir, "dist/assets", name)) }));
const row = { raw: 0, gzip: 0, brotli: 0, files: {} };
for (const { name, bytes } of files) {
  const sizes = {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotli(bytes),
  };
  row.files[name.replace(/-[\w-]{8}\./, ".")] = sizes;
  row.raw += sizes.raw;
  row.gzip += sizes.gzip;
  row.brotli += sizes.brotli;
}
// What a page using "wasmtrace/protobuf" downloads instead of the module above.
row.protobufModuleBrotli = brotli(readFileSync(join(ROOT, "pkg/wasmtrace_protobuf_bg.wasm")));
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(row));
} else {
  for (const [name, s] of Object.entries(row.files)) console.log(`${name.padEnd(28)} raw ${String(s.raw).padStart(7)}  gzip ${String(s.gzip).padStart(6)}  brotli ${String(s.brotli).padStart(6)}`);
  console.log(`${"total".padEnd(28)} raw ${String(row.raw).padStart(7)}  gzip ${String(row.gzip).padStart(6)}  brotli ${String(row.brotli).padStart(6)}  (budget ${BUDGET_BROTLI}, target 20480)`);
  console.log(`(with OTLP/protobuf, wasmtrace/protobuf's module instead: brotli ${row.protobufModuleBrotli})`);
}
if (row.brotli > BUDGET_BROTLI) {
  console.error(`size: ${row.brotli} bytes brotli is over the budget of ${BUDGET_BROTLI}`);
  process.exit(1);
}
