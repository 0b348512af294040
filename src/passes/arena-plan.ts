import type { Graph } from '../ir/types.ts';
import { alignUp, buildGroups, type GroupModel, type MemoryOptions } from './memory-groups.ts';

export type { MemoryOptions } from './memory-groups.ts';

/** Where a buffer lives: the static arena, or memory the caller passes in (inputs, outputs). */
export type BufferLocation = { kind: 'arena'; offset: number } | { kind: 'input'; index: number } | { kind: 'output'; index: number };

export interface PlannedBuffer {
  id: number;
  /** The tensors sharing this memory: the root, its views, in-place results, concat slices. */
  tensors: string[];
  /** Byte offset of each tensor inside the buffer (non-zero only for concat slices). */
  offsets: Record<string, number>;
  bytes: number;
  /** Schedule steps (node indices) from its first write to its last read (-1: before the first
   * node, i.e. a graph input; steps.length: after the last, i.e. a graph output). */
  firstStep: number;
  lastStep: number;
  location: BufferLocation;
  /** A graph input / output held in the arena (--io-in-arena). */
  io?: { kind: 'input' | 'output'; index: number };
  /** Scratch memory of the kernel at this schedule step. */
  scratchOf?: number;
}

export interface ArenaPlan {
  bytes: number;
  /** The largest total of (aligned) arena bytes live at one step of this schedule: no placement
   * of these buffers can be smaller. */
  lowerBound: number;
  alignment: number;
  buffers: PlannedBuffer[];
  bufferOf: Record<string, number>;
  /** Node names in execution order (the emitter runs them in this order). */
  schedule: string[];
  /** Steps whose node runs no code: views, and concats whose producers write into their slices. */
  elided: number[];
  /** Step → the input tensor its node's output overwrites. */
  inPlace: Record<number, string>;
  /** The ordering / fit that produced the offsets, and whether the exact search proved optimality. */
  placement: string;
}

export interface PlanOptions extends MemoryOptions {
  /** 'best' (default): several greedy orderings × best/first fit, then an exact search on small
   * problems; 'tflm': greedy by size, first fit (TensorFlow Lite Micro's GreedyMemoryPlanner). */
  offsets?: 'best' | 'tflm';
  /** Time cap of the exact offset search (ms). */
  searchMs?: number;
}

/** Liveness over the graph's node order (the schedule) and arena offsets. Views and eligible
 * concats share memory (memory-groups.ts); an in-place candidate is taken when its input's last
 * reader is that node; scratch is live at its node's step only. */
export function planArena(graph: Graph, opts: PlanOptions = {}): ArenaPlan {
  const model = buildGroups(graph, opts);
  const alignment = model.alignment;
  const step = new Map(graph.nodes.map((n, i) => [n, i]));
  const N = graph.nodes.length;

  // in place: union of static groups
  const dparent = model.groups.map((g) => g.id);
  const dfind = (i: number): number => (dparent[i] === i ? i : (dparent[i] = dfind(dparent[i]!)));
  const inPlace: Record<number, string> = {};
  for (const n of graph.nodes) {
    for (const c of model.candidates.get(n) ?? []) {
      const gx = model.groups[c.from]!;
      if (gx.readers.every((r) => step.get(r)! <= step.get(n)!)) {
        dparent[c.to] = dfind(c.from);
        inPlace[step.get(n)!] = c.tensor;
        break;
      }
    }
  }

  const buffers: PlannedBuffer[] = [];
  const bufferOf: Record<string, number> = {};
  const byRoot = new Map<number, PlannedBuffer>();
  for (const g of model.groups) {
    // persistent state (variable tensors) keeps its bytes between inferences: live throughout
    const persistent = g.tensors.some((t) => graph.tensors[t]?.variable);
    const first = g.input !== undefined || persistent ? -1 : Math.min(N, ...g.writers.map((w) => step.get(w)!));
    const last = g.output !== undefined || persistent ? N : Math.max(first, ...g.readers.map((r) => step.get(r)!));
    const r = dfind(g.id);
    let b = byRoot.get(r);
    if (!b) {
      const location: BufferLocation = g.inArena
        ? { kind: 'arena', offset: -1 }
        : g.input !== undefined
          ? { kind: 'input', index: g.input }
          : { kind: 'output', index: g.output! };
      b = { id: buffers.length, tensors: [], offsets: {}, bytes: g.bytes, firstStep: first, lastStep: last, location };
      byRoot.set(r, b);
      buffers.push(b);
    }
    b.firstStep = Math.min(b.firstStep, first);
    b.lastStep = Math.max(b.lastStep, last);
    b.bytes = Math.max(b.bytes, g.bytes);
    if (g.inArena && g.input !== undefined) b.io = { kind: 'input', index: g.input };
    if (g.inArena && g.output !== undefined) b.io = { kind: 'output', index: g.output };
    if (g.scratchOf) b.scratchOf = step.get(g.scratchOf)!;
    for (const t of g.tensors) {
      b.tensors.push(t);
      b.offsets[t] = g.offsets[t]!;
      bufferOf[t] = b.id;
    }
  }

  const arena = buffers.filter((b) => b.location.kind === 'arena');
  const items = arena.map((b) => ({ id: b.id, size: alignUp(b.bytes, alignment), first: b.firstStep, last: b.lastStep }));
  const lowerBound = peakOf(items);
  const placed = assignOffsets(items, { strategy: opts.offsets ?? 'best', lowerBound, searchMs: opts.searchMs ?? 200 });
  for (const b of arena) b.location = { kind: 'arena', offset: placed.offsets.get(b.id)! };
  return {
    bytes: placed.bytes,
    lowerBound,
    alignment,
    buffers,
    bufferOf,
    schedule: graph.nodes.map((n) => n.name),
    elided: graph.nodes.flatMap((n, i) => (model.free.has(n) ? [i] : [])),
    inPlace,
    placement: placed.strategy,
  };
}

/** Peak of the sum of sizes live at one step. */
export function peakOf(items: { size: number; first: number; last: number }[]): number {
  const events = new Map<number, number>();
  for (const b of items) {
    events.set(b.first, (events.get(b.first) ?? 0) + b.size);
    events.set(b.last + 1, (events.get(b.last + 1) ?? 0) - b.size);
  }
  let cur = 0;
  let peak = 0;
  for (const k of [...events.keys()].sort((a, b) => a - b)) {
    cur += events.get(k)!;
    peak = Math.max(peak, cur);
  }
  return peak;
}

export interface OffsetItem {
  id: number;
  size: number;
  first: number;
  last: number;
}

const overlaps = (a: OffsetItem, b: OffsetItem): boolean => a.first <= b.last && b.first <= a.last;

/** Gaps [start, end) left free by `busy` intervals (end = Infinity for the top). */
function gapsOf(busy: [number, number][]): [number, number][] {
  busy.sort((x, y) => x[0] - y[0]);
  const gaps: [number, number][] = [];
  let at = 0;
  for (const [s, e] of busy) {
    if (s > at) gaps.push([at, s]);
    at = Math.max(at, e);
  }
  gaps.push([at, Infinity]);
  return gaps;
}

function greedy(order: OffsetItem[], fit: 'first' | 'best'): { offsets: Map<number, number>; bytes: number } {
  const offsets = new Map<number, number>();
  const placed: OffsetItem[] = [];
  let bytes = 0;
  for (const b of order) {
    const busy = placed.filter((p) => overlaps(p, b)).map((p) => [offsets.get(p.id)!, offsets.get(p.id)! + p.size] as [number, number]);
    const gaps = gapsOf(busy).filter(([s, e]) => e - s >= b.size);
    let at: number;
    if (fit === 'first') at = gaps[0]![0];
    else {
      const bounded = gaps.filter(([, e]) => e !== Infinity).sort((x, y) => x[1] - x[0] - (y[1] - y[0]) || x[0] - y[0]);
      at = (bounded[0] ?? gaps[gaps.length - 1]!)[0];
    }
    offsets.set(b.id, at);
    placed.push(b);
    bytes = Math.max(bytes, at + b.size);
  }
  return { offsets, bytes };
}

/** Offsets for buffers with known lifetimes (dynamic storage allocation). 'tflm' is greedy by
 * size with first fit. 'best' tries five orderings (size, lifetime length, first use, size ×
 * lifetime, conflicts) × (first fit, best fit), keeps the smallest, and when that misses the lower
 * bound on ≤ 20 buffers runs an exact branch-and-bound (next buffer at its lowest feasible offset;
 * every optimum can be reached that way) until it meets the bound or runs out of time. */
export function assignOffsets(
  items: OffsetItem[],
  opts: { strategy?: 'best' | 'tflm'; lowerBound?: number; searchMs?: number } = {},
): { offsets: Map<number, number>; bytes: number; strategy: string } {
  const lowerBound = opts.lowerBound ?? peakOf(items);
  const bySize = (x: OffsetItem, y: OffsetItem): number => y.size - x.size || x.first - y.first || x.id - y.id;
  if (opts.strategy === 'tflm') return { ...greedy([...items].sort(bySize), 'first'), strategy: 'greedy by size, first fit' };
  const len = (b: OffsetItem): number => b.last - b.first + 1;
  const conflicts = new Map(items.map((b) => [b.id, items.filter((o) => o !== b && overlaps(o, b)).reduce((s, o) => s + o.size, 0)]));
  const orders: [string, (x: OffsetItem, y: OffsetItem) => number][] = [
    ['size', bySize],
    ['lifetime', (x, y) => len(y) - len(x) || bySize(x, y)],
    ['first use', (x, y) => x.first - y.first || bySize(x, y)],
    ['size × lifetime', (x, y) => y.size * len(y) - x.size * len(x) || bySize(x, y)],
    ['conflicts', (x, y) => conflicts.get(y.id)! - conflicts.get(x.id)! || bySize(x, y)],
  ];
  let best: { offsets: Map<number, number>; bytes: number; strategy: string } | undefined;
  for (const [name, cmp] of orders)
    for (const fit of ['best', 'first'] as const) {
      const r = greedy([...items].sort(cmp), fit);
      if (!best || r.bytes < best.bytes) best = { ...r, strategy: `greedy by ${name}, ${fit} fit` };
      if (best.bytes <= lowerBound) return best;
    }
  if (items.length <= 20) {
    const r = exactOffsets(items, best!.bytes, lowerBound, opts.searchMs ?? 200);
    if (r && r.bytes < best!.bytes) best = { ...r, strategy: r.complete ? 'exact search (optimal)' : 'exact search (time cap)' };
    else if (r?.complete) best = { ...best!, strategy: `${best!.strategy} (proved optimal)` };
  } else {
    // larger problems: hill climbing over the placement order (swap two, keep if not worse)
    let order = [...items].sort(bySize);
    let cur = greedy(order, 'best').bytes;
    let seed = 12345;
    const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
    const deadline = Date.now() + (opts.searchMs ?? 200);
    for (let it = 0; Date.now() < deadline && best!.bytes > lowerBound; it++) {
      const next = [...order];
      const i = rnd(next.length);
      const j = rnd(next.length);
      [next[i], next[j]] = [next[j]!, next[i]!];
      const r = greedy(next, it % 2 ? 'first' : 'best');
      if (r.bytes <= cur) (order = next), (cur = r.bytes);
      if (r.bytes < best!.bytes) best = { ...r, strategy: 'local search over placement orders' };
    }
  }
  return best!;
}

function exactOffsets(items: OffsetItem[], upper: number, lowerBound: number, ms: number) {
  const n = items.length;
  const sorted = [...items].sort((x, y) => y.size - x.size || x.first - y.first);
  const conflict = sorted.map((a) => sorted.map((b) => a !== b && overlaps(a, b)));
  const offs = new Array<number>(n).fill(-1);
  let bestBytes = upper;
  let bestOffs: number[] | undefined;
  const deadline = Date.now() + ms;
  let visits = 0;
  let timedOut = false;
  const dfs = (count: number, top: number, last: number): void => {
    if (timedOut || bestBytes <= lowerBound) return;
    if (++visits % 1024 === 0 && Date.now() > deadline) {
      timedOut = true;
      return;
    }
    if (count === n) {
      bestBytes = top;
      bestOffs = [...offs];
      return;
    }
    for (let i = 0; i < n; i++) {
      if (offs[i]! >= 0) continue;
      // adjacent independent placements commute: keep one order of them
      if (last >= 0 && !conflict[i]![last] && i < last) continue;
      const busy: [number, number][] = [];
      for (let j = 0; j < n; j++) if (offs[j]! >= 0 && conflict[i]![j]) busy.push([offs[j]!, offs[j]! + sorted[j]!.size]);
      const at = gapsOf(busy).find(([s, e]) => e - s >= sorted[i]!.size)![0];
      const newTop = Math.max(top, at + sorted[i]!.size);
      if (newTop >= bestBytes) continue;
      offs[i] = at;
      dfs(count + 1, newTop, i);
      offs[i] = -1;
      if (timedOut || bestBytes <= lowerBound) return;
    }
  };
  dfs(0, 0, -1);
  const complete = !timedOut;
  if (!bestOffs) return complete ? { offsets: new Map<number, number>(), bytes: Infinity, complete } : undefined;
  return { offsets: new Map(sorted.map((b, i) => [b.id, bestOffs![i]!])), bytes: bestBytes, complete };
}

export type { GroupModel };
