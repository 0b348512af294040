import { bytesPerElement } from '../ir/dtype.ts';
import { producerMap } from '../ir/graph.ts';
import { attrInt, lookupOp } from '../ir/registry.ts';
import { normAxis, numel } from '../ir/shape.ts';
import type { Graph, Node } from '../ir/types.ts';

// The schedule-independent part of memory planning, shared by the arena planner
// (arena-plan.ts) and the memory-aware scheduler (schedule.ts), so both count bytes the same way.
//
// A *group* is one piece of memory several tensors share regardless of the order nodes run in:
//  - a view (Reshape/Flatten/Squeeze/Unsqueeze) shares its source's bytes at the same offset;
//  - a Concat whose producers can write straight into their slice of the output ("concat in
//    place") becomes a view of its inputs: every input is placed at its slice's byte offset in the
//    output's group, and the Concat node emits no code;
//  - a kernel's scratch memory is a group of its own, live only at that node's step.
// In-place execution (an elementwise output written over an input that dies at that node) depends
// on the order, so it is only recorded here as a *candidate*; the planner and the scheduler decide.

export interface MemoryOptions {
  /** Byte alignment of every arena buffer (its size is rounded up to it). */
  alignment?: number;
  /** Inputs of a node its kernel may overwrite with output 0 (same byte size; the kernel reads
   * every element before writing the same element). Supplied by the backend. */
  inPlace?: (node: Node) => number[];
  /** Turn eligible Concat nodes into views of their inputs (default true). */
  concatInPlace?: boolean;
  /** Scratch bytes a node's kernel needs (node names need not be unique, so by node). */
  scratch?: (node: Node) => number;
  /** Graph inputs and outputs live in the arena too (the API copies in/out or exposes pointers). */
  ioInArena?: boolean;
}

export interface Group {
  id: number;
  /** The tensor owning the bytes (or `scratch:<node>`). */
  root: string;
  tensors: string[];
  /** Byte offset of each member tensor inside the group. */
  offsets: Record<string, number>;
  bytes: number;
  /** Nodes that write a member (kernels only: views and elided concats write nothing). */
  writers: Node[];
  /** Nodes that read a member (kernels only). */
  readers: Node[];
  /** Graph input / output index when the group holds one. */
  input?: number;
  output?: number;
  /** The node whose scratch this is. */
  scratchOf?: Node;
  /** Lives in the arena (false: the caller's input / output memory). */
  inArena: boolean;
}

export interface InPlaceCandidate {
  node: Node;
  /** Input index overwritten, its tensor and group; the output's group. */
  input: number;
  tensor: string;
  from: number;
  to: number;
}

export interface GroupModel {
  groups: Group[];
  groupOf: Record<string, number>;
  /** Nodes that run no code: views and concats made views. */
  free: Set<Node>;
  /** Concat nodes turned into views of their inputs. */
  elidedConcats: string[];
  /** Static in-place candidates per node (first usable one wins). */
  candidates: Map<Node, InPlaceCandidate[]>;
  alignment: number;
}

export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export const tensorBytes = (g: Graph, t: string): number => {
  const x = g.tensors[t]!;
  return numel(x.shape) * bytesPerElement(x.dtype);
};

export function buildGroups(graph: Graph, opts: MemoryOptions = {}): GroupModel {
  const alignment = opts.alignment ?? 8;
  const isActivation = (t: string): boolean => !!t && !graph.tensors[t]?.data;
  // union-find with byte offsets relative to the parent
  const parent = new Map<string, string>();
  const rel = new Map<string, number>();
  const note = (t: string): void => {
    if (isActivation(t) && !parent.has(t)) (parent.set(t, t), rel.set(t, 0));
  };
  graph.inputs.forEach(note);
  for (const n of graph.nodes) [...n.inputs, ...n.outputs].forEach(note);
  graph.outputs.forEach(note);
  const find = (t: string): [string, number] => {
    let off = 0;
    let x = t;
    while (parent.get(x) !== x) {
      off += rel.get(x)!;
      x = parent.get(x)!;
    }
    return [x, off];
  };
  const attach = (t: string, into: string, at: number): void => {
    const [r] = find(t);
    const [R, base] = find(into);
    parent.set(r, R);
    rel.set(r, base + at);
  };

  const free = new Set<Node>();
  for (const n of graph.nodes)
    if (lookupOp(n.op)?.isView && isActivation(n.inputs[0]!) && n.outputs[0]) {
      attach(n.outputs[0], n.inputs[0]!, 0);
      free.add(n);
    }

  // Concat in place: every input is a tensor of its own (not a graph input, constant or output,
  // not shared with another concat), the output's rows are contiguous slices (nothing but size-1
  // dims before the axis), and every slice starts 4-byte aligned.
  const elidedConcats: string[] = [];
  if (opts.concatInPlace ?? true) {
    const sizeOfRoot = (r: string): number => tensorBytes(graph, r);
    const members = (): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const t of parent.keys()) {
        const [r] = find(t);
        m.set(r, [...(m.get(r) ?? []), t]);
      }
      return m;
    };
    // in an order that does not depend on the schedule (by output name), so that the scheduler
    // and the planner of any order see the same groups
    const concats = graph.nodes.filter((n) => n.op === 'Concat' && n.outputs[0]).sort((a, b) => (a.outputs[0]! < b.outputs[0]! ? -1 : 1));
    for (const n of concats) {
      if (n.inputs.length < 1) continue;
      const out = graph.tensors[n.outputs[0]]!;
      const axis = normAxis(attrInt(n, 'axis'), out.shape.length);
      if (numel(out.shape.slice(0, axis)) !== 1) continue;
      if (new Set(n.inputs).size !== n.inputs.length || !n.inputs.every(isActivation)) continue;
      const groupsNow = members();
      const [outRoot] = find(n.outputs[0]);
      let at = 0;
      const slices: [string, number][] = [];
      let ok = true;
      const seen = new Set<string>();
      for (const x of n.inputs) {
        const [r, off] = find(x);
        if (seen.has(r)) ok = false;
        seen.add(r);
        const bytes = tensorBytes(graph, x);
        const group = groupsNow.get(r) ?? [];
        const pinned = graph.inputs.includes(r) || group.some((t) => graph.outputs.includes(t));
        if (r === outRoot || off !== 0 || sizeOfRoot(r) !== bytes || pinned || at % 4 !== 0 || graph.tensors[x]!.dtype !== out.dtype) ok = false;
        slices.push([x, at]);
        at += bytes;
      }
      if (!ok || at !== tensorBytes(graph, n.outputs[0])) continue;
      for (const [x, off] of slices) attach(x, n.outputs[0], off);
      free.add(n);
      elidedConcats.push(n.name);
    }
  }

  const prod = producerMap(graph);
  const groups: Group[] = [];
  const groupOf: Record<string, number> = {};
  const byRoot = new Map<string, Group>();
  for (const t of parent.keys()) {
    const [r, off] = find(t);
    let g = byRoot.get(r);
    if (!g) {
      g = { id: groups.length, root: r, tensors: [], offsets: {}, bytes: tensorBytes(graph, r), writers: [], readers: [], inArena: true };
      byRoot.set(r, g);
      groups.push(g);
    }
    g.tensors.push(t);
    g.offsets[t] = off;
    groupOf[t] = g.id;
  }
  for (const g of groups) {
    const inputIndex = graph.inputs.indexOf(g.root);
    if (inputIndex >= 0) g.input = inputIndex;
    const outputIndex = graph.outputs.findIndex((o) => g.tensors.includes(o));
    if (outputIndex >= 0) g.output = outputIndex;
    g.inArena = opts.ioInArena ? true : g.input === undefined && g.output === undefined;
    for (const t of g.tensors) {
      const p = prod.get(t);
      if (p && !free.has(p) && !g.writers.includes(p)) g.writers.push(p);
    }
  }
  for (const n of graph.nodes) {
    if (free.has(n)) continue;
    for (const i of n.inputs) {
      if (!isActivation(i)) continue;
      const g = groups[groupOf[i]!]!;
      if (!g.readers.includes(n)) g.readers.push(n);
    }
  }
  for (const n of graph.nodes) {
    const bytes = opts.scratch?.(n) ?? 0;
    if (bytes <= 0 || free.has(n)) continue;
    const root = `scratch:${n.name}`;
    groups.push({ id: groups.length, root, tensors: [], offsets: {}, bytes, writers: [n], readers: [], scratchOf: n, inArena: true });
  }

  const candidates = new Map<Node, InPlaceCandidate[]>();
  if (opts.inPlace)
    for (const n of graph.nodes) {
      if (free.has(n) || !n.outputs[0]) continue;
      const y = n.outputs[0];
      const gy = groups[groupOf[y]!]!;
      const list: InPlaceCandidate[] = [];
      for (const i of opts.inPlace(n)) {
        const x = n.inputs[i];
        if (!x || !isActivation(x)) continue;
        const gx = groups[groupOf[x]!]!;
        const ok =
          gx !== gy &&
          gx.inArena &&
          gy.inArena &&
          gx.output === undefined &&
          gy.output === undefined &&
          gy.input === undefined &&
          gx.offsets[x] === 0 &&
          gx.bytes === tensorBytes(graph, x) &&
          gy.root === y &&
          gy.bytes === gx.bytes &&
          gy.writers.length === 1;
        if (ok) list.push({ node: n, input: i, tensor: x, from: gx.id, to: gy.id });
      }
      if (list.length > 0) candidates.set(n, list);
    }
  return { groups, groupOf, free, elidedConcats, candidates, alignment };
}
