import { inputError } from './errors.ts';
import { opOf } from './registry.ts';
import { numel, sameShape } from './shape.ts';
import type { Graph, Value } from './types.ts';

/** The float reference interpreter: runs a shape-inferred graph node by node with each op's
 * reference semantics. It is the oracle that generated C is checked against. */
export function interpret(
  graph: Graph,
  inputs: Record<string, Value>,
  opts: { onValue?: (tensor: string, value: Value) => void } = {},
): Record<string, Value> {
  const env = new Map<string, Value>();
  for (const [name, t] of Object.entries(graph.tensors)) if (t.data) env.set(name, { shape: t.shape, dtype: t.dtype, data: t.data });
  for (const name of graph.inputs) {
    const v = inputs[name];
    const t = graph.tensors[name]!;
    if (!v) throw inputError(`no value given for graph input '${name}'`);
    if (!sameShape(v.shape, t.shape) && numel(v.shape) !== numel(t.shape))
      throw inputError(`graph input '${name}' expects shape [${t.shape}], got [${v.shape}]`);
    env.set(name, { ...v, shape: t.shape });
    opts.onValue?.(name, env.get(name)!);
  }
  for (const node of graph.nodes) {
    const ins = node.inputs.map((n) => (n ? env.get(n) : undefined));
    const outs = opOf(node).evaluate(node, ins);
    node.outputs.forEach((name, i) => {
      if (!name || !outs[i]) return;
      env.set(name, outs[i]!);
      opts.onValue?.(name, outs[i]!);
    });
  }
  return Object.fromEntries(graph.outputs.map((o) => [o, env.get(o)!]));
}
