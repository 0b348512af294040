// int8 accuracy on the committed UCI-HAR subset (zoo/data: 256 test windows, calibration on the
// 256 training windows of calib_X.npy), measured on the host build of the generated C.
// Bound: int8 macro-F1 ≥ float macro-F1 − 1.6 pp. On 256 windows one window moves accuracy by
// 0.39 pp, so the 0.5 pp full-split target cannot be resolved here; 1.6 pp is about 4 windows.
// The full-split figures (2996 windows) come from bench/accuracy.ts.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch } from '../../src/backends/evaluate.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';

const MODELS = ['har-cnn', 'mobilenet-1d'].filter((m) => existsSync(`zoo/models/${m}.onnx`));
const BOUND_PP = 1.6;

describe('int8 accuracy on the committed 256-window subset', () => {
  const x = readNpy('zoo/data/test_X.npy');
  const y = Int32Array.from(readNpy('zoo/data/test_y.npy').data as ArrayLike<number>);
  const calib = readNpy('zoo/data/calib_X.npy');
  for (const name of MODELS) {
    it(`${name}: int8 macro-F1 within ${BOUND_PP} pp of float`, async () => {
      const g = loadForCli(`zoo/models/${name}.onnx`);
      const metrics = async (precision: 'float' | 'int8') => {
        const model = compileGraph(g, { prefix: 'acc', precision: { precision, calib } });
        const { outputs, rowLength } = await runModelBatch(model, x);
        return classificationMetrics(argmaxRows(outputs, rowLength), y, rowLength);
      };
      const f = await metrics('float');
      const q = await metrics('int8');
      console.log(`${name}: float acc ${(100 * f.accuracy).toFixed(2)}% F1 ${(100 * f.macroF1).toFixed(2)}%; int8 acc ${(100 * q.accuracy).toFixed(2)}% F1 ${(100 * q.macroF1).toFixed(2)}%`);
      expect(f.accuracy).toBeGreaterThan(0.9);
      expect(100 * q.macroF1).toBeGreaterThanOrEqual(100 * f.macroF1 - BOUND_PP);
    }, 300_000);
  }
});
