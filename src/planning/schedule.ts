import type { Graph, Node } from '../ir/types.ts';
import { planArena } from './arena-plan.ts';
import { alignUp, buildGroups, type MemoryOptions } from './memory-groups.ts';
import { planBudget, type PlanBudget } from './planner.ts';

export interface ScheduleOptions extends MemoryOptions {
  /** Search budget (planner.ts PlanBudget: scheduleStates, scheduleBeam, scheduleTotalStates). */
  budget?: Partial<PlanBudget>;
}

export interface ScheduleResult {
  /** The nodes in the chosen order (a topological order of graph.nodes). */
  nodes: Node[];
  /** Peak live arena bytes of that order (= planArena(...).lowerBound). */
  peak: number;
  /** The same for the given order. */
  originalPeak: number;
  /** true when the search covered every topological order (the peak is the minimum). */
  exact: boolean;
  states: number;
  method: string;
}

interface State {
  key: bigint;
  peak: number;
  live: number;
  prev?: State;
  added: number[];
}

/** Memory-aware scheduling: the topological order of graph.nodes whose peak of simultaneously
 * live arena bytes is smallest. Dynamic programming over the sets of already-run nodes (the bytes
 * live after a set do not depend on the order inside it, so the best peak to reach a set is a
 * function of the set): exact while the number of sets per step stays under `maxStates`, a beam
 * of the best `beam` sets beyond. Views and elided concats run as soon as they are ready (they
 * cost nothing). The given order wins ties, so a chain is never reordered. */
export function scheduleForMemory(graph: Graph, opts: ScheduleOptions = {}): ScheduleResult {
  const model = buildGroups(graph, opts);
  const nodes = graph.nodes;
  const n = nodes.length;
  const originalPeak = planArena(graph, { ...opts, planner: 'tflm' }).lowerBound;
  if (n <= 2) return { nodes, peak: originalPeak, originalPeak, exact: true, states: 0, method: 'given order' };
  const index = new Map(nodes.map((x, i) => [x, i]));
  const bit = (i: number): bigint => 1n << BigInt(i);
  const maskOf = (list: Node[]): bigint => list.reduce((m, x) => m | bit(index.get(x)!), 0n);

  const producer = new Map<string, number>();
  nodes.forEach((x, i) => x.outputs.forEach((o) => o && producer.set(o, i)));
  const preds = nodes.map((x) => x.inputs.reduce((m, t) => (t && producer.has(t) ? m | bit(producer.get(t)!) : m), 0n));
  const free = nodes.map((x) => model.free.has(x));

  const groups = model.groups
    .filter((g) => g.inArena)
    .map((g) => ({
      id: g.id,
      size: alignUp(g.bytes, model.alignment),
      writers: maskOf(g.writers),
      readers: maskOf(g.readers),
      pinnedStart: g.input !== undefined,
      pinnedEnd: g.output !== undefined,
    }));
  const gById = new Map(groups.map((g) => [g.id, g]));
  const writes = nodes.map((_, i) => groups.filter((g) => (g.writers & bit(i)) !== 0n));
  const cands = nodes.map((x) => (model.candidates.get(x) ?? []).map((c) => ({ from: gById.get(c.from)!, to: gById.get(c.to)! })));
  const started = (g: (typeof groups)[number], S: bigint): boolean => g.pinnedStart || (g.writers & S) !== 0n;
  const liveAfter = (S: bigint): number => {
    let sum = 0;
    for (const g of groups) if (started(g, S) && (g.pinnedEnd || (g.readers & ~S) !== 0n)) sum += g.size;
    return sum;
  };
  const stepMem = (S: bigint, live: number, i: number): number => {
    let m = live;
    for (const g of writes[i]!) if (!started(g, S)) m += g.size;
    const Si = S | bit(i);
    for (const c of cands[i]!)
      if ((c.from.readers & ~Si) === 0n) {
        m -= c.to.size;
        break;
      }
    return m;
  };
  const closeFree = (S: bigint, added: number[]): bigint => {
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = 0; i < n; i++)
        if (free[i] && (S & bit(i)) === 0n && (preds[i]! & ~S) === 0n) {
          S |= bit(i);
          added.push(i);
          changed = true;
        }
    }
    return S;
  };

  const { scheduleStates: maxStates, scheduleBeam: beam, scheduleTotalStates: maxTotal } = planBudget(opts.budget);
  const startAdded: number[] = [];
  const start = closeFree(0n, startAdded);
  let layer: State[] = [{ key: start, peak: liveAfter(start), live: liveAfter(start), added: startAdded }];
  let exact = true;
  let states = 1;
  const kernels = free.filter((f) => !f).length;
  for (let k = 0; k < kernels; k++) {
    const next = new Map<bigint, State>();
    for (const s of layer)
      for (let i = 0; i < n; i++) {
        if (free[i] || (s.key & bit(i)) !== 0n || (preds[i]! & ~s.key) !== 0n) continue;
        const peak = Math.max(s.peak, stepMem(s.key, s.live, i));
        const added = [i];
        const key = closeFree(s.key | bit(i), added);
        const old = next.get(key);
        if (!old || peak < old.peak) next.set(key, { key, peak, live: old?.live ?? liveAfter(key), prev: s, added });
      }
    layer = [...next.values()];
    states += layer.length;
    const late = states > maxTotal;
    if (layer.length > maxStates || late) {
      exact = false;
      layer.sort((a, b) => a.peak - b.peak || a.live - b.live);
      // past the total budget the beam narrows to finish quickly
      layer = layer.slice(0, late ? Math.min(beam, 16) : beam);
    }
  }
  const best = layer.reduce((a, b) => (b.peak < a.peak ? b : a));
  const order: number[] = [];
  for (let s: State | undefined = best; s; s = s.prev) order.unshift(...s.added);
  if (best.peak >= originalPeak) return { nodes, peak: originalPeak, originalPeak, exact, states, method: exact ? 'given order (optimal)' : 'given order' };
  return { nodes: order.map((i) => nodes[i]!), peak: best.peak, originalPeak, exact, states, method: exact ? 'exact search' : 'beam search' };
}
