// The integer reference interpreter: runs a quantized graph (int8 activations with quantization
// parameters, int8 per-channel weights, int32 biases) with the integer semantics of each op, bit
// for bit what the generated C computes. Ops that only move bytes (views, Transpose, Slice, Pad,
// Gather, ...) run their ordinary reference implementation on the integer data.

import { inputError } from '../errors.ts';
import { startValues } from '../interpreter.ts';
import { opOf, registeredOps, traitsOf } from '../registry.ts';
import { numel, sameShape, stridesOf, broadcastIndexMap } from '../shape.ts';
import type { Graph, Node, Value } from '../types.ts';
import {
  addQuantized,
  clamp,
  dequantize,
  hardSwish,
  logisticInt8,
  multiplyByQuantizedMultiplier,
  mulQuantized,
  quantize,
  softmaxInt8,
  tanhInt8,
} from '../quant/index.ts';
import '../ops/index.ts';
import {
  isQuantized,
  prepareAddQ,
  prepareConcatQ,
  prepareConvQ,
  prepareGemmQ,
  prepareHardSwishQ,
  prepareLogisticTanhQ,
  prepareLutQ,
  prepareMeanQ,
  prepareMulQ,
  preparePoolQ,
  prepareRequant,
  prepareSoftmaxQ,
  tq,
  type RequantParams,
} from './prepare.ts';
import { runRecurrentQ } from './recurrent.ts';
import { runTfliteLstmQ } from './tflite-lstm.ts';
import { runTfliteSvdfQ } from './tflite-svdf.ts';

type Kernel = (g: Graph, node: Node, ins: (Value | undefined)[]) => ArrayLike<number>;

/** TFLite reference Requantize of one value. */
export function requantize(x: number, p: RequantParams): number {
  if (p.identity) return x;
  return clamp(multiplyByQuantizedMultiplier(x - p.inZp, p.mult, p.shift) + p.outZp, p.outMin, p.outMax);
}

/** Rounded division of TFLite's integer AveragePool / Mean: half away from zero. */
export const divRound = (acc: number, n: number): number =>
  acc > 0 ? Math.trunc((acc + Math.trunc(n / 2)) / n) : Math.trunc((acc - Math.trunc(n / 2)) / n);

const conv: Kernel = (g, node, [x]) => {
  const p = prepareConvQ(g, node);
  const w = g.tensors[node.inputs[1]!]!.data!;
  const b = node.inputs[2] ? g.tensors[node.inputs[2]]!.data! : undefined;
  const xd = x!.data;
  const C = p.channels;
  const coutPerGroup = p.cout / p.group;
  const y = new Int8Array(p.batch * p.outH * p.outW * p.cout);
  for (let n = 0; n < p.batch; n++)
    for (let oh = 0; oh < p.outH; oh++)
      for (let ow = 0; ow < p.outW; ow++)
        for (let oc = 0; oc < p.cout; oc++) {
          const cbase = Math.floor(oc / coutPerGroup) * p.cinPerGroup;
          let acc = b ? b[oc]! : 0;
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilH;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilW;
              const wb = ((oc * p.kH + kh) * p.kW + kw) * p.cinPerGroup;
              if (ih < 0 || ih >= p.inH || iw < 0 || iw >= p.inW) {
                if (p.padQ) for (let ic = 0; ic < p.cinPerGroup; ic++) acc += (p.padQ[cbase + ic]! - (p.inZps ? p.inZps[cbase + ic]! : p.inZp)) * w[wb + ic]!;
                continue;
              }
              // channels-last: channel ic of the pixel at xb + ic; channels-first (read in place): one plane per channel
              const [pixel, chan] = p.channelsFirstInput ? [1, p.inH * p.inW] : [C, 1];
              const xb = n * p.inH * p.inW * C + (ih * p.inW + iw) * pixel + cbase * chan;
              for (let ic = 0; ic < p.cinPerGroup; ic++) acc += (xd[xb + ic * chan]! - (p.inZps ? p.inZps[cbase + ic]! : p.inZp)) * w[wb + ic]!;
            }
          }
          const v = multiplyByQuantizedMultiplier(acc | 0, p.mult[oc]!, p.shift[oc]!) + p.outZp;
          y[((n * p.outH + oh) * p.outW + ow) * p.cout + oc] = clamp(v, p.actMin, p.actMax);
        }
  return y;
};

const gemm: Kernel = (g, node, [x]) => {
  const p = prepareGemmQ(g, node);
  const w = g.tensors[node.inputs[1]!]!.data!;
  const b = node.inputs[2] ? g.tensors[node.inputs[2]]!.data! : undefined;
  const y = new Int8Array(p.rows * p.n);
  for (let i = 0; i < p.rows; i++)
    for (let j = 0; j < p.n; j++) {
      let acc = b ? b[j]! : 0;
      for (let k = 0; k < p.k; k++) acc += (x!.data[i * p.k + k]! - (p.inZps ? p.inZps[k]! : p.inZp)) * w[p.transB ? j * p.k + k : k * p.n + j]!;
      y[i * p.n + j] = clamp(multiplyByQuantizedMultiplier(acc | 0, p.mult[j]!, p.shift[j]!) + p.outZp, p.actMin, p.actMax);
    }
  return y;
};

const pool: Kernel = (g, node, [x]) => {
  const p = preparePoolQ(g, node);
  const C = p.channels;
  const y = new Int8Array(p.batch * p.outH * p.outW * C);
  for (let n = 0; n < p.batch; n++)
    for (let oh = 0; oh < p.outH; oh++)
      for (let ow = 0; ow < p.outW; ow++)
        for (let c = 0; c < C; c++) {
          let acc = p.isMax ? -Infinity : 0;
          let count = 0;
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilH;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilW;
              if (ih < 0 || ih >= p.inH || iw < 0 || iw >= p.inW) {
                if (p.includePad && ih < p.inH + p.padBottom && iw < p.inW + p.padRight) {
                  acc += p.zp;
                  count++;
                }
                continue;
              }
              const v = x!.data[n * p.inH * p.inW * C + (ih * p.inW + iw) * C + c]!;
              if (p.isMax) acc = Math.max(acc, v);
              else {
                acc += v;
                count++;
              }
            }
          }
          const out = p.isMax ? acc : divRound(acc, count);
          y[((n * p.outH + oh) * p.outW + ow) * C + c] = clamp(out, p.actMin, p.actMax);
        }
  return y;
};

/** Visits the input offsets of each output of a reduction: outer dims (kept), inner (reduced). */
export function reduceOffsets(outer: { n: number; inStride: number }[], inner: { n: number; inStride: number }[]): { bases: number[]; offs: number[] } {
  const walk = (dims: { n: number; inStride: number }[]): number[] => {
    let acc = [0];
    for (const d of dims) {
      const next: number[] = [];
      for (const a of acc) for (let i = 0; i < d.n; i++) next.push(a + i * d.inStride);
      acc = next;
    }
    return acc;
  };
  return { bases: walk(outer), offs: walk(inner) };
}

const mean: Kernel = (g, node, [x]) => {
  const p = prepareMeanQ(g, node);
  const { bases, offs } = reduceOffsets(p.outer, p.inner);
  const y = new Int8Array(p.nOut);
  bases.forEach((base, o) => {
    if (p.isMax) {
      let m = -Infinity;
      for (const r of offs) m = Math.max(m, x!.data[base + r]!);
      y[o] = m;
      return;
    }
    let acc = 0;
    for (const r of offs) acc += x!.data[base + r]! - p.inZp;
    acc = multiplyByQuantizedMultiplier(acc, p.mult, p.shift);
    acc = divRound(acc, p.count) + p.outZp;
    y[o] = clamp(acc, p.outMin, p.outMax);
  });
  return y;
};

function binary(fn: (a: number, b: number) => number): (g: Graph, node: Node, ins: (Value | undefined)[]) => ArrayLike<number> {
  return (g, node, [a, b]) => {
    const shape = g.tensors[node.outputs[0]!]!.shape;
    const n = numel(shape);
    const ma = sameShape(a!.shape, shape) ? undefined : broadcastIndexMap(a!.shape, shape);
    const mb = sameShape(b!.shape, shape) ? undefined : broadcastIndexMap(b!.shape, shape);
    const y = new Int8Array(n);
    for (let i = 0; i < n; i++) y[i] = fn(a!.data[ma ? ma[i]! : i]!, b!.data[mb ? mb[i]! : i]!);
    return y;
  };
}

const KERNELS: Record<string, Kernel> = {
  Conv: conv,
  Gemm: gemm,
  MatMul: gemm,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: mean,
  GlobalMaxPool: mean,
  ReduceMean: mean,
  ReduceMax: mean,
  Add: (g, node, ins) => {
    const p = prepareAddQ(g, node);
    return binary((a, b) => addQuantized(a, b, p))(g, node, ins);
  },
  Sub: (g, node, ins) => {
    const p = prepareAddQ(g, node);
    return binary((a, b) => addQuantized(a, b, p))(g, node, ins);
  },
  Mul: (g, node, ins) => {
    const p = prepareMulQ(g, node);
    return binary((a, b) => mulQuantized(a, b, p))(g, node, ins);
  },
  Sigmoid: (g, node, [x]) => {
    const p = prepareLogisticTanhQ(g, node);
    return Array.from(x!.data as ArrayLike<number>, (v) => logisticInt8(v, p));
  },
  Tanh: (g, node, [x]) => {
    const p = prepareLogisticTanhQ(g, node);
    return Array.from(x!.data as ArrayLike<number>, (v) => tanhInt8(v, p));
  },
  HardSwish: (g, node, [x]) => {
    const p = prepareHardSwishQ(g, node);
    return Array.from(x!.data as ArrayLike<number>, (v) => hardSwish(v, p, 8));
  },
  Softmax: (g, node, [x]) => {
    const p = prepareSoftmaxQ(g, node);
    return softmaxInt8(x!.data as ArrayLike<number>, p.depth, p, g.tensors[node.outputs[0]!]!.quant!.bits);
  },
  Requantize: (g, node, [x]) => {
    const qo = tq(g.tensors[node.outputs[0]!]!, node);
    // from float: TFLite AffineQuantize (float division, round half away, saturate)
    if (x!.dtype === 'float32') return Array.from(x!.data as ArrayLike<number>, (v) => quantize(v, qo.scale, qo.zeroPoint, qo.bits));
    const p = prepareRequant(tq(g.tensors[node.inputs[0]!]!, node), qo);
    return Array.from(x!.data as ArrayLike<number>, (v) => requantize(v, p));
  },
  Concat: (g, node, ins) => {
    const ps = prepareConcatQ(g, node);
    const out = g.tensors[node.outputs[0]!]!;
    const rq: Value[] = ins.map((v, i) => ({ ...v!, data: Int8Array.from(v!.data as ArrayLike<number>, (x) => requantize(x, ps[i]!)) }));
    return opOf(node).evaluate(node, rq)[0]!.data.slice(0, numel(out.shape));
  },
};
for (const op of registeredOps().filter((o) => traitsOf(o)?.int8 === 'lut'))
  KERNELS[op] = (g, node, [x]) => {
    const t = prepareLutQ(g, node);
    const lo = -(2 ** (g.tensors[node.inputs[0]!]!.quant!.bits - 1));
    return Array.from(x!.data as ArrayLike<number>, (v) => t[v - lo]!);
  };

/** The ops with an integer kernel in this interpreter (the coverage check reads it). */
export const QUANT_KERNEL_OPS = new Set([...Object.keys(KERNELS), ...registeredOps().filter((o) => traitsOf(o)?.recurrent), 'TFLiteLSTM', 'TFLiteSVDF']);

/** Runs a quantized graph on integer inputs (Int8Array data); returns every graph output. */
export function interpretQuantized(
  graph: Graph,
  inputs: Record<string, Value>,
  opts: { onValue?: (tensor: string, value: Value) => void; /** state tensors carried between runs (stateful models) */ state?: Map<string, ArrayLike<number>> } = {},
): Record<string, Value> {
  // integer inputs take their tensor's dtype label (the codes come in as any integer array)
  const env = startValues(graph, inputs, (v, t) => ({ shape: t.shape, dtype: t.dtype, data: v.data }));
  for (const node of graph.nodes) {
    const ins = node.inputs.map((n) => (n ? env.get(n) : undefined));
    const traits = traitsOf(node.op);
    const recurrent =
      node.op === 'TFLiteLSTM'
        ? (gr: Graph, n: Node, v: (Value | undefined)[]) => runTfliteLstmQ(gr, n, v[0]!.data, opts.state)
        : node.op === 'TFLiteSVDF'
          ? (gr: Graph, n: Node, v: (Value | undefined)[]) => runTfliteSvdfQ(gr, n, v[0]!.data, opts.state)
          : traits?.recurrent
            ? runRecurrentQ
            : undefined;
    if (recurrent && isQuantized(graph.tensors[node.outputs.find(Boolean)!])) {
      // several outputs: Y, Y_h (int8), Y_c (int16)
      recurrent(graph, node, ins).forEach((data, i) => {
        const o = node.outputs[i];
        if (!o) return;
        const t = graph.tensors[o]!;
        const v: Value = { shape: t.shape, dtype: t.dtype, data: t.dtype === 'int8' ? Int8Array.from(data) : Int16Array.from(data) };
        env.set(o, v);
        opts.onValue?.(o, v);
      });
      continue;
    }
    const outT = graph.tensors[node.outputs[0]!]!;
    let data: ArrayLike<number>;
    // data movement (int8: 'move') runs the float reference on the codes; an elementwise move
    // (Identity, Dropout) passes them through as they are
    const moves = traits?.int8 === 'move' || opOf(node).isView;
    if (isQuantized(outT) && KERNELS[node.op] && !moves) data = KERNELS[node.op]!(graph, node, ins);
    else if (isQuantized(outT) || moves) {
      if (moves && traits?.elementwise === 'unary') data = ins[0]!.data;
      else data = opOf(node).evaluate(node, ins)[0]!.data;
    } else if (node.op === 'Dequantize') {
      const q = tq(graph.tensors[node.inputs[0]!]!, node);
      const f = Float32Array.from(ins[0]!.data as ArrayLike<number>, (v) => dequantize(v, q.scale, q.zeroPoint));
      const v: Value = { shape: outT.shape, dtype: 'float32', data: f };
      env.set(node.outputs[0]!, v);
      opts.onValue?.(node.outputs[0]!, v);
      continue;
    } else throw inputError(`node '${node.name}' (${node.op}): not quantized; the integer interpreter cannot run it`);
    const v: Value = { shape: outT.shape, dtype: outT.dtype, data: outT.dtype === 'int8' ? Int8Array.from(data) : outT.dtype === 'int32' ? Int32Array.from(data) : Int16Array.from(data) };
    env.set(node.outputs[0]!, v);
    opts.onValue?.(node.outputs[0]!, v);
  }
  return Object.fromEntries(graph.outputs.map((o) => [o, env.get(o)!]));
}

export { stridesOf };
