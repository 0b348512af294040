// @module-tag qemu
// The `harc` set's 1-D depthwise kernels (templates/runtime/harc_int8_dw.h, harc_s8_dw_rows and
// harc_s8_dwq_rows: pair columns + SMLAD, channel by channel) on odd shapes, against the TypeScript integer reference bytes
// on cortex-m4 (the kernel), and the same model through `harc` on riscv and the host (their paths
// are unchanged). Shapes: channels not a multiple of 4, odd lengths, kernels 1/3/4/5/7, stride 2
// and 3, symmetric / asymmetric / no padding, an input shorter than the kernel, batch 2, a clamp.
import { describe, expect, it } from 'vitest';
import { dwqParams, packDwPairs } from '../../src/backends/c/lower/int8-dw-rows.ts';
import type { ConvQParams } from '../../src/ir/int8/prepare.ts';
import { expectHarcBytes } from './harc-cases.ts';
import type { G } from './helpers.ts';

const dw = (b: G, c: number, w: number, k: number, attrs: Record<string, number[] | number> = {}, batch = 1): string =>
  b.op('Conv', [b.input([batch, c, w]), b.const([c, 1, k]), b.const([c])], { ...attrs, group: c });

const CASES: { name: string; build: (b: G) => string | string[]; fused?: string; kernel?: RegExp }[] = [
  { name: 'k5 pad 2, 6 channels, 14 long (mobilenet-1d stride 1)', build: (b) => dw(b, 6, 14, 5, { pads: [2, 2] }) },
  { name: 'k5 stride 2 pad 2, 11 channels, 17 long (mobilenet-1d stride 2)', build: (b) => dw(b, 11, 17, 5, { pads: [2, 2], strides: [2] }) },
  { name: 'k3 stride 2 pad 1, 9 channels + Clip', build: (b) => b.op('Clip', [dw(b, 9, 17, 3, { pads: [1, 1], strides: [2] }), b.scalar(0), b.scalar(0.6)]) },
  { name: 'k4 asymmetric pad (1, 2), 5 channels, 13 long', build: (b) => dw(b, 5, 13, 4, { pads: [1, 2] }) },
  { name: 'k7 stride 3 no pad, 12 channels, 23 long', build: (b) => dw(b, 12, 23, 7, { strides: [3] }) },
  { name: 'k5 pad 2 on 3 samples, 4 channels (input shorter than the kernel)', build: (b) => dw(b, 4, 3, 5, { pads: [2, 2] }) },
  { name: 'k1, 7 channels, 1 sample', build: (b) => dw(b, 7, 1, 1) },
  { name: 'batch 2, k5 pad 2, 7 channels, 9 long', build: (b) => dw(b, 7, 9, 5, { pads: [2, 2] }, 2) },
  // harc_s8_dwq_rows (k 4/5, stride 1/2, full int8 range): both asm loops (4 outputs a pass) and the C tail
  { name: 'dwq: k5 pad 2, 13 channels, 41 long (stride 1: passes of 21 and 20)', kernel: /harc_s8_dwq_rows\(/, build: (b) => dw(b, 13, 41, 5, { pads: [2, 2] }) },
  { name: 'dwq: k5 stride 2 pad (2, 1), 3 channels, 30 long', kernel: /harc_s8_dwq_rows\(/, build: (b) => dw(b, 3, 30, 5, { pads: [2, 1], strides: [2] }) },
  { name: 'dwq: k4 stride 2 pad (1, 2), 6 channels, 21 long', kernel: /harc_s8_dwq_rows\(/, build: (b) => dw(b, 6, 21, 4, { pads: [1, 2], strides: [2] }) },
  { name: 'k5 stride 3 pad 2, 6 channels, 20 long: harc_s8_dw_rows', kernel: /harc_s8_dw_rows\(/, build: (b) => dw(b, 6, 20, 5, { pads: [2, 2], strides: [3] }) },
  // fused table epilogues (int8-epilogue.ts): the activation applied as the depthwise layer writes
  { name: 'k5 pad 2, 10 channels, 15 long + HardSwish (fused)', fused: 'HardSwish', build: (b) => b.op('HardSwish', [dw(b, 10, 15, 5, { pads: [2, 2] })]) },
  { name: 'k5 stride 2 pad 2, 7 channels + Sigmoid (fused)', fused: 'Sigmoid', build: (b) => b.op('Sigmoid', [dw(b, 7, 19, 5, { pads: [2, 2], strides: [2] })]) },
  { name: 'k3 pad 1, 6 channels + Clip + Tanh (fused, generic loop)', fused: 'Tanh', build: (b) => b.op('Tanh', [b.op('Clip', [dw(b, 6, 11, 3, { pads: [1, 1] }), b.scalar(-0.5), b.scalar(0.5)])]) },
  {
    name: 'k5 pad 2 + HardSwish whose input is also a graph output (not fused)',
    build: (b) => {
      const y = dw(b, 5, 12, 5, { pads: [2, 2] });
      return [b.op('HardSwish', [y]), y];
    },
  },
];

describe('harc 1-D depthwise (harc_s8_dw_rows) == TS reference on cortex-m4; riscv and host unchanged', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, () =>
      expectHarcBytes(700 + i, c.build, (m4) => {
        expect(m4.files['model.c']).toMatch(c.kernel ?? /harc_s8_dwq?_rows\(/);
        if (c.fused) expect(m4.files['model.c']).toContain(`fused ${c.fused} epilogue`);
        else expect(m4.files['model.c']).not.toMatch(/fused \w+ epilogue/);
      }), 180_000);

  it('harc_s8_dwq_rows\' words: doubled triples (the odd one at stride 1), 2 bias, mult, h, e | ystride << 8 | counter << 16', () => {
    const w = (_c: number, t: number): number => [1, -2, 3, -128, 127][t]!;
    const p = { kW: 5, strideW: 1, channels: 3, outW: 17, shift: [-5, -5, -5], mult: [2 ** 30 + 7, 2 ** 30 + 7, 2 ** 30 + 7], outZp: -3 } as unknown as ConvQParams;
    const pair = (lo: number, hi: number): number => ((lo & 0xffff) | (hi << 16)) | 0;
    // 17 outputs: passes of 9 and 8, 8 each in the asm (2 loop passes), e = 5, ystride = 2 * 3
    const ew = (5 | (6 << 8) | ((2 ** 16 - 2) << 16)) | 0;
    expect(dwqParams(p, [100, 0, 0], w).slice(0, 11)).toEqual([
      pair(2, -4), pair(6, -256), pair(254, 0), 200, 2 ** 30 + 7, 16 - 3 * 32, ew,
      pair(0, 2), pair(-4, 6), pair(-256, 254), ew,
    ]);
    expect(dwqParams({ ...p, strideW: 2, outW: 9 } as ConvQParams, [100, 0, 0], w).slice(0, 7)).toEqual([
      pair(2, -4), pair(6, -256), pair(254, 0), 200, 2 ** 30 + 7, 16 - 3 * 32, (5 | (3 << 8) | ((2 ** 16 - 2) << 16)) | 0,
    ]);
  });

  it('packs each channel\'s weights as int16 pairs (w[2i] low, w[2i+1] high, zero past k)', () => {
    const w = (c: number, t: number): number => (c === 0 ? [1, -2, 3][t]! : [-128, 127, -1][t]!);
    expect(packDwPairs(w, 2, 3)).toEqual([(1 & 0xffff) | (-2 << 16), 3, (-128 & 0xffff) | (127 << 16), 0xffff]);
  });
});
