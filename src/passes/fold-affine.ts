import { traitsOf } from '../ir/registry.ts';
import type { Graph, Node } from '../ir/types.ts';
import { foldableProducer, outputBias, perChannelConstant, scaleOutputChannels, setOutputBias } from './channel-constants.ts';
import { bypassNode, producerOf, rewriteToFixpoint, singleConsumer } from './rewrite.ts';

/** The non-constant operand and the per-channel constant of an affine op, if it is one. */
function affineOperands(g: Graph, node: Node): { x: string; c: string } | undefined {
  if (!traitsOf(node.op)?.affine) return undefined;
  const [a, b] = node.inputs as [string, string];
  if (g.tensors[b]?.data && !g.tensors[a]?.data) return { x: a, c: b };
  if ((node.op === 'Add' || node.op === 'Mul') && g.tensors[a]?.data && !g.tensors[b]?.data) return { x: b, c: a };
  return undefined;
}

/** y·k, y+d, y−d, y/k with per-output-channel constants after a Conv/Gemm fold into its weights and
 * bias (exact up to float rounding). */
function foldIntoProducer(g: Graph, node: Node): boolean {
  const ops = affineOperands(g, node);
  if (!ops) return false;
  const prod = producerOf(g, ops.x);
  const channels = foldableProducer(g, prod);
  if (!prod || channels === undefined || singleConsumer(g, ops.x) !== node) return false;
  const y = g.tensors[ops.x]!;
  const rank = y.shape.length;
  const axis = prod.op === 'Conv' && prod.attrs['layout'] === 'NHWC' ? rank - 1 : 1;
  const outShape = g.tensors[node.outputs[0]!]?.shape;
  if (outShape && outShape.join() !== y.shape.join()) return false; // the constant must not broadcast the output
  const c = perChannelConstant(g.tensors[ops.c], rank, axis, channels);
  const bias = outputBias(g, prod, channels);
  if (!c || !bias) return false;
  if (node.op === 'Mul' || node.op === 'Div') {
    const k = node.op === 'Mul' ? c : c.map((v) => 1 / v);
    if (k.some((v) => !Number.isFinite(v))) return false;
    scaleOutputChannels(g, prod, k);
    setOutputBias(g, prod, bias.map((b, i) => b * k[i]!));
  } else setOutputBias(g, prod, bias.map((b, i) => (node.op === 'Add' ? b + c[i]! : b - c[i]!)));
  bypassNode(g, node);
  return true;
}

export const foldAffineIntoProducers = (graph: Graph): Graph => rewriteToFixpoint(graph, foldIntoProducer);

/** (x − m)/s or x·k + d on the input of a channels-last Conv or of a Gemm folds into its weights:
 * W' = W·k, b' = b + Σ W·d. For a padded Conv the padding value becomes −d/k per channel (the raw
 * value that normalises to 0), recorded as `pad_value`, so the fold stays exact. Runs after the
 * layout pass (the channel axis is last). */
export const foldAffineIntoConsumers = (graph: Graph): Graph => rewriteToFixpoint(graph, foldIntoConsumer);

function foldIntoConsumer(g: Graph, node: Node): boolean {
  const ops = affineOperands(g, node);
  if (!ops) return false;
  const out = node.outputs[0]!;
  const cons = singleConsumer(g, out);
  if (!cons || cons.inputs[0] !== out) return false;
  const isConv = cons.op === 'Conv' && cons.attrs['layout'] === 'NHWC';
  const isGemm = cons.op === 'Gemm' && !cons.attrs['transA'];
  if (!isConv && !isGemm) return false;
  if (foldableProducer(g, cons) === undefined) return false;
  const x = g.tensors[ops.x]!;
  const rank = x.shape.length;
  const cin = x.shape[rank - 1]!;
  if (g.tensors[out]?.shape.join() !== x.shape.join()) return false;
  const c = perChannelConstant(g.tensors[ops.c], rank, rank - 1, cin);
  if (!c) return false;
  // z = x·k + d per input channel
  const k = node.op === 'Mul' ? c : node.op === 'Div' ? c.map((v) => 1 / v) : new Float64Array(cin).fill(1);
  const d = node.op === 'Add' ? c : node.op === 'Sub' ? c.map((v) => -v) : new Float64Array(cin);
  if (k.some((v) => !Number.isFinite(v) || v === 0)) return false;
  const w = g.tensors[cons.inputs[1]!]!;
  const W = Float32Array.from(w.data!);
  const cout = isConv ? w.shape[0]! : cons.attrs['transB'] ? w.shape[0]! : w.shape[1]!;
  const bias = outputBias(g, cons, cout);
  if (!bias) return false;
  // input channel of each weight element
  const cinOf = (i: number): number => (isConv ? (i % (w.shape[w.shape.length - 1]!)) : cons.attrs['transB'] ? i % cin : Math.floor(i / cout));
  const coutOf = (i: number): number => (isConv ? Math.floor(i / (W.length / cout)) : cons.attrs['transB'] ? Math.floor(i / cin) : i % cout);
  if (isConv && Number(cons.attrs['group'] ?? 1) !== 1) return false;
  const newBias = Float64Array.from(bias);
  for (let i = 0; i < W.length; i++) {
    newBias[coutOf(i)] += W[i]! * d[cinOf(i)]!;
    W[i] = W[i]! * k[cinOf(i)]!;
  }
  const padded = isConv && hasPadding(cons);
  if (padded) {
    const prev = Array.isArray(cons.attrs['pad_value']) ? (cons.attrs['pad_value'] as number[]) : new Array(cin).fill(0);
    cons.attrs['pad_value'] = prev.map((p, ci) => (p - d[ci]!) / k[ci]!);
  }
  g.tensors[cons.inputs[1]!] = { ...w, data: W };
  setOutputBias(g, cons, newBias);
  replaceInput(cons, out, ops.x);
  g.nodes = g.nodes.filter((n) => n !== node);
  return true;
}

function hasPadding(conv: Node): boolean {
  const pads = conv.attrs['pads'];
  const auto = conv.attrs['auto_pad'];
  return (Array.isArray(pads) && pads.some((p) => p !== 0)) || auto === 'SAME_UPPER' || auto === 'SAME_LOWER';
}

function replaceInput(n: Node, from: string, to: string): void {
  n.inputs = n.inputs.map((i) => (i === from ? to : i));
}
