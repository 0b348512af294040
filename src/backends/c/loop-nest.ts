import { stridesOf } from '../../ir/shape.ts';

/** An array read or written by a loop nest: element offset = base + Σ index[d]·strides[d]. */
export interface StridedOperand {
  strides: number[];
  base: number;
}

export interface LoopNest {
  loops: { v: string; n: number }[];
  /** Offset expression of each operand, in the order given (output first by convention). */
  index: string[];
}

/** Builds the loops for iterating `shape`, merging dimensions that every operand walks
 * contiguously and dropping size-1 dimensions, so a plain elementwise op is one flat loop. */
export function loopNest(shape: number[], operands: StridedOperand[]): LoopNest {
  let dims = shape.map((n, d) => ({ n, s: operands.map((o) => o.strides[d]!) })).filter((d) => d.n !== 1);
  const merged: typeof dims = [];
  for (const d of dims) {
    const prev = merged[merged.length - 1];
    if (prev && prev.s.every((s, i) => s === d.s[i]! * d.n)) merged[merged.length - 1] = { n: prev.n * d.n, s: d.s };
    else merged.push(d);
  }
  dims = merged;
  const loops = dims.map((d, i) => ({ v: `i${i}`, n: d.n }));
  const index = operands.map((o, k) => {
    const terms = dims.filter((d) => d.s[k] !== 0).map((d) => (d.s[k] === 1 ? `i${dims.indexOf(d)}` : `i${dims.indexOf(d)} * ${d.s[k]}`));
    if (o.base !== 0 || terms.length === 0) terms.push(String(o.base));
    return terms.join(' + ');
  });
  return { loops, index };
}

/** Strides with which an operand of `inShape`, broadcast numpy-style to `outShape`, is read. */
export function broadcastStrides(inShape: number[], outShape: number[]): number[] {
  const padded = [...new Array(outShape.length - inShape.length).fill(1), ...inShape];
  const s = stridesOf(padded);
  return padded.map((d, i) => (d === 1 ? 0 : s[i]!));
}

export const contiguous = (shape: number[]): StridedOperand => ({ strides: stridesOf(shape), base: 0 });
