import { inputError } from './errors.ts';
import { topoSort, validateGraph } from './graph.ts';
import { opOf } from './registry.ts';
import { numel } from './shape.ts';
import type { Graph, Tensor, Value } from './types.ts';

/** Resolves every tensor's shape and dtype in dependency order, folding nodes whose inputs are all
 * compile-time constants (this is also what folds PyTorch's Shape→Gather→Concat chains). Returns
 * a new graph with nodes sorted; the input graph is not modified. */
export function inferShapes(graph: Graph, opts: { fold?: boolean } = {}): Graph {
  validateGraph(graph);
  const fold = opts.fold ?? true;
  const tensors: Record<string, Tensor> = { ...graph.tensors };
  const nodes = topoSort(graph);
  for (const node of nodes) {
    const def = opOf(node);
    const inputs = node.inputs.map((n) => (n ? tensors[n] : undefined));
    const given = node.inputs.filter(Boolean).length;
    if (given < def.arity[0] || node.inputs.length > def.arity[1])
      throw inputError(`node '${node.name}' (${node.op}): expects ${def.arity[0]}..${def.arity[1]} inputs, got ${node.inputs.length}`);
    inputs.forEach((t, i) => {
      if (node.inputs[i] && !t) throw inputError(`node '${node.name}' (${node.op}): input '${node.inputs[i]}' has no known shape`);
    });
    let outs;
    try {
      outs = def.infer(node, inputs);
    } catch (e) {
      if (e instanceof Error && !e.message.includes(node.name)) throw inputError(`node '${node.name}' (${node.op}): ${e.message}`);
      throw e;
    }
    const foldable = fold && (node.op === 'Shape' || inputs.every((t, i) => !node.inputs[i] || t?.data !== undefined));
    const values = foldable
      ? def.evaluate(
          node,
          inputs.map((t) => (t ? ({ shape: t.shape, dtype: t.dtype, data: t.data ?? new Float32Array(0) } satisfies Value) : undefined)),
        )
      : undefined;
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const o = outs[i];
      if (!o) return;
      if (o.shape.some((d) => !Number.isInteger(d) || d < 0))
        throw inputError(`node '${node.name}' (${node.op}): output '${name}' has an invalid shape [${o.shape}]`);
      const t: Tensor = { ...(tensors[name] ?? {}), name, shape: o.shape, dtype: o.dtype };
      if (values?.[i]) t.data = values[i]!.data;
      if (t.data && t.data.length !== numel(t.shape)) throw inputError(`node '${node.name}': folded output '${name}' has the wrong size`);
      tensors[name] = t;
    });
  }
  return { ...graph, nodes, tensors };
}
