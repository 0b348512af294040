// @module-tag qemu
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmp } from '../helpers.ts';
import { CASES, errorsMarkdown, prepareWorkspace, repo, runCase, snapshot, type CaseResult } from './bad-input-cases.ts';

// Every bad-input case of docs/errors.md: the exit code, one line naming the problem, no stack
// trace, and not one file of the user's changed (nor a temp file left). Each case has its own copy
// of the workspace, so cases run two at a time without seeing each other's files.

describe('bad input: exit code, one line, no file touched', () => {
  const results: CaseResult[] = [];

  describe.concurrent('cases', () => {
    it.each(CASES.map((c, i) => [i, c.what] as const))('%i: %s', async (i) => {
      const c = CASES[i]!;
      const dir = tmp('harc-bad-input-');
      prepareWorkspace(dir);
      const before = snapshot(dir);
      const r = await runCase(c, dir);
      results[i] = r;
      expect(r.code, r.stderr).toBe(c.exit);
      expect(r.firstLine).toContain(c.says);
      if (c.exit !== 0) {
        expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
        expect(r.firstLine).toMatch(/^harc: error: /);
      }
      expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
      for (const w of c.writes ?? []) expect(existsSync(join(dir, w)), w).toBe(true);
      expect(snapshot(dir, c.writes ?? [])).toEqual(before);
    });
  });

  it('docs/errors.md is the table of these cases (npm run docs:errors)', () => {
    expect(results.filter(Boolean)).toHaveLength(CASES.length);
    // the linker's overflow count follows the toolchain's code size: the row may keep an older count
    const stable = (md: string) => md.replace(/overflowed by [\d,]+ bytes/g, 'overflowed by N bytes');
    const committed = readFileSync(join(repo, 'docs', 'errors.md'), 'utf8');
    expect(stable(committed)).toBe(stable(errorsMarkdown(CASES.map((c, i) => ({ c, r: results[i]! })))));
  });
});
