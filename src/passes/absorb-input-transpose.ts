import { transposePerm } from '../ir/ops/transpose.ts';
import type { Graph, Node } from '../ir/types.ts';
import { toChannelsLast } from './layout.ts';
import { cloneGraph, singleConsumer } from './rewrite.ts';

// The layout pass leaves a channels-first model input behind a Transpose to channels-last, which the
// backend runs as a copy layer. A float Conv reads the channels-first input in place instead
// (`x_layout: 'NCHW'`): its lowering regroups the weights to [Cout][Cin/g][kH][kW] so that one
// channel's taps are contiguous in both operands (templates/kernels/conv-cf.c.hbs).
// Float only: the int8 kernels gather patches of contiguous channels-last pixels, where a strided
// gather would read every input byte once per kernel tap instead of the transpose's once.

function absorbable(g: Graph, t: Node): Node | undefined {
  if (t.op !== 'Transpose') return undefined;
  const x = t.inputs[0]!;
  const xt = g.tensors[x];
  if (!g.inputs.includes(x) || !xt || xt.data || xt.dtype !== 'float32') return undefined;
  const rank = xt.shape.length;
  if ((rank !== 3 && rank !== 4) || transposePerm(t, rank).join() !== toChannelsLast(rank).join()) return undefined;
  const conv = singleConsumer(g, t.outputs[0]!);
  if (!conv || conv.op !== 'Conv' || conv.inputs[0] !== t.outputs[0] || conv.attrs['layout'] !== 'NHWC' || conv.attrs['x_layout']) return undefined;
  return conv;
}

export function absorbInputTranspose(graph: Graph): Graph {
  const g = cloneGraph(graph);
  for (const t of [...g.nodes]) {
    const conv = absorbable(g, t);
    if (!conv) continue;
    conv.inputs[0] = t.inputs[0]!;
    conv.attrs['x_layout'] = 'NCHW';
    delete g.tensors[t.outputs[0]!];
    g.nodes = g.nodes.filter((n) => n !== t);
  }
  return g;
}
