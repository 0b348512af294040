import { inputError } from '../ir/errors.ts';
import type { Graph } from '../ir/types.ts';
import { DEFAULT_PLANNER, PLANNER_NAMES, peakOf, planBudget, plannerNamed, type OffsetItem, type PlanBudget, type Placement } from './planner.ts';
import { alignUp, buildGroups, type GroupModel, type MemoryOptions } from './memory-groups.ts';

export type { MemoryOptions } from './memory-groups.ts';
export { peakOf, type OffsetItem, type PlanBudget } from './planner.ts';

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
  /** Offset planner by name (planner.ts): 'search' (default), 'greedy', 'tflm'. */
  planner?: string;
  /** Search budget (counts, never time). */
  budget?: Partial<PlanBudget>;
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
  const placed = assignOffsets(items, { planner: opts.planner, lowerBound, budget: opts.budget });
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

/** Offsets for buffers with known lifetimes (dynamic storage allocation) by the named planner
 * (planner.ts; default 'search'), within the budget. */
export function assignOffsets(
  items: OffsetItem[],
  opts: { planner?: string; lowerBound?: number; budget?: Partial<PlanBudget> } = {},
): Placement {
  const name = opts.planner ?? DEFAULT_PLANNER;
  const planner = plannerNamed(name);
  if (!planner) throw inputError(`--planner ${name}: unknown planner (use ${PLANNER_NAMES.join(', ')})`);
  return planner.place(items, opts.lowerBound ?? peakOf(items), planBudget(opts.budget));
}

export type { GroupModel };
