// gemmlowp fixedpoint.h transcendental functions on FixedPoint<int32_t, k>, written out on
// raw int32 values. A "Qk" value (k integer bits) with raw r means r / 2^(31-k).
// `+`, `-` and unary `-` on FixedPoint wrap modulo 2^32 in the C++ (plain int32 ops),
// so they are written `(a + b) | 0` here; `*` is SaturatingRoundingDoublingHighMul.

import { INT32_MAX } from './int.ts';
import {
  roundingDivideByPOT,
  roundingHalfSum,
  saturatingRoundingDoublingHighMul as mul,
  saturatingRoundingMultiplyByPOT,
} from './fixedpoint.ts';

const add = (a: number, b: number): number => (a + b) | 0;
const sub = (a: number, b: number): number => (a - b) | 0;
const neg = (a: number): number => -a | 0;

/** Rescale<dstBits>(FixedPoint<int32, srcBits>) */
function rescale(raw: number, srcIntegerBits: number, dstIntegerBits: number): number {
  return saturatingRoundingMultiplyByPOT(raw, srcIntegerBits - dstIntegerBits);
}

/** exp(a) for a in [-1/4, 0): Q0 in, Q0 out (Taylor expansion around -1/8). */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8) in Q0.31
  const constant1Over3 = 715827883; // 1/3 in Q0.31
  const x = add(a, 1 << 28); // a + 1/8
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x4 = mul(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT(add(mul(add(x4Over4, x3), constant1Over3), x2), 1);
  return add(constantTerm, mul(constantTerm, add(x, poly)));
}

/** Barrel-shifter multipliers exp(-2^e) in Q0.31 for e = -2 .. 4. */
const EXP_BARREL: ReadonlyArray<readonly [number, number]> = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/** gemmlowp exp_on_negative_values: a in Q(integerBits) (a <= 0), result exp(a) in Q0. */
export function expOnNegativeValues(a: number, integerBits: number): number {
  if (!(integerBits >= 0 && integerBits <= 29)) throw new RangeError(`integerBits ${integerBits}`);
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = sub(a & mask, oneQuarter);
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusOneQuarter, integerBits, 0));
  const remainder = sub(aModQuarterMinusOneQuarter, a);
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const shiftAmount = fractionalBits + exponent;
      if ((remainder & (1 << shiftAmount)) !== 0) result = mul(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clampValue = -(1 << (36 - integerBits)); // -32.0
    if (a < clampValue) result = 0;
  }
  if (a === 0) result = INT32_MAX; // One() in Q0
  return result;
}

/** Newton–Raphson 1/(1+x)-style iteration shared by the two functions below; returns x in Q2. */
function newtonRaphsonHalfDenominator(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX); // (a + 1) / 2 in Q0
  const constant48Over17 = 1515870810; // Q2
  const constantNeg32Over17 = -1010580540; // Q2
  let x = add(constant48Over17, mul(halfDenominator, constantNeg32Over17));
  const oneQ2 = 1 << 29;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = mul(halfDenominator, x); // Q2
    const oneMinus = sub(oneQ2, halfDenominatorTimesX); // Q2
    x = add(x, rescale(mul(x, oneMinus), 4, 2)); // Q4 -> Q2
  }
  return x;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0 in, 1/(1+a) in Q0. */
export function oneOverOnePlusXForXIn01(a: number): number {
  const x = newtonRaphsonHalfDenominator(a);
  // ExactMulByPot<-1>: same raw seen as Q1; then Rescale<0> from Q1.
  return rescale(x, 1, 0);
}

/** gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: Q0 in, (1-a)/(1+a) in Q0. */
export function oneMinusXOverOnePlusXForXIn01(a: number): number {
  const x = newtonRaphsonHalfDenominator(a);
  return rescale(sub(x, 1 << 29), 2, 0);
}

/** gemmlowp logistic: a in Q(integerBits), result in Q0 (raw/2^31). */
export function logisticFixed(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30; // one half
  // abs_input = a > 0 ? a : -a; logistic_on_positive_values(abs) = 1/(1+exp(-abs))
  const negAbs = a > 0 ? neg(a) : a; // -(-a) wraps back to a, also for INT32_MIN
  const resultIfPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(negAbs, integerBits));
  return a > 0 ? resultIfPositive : sub(INT32_MAX, resultIfPositive);
}

/** gemmlowp tanh: a in Q(integerBits), result in Q0. */
export function tanhFixed(a: number, integerBits: number): number {
  if (a === 0) return 0;
  const n = a < 0 ? a : neg(a);
  // neg_tanh_on_negative_values: ExactMulByPot<1> reinterprets n as Q(integerBits+1)
  const t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, integerBits + 1));
  return a < 0 ? neg(t) : t;
}

/**
 * TFLite GetReciprocal (common.h): for x > 0 in Q(xIntegerDigits) returns 1/x as a Q0
 * mantissa plus numBitsOverUnit, i.e. 1/x = raw / 2^31 / 2^numBitsOverUnit.
 */
export function getReciprocal(x: number, xIntegerDigits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const numBitsOverUnit = xIntegerDigits - headroomPlusOne;
  const shiftedSumMinusOne = ((x << headroomPlusOne) - 0x80000000) | 0;
  return { reciprocal: oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit };
}

