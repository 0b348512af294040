// An ONNX QDQ model, once its Q/DQ nodes are taken apart (src/frontends/onnx-qdq.ts): the float
// passes as for any ONNX model (channels-last layout, activation fusion, views), then the int8
// quantizer with the graph's own scales and zero points in place of calibration.

import type { Graph, QuantParams } from '../ir/types.ts';
import { optimize } from './pipeline.ts';
import { quantizeGraph } from './quantize.ts';

export interface GraphQuantParams {
  activations: Record<string, QuantParams>;
  weights: Record<string, QuantParams>;
}

/** A Relu is fused into the layer before it, whose output then keeps the layer's tensor name: that
 * output takes the parameters of the Relu's output (PyTorch puts the fake-quant after the ReLU).
 * relu(x) quantized is max(quantized x, z), which is what the fused integer clamp computes. */
function throughRelu(g: Graph, p: GraphQuantParams): GraphQuantParams {
  const activations = { ...p.activations };
  for (const n of g.nodes) {
    const [x] = n.inputs;
    const y = n.outputs[0]!;
    if (n.op !== 'Relu' || !x || !activations[y] || g.outputs.includes(x)) continue;
    if (g.nodes.filter((m) => m.inputs.includes(x)).length === 1) activations[x] = activations[y]!;
  }
  return { ...p, activations };
}

/** Parameters by name, also under the names the float passes give rewritten tensors (`t__cl` is
 * `t` in channels-last order, `t__pre` the input of a hoisted op: the same values). */
function withRewrittenNames(byName: Record<string, QuantParams>, g: Graph): Record<string, QuantParams> {
  const out: Record<string, QuantParams> = { ...byName };
  for (const name of Object.keys(g.tensors)) {
    for (let n = name; n.lastIndexOf('__') > 0 && !out[name]; ) {
      n = n.slice(0, n.lastIndexOf('__'));
      if (byName[n]) out[name] = byName[n]!;
    }
  }
  return out;
}

export function quantizeWithGraphParams(float: Graph, params: GraphQuantParams): Graph {
  const p = throughRelu(float, params);
  const optimized = optimize(float);
  return quantizeGraph(optimized, {}, { bits: 8, perChannelInput: false, fixed: { activations: withRewrittenNames(p.activations, optimized), weights: withRewrittenNames(p.weights, optimized) } });
}
