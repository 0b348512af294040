import { inputError } from '../ir/errors.ts';
import { inferShapes } from '../ir/infer.ts';
import { prepareLutQ } from '../ir/int8/prepare.ts';
import { attrFloat, attrInt, traitsOf } from '../ir/registry.ts';
import { activationInputsOf } from '../ir/traits.ts';
import {
  chooseAsymmetricParams,
  quantize,
  quantizeBiasPerChannel,
  quantizeTensorSymmetricPerChannel,
} from '../ir/quant/index.ts';
import type { DType, Graph, Node, QuantParams, Tensor } from '../ir/types.ts';
import type { PerChannelQuantized } from '../ir/quant/params.ts';
import type { CalibrationTable } from '../ir/calibration.ts';
import { cloneGraph, freshName } from './rewrite.ts';
import { inputChannelOf, quantizeClippedPerChannel, weightErrorShift } from './subbyte-ptq.ts';
import { quantizeRecurrentNode, recurrentFoldsInputScales } from './quantize-recurrent.ts';

export interface QuantizeOptions {
  /** Activation bit width (8; the data model allows others, the C backend supports 8). */
  bits?: number;
  /** Weight bit width (default = bits). */
  weightBits?: number;
  /** Weight bit width per weighted layer (node name → 8, 4 or 2; src/passes/weight-bits.ts);
   * a layer not listed gets weightBits. */
  layerWeightBits?: ReadonlyMap<string, number>;
  /** Mean of each channel (last axis) of weighted layers' float inputs: bias correction of
   * sub-byte layers (subbyte-ptq.ts channelMeans). Without it, no bias correction. */
  inputMeans?: Readonly<Record<string, ArrayLike<number>>>;
  /** Quantize a graph input per channel (last axis) when every consumer is a Conv (group 1) or a
   * Gemm / MatMul reducing over that axis: the input scales are folded into their weights. Raw
   * sensor channels have very different ranges, so this matters for HAR. Default true. */
  perChannelInput?: boolean;
  /** The graph's own parameters (an ONNX QDQ import, src/frontends/onnx-qdq.ts): activations by
   * tensor name instead of calibrated ranges, weights by constant name instead of max|w| / qmax. */
  fixed?: { activations: Record<string, QuantParams>; weights: Record<string, QuantParams> };
}

/** Can this consumer of graph input `name` absorb per-channel input scales into its weights? */
function foldsInputScales(g: Graph, n: Node, name: string): boolean {
  if (recurrentFoldsInputScales(g, n, name)) return true;
  if (n.inputs[0] !== name || n.inputs.slice(1).includes(name) || !g.tensors[n.inputs[1] ?? '']?.data) return false;
  if (n.op === 'Conv') return n.attrs['layout'] === 'NHWC' && attrInt(n, 'group') === 1;
  if (n.op === 'Gemm') return attrInt(n, 'transA') === 0;
  return n.op === 'MatMul' && g.tensors[n.inputs[1]!]!.shape.length === 2;
}

/** Weights that are exactly s_c · q (a dequantized QDQ constant) back to q with the file's scales. */
function fixedWeights(wf: Float32Array, shape: number[], axis: number, q: QuantParams): PerChannelQuantized {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const scales = Float32Array.from({ length: channels }, (_, c) => q.scale[q.scale.length > 1 ? c : 0]!);
  if (q.scale.length > 1 && q.scale.length !== channels) throw inputError(`weights: ${q.scale.length} scales for ${channels} channels`);
  const values = Int32Array.from(wf, (v, i) => Math.max(-128, Math.min(127, Math.round(v / scales[Math.floor(i / inner) % channels]!))));
  return { values, scales, zeroPoints: new Int32Array(channels), axis, bits: 8 };
}

// How each op's output is quantized (calibrated, inherited, fixed, weights, recurrent) and which
// inputs carry activations are OpDef traits (src/ir/traits.ts).

const dtypeOf = (bits: number): DType => (bits <= 8 ? 'int8' : bits <= 16 ? 'int16' : 'int32');

/** Per-tensor asymmetric parameters of a real range (the range always includes 0; a degenerate
 * range gets a tiny non-zero span so the scale is never 0). */
export function activationQuant(min: number, max: number, bits: number): QuantParams {
  let lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  if (hi - lo < 1e-8) hi = lo + 1e-8;
  const p = chooseAsymmetricParams(lo, hi, bits);
  return { bits, signed: true, scale: [p.scale], zeroPoint: [p.zeroPoint] };
}

/**
 * Post-training static quantization, TFLite int8 scheme (pure Graph → Graph, on the optimized
 * float graph the calibration table was measured on):
 *  - activations: asymmetric per tensor from the calibrated ranges; graph inputs and outputs become
 *    integer tensors with their parameters;
 *  - Conv / Gemm / MatMul weights: symmetric per output channel; biases int32 at s_in·s_w[c];
 *    fused clamps (act_min / act_max) stay as attributes and become output clamps in the quantized
 *    domain (prepare time);
 *  - Sigmoid, Tanh, Softmax: the spec's fixed output scales; data movement, MaxPool, AveragePool,
 *    Relu and Clip keep their input's parameters; Concat requantizes its inputs to its own.
 * A node that cannot be quantized is an error that names it.
 */
export function quantizeGraph(graph: Graph, table: CalibrationTable, opts: QuantizeOptions = {}): Graph {
  const bits = opts.bits ?? 8;
  const wbits = opts.weightBits ?? bits;
  const g = cloneGraph(inferShapes(graph, { fold: false }));
  const adt = dtypeOf(bits);
  const rangeQ = (name: string, node?: Node): QuantParams => {
    const f = opts.fixed?.activations[name];
    if (f) return f;
    if (opts.fixed) throw inputError(`${node ? `node '${node.name}' (${node.op}): ` : ''}tensor '${name}' has no QuantizeLinear → DequantizeLinear pair; a QDQ model needs one on every layer output harc computes in integers`);
    const r = table[name];
    if (!r) throw inputError(`${node ? `node '${node.name}' (${node.op}): ` : ''}no calibration range for tensor '${name}'`);
    return activationQuant(r.min, r.max, bits);
  };
  const setAct = (name: string, quant: QuantParams): void => {
    g.tensors[name] = { ...g.tensors[name]!, dtype: adt, quant };
  };
  const addConst = (base: string, t: Omit<Tensor, 'name'>): string => {
    const name = freshName(g, base);
    g.tensors[name] = { name, ...t };
    return name;
  };
  /** A constant used as an activation operand: per-tensor asymmetric from its own range. */
  const quantConstOperand = (node: Node, i: number): void => {
    const t = g.tensors[node.inputs[i]!]!;
    if (!t.data || t.quant) return;
    let min = Infinity;
    let max = -Infinity;
    for (const v of Array.from(t.data as ArrayLike<number>)) ((min = Math.min(min, v)), (max = Math.max(max, v)));
    // a QDQ constant operand (per tensor) keeps the file's scale
    const given = opts.fixed?.weights[t.name];
    const q = given && given.scale.length === 1 ? { bits, signed: true, scale: given.scale, zeroPoint: [0] } : activationQuant(min, max, bits);
    const data = Int8Array.from(t.data as ArrayLike<number>, (v) => quantize(v, q.scale[0]!, q.zeroPoint[0]!, bits));
    node.inputs[i] = addConst(`${t.name}__q`, { shape: t.shape, dtype: adt, quant: q, data });
  };

  for (const name of g.inputs) {
    const r = table[name];
    const consumers = g.nodes.filter((n) => n.inputs.includes(name));
    const perChannel =
      (opts.perChannelInput ?? true) && !!r?.channels && !g.outputs.includes(name) && consumers.length > 0 && consumers.every((n) => foldsInputScales(g, n, name));
    if (!perChannel) {
      setAct(name, rangeQ(name));
      continue;
    }
    const ps = r!.channels!.map((c) => activationQuant(c.min, c.max, bits));
    setAct(name, { bits, signed: true, scale: ps.map((p) => p.scale[0]!), zeroPoint: ps.map((p) => p.zeroPoint[0]!), axis: g.tensors[name]!.shape.length - 1 });
  }

  for (const node of g.nodes) {
    // x / c with a constant c is x · (1/c)
    if (node.op === 'Div' && g.tensors[node.inputs[1]!]?.data && !g.tensors[node.inputs[0]!]?.data) {
      const c = g.tensors[node.inputs[1]!]!;
      node.op = 'Mul';
      node.inputs[1] = addConst(`${c.name}__recip`, { shape: c.shape, dtype: 'float32', data: Float32Array.from(c.data as ArrayLike<number>, (v) => 1 / v) });
    }
    const traits = traitsOf(node.op);
    const rule = traits?.quant.kind ?? 'none';
    const nodeWbits = opts.layerWeightBits?.get(node.name) ?? wbits;
    if (rule === 'recurrent') {
      quantizeRecurrentNode(g, node, table, bits, nodeWbits, { addConst, activationQuant }, nodeWbits < 8 ? opts.inputMeans?.[node.inputs[0]!] : undefined);
      continue;
    }
    const out = node.outputs[0]!;
    const xName = node.inputs[0];
    const x = xName ? g.tensors[xName] : undefined;
    if (rule === 'none' || rule === 'imported') throw inputError(`node '${node.name}' (${node.op}): int8 quantization of ${node.op} is not supported (keep this model in float)`);
    if (node.outputs.filter(Boolean).length !== 1) throw inputError(`node '${node.name}' (${node.op}): cannot be quantized (several outputs)`);
    const activations = activationInputsOf(traits, node);
    for (const i of activations) if (node.inputs[i]) quantConstOperand(node, i);
    for (const i of activations) {
      const t = node.inputs[i] ? g.tensors[node.inputs[i]!] : undefined;
      if (t && !t.quant) throw inputError(`node '${node.name}' (${node.op}): input '${t.name}' is not quantized`);
    }

    if (rule === 'weights') {
      const w = g.tensors[node.inputs[1]!]!;
      if (!w.data) throw inputError(`node '${node.name}' (${node.op}): weights must be constant to quantize`);
      if (node.op === 'Gemm' && attrInt(node, 'transA') !== 0) throw inputError(`node '${node.name}' (Gemm): transA is not supported when quantizing`);
      if (node.op === 'MatMul' && w.shape.length !== 2) throw inputError(`node '${node.name}' (MatMul): B must be 2-D to quantize`);
      const transB = node.op === 'Gemm' && attrInt(node, 'transB') === 1;
      const axis = node.op === 'Conv' || transB ? 0 : 1;
      const alpha = node.op === 'Gemm' ? attrFloat(node, 'alpha') : 1;
      const beta = node.op === 'Gemm' ? attrFloat(node, 'beta') : 1;
      const wf = Float32Array.from(w.data as ArrayLike<number>, (v) => v * alpha);
      // a per-channel quantized (graph) input: its scales multiply the weights of their channel,
      // and the layer then sees integer inputs of scale 1 with a zero point per channel
      const inScales = x!.quant!.scale;
      if (inScales.length > 1) {
        const kAxis = node.op === 'Conv' || transB ? w.shape.length - 1 : 0;
        const inner = w.shape.slice(kAxis + 1).reduce((a, b) => a * b, 1);
        if (w.shape[kAxis] !== inScales.length) throw inputError(`node '${node.name}': ${inScales.length} input channel scales for weights [${w.shape}]`);
        for (let i = 0; i < wf.length; i++) wf[i] = Math.fround(wf[i]! * inScales[Math.floor(i / inner) % inScales.length]!);
      }
      // a QDQ import: the file's own weights; else 8 bits: TFLite's max-abs scale; 4 and 2 bits: the kept grid or the MSE-optimal clip
      const fw = opts.fixed?.weights[w.name];
      if (opts.fixed && !fw) throw inputError(`node '${node.name}' (${node.op}): weights '${w.name}' are not given by a DequantizeLinear; a QDQ model needs quantized weights`);
      const qw = fw ? fixedWeights(wf, w.shape, axis, fw) : nodeWbits < 8 ? quantizeClippedPerChannel(wf, w.shape, axis, nodeWbits) : quantizeTensorSymmetricPerChannel(wf, w.shape, axis, nodeWbits);
      node.inputs[1] = addConst(`${w.name}__q`, {
        shape: w.shape,
        dtype: dtypeOf(nodeWbits),
        quant: { bits: nodeWbits, signed: true, scale: Array.from(qw.scales), zeroPoint: Array.from(qw.zeroPoints), axis },
        data: Int8Array.from(qw.values),
      });
      const sIn = inScales.length > 1 ? 1 : inScales[0]!;
      if (node.inputs[2]) {
        const b = g.tensors[node.inputs[2]]!;
        const nOut = qw.scales.length;
        if (!b.data || b.data.length !== nOut) throw inputError(`node '${node.name}' (${node.op}): bias '${b.name}' must be a constant with ${nOut} values to quantize`);
        const bf = Float32Array.from(b.data as ArrayLike<number>, (v) => v * beta);
        const means = nodeWbits < 8 ? opts.inputMeans?.[xName!] : undefined;
        if (means) {
          // the means in the units the weights multiply: per-channel inputs are integers of scale 1
          const m = inScales.length > 1 ? Array.from(means, (v, c) => v / inScales[c]!) : means;
          const shift = weightErrorShift(wf, qw, w.shape, inputChannelOf(node.op, w.shape, transB, node.op === 'Conv' ? attrInt(node, 'group') : 1), m);
          for (let c = 0; c < bf.length; c++) bf[c] = Math.fround(bf[c]! - shift[c]!);
        }
        const qb = quantizeBiasPerChannel(bf, sIn, qw.scales);
        node.inputs[2] = addConst(`${b.name}__q`, { shape: [nOut], dtype: 'int32', quant: { bits: 32, signed: true, scale: Array.from(qb.scales), zeroPoint: new Array(nOut).fill(0), axis: 0 }, data: qb.values });
      }
      if (node.op === 'Gemm') node.attrs = { ...node.attrs, alpha: 1, beta: 1 };
      setAct(out, rangeQ(out, node));
    } else if (traits!.quant.kind === 'fixed') {
      const f = traits!.quant;
      const given = opts.fixed?.activations[out];
      if (given && (Math.abs(given.scale[0]! - f.scale) > 1e-6 * f.scale || given.zeroPoint[0] !== f.zeroPoint))
        throw inputError(`node '${node.name}' (${node.op}): its output is quantized with scale ${+given.scale[0]!.toPrecision(6)} zero point ${given.zeroPoint[0]}; harc's integer ${node.op} has the fixed output scale ${f.scale} zero point ${f.zeroPoint} (TFLite)`);
      setAct(out, { bits, signed: true, scale: [f.scale], zeroPoint: [f.zeroPoint] });
    } else if (rule === 'calibrated') {
      setAct(out, rangeQ(out, node));
    } else if (rule === 'inherits') {
      if (!x?.quant) throw inputError(`node '${node.name}' (${node.op}): input '${xName}' is not quantized`);
      if (node.op === 'Pad' && node.inputs[2]) {
        const v = g.tensors[node.inputs[2]]!;
        const q = x.quant;
        const val = v.data ? (v.data[0] ?? 0) : 0;
        node.inputs[2] = addConst(`${v.name}__q`, { shape: v.shape, dtype: adt, data: Int8Array.of(quantize(val, q.scale[0]!, q.zeroPoint[0]!, bits)) });
      } else if (node.op === 'Pad' && x.quant.zeroPoint[0] !== 0) {
        while (node.inputs.length < 2) node.inputs.push('');
        node.inputs[2] = addConst(`${node.name}__padq`, { shape: [], dtype: adt, data: Int8Array.of(x.quant.zeroPoint[0]!) });
      }
      const f = opts.fixed?.activations[out];
      if (f && (f.scale[0] !== x.quant.scale[0] || f.zeroPoint[0] !== x.quant.zeroPoint[0]))
        throw inputError(`node '${node.name}' (${node.op}): its output is quantized with other parameters than its input; harc keeps the input's (a requantizing ${node.op} is not supported)`);
      setAct(out, { ...x.quant });
    } else {
      throw inputError(`node '${node.name}' (${node.op}): int8 quantization of ${node.op} is not supported (keep this model in float)`);
    }
    if (traits?.int8 === 'lut') prepareLutQ(g, node); // fail early on non-constant side inputs
  }
  return inferShapes(g, { fold: false });
}
