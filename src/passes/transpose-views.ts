import { transposePerm } from '../ir/ops/transpose.ts';
import type { Graph } from '../ir/types.ts';
import { addConstant, cloneGraph } from './rewrite.ts';

/** A transpose that only moves axes of size 1 keeps the bytes in order: it becomes a Reshape,
 * which the backend treats as a view (no copy). */
export function transposesToViews(graph: Graph): Graph {
  const g = cloneGraph(graph);
  for (const n of g.nodes) {
    if (n.op !== 'Transpose') continue;
    const x = g.tensors[n.inputs[0]!]!;
    const perm = transposePerm(n, x.shape.length);
    const moved = perm.filter((a) => x.shape[a] !== 1);
    if (moved.some((a, i) => i > 0 && a < moved[i - 1]!)) continue;
    const shape = perm.map((a) => x.shape[a]!);
    const s = addConstant(g, `${n.name}__shape`, { shape: [shape.length], dtype: 'int64', data: Float64Array.from(shape) });
    n.op = 'Reshape';
    n.inputs = [n.inputs[0]!, s];
    n.attrs = {};
  }
  return g;
}
