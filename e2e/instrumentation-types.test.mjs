// The instrumentations' TypeScript types: a set-up written for OpenTelemetry
// JS type-checks with `tsc --noEmit`; a misspelt option does not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

const tsc = join(ROOT, "www/node_modules/typescript/bin/tsc");
const project = join(ROOT, "e2e/fixtures/instrumentation/types");

test("an OpenTelemetry-style instrumentation set-up type-checks", () => {
  const run = spawnSync(process.execPath, [tsc, "--noEmit", "-p", project], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test("a misspelt instrumentation option is a type error", () => {
  const run = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(project, "tsconfig.wrong.json")], { encoding: "utf8" });
  assert.notEqual(run.status, 0, "wrong.ts must not compile");
  assert.match(run.stdout, /propagateTraceHeaderCorUrls/, run.stdout);
});
