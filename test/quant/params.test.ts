// Quantization parameter choice and (de)quantization, worked out by hand from TFLite's
// ChooseQuantizationParams / SymmetricPerChannelQuantization / AffineQuantize.
import { describe, expect, it } from 'vitest';
import * as q from '../../src/ir/quant/index.ts';

describe('chooseAsymmetricParams (ChooseQuantizationParams)', () => {
  it('[-1, 1] int8: scale 2/255, zero point nudged from -0.5 to -1', () => {
    // scale = 2 / 255; zp_from_min = -128 + 1/scale = -128 + 127.5 = -0.5 (error 128 + 127.5),
    // zp_from_max = 127 - 127.5 = -0.5 (error 127 + 127.5, smaller) -> round(-0.5) = -1 (away from 0)
    const p = q.chooseAsymmetricParams(-1, 1);
    expect(p.scale).toBe(Math.fround(2 / 255));
    expect(p.zeroPoint).toBe(-1);
  });
  it('[0, 6] (relu6): zero point qmin', () => {
    // scale = 6/255; zp_from_min = -128 - 0 = -128
    const p = q.chooseAsymmetricParams(0, 6);
    expect(p).toEqual({ scale: Math.fround(6 / 255), zeroPoint: -128, bits: 8 });
  });
  it('range is extended to contain 0', () => {
    // [2, 10] -> [0, 10]
    expect(q.chooseAsymmetricParams(2, 10)).toEqual(q.chooseAsymmetricParams(0, 10));
    expect(q.chooseAsymmetricParams(-10, -2).zeroPoint).toBe(127);
  });
  it('degenerate [0, 0] gives scale 0, zero point 0 (as TFLite)', () => {
    expect(q.chooseAsymmetricParams(0, 0)).toEqual({ scale: 0, zeroPoint: 0, bits: 8 });
  });
  it('bit width is a parameter (16-bit, 4-bit, narrow range)', () => {
    // int16 [-1, 3]: scale = 4/65535, zp_from_min = -32768 + 65535/4 = -16384.25 -> -16384
    expect(q.chooseAsymmetricParams(-1, 3, 16).zeroPoint).toBe(-16384);
    // int4 [0, 1.5]: scale 1.5/15 = 0.1, zp -8
    expect(q.chooseAsymmetricParams(0, 1.5, 4)).toEqual({ scale: Math.fround(0.1), zeroPoint: -8, bits: 4 });
    // narrow int8 [-1, 1]: qmin -127, scale 2/254, zp 0
    expect(q.chooseAsymmetricParams(-1, 1, 8, true)).toEqual({ scale: Math.fround(2 / 254), zeroPoint: 0, bits: 8 });
  });
});

describe('quantize / dequantize', () => {
  it('rounds half away from zero and clamps', () => {
    expect(q.quantize(0.25, 0.5, 0)).toBe(1); // 0.5 -> 1
    expect(q.quantize(-0.25, 0.5, 0)).toBe(-1); // -0.5 -> -1
    expect(q.quantize(0.75, 0.5, 3)).toBe(5); // 1.5 -> 2, + 3
    expect(q.quantize(1000, 0.5, 0)).toBe(127);
    expect(q.quantize(-1000, 0.5, 0)).toBe(-128);
    expect(q.quantize(1000, 0.5, 0, 16)).toBe(2000);
    expect(q.quantize(100, 1, 0, 4)).toBe(7);
    expect(q.quantize(-100, 1, 0, 2)).toBe(-2);
  });
  it('divides in float32 (not double)', () => {
    // 0.3 / 0.1 in float32 is exactly 3.0000002 -> 3; check that no double artefact changes it
    expect(q.quantize(0.3, 0.1, 0)).toBe(3);
  });
  it('dequantize is scale * (q - zp) in float32', () => {
    expect(q.dequantize(5, 0.5, 3)).toBe(1);
    expect(q.dequantize(-128, Math.fround(0.1), -128)).toBe(0);
    expect(q.dequantize(1, 0.1, 0)).toBe(Math.fround(0.1));
  });
});

describe('quantizeTensorSymmetricPerChannel', () => {
  it('per output channel (axis 0) of a [2, 3] weight', () => {
    // channel 0: max|w| = 2 -> scale 2/127, inv 127/2 = 63.5; 1 * 63.5 = 63.5 -> 64; -2 -> -127; 0.5 -> 31.75 -> 32
    // channel 1: all zero -> scale 0, values 0
    const w = new Float32Array([1, -2, 0.5, 0, 0, 0]);
    const r = q.quantizeTensorSymmetricPerChannel(w, [2, 3], 0);
    expect(Array.from(r.values)).toEqual([64, -127, 32, 0, 0, 0]);
    expect(Array.from(r.scales)).toEqual([Math.fround(2 / 127), 0]);
    expect(Array.from(r.zeroPoints)).toEqual([0, 0]);
  });
  it('channel on the last axis (depthwise [1, kh, kw, C] layout), 4-bit', () => {
    // C = 2; channel 0 values 0.7, -0.35 -> max 0.7, qmax 7 -> inv 10: 7, -3.5 -> -4
    // channel 1 values 0.1, 0.2 -> inv 35: 3.5 -> 4, 7
    const w = new Float32Array([0.7, 0.1, -0.35, 0.2]);
    const r = q.quantizeTensorSymmetricPerChannel(w, [1, 2, 1, 2], -1, 4);
    expect(Array.from(r.values)).toEqual([7, 4, -4, 7]);
    expect(r.values.every((v) => v >= -7 && v <= 7)).toBe(true);
  });
  it('never produces -128 for 8 bits', () => {
    const w = new Float32Array(1000).map((_, i) => Math.sin(i) * 3);
    const r = q.quantizeTensorSymmetricPerChannel(w, [10, 100], 0);
    expect(Math.min(...r.values)).toBe(-127);
    expect(Math.max(...r.values)).toBe(127);
  });
  it('bias at s_in * s_w', () => {
    const b = q.quantizeBiasPerChannel(new Float32Array([1, -1, 0]), 0.5, new Float32Array([0.01, 0.02, 0]));
    // 1 / (0.5 * 0.01) = 200; -1 / 0.01 = -100; zero scale -> 0
    expect(Array.from(b.values)).toEqual([200, -100, 0]);
  });
});

describe('activationRange (CalculateActivationRangeQuantized)', () => {
  it('relu6 with scale 6/255, zp -128 covers [-128, 127]', () => {
    const s = Math.fround(6 / 255);
    expect(q.activationRange('relu6', s, -128)).toEqual({ min: -128, max: 127 });
  });
  it('relu with zp 10; relu6 clipped; n1_to_1', () => {
    expect(q.activationRange('relu', 0.1, 10)).toEqual({ min: 10, max: 127 });
    expect(q.activationRange('relu6', 0.01, 0)).toEqual({ min: 0, max: 127 }); // 600 > 127
    expect(q.activationRange('relu6', 0.1, 0)).toEqual({ min: 0, max: 60 });
    expect(q.activationRange('relu_n1_to_1', 0.1, 0)).toEqual({ min: -10, max: 10 });
    expect(q.activationRange('none', 0.1, 0, 16)).toEqual({ min: -32768, max: 32767 });
  });
});
