import { inputError } from './errors.ts';

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** A possibly negative axis as an index. Out of [-rank, rank] is bad input (rank itself is allowed:
 * Flatten's axis may equal the rank); a huge axis would otherwise build a shape of that length. */
export function normAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis > rank) throw inputError(`axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Numpy-style multidirectional broadcast; throws a clear error naming `where` on mismatch. */
export function broadcastShapes(a: readonly number[], b: readonly number[], where: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw inputError(`${where}: shapes [${a}] and [${b}] cannot be broadcast together`);
    out.push(da === 1 ? db : da);
  }
  // A broadcast can multiply sizes far past anything that fits in memory or a C int (Expand to a
  // shape read from the model): refuse it here, where the node is known, before allocating.
  if (numel(out) > MAX_BROADCAST_ELEMENTS)
    throw inputError(`${where}: broadcasting [${a}] and [${b}] gives [${out}], ${numel(out)} elements; more than harc supports (${MAX_BROADCAST_ELEMENTS})`);
  return out;
}

/** Largest element count of a broadcast result: what a C int can index. */
export const MAX_BROADCAST_ELEMENTS = 2 ** 31 - 1;

/** For each output flat index, the flat index into an input of shape `inShape` broadcast to `outShape`. */
export function broadcastIndexMap(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = numel(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const padded = [...new Array(rank - inShape.length).fill(1), ...inShape];
  const inStrides = stridesOf(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < n; f++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d]! * inStrides[d]!;
    map[f] = off;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return map;
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
