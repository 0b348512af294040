// @module-tag qemu
// int4 and int2 weights on the Cortex-M4 DSP path (issue 12): harc_s{4,2}_mat{1,2} in the `harc` and
// `portable` kernel sets on odd shapes (K not a multiple of 8, odd channel counts, odd rows, stride 2,
// padding, groups; depthwise declines to the reference), bytes equal to the TypeScript reference
// on QEMU Cortex-M4 and on the host (which runs the reference kernel of the portable set); and
// har-cnn with every layer at 4 bits.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { packS2DspWeights, packS4DspWeights } from '../../src/backends/c/lower/int8-fast.ts';
import { applyPrecision } from '../../src/backends/precision.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { unpackSubByte } from '../../src/ir/quant/subbyte.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph } from '../../src/ir/types.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { firstRows, G, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from '../int8/helpers.ts';

const conv = (b: G, x: string, cin: number, cout: number, k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [x, b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

const CASES: [string, (b: G) => string][] = [
  [
    '1-D: k5 pad 2 (5 -> 7, K 25), depthwise k3 stride 2, 3 groups k3 (7·3/7 -> 9), pointwise 9 -> 11, Gemm transB 1 (odd N)',
    (b) => {
      let x = b.op('Relu', [conv(b, b.input([1, 5, 13]), 5, 7, [5], { pads: [2, 2] })]);
      x = conv(b, x, 7, 7, [3], { pads: [1, 1], strides: [2] }, 7);
      x = conv(b, x, 7, 9, [3], { pads: [1, 1] }, 1);
      x = conv(b, x, 9, 9, [3], { pads: [0, 1], strides: [2] }, 3);
      x = conv(b, x, 9, 11, [1]);
      return b.op('Gemm', [b.op('Flatten', [x]), b.const([7, 33]), b.const([7])], { transB: 1 });
    },
  ],
  ['2-D: 3x3 stride 2 pad 1 (3 -> 5, K 27), 1x1 stride 2 (5 -> 13)', (b) => conv(b, b.op('Relu', [conv(b, b.input([1, 3, 7, 6]), 3, 5, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] })]), 5, 13, [1, 1], { strides: [2, 2] })],
  ['Gemm transB 0 on 3 rows (K 13, N 9), then MatMul (K 9, N 5)', (b) => b.op('MatMul', [b.op('Relu', [b.op('Gemm', [b.input([3, 13]), b.const([13, 9]), b.const([9])])]), b.const([9, 5])])],
];

function quantizeBits(graph: Graph, seed: number, bits: 4 | 2): Graph {
  const float = optimize(graph);
  const table = calibrate(float, splitRows(randomInputs(float, 16, seed), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
  return quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: bits }) });
}

describe('int4 DSP packing', () => {
  it('pairs channels and interleaves them per k in nibbles, zero-padding K to 4 and an odd last channel', () => {
    const cout = 3;
    const K = 5;
    const w = (oc: number, k: number): number => ((oc * 5 + k * 3) % 15) - 7;
    const packed = packS4DspWeights(w, cout, K);
    expect(packed.length).toBe(2 * 8); // 2 pairs x K4 8 bytes
    const v = unpackSubByte(packed, 2 * 8 * 2, 4);
    for (let pair = 0; pair < 2; pair++)
      for (let k = 0; k < 8; k++)
        for (let j = 0; j < 2; j++) {
          const oc = 2 * pair + j;
          expect(v[pair * 16 + 2 * k + j], `oc ${oc} k ${k}`).toBe(oc < cout && k < K ? w(oc, k) : 0);
        }
  });

  it('int2: per channel pair and 8 k one word, byte i = a[k+i], b[k+i], a[k+4+i], b[k+4+i]', () => {
    const cout = 3;
    const K = 13; // K4 16: two words per pair
    const w = (oc: number, k: number): number => ((oc + k) % 3) - 1;
    const packed = packS2DspWeights(w, cout, K);
    expect(packed.length).toBe(2 * 2 * 4);
    const v = unpackSubByte(packed, packed.length * 4, 2);
    const at = (oc: number, k: number): number => (oc < cout && k < K ? w(oc, k) : 0);
    for (let pair = 0; pair < 2; pair++)
      for (let word = 0; word < 2; word++)
        for (let i = 0; i < 4; i++) {
          const f = v.slice(((pair * 2 + word) * 4 + i) * 4, ((pair * 2 + word) * 4 + i + 1) * 4);
          const k = word * 8 + i;
          expect(Array.from(f)).toEqual([at(2 * pair, k), at(2 * pair + 1, k), at(2 * pair, k + 4), at(2 * pair + 1, k + 4)]);
        }
  });
});

describe('int4 / int2 weights on the Cortex-M4 DSP path: TS reference == cortex-m4 (harc, portable) == host', () => {
  for (const [i, [name, build]] of CASES.entries()) for (const bits of [4, 2] as const) {
    it(`int${bits}: ${name}`, async () => {
      const b = new G(900 + i);
      const g = b.graph(build(b));
      const quant = quantizeBits(g, 910 + i, bits);
      const xq = quantizeInput(quant, randomInputs(g, 3, 920 + i, -3, 3));
      const ref = Array.from(referenceBytes(quant, xq));
      const harc = emitModel(quant, { prefix: 'sd', memory: { kernels: 'harc', target: 'cortex-m4' } });
      const portable = emitModel(quant, { prefix: 'sd' });
      for (const m of [harc, portable]) expect(m.files['model.c']).toMatch(new RegExp(`harc_s${bits}_mat[12]\\(`));
      expect(portable.files['model.c']).toContain('#if defined(HARC_INT8_DSP)');
      expect(Array.from(await runC(quant, xq, 'cortex-m4', harc)), 'cortex-m4 harc').toEqual(ref);
      expect(Array.from(await runC(quant, xq, 'cortex-m4', portable)), 'cortex-m4 portable').toEqual(ref);
      expect(Array.from(await runC(quant, xq, 'host', portable)), 'host portable').toEqual(ref);
    }, 180_000);
  }

  it.runIf(existsSync('zoo/models/har-cnn.onnx'))('har-cnn, every layer at 4 bits, --kernels harc on cortex-m4', async () => {
    const float = optimize(loadForCli('zoo/models/har-cnn.onnx'));
    const per = numel(float.tensors[float.inputs[0]!]!.shape);
    const quant = applyPrecision(float, { precision: 'int8', calib: firstRows(readNpy('zoo/data/calib_X.npy'), 32, per), weightBits: { default: 4 } }).graph;
    const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 4, per));
    const ref = Array.from(referenceBytes(quant, xq));
    const m = emitModel(quant, { prefix: 'hc', memory: { kernels: 'harc', target: 'cortex-m4' } });
    expect(m.files['model.c']).toMatch(/harc_s4_mat[12]\(/);
    expect(Array.from(await runC(quant, xq, 'cortex-m4', m)), 'cortex-m4 bytes').toEqual(ref);
  }, 300_000);
});
