// scripts/mangle-private.mjs, which shortens the package's private property
// names at build time: the same name becomes the same short name in every
// file, public names and other properties are left alone, and a use it
// cannot follow stops the build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT } from "./harness.mjs";

function mangle(sources) {
  const dir = mkdtempSync(join(tmpdir(), "mangle-"));
  const paths = Object.entries(sources).map(([name, code]) => {
    writeFileSync(join(dir, name), code);
    return join(dir, name);
  });
  const run = spawnSync(process.execPath, [join(ROOT, "scripts/mangle-private.mjs"), ...paths], { encoding: "utf8" });
  return { run, out: Object.fromEntries(paths.map((p, i) => [Object.keys(sources)[i], readFileSync(p, "utf8")])) };
}

test("private names become one short name across files; public ones and _take stay", async () => {
  const { run, out } = mangle({
    "a.mjs": "export class A { constructor() { this._count = 1; this.a = 2; this.name = 'x'; } _bump() { return ++this._count; } _take() { return this._count; } }\n",
    "b.mjs": "import { A } from './a.mjs';\nexport const read = (x) => [x._count, x?._bump(), x.a, x._take(), x.name, '_OTHER'];\n",
  });
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(out["a.mjs"] + out["b.mjs"], /_count|_bump/);
  assert.match(out["b.mjs"], /x\._take\(\)/);
  assert.match(out["b.mjs"], /'_OTHER'/);
  const { A } = await import("data:text/javascript," + encodeURIComponent(out["a.mjs"]));
  const a = new A();
  assert.deepEqual([a._bump === undefined, a.a, a.name, a._take()], [true, 2, "x", 1]);
  // The short names never take a property name the code already uses.
  const short = Object.keys(a).filter((k) => k !== "a" && k !== "name");
  assert.equal(short.length, 1);
  assert.equal(a[short[0]], 1, "the renamed field holds _count's value");
});

test("a shorthand or a string naming a private property stops the build", () => {
  const shorthand = mangle({ "a.mjs": "const _x = 1; export const o = { _x }; export const y = o._x;\n" });
  assert.notEqual(shorthand.run.status, 0);
  assert.match(shorthand.run.stderr, /shorthand/);
  const string = mangle({ "a.mjs": "export const has = (o) => '_secret' in o && o._secret;\n" });
  assert.notEqual(string.run.status, 0);
  assert.match(string.run.stderr, /as a string/);
});
