// Bundles each benchmark entry with Vite in production mode, one build per
// entry so that a build's output is exactly what a browser downloads for it.
// `wasmtrace` resolves to the package built by scripts/build-pkg.sh (PKG).
import { build } from "vite";
import { readdirSync, statSync, existsSync, rmSync } from "node:fs";
import { join, resolve, extname } from "node:path";

export const HERE = resolve(new URL(".", import.meta.url).pathname);
export const ROOT = resolve(HERE, "../..");
export const OUT = join(HERE, "../.work/dist");
/** The package measured: run.sh's snapshot of pkg/ (WASMTRACE_PKG), else pkg/ itself. */
export const PKG = process.env.WASMTRACE_PKG ?? join(ROOT, "pkg");

/** Shipped-size rows: the feature set each entry holds. */
export const SIZE_ENTRIES = [
  { entry: "otel-core", sdk: "otel", row: "core", features: "provider, BSP, OTLP exporter, fetch + XHR, X-Ray ids + propagation" },
  { entry: "wasmtrace-core", sdk: "wasmtrace", row: "core", features: "provider, BSP, OTLP exporter, fetch + XHR, X-Ray ids + propagation" },
  { entry: "otel-docload", sdk: "otel", row: "core+docload", features: "core + document load" },
  { entry: "wasmtrace-docload", sdk: "wasmtrace", row: "core+docload", features: "core + document load" },
  { entry: "otel-docload-zone", sdk: "otel", row: "core+docload+zone", features: "core + document load + ZoneContextManager (reference only)" },
];
export const APP_ENTRIES = ["app-otel", "app-wasmtrace"];

/** Builds `name` (size/NAME.js or NAME.js) into OUT/NAME; returns its files. */
export async function buildEntry(name) {
  const input = existsSync(join(HERE, "size", name + ".js")) ? join(HERE, "size", name + ".js") : join(HERE, name + ".js");
  const outDir = join(OUT, name);
  rmSync(outDir, { recursive: true, force: true });
  await build({
    configFile: false,
    root: HERE,
    mode: "production",
    base: "./",
    logLevel: "warn",
    resolve: { alias: { wasmtrace: join(PKG, "index.js") } },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      modulePreload: false,
      reportCompressedSize: false,
      assetsInlineLimit: 0,
      rollupOptions: {
        input,
        // wasmtrace names that do not exist yet are looked up at run time on purpose.
        onwarn(warning, warn) {
          if (warning.code !== "IMPORT_IS_UNDEFINED") warn(warning);
        },
        output: { entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", assetFileNames: "[name]-[hash][extname]" },
      },
    },
  });
  return listFiles(outDir);
}

/** Every JS and wasm file under `dir` (what the browser downloads), with its size. */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if ([".js", ".wasm", ".mjs"].includes(extname(name))) out.push({ path, name: path.slice(dir.length + 1), raw: statSync(path).size });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
