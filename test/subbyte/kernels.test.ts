// @module-tag qemu
// int4 / int2 weights (issue 12) on odd shapes: channels not a multiple of 8, odd K, stride 2,
// padding, depthwise, groups, 1-D and 2-D, Gemm transB 0/1, MatMul, and mixed bits per layer.
// The TypeScript integer reference, host C, QEMU Cortex-M4 and QEMU RISC-V must give the same
// bytes; model.c must hold the packed weights and no int8 copy of them.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import type { Graph } from '../../src/ir/types.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits, type WeightBitsSpec } from '../../src/passes/weight-bits.ts';
import { G, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from '../int8/helpers.ts';

interface Case {
  name: string;
  build: (b: G) => string;
}

const conv = (b: G, x: string, cin: number, cout: number, k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [x, b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

const CASES: Case[] = [
  {
    name: '1-D chain: k5 pad 2 (5 -> 7), depthwise k3 stride 2, pointwise 7 -> 9, 3 groups k3 (9 -> 6), Gemm transB 1',
    build: (b) => {
      let x = b.op('Relu', [conv(b, b.input([1, 5, 13]), 5, 7, [5], { pads: [2, 2] })]);
      x = conv(b, x, 7, 7, [3], { pads: [1, 1], strides: [2] }, 7);
      x = conv(b, x, 7, 9, [1]);
      x = conv(b, x, 9, 6, [3], { pads: [1, 1] }, 3);
      return b.op('Gemm', [b.op('Flatten', [x]), b.const([7, 42]), b.const([7])], { transB: 1 });
    },
  },
  {
    name: '2-D chain: 3x3 stride 2 pad 1 (3 -> 5), depthwise 3x3 pad 1, 1x1 stride 2 (5 -> 11)',
    build: (b) => {
      const x = conv(b, b.input([1, 3, 7, 6]), 3, 5, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] });
      const d = b.op('Relu', [conv(b, x, 5, 5, [3, 3], { pads: [1, 1, 1, 1] }, 5)]);
      return conv(b, d, 5, 11, [1, 1], { strides: [2, 2] });
    },
  },
  {
    name: 'Gemm transB 0 (K 11, N 9), then MatMul (K 9, N 13)',
    build: (b) => b.op('MatMul', [b.op('Relu', [b.op('Gemm', [b.input([1, 11]), b.const([11, 9]), b.const([9])])]), b.const([9, 13])]),
  },
];

function quantizeWithBits(graph: Graph, spec: WeightBitsSpec, seed: number): Graph {
  const float = optimize(graph);
  const table = calibrate(float, splitRows(randomInputs(float, 16, seed), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
  return quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, spec) });
}

const SPECS: [string, WeightBitsSpec][] = [
  ['int4', { default: 4 }],
  ['int2', { default: 2 }],
  ['mixed 8/4/2', { default: 4, rules: [{ pattern: 'conv_2', bits: 2 }, { pattern: 'gemm*', bits: 8 }, { pattern: 'matmul*', bits: 2 }] }],
];

describe('int4 / int2 weights: TS reference == host == cortex-m4 == riscv', () => {
  for (const [i, c] of CASES.entries()) {
    for (const [label, spec] of SPECS) {
      it(`${label}: ${c.name}`, async () => {
        const b = new G(500 + i);
        const g = b.graph(c.build(b));
        const rules = (spec.rules ?? []).filter((r) => g.nodes.some((n) => new RegExp(`^${r.pattern.replace('*', '.*')}$`).test(n.name)));
        const quant = quantizeWithBits(g, { ...spec, rules }, 600 + i);
        const bits = new Set(quant.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.op)).map((n) => quant.tensors[n.inputs[1]!]!.quant!.bits));
        expect([...bits].some((x) => x < 8)).toBe(true);
        if (rules.length > 0) expect(bits.size, `bits per layer ${[...bits]}`).toBeGreaterThan(1);
        const xq = quantizeInput(quant, randomInputs(g, 3, 700 + i, -3, 3));
        const ref = Array.from(referenceBytes(quant, xq));
        const m = emitModel(quant, { prefix: 'sb' });
        for (const n of quant.nodes) {
          const w = n.inputs[1] ? quant.tensors[n.inputs[1]] : undefined;
          if (!w?.quant || !w.data || w.quant.bits === 8) continue;
          expect(m.files['weights.c']).toMatch(new RegExp(`const uint8_t sb_L\\d+_w${w.quant.bits}\\[${Math.ceil((w.data.length * w.quant.bits) / 8)}\\]`));
        }
        for (const target of ['host', 'cortex-m4', 'riscv'] as const) expect(Array.from(await runC(quant, xq, target, m)), `${target} bytes`).toEqual(ref);
      }, 180_000);
    }
  }

  it('--kernels harc: mixed 4- and 8-bit layers on the targets’ paths give the reference bytes', async () => {
    const b = new G(800);
    const g = b.graph(CASES[0]!.build(b));
    const quant = quantizeWithBits(g, { default: 4, rules: [{ pattern: 'gemm*', bits: 8 }] }, 801);
    const xq = quantizeInput(quant, randomInputs(g, 3, 802, -3, 3));
    const ref = Array.from(referenceBytes(quant, xq));
    for (const target of ['cortex-m4', 'riscv'] as const) {
      const m = emitModel(quant, { prefix: 'sb', memory: { kernels: 'harc', target } });
      expect(m.files['model.c']).toMatch(/4-bit weights(, packed| \(harc_int8_kernels)/); // the reference kernel's or an optimized one's (depthwise on cortex-m4: harc_s4_dw_pixel)
      expect(m.files['model.c']).toMatch(/harc_s8_mat[12]\(/); // the 8-bit Gemm (one row: the matrix-vector kernel)
      expect(Array.from(await runC(quant, xq, target, m)), `${target} bytes`).toEqual(ref);
    }
  }, 180_000);
});
