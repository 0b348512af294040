import { traitsOf } from '../ir/registry.ts';
import type { Graph, Node } from '../ir/types.ts';
import { bypassNode, cloneGraph, producerOf, singleConsumer } from './rewrite.ts';

/** The clamp an activation node applies, if it is one a producer can absorb (OpTraits.clamp). */
function clampOf(g: Graph, n: Node): { min: number; max: number } | undefined {
  return traitsOf(n.op)?.clamp?.(n, n.inputs.map((i) => (i ? g.tensors[i] : undefined)));
}

/** Relu, Relu6 and Clip after a Conv, Gemm, MatMul or elementwise op become its output clamp
 * (act_min/act_max), as CMSIS-NN and TFLite fuse them. */
export function fuseActivations(graph: Graph): Graph {
  const g = cloneGraph(graph);
  for (const act of [...g.nodes]) {
    const clamp = clampOf(g, act);
    if (!clamp) continue;
    const prod = producerOf(g, act.inputs[0]!);
    if (!prod || !traitsOf(prod.op)?.absorbsClamp || singleConsumer(g, act.inputs[0]!) !== act) continue;
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
