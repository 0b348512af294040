// ONNX QDQ: QuantizeLinear / DequantizeLinear pairs (onnxruntime's quantizer, a PyTorch
// quantization-aware export) are taken apart here into a float graph plus the graph's own
// quantization parameters: per activation tensor (the Q → DQ pair that follows it) and per weight
// (a DequantizeLinear of an integer constant, or a QuantizeLinear of a float constant folded with
// ONNX's round-half-to-even). passes/quantize.ts then builds harc's integer graph with exactly
// those parameters instead of calibrated ones (src/passes/quantize-qdq.ts). uint8 tensors become
// int8 with the zero point moved by −128: the real values and every integer result are the same,
// shifted by 128.

import { inputError } from '../ir/errors.ts';
import type { Graph, Node, QuantParams, Tensor } from '../ir/types.ts';

/** The quantization a QDQ graph states: activations by tensor name, weights by constant name. */
export interface QdqParams {
  activations: Record<string, QuantParams>;
  weights: Record<string, QuantParams>;
}

const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

export const hasQdq = (g: Graph): boolean => g.nodes.some((n) => QDQ_OPS.has(n.op));

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

interface Params {
  scale: number[];
  zeroPoint: number[];
  dtype: 'int8' | 'uint8';
  axis: number;
}

/** Removes every Q/DQ node; errors are one line naming the file, the node and the field. */
export function stripQdq(graph: Graph): { graph: Graph; params: QdqParams } {
  const path = graph.source ?? 'model';
  const tensors: Record<string, Tensor> = { ...graph.tensors };
  const rename = new Map<string, string>();
  const name = (s: string): string => rename.get(s) ?? s;
  const activations: Record<string, QuantParams> = {};
  const weights: Record<string, QuantParams> = {};
  const nodes: Node[] = [];
  const fail = (n: Node, what: string): never => {
    throw inputError(`${path}: node '${n.name}' (${n.op}): ${what}`);
  };
  const constant = (s: string): Tensor | undefined => (s ? tensors[name(s)]?.data && tensors[name(s)] : undefined);

  const paramsOf = (n: Node): Params => {
    const [, sName, zName] = n.inputs;
    if (!sName) fail(n, 'the scale input is missing; give QuantizeLinear/DequantizeLinear a constant scale initializer');
    if (!tensors[name(sName!)]) fail(n, `scale '${sName}' has no initializer; give QuantizeLinear/DequantizeLinear a constant scale initializer`);
    const s = constant(sName!);
    if (!s) fail(n, `scale '${sName}' is not a constant initializer (it is computed or a graph input); harc folds QDQ with the graph's own constant scales`);
    const z = zName ? constant(zName) : undefined;
    if (zName && !z) fail(n, `zero point '${zName}' is not a constant initializer`);
    const dtype = z ? z.dtype : 'uint8';
    if (dtype !== 'int8' && dtype !== 'uint8') fail(n, `zero point '${zName}' is ${dtype}; harc takes int8 or uint8 QDQ`);
    const scale = Array.from(s!.data!, (v) => Math.fround(v));
    const zeroPoint = z ? Array.from(z.data!) : new Array<number>(scale.length).fill(0);
    if (scale.length !== zeroPoint.length) fail(n, `${scale.length} scales but ${zeroPoint.length} zero points`);
    if (scale.some((v) => !(v > 0) || !Number.isFinite(v))) fail(n, `scale '${sName}' must be positive and finite`);
    const x = tensors[name(n.inputs[0]!)];
    const rank = x?.shape.length ?? 1;
    const rawAxis = typeof n.attrs['axis'] === 'number' ? (n.attrs['axis'] as number) : 1;
    const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
    if (scale.length > 1 && axis !== 0) fail(n, `per-channel quantization on axis ${rawAxis}; harc takes per-channel weights on axis 0 (output channels) only`);
    return { scale, zeroPoint, dtype: dtype as 'int8' | 'uint8', axis };
  };
  const asInt8 = (p: Params): QuantParams => ({
    bits: 8,
    signed: true,
    scale: p.scale,
    zeroPoint: p.zeroPoint.map((z) => (p.dtype === 'uint8' ? z - 128 : z)),
    ...(p.scale.length > 1 ? { axis: p.axis } : {}),
  });
  const same = (a: QuantParams, b: QuantParams): boolean => a.scale.join() === b.scale.join() && a.zeroPoint.join() === b.zeroPoint.join();
  /** Index of the channel of flat element i along axis 0 of `shape`. */
  const channelOf = (shape: number[], count: number) => {
    const inner = shape.slice(1).reduce((a, b) => a * b, 1);
    return (i: number): number => (count > 1 ? Math.floor(i / inner) : 0);
  };

  for (const n0 of graph.nodes) {
    const n: Node = { ...n0, inputs: n0.inputs.map(name) };
    // Identity of a constant (PyTorch shares one zero point this way): an alias of the constant
    if (n.op === 'Identity' && constant(n.inputs[0]!)) {
      rename.set(n.outputs[0]!, n.inputs[0]!);
      continue;
    }
    if (n.op === 'QuantizeLinear') {
      const p = paramsOf(n);
      const x = tensors[n.inputs[0]!];
      if (x?.data) {
        // a float constant quantized at run time: fold it (ONNX rounds half to even, saturates)
        const ch = channelOf(x.shape, p.scale.length);
        const [lo, hi] = p.dtype === 'int8' ? [-128, 127] : [0, 255];
        const qv = Array.from(x.data as ArrayLike<number>, (v, i) => Math.min(hi, Math.max(lo, roundHalfEven(Math.fround(v / p.scale[ch(i)]!)) + p.zeroPoint[ch(i)]!)));
        const q = p.dtype === 'int8' ? Int8Array.from(qv) : Uint8Array.from(qv);
        tensors[n.outputs[0]!] = { name: n.outputs[0]!, shape: x.shape, dtype: p.dtype, data: q };
        continue;
      }
      if (p.scale.length > 1) fail(n, 'per-channel quantization of an activation is not supported (only of constant weights)');
      const q = asInt8(p);
      const prev = activations[n.inputs[0]!];
      if (prev && !same(prev, q)) fail(n, `tensor '${n.inputs[0]}' is quantized twice with different parameters`);
      activations[n.inputs[0]!] = q;
      // the DequantizeLinear after it reads the same tensor back: its consumers read x
      rename.set(n.outputs[0]!, `\u0000q:${n.inputs[0]}`);
      continue;
    }
    if (n.op === 'DequantizeLinear') {
      const p = paramsOf(n);
      const src = n.inputs[0]!;
      if (src.startsWith('\u0000q:')) {
        const x = src.slice(3);
        if (!same(activations[x]!, asInt8(p))) fail(n, `its scale / zero point differ from those of the QuantizeLinear before it (a requantization Q/DQ pair is not supported)`);
        rename.set(n.outputs[0]!, x);
        continue;
      }
      const c = constant(src);
      if (!c) fail(n, `input '${src}' is neither a constant nor the output of a QuantizeLinear; harc folds Q → DQ pairs and DequantizeLinear of constant weights`);
      if (c!.dtype === 'int32') {
        // an int32 bias: back to float; the quantizer re-derives it at s_in · s_w (the same integers)
        const ch = channelOf(c!.shape, p.scale.length);
        tensors[n.outputs[0]!] = { name: n.outputs[0]!, shape: c!.shape, dtype: 'float32', data: Float32Array.from(c!.data!, (v, i) => p.scale[ch(i)]! * (v - p.zeroPoint[ch(i)]!)) };
        continue;
      }
      if (c!.dtype !== 'int8' && c!.dtype !== 'uint8') fail(n, `constant '${src}' is ${c!.dtype}; harc takes int8 / uint8 weights`);
      if (p.zeroPoint.some((z) => z !== (p.dtype === 'uint8' ? 128 : 0))) fail(n, `weights '${src}' have non-zero zero points; harc takes symmetric weights (zero point 0)`);
      const ch = channelOf(c!.shape, p.scale.length);
      const off = p.dtype === 'uint8' ? 128 : 0;
      tensors[n.outputs[0]!] = { name: n.outputs[0]!, shape: c!.shape, dtype: 'float32', data: Float32Array.from(c!.data!, (v, i) => Math.fround(p.scale[ch(i)]! * (v - off))) };
      weights[n.outputs[0]!] = { bits: 8, signed: true, scale: p.scale, zeroPoint: p.scale.map(() => 0), axis: 0 };
      continue;
    }
    nodes.push(n);
  }
  const dangling = (s: string): boolean => s.startsWith('\u0000q:');
  for (const n of nodes) {
    const bad = n.inputs.find(dangling);
    if (bad) throw inputError(`${path}: node '${n.name}' (${n.op}) reads the integer output of a QuantizeLinear of '${bad.slice(3)}' directly; harc takes QuantizeLinear followed by DequantizeLinear`);
  }
  const outputs = graph.outputs.map(name);
  const badOut = outputs.find(dangling);
  if (badOut) throw inputError(`${path}: graph output is the integer output of a QuantizeLinear of '${badOut.slice(3)}'; end the graph with DequantizeLinear`);
  // keep the file's output names (the C API's): the layer output the final DequantizeLinear read
  // back takes the name of the graph output
  graph.outputs.forEach((o, i) => {
    const x = outputs[i]!;
    if (x === o || graph.inputs.includes(x) || outputs.indexOf(x) !== i || tensors[x]?.data) return;
    if (tensors[x]) ((tensors[o] = { ...tensors[x]!, name: o }), delete tensors[x]);
    else delete tensors[o];
    for (const n of nodes) ((n.inputs = n.inputs.map((s) => (s === x ? o : s))), (n.outputs = n.outputs.map((s) => (s === x ? o : s))));
    if (activations[x]) ((activations[o] = activations[x]!), delete activations[x]);
    outputs[i] = o;
  });
  return { graph: { ...graph, tensors, nodes, outputs }, params: { activations, weights } };
}
