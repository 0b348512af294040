// Sub-byte post-training quantization (issue 12): MSE-optimal clipping, grid detection, bias
// correction. Pure functions, no C.
import { describe, expect, it } from 'vitest';
import { quantizeTensorSymmetricPerChannel } from '../../src/ir/quant/index.ts';
import { channelHalfRange, inputChannelOf, quantizeClippedPerChannel, weightErrorShift } from '../../src/passes/subbyte-ptq.ts';
import { rng } from '../int8/helpers.ts';

const sqErr = (w: Float32Array, q: { values: Int32Array; scales: Float32Array }, inner: number): number =>
  w.reduce((s, v, i) => s + (q.scales[Math.floor(i / inner)]! * q.values[i]! - v) ** 2, 0);

describe('sub-byte PTQ', () => {
  it('MSE clipping never does worse than max-abs, and does better with an outlier', () => {
    const r = rng(7);
    const w = Float32Array.from({ length: 4 * 50 }, (_, i) => (i % 50 === 0 ? 3 : r(-0.5, 0.5)));
    for (const bits of [4, 2]) {
      const clipped = quantizeClippedPerChannel(w, [4, 50], 0, bits);
      const maxAbs = quantizeTensorSymmetricPerChannel(w, [4, 50], 0, bits);
      if (bits === 4) expect(sqErr(w, clipped, 50)).toBeLessThan(sqErr(w, maxAbs, 50));
      else expect(sqErr(w, clipped, 50)).toBeLessThanOrEqual(sqErr(w, maxAbs, 50)); // ternary: here max-abs is already optimal
      expect(clipped.onGrid).toEqual([false, false, false, false]);
    }
  });
  it('2 bits, Gaussian-like weights: the clip lies well below max|w|', () => {
    const r = rng(9);
    const w = Array.from({ length: 400 }, () => r() + r() + r() + r());
    const max = Math.max(...w.map(Math.abs));
    const { half, onGrid } = channelHalfRange(w, 2);
    expect(onGrid).toBe(false);
    expect(half).toBeLessThan(0.6 * max);
  });
  it('weights already on a grid (QAT) are kept exact, also when no weight reaches qmax', () => {
    const s = 0.037;
    const onGrid = Float32Array.from([3, -5, 0, 1, 2, -3, 4, 5, -1, 0].map((k) => k * s)); // |k| <= 5 < 7
    const q = quantizeClippedPerChannel(onGrid, [2, 5], 0, 4);
    expect(q.onGrid).toEqual([true, true]);
    onGrid.forEach((v, i) => expect(Math.fround(q.scales[Math.floor(i / 5)]! * q.values[i]!)).toBeCloseTo(v, 6));
    expect(channelHalfRange([0.2, -0.2, 0, 0.2], 2)).toEqual({ half: 0.2, onGrid: true });
  });
  it('an all-zero channel gets scale 0 and zeros', () => {
    const q = quantizeClippedPerChannel(new Float32Array(6), [2, 3], 0, 4);
    expect(Array.from(q.scales)).toEqual([0, 0]);
    expect(Array.from(q.values)).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it('bias correction: the shift is Σ (ŵ − w) · E[x] per output channel', () => {
    const w = Float32Array.from([0.3, -0.71, 0.05, 0.5, 0.49, -0.2]);
    const q = quantizeClippedPerChannel(w, [2, 3], 0, 2);
    const means = [1, 2, -1];
    const shift = weightErrorShift(w, q, [2, 3], inputChannelOf('Gemm', [2, 3], true, 1), means);
    for (let c = 0; c < 2; c++) {
      let e = 0;
      for (let k = 0; k < 3; k++) e += (q.scales[c]! * q.values[c * 3 + k]! - w[c * 3 + k]!) * means[k]!;
      expect(shift[c]).toBeCloseTo(e, 12);
    }
  });
  it('input channel of each weight: Conv channels-last with groups, Gemm transB 0 / 1', () => {
    const conv = inputChannelOf('Conv', [4, 3, 2], false, 2); // 4 out, k 3, 2 in per group, 2 groups
    expect([0, 1, 2, 3, 6, 12, 13, 18, 23].map(conv)).toEqual([0, 1, 0, 1, 0, 2, 3, 2, 3]);
    expect([0, 4, 5, 9].map(inputChannelOf('Gemm', [3, 5], true, 1))).toEqual([0, 4, 0, 4]);
    expect([0, 4, 5, 9].map(inputChannelOf('MatMul', [3, 5], false, 1))).toEqual([0, 0, 1, 1]);
  });
});
