import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calibrateCached, calibrationCacheDir, calibrationKey, readCachedTable, writeCachedTable } from '../../src/backends/calibration-cache.ts';
import { compileGraph } from '../../src/backends/compile.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Value } from '../../src/ir/types.ts';
import { calibrate, splitSamples, type CalibrationTable } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { rand } from '../graph-builder.ts';

const repo = path.join(import.meta.dirname, '..', '..');
const model = path.join(repo, 'test', 'fixtures', 'onnx', 'conv_bilstm.onnx');
const graph = optimize(loadModel(model));
const shape = graph.tensors[graph.inputs[0]!]!.shape;
const data = (seed: number, n = 4): Value => ({ shape: [n, ...shape], dtype: 'float32', data: Float32Array.from(rand(n * numel(shape), seed), (v) => 2 * v) });
const exact = (t: CalibrationTable): string => JSON.stringify(t, (_k, v) => (typeof v === 'number' ? Buffer.from(new Float64Array([v]).buffer).toString('hex') : v));

const saved = process.env.HARC_CACHE_DIR;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'harc-calib-cache-'));
  process.env.HARC_CACHE_DIR = dir;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => {
  if (saved === undefined) delete process.env.HARC_CACHE_DIR;
  else process.env.HARC_CACHE_DIR = saved;
});

const entry = (): string => {
  const files = readdirSync(calibrationCacheDir());
  expect(files).toHaveLength(1);
  return path.join(calibrationCacheDir(), files[0]!);
};

describe('calibration cache', () => {
  it('answers the second request from the cache with the same table, bit for bit', () => {
    const x = data(1);
    const first = calibrateCached(graph, x, splitSamples(graph, x), { method: 'percentile' });
    const second = calibrateCached(graph, x, splitSamples(graph, x), { method: 'percentile' });
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(exact(second.table)).toBe(exact(first.table));
    expect(exact(second.table)).toBe(exact(calibrate(graph, splitSamples(graph, x), { method: 'percentile' })));
  });

  it('keeps −0 and every double exactly', () => {
    const table: CalibrationTable = { a: { min: -0, max: 0.1 + 0.2 }, b: { min: -1e-310, max: 3, channels: [{ min: -0, max: 1 / 3 }] } };
    writeCachedTable('k', table);
    expect(exact(readCachedTable('k')!)).toBe(exact(table));
  });

  it('keys on the weights, the data and every option that changes the table', () => {
    const x = data(1);
    const key = calibrationKey(graph, x, { method: 'minmax' });
    expect(calibrationKey(graph, data(1), { method: 'minmax' })).toBe(key);
    const other = structuredClone(graph);
    const w = Object.values(other.tensors).find((t) => t.data && t.dtype === 'float32')!;
    w.data![0] = w.data![0]! + 1;
    const variants = [
      calibrationKey(other, x, { method: 'minmax' }),
      calibrationKey(graph, data(2), { method: 'minmax' }),
      calibrationKey(graph, x, { method: 'percentile' }),
      calibrationKey(graph, x, { method: 'percentile', percentile: 99.9 }),
      calibrationKey(graph, x, { method: 'minmax', maxSamples: 2 }),
      calibrationKey(graph, x, { method: 'mse', keepPerTensor: 100 }),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, t.length / 2)],
    ['a changed range', (t: string) => t.replace(/\d(?=[^\d]*$)/, (d) => String((Number(d) + 1) % 10))],
    ['another key', (t: string) => t.replace(/"key":"[0-9a-f]{4}/, '"key":"ffff')],
    ['not JSON', () => '\u0000\u0001garbage'],
  ])('ignores and rewrites an entry with %s', (_what, corrupt) => {
    const x = data(3);
    const { table } = calibrateCached(graph, x, splitSamples(graph, x));
    const file = entry();
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, corrupt(good));
    const again = calibrateCached(graph, x, splitSamples(graph, x));
    expect(again.cached).toBe(false);
    expect(exact(again.table)).toBe(exact(table));
    expect(readFileSync(file, 'utf8')).toBe(good);
  });

  it('gives the same int8 C with a cold and a warm cache', () => {
    const x = data(4);
    const compile = () => compileGraph(loadModel(model), { prefix: 'm', precision: { precision: 'int8', calib: x } }).files;
    const cold = compile();
    entry();
    expect(compile()).toEqual(cold);
  });
});
