import { transposePerm } from '../ir/ops/transpose.ts';
import { attrInt } from '../ir/registry.ts';
import type { Graph, Node } from '../ir/types.ts';
import { toChannelsLast } from './layout.ts';
import { cloneGraph, singleConsumer } from './rewrite.ts';

// The layout pass leaves a channels-first model input behind a Transpose to channels-last, which the
// backend runs as a copy layer. A float Conv reads the channels-first input in place instead
// (`x_layout: 'NCHW'`): its lowering regroups the weights to [Cout][Cin/g][kH][kW] so that one
// channel's taps are contiguous in both operands (templates/kernels/conv-cf.c.hbs).
// An int8 Conv (after quantization, absorbInt8InputTranspose) does the same with its weights as they
// are: the reference kernel reads one plane per channel at a stride, and the optimized matrix kernels
// gather their patch from the planes (int8-cf-patch.ts) instead of from channels-last pixels, which
// copies each input byte kW times instead of the transpose's once: the pipeline runs it only for the
// kernel sets that ask (KernelSet.int8ChannelsFirstInput; docs/int8-kernels.md). Only a Conv with one
// group: the depthwise kernels read whole channels-last pixels.

function absorbable(g: Graph, t: Node, dtype: 'float32' | 'int8'): Node | undefined {
  if (t.op !== 'Transpose') return undefined;
  const x = t.inputs[0]!;
  const xt = g.tensors[x];
  if (!g.inputs.includes(x) || !xt || xt.data || xt.dtype !== dtype) return undefined;
  // the quantized transpose passes its input's codes through: the Conv must see the same parameters
  if (dtype === 'int8' && JSON.stringify(xt.quant) !== JSON.stringify(g.tensors[t.outputs[0]!]?.quant)) return undefined;
  const rank = xt.shape.length;
  if ((rank !== 3 && rank !== 4) || transposePerm(t, rank).join() !== toChannelsLast(rank).join()) return undefined;
  const conv = singleConsumer(g, t.outputs[0]!);
  if (!conv || conv.op !== 'Conv' || conv.inputs[0] !== t.outputs[0] || conv.attrs['layout'] !== 'NHWC' || conv.attrs['x_layout']) return undefined;
  if (dtype === 'int8' && (attrInt(conv, 'group') !== 1 || (xt.shape[1] ?? 1) < 2)) return undefined;
  return conv;
}

/** Float: the first Conv reads a channels-first graph input in place. */
export const absorbInputTranspose = (graph: Graph): Graph => absorb(graph, 'float32');

/** int8 (a quantized graph): the same for a Conv with one group over a channels-first int8 input. */
export const absorbInt8InputTranspose = (graph: Graph): Graph => absorb(graph, 'int8');

function absorb(graph: Graph, dtype: 'float32' | 'int8'): Graph {
  const g = cloneGraph(graph);
  for (const t of [...g.nodes]) {
    const conv = absorbable(g, t, dtype);
    if (!conv) continue;
    conv.inputs[0] = t.inputs[0]!;
    conv.attrs['x_layout'] = 'NCHW';
    delete g.tensors[t.outputs[0]!];
    g.nodes = g.nodes.filter((n) => n !== t);
  }
  return g;
}
