import type { Graph, Node } from '../ir/types.ts';
import { bypassNode, cloneGraph, producerOf, singleConsumer } from './rewrite.ts';

const PRODUCERS = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul']);

/** The clamp an activation node applies, if it is one a producer can absorb. */
function clampOf(g: Graph, n: Node): { min: number; max: number } | undefined {
  if (n.op === 'Relu') return { min: 0, max: Infinity };
  if (n.op !== 'Clip') return undefined;
  const bound = (i: number, fallback: number): number | undefined => {
    const name = n.inputs[i];
    if (!name) return fallback;
    const t = g.tensors[name];
    return t?.data && t.data.length === 1 ? t.data[0]! : undefined;
  };
  const min = bound(1, -Infinity);
  const max = bound(2, Infinity);
  return min === undefined || max === undefined ? undefined : { min, max };
}

/** Relu, Relu6 and Clip after a Conv, Gemm, MatMul or elementwise op become its output clamp
 * (act_min/act_max), as CMSIS-NN and TFLite fuse them. */
export function fuseActivations(graph: Graph): Graph {
  const g = cloneGraph(graph);
  for (const act of [...g.nodes]) {
    const clamp = clampOf(g, act);
    if (!clamp) continue;
    const prod = producerOf(g, act.inputs[0]!);
    if (!prod || !PRODUCERS.has(prod.op) || singleConsumer(g, act.inputs[0]!) !== act) continue;
    if (g.tensors[act.inputs[0]!]?.dtype !== 'float32') continue;
    const saved = { min: prod.attrs['act_min'], max: prod.attrs['act_max'] };
    const min = Math.max(clamp.min, typeof prod.attrs['act_min'] === 'number' ? prod.attrs['act_min'] : -Infinity);
    const max = Math.min(clamp.max, typeof prod.attrs['act_max'] === 'number' ? prod.attrs['act_max'] : Infinity);
    if (Number.isFinite(min)) prod.attrs['act_min'] = min;
    if (Number.isFinite(max)) prod.attrs['act_max'] = max;
    const before = g.nodes.length;
    bypassNode(g, act);
    if (g.nodes.length === before) {
      // could not bypass (graph-output naming): undo
      delete prod.attrs['act_min'];
      delete prod.attrs['act_max'];
      if (saved.min !== undefined) prod.attrs['act_min'] = saved.min;
      if (saved.max !== undefined) prod.attrs['act_max'] = saved.max;
    }
  }
  return g;
}
