// Integer activation functions as TFLite / TFLite Micro reference kernels compute them:
//  - int8 LOGISTIC / TANH: reference_integer_ops::Logistic / Tanh (gemmlowp on Q4 input)
//  - int16 LOGISTIC / TANH: reference_integer_ops::Logistic / Tanh int16 (256-entry LUT
//    with linear interpolation; the path TFLM's integer LSTM uses, Q3.12 in, Q0.15 out)
//  - int8 SOFTMAX: reference_ops::Softmax (gemmlowp exp, GetReciprocal)
//  - int8 HARD_SWISH: reference_ops::HardSwish
// Each kernel takes precomputed params; prepare* computes them like the op's Prepare.

import { INT16_MIN, INT32_MAX, clamp, f32, frexp, qMax, qMin, roundHalfAway } from './int.ts';
import {
  calculateInputRadius,
  downScaleInt32ToInt16Multiplier,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierGreaterThanOne,
  quantizeMultiplier,
  quantizeMultiplierGreaterThanOne,
  roundingDivideByPOT,
  roundingDivideByPOT16,
  saturatingDoublingHighMul16,
  saturatingLeftShift16,
  saturatingRoundingDoublingHighMul,
  saturatingRoundingDoublingHighMul16,
} from './fixedpoint.ts';
import { expOnNegativeValues, getReciprocal, logisticFixed, tanhFixed } from './gemmlowp.ts';

/** Output quantization fixed by the TFLite int8 spec. */
export const LOGISTIC_INT8_OUTPUT = { scale: 1 / 256, zeroPoint: -128 } as const;
export const TANH_INT8_OUTPUT = { scale: 1 / 128, zeroPoint: 0 } as const;
export const SOFTMAX_INT8_OUTPUT = { scale: 1 / 256, zeroPoint: -128 } as const;
/** int8 -> int16 softmax output as TFLite: scale 1/65536, zero point -32768. */
export const SOFTMAX_INT16_OUTPUT = { scale: 1 / 65536, zeroPoint: -32768 } as const;
/** int16 logistic / tanh output: Q0.15, scale 2^-15, zero point 0. */
export const LOGISTIC_TANH_INT16_OUTPUT = { scale: 1 / 32768, zeroPoint: 0 } as const;

function checkOutput(kind: string, actual: { scale: number; zeroPoint: number } | undefined, expected: { scale: number; zeroPoint: number }): void {
  if (!actual) return;
  if (f32(actual.scale) !== f32(expected.scale) || actual.zeroPoint !== expected.zeroPoint) {
    throw new RangeError(
      `${kind} output must be scale ${expected.scale} zero point ${expected.zeroPoint}, got ${actual.scale} / ${actual.zeroPoint}`,
    );
  }
}

// ---------------------------------------------------------------- int8 logistic / tanh

export interface LogisticTanhInt8Params {
  inputZeroPoint: number;
  inputRangeRadius: number;
  inputMultiplier: number;
  /** left shift (may be negative), as produced by frexp */
  inputLeftShift: number;
}

/** Shared Prepare of TFLM LOGISTIC / TANH for int8: input rescaled to Q4.27. */
function prepareGemmlowpInt8(inputScale: number, inputZeroPoint: number): LogisticTanhInt8Params {
  const kInputIntegerBits = 4;
  const inputRealMultiplier = f32(inputScale) * 2 ** (31 - kInputIntegerBits);
  const { mantissa, exponent } = frexp(inputRealMultiplier);
  const m = roundHalfAway(mantissa * 2 ** 31);
  // static_cast<int32_t>(2^31) would overflow in C++; cannot happen for float32 scales
  // (mantissa has 24 significant bits, so q * 2^31 is an exact integer < 2^31).
  if (m > INT32_MAX) throw new RangeError(`input multiplier overflow for scale ${inputScale}`);
  return {
    inputZeroPoint,
    inputRangeRadius: calculateInputRadius(kInputIntegerBits, exponent, 31),
    inputMultiplier: m,
    inputLeftShift: exponent,
  };
}

/** TFLM LOGISTIC Prepare (int8). Output must be scale 1/256, zero point -128. */
export function prepareLogisticInt8(
  inputScale: number,
  inputZeroPoint: number,
  output?: { scale: number; zeroPoint: number },
): LogisticTanhInt8Params {
  checkOutput('LOGISTIC int8', output, LOGISTIC_INT8_OUTPUT);
  return prepareGemmlowpInt8(inputScale, inputZeroPoint);
}

/** TFLM TANH Prepare (int8). Output must be scale 1/128, zero point 0. */
export function prepareTanhInt8(
  inputScale: number,
  inputZeroPoint: number,
  output?: { scale: number; zeroPoint: number },
): LogisticTanhInt8Params {
  checkOutput('TANH int8', output, TANH_INT8_OUTPUT);
  return prepareGemmlowpInt8(inputScale, inputZeroPoint);
}

/** reference_integer_ops::Logistic (int8), one element. */
export function logisticInt8(x: number, p: LogisticTanhInt8Params): number {
  const input = x - p.inputZeroPoint;
  if (input <= -p.inputRangeRadius) return -128;
  if (input >= p.inputRangeRadius) return 127;
  const inputInQ4 = multiplyByQuantizedMultiplier(input, p.inputMultiplier, p.inputLeftShift);
  const outputInQ0 = logisticFixed(inputInQ4, 4);
  const outputInQ23 = roundingDivideByPOT(outputInQ0, 31 - 8);
  return clamp(outputInQ23 - 128, -128, 127);
}

/** reference_integer_ops::Tanh (int8), one element. */
export function tanhInt8(x: number, p: LogisticTanhInt8Params): number {
  const input = x - p.inputZeroPoint;
  if (input <= -p.inputRangeRadius) return -128;
  if (input >= p.inputRangeRadius) return 127;
  const inputInQ4 = multiplyByQuantizedMultiplier(input, p.inputMultiplier, p.inputLeftShift);
  const outputInQ0 = tanhFixed(inputInQ4, 4);
  const outputInQ24 = roundingDivideByPOT(outputInQ0, 31 - 7);
  return clamp(outputInQ24, -128, 127);
}

// ---------------------------------------------------------------- int16 logistic / tanh (LUT)

/** sigmoid(i/24) in 0.16 fixed point, i = 0..255 (TFLite's sigmoid_table_uint16 data). */
export const SIGMOID_TABLE_UINT16: readonly number[] = [
  32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
  43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
  51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
  57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
  61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
  63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
  64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
  64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
  65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
  65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
  65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
  65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
  65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
  65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
  65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
  65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

export interface LogisticTanhInt16Params {
  /** 0 selects the power-of-two path (multiplier 3 << leftShift, shift 0) */
  inputMultiplier: number;
  inputLeftShift: number;
}

/** TFLite CheckedLog2 (float math): is x a power of two (within 1e-3 in log2)? */
function checkedLog2(x: number): { pot: boolean; log2: number } {
  const xLog2 = f32(f32(Math.log(f32(x))) * f32(1 / f32(Math.log(2))));
  const rounded = roundHalfAway(xLog2);
  const frac = f32(xLog2 - rounded);
  return { pot: Math.abs(frac) < f32(1e-3), log2: rounded };
}

function prepareLutInt16(kind: 'logistic' | 'tanh', inputScale: number, inputZeroPoint = 0): LogisticTanhInt16Params {
  if (inputZeroPoint !== 0) throw new RangeError(`${kind} int16 needs input zero point 0`);
  const kInputIntegerBits = 3;
  const { pot, log2 } = checkedLog2(inputScale);
  let inputLeftShift = 15 - kInputIntegerBits + log2;
  const shiftOk = kind === 'logistic' ? inputLeftShift === 0 : inputLeftShift === 0 || inputLeftShift === 1;
  if (pot && shiftOk) return { inputMultiplier: 0, inputLeftShift };
  // Rescale the input to 1/(3*4096) as the table lookup needs.
  let multiplier = f32(inputScale) * 4096.0 * 3.0;
  inputLeftShift = 0;
  while (multiplier <= 32767.0 / 2.0 && inputLeftShift <= 30) {
    inputLeftShift++;
    multiplier *= 2.0;
  }
  return { inputMultiplier: Math.trunc(multiplier), inputLeftShift };
}

/** TFLM LOGISTIC Prepare for int16 (zero points 0, output Q0.15). */
export function prepareLogisticInt16(inputScale: number, inputZeroPoint = 0): LogisticTanhInt16Params {
  return prepareLutInt16('logistic', inputScale, inputZeroPoint);
}

/** TFLM TANH Prepare for int16 (zero points 0, output Q0.15). */
export function prepareTanhInt16(inputScale: number, inputZeroPoint = 0): LogisticTanhInt16Params {
  return prepareLutInt16('tanh', inputScale, inputZeroPoint);
}

function lutInput(x: number, p: LogisticTanhInt16Params): number {
  let multiplier = p.inputMultiplier;
  let leftShift = p.inputLeftShift;
  if (multiplier === 0) {
    multiplier = 3 << leftShift;
    leftShift = 0;
  }
  const round = leftShift > 0 ? 1 << (leftShift - 1) : 0;
  return (x * multiplier + round) >> leftShift; // int32 arithmetic shift
}

/** reference_integer_ops::Logistic (int16, LUT): Q3.12-style input, Q0.15 output. */
export function logisticInt16(x: number, p: LogisticTanhInt16Params): number {
  const inputData = lutInput(x, p);
  const absInput = Math.abs(inputData);
  const uh = Math.floor(absInput / 512);
  let result: number;
  if (uh >= 255) {
    result = 0x7fff * 1024;
  } else {
    const ua = SIGMOID_TABLE_UINT16[uh]!;
    const ub = SIGMOID_TABLE_UINT16[uh + 1]!;
    const ut = absInput & 0x1ff;
    result = ua * 512 + ut * (ub - ua);
  }
  result = inputData >= 0 ? result + 512 : 2 ** 25 - result + 512 - 1;
  return Math.floor(result / 1024);
}

/** reference_integer_ops::Tanh (int16, LUT): Q3.12-style input, Q0.15 output. */
export function tanhInt16(x: number, p: LogisticTanhInt16Params): number {
  const inputData = lutInput(x, p);
  const absInput = Math.abs(inputData);
  const uh = Math.floor(absInput / 256);
  let result: number;
  if (uh >= 255) {
    result = 0xffff * 256;
  } else {
    const ua = SIGMOID_TABLE_UINT16[uh]!;
    const ub = SIGMOID_TABLE_UINT16[uh + 1]!;
    const ut = absInput & 0xff;
    result = ua * 256 + ut * (ub - ua);
  }
  result = inputData >= 0 ? result - 2 ** 23 + 128 : -result + 2 ** 23 + 128 - 1;
  return Math.floor(result / 256); // arithmetic >> 8
}

// ---------------------------------------------------------------- softmax

export interface SoftmaxParams {
  inputMultiplier: number;
  inputLeftShift: number;
  diffMin: number;
}

/**
 * TFLM SOFTMAX Prepare for int8 input (CalculateSoftmaxParams / PreprocessSoftmaxScaling):
 * real = min(beta * s_in * 2^(31-5), 2^31 - 1), QuantizeMultiplierGreaterThanOne,
 * diff_min = -CalculateInputRadius(5, left_shift).
 */
export function prepareSoftmaxInt8(inputScale: number, beta = 1.0): SoftmaxParams {
  const kScaledDiffIntegerBits = 5;
  const maxRealMultiplier = 2 ** 31 - 1.0;
  const real = Math.min(f32(beta) * f32(inputScale) * 2 ** (31 - kScaledDiffIntegerBits), maxRealMultiplier);
  const { multiplier, shift } = quantizeMultiplierGreaterThanOne(real);
  return {
    inputMultiplier: multiplier,
    inputLeftShift: shift,
    diffMin: -calculateInputRadius(kScaledDiffIntegerBits, shift, 31),
  };
}

/**
 * reference_ops::Softmax<int8_t, OutputT> over the last axis. `input` holds rows of `depth`
 * values; the output type is signed `outputBits` wide (8: scale 1/256 zp -128; 16: scale
 * 1/65536 zp -32768). Requires the sum of exps to keep the final shift <= 31
 * (depth < 512 for int8 output).
 */
export function softmaxInt8(input: ArrayLike<number>, depth: number, p: SoftmaxParams, outputBits = 8): Int32Array {
  const kScaledDiffIntegerBits = 5;
  const kAccumulationIntegerBits = 12;
  const outMin = qMin(outputBits);
  const outMax = qMax(outputBits);
  const out = new Int32Array(input.length);
  if (input.length % depth !== 0) throw new RangeError(`length ${input.length} not a multiple of depth ${depth}`);
  for (let base = 0; base < input.length; base += depth) {
    let maxInRow = -128;
    for (let c = 0; c < depth; c++) maxInRow = Math.max(maxInRow, input[base + c]!);
    let sumOfExps = 0;
    const exps = new Array<number>(depth);
    for (let c = 0; c < depth; c++) {
      const inputDiff = input[base + c]! - maxInRow;
      if (inputDiff >= p.diffMin) {
        const rescaled = multiplyByQuantizedMultiplierGreaterThanOne(inputDiff, p.inputMultiplier, p.inputLeftShift);
        const e = expOnNegativeValues(rescaled, kScaledDiffIntegerBits);
        exps[c] = e;
        // Rescale<12> from Q0: RoundingDivideByPOT by 12; int32 wrap-around add
        sumOfExps = (sumOfExps + roundingDivideByPOT(e, kAccumulationIntegerBits)) | 0;
      } else {
        exps[c] = -1;
      }
    }
    const { reciprocal, numBitsOverUnit } = getReciprocal(sumOfExps, kAccumulationIntegerBits);
    const exponent = numBitsOverUnit + 31 - outputBits;
    if (exponent > 31) throw new RangeError(`softmax sum too large (shift ${exponent} > 31)`);
    for (let c = 0; c < depth; c++) {
      const inputDiff = input[base + c]! - maxInRow;
      if (inputDiff >= p.diffMin) {
        const unsat = roundingDivideByPOT(saturatingRoundingDoublingHighMul(reciprocal, exps[c]!), exponent);
        out[base + c] = clamp(unsat + outMin, outMin, outMax);
      } else {
        out[base + c] = outMin;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- hard swish

export interface HardSwishParams {
  inputZeroPoint: number;
  outputZeroPoint: number;
  reluishMultiplierExponent: number;
  reluishMultiplierFixedpointInt16: number;
  outputMultiplierExponent: number;
  outputMultiplierFixedpointInt16: number;
}

/** TFLite HardSwishPrepare (quantized): float arithmetic, then Q31 -> Q15 multipliers. */
export function prepareHardSwish(
  inputScale: number,
  inputZeroPoint: number,
  outputScale: number,
  outputZeroPoint: number,
): HardSwishParams {
  const hiresInputScale = f32(f32(1.0 / 128.0) * f32(inputScale));
  const reluishScale = f32(3.0 / 32768.0);
  const outputMultiplier = f32(hiresInputScale / f32(outputScale));
  const om = quantizeMultiplier(outputMultiplier);
  if (om.shift > 0) throw new RangeError(`hard-swish output multiplier exponent ${om.shift} > 0`);
  const reluishMultiplier = f32(hiresInputScale / reluishScale);
  const rm = quantizeMultiplier(reluishMultiplier);
  return {
    inputZeroPoint,
    outputZeroPoint,
    reluishMultiplierExponent: rm.shift,
    reluishMultiplierFixedpointInt16: downScaleInt32ToInt16Multiplier(rm.multiplier),
    outputMultiplierExponent: om.shift,
    outputMultiplierFixedpointInt16: downScaleInt32ToInt16Multiplier(om.multiplier),
  };
}

const toI16 = (v: number): number => ((v | 0) << 16) >> 16;

/** reference_ops::HardSwish (quantized), one element; output clamped to signed `bits`. */
export function hardSwish(x: number, p: HardSwishParams, bits = 8): number {
  const inputValue = toI16(x - p.inputZeroPoint);
  const hires = toI16(inputValue * 128);
  const preshiftOutputScale = saturatingRoundingDoublingHighMul16(hires, p.outputMultiplierFixedpointInt16);
  let reluish = hires;
  if (p.reluishMultiplierExponent > 0) reluish = saturatingLeftShift16(reluish, p.reluishMultiplierExponent - 1);
  reluish = saturatingRoundingDoublingHighMul16(reluish, p.reluishMultiplierFixedpointInt16);
  if (p.reluishMultiplierExponent > 0) reluish = saturatingLeftShift16(reluish, 1);
  if (p.reluishMultiplierExponent < 0) reluish = roundingDivideByPOT16(reluish, -p.reluishMultiplierExponent);
  reluish = toI16((reluish + 32768) >> 1);
  const preshiftOutput = saturatingDoublingHighMul16(reluish, preshiftOutputScale);
  let out = roundingDivideByPOT16(preshiftOutput, -p.outputMultiplierExponent);
  out = toI16(out + p.outputZeroPoint);
  return clamp(out, Math.max(qMin(bits), INT16_MIN), qMax(bits));
}
