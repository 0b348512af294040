// Shared by the CNN and recurrent int8 accuracy tests: float vs int8 macro-F1 of zoo models on the
// committed UCI-HAR subset (zoo/data: 256 test windows, calibration on the 256 training windows of
// calib_X.npy), measured on the host build of the generated C. Bound: int8 macro-F1 ≥ float
// macro-F1 − 1.6 pp. On 256 windows one window moves accuracy by 0.39 pp, so the full-split targets
// cannot be resolved here; the full-split figures come from bench/accuracy.ts.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import type { EmittedModel } from '../../src/backends/c/emit-model.ts';
import { argmaxRows, classificationMetrics, runModelBatch } from '../../src/eval/evaluate.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';

export const BOUND_PP = 1.6;

export function describeSubsetAccuracy(
  title: string,
  names: string[],
  opts: { minFloatAccuracy: number; timeoutMs: number; checkInt8Model?: (model: EmittedModel) => void },
): void {
  const models = names.filter((m) => existsSync(`zoo/models/${m}.onnx`));
  describe(title, () => {
    const x = readNpy('zoo/data/test_X.npy');
    const y = Int32Array.from(readNpy('zoo/data/test_y.npy').data as ArrayLike<number>);
    const calib = readNpy('zoo/data/calib_X.npy');
    for (const name of models) {
      it(`${name}: int8 macro-F1 within ${BOUND_PP} pp of float`, async () => {
        const g = loadForCli(`zoo/models/${name}.onnx`);
        const metrics = async (precision: 'float' | 'int8') => {
          const model = compileGraph(g, { prefix: 'acc', precision: { precision, calib } });
          if (precision === 'int8') opts.checkInt8Model?.(model);
          const { outputs, rowLength } = await runModelBatch(model, x);
          return classificationMetrics(argmaxRows(outputs, rowLength), y, rowLength);
        };
        const f = await metrics('float');
        const q = await metrics('int8');
        console.log(`${name}: float acc ${(100 * f.accuracy).toFixed(2)}% F1 ${(100 * f.macroF1).toFixed(2)}%; int8 acc ${(100 * q.accuracy).toFixed(2)}% F1 ${(100 * q.macroF1).toFixed(2)}%`);
        expect(f.accuracy).toBeGreaterThan(opts.minFloatAccuracy);
        expect(100 * q.macroF1).toBeGreaterThanOrEqual(100 * f.macroF1 - BOUND_PP);
      }, opts.timeoutMs);
    }
  });
}
