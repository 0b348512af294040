// Fixed-point requantization primitives, bit-exact with TFLite's reference kernels
// (tensorflow/lite/kernels/internal/common.h, quantization_util.cc) and gemmlowp's
// fixedpoint.h, and with templates/runtime/harc_fixedpoint.h.
//
// TFLITE_SINGLE_ROUNDING is *off* (the TFLite / TFLM default): requantization
// rounds twice (SRDHM, then a rounding right shift).

import {
  INT16_MAX,
  INT16_MIN,
  INT32_MAX,
  INT32_MIN,
  frexp,
  roundHalfAway,
  wrap16,
} from './int.ts';

const TWO_POW_31 = 2147483648;

/**
 * gemmlowp SaturatingRoundingDoublingHighMul (int32), = ARM VQRDMULH:
 *   overflow (a == b == INT32_MIN) -> INT32_MAX
 *   else (int32)((a*b + nudge) / 2^31) with C truncating division and
 *   nudge = a*b >= 0 ? 2^30 : 1 - 2^30.
 * Exact without BigInt: |a*b| <= 2^62 is split into 16-bit limbs.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  if (a === 0 || b === 0) return 0;
  const negative = (a < 0) !== (b < 0);
  const ua = Math.abs(a);
  const ub = Math.abs(b);
  const ah = Math.floor(ua / 65536);
  const al = ua - ah * 65536;
  const bh = Math.floor(ub / 65536);
  const bl = ub - bh * 65536;
  // positive: floor((|ab| + 2^30) / 2^31); negative: -floor((|ab| + 2^30 - 1) / 2^31)
  const c = negative ? 1073741823 : 1073741824;
  const high = ah * bh; // weight 2^32
  const rest = (ah * bl + al * bh) * 65536 + al * bl + c; // < 2^50, exact
  const q = high * 2 + Math.floor(rest / TWO_POW_31);
  return (negative ? -q : q) | 0; // |0: no -0
}

/**
 * gemmlowp RoundingDivideByPOT (int32): x / 2^exponent rounded to nearest, ties away
 * from zero. exponent in [0, 31].
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent < 0 || exponent > 31) throw new RangeError(`RoundingDivideByPOT exponent ${exponent} not in [0, 31]`);
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * gemmlowp SaturatingRoundingMultiplyByPOT<exponent> (int32): exponent > 0 is a
 * saturating left shift, exponent < 0 a RoundingDivideByPOT, 0 the identity.
 */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** exponent; // exact, in range
}

/** gemmlowp RoundingHalfSum (int32): (a + b + sign) / 2 with C truncating division. */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  const sign = sum >= 0 ? 1 : -1;
  return Math.trunc((sum + sign) / 2) | 0;
}

/**
 * TFLite MultiplyByQuantizedMultiplier (reference, double rounding):
 *   left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift
 *   RoundingDivideByPOT(SRDHM(x * 2^left, multiplier), right)
 * x * 2^left wraps modulo 2^32 like the C int32 product (never happens for valid params).
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x << left, multiplier), right);
}

/** TFLite MultiplyByQuantizedMultiplierGreaterThanOne: SRDHM(x * 2^leftShift, m). */
export function multiplyByQuantizedMultiplierGreaterThanOne(x: number, multiplier: number, leftShift: number): number {
  return saturatingRoundingDoublingHighMul(x << leftShift, multiplier);
}

/** TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp: RDBPOT(SRDHM(x, m), -leftShift), leftShift <= 0. */
export function multiplyByQuantizedMultiplierSmallerThanOneExp(x: number, multiplier: number, leftShift: number): number {
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -leftShift);
}

export interface QuantizedMultiplier {
  /** int32, Q0.31 fixed-point mantissa in [2^30, 2^31) (or 0, or negative for negative reals) */
  multiplier: number;
  /** power-of-two exponent: real ≈ multiplier * 2^(shift - 31) */
  shift: number;
}

/**
 * TFLite QuantizeMultiplier (quantization_util.cc, TFLITE_SINGLE_ROUNDING off):
 *   0 -> {0, 0}; q, shift = frexp(real); q_fixed = TfLiteRound(q * 2^31);
 *   q_fixed == 2^31 -> q_fixed /= 2, ++shift; shift < -31 -> {0, 0}.
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  if (!Number.isFinite(real)) throw new RangeError(`cannot quantize multiplier ${real}`);
  const { mantissa, exponent } = frexp(real);
  let shift = exponent;
  let qFixed = roundHalfAway(mantissa * TWO_POW_31);
  if (qFixed === TWO_POW_31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  // Negative reals give q_fixed in [-2^31, -2^30]; -2^31 stays (fits int32), like the C++.
  return { multiplier: qFixed, shift };
}

/** TFLite QuantizeMultiplierSmallerThanOneExp: requires 0 < real < 1; shift <= 0. */
export function quantizeMultiplierSmallerThanOneExp(real: number): QuantizedMultiplier {
  if (!(real > 0 && real < 1)) throw new RangeError(`QuantizeMultiplierSmallerThanOneExp needs 0 < m < 1, got ${real}`);
  const q = quantizeMultiplier(real);
  if (q.shift > 0) throw new RangeError(`shift ${q.shift} > 0`);
  return q;
}

/** TFLite QuantizeMultiplierGreaterThanOne: requires real > 1; shift >= 0. */
export function quantizeMultiplierGreaterThanOne(real: number): QuantizedMultiplier {
  if (!(real > 1)) throw new RangeError(`QuantizeMultiplierGreaterThanOne needs m > 1, got ${real}`);
  const q = quantizeMultiplier(real);
  if (q.shift < 0) throw new RangeError(`shift ${q.shift} < 0`);
  return q;
}

/**
 * TFLite CalculateInputRadius:
 *   floor((2^intBits - 1) * 2^(totalSignedBits - intBits) / 2^leftShift)
 * (Computed with exact powers of two, so negative leftShift does not hit C++'s UB.)
 */
export function calculateInputRadius(inputIntegerBits: number, inputLeftShift: number, totalSignedBits = 31): number {
  const maxInputRescaled =
    ((2 ** inputIntegerBits - 1) * 2 ** (totalSignedBits - inputIntegerBits)) / 2 ** inputLeftShift;
  return Math.floor(maxInputRescaled);
}

/** TFLite DownScaleInt32ToInt16Multiplier: round a Q31 multiplier to Q15. */
export function downScaleInt32ToInt16Multiplier(multiplier: number): number {
  if (multiplier < 0) throw new RangeError('DownScaleInt32ToInt16Multiplier needs multiplier >= 0');
  const kRoundingOffset = 1 << 15;
  if (multiplier >= INT32_MAX - kRoundingOffset) return INT16_MAX;
  return (multiplier + kRoundingOffset) >> 16;
}

// ---- int16 flavours (gemmlowp FixedPoint<int16_t> and TFLite hard-swish helpers) ----

/** gemmlowp SaturatingRoundingDoublingHighMul (int16), = ARM VQRDMULH.s16. */
export function saturatingRoundingDoublingHighMul16(a: number, b: number): number {
  if (a === INT16_MIN && b === INT16_MIN) return INT16_MAX;
  const ab = a * b;
  const nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
  return wrap16(Math.trunc((ab + nudge) / 32768));
}

/** TFLite reference_ops::SaturatingDoublingHighMul (int16): like SRDHM but truncating (SQDMULH). */
export function saturatingDoublingHighMul16(a: number, b: number): number {
  if (a === INT16_MIN && b === INT16_MIN) return INT16_MAX;
  return wrap16(Math.trunc((a * b) / 32768));
}

/**
 * gemmlowp RoundingDivideByPOT instantiated on int16_t, including its behaviour for
 * exponent >= 16 (mask truncated to int16), which TFLite's hard-swish can reach.
 */
export function roundingDivideByPOT16(x: number, exponent: number): number {
  if (exponent < 0 || exponent > 31) throw new RangeError(`RoundingDivideByPOT exponent ${exponent} not in [0, 31]`);
  const mask = wrap16(2 ** exponent - 1);
  const remainder = x & mask;
  const threshold = wrap16((mask >> 1) + (x < 0 ? 1 : 0));
  return wrap16((x >> exponent) + (remainder > threshold ? 1 : 0));
}

/** TFLite reference_ops::SaturatingLeftShift (int16): clamp(value * 2^amount) to int16. */
export function saturatingLeftShift16(value: number, amount: number): number {
  const r = value * 2 ** amount;
  return r > INT16_MAX ? INT16_MAX : r < INT16_MIN ? INT16_MIN : r;
}
