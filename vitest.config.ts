import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Test tiers (README "Tests"): a test file that builds host C carries `// @module-tag c` near its
// top, one that runs QEMU (or a cross build and its emulator) `// @module-tag qemu`; every other
// file is pure TypeScript and in the `unit` tier. The tag is vitest's own file pragma, so the tier
// follows the file: there is no central list to edit. `npm run test:unit|test:c|test:qemu` runs
// one tier (one vitest project), `npm test` all of them.
const TIERS = ['unit', 'c', 'qemu'] as const;
const testFiles = readdirSync(join(import.meta.dirname, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/${f.split('\\').join('/')}`);
/** The same pragma syntax vitest reads (@module-tag NAME after `//` or `*`). */
const tierOf = (file: string): (typeof TIERS)[number] => {
  const tags = [...readFileSync(join(import.meta.dirname, file), 'utf8').matchAll(/(?:\/\/|\*)\s*@module-tag\s+([\w\-/]+)\b/g)].map((m) => m[1]);
  return tags.includes('qemu') ? 'qemu' : tags.includes('c') ? 'c' : 'unit';
};

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    tags: [
      { name: 'c', description: 'builds and runs host C (gcc)' },
      { name: 'qemu', description: 'cross-builds and runs firmware in QEMU' },
    ],
    projects: TIERS.map((tier) => ({
      extends: true,
      test: { name: tier, include: testFiles.filter((f) => tierOf(f) === tier) },
    })),
  },
});
