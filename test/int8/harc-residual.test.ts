// @module-tag qemu
// A residual Add done by the Conv that produces one of its inputs (kernel set `harc`, cortex-m4;
// src/backends/c/lower/int8-residual-add.ts, harc_int8_fused.h): the bytes must be the unfused
// pair's (the TypeScript integer reference) on cortex-m4, where it is fused, and on riscv and the
// host, where it is not. Shapes: channels not a multiple of 4, odd and even pixel counts (the last
// pixel through harc_s8_mat1), the Conv output as either Add input, a k3 padded Conv, a Relu on the
// Add (not the int8 range), the SE block of mobilenet-1d (gate Mul folded, then the Add), and a Conv
// output read twice (not fused).
import { describe, expect, it } from 'vitest';
import { expectHarcBytes } from './harc-cases.ts';
import type { G } from './helpers.ts';

const conv = (b: G, x: string, cin: number, cout: number, k: number): string => b.op('Conv', [x, b.const([cout, cin, k]), b.const([cout])], k > 1 ? { pads: [(k - 1) / 2, (k - 1) / 2] } : {});
const feat = (b: G, c: number, l: number): string => conv(b, b.input([1, 3, l]), 3, c, 3);

const CASES: { name: string; build: (b: G) => string | string[]; fused: boolean }[] = [
  { name: 'pointwise 6 -> 6, 9 pixels, Add(conv, skip)', fused: true, build: (b) => { const x = feat(b, 6, 9); return b.op('Add', [conv(b, x, 6, 6, 1), x]); } },
  { name: 'k3 pad 1, 5 -> 5, 8 pixels, Add(skip, conv)', fused: true, build: (b) => { const x = feat(b, 5, 8); return b.op('Add', [x, conv(b, x, 5, 5, 3)]); } },
  { name: 'pointwise 7 -> 7, 11 pixels, Add + Relu', fused: true, build: (b) => { const x = feat(b, 7, 11); return b.op('Relu', [b.op('Add', [conv(b, x, 7, 7, 1), x])]); } },
  {
    name: 'SE block: gate Mul folded into the project Conv, then the residual Add, 9 channels',
    fused: true,
    build: (b) => {
      const x = feat(b, 9, 10);
      const gate = b.op('HardSigmoid', [conv(b, b.op('Relu', [conv(b, b.op('GlobalAveragePool', [x]), 9, 3, 1)]), 3, 9, 1)], { alpha: 1 / 6, beta: 0.5 });
      return b.op('Add', [x, conv(b, b.op('Mul', [x, gate]), 9, 9, 1)]);
    },
  },
  {
    // the skip input is produced after the fused Conv in the given order: the Conv must move to the Add's place
    name: 'two pointwise Convs of one input, the later one clamped, Add of both (7 channels, 13 pixels)',
    fused: true,
    build: (b) => { const x = feat(b, 7, 13); return b.op('Add', [conv(b, x, 7, 7, 1), b.op('Relu', [conv(b, x, 7, 7, 1)])]); },
  },
  { name: 'Conv output also a graph output (not fused)', fused: false, build: (b) => { const x = feat(b, 4, 6); const y = conv(b, x, 4, 4, 1); return [b.op('Add', [y, x]), y]; } },
];

describe('harc residual Add in the Conv epilogue == TS reference (cortex-m4 fused; riscv, host unfused)', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, () =>
      expectHarcBytes(200 + i, c.build, (m4) => {
        expect(m4.files['model.c']!.includes('the residual Add, done as each output is written'), 'fused').toBe(c.fused);
        expect(m4.layers.some((l) => l.op === 'Add')).toBe(!c.fused);
      }), 180_000);
});
