import { expect } from 'vitest';
import { graph, rand } from '../graph-builder.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import type { ArenaPlan } from '../../src/planning/arena-plan.ts';
import type { Graph, Node } from '../../src/ir/types.ts';
import type { AttrValue } from '../../src/ir/types.ts';

/** Every topological order of g.nodes (small graphs only). */
export function allTopologicalOrders(g: Graph, limit = 200_000): Node[][] {
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const preds = new Map(g.nodes.map((n) => [n, n.inputs.map((i) => producer.get(i)).filter((p): p is Node => !!p)]));
  const out: Node[][] = [];
  const done = new Set<Node>();
  const order: Node[] = [];
  const rec = (): void => {
    if (out.length >= limit) return;
    if (order.length === g.nodes.length) {
      out.push([...order]);
      return;
    }
    for (const n of g.nodes) {
      if (done.has(n) || !preds.get(n)!.every((p) => done.has(p))) continue;
      done.add(n);
      order.push(n);
      rec();
      order.pop();
      done.delete(n);
    }
  };
  rec();
  return out;
}

/** No two buffers live at the same step overlap in the arena; every tensor has a buffer. */
export function expectValidPlan(plan: ArenaPlan): void {
  const arena = plan.buffers.filter((b) => b.location.kind === 'arena');
  for (const a of arena) {
    const ao = (a.location as { offset: number }).offset;
    expect(ao % plan.alignment).toBe(0);
    expect(ao + a.bytes).toBeLessThanOrEqual(plan.bytes);
    for (const b of arena) {
      if (a === b || a.firstStep > b.lastStep || b.firstStep > a.lastStep) continue;
      const bo = (b.location as { offset: number }).offset;
      expect(ao + a.bytes <= bo || bo + b.bytes <= ao, `buffers ${a.id} and ${b.id} overlap`).toBe(true);
    }
  }
  expect(plan.bytes).toBeGreaterThanOrEqual(plan.lowerBound);
}

type Spec = [string, string, string[], string[], Record<string, AttrValue>?];

/** A random DAG of MatMul (resize), Relu / Sigmoid (in-place candidates), Add (same size) and
 * Concat (axis 1, in-place candidate) on [1, n] tensors; dangling tensors become outputs. */
export function randomGraph(seed: number, nodes = 8): Graph {
  let s = seed * 7919 + 17;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * k);
  };
  const sizes: Record<string, number> = { x: 4 + rnd(12) };
  const consts: Record<string, { shape: number[]; data: number[] }> = {};
  const specs: Spec[] = [];
  const tensors = ['x'];
  for (let i = 0; i < nodes; i++) {
    const pick = (): string => tensors[rnd(tensors.length)]!;
    const out = `t${i}`;
    const kind = rnd(10);
    const a = pick();
    if (kind < 4) {
      const n = 2 + rnd(30);
      consts[`w${i}`] = { shape: [sizes[a]!, n], data: rand(sizes[a]! * n, seed * 100 + i) };
      specs.push([`mm${i}`, 'MatMul', [a, `w${i}`], [out]]);
      sizes[out] = n;
    } else if (kind < 6) {
      specs.push([`act${i}`, kind === 4 ? 'Relu' : 'Sigmoid', [a], [out]]);
      sizes[out] = sizes[a]!;
    } else if (kind < 8) {
      const same = tensors.filter((t) => t !== a && sizes[t] === sizes[a]);
      if (same.length > 0) specs.push([`add${i}`, 'Add', [a, same[rnd(same.length)]!], [out]]);
      else specs.push([`neg${i}`, 'Neg', [a], [out]]);
      sizes[out] = sizes[a]!;
    } else {
      let b = pick();
      if (b === a) b = tensors[(tensors.indexOf(a) + 1) % tensors.length]!;
      if (b === a) {
        specs.push([`relu${i}`, 'Relu', [a], [out]]);
        sizes[out] = sizes[a]!;
      } else {
        specs.push([`cat${i}`, 'Concat', [a, b], [out], { axis: 1 }]);
        sizes[out] = sizes[a]! + sizes[b]!;
      }
    }
    tensors.push(out);
  }
  const used = new Set(specs.flatMap((sp) => sp[2]));
  const outputs = tensors.filter((t) => t !== 'x' && !used.has(t));
  const g = graph({ inputs: { x: [1, sizes['x']!] }, consts, nodes: specs, outputs });
  for (const [name, c] of Object.entries(consts)) g.tensors[name] = { name, shape: c.shape, dtype: 'float32', data: Float32Array.from(c.data) };
  return inferShapes(g);
}

const mm = (name: string, from: string, to: string): [string, string, string[], string[]] => [name, 'MatMul', [from, `W_${name}`], [to]];
const weights = (dims: Record<string, [number, number]>) =>
  Object.fromEntries(Object.entries(dims).map(([k, [a, b]], i) => [`W_${k}`, { shape: [a, b], data: rand(a * b, i + 3) }]));

/** x → three branches, each a big intermediate then a small result, summed. The given order runs
 * every big intermediate first (all live at once); the best order finishes one branch at a time. */
export function branches(): Graph {
  return inferShapes(
    graph({
      inputs: { x: [1, 8] },
      consts: weights({ b0: [8, 256], b1: [8, 192], b2: [8, 128], s0: [256, 4], s1: [192, 4], s2: [128, 4] }),
      nodes: [mm('b0', 'x', 'B0'), mm('b1', 'x', 'B1'), mm('b2', 'x', 'B2'), mm('s0', 'B0', 'S0'), mm('s1', 'B1', 'S1'), mm('s2', 'B2', 'S2'), ['add0', 'Add', ['S0', 'S1'], ['A0']], ['add1', 'Add', ['A0', 'S2'], ['y']]],
      outputs: ['y'],
    }),
  );
}

/** A long-lived skip connection: a big tensor computed first but only needed by the last node. */
export function skip(): Graph {
  return inferShapes(
    graph({
      inputs: { x: [1, 8] },
      consts: weights({ skip: [8, 64], c1: [8, 128], c2: [128, 128], c3: [128, 96], c4: [96, 64] }),
      nodes: [mm('skip', 'x', 'K'), mm('c1', 'x', 'C1'), mm('c2', 'C1', 'C2'), mm('c3', 'C2', 'C3'), mm('c4', 'C3', 'C4'), ['relu', 'Relu', ['C4'], ['R']], ['add', 'Add', ['R', 'K'], ['y']]],
      outputs: ['y'],
    }),
  );
}

/** Four producers (each behind a big intermediate) into one concat: in place, each writes its slice. */
export function concatOfProducers(): Graph {
  return inferShapes(
    graph({
      inputs: { x: [1, 8] },
      consts: weights({ q0: [8, 96], q1: [8, 64], q2: [8, 80], p0: [96, 12], p1: [64, 20], p2: [80, 8], head: [40, 6] }),
      nodes: [mm('q0', 'x', 'Q0'), mm('q1', 'x', 'Q1'), mm('q2', 'x', 'Q2'), mm('p0', 'Q0', 'P0'), mm('p1', 'Q1', 'P1'), mm('p2', 'Q2', 'P2'), ['cat', 'Concat', ['P0', 'P1', 'P2'], ['C'], { axis: 1 }], mm('head', 'C', 'y')],
      outputs: ['y'],
    }),
  );
}

