// @module-tag qemu
// The zoo's sub-byte quantization-aware models (zoo/train.py --qat-bits) at the bits they were
// trained for (manifest `weightBits`): TS reference == host == QEMU Cortex-M4 == QEMU RISC-V.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { applyPrecision } from '../../src/backends/precision.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import type { WeightBitsSpec } from '../../src/passes/weight-bits.ts';
import { firstRows, quantizeInput, referenceBytes, runC } from '../int8/helpers.ts';

const manifest = JSON.parse(readFileSync('zoo/manifest.json', 'utf8')) as { models: { name: string; file: string; weightBits?: Record<string, number> }[] };
// the 2-bit CNN, the 4-bit LSTM model and the 4-bit depthwise / squeeze-excitation model
// (har-cnn-w4's kernels are har-cnn's, covered in models.test.ts)
const CASES = manifest.models.filter((m) => ['har-cnn-w2', 'microbi-convlstm-w4', 'mobilenet-1d-w4'].includes(m.name) && existsSync(`zoo/${m.file}`));

const specOf = (bits: Record<string, number>): WeightBitsSpec => ({
  default: bits['default'] as 8 | 4 | 2,
  rules: Object.entries(bits)
    .filter(([k]) => k !== 'default')
    .map(([pattern, b]) => ({ pattern, bits: b as 8 | 4 | 2 })),
});

describe('sub-byte QAT zoo models: TS reference == host == cortex-m4 == riscv', () => {
  for (const m of CASES) {
    it(`${m.name} (${JSON.stringify(m.weightBits)})`, async () => {
      const float = optimize(loadForCli(`zoo/${m.file}`));
      const per = numel(float.tensors[float.inputs[0]!]!.shape);
      const calib = firstRows(readNpy('zoo/data/calib_X.npy'), 32, per);
      const quant = applyPrecision(float, { precision: 'int8', calib, weightBits: specOf(m.weightBits!) }).graph;
      const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 4, per));
      const ref = Array.from(referenceBytes(quant, xq));
      const model = emitModel(quant, { prefix: 'qat' });
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) expect(Array.from(await runC(quant, xq, target, model)), `${target} bytes`).toEqual(ref);
    }, 300_000);
  }
});
