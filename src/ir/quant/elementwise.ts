// Quantized elementwise ADD and MUL as TFLite reference kernels
// (reference_integer_ops::AddFunc / MulElementwise) with TFLM's Prepare
// (add_common.cc CalculateOpDataAdd, mul_common.cc CalculateOpDataMul).
// The bit width is data: int8 uses left_shift 20, int16 left_shift 15, and the
// output clamp comes from the fused activation range of the output type.

import { clamp, f32 } from './int.ts';
import {
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierSmallerThanOneExp,
  quantizeMultiplier,
  quantizeMultiplierSmallerThanOneExp,
} from './fixedpoint.ts';
import { activationRange, type FusedActivation } from './params.ts';
import type { TensorQuant } from '../types.ts';

/** An operand's scale and zero point (its bit width does not enter the parameters). */
type Operand = Pick<TensorQuant, 'scale' | 'zeroPoint'>;

export interface AddParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  leftShift: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Multiplier: number;
  input2Shift: number;
  outputMultiplier: number;
  outputShift: number;
  activationMin: number;
  activationMax: number;
}

/** TFLM ADD Prepare for quantized tensors of signed `bits` width (8 or 16). */
export function prepareAdd(
  input1: Operand,
  input2: Operand,
  output: Operand,
  activation: FusedActivation = 'none',
  bits = 8,
): AddParams {
  const leftShift = bits === 16 ? 15 : 20;
  const s1 = f32(input1.scale);
  const s2 = f32(input2.scale);
  const so = f32(output.scale);
  const twiceMaxInputScale = 2 * Math.max(s1, s2);
  const realInput1Multiplier = s1 / twiceMaxInputScale;
  const realInput2Multiplier = s2 / twiceMaxInputScale;
  const realOutputMultiplier = twiceMaxInputScale / (2 ** leftShift * so);
  const m1 = quantizeMultiplierSmallerThanOneExp(realInput1Multiplier);
  const m2 = quantizeMultiplierSmallerThanOneExp(realInput2Multiplier);
  const mo = quantizeMultiplierSmallerThanOneExp(realOutputMultiplier);
  const range = activationRange(activation, so, output.zeroPoint, bits);
  return {
    input1Offset: -input1.zeroPoint,
    input2Offset: -input2.zeroPoint,
    outputOffset: output.zeroPoint,
    leftShift,
    input1Multiplier: m1.multiplier,
    input1Shift: m1.shift,
    input2Multiplier: m2.multiplier,
    input2Shift: m2.shift,
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
    activationMin: range.min,
    activationMax: range.max,
  };
}

/** reference_integer_ops::AddFunc, one element pair. */
export function addQuantized(x: number, y: number, p: AddParams): number {
  const input1Val = p.input1Offset + x;
  const input2Val = p.input2Offset + y;
  const shifted1 = input1Val << p.leftShift;
  const shifted2 = input2Val << p.leftShift;
  const scaled1 = multiplyByQuantizedMultiplierSmallerThanOneExp(shifted1, p.input1Multiplier, p.input1Shift);
  const scaled2 = multiplyByQuantizedMultiplierSmallerThanOneExp(shifted2, p.input2Multiplier, p.input2Shift);
  const rawSum = (scaled1 + scaled2) | 0;
  const rawOutput =
    (multiplyByQuantizedMultiplierSmallerThanOneExp(rawSum, p.outputMultiplier, p.outputShift) + p.outputOffset) | 0;
  return clamp(rawOutput, p.activationMin, p.activationMax);
}

export interface MulParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
  activationMin: number;
  activationMax: number;
}

/** TFLM MUL Prepare: real = s1 * s2 / s_out (double), QuantizeMultiplier. */
export function prepareMul(
  input1: Operand,
  input2: Operand,
  output: Operand,
  activation: FusedActivation = 'none',
  bits = 8,
): MulParams {
  const real = (f32(input1.scale) * f32(input2.scale)) / f32(output.scale);
  const m = quantizeMultiplier(real);
  const range = activationRange(activation, output.scale, output.zeroPoint, bits);
  return {
    input1Offset: -input1.zeroPoint,
    input2Offset: -input2.zeroPoint,
    outputOffset: output.zeroPoint,
    outputMultiplier: m.multiplier,
    outputShift: m.shift,
    activationMin: range.min,
    activationMax: range.max,
  };
}

/** reference_integer_ops::MulElementwise, one element pair. */
export function mulQuantized(x: number, y: number, p: MulParams): number {
  const input1Val = p.input1Offset + x;
  const input2Val = p.input2Offset + y;
  const unclamped =
    (p.outputOffset + multiplyByQuantizedMultiplier(Math.imul(input1Val, input2Val), p.outputMultiplier, p.outputShift)) | 0;
  return clamp(unclamped, p.activationMin, p.activationMax);
}
