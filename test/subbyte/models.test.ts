// @module-tag qemu
// Whole zoo models with mixed weight bits (issue 12), through the CLI's path (applyPrecision:
// per-layer bits, MSE clipping, bias correction): the TypeScript integer reference, host C and
// QEMU Cortex-M4 and RISC-V give the same bytes.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { applyPrecision } from '../../src/backends/precision.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import type { WeightBitsSpec } from '../../src/passes/weight-bits.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { firstRows, quantizeInput, referenceBytes, runC } from '../int8/helpers.ts';

const CASES: [string, WeightBitsSpec][] = [
  // first conv at 8, the middle at 2, the rest at 4
  ['zoo/models/har-cnn.onnx', { default: 4, rules: [{ pattern: '/features/features.0/*', bits: 8 }, { pattern: '/features/features.2/*', bits: 2 }] }],
  // the LSTM's W and R at 4 bits (bias correction of W from the LSTM input's means)
  ['zoo/models/microbi-convlstm.onnx', { default: 4, rules: [{ pattern: '/conv/conv.0/*', bits: 8 }, { pattern: '/conv/conv.2/*', bits: 2 }] }],
  ['zoo/models/mobilenet-1d.onnx', { default: 4, rules: [{ pattern: '*Gemm', bits: 8 }, { pattern: '*.3*Conv', bits: 2 }] }],
];

describe('mixed 8/4/2-bit zoo models: TS reference == host == cortex-m4 == riscv', () => {
  for (const [file, spec] of CASES.filter(([f]) => existsSync(f))) {
    it(file, async () => {
      const float = optimize(loadForCli(file));
      const per = numel(float.tensors[float.inputs[0]!]!.shape);
      const calib = firstRows(readNpy('zoo/data/calib_X.npy'), 32, per);
      const quant = applyPrecision(float, { precision: 'int8', calib, weightBits: spec }).graph;
      const bits = quant.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul', 'LSTM'].includes(n.op)).map((n) => quant.tensors[n.inputs[1]!]!.quant!.bits);
      expect(new Set(bits).size, `bits ${bits}`).toBe(3);
      const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 4, per));
      const ref = Array.from(referenceBytes(quant, xq));
      const model = emitModel(quant, { prefix: 'mx' });
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) expect(Array.from(await runC(quant, xq, target, model)), `${target} bytes`).toEqual(ref);
    }, 300_000);
  }
});
