import { inputError } from './errors.ts';
import { lookupOp } from './registry.ts';
import type { Graph, Node, Tensor } from './types.ts';

export const producerMap = (g: Graph): Map<string, Node> => {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) m.set(o, n);
  return m;
};

export const consumerMap = (g: Graph): Map<string, Node[]> => {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes)
    for (const i of n.inputs) {
      if (!i) continue;
      const list = m.get(i) ?? [];
      if (!list.includes(n)) list.push(n);
      m.set(i, list);
    }
  return m;
};

export const isConstant = (g: Graph, name: string): boolean => g.tensors[name]?.data !== undefined;

export function tensorOf(g: Graph, name: string): Tensor {
  const t = g.tensors[name];
  if (!t) throw inputError(`graph '${g.name}': tensor '${name}' is not defined`);
  return t;
}

/** Nodes in dependency order; a cycle is an error naming the nodes on it. */
export function topoSort(g: Graph): Node[] {
  const prod = producerMap(g);
  const state = new Map<Node, 'visiting' | 'done'>();
  const order: Node[] = [];
  const visit = (n: Node, path: Node[]): void => {
    const s = state.get(n);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = path.slice(path.indexOf(n)).map((x) => `'${x.name}'`);
      throw inputError(`graph '${g.name}' has a cycle through nodes ${cycle.join(' → ')} → '${n.name}'`);
    }
    state.set(n, 'visiting');
    for (const i of n.inputs) {
      const p = i ? prod.get(i) : undefined;
      if (p) visit(p, [...path, n]);
    }
    state.set(n, 'done');
    order.push(n);
  };
  for (const n of g.nodes) visit(n, []);
  return order;
}

/** Structural checks before anything else runs: every op known (all unknown ones reported at
 * once), every input defined, every tensor produced once. */
export function validateGraph(g: Graph): void {
  const where = g.source ? `${g.source}: ` : '';
  const unknown = g.nodes.filter((n) => !lookupOp(n.op));
  if (unknown.length > 0) {
    const list = unknown.map((n) => `'${n.name}' (${n.op})`).join(', ');
    throw inputError(`${where}unsupported operator${unknown.length > 1 ? 's' : ''}: ${list}; run 'harc ops' for the supported list`);
  }
  const produced = new Set<string>(g.inputs);
  for (const n of g.nodes)
    for (const o of n.outputs) {
      if (!o) continue;
      if (produced.has(o)) throw inputError(`${where}tensor '${o}' is produced more than once (node '${n.name}')`);
      produced.add(o);
    }
  for (const n of g.nodes)
    for (const i of n.inputs)
      if (i && !produced.has(i) && !g.tensors[i]?.data)
        throw inputError(`${where}node '${n.name}' (${n.op}) reads '${i}', which no node, input or initializer defines`);
  for (const o of g.outputs)
    if (!produced.has(o) && !g.tensors[o]?.data) throw inputError(`${where}graph output '${o}' is never produced`);
  topoSort(g);
}

export const uniqueName = (g: Graph, base: string): string => {
  let name = base;
  for (let i = 1; g.tensors[name] || g.nodes.some((n) => n.name === name); i++) name = `${base}_${i}`;
  return name;
};
