import { inputError } from '../ir/errors.ts';
import type { WeightBits } from './types.ts';

// The candidates of exhaustive and random sweeps, in one deterministic order: the uniform configs
// first (in --bits order), then the rest. The position in this list is a candidate's `index`, so a
// shard, a resumed run and a single run agree on it.

/** Bits of each swept layer, aligned with the sweep's layer list. */
export type Assignment = readonly WeightBits[];

/** Above this many candidates an exhaustive sweep needs --max (or greedy / random). */
export const EXHAUSTIVE_LIMIT = 100_000;

export const assignmentKey = (a: Assignment): string => a.join(',');

/** Every layer at the same width, one per width in the given order. */
export const uniformAssignments = (widths: readonly WeightBits[], layers: number): Assignment[] => widths.map((w) => new Array<WeightBits>(layers).fill(w));

export const isUniform = (a: Assignment): boolean => a.every((b) => b === a[0]);

/** The size of the whole space, widths^layers. */
export const spaceSize = (widths: number, layers: number): number => widths ** layers;

/** The i-th assignment of the product in odometer order: the first layer is the most significant
 * digit, each digit runs through the widths in --bits order. */
export function nthAssignment(i: number, widths: readonly WeightBits[], layers: number): Assignment {
  const out = new Array<WeightBits>(layers);
  for (let l = layers - 1; l >= 0; l--) {
    out[l] = widths[i % widths.length]!;
    i = Math.floor(i / widths.length);
  }
  return out;
}

/** Uniforms, then every other assignment in odometer order; `max` keeps the first max. */
export function exhaustiveCandidates(widths: readonly WeightBits[], layers: number, max?: number): Assignment[] {
  const size = spaceSize(widths.length, layers);
  const want = Math.min(max ?? size, size);
  if (want > EXHAUSTIVE_LIMIT) throw inputError(`--strategy exhaustive: ${widths.length}^${layers} = ${size.toLocaleString('en-US')} candidates; give --max N, fewer --layers, or --strategy greedy / random`);
  const out = uniformAssignments(widths, layers);
  for (let i = 0; out.length < want && i < size; i++) {
    const a = nthAssignment(i, widths, layers);
    if (!isUniform(a)) out.push(a);
  }
  return out;
}

/** mulberry32: a small seeded generator, the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniforms, then distinct non-uniform assignments drawn with the seed until `max` in all (every
 * one, in odometer order, when the space holds no more than that). */
export function randomCandidates(widths: readonly WeightBits[], layers: number, max: number, seed: number): Assignment[] {
  const size = spaceSize(widths.length, layers);
  if (max >= size) return exhaustiveCandidates(widths, layers);
  const out = uniformAssignments(widths, layers);
  const seen = new Set(out.map(assignmentKey));
  const rand = seededRandom(seed);
  while (out.length < max) {
    const a = Array.from({ length: layers }, () => widths[Math.floor(rand() * widths.length)]!);
    const k = assignmentKey(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}
