import { assignmentKey, uniformAssignments, type Assignment } from './enumerate.ts';
import type { SweepResult, WeightBits } from './types.ts';

// Greedy descent: start with every swept layer at the widest width, and at each step try lowering
// each layer one step down the width ladder; keep the one that loses the least validation accuracy
// per weight byte saved (ties: the earlier layer). Every candidate tried is a result; the uniform
// configs are always included (first). It decides on validation accuracy only.

/** Evaluates a batch of assignments (indices already fixed by the caller's order). */
export type EvaluateBatch = (batch: readonly Assignment[]) => Promise<SweepResult[]>;

/** Loss of validation accuracy per byte saved going from `from` to `to` (+∞ when nothing is saved). */
export function lossPerByte(from: SweepResult, to: SweepResult): number {
  const saved = from.weightBytes - to.weightBytes;
  return saved > 0 ? (from.val.accuracy - to.val.accuracy) / saved : Infinity;
}

/** The lowering steps from `a`: each layer not yet at the narrowest width, one step down. */
export function lowerings(a: Assignment, ladder: readonly WeightBits[]): { layer: number; next: Assignment }[] {
  return a.flatMap((b, layer) => {
    const i = ladder.indexOf(b);
    return i < ladder.length - 1 ? [{ layer, next: a.map((x, l) => (l === layer ? ladder[i + 1]! : x)) }] : [];
  });
}

/** Upper bound on the candidates a greedy run evaluates (for progress). */
export const greedyBound = (layers: number, widths: number): number => widths + layers * (widths - 1) * layers;

export interface GreedyOutcome {
  /** The ids chosen at each step, from the widest config to the narrowest. */
  path: string[];
}

/** `max` stops the descent before a step that would start past it. */
export async function greedySearch(widths: readonly WeightBits[], layers: number, evaluate: EvaluateBatch, max = Infinity): Promise<GreedyOutcome> {
  const ladder = [...widths].sort((a, b) => b - a);
  const seen = new Map<string, SweepResult>();
  const run = async (batch: Assignment[]): Promise<SweepResult[]> => {
    const fresh = batch.filter((a, i) => !seen.has(assignmentKey(a)) && batch.findIndex((b) => assignmentKey(b) === assignmentKey(a)) === i);
    const done = await evaluate(fresh);
    fresh.forEach((a, i) => seen.set(assignmentKey(a), done[i]!));
    return batch.map((a) => seen.get(assignmentKey(a))!);
  };
  const uniforms = uniformAssignments(widths, layers);
  await run(uniforms);
  let current: Assignment = new Array<WeightBits>(layers).fill(ladder[0]!);
  const path = [seen.get(assignmentKey(current))!.id];
  for (;;) {
    const steps = lowerings(current, ladder);
    if (steps.length === 0 || seen.size >= max) break;
    const here = seen.get(assignmentKey(current))!;
    const tried = await run(steps.map((s) => s.next));
    let best = 0;
    tried.forEach((r, i) => {
      if (lossPerByte(here, r) < lossPerByte(here, tried[best]!)) best = i;
    });
    current = steps[best]!.next;
    path.push(tried[best]!.id);
  }
  return { path };
}
