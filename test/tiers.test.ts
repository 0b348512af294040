import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The unit tier (untagged files) must stay pure TypeScript. A file that builds or runs C carries
// vitest's `@module-tag` pragma, `c` or `qemu`, in a comment near its top (vitest.config.ts); this
// catches a missing tag. (This file spells the pragma so that it does not tag itself.)
const BUILDS_C = /\b(buildFirmware|runFirmware|runC|runModelBatch|measureModel|describeSubsetAccuracy|hasCompiler)\s*\(|execa\(\s*'(gcc|cc|qemu[\w-]*)'|harc\(\s*\[\s*'(run|measure|check|eval)'/;

describe('test tiers', () => {
  it('every untagged test file is pure TypeScript (no C build, no QEMU run)', () => {
    const root = join(import.meta.dirname);
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(20);
    const untaggedButBuilding = files.filter((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return !new RegExp('(//|\\*)\\s*@' + 'module-tag\\s+(c|qemu)\\b').test(text) && BUILDS_C.test(text);
    });
    expect(untaggedButBuilding, 'add a comment line with the pragma @' + 'module-tag c (host C) or qemu at the top').toEqual([]);
  });
});
