import '../src/ir/ops/index.ts';
import type { AttrValue, Graph, Node, Tensor } from '../src/ir/types.ts';

/** Tiny graphs for unit tests of passes. */
export function graph(spec: { inputs: Record<string, number[]>; consts?: Record<string, { shape: number[]; data: number[] }>; nodes: [string, string, string[], string[], Record<string, AttrValue>?][]; outputs: string[] }): Graph {
  const tensors: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(spec.inputs)) tensors[name] = { name, shape, dtype: 'float32' };
  for (const [name, c] of Object.entries(spec.consts ?? {}))
    tensors[name] = { name, shape: c.shape, dtype: c.shape.length === 1 && name.startsWith('i64_') ? 'int64' : 'float32', data: name.startsWith('i64_') ? Float64Array.from(c.data) : Float32Array.from(c.data) };
  const nodes: Node[] = spec.nodes.map(([name, op, inputs, outputs, attrs]) => ({ name, op, inputs, outputs, attrs: attrs ?? {} }));
  return { name: 'g', inputs: Object.keys(spec.inputs), outputs: spec.outputs, tensors, nodes };
}

/** Deterministic pseudo-random values. */
export const rand = (n: number, seed = 1): number[] => {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
};
