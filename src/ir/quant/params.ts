// Choosing quantization parameters and (de)quantizing values, following TFLite:
//  - activations: asymmetric, ChooseQuantizationParams (quantization_util.h)
//  - weights: symmetric per channel, zero point 0, [-qmax, qmax]
//    (tools/optimize/quantization_utils.cc SymmetricPerChannelQuantization)
//  - Quantize / Dequantize ops: reference_ops::AffineQuantize / Dequantize
// Scales of .tflite tensors are float32; float arithmetic done in `float` by TFLite is
// emulated with Math.fround at every step.

import { clamp, f32, qMax, qMin, roundHalfAway } from './int.ts';
import type { TensorQuant } from '../types.ts';

export type { TensorQuant } from '../types.ts';

/**
 * TFLite ChooseQuantizationParams<T>(rmin, rmax, narrow_range) for a signed `bits`-wide type.
 * The range is first extended to contain 0 (TFLite CHECKs rmin <= 0 <= rmax; the converter
 * extends the calibrated range the same way). scale = (rmax - rmin) / (qmax - qmin) in double,
 * the zero point is nudged to an integer in [qmin, qmax] using whichever of (rmin, qmin) /
 * (rmax, qmax) has the smaller rounding error, then std::round. rmin == rmax == 0 gives
 * scale 0, zero point 0 as in TFLite. `scale` is returned rounded to float32 (as stored in
 * a .tflite file); the zero point is derived from the unrounded double, as TFLite does.
 */
export function chooseAsymmetricParams(min: number, max: number, bits = 8, narrowRange = false): TensorQuant {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) {
    throw new RangeError(`invalid range [${min}, ${max}]`);
  }
  const rmin = Math.min(min, 0);
  const rmax = Math.max(max, 0);
  const qmin = qMin(bits) + (narrowRange ? 1 : 0);
  const qmax = qMax(bits);
  if (rmin === rmax) return { scale: 0, zeroPoint: 0, bits };
  const scale = (rmax - rmin) / (qmax - qmin);
  const zeroPointFromMin = qmin - rmin / scale;
  const zeroPointFromMax = qmax - rmax / scale;
  const zeroPointFromMinError = Math.abs(qmin) + Math.abs(rmin / scale);
  const zeroPointFromMaxError = Math.abs(qmax) + Math.abs(rmax / scale);
  const zeroPointDouble = zeroPointFromMinError < zeroPointFromMaxError ? zeroPointFromMin : zeroPointFromMax;
  let zeroPoint: number;
  if (zeroPointDouble < qmin) zeroPoint = qmin;
  else if (zeroPointDouble > qmax) zeroPoint = qmax;
  else zeroPoint = roundHalfAway(zeroPointDouble);
  return { scale: f32(scale), zeroPoint, bits };
}

/**
 * TFLite reference AffineQuantize: clamp(TfLiteRound(x / (float)scale) + zp, qmin, qmax),
 * the division done in float32 and rounded half away from zero.
 */
export function quantize(x: number, scale: number, zeroPoint: number, bits = 8): number {
  const v = roundHalfAway(f32(f32(x) / f32(scale)));
  return clamp(v + zeroPoint, qMin(bits), qMax(bits));
}

/** TFLite reference Dequantize: (float)(scale * (q - zp)) with scale promoted to double. */
export function dequantize(q: number, scale: number, zeroPoint: number): number {
  return f32(f32(scale) * (q - zeroPoint));
}

export interface PerChannelQuantized {
  /** quantized values in [-(2^(bits-1)-1), 2^(bits-1)-1], same layout as the input */
  values: Int32Array;
  /** float32 scale per channel (0 for an all-zero channel, as TFLite) */
  scales: Float32Array;
  /** always 0 (symmetric) */
  zeroPoints: Int32Array;
  axis: number;
  bits: number;
}

/**
 * Symmetric per-channel weight quantization as TFLite's SymmetricPerChannelQuantization:
 * per channel c along `axis`: half_range = max |w| (float), scale = half_range / qmax (float),
 * scale_inv = half_range == 0 ? 0 : qmax / half_range (float),
 * q = clamp(TfLiteRound(w * scale_inv), -qmax, qmax) with qmax = 2^(bits-1) - 1 (127 for 8 bits).
 * An all-zero channel gets scale 0 and all-zero values.
 */
export function quantizeTensorSymmetricPerChannel(
  weights: Float32Array,
  shape: readonly number[],
  axis: number,
  bits = 8,
): PerChannelQuantized {
  const rank = shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (!(ax >= 0 && ax < rank)) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== weights.length) throw new RangeError(`shape ${JSON.stringify(shape)} does not match ${weights.length} values`);
  const channels = shape[ax]!;
  let inner = 1;
  for (let i = ax + 1; i < rank; i++) inner *= shape[i]!;
  const qmax = qMax(bits);
  const halfScale = f32(qmax);
  const channelOf = (index: number): number => Math.floor(index / inner) % channels;

  const halfRange = new Float64Array(channels);
  for (let i = 0; i < count; i++) {
    const c = channelOf(i);
    const a = Math.abs(weights[i]!);
    if (a > halfRange[c]!) halfRange[c] = a;
  }
  const scales = new Float32Array(channels);
  const scaleInv = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const hr = halfRange[c]!;
    scales[c] = f32(hr / halfScale);
    scaleInv[c] = hr === 0 ? 0 : f32(halfScale / hr);
  }
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = channelOf(i);
    const q = roundHalfAway(f32(weights[i]! * scaleInv[c]!));
    values[i] = clamp(q, -qmax, qmax);
  }
  return { values, scales, zeroPoints: new Int32Array(channels), axis: ax, bits };
}

/**
 * int32 bias for a layer with per-channel weight scales: bias scale s_b[c] = s_in * s_w[c]
 * (float product), q = clamp(TfLiteRound(b * (float)(1.0 / s_b)), -(2^31-1), 2^31-1), 0 for
 * a zero scale (TFLite SymmetricPerChannelBiasQuantize). `bits` defaults to 32.
 */
export function quantizeBiasPerChannel(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
  bits = 32,
): { values: Int32Array; scales: Float32Array } {
  const n = bias.length;
  if (weightScales.length !== n && weightScales.length !== 1) {
    throw new RangeError(`${weightScales.length} weight scales for ${n} bias values`);
  }
  const kScale = qMax(bits);
  const values = new Int32Array(n);
  const scales = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const s = f32(f32(inputScale) * weightScales[weightScales.length === 1 ? 0 : c]!);
    scales[c] = s;
    const inv = s === 0 ? 0 : f32(1.0 / s);
    const q = roundHalfAway(f32(bias[c]! * inv));
    values[c] = clamp(q, -kScale, kScale);
  }
  return { values, scales };
}

export type FusedActivation = 'none' | 'relu' | 'relu6' | 'relu_n1_to_1';

/**
 * TFLite CalculateActivationRangeQuantized: the clamp interval of a fused activation in the
 * quantized domain, zp + TfLiteRound(f / scale) in float, intersected with [qmin, qmax].
 */
export function activationRange(
  activation: FusedActivation,
  scale: number,
  zeroPoint: number,
  bits = 8,
): { min: number; max: number } {
  const qmin = qMin(bits);
  const qmax = qMax(bits);
  const q = (f: number): number => zeroPoint + roundHalfAway(f32(f / f32(scale)));
  switch (activation) {
    case 'relu':
      return { min: Math.max(qmin, q(0)), max: qmax };
    case 'relu6':
      return { min: Math.max(qmin, q(0)), max: Math.min(qmax, q(6)) };
    case 'relu_n1_to_1':
      return { min: Math.max(qmin, q(-1)), max: Math.min(qmax, q(1)) };
    case 'none':
      return { min: qmin, max: qmax };
  }
}
