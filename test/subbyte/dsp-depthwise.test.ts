// @module-tag qemu
// int4 / int2 depthwise on the Cortex-M4 DSP path (issue 12): harc_s4_dw_pixel / harc_s2_dw_pixel
// (channel octets, SXTB16 / SMLABB / SMLATT on fields masked in place, the last C % 8 channels
// scalar; int2 two taps per word, an odd last tap alone) in the `harc` and
// `portable` sets on odd shapes (5, 13 and 16 channels, stride 2, padding, dilation, 2-D), bytes
// equal to the TypeScript reference on QEMU Cortex-M4 and on the host (portable's reference kernel).
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { packS2DwDspWeights, packS4DwDspWeights } from '../../src/backends/c/lower/int8-fast.ts';
import { unpackSubByte } from '../../src/ir/quant/subbyte.ts';
import type { Graph } from '../../src/ir/types.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { G, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from '../int8/helpers.ts';

const dw = (b: G, x: string, c: number, k: number[], attrs: Record<string, number[] | number> = {}): string =>
  b.op('Conv', [x, b.const([c, 1, ...k]), b.const([c])], { ...attrs, group: c });

const CASES: [string, (b: G) => string][] = [
  ['1-D: 13 channels k3 stride 2 pad 1, then k5 dilation 2 pad 4 (octet + 5 scalar channels)', (b) => dw(b, b.op('Relu', [dw(b, b.input([1, 13, 17]), 13, [3], { pads: [1, 1], strides: [2] })]), 13, [5], { pads: [4, 4], dilations: [2] })],
  ['1-D: 5 channels k3 pad (0, 2) (scalar channels only), 16 channels k7 pad 3 (two octets)', (b) => {
    const x = dw(b, b.input([1, 5, 11]), 5, [3], { pads: [0, 2] });
    return dw(b, b.op('Conv', [x, b.const([16, 5, 1]), b.const([16])]), 16, [7], { pads: [3, 3] });
  }],
  ['2-D: 3x3 pad 1 stride 2, 11 channels', (b) => dw(b, b.input([1, 11, 7, 6]), 11, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] })],
];

function quantizeBits(graph: Graph, seed: number, bits: 4 | 2): Graph {
  const float = optimize(graph);
  const table = calibrate(float, splitRows(randomInputs(float, 16, seed), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
  return quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: bits }) });
}

describe('int4 / int2 depthwise on the Cortex-M4 DSP path', () => {
  it('packs per tap and channel octet: byte i = channel i (low nibble) | channel 4 + i (high); zeros past C', () => {
    const C = 11;
    const taps = 2;
    const w = (c: number, t: number): number => ((c * 5 + t * 3) % 15) - 7;
    const packed = packS4DwDspWeights(w, C, taps);
    expect(packed.length).toBe(taps * 2 * 4);
    const v = unpackSubByte(packed, packed.length * 2, 4);
    for (let t = 0; t < taps; t++)
      for (let o = 0; o < 2; o++)
        for (let i = 0; i < 4; i++) {
          const at = (c: number): number => (c < C ? w(c, t) : 0);
          const base = ((t * 2 + o) * 4 + i) * 2;
          expect([v[base], v[base + 1]], `tap ${t} octet ${o} byte ${i}`).toEqual([at(8 * o + i), at(8 * o + 4 + i)]);
        }
  });

  it('int2: per tap pair and octet, byte i = (c+i, t), (c+4+i, t), (c+i, t+1), (c+4+i, t+1); zeros past C and taps', () => {
    const C = 9;
    const taps = 3;
    const w = (c: number, t: number): number => ((c + 2 * t) % 3) - 1;
    const packed = packS2DwDspWeights(w, C, taps);
    expect(packed.length).toBe(2 * 2 * 4);
    const v = unpackSubByte(packed, packed.length * 4, 2);
    const at = (c: number, t: number): number => (c < C && t < taps ? w(c, t) : 0);
    for (let tp = 0; tp < 2; tp++)
      for (let o = 0; o < 2; o++)
        for (let i = 0; i < 4; i++) {
          const base = ((tp * 2 + o) * 4 + i) * 4;
          const c = 8 * o + i;
          const t = 2 * tp;
          expect(Array.from(v.slice(base, base + 4)), `taps ${t} octet ${o} byte ${i}`).toEqual([at(c, t), at(c + 4, t), at(c, t + 1), at(c + 4, t + 1)]);
        }
  });

  for (const [i, [name, build]] of CASES.entries()) for (const bits of [4, 2] as const)
    it(`int${bits}: ${name}: TS reference == cortex-m4 (harc, portable) == host`, async () => {
      const b = new G(950 + i);
      const g = b.graph(build(b));
      const quant = quantizeBits(g, 960 + i, bits);
      const xq = quantizeInput(quant, randomInputs(g, 2, 970 + i, -3, 3));
      const ref = Array.from(referenceBytes(quant, xq));
      const harc = emitModel(quant, { prefix: 'dw', memory: { kernels: 'harc', target: 'cortex-m4' } });
      const portable = emitModel(quant, { prefix: 'dw' });
      for (const m of [harc, portable]) expect(m.files['model.c']).toContain(`harc_s${bits}_dw_pixel(`);
      const [m4, m4p, host] = await Promise.all([runC(quant, xq, 'cortex-m4', harc), runC(quant, xq, 'cortex-m4', portable), runC(quant, xq, 'host', portable)]);
      expect(Array.from(m4), 'cortex-m4 harc').toEqual(ref);
      expect(Array.from(m4p), 'cortex-m4 portable').toEqual(ref);
      expect(Array.from(host), 'host portable').toEqual(ref);
    }, 240_000);
});
