// @module-tag qemu
// int8 Add / Mul with the optimized requantization (src/backends/c/lower/int8-fast-elementwise.ts)
// in the portable and harc kernel sets, on odd and broadcast shapes (the SE gate's per-channel Mul,
// residual Adds, a fused Relu; the Adds' input requantizations take harc_s8_requant, the others
// harc_s8_requant_fast): the bytes of the TypeScript reference on host (the reference side of the
// #if), QEMU Cortex-M4 (portable and harc) and QEMU RISC-V.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { G, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC } from './helpers.ts';

interface Case {
  name: string;
  build: (b: G) => string;
  /** input range of the random data */
  range?: [number, number];
}

const CASES: Case[] = [
  { name: 'residual Add, 13 x 7', build: (b) => b.op('Add', [b.op('Conv', [b.input([1, 7, 13]), b.const([7, 7, 1]), b.const([7])]), b.op('Relu', [b.op('Conv', ['x', b.const([7, 7, 1], 0.1), b.const([7])])])]) },
  { name: 'Add + Relu (clamped), broadcast constant', build: (b) => b.op('Relu', [b.op('Add', [b.input([1, 5, 9]), b.const([1, 5, 1], 3)])]) },
  {
    name: 'SE gate: x * HardSigmoid(GlobalAveragePool(x)) broadcast over time, 11 channels',
    build: (b) => {
      const x = b.input([1, 11, 15]);
      return b.op('Mul', [x, b.op('HardSigmoid', [b.op('GlobalAveragePool', [x])])]);
    },
  },
  { name: 'Mul of two tensors, wide range', range: [-40, 40], build: (b) => b.op('Mul', [b.input([1, 3, 10]), b.op('Conv', ['x', b.const([3, 3, 1], 4), b.const([3])])]) },
  { name: 'Mul by a small constant, 17 elements', range: [-0.01, 0.01], build: (b) => b.op('Mul', [b.input([1, 17]), b.const([1, 17], 0.001)]) },
];

describe('int8 Add / Mul with the optimized requantization == TS reference on host, cortex-m4, riscv', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, async () => {
      const b = new G(700 + i);
      const g = b.graph(c.build(b));
      const [lo, hi] = c.range ?? [-3, 3];
      const { quant } = quantizeForTest(g, randomInputs(g, 16, 710 + i, lo, hi));
      const xq = quantizeInput(quant, randomInputs(g, 3, 720 + i, lo, hi));
      const ref = Array.from(referenceBytes(quant, xq));
      const emit = (kernels: string, target: string) => emitModel(quant, { prefix: 'fe', memory: { kernels, target, alignment: 4 } });
      expect(emit('portable', 'host').files['model.c']).toMatch(/with the optimized requantization/);
      const runs = await Promise.all([
        runC(quant, xq, 'host', emit('portable', 'host')),
        runC(quant, xq, 'cortex-m4', emit('portable', 'cortex-m4')),
        runC(quant, xq, 'cortex-m4', emit('harc', 'cortex-m4')),
        runC(quant, xq, 'riscv', emit('harc', 'riscv')),
      ]);
      const names = ['host portable (reference side)', 'cortex-m4 portable', 'cortex-m4 harc', 'riscv harc'];
      runs.forEach((got, k) => expect(Array.from(got), names[k]).toEqual(ref));
    }, 240_000);
});
