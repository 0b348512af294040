import { inputError } from '../ir/errors.ts';

// `--shard K/N`: the K-th of N disjoint slices of the enumeration. Round-robin by index (index mod N
// = K−1), so every shard gets a like share of cheap and expensive candidates and the slices
// together are exactly the enumeration.

export interface Shard {
  k: number;
  n: number;
}

export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 1 || k < 1 || k > n) throw inputError(`--shard '${text}': expected K/N with 1 ≤ K ≤ N, e.g. 2/8 (the second of eight slices)`);
  return { k, n };
}

export const inShard = (index: number, s: Shard | undefined): boolean => !s || index % s.n === s.k - 1;

export const shardLabel = (s: Shard): string => `${s.k}/${s.n}`;
