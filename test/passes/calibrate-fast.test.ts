import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/frontends/load.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Value } from '../../src/ir/types.ts';
import { calibrate, splitSamples, type CalibOptions, type CalibrationTable } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { rand } from '../graph-builder.ts';

// The fast calibration (typed-array interpreter, LSTM cell replay as row dots, one-loop statistics)
// must give the reference calibration's table exactly: same keys in the same order, and every
// number the same double (−0 included).

const repo = path.join(import.meta.dirname, '..', '..');
const fixtures = readdirSync(path.join(repo, 'test', 'fixtures', 'onnx')).filter((f) => f.endsWith('.onnx')).map((f) => path.join('test', 'fixtures', 'onnx', f));
const zoo = readdirSync(path.join(repo, 'zoo', 'models')).filter((f) => f.endsWith('.onnx')).map((f) => path.join('zoo', 'models', f));

/** The table as text with every number as its exact bits. */
const exact = (t: CalibrationTable): string =>
  JSON.stringify(t, (_k, v) => (typeof v === 'number' ? Buffer.from(new Float64Array([v]).buffer).toString('hex') : v));

/** The table, or the error calibration ends with (the same one on both paths). */
function outcome(run: () => CalibrationTable): string {
  try {
    return exact(run());
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

function expectSameTable(file: string, samples: Value[][], opts: CalibOptions): string {
  const g = optimize(loadModel(path.join(repo, file)));
  const ref = outcome(() => calibrate(g, samples, { ...opts, engine: 'reference' }));
  const fast = outcome(() => calibrate(g, samples, { ...opts, engine: 'fast' }));
  expect(fast).toBe(ref);
  return ref;
}

// small reservoirs, so the strided subsampling of percentile and mse is exercised
const METHODS: CalibOptions[] = [{ method: 'minmax' }, { method: 'percentile', keepPerTensor: 997 }, { method: 'percentile', percentile: 99 }, { method: 'mse', keepPerTensor: 613 }];

describe('fast calibration: the same table as the reference interpreter', () => {
  it.each(fixtures.flatMap((f) => METHODS.map((m) => [f, m] as const)))('fixture %s %o', (file, opts) => {
    const g = optimize(loadModel(path.join(repo, file)));
    const shape = g.tensors[g.inputs[0]!]!.shape;
    const data: Value = { shape: [16, ...shape], dtype: 'float32', data: Float32Array.from(rand(16 * numel(shape), 7), (v) => 3 * v) };
    expectSameTable(file, splitSamples(g, data), opts);
  });

  const calib = readNpy(path.join(repo, 'zoo', 'data', 'calib_X.npy'));
  it.each(zoo.flatMap((f) => METHODS.slice(0, 3).map((m) => [f, m] as const)))(
    'zoo %s %o (2 of the calibration windows)',
    (file, opts) => {
      const g = optimize(loadModel(path.join(repo, file)));
      expect(expectSameTable(file, splitSamples(g, calib), { ...opts, maxSamples: 2 })).not.toMatch(/^error/);
    },
    120_000,
  );

  // mse clips per input channel too, which needs channels of both signs: random windows
  it.each(zoo)(
    'zoo %s mse (2 random windows)',
    (file) => {
      const g = optimize(loadModel(path.join(repo, file)));
      const shape = g.tensors[g.inputs[0]!]!.shape;
      const data: Value = { shape: [2, ...shape], dtype: 'float32', data: Float32Array.from(rand(2 * numel(shape), 5), (v) => 2 * v) };
      expect(expectSameTable(file, splitSamples(g, data), METHODS[3]!)).not.toMatch(/^error/);
    },
    120_000,
  );
});

describe('mse calibration of one-signed data', () => {
  it('gives a range (no error) when every value of a tensor has one sign, on both engines', () => {
    const g = optimize(loadModel(path.join(repo, 'test', 'fixtures', 'onnx', 'mlp.onnx')));
    const shape = g.tensors[g.inputs[0]!]!.shape;
    const samples = [0, 1, 2].map((s) => [{ shape, dtype: 'float32' as const, data: Float32Array.from(rand(numel(shape), s + 7), (v) => 2 + Math.abs(v)) }]);
    const table = expectSameTable(path.join('test', 'fixtures', 'onnx', 'mlp.onnx'), samples, { method: 'mse' });
    expect(table.startsWith('error')).toBe(false);
    const t = calibrate(g, samples, { method: 'mse' });
    for (const r of Object.values(t)) expect(r.min).toBeLessThanOrEqual(r.max);
  });
});
