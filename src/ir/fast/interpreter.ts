import { inputError } from '../errors.ts';
import { opOf } from '../registry.ts';
import { numel, sameShape } from '../shape.ts';
import type { Graph, Node, Tensor, Value } from '../types.ts';
import { fastConv } from './conv.ts';
import { fastGemm, fastMatMul } from './dense.ts';
import type { FastKernel } from './kernel.ts';
import { fastRecurrent } from './recurrent.ts';
import { RowDots } from './row-dots.ts';

type KernelBuilder = (node: Node, inputs: (Tensor | undefined)[], outputs: (Tensor | undefined)[], dots: RowDots) => FastKernel | undefined;

/** The ops with a typed-array kernel; every other op runs its reference `evaluate`. */
const BUILDERS: Record<string, KernelBuilder> = {
  Conv: fastConv,
  Gemm: fastGemm,
  MatMul: fastMatMul,
  LSTM: fastRecurrent,
  GRU: fastRecurrent,
  RNN: fastRecurrent,
};

export interface CompiledInterpreter {
  /** Runs one inference; `onValue` sees the same (tensor, value) sequence as `interpret`'s. Output
   * values are reused by the next run: copy what must outlive it. */
  run(inputs: Record<string, Value>, onValue?: (tensor: string, value: Value) => void): Record<string, Value>;
}

/**
 * The float interpreter for many runs of one graph (calibration): the hot ops (Conv, Gemm,
 * MatMul, LSTM, GRU, RNN) are compiled once into tight loops over buffers allocated once. They add
 * the same double products in the same order as the reference ops in src/ir/ops/, so every value
 * is bit-identical to `interpret`'s (test/ir/fast-interpreter.test.ts checks it).
 */
export function compileInterpreter(graph: Graph): CompiledInterpreter {
  const constants = new Map<string, Value>();
  for (const [name, t] of Object.entries(graph.tensors)) if (t.data) constants.set(name, { shape: t.shape, dtype: t.dtype, data: t.data });
  const dots = new RowDots();
  const kernels = graph.nodes.map((node): FastKernel => {
    const reference: FastKernel = (ins) => opOf(node).evaluate(node, ins);
    const build = BUILDERS[node.op];
    const tensor = (n: string): Tensor | undefined => (n ? graph.tensors[n] : undefined);
    const fast = build?.(node, node.inputs.map(tensor), node.outputs.map(tensor), dots);
    if (!fast) return reference;
    // a value whose size differs from the inferred shape takes the reference path
    const sizes = node.inputs.map((n) => (n && graph.tensors[n] ? numel(graph.tensors[n]!.shape) : -1));
    return (ins) => (ins.every((v, i) => !v || sizes[i] === -1 || v.data.length === sizes[i]) ? fast(ins) : reference(ins));
  });
  return {
    run(inputs, onValue) {
      const env = new Map(constants);
      for (const name of graph.inputs) {
        const v = inputs[name];
        const t = graph.tensors[name]!;
        if (!v) throw inputError(`no value given for graph input '${name}'`);
        if (!sameShape(v.shape, t.shape) && numel(v.shape) !== numel(t.shape))
          throw inputError(`graph input '${name}' expects shape [${t.shape}], got [${v.shape}]`);
        const value = { ...v, shape: t.shape };
        env.set(name, value);
        onValue?.(name, value);
      }
      graph.nodes.forEach((node, k) => {
        const outs = kernels[k]!(node.inputs.map((n) => (n ? env.get(n) : undefined)));
        node.outputs.forEach((name, i) => {
          if (!name || !outs[i]) return;
          env.set(name, outs[i]!);
          onValue?.(name, outs[i]!);
        });
      });
      return Object.fromEntries(graph.outputs.map((o) => [o, env.get(o)!]));
    },
  };
}
