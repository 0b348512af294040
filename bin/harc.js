#!/usr/bin/env node
// harc's executable. Runs the compiled JavaScript in dist/ (built by `npm run build`, the set-up and
// prepack) when it was compiled from exactly the current sources (bin/source-stamp.js); otherwise the
// TypeScript sources through tsx, so an edited checkout never runs a stale build. HARC_TSX=1 forces tsx.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startSession } from './session.js';
import { STAMP_FILE, sourceStamp } from './source-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function distIsCurrent() {
  if (process.env.HARC_TSX === '1') return false;
  let built;
  try {
    built = readFileSync(path.join(root, 'dist', STAMP_FILE), 'utf8').trim();
  } catch {
    return false;
  }
  // A package without sources has nothing dist/ could be stale against.
  if (!existsSync(path.join(root, 'src'))) return true;
  try {
    return sourceStamp(root) === built;
  } catch {
    return false;
  }
}

startSession();
let main;
if (distIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
