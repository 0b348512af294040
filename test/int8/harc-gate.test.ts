// @module-tag qemu
// The SE gate's broadcast Mul folded into the pointwise Conv that reads it (kernel set `harc`,
// cortex-m4; src/backends/c/lower/int8-gate-mul.ts): the bytes must be the unfolded sequence's (the
// TypeScript integer reference) on cortex-m4, where it is folded, and on riscv and the host, where
// it is not. Shapes: channels not a multiple of 4, odd and even pixel counts (the last pixel through
// harc_s8_mat1), the gate as either Mul input, a clamp on the Mul (not the int8 range), a table
// epilogue fused on the same Conv, and a Mul output read twice (not folded).
import { describe, expect, it } from 'vitest';
import { expectHarcBytes } from './harc-cases.ts';
import type { G } from './helpers.ts';

const pw = (b: G, x: string, cin: number, cout: number): string => b.op('Conv', [x, b.const([cout, cin, 1]), b.const([cout])]);
/** A Conv's output [1, C, L] (so the layout pass keeps the block channels-last, as in mobilenet-1d) */
const feat = (b: G, c: number, l: number): string => b.op('Conv', [b.input([1, 3, l]), b.const([c, 3, 3]), b.const([c])], { pads: [1, 1] });
/** x [1, C, L] -> squeeze-excitation gate [1, C, 1] (GlobalAveragePool, 1x1 Convs, HardSigmoid) */
const gateOf = (b: G, x: string, c: number): string => b.op('HardSigmoid', [pw(b, b.op('Relu', [pw(b, b.op('GlobalAveragePool', [x]), c, 3)]), 3, c)], { alpha: 1 / 6, beta: 0.5 });

const CASES: { name: string; build: (b: G) => string | string[]; folded: boolean }[] = [
  {
    name: 'SE block, 6 channels, 9 pixels, then 1x1 Conv 6 -> 5',
    folded: true,
    build: (b) => {
      const x = feat(b, 6, 9);
      return pw(b, b.op('Mul', [x, gateOf(b, x, 6)]), 6, 5);
    },
  },
  {
    name: 'gate as the first Mul input, 11 channels, 8 pixels, 1x1 Conv 11 -> 7',
    folded: true,
    build: (b) => {
      const x = feat(b, 11, 8);
      return pw(b, b.op('Mul', [gateOf(b, x, 11), x]), 11, 7);
    },
  },
  {
    name: 'Mul + Clip (clamped gated values), 5 channels, 7 pixels',
    folded: true,
    build: (b) => {
      const x = feat(b, 5, 7);
      return pw(b, b.op('Clip', [b.op('Mul', [x, gateOf(b, x, 5)]), b.scalar(-0.3), b.scalar(0.4)]), 5, 6);
    },
  },
  {
    name: 'folded gate and a fused HardSwish on the same Conv, 7 channels, 10 pixels',
    folded: true,
    build: (b) => {
      const x = feat(b, 7, 10);
      return b.op('HardSwish', [pw(b, b.op('Mul', [x, gateOf(b, x, 7)]), 7, 9)]);
    },
  },
  {
    name: 'gated tensor also a graph output (not folded)',
    folded: false,
    build: (b) => {
      const x = feat(b, 4, 6);
      const m = b.op('Mul', [x, gateOf(b, x, 4)]);
      return [pw(b, m, 4, 3), m];
    },
  },
];

describe('harc SE gate Mul folded into its pointwise Conv == TS reference (cortex-m4 folded; riscv, host unfolded)', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, () =>
      expectHarcBytes(300 + i, c.build, (m4) => {
        expect(m4.files['model.c']!.includes("the SE gate's broadcast Mul, folded in"), 'folded').toBe(c.folded);
        expect(m4.layers.some((l) => l.op === 'Mul')).toBe(!c.folded);
      }), 180_000);
});
