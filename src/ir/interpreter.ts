import { inputError } from './errors.ts';
import { opOf } from './registry.ts';
import { numel } from './shape.ts';
import type { Graph, Tensor, Value } from './types.ts';

/** The values a run starts from: every constant, and each graph input (any shape with its tensor's
 * element count) as `bind` makes it from the given value; both interpreters start here. */
export function startValues(
  graph: Graph,
  inputs: Record<string, Value>,
  bind: (v: Value, t: Tensor) => Value,
  onValue?: (tensor: string, value: Value) => void,
): Map<string, Value> {
  const env = new Map<string, Value>();
  for (const [name, t] of Object.entries(graph.tensors)) if (t.data) env.set(name, { shape: t.shape, dtype: t.dtype, data: t.data });
  for (const name of graph.inputs) {
    const v = inputs[name];
    const t = graph.tensors[name]!;
    if (!v) throw inputError(`no value given for graph input '${name}'`);
    if (numel(v.shape) !== numel(t.shape)) throw inputError(`graph input '${name}' expects shape [${t.shape}], got [${v.shape}]`);
    env.set(name, bind(v, t));
    onValue?.(name, env.get(name)!);
  }
  return env;
}

/** The float reference interpreter: runs a shape-inferred graph node by node with each op's
 * reference semantics. It is the oracle that generated C is checked against. */
export function interpret(
  graph: Graph,
  inputs: Record<string, Value>,
  opts: { onValue?: (tensor: string, value: Value) => void } = {},
): Record<string, Value> {
  const env = startValues(graph, inputs, (v, t) => ({ ...v, shape: t.shape }), opts.onValue);
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
