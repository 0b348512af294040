import { measureCandidate, type CandidateContext } from './candidate.ts';
import { candidateId, readCachedCandidate, writeCachedCandidate } from './cache.ts';
import { exhaustiveCandidates, randomCandidates, type Assignment } from './enumerate.ts';
import { greedyBound, greedySearch } from './greedy.ts';
import { mapLimited } from './pool.ts';
import { layerBitsOf } from './prepare.ts';
import { inShard, type Shard } from './shard.ts';
import type { SweepResult, WeightBits } from './types.ts';

// The sweep: enumerate (or descend greedily), measure each candidate not in the cache, with at most
// `jobs` candidates building and running at once. Indices are fixed before any candidate starts,
// so the results do not depend on --jobs, the machine's load or which shard ran them.

export type Strategy = 'exhaustive' | 'greedy' | 'random';
export const STRATEGIES: readonly Strategy[] = ['exhaustive', 'greedy', 'random'];

export interface SweepPlan {
  strategy: Strategy;
  widths: WeightBits[];
  /** Swept layers, in graph order. */
  layers: string[];
  max?: number;
  seed: number;
  shard?: Shard;
  jobs: number;
}

export interface SweepProgress {
  done: number;
  /** Candidates this run will measure or read (an upper bound for greedy). */
  total: number;
  cached: number;
}

export interface SweepOutcome {
  results: SweepResult[];
  /** Candidates measured (built and run) by this run; the rest came from the cache. */
  built: number;
  cached: number;
  /** Candidates in the whole enumeration (null for greedy). */
  candidates: number | null;
  greedyPath?: string[];
}

/** The enumeration of exhaustive and random sweeps (the whole of it, before sharding). */
export function enumerate(plan: SweepPlan): Assignment[] {
  const L = plan.layers.length;
  return plan.strategy === 'random' ? randomCandidates(plan.widths, L, plan.max ?? 32, plan.seed) : exhaustiveCandidates(plan.widths, L, plan.max);
}

const bitsRecord = (layers: readonly string[], a: Assignment): Record<string, WeightBits> => Object.fromEntries(layers.map((l, i) => [l, a[i]!]));

export async function runSweep(ctx: CandidateContext, sweepKey: string, plan: SweepPlan, onProgress?: (p: SweepProgress) => void): Promise<SweepOutcome> {
  let built = 0;
  let cached = 0;
  let total = 0;
  const report = (): void => onProgress?.({ done: built + cached, total, cached });
  const measure = async (a: Assignment, index: number): Promise<SweepResult> => {
    const bits = bitsRecord(plan.layers, a);
    const id = candidateId(sweepKey, layerBitsOf(ctx.base, bits));
    const hit = readCachedCandidate(id);
    if (hit) cached++;
    const measured = hit ?? (await measureCandidate(ctx, bits));
    if (!hit) {
      writeCachedCandidate(id, measured);
      built++;
    }
    report();
    return { id, index, ...measured };
  };
  if (plan.strategy === 'greedy') {
    total = Math.min(greedyBound(plan.layers.length, plan.widths.length), plan.max ?? Infinity);
    report();
    const results: SweepResult[] = [];
    const { path } = await greedySearch(
      plan.widths,
      plan.layers.length,
      async (batch) => {
        const start = results.length;
        const done = await mapLimited(batch, plan.jobs, (a, i) => measure(a, start + i));
        results.push(...done);
        return done;
      },
      plan.max,
    );
    return { results, built, cached, candidates: null, greedyPath: path };
  }
  const all = enumerate(plan);
  const mine = all.map((a, index) => ({ a, index })).filter((c) => inShard(c.index, plan.shard));
  total = mine.length;
  report();
  const results = await mapLimited(mine, plan.jobs, (c) => measure(c.a, c.index));
  return { results, built, cached, candidates: all.length };
}
