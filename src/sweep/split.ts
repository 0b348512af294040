import { inputError } from '../ir/errors.ts';
import type { Value } from '../ir/types.ts';
import { seededRandom } from './enumerate.ts';

// The data a sweep scores on. The search decides on the validation set only; the test set is
// scored for the report and never drives a choice. With --val / --val-labels both are the user's;
// with --val-fraction F the --data windows are shuffled with the seed and split: the first
// round(F·N) windows of the permutation are validation, the rest test (disjoint, so no reported
// test figure was selected on).

export interface LabelledSet {
  x: Value;
  y: Int32Array;
}

/** Windows `idx` of a [N, ...] set. */
export function takeWindows(s: LabelledSet, idx: readonly number[]): LabelledSet {
  const n = s.y.length;
  const per = s.x.data.length / n;
  const data = new Float32Array(idx.length * per);
  idx.forEach((w, i) => data.set((s.x.data as Float32Array).subarray(w * per, (w + 1) * per), i * per));
  return { x: { shape: [idx.length, ...s.x.shape.slice(1)], dtype: 'float32', data }, y: Int32Array.from(idx, (w) => s.y[w]!) };
}

/** A seeded permutation of 0..n−1 (Fisher–Yates). */
export function seededPermutation(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Splits one labelled set into validation and test by the seed; both keep the data's order. */
export function splitValidation(s: LabelledSet, fraction: number, seed: number): { val: LabelledSet; test: LabelledSet } {
  if (!(fraction > 0 && fraction < 1)) throw inputError(`--val-fraction ${fraction}: expected a number between 0 and 1 (exclusive), e.g. 0.5`);
  const n = s.y.length;
  const nVal = Math.round(fraction * n);
  if (nVal < 1 || nVal >= n) throw inputError(`--val-fraction ${fraction} of ${n} windows leaves an empty validation or test split; give more --data windows or another fraction`);
  const p = seededPermutation(n, seed);
  const byPosition = (xs: number[]): number[] => xs.sort((a, b) => a - b);
  return { val: takeWindows(s, byPosition(p.slice(0, nVal))), test: takeWindows(s, byPosition(p.slice(nVal))) };
}
