// Arena planners: the algorithms that place buffers with known lifetimes at byte offsets, chosen
// by name (`--planner`), in the spirit of TVM USMP's registered algorithms. Every search is bounded
// by counts (visits, steps) and uses fixed seeds, never by time: the same model gives the same
// arena whatever the machine's load.

/** A buffer to place: `size` bytes live from step `first` to step `last` (inclusive). */
export interface OffsetItem {
  id: number;
  size: number;
  first: number;
  last: number;
}

export interface Placement {
  offsets: Map<number, number>;
  bytes: number;
  /** The ordering / fit that produced the offsets, and whether a search proved optimality. */
  strategy: string;
}

/** How much search the planners (and the scheduler) may do. Counts, not time. */
export interface PlanBudget {
  /** Nodes the exact offset branch-and-bound may visit (problems of ≤ exactMaxBuffers buffers). */
  exactVisits: number;
  /** Largest number of arena buffers the exact branch-and-bound is tried on. */
  exactMaxBuffers: number;
  /** Swap steps of the hill climb over placement orders (problems above exactMaxBuffers). */
  climbSteps: number;
  /** Scheduler: sets of already-run nodes kept per step before the search becomes a beam. */
  scheduleStates: number;
  /** Scheduler: beam width once a step is over scheduleStates. */
  scheduleBeam: number;
  /** Scheduler: sets visited in all; past it the beam narrows to 16 so the search finishes. */
  scheduleTotalStates: number;
}

/** The defaults, in the range of the time caps they replace (200 ms of offset search): an
 * instance that exhausts the exact search (20 buffers) or the hill climb (40) took 0.67 s at a load
 * average of 14 on 2 cores, so about a tenth of that idle. Every zoo model and fixture meets the
 * lower bound well inside them (`test/memory/determinism.test.ts`). */
export const DEFAULT_BUDGET: PlanBudget = {
  exactVisits: 100_000,
  exactMaxBuffers: 20,
  climbSteps: 4_000,
  scheduleStates: 20_000,
  scheduleBeam: 2_000,
  scheduleTotalStates: 400_000,
};

export const planBudget = (b: Partial<PlanBudget> = {}): PlanBudget => ({ ...DEFAULT_BUDGET, ...b });

export interface Planner {
  name: string;
  /** One line for `--help` and docs. */
  summary: string;
  place(items: OffsetItem[], lowerBound: number, budget: PlanBudget): Placement;
}

/** Peak of the sum of sizes live at one step: no placement can be smaller. */
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

const bySize = (x: OffsetItem, y: OffsetItem): number => y.size - x.size || x.first - y.first || x.id - y.id;

/** TensorFlow Lite Micro's GreedyMemoryPlanner: greedy by size, first fit. */
const tflm: Planner = {
  name: 'tflm',
  summary: "greedy by size, first fit (TensorFlow Lite Micro's GreedyMemoryPlanner)",
  place: (items) => ({ ...greedy([...items].sort(bySize), 'first'), strategy: 'greedy by size, first fit' }),
};

/** Five orderings × (best fit, first fit); the first to meet the bound wins, else the smallest. */
function bestGreedy(items: OffsetItem[], lowerBound: number): Placement {
  const len = (b: OffsetItem): number => b.last - b.first + 1;
  const conflicts = new Map(items.map((b) => [b.id, items.filter((o) => o !== b && overlaps(o, b)).reduce((s, o) => s + o.size, 0)]));
  const orders: [string, (x: OffsetItem, y: OffsetItem) => number][] = [
    ['size', bySize],
    ['lifetime', (x, y) => len(y) - len(x) || bySize(x, y)],
    ['first use', (x, y) => x.first - y.first || bySize(x, y)],
    ['size × lifetime', (x, y) => y.size * len(y) - x.size * len(x) || bySize(x, y)],
    ['conflicts', (x, y) => conflicts.get(y.id)! - conflicts.get(x.id)! || bySize(x, y)],
  ];
  let best: Placement | undefined;
  for (const [name, cmp] of orders)
    for (const fit of ['best', 'first'] as const) {
      const r = greedy([...items].sort(cmp), fit);
      if (!best || r.bytes < best.bytes) best = { ...r, strategy: `greedy by ${name}, ${fit} fit` };
      if (best.bytes <= lowerBound) return best;
    }
  return best!;
}

const greedyPlanner: Planner = {
  name: 'greedy',
  summary: 'the best of five greedy orderings × best / first fit, no search',
  place: (items, lowerBound) => bestGreedy(items, lowerBound),
};

/** The default: greedy orderings; when they miss the lower bound, an exact branch-and-bound on
 * small problems (next buffer at its lowest feasible offset; every optimum can be reached that
 * way) or a hill climb over the placement order on larger ones, each within its budget. */
const searchPlanner: Planner = {
  name: 'search',
  summary: 'greedy orderings, then exact branch-and-bound (small problems) or a seeded hill climb, within a visit budget (default)',
  place(items, lowerBound, budget) {
    let best = bestGreedy(items, lowerBound);
    if (best.bytes <= lowerBound) return best;
    if (items.length <= budget.exactMaxBuffers) {
      const r = exactOffsets(items, best.bytes, lowerBound, budget.exactVisits);
      if (r && r.bytes < best.bytes) best = { ...r, strategy: r.complete ? 'exact search (optimal)' : 'exact search (visit budget)' };
      else if (r?.complete) best = { ...best, strategy: `${best.strategy} (proved optimal)` };
      return best;
    }
    // hill climbing over the placement order (swap two, keep if not worse), fixed seed
    let order = [...items].sort(bySize);
    let cur = greedy(order, 'best').bytes;
    let seed = 12345;
    const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
    for (let it = 0; it < budget.climbSteps && best.bytes > lowerBound; it++) {
      const next = [...order];
      const i = rnd(next.length);
      const j = rnd(next.length);
      [next[i], next[j]] = [next[j]!, next[i]!];
      const r = greedy(next, it % 2 ? 'first' : 'best');
      if (r.bytes <= cur) (order = next), (cur = r.bytes);
      if (r.bytes < best.bytes) best = { ...r, strategy: 'local search over placement orders' };
    }
    return best;
  },
};

function exactOffsets(items: OffsetItem[], upper: number, lowerBound: number, maxVisits: number) {
  const n = items.length;
  const sorted = [...items].sort((x, y) => y.size - x.size || x.first - y.first);
  const conflict = sorted.map((a) => sorted.map((b) => a !== b && overlaps(a, b)));
  const offs = new Array<number>(n).fill(-1);
  let bestBytes = upper;
  let bestOffs: number[] | undefined;
  let visits = 0;
  let outOfBudget = false;
  const dfs = (count: number, top: number, last: number): void => {
    if (outOfBudget || bestBytes <= lowerBound) return;
    if (++visits > maxVisits) {
      outOfBudget = true;
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
      if (outOfBudget || bestBytes <= lowerBound) return;
    }
  };
  dfs(0, 0, -1);
  const complete = !outOfBudget;
  if (!bestOffs) return complete ? { offsets: new Map<number, number>(), bytes: Infinity, complete } : undefined;
  return { offsets: new Map(sorted.map((b, i) => [b.id, bestOffs![i]!])), bytes: bestBytes, complete };
}

/** Every planner by name; adding one is adding an entry. */
export const PLANNERS: Record<string, Planner> = Object.fromEntries([searchPlanner, greedyPlanner, tflm].map((p) => [p.name, p]));
export const PLANNER_NAMES = Object.keys(PLANNERS);
export const DEFAULT_PLANNER = 'search';

export function plannerNamed(name: string): Planner | undefined {
  return Object.hasOwn(PLANNERS, name) ? PLANNERS[name] : undefined;
}
