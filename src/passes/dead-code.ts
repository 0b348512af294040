import { producerMap } from '../ir/graph.ts';
import type { Graph } from '../ir/types.ts';

/** Drops nodes nothing needs, nodes whose outputs are all compile-time constants, and tensors no
 * one reads. */
export function eliminateDeadCode(graph: Graph): Graph {
  const prod = producerMap(graph);
  const live = new Set<string>();
  const needed = new Set<(typeof graph.nodes)[number]>();
  const stack = [...graph.outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (live.has(t)) continue;
    live.add(t);
    if (graph.tensors[t]?.data) continue;
    const n = prod.get(t);
    if (n && !needed.has(n)) {
      needed.add(n);
      for (const i of n.inputs) if (i) stack.push(i);
    }
  }
  const nodes = graph.nodes.filter((n) => needed.has(n));
  const used = new Set<string>([...graph.inputs, ...graph.outputs]);
  for (const n of nodes) for (const t of [...n.inputs, ...n.outputs]) if (t) used.add(t);
  const tensors = Object.fromEntries(Object.entries(graph.tensors).filter(([k]) => used.has(k)));
  return { ...graph, nodes, tensors };
}
