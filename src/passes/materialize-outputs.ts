import { producerMap } from '../ir/graph.ts';
import { lookupOp } from '../ir/registry.ts';
import type { Graph } from '../ir/types.ts';
import { cloneGraph, freshName, freshNodeName } from './rewrite.ts';

/** Every graph output must be written by a kernel into the caller's buffer. Where an output is a
 * constant, a graph input, or a view of one (or of another output), a copy is inserted. */
export function materializeOutputs(graph: Graph): Graph {
  const g = cloneGraph(graph);
  const claimed = new Set<string>();
  g.outputs.forEach((o) => {
    const prod = producerMap(g);
    const rootOf = (t: string): string => {
      const p = prod.get(t);
      return p && lookupOp(p.op)?.isView ? rootOf(p.inputs[0]!) : t;
    };
    const root = rootOf(o);
    const needsCopy = g.inputs.includes(root) || g.tensors[root]?.data !== undefined || claimed.has(root) || g.inputs.includes(o);
    claimed.add(root);
    if (!needsCopy) return;
    const src = freshName(g, `${o}__src`);
    const t = g.tensors[o]!;
    if (t.data) {
      g.tensors[src] = { ...t, name: src };
      g.tensors[o] = { name: o, shape: t.shape, dtype: t.dtype };
    } else {
      g.tensors[src] = { ...t, name: src };
      const p = prod.get(o);
      if (p) p.outputs = p.outputs.map((x) => (x === o ? src : x));
      for (const n of g.nodes) n.inputs = n.inputs.map((x) => (x === o ? src : x));
    }
    g.nodes.push({ name: freshNodeName(g, `copy_${o}`), op: 'Identity', inputs: [src], outputs: [o], attrs: {} });
  });
  return g;
}
