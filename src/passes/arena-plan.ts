import { bytesPerElement } from '../ir/dtype.ts';
import { producerMap } from '../ir/graph.ts';
import { lookupOp } from '../ir/registry.ts';
import { numel } from '../ir/shape.ts';
import type { Graph } from '../ir/types.ts';

/** Where a buffer lives: the static arena, or memory the caller passes in (inputs, outputs). */
export type BufferLocation = { kind: 'arena'; offset: number } | { kind: 'input'; index: number } | { kind: 'output'; index: number };

export interface PlannedBuffer {
  id: number;
  /** The tensors sharing this memory: the root and every view of it. */
  tensors: string[];
  bytes: number;
  /** Schedule steps (node indices) from its writing to its last read. */
  firstStep: number;
  lastStep: number;
  location: BufferLocation;
}

export interface ArenaPlan {
  bytes: number;
  /** The largest total of arena bytes live at one step: no plan of this schedule can be smaller. */
  lowerBound: number;
  alignment: number;
  buffers: PlannedBuffer[];
  bufferOf: Record<string, number>;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Liveness over the graph's node order and offsets by greedy-by-size, lowest fitting offset
 * first (the TFLite Micro / TVM family). Views share their source's buffer. */
export function planArena(graph: Graph, opts: { alignment?: number } = {}): ArenaPlan {
  const alignment = opts.alignment ?? 8;
  const prod = producerMap(graph);
  const rootOf = (t: string): string => {
    const p = prod.get(t);
    return p && lookupOp(p.op)?.isView ? rootOf(p.inputs[0]!) : t;
  };
  const groups = new Map<string, string[]>();
  const note = (t: string): void => {
    if (!t || graph.tensors[t]?.data) return;
    const r = rootOf(t);
    const list = groups.get(r) ?? [];
    if (!list.includes(t)) list.push(t);
    groups.set(r, list);
  };
  graph.inputs.forEach(note);
  for (const n of graph.nodes) [...n.inputs, ...n.outputs].forEach(note);
  graph.outputs.forEach(note);

  const stepOf = new Map(graph.nodes.map((n, i) => [n, i]));
  const buffers: PlannedBuffer[] = [];
  const bufferOf: Record<string, number> = {};
  for (const [root, members] of groups) {
    const t = graph.tensors[root]!;
    const bytes = numel(t.shape) * bytesPerElement(t.dtype);
    const inputIndex = graph.inputs.indexOf(root);
    const outputIndex = graph.outputs.findIndex((o) => members.includes(o));
    const first = inputIndex >= 0 ? -1 : stepOf.get(prod.get(root)!) ?? -1;
    let last = first;
    for (const n of graph.nodes) if (n.inputs.some((i) => members.includes(i))) last = Math.max(last, stepOf.get(n)!);
    if (outputIndex >= 0) last = graph.nodes.length;
    const location: BufferLocation =
      inputIndex >= 0 ? { kind: 'input', index: inputIndex } : outputIndex >= 0 ? { kind: 'output', index: outputIndex } : { kind: 'arena', offset: -1 };
    const id = buffers.length;
    buffers.push({ id, tensors: members, bytes, firstStep: first, lastStep: last, location });
    for (const m of members) bufferOf[m] = id;
  }

  const arena = buffers.filter((b) => b.location.kind === 'arena');
  const overlaps = (a: PlannedBuffer, b: PlannedBuffer): boolean => a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
  const placed: PlannedBuffer[] = [];
  for (const b of [...arena].sort((x, y) => y.bytes - x.bytes || x.firstStep - y.firstStep || x.id - y.id)) {
    const busy = placed
      .filter((p) => overlaps(p, b))
      .map((p) => [(p.location as { offset: number }).offset, (p.location as { offset: number }).offset + alignUp(p.bytes, alignment)] as const)
      .sort((x, y) => x[0] - y[0]);
    let offset = 0;
    for (const [start, end] of busy) {
      if (offset + b.bytes <= start) break;
      offset = Math.max(offset, end);
    }
    b.location = { kind: 'arena', offset };
    placed.push(b);
  }
  const bytes = Math.max(0, ...placed.map((p) => (p.location as { offset: number }).offset + alignUp(p.bytes, alignment)));
  let lowerBound = 0;
  for (let s = 0; s < graph.nodes.length; s++)
    lowerBound = Math.max(lowerBound, arena.filter((b) => b.firstStep <= s && s <= b.lastStep).reduce((sum, b) => sum + alignUp(b.bytes, alignment), 0));
  return { bytes, lowerBound, alignment, buffers, bufferOf };
}
