// int8 accuracy of the recurrent zoo models on the committed UCI-HAR subset (zoo/data: 256 test
// windows, calibration on the 256 training windows of calib_X.npy), host build of the generated C.
// Bound as for the CNNs (test/int8/accuracy.test.ts): int8 macro-F1 ≥ float macro-F1 − 1.6 pp (one
// window is 0.39 pp). The full-split figures come from bench/accuracy.ts.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch } from '../../src/backends/evaluate.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';

const MODELS = ['microbi-convlstm', 'deepconvlstm', 'seq-gru', 'seq-lstm', 'seq-rnn'].filter((m) => existsSync(`zoo/models/${m}.onnx`));
const BOUND_PP = 1.6;

describe('int8 recurrent models: accuracy on the committed 256-window subset', () => {
  const x = readNpy('zoo/data/test_X.npy');
  const y = Int32Array.from(readNpy('zoo/data/test_y.npy').data as ArrayLike<number>);
  const calib = readNpy('zoo/data/calib_X.npy');
  for (const name of MODELS) {
    it(`${name}: int8 macro-F1 within ${BOUND_PP} pp of float`, async () => {
      const g = loadForCli(`zoo/models/${name}.onnx`);
      const metrics = async (precision: 'float' | 'int8') => {
        const model = compileGraph(g, { prefix: 'acc', precision: { precision, calib } });
        if (precision === 'int8') expect(model.graph.nodes.filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.op)).every((n) => model.graph.tensors[n.outputs[0]!]!.dtype === 'int8')).toBe(true);
        const { outputs, rowLength } = await runModelBatch(model, x);
        return classificationMetrics(argmaxRows(outputs, rowLength), y, rowLength);
      };
      const f = await metrics('float');
      const q = await metrics('int8');
      console.log(`${name}: float acc ${(100 * f.accuracy).toFixed(2)}% F1 ${(100 * f.macroF1).toFixed(2)}%; int8 acc ${(100 * q.accuracy).toFixed(2)}% F1 ${(100 * q.macroF1).toFixed(2)}%`);
      expect(f.accuracy).toBeGreaterThan(0.8);
      expect(100 * q.macroF1).toBeGreaterThanOrEqual(100 * f.macroF1 - BOUND_PP);
    }, 600_000);
  }
});
