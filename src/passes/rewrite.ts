import { consumerMap, producerMap } from '../ir/graph.ts';
import type { Graph, Node, Tensor } from '../ir/types.ts';

// Small helpers the passes share. Passes are pure: they copy what they change.

export const cloneGraph = (g: Graph): Graph => ({
  ...g,
  inputs: [...g.inputs],
  outputs: [...g.outputs],
  tensors: { ...g.tensors },
  nodes: g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
});

/** Makes every reader of `from` read `to` instead (graph outputs excepted). */
export function replaceUses(g: Graph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
}

export const singleConsumer = (g: Graph, tensor: string): Node | undefined => {
  const c = consumerMap(g).get(tensor) ?? [];
  return c.length === 1 && !g.outputs.includes(tensor) ? c[0] : undefined;
};

export const producerOf = (g: Graph, tensor: string): Node | undefined => producerMap(g).get(tensor);

export function freshName(g: Graph, base: string): string {
  let name = base;
  for (let i = 1; g.tensors[name]; i++) name = `${base}_${i}`;
  return name;
}

export function freshNodeName(g: Graph, base: string): string {
  const taken = new Set(g.nodes.map((n) => n.name));
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

export function addConstant(g: Graph, base: string, t: Omit<Tensor, 'name'>): string {
  const name = freshName(g, base);
  g.tensors[name] = { ...t, name };
  return name;
}

/** Removes a single-input pass-through node, keeping graph output names intact. */
export function bypassNode(g: Graph, node: Node): void {
  const src = node.inputs[0]!;
  const dst = node.outputs[0]!;
  const isOut = g.outputs.includes(dst);
  const srcProducer = producerOf(g, src);
  if (isOut) {
    // the graph output name must survive: rename the producer's output instead
    if (!srcProducer || g.inputs.includes(src) || g.outputs.includes(src) || g.tensors[src]?.data) return;
    srcProducer.outputs = srcProducer.outputs.map((o) => (o === src ? dst : o));
    replaceUses(g, src, dst);
  } else replaceUses(g, dst, src);
  g.nodes = g.nodes.filter((n) => n !== node);
}

/** A copy of `graph` with `rewriteOne` applied to every node, again and again until no call
 * changes anything (a rewrite may enable another; nodes it removed are skipped). */
export function rewriteToFixpoint(graph: Graph, rewriteOne: (g: Graph, node: Node) => boolean): Graph {
  const g = cloneGraph(graph);
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of [...g.nodes]) if (g.nodes.includes(node) && rewriteOne(g, node)) changed = true;
  }
  return g;
}
