// Compiles src/ to dist/ with the native tsc (TypeScript 7) and stamps dist/ with the fingerprint of
// the sources it came from (bin/source-stamp.js). bin/harc.js runs dist/ only while that stamp
// matches the sources, so an interrupted or failed build, or a later edit, falls back to tsx.
// Run by scripts/setup.sh and `npm pack` (prepack); `npm run build` by hand.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP_FILE, sourceStamp } from '../bin/source-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
// Fingerprint first: a source edited while tsc runs leaves a stamp that no longer matches.
const stamp = sourceStamp(root);
rmSync(dist, { recursive: true, force: true });
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch {
  rmSync(dist, { recursive: true, force: true });
  console.error('build: tsc failed; dist/ removed (harc falls back to tsx)');
  process.exit(1);
}
writeFileSync(path.join(dist, STAMP_FILE), stamp + '\n');
