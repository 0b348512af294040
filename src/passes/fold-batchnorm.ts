import type { Graph } from '../ir/types.ts';
import { foldableProducer, outputBias, perChannelConstant, scaleOutputChannels, setOutputBias } from './channel-constants.ts';
import { bypassNode, cloneGraph, producerOf, singleConsumer } from './rewrite.ts';

/** BatchNormalization after a Conv or Gemm becomes part of its weights and bias:
 * W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β. */
export function foldBatchNorm(graph: Graph): Graph {
  const g = cloneGraph(graph);
  for (const bn of [...g.nodes]) {
    if (bn.op !== 'BatchNormalization') continue;
    const prod = producerOf(g, bn.inputs[0]!);
    const channels = foldableProducer(g, prod);
    if (!prod || channels === undefined || singleConsumer(g, bn.inputs[0]!) !== bn) continue;
    const rank = g.tensors[bn.inputs[0]!]!.shape.length;
    const p = bn.inputs.slice(1).map((n) => perChannelConstant(g.tensors[n], 1, 0, channels));
    if (p.some((v) => !v)) continue;
    const [gamma, beta, mean, variance] = p as Float64Array[];
    const axis = bn.attrs['layout'] === 'NHWC' ? rank - 1 : 1;
    if (prod.op === 'Gemm' ? axis !== 1 : false) continue;
    const eps = typeof bn.attrs['epsilon'] === 'number' ? bn.attrs['epsilon'] : 1e-5;
    const k = gamma!.map((gm, c) => gm / Math.sqrt(Math.fround(variance![c]!) + Math.fround(eps)));
    const bias = outputBias(g, prod, channels);
    if (!bias) continue;
    scaleOutputChannels(g, prod, k);
    setOutputBias(g, prod, bias.map((b, c) => (b - mean![c]!) * k[c]! + beta![c]!));
    bypassNode(g, bn);
  }
  return g;
}
