// The requantization of harc_s8_dwq_rows' asm loop (templates/runtime/harc_int8_dw.h): with the sum
// doubled, SMMLAR(h - [acc < 0], 2 acc, mult) >> e, h = 2^(e-1) + out_zp 2^e, must be TFLite's
// MultiplyByQuantizedMultiplier(acc, mult, -e) + out_zp for every multiplier > 2^30 and 2 <= e <= 22
// (the lowering's conditions). Checked here with exact integers against the TypeScript reference,
// on sweeps that hit the rounding ties (multipliers with many trailing zero bits) and on random sums.
import { describe, expect, it } from 'vitest';
import { multiplyByQuantizedMultiplier } from '../../src/ir/quant/fixedpoint.ts';

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
};

/** What the asm computes: ADD (h + (acc ASR 31)), SMMLAR (adds h' 2^32 + 2^31, takes the high word), ASR e. */
function dwqRequant(acc: number, mult: number, e: number, zp: number): number {
  const h = 2 ** (e - 1) + zp * 2 ** e + (acc < 0 ? -1 : 0);
  const high = floorDiv(BigInt(h) * 2n ** 32n + 2n * BigInt(acc) * BigInt(mult) + 2n ** 31n, 2n ** 32n);
  if (high < -(2n ** 31n) || high >= 2n ** 31n) throw new Error(`SMMLAR result ${high} outside int32`);
  return Number(floorDiv(high, 2n ** BigInt(e)));
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('harc_s8_dwq requantization == MultiplyByQuantizedMultiplier + zero point', () => {
  const mults = [2 ** 30 + 1, 2 ** 30 + 2 ** 29, 2 ** 30 + 2 ** 20, 2 ** 31 - 1, 0x5a000000, 0x6d3a0000];
  const shifts = [2, 3, 5, 8, 13, 22];
  it('on every sum in [-2000, 2000] (ties included), zero points -128, 0, 127', () => {
    for (const m of mults)
      for (const e of shifts)
        for (const zp of [-128, 0, 127])
          for (let acc = -2000; acc <= 2000; acc++) {
            const want = multiplyByQuantizedMultiplier(acc, m, -e) + zp;
            if (dwqRequant(acc, m, e, zp) !== want) expect({ acc, m, e, zp, got: dwqRequant(acc, m, e, zp) }).toEqual({ acc, m, e, zp, got: want });
          }
  });

  it('on random sums up to 2^30 in magnitude (the bound the lowering checks) and random parameters', () => {
    const r = rng(11);
    for (let i = 0; i < 100_000; i++) {
      const m = 2 ** 30 + 1 + Math.floor(r() * (2 ** 30 - 1));
      const e = 2 + Math.floor(r() * 21);
      const zp = Math.floor(r() * 256) - 128;
      const acc = Math.floor((r() * 2 - 1) * (i % 2 ? 2 ** 30 - 1 : 2 ** 20));
      const want = multiplyByQuantizedMultiplier(acc, m, -e) + zp;
      if (dwqRequant(acc, m, e, zp) !== want) expect({ acc, m, e, zp, got: dwqRequant(acc, m, e, zp) }).toEqual({ acc, m, e, zp, got: want });
    }
  });
});
