// Integer activations against their float definitions: within ~1 LSB, monotone, in range.
// Bit-exactness is covered by differential.test.ts (C vs TS) and tflm-reference.test.ts.
import { describe, expect, it } from 'vitest';
import * as q from '../../src/ir/quant/index.ts';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function checkMonotone(ys: number[]): void {
  for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeGreaterThanOrEqual(ys[i - 1]!);
}

describe('int8 LOGISTIC', () => {
  for (const [scale, zp] of [[0.1, 0], [0.0387752913, -2], [0.5, 10], [0.01, -128]] as const) {
    it(`scale ${scale} zp ${zp}: |err| <= 1 LSB of 1/256, monotone, in [-128, 127]`, () => {
      const p = q.prepareLogisticInt8(Math.fround(scale), zp, q.LOGISTIC_INT8_OUTPUT);
      const ys: number[] = [];
      for (let x = -128; x < 128; x++) {
        const y = q.logisticInt8(x, p);
        ys.push(y);
        expect(y).toBeGreaterThanOrEqual(-128);
        expect(y).toBeLessThanOrEqual(127);
        const ref = sigmoid(Math.fround(scale) * (x - zp)) * 256 - 128;
        expect(Math.abs(y - Math.min(127, ref))).toBeLessThanOrEqual(1);
      }
      checkMonotone(ys);
    });
  }
  it('logistic(0) = 0.5 -> 0; output quantization is fixed', () => {
    const p = q.prepareLogisticInt8(0.1, 3);
    expect(q.logisticInt8(3, p)).toBe(0);
    expect(() => q.prepareLogisticInt8(0.1, 0, { scale: 1 / 128, zeroPoint: 0 })).toThrow();
  });
});

describe('int8 TANH', () => {
  for (const [scale, zp] of [[0.05, 0], [0.02, -20], [0.3, 5]] as const) {
    it(`scale ${scale} zp ${zp}: |err| <= 1 LSB of 1/128, monotone, odd`, () => {
      const p = q.prepareTanhInt8(Math.fround(scale), zp, q.TANH_INT8_OUTPUT);
      const ys: number[] = [];
      for (let x = -128; x < 128; x++) {
        const y = q.tanhInt8(x, p);
        ys.push(y);
        const ref = Math.tanh(Math.fround(scale) * (x - zp)) * 128;
        expect(Math.abs(y - Math.max(-128, Math.min(127, ref)))).toBeLessThanOrEqual(1);
      }
      checkMonotone(ys);
      expect(q.tanhInt8(zp, p)).toBe(0);
    });
  }
});

describe('int16 LOGISTIC / TANH (LUT, Q3.12 -> Q0.15)', () => {
  it('logistic: error < 2^-12, monotone, logistic(0) = 0.5', () => {
    const p = q.prepareLogisticInt16(2 ** -12);
    expect(p).toEqual({ inputMultiplier: 0, inputLeftShift: 0 }); // power-of-two fast path
    let prev = -1;
    for (let x = -32768; x < 32768; x += 7) {
      const y = q.logisticInt16(x, p);
      expect(Math.abs(y / 32768 - sigmoid(x / 4096))).toBeLessThan(2 ** -12);
      expect(y).toBeGreaterThanOrEqual(prev);
      prev = y;
    }
    expect(q.logisticInt16(0, p)).toBe(16384);
  });
  it('tanh: error < 2^-11, monotone, range', () => {
    for (const s of [2 ** -12, 2 ** -11, 0.0003]) {
      const p = q.prepareTanhInt16(s);
      let prev = -32769;
      for (let x = -32768; x < 32768; x += 5) {
        const y = q.tanhInt16(x, p);
        expect(Math.abs(y / 32768 - Math.tanh(x * s))).toBeLessThan(2 ** -11);
        expect(y).toBeGreaterThanOrEqual(prev);
        expect(y).toBeLessThanOrEqual(32767);
        prev = y;
      }
    }
  });
});

describe('int8 SOFTMAX', () => {
  it('close to float softmax, sums to ~1, argmax preserved', () => {
    const scale = Math.fround(0.1);
    const p = q.prepareSoftmaxInt8(scale);
    const xs = [-128, -50, 0, 10, 20, 30, 31, 127, 100, -3];
    const ys = q.softmaxInt8(xs, xs.length, p);
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp(scale * (x - m)));
    const s = e.reduce((a, b) => a + b, 0);
    let total = 0;
    xs.forEach((_, i) => {
      const ref = (e[i]! / s) * 256 - 128;
      expect(Math.abs(ys[i]! - Math.min(127, ref))).toBeLessThanOrEqual(1);
      total += ys[i]! + 128;
    });
    expect(Math.abs(total - 256)).toBeLessThanOrEqual(xs.length);
    expect(ys.indexOf(Math.max(...ys))).toBe(7);
  });
  it('equal inputs share the mass equally; monotone in the input', () => {
    const p = q.prepareSoftmaxInt8(0.05);
    expect(Array.from(q.softmaxInt8([5, 5, 5, 5], 4, p))).toEqual([-64, -64, -64, -64]); // 1/4 = 64/256
    const row = Array.from({ length: 40 }, (_, i) => i * 6 - 120);
    const ys = Array.from(q.softmaxInt8(row, row.length, p));
    checkMonotone(ys);
    expect(q.softmaxInt8([3], 1, p)[0]).toBe(127); // 1.0 saturates at 255/256
  });
  it('int16 output (scale 1/65536, zp -32768)', () => {
    const p = q.prepareSoftmaxInt8(0.05);
    // 0.5 each: 0.5 * 65536 = 32768, + zp -32768 = 0
    expect(Array.from(q.softmaxInt8([7, 7], 2, p, 16))).toEqual([0, 0]);
    // 1/4 each: 16384 - 32768 = -16384
    expect(Array.from(q.softmaxInt8([1, 1, 1, 1], 4, p, 16))).toEqual([-16384, -16384, -16384, -16384]);
  });
});

describe('int8 HARD_SWISH', () => {
  it('within 1 LSB of x * relu6(x + 3) / 6', () => {
    const sIn = Math.fround(0.05);
    const sOut = Math.fround(0.03);
    const p = q.prepareHardSwish(sIn, -10, sOut, -60);
    for (let x = -128; x < 128; x++) {
      const r = sIn * (x + 10);
      const ref = Math.max(-128, Math.min(127, (r * Math.min(6, Math.max(0, r + 3))) / 6 / sOut - 60));
      expect(Math.abs(q.hardSwish(x, p) - ref)).toBeLessThanOrEqual(1);
    }
  });
});

describe('int8 ADD / MUL', () => {
  it('ADD within 1 LSB of the float sum, with fused relu6', () => {
    const a = { scale: Math.fround(0.02), zeroPoint: 5 };
    const b = { scale: Math.fround(0.07), zeroPoint: -12 };
    const o = { scale: Math.fround(0.05), zeroPoint: -128 };
    const p = q.prepareAdd(a, b, o, 'relu6');
    expect(p.leftShift).toBe(20);
    for (let x = -128; x < 128; x += 3) {
      for (let y = -128; y < 128; y += 5) {
        const r = a.scale * (x - a.zeroPoint) + b.scale * (y - b.zeroPoint);
        const ref = Math.max(p.activationMin, Math.min(p.activationMax, r / o.scale + o.zeroPoint));
        expect(Math.abs(q.addQuantized(x, y, p) - ref)).toBeLessThanOrEqual(1);
      }
    }
  });
  it('MUL within 1 LSB of the float product', () => {
    const a = { scale: Math.fround(0.03), zeroPoint: 0 };
    const b = { scale: Math.fround(0.01), zeroPoint: 20 };
    const o = { scale: Math.fround(0.02), zeroPoint: 3 };
    const p = q.prepareMul(a, b, o);
    for (let x = -128; x < 128; x += 3) {
      for (let y = -128; y < 128; y += 5) {
        const r = a.scale * (x - a.zeroPoint) * b.scale * (y - b.zeroPoint);
        const ref = Math.max(-128, Math.min(127, r / o.scale + o.zeroPoint));
        expect(Math.abs(q.mulQuantized(x, y, p) - ref)).toBeLessThanOrEqual(1);
      }
    }
  });
});
