import type { Graph } from '../ir/types.ts';
import { bypassNode, cloneGraph } from './rewrite.ts';

/** Identity and inference-time Dropout pass data through unchanged: remove them. */
export function removeIdentity(graph: Graph): Graph {
  const g = cloneGraph(graph);
  for (const node of [...g.nodes]) {
    if (node.op !== 'Identity' && node.op !== 'Dropout') continue;
    if (node.op === 'Dropout' && node.outputs[1] && g.nodes.some((n) => n.inputs.includes(node.outputs[1]!))) continue;
    if (node.op === 'Dropout') node.outputs = [node.outputs[0]!];
    bypassNode(g, node);
  }
  return g;
}
