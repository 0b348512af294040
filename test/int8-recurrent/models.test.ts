// @module-tag qemu
// Recurrent fixtures and zoo models in int8: the TypeScript integer reference, the host C build and
// the QEMU Cortex-M4 and RISC-V builds must produce the same output bytes. The glue around the
// recurrent layers (Transpose / Squeeze / Reshape views, Gather of the last step, Concat of
// directions, ReduceMean, the Gemm head) runs in int8 too.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { firstRows, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC } from '../int8/helpers.ts';

const FIXTURES = ['lstm_small', 'bilstm_small', 'gru_small', 'rnn_small', 'conv_bilstm'].map((f) => `test/fixtures/onnx/${f}.onnx`);
const ZOO = ['microbi-convlstm', 'deepconvlstm', 'seq-gru', 'seq-lstm', 'seq-rnn'].map((m) => `zoo/models/${m}.onnx`).filter((f) => existsSync(f));

describe('int8 recurrent models: TS reference == host == cortex-m4 == riscv', () => {
  for (const file of [...FIXTURES, ...ZOO]) {
    it(file, async () => {
      const g = loadForCli(file);
      const per = numel(g.tensors[g.inputs[0]!]!.shape);
      const isHar = file.startsWith('zoo/');
      // zoo models: 32 real calibration windows and 2 test windows; fixtures: random data
      const calib = isHar ? firstRows(readNpy('zoo/data/calib_X.npy'), 32, per) : randomInputs(g, 32, 11);
      const x = isHar ? firstRows(readNpy('zoo/data/test_X.npy'), 2, per) : randomInputs(g, 4, 12);
      const { quant } = quantizeForTest(g, calib);
      const rec = quant.nodes.filter((n) => n.op === 'LSTM' || n.op === 'GRU' || n.op === 'RNN');
      expect(rec.length).toBeGreaterThan(0);
      expect(rec.every((n) => quant.tensors[n.outputs[0]!]!.dtype === 'int8')).toBe(true);
      expect(quant.nodes.filter((n) => n.op === 'Gemm').every((n) => quant.tensors[n.outputs[0]!]!.dtype === 'int8')).toBe(true);
      const xq = quantizeInput(quant, x);
      const ref = Array.from(referenceBytes(quant, xq));
      const model = emitModel(quant, { prefix: 'qm' });
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
        const got = Array.from(await runC(quant, xq, target, model));
        expect(got, `${target} bytes`).toEqual(ref);
      }
    }, 600_000);
  }
});
