import { describe, expect, it } from 'vitest';
import { exitLeaves, exitTaken, expTableQ16, floatExpTermQ16, packAdaptiveInput, parsePolicy, policyThresholds, POW2_TABLE_Q16, softmaxSumQ16, type AdaptiveModel } from '../../src/backends/adaptive.ts';
import { paretoFront, scoreMode, thresholdCombos, type Mode } from '../../src/eval/adaptive-eval.ts';

const scale = 0.05;
const int8: Pick<AdaptiveModel, 'exits' | 'int8'> = {
  int8: true,
  exits: [0, 1, 2].map((k) => ({ output: `exit${k + 1}`, layers: [], macs: 100 * (k + 1), scale, expTable: expTableQ16(scale) })),
};
const float: Pick<AdaptiveModel, 'exits' | 'int8'> = { int8: false, exits: int8.exits.map(({ output, layers, macs }) => ({ output, layers, macs })) };

describe('decision policies (TS reference of the device arithmetic)', () => {
  it('margin: int8 thresholds are ⌈θ / scale⌉; θ = 0 always leaves, out of reach never', () => {
    expect(policyThresholds(int8, { kind: 'margin', thetas: [0, 0.5, 1e9] })).toEqual([0, 10, 256]);
    const s = [10, 30, -5, 0, 29, -128];
    expect(exitLeaves(int8, 0, s, 'margin', 1)).toBe(true); // 30 − 29
    expect(exitLeaves(int8, 0, s, 'margin', 2)).toBe(false);
    expect(exitLeaves(int8, 0, [127, -128, -128, -128, -128, -128], 'margin', 256)).toBe(false);
  });

  it('softmax: the Q16 sum test agrees with max softmax ≥ θ away from the rounding', () => {
    const s = [40, 10, 0, -20, 5, 12];
    const p = 1 / s.reduce((t, v) => t + Math.exp(scale * (v - 40)), 0);
    const [below, above] = [p - 0.01, p + 0.01];
    const thr = (t: number): number => policyThresholds(int8, { kind: 'softmax', thetas: [t, t, t] })[0]!;
    expect(exitLeaves(int8, 0, s, 'softmax', thr(below))).toBe(true);
    expect(exitLeaves(int8, 0, s, 'softmax', thr(above))).toBe(false);
    expect(exitLeaves(int8, 0, [0, 0, 0, 0, 0, 0], 'softmax', thr(0))).toBe(true);
    expect(exitLeaves(int8, 0, [127, -128, -128, -128, -128, -128], 'softmax', thr(1.5))).toBe(false);
  });

  it('float softmax: float32 difference and product, then a shift and a Q16 table; agrees with max softmax ≥ θ', () => {
    // hand-checked terms: d = 0 → 2^16; d = ln 2 → 2^15 (t = 1, up to the float32 rounding of t); huge d → 0
    expect(floatExpTermQ16(3, 3)).toBe(65536);
    expect([32768, 32945]).toContain(floatExpTermQ16(Math.LN2, 0));
    expect(floatExpTermQ16(1e30, 0)).toBe(0);
    expect(floatExpTermQ16(12, 0)).toBe(POW2_TABLE_Q16[Math.trunc(Math.fround(12 * Math.fround(Math.LOG2E)) * 256) & 255]! >> 17);
    for (const s of [[2.5, 0.1, -1, 0.4, 2.2, -3], [0.3, 0.31, 0.29, 0.3, 0.2, 0.1], [9, -9, 0, 1, 2, 3]]) {
      const top = Math.max(...s);
      const p = 1 / s.reduce((t, v) => t + Math.exp(v - top), 0);
      const thr = (t: number): number => policyThresholds(float, { kind: 'softmax', thetas: [t, t, t] })[0]!;
      expect(exitLeaves(float, 0, s, 'softmax', thr(p * 0.99))).toBe(true);
      expect(exitLeaves(float, 0, s, 'softmax', thr(Math.min(1, p * 1.01)))).toBe(false);
      expect(Math.abs(softmaxSumQ16(float, 0, s) / (65536 / p) - 1)).toBeLessThan(0.003); // the 1/256 log2 grid
    }
    expect(policyThresholds(float, { kind: 'softmax', thetas: [0, 0.5, 2] })).toEqual([Infinity, 131072, 32768]);
  });

  it('float margins compare in float32', () => {
    expect(exitLeaves(float, 0, [0.1, 0.35, 0.2, 0, 0, 0], 'margin', Math.fround(0.15))).toBe(true);
    expect(exitTaken(float, [[0, 0.1, 0, 0, 0, 0], [0, 3, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]], 'margin', [1, 1, 0])).toBe(1);
  });

  it('parses --policy and packs the harness input little-endian', () => {
    expect(parsePolicy('margin:0.5', 3)).toEqual({ kind: 'margin', thetas: [0.5, 0.5, 0.5] });
    expect(() => parsePolicy('entropy:1', 3)).toThrow(/use margin/);
    expect(() => parsePolicy('margin:1,2,3,4', 3)).toThrow(/4 thresholds for 3 exits/);
    const b = packAdaptiveInput(int8, 'softmax', [7, 300, 0], Uint8Array.of(9, 8));
    expect(Array.from(b)).toEqual([1, 0, 0, 0, 7, 0, 0, 0, 44, 1, 0, 0, 0, 0, 0, 0, 9, 8]);
  });
});

describe('operating modes', () => {
  it('scores a mode: fractions, mean MACs and cycles weighted by the exit distribution', () => {
    const scores = [
      [[50, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], // leaves at exit 1 (class 0)
      [[1, 0, 0, 0, 0, 0], [0, 60, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], // exit 2 (class 1)
      [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 9, 0, 0, 0]], // exit 3 (class 2)
    ];
    const m = scoreMode(int8, scores, [0, 1, 1], 'margin', [10, 10, 0], [1000, 2000, 3000]);
    expect(m.fractions).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(m.accuracy).toBeCloseTo(2 / 3);
    expect(m.meanMacs).toBeCloseTo((100 + 300 + 600) / 3);
    expect(m.meanCycles).toBeCloseTo(2000);
  });

  it('threshold combinations and the Pareto front', () => {
    expect(thresholdCombos([0, 1], 3)).toEqual([[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0]]);
    const mode = (meanCycles: number, macroF1: number): Mode => ({ kind: 'margin', thresholds: [], accuracy: 0, macroF1, fractions: [], meanMacs: 0, meanCycles });
    const front = paretoFront([mode(3, 0.9), mode(1, 0.8), mode(2, 0.7), mode(2, 0.85), mode(4, 0.9)]);
    expect(front.map((m) => [m.meanCycles, m.macroF1])).toEqual([[1, 0.8], [2, 0.85], [3, 0.9]]);
  });
});
