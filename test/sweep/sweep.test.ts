// @module-tag qemu
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, readNpy } from '../../src/ir/npy.ts';
import type { ParetoFile, SweepResult } from '../../src/sweep/types.ts';
import { harc, repo, tmp } from '../helpers.ts';

// A real sweep of har-cnn: its 3 Conv layers at 8 and 4 bits (8 candidates), validation on 32 zoo
// windows and test on 32 others, each candidate built for the host (accuracy) and for the
// Cortex-M4 in QEMU (flash, SRAM, cycles). Shards run concurrently must merge into the single
// run's bytes; a repeat is served from the cache; pick's bits file compiles to the same firmware.

const model = join(repo, 'zoo', 'models', 'har-cnn.onnx');
const calib = join(repo, 'zoo', 'data', 'calib_X.npy');
let dir = '';
let env: Record<string, string> = {};
const sweepArgs = (out: string, extra: string[] = []): string[] => [
  'sweep', model, '--data', join(dir, 'test_X.npy'), '--labels', join(dir, 'test_y.npy'), '--val', join(dir, 'val_X.npy'), '--val-labels', join(dir, 'val_y.npy'),
  '--calib', calib, '--target', 'cortex-m4', '--layers', '*Conv', '--bits', '8,4', '-o', join(dir, out), ...extra,
];
const file = (d: string, f: string): string => readFileSync(join(dir, d, f), 'utf8');
const records = (d: string): SweepResult[] => file(d, 'results.jsonl').trim().split('\n').map((l) => JSON.parse(l) as SweepResult);

beforeAll(() => {
  dir = tmp('harc-sweep-');
  env = { HARC_CACHE_DIR: join(dir, 'cache') };
  const x = readNpy(join(repo, 'zoo', 'data', 'test_X.npy'));
  const y = readNpy(join(repo, 'zoo', 'data', 'test_y.npy'));
  const per = x.data.length / x.shape[0]!;
  const part = (from: number, n: number, name: string): void => {
    writeFileSync(join(dir, `${name}_X.npy`), encodeNpy({ shape: [n, ...x.shape.slice(1)], dtype: 'float32', data: (x.data as Float32Array).slice(from * per, (from + n) * per) }));
    writeFileSync(join(dir, `${name}_y.npy`), encodeNpy({ shape: [n], dtype: y.dtype, data: (y.data as Uint8Array).slice(from, from + n) }));
  };
  part(0, 32, 'val');
  part(32, 32, 'test');
});

describe('harc sweep on har-cnn (3 layers × {8, 4} bits)', () => {
  it('measures every candidate; pareto.json is the brute-force front of results.jsonl', async () => {
    const r = await harc([...sweepArgs('single'), '--jobs', '2'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('8 candidates, 8 built, 0 from the cache');
    const rs = records('single');
    expect(rs.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(rs.slice(0, 2).map((x) => x.uniform)).toEqual([8, 4]);
    expect(new Set(rs.map((x) => JSON.stringify(x.bits))).size).toBe(8);
    for (const x of rs) {
      expect(x.val.n).toBe(32);
      expect(x.test?.n).toBe(32);
      expect(x.cycles).toBeGreaterThan(x.instructions);
      expect(x.flash).toBeGreaterThan(x.weightBytes);
      expect(x).not.toHaveProperty('compileMs');
    }
    // 4-bit weights are smaller: all-4 stores fewer weight bytes than all-8
    expect(rs[1]!.weightBytes).toBeLessThan(0.7 * rs[0]!.weightBytes);
    const pareto = JSON.parse(file('single', 'pareto.json')) as ParetoFile;
    const beats = (o: SweepResult, c: SweepResult): boolean =>
      o.val.accuracy >= c.val.accuracy && o.flash <= c.flash && o.sram <= c.sram && o.cycles <= c.cycles && (o.val.accuracy > c.val.accuracy || o.flash < c.flash || o.sram < c.sram || o.cycles < c.cycles);
    expect(pareto.front).toEqual(rs.filter((c) => !rs.some((o) => beats(o, c))).map((c) => c.id));
    expect(pareto.candidates).toBe(8);
    expect(file('single', 'timings.jsonl').trim().split('\n')).toHaveLength(8);
  }, 900_000);

  it('three shards run concurrently and merged give the single run’s bytes', async () => {
    // the shards measure again (no result cache) so that the merge is checked against fresh figures
    const shards = await Promise.all([1, 2, 3].map((k) => harc([...sweepArgs(`shard${k}`), '--shard', `${k}/3`, '--jobs', '1'], { ...env, HARC_SWEEP_CACHE: '0' })));
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    expect(records('shard1').map((x) => x.index)).toEqual([0, 3, 6]);
    const m = await harc(['sweep', 'merge', join(dir, 'shard1'), join(dir, 'shard2'), join(dir, 'shard3'), '-o', join(dir, 'merged')], env);
    expect(m.code, m.stderr).toBe(0);
    for (const f of ['results.jsonl', 'pareto.json', 'sweep.json', 'report.html']) expect(file('merged', f), f).toBe(file('single', f));
  }, 900_000);

  it('a second run is served from the cache: no builds, the same bytes', async () => {
    const r = await harc(sweepArgs('again'), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('8 candidates, 0 built, 8 from the cache');
    expect(file('again', 'results.jsonl')).toBe(file('single', 'results.jsonl'));
  }, 300_000);

  it('pick writes the best candidate within budget as a --bits file that harc measure builds to the same firmware', async () => {
    const rs = records('single');
    const budget = Math.max(...rs.map((x) => x.flash)) - 1;
    const p = await harc(['sweep', 'pick', join(dir, 'single'), '--max-flash', String(budget), '-o', join(dir, 'bits.json')], env);
    expect(p.code, p.stderr).toBe(0);
    const fits = rs.filter((x) => x.flash <= budget);
    const best = fits.reduce((a, b) => (b.val.accuracy > a.val.accuracy ? b : a));
    const bits = JSON.parse(readFileSync(join(dir, 'bits.json'), 'utf8')) as Record<string, number>;
    const picked = rs.find((x) => JSON.stringify(x.bits) === JSON.stringify(bits))!;
    expect(picked.flash).toBeLessThanOrEqual(budget);
    expect(picked.val.accuracy).toBe(best.val.accuracy);
    const m = await harc(['measure', model, '--target', 'cortex-m4', '--calib', calib, '--bits', join(dir, 'bits.json'), '--json'], env);
    expect(m.code, m.stderr).toBe(0);
    const measured = JSON.parse(m.stdout) as { flash: { total: number; weights: number }; sram: { total: number }; instructions: number; cyclesEstimate: number };
    expect([measured.flash.total, measured.flash.weights, measured.sram.total, measured.instructions, measured.cyclesEstimate]).toEqual([picked.flash, picked.weightBytes, picked.sram, picked.instructions, picked.cycles]);
    const none = await harc(['sweep', 'pick', join(dir, 'single'), '--max-flash', '1KiB', '-o', join(dir, 'none.json')], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no candidate');
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  }, 300_000);
});
