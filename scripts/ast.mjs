// What the package's build-time renamers share (mangle-private.mjs,
// minify-exports.mjs): a walk over acorn's syntax tree, and writing the
// source back with identifiers replaced.

/** Calls `visit(node, parent)` for `node` and every node under it. */
export function walk(node, visit, parent = null) {
  visit(node, parent);
  for (const key in node) {
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) c && typeof c.type === "string" && walk(c, visit, node);
    else if (child && typeof child.type === "string") walk(child, visit, node);
  }
}

/** `code` with each identifier node in `sites` replaced by `rename.get(its name)`. */
export function replaceIdentifiers(code, sites, rename) {
  let out = "";
  let at = 0;
  for (const id of [...sites].sort((a, b) => a.start - b.start)) {
    out += code.slice(at, id.start) + rename.get(id.name);
    at = id.end;
  }
  return out + code.slice(at);
}
