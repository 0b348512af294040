// Prepare-time parameters of every quantized (integer) node, computed once from the tensors'
// quantization parameters with the TFLite / TFLM Prepare arithmetic (src/ir/quant). Both the
// integer reference interpreter (./interpret.ts) and the C lowerings
// (src/backends/c/lower/int8.ts) read these, so the two cannot drift apart.

import { inputError } from '../errors.ts';
import { lookupOp, attrFloat, attrInt, attrInts, constInput } from '../registry.ts';
import { normAxis, numel, stridesOf } from '../shape.ts';
import type { Graph, Node, Tensor, TensorQuant, Value } from '../types.ts';
import { fusedClamp } from '../ops/activation.ts';
import { convGeometry, convInputLayout } from '../ops/conv.ts';
import { poolGeometry } from '../ops/pool.ts';
import type { WindowGeometry } from '../ops/window-geometry.ts';
import {
  type AddParams,
  type HardSwishParams,
  type LogisticTanhInt8Params,
  type MulParams,
  type SoftmaxParams,
  LOGISTIC_INT8_OUTPUT,
  SOFTMAX_INT8_OUTPUT,
  SOFTMAX_INT16_OUTPUT,
  TANH_INT8_OUTPUT,
  dequantize,
  f32,
  prepareAdd,
  prepareHardSwish,
  prepareLogisticInt8,
  prepareMul,
  prepareSoftmaxInt8,
  prepareTanhInt8,
  qMax,
  qMin,
  quantize,
  quantizeMultiplier,
  roundHalfAway,
} from '../quant/index.ts';


export const isQuantized = (t: Tensor | undefined): boolean => !!t?.quant && (t.dtype === 'int8' || t.dtype === 'int16' || t.dtype === 'int32');

/** The per-tensor quantization parameters of an activation tensor (error if it has none). */
export function tq(t: Tensor, node?: Node): TensorQuant {
  const q = t.quant;
  if (!q || q.scale.length !== 1)
    throw inputError(`${node ? `node '${node.name}' (${node.op}): ` : ''}tensor '${t.name}' needs per-tensor quantization parameters`);
  if (!q.signed) throw inputError(`tensor '${t.name}': unsigned quantization is not supported`);
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]!, bits: q.bits };
}

const sameQ = (a: TensorQuant, b: TensorQuant): boolean => f32(a.scale) === f32(b.scale) && a.zeroPoint === b.zeroPoint && a.bits === b.bits;

/** The output clamp in the quantized domain: the type's range intersected with a fused clamp
 * (act_min / act_max), each bound zp + round(f / s) as TFLite's CalculateActivationRangeQuantized. */
export function outputClamp(node: Node, out: TensorQuant): { actMin: number; actMax: number } {
  const c = fusedClamp(node);
  const q = (f: number): number => out.zeroPoint + roundHalfAway(f32(f / f32(out.scale)));
  let actMin = qMin(out.bits);
  let actMax = qMax(out.bits);
  if (Number.isFinite(c.min) && out.scale > 0) actMin = Math.max(actMin, Math.min(actMax, q(c.min)));
  if (Number.isFinite(c.max) && out.scale > 0) actMax = Math.min(actMax, Math.max(actMin, q(c.max)));
  return { actMin, actMax };
}

/** Per-channel requantization: real_c = s_in · s_w[c] / s_out in double (TFLite
 * PopulateConvolutionQuantizationParams), then QuantizeMultiplier. */
function channelMultipliers(inScale: number, wScales: number[], outScale: number): { mult: number[]; shift: number[] } {
  const mult: number[] = [];
  const shift: number[] = [];
  for (const sw of wScales) {
    const real = (f32(inScale) * f32(sw)) / f32(outScale);
    const m = quantizeMultiplier(real);
    mult.push(m.multiplier);
    shift.push(m.shift);
  }
  return { mult, shift };
}

export interface ConvQParams extends WindowGeometry {
  group: number;
  cout: number;
  cinPerGroup: number;
  inZp: number;
  outZp: number;
  mult: number[];
  shift: number[];
  actMin: number;
  actMax: number;
  /** Quantized pad value per input channel (folded input normalisation), else padding is the zero point. */
  padQ?: number[];
  /** Per-channel quantized input (scales folded into the weights): the zero point of each channel. */
  inZps?: number[];
  /** The input stays channels-first, read in place (`x_layout: 'NCHW'`, an absorbed input transpose);
   * weights and output stay channels-last. */
  channelsFirstInput?: true;
}

/** The input side of a weighted layer: a per-tensor input, or a per-channel one whose scales were
 * folded into the weights (then the layer's input scale is 1 and each channel has its zero point). */
function layerInput(x: Tensor, node: Node): { scale: number; zeroPoint: number; bits: number; zps?: number[]; q: (v: number, c: number) => number } {
  const q = x.quant;
  if (q && q.scale.length > 1) {
    return { scale: 1, zeroPoint: 0, bits: q.bits, zps: q.zeroPoint, q: (v, c) => quantize(v, q.scale[c]!, q.zeroPoint[c]!, q.bits) };
  }
  const t = tq(x, node);
  return { ...t, q: (v) => quantize(v, t.scale, t.zeroPoint, t.bits) };
}

export function prepareConvQ(g: Graph, node: Node): ConvQParams {
  const x = g.tensors[node.inputs[0]!]!;
  const w = g.tensors[node.inputs[1]!]!;
  const y = g.tensors[node.outputs[0]!]!;
  if (node.attrs['layout'] !== 'NHWC') throw inputError(`node '${node.name}': quantized Conv must be channels-last`);
  const geo = convGeometry(node, x.shape, w.shape);
  const qi = layerInput(x, node);
  const qo = tq(y, node);
  if (!w.quant) throw inputError(`node '${node.name}': weights '${w.name}' are not quantized`);
  const { mult, shift } = channelMultipliers(qi.scale, w.quant.scale, qo.scale);
  const pv = Array.isArray(node.attrs['pad_value']) ? (node.attrs['pad_value'] as number[]) : undefined;
  return {
    ...geo,
    inZp: qi.zeroPoint,
    outZp: qo.zeroPoint,
    mult,
    shift,
    ...outputClamp(node, qo),
    ...(pv ? { padQ: pv.map((v, c) => qi.q(v, c)) } : {}),
    ...(qi.zps ? { inZps: qi.zps } : {}),
    ...(convInputLayout(node) === 'NCHW' ? { channelsFirstInput: true as const } : {}),
  };
}

export interface GemmQParams {
  rows: number;
  k: number;
  n: number;
  /** Weight element (k, j) is at j·k_dim + k when true ([N, K]), else k·N + j ([K, N]). */
  transB: boolean;
  inZp: number;
  outZp: number;
  mult: number[];
  shift: number[];
  actMin: number;
  actMax: number;
  inZps?: number[];
}

/** Gemm (transA 0, alpha = beta = 1 after quantization) and MatMul with a constant 2-D B. */
export function prepareGemmQ(g: Graph, node: Node): GemmQParams {
  const x = g.tensors[node.inputs[0]!]!;
  const w = g.tensors[node.inputs[1]!]!;
  const y = g.tensors[node.outputs[0]!]!;
  const transB = node.op === 'Gemm' && attrInt(node, 'transB') === 1;
  const [k, n] = transB ? [w.shape[1]!, w.shape[0]!] : [w.shape[0]!, w.shape[1]!];
  const qi = layerInput(x, node);
  const qo = tq(y, node);
  if (!w.quant) throw inputError(`node '${node.name}': weights '${w.name}' are not quantized`);
  const { mult, shift } = channelMultipliers(qi.scale, w.quant.scale, qo.scale);
  return { rows: numel(x.shape) / k, k, n, transB, inZp: qi.zeroPoint, outZp: qo.zeroPoint, mult, shift, ...outputClamp(node, qo), ...(qi.zps ? { inZps: qi.zps } : {}) };
}

export interface PoolQParams extends WindowGeometry {
  isMax: boolean;
  includePad: boolean;
  zp: number;
  actMin: number;
  actMax: number;
}

/** MaxPool / AveragePool (windowed): input and output share their quantization (TFLite). */
export function preparePoolQ(g: Graph, node: Node): PoolQParams {
  const x = g.tensors[node.inputs[0]!]!;
  const y = g.tensors[node.outputs[0]!]!;
  const qi = tq(x, node);
  const qo = tq(y, node);
  if (!sameQ(qi, qo)) throw inputError(`node '${node.name}' (${node.op}): input and output quantization must match`);
  const geo = poolGeometry(node, x.shape);
  return {
    ...geo,
    isMax: node.op === 'MaxPool' || node.op === 'GlobalMaxPool',
    includePad: attrInt(node, 'count_include_pad', 0) === 1,
    zp: qi.zeroPoint,
    actMin: qMin(qo.bits),
    actMax: qMax(qo.bits),
  };
}

export interface MeanQParams {
  /** Input element offsets: out index o reads base[o] + red[r] for r < count. */
  outShapeKept: number[];
  outer: { n: number; inStride: number }[];
  inner: { n: number; inStride: number }[];
  count: number;
  nOut: number;
  inZp: number;
  outZp: number;
  mult: number;
  shift: number;
  outMin: number;
  outMax: number;
  isMax: boolean;
}

/** ReduceMean / GlobalAveragePool (TFLite reference_integer_ops::Mean: Σ(x − z_in), MBQM by
 * s_in/s_out, divide by the count rounding half away from zero, + z_out) and ReduceMax /
 * GlobalMaxPool (same quantization in and out). */
export function prepareMeanQ(g: Graph, node: Node): MeanQParams {
  const x = g.tensors[node.inputs[0]!]!;
  const y = g.tensors[node.outputs[0]!]!;
  const rank = x.shape.length;
  let axes: number[];
  if (node.op === 'GlobalAveragePool' || node.op === 'GlobalMaxPool') {
    axes = node.attrs['layout'] === 'NHWC' ? [...Array(rank).keys()].slice(1, -1) : [...Array(rank).keys()].slice(2);
  } else {
    const raw = node.inputs[1] ? constInput(node, node.inputs.map((n) => (n ? g.tensors[n] : undefined)), 1, 'axes') : node.attrs['axes'] ? attrInts(node, 'axes') : [];
    axes = raw.length === 0 ? [...Array(rank).keys()] : raw.map((a) => normAxis(a, rank));
  }
  const strides = stridesOf(x.shape);
  const outer = x.shape.map((n, d) => ({ n, inStride: strides[d]!, d })).filter((e) => !axes.includes(e.d) && e.n !== 1);
  const inner = x.shape.map((n, d) => ({ n, inStride: strides[d]!, d })).filter((e) => axes.includes(e.d) && e.n !== 1);
  const count = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const qi = tq(x, node);
  const qo = tq(y, node);
  const isMax = node.op === 'ReduceMax' || node.op === 'GlobalMaxPool';
  if (isMax && !sameQ(qi, qo)) throw inputError(`node '${node.name}' (${node.op}): input and output quantization must match`);
  const m = quantizeMultiplier(f32(qi.scale) / f32(qo.scale));
  return {
    outShapeKept: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    outer: outer.map(({ n, inStride }) => ({ n, inStride })),
    inner: inner.map(({ n, inStride }) => ({ n, inStride })),
    count,
    nOut: numel(x.shape) / count,
    inZp: qi.zeroPoint,
    outZp: qo.zeroPoint,
    mult: m.multiplier,
    shift: m.shift,
    outMin: qMin(qo.bits),
    outMax: qMax(qo.bits),
    isMax,
  };
}

/** Activation → clamp of a fused clamp as a TFLite fused activation is not needed here: Add / Mul
 * take the clamp from outputClamp. */
export function prepareAddQ(g: Graph, node: Node): AddParams {
  const [a, b] = node.inputs.map((n) => tq(g.tensors[n]!, node));
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  const p = prepareAdd(a!, b!, qo, 'none', qo.bits);
  const c = outputClamp(node, qo);
  const out = { ...p, activationMin: c.actMin, activationMax: c.actMax };
  // TFLite SUB: the same kernel with input 2's multiplier negated.
  if (node.op === 'Sub') out.input2Multiplier = -out.input2Multiplier;
  return out;
}

export function prepareMulQ(g: Graph, node: Node): MulParams {
  const [a, b] = node.inputs.map((n) => tq(g.tensors[n]!, node));
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  const p = prepareMul(a!, b!, qo, 'none', qo.bits);
  const c = outputClamp(node, qo);
  return { ...p, activationMin: c.actMin, activationMax: c.actMax };
}

export function prepareLogisticTanhQ(g: Graph, node: Node): LogisticTanhInt8Params {
  const qi = tq(g.tensors[node.inputs[0]!]!, node);
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  return node.op === 'Sigmoid' ? prepareLogisticInt8(qi.scale, qi.zeroPoint, qo) : prepareTanhInt8(qi.scale, qi.zeroPoint, qo);
}

export function prepareHardSwishQ(g: Graph, node: Node): HardSwishParams {
  const qi = tq(g.tensors[node.inputs[0]!]!, node);
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  return prepareHardSwish(qi.scale, qi.zeroPoint, qo.scale, qo.zeroPoint);
}

export interface SoftmaxQParams extends SoftmaxParams {
  depth: number;
  rows: number;
}

export function prepareSoftmaxQ(g: Graph, node: Node): SoftmaxQParams {
  const x = g.tensors[node.inputs[0]!]!;
  const qi = tq(x, node);
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  const axis = normAxis(attrInt(node, 'axis', -1), x.shape.length);
  if (axis !== x.shape.length - 1) throw inputError(`node '${node.name}' (Softmax): quantized softmax needs the last axis`);
  // int8 output, or int16 (TFLM SOFTMAX int8 → int16); the kernel's output scale is fixed, and
  // TFLM accepts a declared scale within 0.1% of it (converters write 1/65535)
  const near = (o: { scale: number; zeroPoint: number }, bits: number): boolean =>
    qo.bits === bits && qo.zeroPoint === o.zeroPoint && Math.abs(f32(qo.scale) - o.scale) <= 0.001 * o.scale;
  if (!near(SOFTMAX_INT8_OUTPUT, 8) && !(qi.bits === 8 && near(SOFTMAX_INT16_OUTPUT, 16)))
    throw inputError(`node '${node.name}' (Softmax): output must be scale 1/256, zero point -128 (int8) or 1/65536, -32768 (int16)`);
  const depth = x.shape[axis]!;
  if (depth >= 512) throw inputError(`node '${node.name}' (Softmax): int8 softmax rows must be shorter than 512`);
  return { ...prepareSoftmaxInt8(qi.scale, 1.0), depth, rows: numel(x.shape) / depth };
}

/** Requantization of one tensor to another's parameters (TFLite Requantize / Concat rescale). */
export interface RequantParams {
  identity: boolean;
  inZp: number;
  outZp: number;
  mult: number;
  shift: number;
  outMin: number;
  outMax: number;
}

export function prepareRequant(from: TensorQuant, to: TensorQuant): RequantParams {
  const m = quantizeMultiplier(f32(from.scale) / f32(to.scale));
  return { identity: sameQ(from, to), inZp: from.zeroPoint, outZp: to.zeroPoint, mult: m.multiplier, shift: m.shift, outMin: qMin(to.bits), outMax: qMax(to.bits) };
}

export function prepareConcatQ(g: Graph, node: Node): RequantParams[] {
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  return node.inputs.map((n) => prepareRequant(tq(g.tensors[n]!, node), qo));
}

/** The table of an op with the `int8: 'lut'` trait: each of the 2^bits input codes is dequantized,
 * put through the op's float reference semantics, and quantized with the output parameters (the
 * table is built here, in TypeScript, and emitted as a constant, so C and the reference agree by
 * construction). */
export function prepareLutQ(g: Graph, node: Node): number[] {
  const x = g.tensors[node.inputs[0]!]!;
  const qi = tq(x, node);
  const qo = tq(g.tensors[node.outputs[0]!]!, node);
  const lo = qMin(qi.bits);
  const n = 2 ** qi.bits;
  const codes = Float32Array.from({ length: n }, (_, i) => dequantize(lo + i, qi.scale, qi.zeroPoint));
  const def = lookupOp(node.op);
  if (!def) throw inputError(`node '${node.name}': unknown op ${node.op}`);
  const ins: (Value | undefined)[] = node.inputs.map((name, i) => {
    if (i === 0) return { shape: [n], dtype: 'float32', data: codes };
    if (!name) return undefined;
    const t = g.tensors[name]!;
    if (!t.data) throw inputError(`node '${node.name}' (${node.op}): input ${i} must be a compile-time constant`);
    return { shape: t.shape, dtype: t.dtype, data: t.data };
  });
  const [out] = def.evaluate(node, ins);
  return Array.from(out!.data as ArrayLike<number>, (v) => quantize(v, qo.scale, qo.zeroPoint, qo.bits));
}

export { attrFloat, LOGISTIC_INT8_OUTPUT, TANH_INT8_OUTPUT, SOFTMAX_INT8_OUTPUT, sameQ };

/** Quantizes real values for a quantized tensor (per tensor, or per channel along `quant.axis`),
 * TFLite Quantize semantics; `shape` is the layout of `data` (a leading batch is allowed). */
export function quantizeForTensor(t: Tensor, data: ArrayLike<number>): Int8Array {
  const q = t.quant!;
  if (q.scale.length === 1) return Int8Array.from(data, (v) => quantize(v, q.scale[0]!, q.zeroPoint[0]!, q.bits));
  const axis = q.axis ?? 0;
  const inner = numel(t.shape.slice(axis + 1));
  const C = q.scale.length;
  return Int8Array.from(data, (v, i) => {
    const c = Math.floor(i / inner) % C;
    return quantize(v, q.scale[c]!, q.zeroPoint[c]!, q.bits);
  });
}
