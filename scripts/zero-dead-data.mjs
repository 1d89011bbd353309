// Zeroes the one static the shipped module carries but never reads: core::fmt's
// table of two-digit pairs ("000102…99"). `alloc`'s out-of-memory message
// formats a number, so the linker keeps the table; wasm-opt then removes the
// formatting code, because our panic handler traps without reading the
// message, but it cannot tell that part of a data segment is dead (0.11 KB
// brotli). The table is zeroed only when nothing can reach it: no constant
// in the code, no load or store offset and no pointer in the data falls
// inside it; otherwise the module is left as it is and this says why.
//   node scripts/zero-dead-data.mjs pkg/a.wasm …   (rewrites in place)
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const TABLE = Buffer.from(Array.from({ length: 100 }, (_, n) => String(n).padStart(2, "0")).join(""), "latin1");

/** The data segments' bytes by address, from the text form's `(data … (i32.const A) "…")`. */
function segments(text) {
  const found = [];
  for (const [, address, body] of text.matchAll(/\(data \$\S+ \(i32\.const (\d+)\) "((?:[^"\\]|\\.)*)"\)/g)) {
    const bytes = [];
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== "\\") bytes.push(body.charCodeAt(i));
      else if (/[0-9a-f]{2}/i.test(body.slice(i + 1, i + 3))) bytes.push(parseInt(body.slice(i + 1, (i += 2) + 1), 16));
      else bytes.push({ t: 9, n: 10, r: 13 }[body[++i]] ?? body.charCodeAt(i));
    }
    found.push({ address: Number(address), bytes: Buffer.from(bytes) });
  }
  return found;
}

for (const path of process.argv.slice(2)) {
  const binary = readFileSync(path);
  const text = execFileSync("node_modules/.bin/wasm-dis", [path], { encoding: "utf8", maxBuffer: 64 << 20 });
  const data = segments(text);
  const holders = data.filter((s) => s.bytes.indexOf(TABLE) >= 0);
  const inBinary = binary.indexOf(TABLE);
  if (holders.length !== 1 || inBinary < 0 || binary.indexOf(TABLE, inBinary + 1) >= 0) {
    console.log(`zero-dead-data: ${path}: no single digit table to zero; left as it is`);
    continue;
  }
  const start = holders[0].address + holders[0].bytes.indexOf(TABLE);
  const end = start + TABLE.length;
  const inside = (n) => n >= start && n < end;
  const codeRefs = [...text.matchAll(/(?:i32\.const |offset=)(\d+)/g)].map((m) => Number(m[1])).filter(inside);
  const dataRefs = data.flatMap((s) => Array.from({ length: Math.max(0, s.bytes.length - 3) }, (_, i) => s.bytes.readUInt32LE(i))).filter(inside);
  if (codeRefs.length || dataRefs.length) {
    console.log(`zero-dead-data: ${path}: the digit table at ${start} is referenced (${[...codeRefs, ...dataRefs].join(", ")}); left as it is`);
    continue;
  }
  // Zeros in place: they compress to nearly nothing, and splitting the
  // segment around them (wasm-opt --memory-packing) came out larger.
  binary.fill(0, inBinary, inBinary + TABLE.length);
  writeFileSync(path, binary);
  console.log(`zero-dead-data: ${path}: the digit table at ${start}..${end} was unreferenced, zeroed`);
}
