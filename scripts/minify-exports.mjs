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

const [js, ...modules] = process.argv.slice(2);
const FEATURES = ["bulk-memory", "mutable-globals", "nontrapping-float-to-int", "sign-ext", "reference-types", "multivalue"].map((f) => `--enable-${f}`);

let rename;
for (const path of modules) {
  const printed = execFileSync("node_modules/.bin/wasm-opt", ["--minify-imports-and-exports", ...FEATURES, path, "-o", path], { encoding: "utf8" });
  const mapping = JSON.stringify(JSON.parse(printed.slice(printed.indexOf("{"))).exports);
  if (rename && mapping !== JSON.stringify([...rename])) throw new Error(`${path}: its exports differ from ${modules[0]}'s, and one wasm.js binds both`);
  rename = new Map(JSON.parse(mapping));
}

const code = readFileSync(js, "utf8");
const sites = [];
(function walk(node, parent) {
  if (node.type === "Identifier" && node.name === "core") {
    const member = parent?.type === "MemberExpression" && parent.object === node;
    // Its declaration, its assignment and load()'s result are the only other uses.
    if (!member && !["VariableDeclarator", "AssignmentExpression", "ReturnStatement"].includes(parent?.type)) {
      throw new Error(`${js}:${node.start}: core used other than as core.<export>`);
    }
    if (member) {
      if (parent.computed || !rename.has(parent.property.name)) throw new Error(`${js}:${parent.start}: core.${parent.property.name ?? "[…]"} is not an export of the modules`);
      sites.push(parent.property);
    }
  }
  for (const key in node) {
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) c && typeof c.type === "string" && walk(c, node);
    else if (child && typeof child.type === "string" && key !== "parent") walk(child, node);
  }
})(parse(code, { ecmaVersion: "latest", sourceType: "module" }), null);

let out = "";
let at = 0;
for (const id of sites.sort((a, b) => a.start - b.start)) {
  out += code.slice(at, id.start) + rename.get(id.name);
  at = id.end;
}
writeFileSync(js, out + code.slice(at));
console.log(`minify-exports: ${rename.size} exports renamed in ${modules.length} modules, ${sites.length} calls in ${js}`);
