// Requantization primitives: expected values worked out by hand from the TFLite / gemmlowp
// definitions (working in the comments). Q31: raw r means r / 2^31.
import { describe, expect, it } from 'vitest';
import {
  INT32_MAX,
  INT32_MIN,
  calculateInputRadius,
  downScaleInt32ToInt16Multiplier,
  frexp,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  quantizeMultiplierGreaterThanOne,
  quantizeMultiplierSmallerThanOneExp,
  roundHalfAway,
  roundingDivideByPOT,
  roundingDivideByPOT16,
  saturatingRoundingDoublingHighMul as srdhm,
  saturatingRoundingMultiplyByPOT,
  saturatingRoundingDoublingHighMul16,
} from '../../src/ir/quant/index.ts';

const P30 = 2 ** 30; // 0.5 in Q31

describe('roundHalfAway (TfLiteRound)', () => {
  it('rounds ties away from zero, is exact near 0.5', () => {
    expect(roundHalfAway(2.5)).toBe(3);
    expect(roundHalfAway(-2.5)).toBe(-3);
    expect(roundHalfAway(0.49999999999999994)).toBe(0); // Math.floor(x + 0.5) would give 1
    expect(roundHalfAway(-0.5)).toBe(-1);
    expect(roundHalfAway(1.4999999)).toBe(1);
  });
});

describe('frexp', () => {
  it('splits into [0.5, 1) * 2^e', () => {
    expect(frexp(1)).toEqual({ mantissa: 0.5, exponent: 1 });
    expect(frexp(0.75)).toEqual({ mantissa: 0.75, exponent: 0 });
    expect(frexp(-3)).toEqual({ mantissa: -0.75, exponent: 2 });
    expect(frexp(2 ** -1074)).toEqual({ mantissa: 0.5, exponent: -1073 }); // smallest subnormal
    expect(frexp(0)).toEqual({ mantissa: 0, exponent: 0 });
  });
});

describe('QuantizeMultiplier', () => {
  it('0 -> (0, 0)', () => {
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });
  it('powers of two give mantissa 0.5 = 2^30', () => {
    // 0.5 = 0.5 * 2^0; 0.25 = 0.5 * 2^-1; 1.0 = 0.5 * 2^1; 2.0 = 0.5 * 2^2; q_fixed = 0.5 * 2^31
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: P30, shift: 0 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: P30, shift: -1 });
    expect(quantizeMultiplier(1.0)).toEqual({ multiplier: P30, shift: 1 });
    expect(quantizeMultiplier(2.0)).toEqual({ multiplier: P30, shift: 2 });
    expect(quantizeMultiplier(-0.5)).toEqual({ multiplier: -P30, shift: 0 });
  });
  it('0.75 -> 0.75 * 2^31', () => {
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 });
  });
  it('0.999999999 rounds the mantissa but stays below 2^31', () => {
    // q = 0.999999999, e = 0; q * 2^31 = 2147483648 - 2.147483648 = 2147483645.852516352 -> 2147483646
    expect(quantizeMultiplier(0.999999999)).toEqual({ multiplier: 2147483646, shift: 0 });
  });
  it('q rounding up to 2^31 is halved and the shift incremented', () => {
    // 1 - 2^-33: q = 1 - 2^-33, e = 0; q * 2^31 = 2^31 - 0.25 -> round -> 2^31 -> 2^30, shift 1
    expect(quantizeMultiplier(1 - 2 ** -33)).toEqual({ multiplier: P30, shift: 1 });
    // 1 - 2^-32: q * 2^31 = 2^31 - 0.5 -> rounds away from zero -> 2^31 -> same
    expect(quantizeMultiplier(1 - 2 ** -32)).toEqual({ multiplier: P30, shift: 1 });
    // 1 - 2^-31: q * 2^31 = 2^31 - 1 exactly -> kept
    expect(quantizeMultiplier(1 - 2 ** -31)).toEqual({ multiplier: INT32_MAX, shift: 0 });
  });
  it('tiny multipliers: shift < -31 becomes (0, 0)', () => {
    // 1e-9 in [2^-30, 2^-29): e = -29, q * 2^31 = 1e-9 * 2^60 = 1152921504.606846976 -> 1152921505
    expect(quantizeMultiplier(1e-9)).toEqual({ multiplier: 1152921505, shift: -29 });
    // 2^-32 = 0.5 * 2^-31: shift -31 is still allowed
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: P30, shift: -31 });
    // 2^-33 -> shift -32 < -31 -> zero
    expect(quantizeMultiplier(2 ** -33)).toEqual({ multiplier: 0, shift: 0 });
    // 1e-10 in [2^-34, 2^-33): e = -33 < -31 -> zero
    expect(quantizeMultiplier(1e-10)).toEqual({ multiplier: 0, shift: 0 });
  });
  it('SmallerThanOneExp / GreaterThanOne check their ranges', () => {
    expect(quantizeMultiplierSmallerThanOneExp(0.25)).toEqual({ multiplier: P30, shift: -1 });
    expect(() => quantizeMultiplierSmallerThanOneExp(1)).toThrow();
    expect(quantizeMultiplierGreaterThanOne(3)).toEqual({ multiplier: 1610612736, shift: 2 });
    expect(() => quantizeMultiplierGreaterThanOne(1)).toThrow();
  });
});

describe('SaturatingRoundingDoublingHighMul', () => {
  it('saturates INT32_MIN * INT32_MIN (= +1.0, not representable) to INT32_MAX', () => {
    expect(srdhm(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
  });
  it('INT32_MIN * INT32_MAX', () => {
    // ab = -2^62 + 2^31, nudge = 1 - 2^30:
    // (ab + nudge) / 2^31 = -2^31 + 1 - (2^30 - 1)/2^31 = -2147483647.4999999995 -> trunc -2147483647
    expect(srdhm(INT32_MIN, INT32_MAX)).toBe(-2147483647);
  });
  it('0.5 * 0.5 = 0.25', () => {
    // 2^30 * 2^30 = 2^60; (2^60 + 2^30) / 2^31 = 2^29 + 0.5 -> trunc 2^29
    expect(srdhm(P30, P30)).toBe(2 ** 29);
  });
  it('ties round toward +infinity (VQRDMULH)', () => {
    // 1 * 2^30 / 2^31 = +0.5: (2^30 + 2^30) / 2^31 = 1
    expect(srdhm(1, P30)).toBe(1);
    // -1 * 2^30 / 2^31 = -0.5: (-2^30 + 1 - 2^30) / 2^31 = -1 + 2^-31 -> trunc 0
    expect(srdhm(-1, P30)).toBe(0);
    // -3 * 2^30 / 2^31 = -1.5: (-3*2^30 + 1 - 2^30) / 2^31 = -2 + 2^-31 -> trunc -1
    expect(srdhm(-3, P30)).toBe(-1);
    // 3 * 2^30 / 2^31 = 1.5 -> 2
    expect(srdhm(3, P30)).toBe(2);
  });
  it('multiplying by ~1.0 (INT32_MAX)', () => {
    // 1000 * (2^31 - 1) / 2^31 = 1000 - 1000/2^31 -> 1000
    expect(srdhm(1000, INT32_MAX)).toBe(1000);
    expect(srdhm(-1000, INT32_MAX)).toBe(-1000);
    expect(srdhm(INT32_MAX, INT32_MAX)).toBe(INT32_MAX - 1); // (2^31-1)^2/2^31 = 2^31 - 2 + 2^-31
  });
  it('zero', () => {
    expect(srdhm(0, INT32_MIN)).toBe(0);
    expect(srdhm(INT32_MIN, 0)).toBe(0);
  });
  it('int16 flavour', () => {
    expect(saturatingRoundingDoublingHighMul16(-32768, -32768)).toBe(32767);
    // 16384 * 16384 / 2^15 = 8192
    expect(saturatingRoundingDoublingHighMul16(16384, 16384)).toBe(8192);
    // -1 * 16384 / 2^15 = -0.5 -> (-16384 + 1 - 16384) / 32768 -> trunc 0
    expect(saturatingRoundingDoublingHighMul16(-1, 16384)).toBe(0);
  });
});

describe('RoundingDivideByPOT', () => {
  it('rounds ties away from zero in both signs', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3); // 2.5
    expect(roundingDivideByPOT(-5, 1)).toBe(-3); // -2.5
    expect(roundingDivideByPOT(6, 2)).toBe(2); // 1.5
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // -1.5
  });
  it('non-ties round to nearest', () => {
    expect(roundingDivideByPOT(3, 1)).toBe(2); // 1.5 tie -> 2
    expect(roundingDivideByPOT(5, 2)).toBe(1); // 1.25
    expect(roundingDivideByPOT(-5, 2)).toBe(-1); // -1.25: -5>>2 = -2, rem 3 > threshold 2 -> -1
    expect(roundingDivideByPOT(7, 2)).toBe(2); // 1.75
    expect(roundingDivideByPOT(-7, 2)).toBe(-2); // -1.75
  });
  it('exponent 0 is the identity; exponent 31 extremes', () => {
    expect(roundingDivideByPOT(-123, 0)).toBe(-123);
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1); // exactly -1
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1); // 0.99999 -> 1
    expect(roundingDivideByPOT(P30, 31)).toBe(1); // +0.5 -> 1
    expect(roundingDivideByPOT(-P30, 31)).toBe(-1); // -0.5 -> -1 (rem 2^30 not > threshold 2^30)
    expect(roundingDivideByPOT(P30 - 1, 31)).toBe(0);
  });
  it('int16 instantiation, including the exponent >= 16 quirk of the int16 mask', () => {
    expect(roundingDivideByPOT16(-5, 1)).toBe(-3);
    // exponent 16: mask (int16) = -1, threshold = -1 (x >= 0): 0 > -1 -> 0 + 1
    expect(roundingDivideByPOT16(0, 16)).toBe(1);
  });
});

describe('SaturatingRoundingMultiplyByPOT', () => {
  it('saturating left shift / rounding right shift', () => {
    expect(saturatingRoundingMultiplyByPOT(P30 - 1, 1)).toBe(2 ** 31 - 2);
    expect(saturatingRoundingMultiplyByPOT(P30, 1)).toBe(INT32_MAX); // threshold 2^30 - 1
    expect(saturatingRoundingMultiplyByPOT(-P30, 1)).toBe(INT32_MIN);
    expect(saturatingRoundingMultiplyByPOT(-P30 + 1, 1)).toBe(-(2 ** 31) + 2);
    expect(saturatingRoundingMultiplyByPOT(-5, -1)).toBe(-3);
  });
});

describe('MultiplyByQuantizedMultiplier (TFLite reference: SRDHM then RDBPOT)', () => {
  it('0.5 = (2^30, 0): 3 * 0.5 = 1.5 -> 2', () => {
    expect(multiplyByQuantizedMultiplier(3, P30, 0)).toBe(2);
    expect(multiplyByQuantizedMultiplier(-3, P30, 0)).toBe(-1); // -1.5: SRDHM tie goes up
  });
  it('1.0 exactly = (2^30, 1): left shift then halve', () => {
    // 12345 << 1 = 24690; * 0.5 = 12345 exactly
    expect(multiplyByQuantizedMultiplier(12345, P30, 1)).toBe(12345);
    expect(multiplyByQuantizedMultiplier(-12345, P30, 1)).toBe(-12345);
  });
  it('0.25 = (2^30, -1): SRDHM exact, then RDBPOT rounds ties away from zero', () => {
    expect(multiplyByQuantizedMultiplier(10, P30, -1)).toBe(3); // 5 / 2 = 2.5 -> 3
    expect(multiplyByQuantizedMultiplier(-6, P30, -1)).toBe(-2); // -3 / 2 = -1.5 -> -2
  });
  it('double rounding differs from single rounding', () => {
    // 0.375 = (0.75 * 2^31, -1): SRDHM(1, 1610612736) = 0.75 -> 1; RDBPOT(1, 1) = 0.5 -> 1
    // (single rounding of 1 * 0.375 would give 0)
    const m = quantizeMultiplier(0.375);
    expect(m).toEqual({ multiplier: 1610612736, shift: -1 });
    expect(multiplyByQuantizedMultiplier(1, m.multiplier, m.shift)).toBe(1);
  });
  it('shift -31 (largest right shift)', () => {
    // SRDHM(2^31-1, 2^30) = floor((2^61 - 2^30 + 2^30) / 2^31) = 2^30; RDBPOT(2^30, 31) = 0.5 -> 1
    expect(multiplyByQuantizedMultiplier(INT32_MAX, P30, -31)).toBe(1);
    expect(multiplyByQuantizedMultiplier(INT32_MIN, P30, -31)).toBe(-1); // -2^31 * 2^-32 = -0.5 -> -1
  });
  it('positive shift 2 (real 2.0)', () => {
    expect(multiplyByQuantizedMultiplier(1000, P30, 2)).toBe(2000);
  });
  it('0.999999999 = (2147483646, 0)', () => {
    // 1e9 * 2147483646 = 2147483646000000000; + 2^30 -> / 2^31 = 999999999.0687 -> 999999999
    expect(multiplyByQuantizedMultiplier(1_000_000_000, 2147483646, 0)).toBe(999_999_999);
  });
  it('1e-10 quantizes to (0, 0) and multiplies everything to 0', () => {
    const m = quantizeMultiplier(1e-10);
    expect(multiplyByQuantizedMultiplier(INT32_MAX, m.multiplier, m.shift)).toBe(0);
  });
});

describe('Prepare helpers', () => {
  it('CalculateInputRadius', () => {
    // (2^4 - 1) * 2^(31-4) / 2^shift: shift 0 -> 15 * 2^27
    expect(calculateInputRadius(4, 0, 31)).toBe(15 * 2 ** 27);
    // shift 20: 15 * 2^7 = 1920
    expect(calculateInputRadius(4, 20, 31)).toBe(1920);
    // softmax: (2^5 - 1) * 2^26 / 2^23 = 31 * 8 = 248
    expect(calculateInputRadius(5, 23)).toBe(248);
  });
  it('DownScaleInt32ToInt16Multiplier', () => {
    expect(downScaleInt32ToInt16Multiplier(P30)).toBe(16384);
    expect(downScaleInt32ToInt16Multiplier(INT32_MAX)).toBe(32767); // saturates
    expect(downScaleInt32ToInt16Multiplier(P30 + 32768)).toBe(16385); // (2^30 + 2^15 + 2^15) >> 16
    expect(downScaleInt32ToInt16Multiplier(P30 + 32767)).toBe(16384);
  });
});

describe('SRDHM: exact-integer oracle and CMSIS-NN equivalence', () => {
  // BigInt transcription of gemmlowp: trunc((a*b + nudge) / 2^31)
  const gemmlowpBig = (a: number, b: number): number => {
    if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
    const ab = BigInt(a) * BigInt(b);
    const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
    return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates like C
  };
  // CMSIS-NN arm_nn_doubling_high_mult_no_sat: (a*b + 2^30) >> 31 (floor), no saturation
  const cmsisNoSat = (a: number, b: number): number => Number((BigInt(a) * BigInt(b) + (1n << 30n)) >> 31n);

  it('limb implementation = BigInt gemmlowp = CMSIS-NN no-sat (except INT32_MIN^2) on 20000 pairs', () => {
    let s = 12345;
    const next = (): number => {
      s = (Math.imul(s, 1103515245) + 12345) | 0;
      const k = (s >>> 0) % 8;
      if (k === 0) return [INT32_MIN, INT32_MAX, 0, 1, -1, 1 << 30, -(1 << 30)][(s >>> 8) % 7]!;
      if (k === 1) return ((s >> 12) % 70000) | 0;
      return Math.imul(s, 2654435761) | 0;
    };
    for (let i = 0; i < 20000; i++) {
      const a = next();
      const b = next();
      const mine = srdhm(a, b);
      expect(mine).toBe(gemmlowpBig(a, b));
      if (!(a === INT32_MIN && b === INT32_MIN)) expect(mine).toBe(cmsisNoSat(a, b));
    }
  });
});
