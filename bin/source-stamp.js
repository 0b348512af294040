// The fingerprint that ties dist/ to the sources it was compiled from: a SHA-256 over the path and
// content of every file under src/ and templates/ (precompiled into dist/) plus the tsconfig files. bin/harc.js recomputes it on every start
// (about 5 ms for the whole tree) and runs dist/ only when it matches, so a stale build never runs.
// Content, not mtimes: a checkout, copy or touch cannot make a stale dist look fresh.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const STAMP_FILE = '.source-stamp';
const EXTRA_FILES = ['tsconfig.json', 'tsconfig.build.json'];

function listFiles(dir, rel, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) listFiles(path.join(dir, e.name), r, out);
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/** Hex fingerprint of the compiled sources of the package rooted at root. */
export function sourceStamp(root) {
  const h = createHash('sha256');
  const files = [...listFiles(path.join(root, 'src'), 'src', []), ...listFiles(path.join(root, 'templates'), 'templates', []), ...EXTRA_FILES].sort();
  for (const f of files) {
    const data = readFileSync(path.join(root, f));
    h.update(`${f}\0${data.length}\0`);
    h.update(data);
  }
  return h.digest('hex');
}
