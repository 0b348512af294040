// @module-tag qemu
// Fused table epilogues of the `harc` set (src/backends/c/lower/int8-epilogue.ts) on the
// harc_s8_mat2 / harc_s8_mat1 Conv path (templates/runtime/harc_int8_fused.h): an int8 HardSwish /
// Sigmoid / Tanh after a Conv is applied as the Conv writes each output; the bytes must be the
// unfused sequence's (the TypeScript integer reference) on cortex-m4 and riscv, where it is fused
// (riscv: test/int8/harc-rv-fused.test.ts checks its model.c), and on the host, where it is not. Odd shapes: channels odd and not a multiple of 4,
// an odd pixel count (the last pixel through harc_s8_mat1), K not a multiple of 4, padding (patches
// gathered), stride 2, a single-pixel 1x1 Conv, a grouped Conv, a clamp before the table.
import { describe, expect, it } from 'vitest';
import { expectHarcBytes } from './harc-cases.ts';
import type { G } from './helpers.ts';

const conv = (b: G, x: string, cin: number, cout: number, k: number, attrs: Record<string, number[] | number> = {}): string =>
  b.op('Conv', [x, b.const([cout, cin / (typeof attrs['group'] === 'number' ? attrs['group'] : 1), k]), b.const([cout])], attrs);

const CASES: { name: string; build: (b: G) => string | string[]; fused: string[] }[] = [
  { name: 'pointwise 6 -> 9, 13 pixels + HardSwish', fused: ['HardSwish'], build: (b) => b.op('HardSwish', [conv(b, b.input([1, 6, 13]), 6, 9, 1)]) },
  { name: 'k5 pad 2, 7 -> 11, 10 pixels + Sigmoid', fused: ['Sigmoid'], build: (b) => b.op('Sigmoid', [conv(b, b.input([1, 7, 10]), 7, 11, 5, { pads: [2, 2] })]) },
  { name: 'k3 stride 2 pad 1, 5 -> 4 + Clip + Tanh', fused: ['Tanh'], build: (b) => b.op('Tanh', [b.op('Clip', [conv(b, b.input([1, 5, 15]), 5, 4, 3, { pads: [1, 1], strides: [2] }), b.scalar(-0.4), b.scalar(0.7)])]) },
  {
    name: 'single-pixel 1x1 Conv after GlobalAveragePool, 11 -> 5 + Sigmoid (mat1)',
    fused: ['Sigmoid'],
    build: (b) => b.op('Sigmoid', [conv(b, b.op('GlobalAveragePool', [b.input([1, 11, 9])]), 11, 5, 1)]),
  },
  { name: 'grouped k3, 6 -> 10 in 2 groups + HardSwish', fused: ['HardSwish'], build: (b) => b.op('HardSwish', [conv(b, b.input([1, 6, 11]), 6, 10, 3, { pads: [1, 1], group: 2 })]) },
  {
    name: 'pointwise -> HardSwish -> depthwise k5 -> HardSwish (both fused, mobilenet-1d block)',
    fused: ['HardSwish', 'HardSwish'],
    build: (b) => {
      const e = b.op('HardSwish', [conv(b, b.input([1, 5, 12]), 5, 14, 1)]);
      return b.op('HardSwish', [conv(b, e, 14, 14, 5, { pads: [2, 2], group: 14 })]);
    },
  },
  {
    name: 'Conv output also read by an Add (not fused)',
    fused: [],
    build: (b) => {
      const y = conv(b, b.input([1, 4, 9]), 4, 4, 1);
      return b.op('Add', [b.op('HardSwish', [y]), y]);
    },
  },
];

describe('harc fused table epilogues on the Conv matrix path == TS reference (cortex-m4, riscv fused; host unfused)', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, () =>
      expectHarcBytes(500 + i, c.build, (m4) => {
        const fusedOps = [...m4.files['model.c']!.matchAll(/the fused (\w+) (?:table|epilogue)/g)].map((m) => m[1]);
        expect(fusedOps).toEqual(c.fused);
        for (const op of c.fused) expect(m4.layers.map((l) => l.op)).not.toContain(op);
      }), 180_000);
});
