// Gives the WebAssembly modules' exports one-letter names, and the facade's
// calls to them (`core.encode_batch` in wasm.js) the same: the names are
// internal, and were ~0.2 KB brotli of every page, in the module's export
// section and again in the JavaScript. Every module must come out with the
// same names, since one wasm.js binds them all.
//   node scripts/minify-exports.mjs pkg/wasm.js pkg/a.wasm pkg/b.wasm …   (rewrites in place)
// Fails, rather than guess, where wasm.js uses `core` other than as
// `core.<export>`.
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { parse } from "acorn";
import { walk, replaceIdentifiers } from "./ast.mjs";

const [js, ...modules] = process.argv.slice(2);
// The wasm features build-pkg.sh enables, which wasm-opt must accept again.
const FEATURES = (process.env.WASM_OPT_FEATURES ?? "").split(" ").filter(Boolean);

let rename;
for (const path of modules) {
  const printed = execFileSync("node_modules/.bin/wasm-opt", ["--minify-imports-and-exports", ...FEATURES, path, "-o", path], { encoding: "utf8" });
  const mapping = JSON.stringify(JSON.parse(printed.slice(printed.indexOf("{"))).exports);
  if (rename && mapping !== JSON.stringify([...rename])) throw new Error(`${path}: its exports differ from ${modules[0]}'s, and one wasm.js binds both`);
  rename = new Map(JSON.parse(mapping));
}

const code = readFileSync(js, "utf8");
const sites = [];
walk(parse(code, { ecmaVersion: "latest", sourceType: "module" }), (node, parent) => {
  if (node.type !== "Identifier" || node.name !== "core") return;
  const member = parent?.type === "MemberExpression" && parent.object === node;
  // Its declaration, its assignment and load()'s result are the only other uses.
  if (!member && !["VariableDeclarator", "AssignmentExpression", "ReturnStatement"].includes(parent?.type)) {
    throw new Error(`${js}:${node.start}: core used other than as core.<export>`);
  }
  if (member) {
    if (parent.computed || !rename.has(parent.property.name)) throw new Error(`${js}:${parent.start}: core.${parent.property.name ?? "[…]"} is not an export of the modules`);
    sites.push(parent.property);
  }
});

writeFileSync(js, replaceIdentifiers(code, sites, rename));
console.log(`minify-exports: ${rename.size} exports renamed in ${modules.length} modules, ${sites.length} calls in ${js}`);
