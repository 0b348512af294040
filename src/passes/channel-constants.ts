import type { Graph, Node, Tensor } from '../ir/types.ts';


/** If `t` is a constant that varies at most along `axis` of a rank-`rank` tensor with `channels`
 * channels, its value per channel; otherwise undefined. */
export function perChannelConstant(t: Tensor | undefined, rank: number, axis: number, channels: number): Float64Array | undefined {
  if (!t?.data || t.shape.length > rank) return undefined;
  const padded = [...new Array(rank - t.shape.length).fill(1), ...t.shape];
  if (padded.some((d, i) => d !== 1 && i !== axis)) return undefined;
  const n = padded[axis]!;
  if (n !== 1 && n !== channels) return undefined;
  return Float64Array.from({ length: channels }, (_, c) => t.data![n === 1 ? 0 : c]!);
}

/** Weights of a Conv/Gemm scaled per output channel: Conv W is [Cout, ...] in both layouts; Gemm B
 * is [K, N] or, with transB, [N, K]. */
export function scaleOutputChannels(g: Graph, node: Node, k: Float64Array): void {
  const w = g.tensors[node.inputs[1]!]!;
  const data = Float32Array.from(w.data!);
  const gemmColumns = node.op === 'Gemm' && !node.attrs['transB'];
  const n = k.length;
  for (let i = 0; i < data.length; i++) {
    const c = gemmColumns ? i % n : Math.floor(i / (data.length / n));
    data[i] = data[i]! * k[c]!;
  }
  g.tensors[node.inputs[1]!] = { ...w, name: node.inputs[1]!, data };
}

/** Bias of a Conv/Gemm as a per-output-channel vector (zeros when absent); undefined when a Gemm's
 * C is not per-channel. */
export function outputBias(g: Graph, node: Node, channels: number): Float64Array | undefined {
  const b = node.inputs[2] ? g.tensors[node.inputs[2]] : undefined;
  if (!b) return new Float64Array(channels);
  const beta = node.op === 'Gemm' && typeof node.attrs['beta'] === 'number' ? (node.attrs['beta'] as number) : 1;
  const v = perChannelConstant(b, 2, 1, channels) ?? perChannelConstant(b, 1, 0, channels);
  return v?.map((x) => x * beta);
}

export function setOutputBias(g: Graph, node: Node, bias: Float64Array): void {
  const name = `${node.name}__bias`;
  let unique = name;
  for (let i = 1; g.tensors[unique] && unique !== node.inputs[2]; i++) unique = `${name}_${i}`;
  g.tensors[unique] = { name: unique, shape: [bias.length], dtype: 'float32', data: Float32Array.from(bias) };
  node.inputs[2] = unique;
  if (node.op === 'Gemm') node.attrs['beta'] = 1;
}

/** The output channel count of a Conv/Gemm whose weights are constant, else undefined. */
export function foldableProducer(g: Graph, node: Node | undefined): number | undefined {
  if (!node || (node.op !== 'Conv' && node.op !== 'Gemm')) return undefined;
  const w = g.tensors[node.inputs[1]!];
  if (!w?.data) return undefined;
  // weights shared with another node must not change under it
  if (g.nodes.filter((n) => n.inputs.includes(node.inputs[1]!)).length > 1) return undefined;
  if (node.inputs[2] && g.nodes.filter((n) => n.inputs.includes(node.inputs[2]!)).length > 1) return undefined;
  if (node.inputs[2] && !g.tensors[node.inputs[2]]?.data) return undefined;
  if (node.attrs['act_min'] !== undefined || node.attrs['act_max'] !== undefined) return undefined;
  if (node.op === 'Gemm') {
    if (node.attrs['transA'] && node.attrs['transA'] !== 0) return undefined;
    const alpha = node.attrs['alpha'];
    if (alpha !== undefined && alpha !== 1) return undefined;
    return node.attrs['transB'] ? w.shape[0]! : w.shape[1]!;
  }
  return w.shape[0]!;
}
