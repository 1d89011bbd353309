// pkg/ is a real npm package: `npm pack` makes a tarball with every file the
// code imports, and an app that installs that tarball (not the folder) builds
// with Vite, no plugin, shipping the wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, cpSync, readFileSync, writeFileSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("the packed tarball installs into a Vite app and bundles without plugins", () => {
  const dir = mkdtempSync(join(tmpdir(), "wasmtrace-pack-"));
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], join(ROOT, "pkg")))[0];
  const files = packed.files.map((f) => f.path).sort();
  for (const needed of ["index.js", "index.d.ts", "wasm.js", "wasmtrace_core_bg.wasm", "protobuf.js", "protobuf.d.ts", "wasmtrace_protobuf_bg.wasm", "package.json"]) {
    assert.ok(files.includes(needed), `${needed} missing from the tarball: ${files}`);
  }

  const app = join(dir, "app");
  cpSync(join(ROOT, "e2e/fixtures/plain-vite-app"), app, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
  manifest.dependencies = { wasmtrace: `file:${join(dir, packed.filename)}` };
  writeFileSync(join(app, "package.json"), JSON.stringify(manifest, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--offline", "--install-links"], app);
  // Vite itself comes from the demo app's install, so this test needs no download.
  symlinkSync(join(ROOT, "www/node_modules/vite"), join(app, "node_modules/vite"), "dir");
  run("node", [join(app, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "error"], app);

  const assets = readdirSync(join(app, "dist/assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `no wasm in the bundle: ${assets}`);
  const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(app, "dist/assets", f), "utf8")).join("");
  assert.match(js, /WebTracerProvider|resourceSpans|wasmtrace/, "the SDK is in the bundle");
});
