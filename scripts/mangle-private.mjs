// Shortens the facade's private property names (`_limits`, `_onEnd`, …) in
// the shipped package, the same way in every file, as Preact's build does:
// an app's minifier never renames properties, and these names were 0.3 KB
// brotli of every page. Public names are untouched (none starts with `_`).
//   node scripts/mangle-private.mjs pkg/a.js pkg/b.js …   (rewrites in place)
// Fails, rather than guess, where a private name is used in a way renaming
// cannot follow: a shorthand `{ _x }`, or the name as a string (`o["_x"]`,
// `"_x" in o`).
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "acorn";
import { walk, replaceIdentifiers } from "./ast.mjs";

const PRIVATE = /^_[A-Za-z]\w*$/;
// Kept as written: the benchmark's encode-only figure calls it on a processor.
const KEEP = new Set(["_take"]);

const files = process.argv.slice(2).map((path) => {
  const code = readFileSync(path, "utf8");
  const comments = [];
  const ast = parse(code, { ecmaVersion: "latest", sourceType: "module", onComment: comments });
  return { path, code, ast, comments };
});

/** The identifier a node names as a property, if it names one by a fixed name. */
function propertyName(node) {
  if (node.type === "MemberExpression" && !node.computed && node.property.type === "Identifier") return node.property;
  if (["Property", "MethodDefinition", "PropertyDefinition"].includes(node.type) && !node.computed && node.key.type === "Identifier") return node.key;
  return null;
}

const uses = new Map(); // private name → how often it is used (the most used get the shortest names)
const taken = new Set(); // every other property name: a short name must not be one
const strings = []; // string literals that look like private names
for (const file of files) {
  file.sites = [];
  walk(file.ast, (node) => {
    if (node.type === "Literal" && typeof node.value === "string" && PRIVATE.test(node.value)) strings.push([file.path, node]);
    const id = propertyName(node);
    if (!id) return;
    if (!PRIVATE.test(id.name) || KEEP.has(id.name)) return taken.add(id.name);
    if (node.type === "Property" && node.shorthand) throw new Error(`${file.path}:${node.start}: shorthand { ${id.name} } cannot be renamed`);
    uses.set(id.name, (uses.get(id.name) ?? 0) + 1);
    file.sites.push(id);
  });
}

for (const [path, node] of strings) {
  if (uses.has(node.value)) throw new Error(`${path}:${node.start}: "${node.value}" as a string: a renamed property would not match it`);
}

// The most used names get the shortest replacements, made of the letters
// the code (less its comments) uses most, which compress best beside it.
const count = {};
for (const file of files) {
  let code = file.code;
  for (const c of [...file.comments].reverse()) code = code.slice(0, c.start) + code.slice(c.end);
  for (const c of code.replace(/\b_[A-Za-z]\w*/g, "")) count[c] = (count[c] ?? 0) + 1;
}
const LETTERS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].sort((a, b) => (count[b] ?? 0) - (count[a] ?? 0) || (a < b ? -1 : 1)).join("");
function* shortNames() {
  for (const a of LETTERS) yield a;
  for (const a of LETTERS) for (const b of LETTERS + "0123456789") yield a + b;
}
const names = shortNames();
const rename = new Map();
for (const [name] of [...uses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
  let short;
  do short = names.next().value; while (taken.has(short));
  rename.set(name, short);
}

for (const file of files) writeFileSync(file.path, replaceIdentifiers(file.code, file.sites, rename));
console.log(`mangle-private: ${rename.size} private names shortened in ${files.length} files`);
