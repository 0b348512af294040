import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, judge, treeDigest } from '../../scripts/fuzz.ts';
import { mutateOnnx, rng } from '../../scripts/fuzz/mutate.ts';
import { fixture, tmp } from '../helpers.ts';

// A seeded batch of the fuzzer (npm run fuzz): mutated fixtures and zoo models through harc inspect and
// harc compile must end with exit 0–3, one clean message, and whole or no output.

describe('fuzz', () => {
  it('a seeded batch of 150 mutants finds no failure', async () => {
    const save = tmp('harc-fuzz-save-');
    const s = await fuzz({ n: 150, seed: 3, jobs: 2, save, timeoutMs: 30_000 });
    expect(s.failures.map((f) => `${f.source} [${f.what}] ${f.argv[0]}: ${f.reason} (${f.saved})`)).toEqual([]);
    expect(s.runs).toBe(300);
    expect(s.overEarlierOutput).toBeGreaterThan(50);
    // the batch exercises both outcomes: mutants harc accepts and mutants it refuses
    expect(s.exitCodes['0'] ?? 0).toBeGreaterThan(10);
    expect(s.exitCodes['2'] ?? 0).toBeGreaterThan(100);
    expect(s.seconds).toBeLessThan(60);
    rmSync(save, { recursive: true, force: true });
  }, 120_000);

  it('mutants are the same for the same seed', () => {
    const src = new Uint8Array(readFileSync(fixture('mlp')));
    const a = Array.from({ length: 5 }, ((r) => () => mutateOnnx(r, src).what)(rng(9)));
    const b = Array.from({ length: 5 }, ((r) => () => mutateOnnx(r, src).what)(rng(9)));
    expect(a).toEqual(b);
  });

  it('the judge flags exit 70, stack traces, internal errors, hangs and half-written output', () => {
    const work = tmp('harc-fuzz-judge-');
    const model = join(work, 'model.onnx');
    writeFileSync(model, 'x');
    writeFileSync(join(work, 'keep.txt'), 'user file\n');
    const hash = createHash('sha256').update('x').digest('hex');
    const out = join(work, 'out');
    const r = (code: number, stderr = 'harc: error: bad') => ({ id: 1, code, stdout: '', stderr });
    expect(judge('inspect', r(2), work, out, model, hash, 30_000)).toBeUndefined();
    expect(judge('inspect', r(70), work, out, model, hash, 30_000)).toBe('exit 70');
    expect(judge('inspect', r(2, 'harc: error: x\n    at foo (/a/b.ts:1:2)'), work, out, model, hash, 30_000)).toMatch(/stack trace/);
    expect(judge('inspect', r(1, 'harc: internal error: boom'), work, out, model, hash, 30_000)).toMatch(/internal error/);
    expect(judge('inspect', { hung: true }, work, out, model, hash, 30_000)).toMatch(/hang/);
    mkdirSync(out);
    writeFileSync(join(out, 'model.h'), '#ifndef HARC_M_H\n');
    expect(judge('compile', r(2), work, out, model, hash, 30_000)).toMatch(/output directory exists/);
    expect(judge('compile', r(0, ''), work, out, model, hash, 30_000)).toMatch(/missing or empty|incomplete/);
    // a failed compile over an earlier output must leave it as it was
    const before = treeDigest(out);
    expect(judge('compile', r(2), work, out, model, hash, 30_000, before)).toBeUndefined();
    writeFileSync(join(out, 'model.h'), '');
    expect(judge('compile', r(2), work, out, model, hash, 30_000, before)).toMatch(/previous output in -o was changed/);
    writeFileSync(model, 'changed');
    expect(judge('inspect', r(2), work, out, model, hash, 30_000)).toMatch(/input model was changed/);
    rmSync(work, { recursive: true, force: true });
  });
});
