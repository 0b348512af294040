// @module-tag qemu
// Whole models: the TypeScript integer reference, the host C build and the QEMU Cortex-M4 and
// RISC-V builds must produce the same output bytes.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { firstRows, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC } from './helpers.ts';

const ZOO = ['zoo/models/har-cnn.onnx', 'zoo/models/mobilenet-1d.onnx'].filter((f) => existsSync(f));
const FIXTURES = ['conv1d_bn_relu', 'har_input_norm_cnn', 'har_ncw_norm_cnn', 'depthwise_separable', 'se_block', 'conv2d_small', 'mlp', 'concat_branches', 'pad_slice'].map((f) => `test/fixtures/onnx/${f}.onnx`);

describe('int8 whole models: TS reference == host == cortex-m4 == riscv', () => {
  for (const file of [...ZOO, ...FIXTURES]) {
    it(file, async () => {
      const g = loadForCli(file);
      const per = numel(g.tensors[g.inputs[0]!]!.shape);
      const isHar = file.startsWith('zoo/');
      // zoo models: 32 real calibration windows and 4 test windows; fixtures: random data
      const calib = isHar ? firstRows(readNpy('zoo/data/calib_X.npy'), 32, per) : randomInputs(g, 32, 11);
      const x = isHar ? firstRows(readNpy('zoo/data/test_X.npy'), 4, per) : randomInputs(g, 4, 12);
      const { quant } = quantizeForTest(g, calib);
      expect(quant.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm').every((n) => quant.tensors[n.outputs[0]!]!.dtype === 'int8')).toBe(true);
      const xq = quantizeInput(quant, x);
      const ref = Array.from(referenceBytes(quant, xq));
      const model = emitModel(quant, { prefix: 'qm' });
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
        const got = Array.from(await runC(quant, xq, target, model));
        expect(got, `${target} bytes`).toEqual(ref);
      }
    }, 240_000);
  }
});
