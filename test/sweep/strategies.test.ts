// @module-tag qemu
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/ir/npy.ts';
import type { SweepResult } from '../../src/sweep/types.ts';
import { fixture, harc, tmp } from '../helpers.ts';

// Greedy and random on a small MLP (two Gemm layers at 8, 4, 2 bits), every candidate really
// built and measured: greedy's recorded path must be the descent its own results imply (the least
// validation accuracy lost per weight byte saved at each step), and random must be seeded.

let dir = '';
let env: Record<string, string> = {};
const args = (out: string, extra: string[]): string[] => ['sweep', fixture('mlp'), '--data', join(dir, 'x.npy'), '--labels', join(dir, 'y.npy'), '--calib', join(dir, 'x.npy'), '--jobs', '2', '-o', join(dir, out), ...extra];
const records = (d: string): SweepResult[] => readFileSync(join(dir, d, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SweepResult);

beforeAll(() => {
  dir = tmp('harc-sweep-strategies-');
  env = { HARC_CACHE_DIR: join(dir, 'cache') };
  writeFileSync(join(dir, 'x.npy'), encodeNpy({ shape: [24, 64], dtype: 'float32', data: Float32Array.from({ length: 24 * 64 }, (_, i) => Math.sin(i * 0.37) * 2) }));
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ shape: [24], dtype: 'int64', data: Float64Array.from({ length: 24 }, (_, i) => i % 6) }));
});

describe('harc sweep strategies', () => {
  it('greedy: the path in sweep.json is the descent the measured validation results imply', async () => {
    const r = await harc(args('greedy', ['--strategy', 'greedy']), env);
    expect(r.code, r.stderr).toBe(0);
    const rs = records('greedy');
    const manifest = JSON.parse(readFileSync(join(dir, 'greedy', 'sweep.json'), 'utf8')) as { greedyPath: string[]; layers: string[] };
    const layers = manifest.layers;
    expect(layers).toHaveLength(2);
    expect(rs.slice(0, 3).map((x) => x.uniform)).toEqual([8, 4, 2]);
    const byBits = new Map(rs.map((x) => [layers.map((l) => x.bits[l]).join('/'), x]));
    const byId = new Map(rs.map((x) => [x.id, x]));
    const path = manifest.greedyPath.map((id) => byId.get(id)!);
    expect(path[0]!.uniform).toBe(8);
    expect(path[path.length - 1]!.uniform).toBe(2);
    expect(path).toHaveLength(1 + 2 * 2);
    const ladder = [8, 4, 2];
    for (let s = 0; s + 1 < path.length; s++) {
      const here = path[s]!;
      const options = layers.flatMap((l, li) => {
        const i = ladder.indexOf(here.bits[l]!);
        if (i === ladder.length - 1) return [];
        const bits = layers.map((m, mi) => (mi === li ? ladder[i + 1] : here.bits[m]));
        return [byBits.get(bits.join('/'))!];
      });
      for (const o of options) expect(o, 'every step’s candidates are recorded').toBeDefined();
      const cost = (o: SweepResult): number => (here.val.accuracy - o.val.accuracy) / (here.weightBytes - o.weightBytes);
      const best = options.reduce((b, o) => (cost(o) < cost(b) ? o : b));
      expect(path[s + 1]!.id).toBe(best.id);
      expect(path[s + 1]!.weightBytes).toBeLessThan(here.weightBytes);
    }
  }, 900_000);

  it('random: uniforms first, then --max distinct seeded candidates; the same seed gives the same bytes', async () => {
    const a = await harc(args('random', ['--strategy', 'random', '--max', '5', '--seed', '3']), env);
    expect(a.code, a.stderr).toBe(0);
    const rs = records('random');
    expect(rs.map((x) => x.index)).toEqual([0, 1, 2, 3, 4]);
    expect(rs.slice(0, 3).map((x) => x.uniform)).toEqual([8, 4, 2]);
    expect(new Set(rs.map((x) => JSON.stringify(x.bits))).size).toBe(5);
    const b = await harc(args('random2', ['--strategy', 'random', '--max', '5', '--seed', '3']), env);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('0 built');
    expect(readFileSync(join(dir, 'random2', 'results.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'random', 'results.jsonl'), 'utf8'));
  }, 900_000);
});
