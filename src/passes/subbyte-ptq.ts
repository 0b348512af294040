import { interpret } from '../ir/interpreter.ts';
import type { Graph, Value } from '../ir/types.ts';
import { clamp, f32, qMax, roundHalfAway } from '../ir/quant/int.ts';
import type { PerChannelQuantized } from '../ir/quant/params.ts';

// Post-training quantization of 4- and 2-bit weights (issue 12). At 8 bits the max-abs scale of
// TFLite's SymmetricPerChannelQuantization loses little; at 4 and 2 bits one outlier wastes most
// of the grid, so each output channel's clipping range is chosen to minimise the squared weight
// error (a deterministic grid search over shrink factors). Weights that already lie on a grid of
// at most 2^(bits−1)−1 steps per side (quantization-aware training) are detected first and kept
// exact. Bias correction then removes the mean output shift the weight error causes.

/** Shrink factors of max|w| the search tries, largest first (ties keep the larger range). */
const SHRINK = Array.from({ length: 96 }, (_, i) => 1 - i * 0.01); // 1.00 … 0.05: 2-bit optima lie far below max|w|

/** Relative tolerance for "already on a grid" (float32 weights exported from a QAT model). */
const GRID_TOLERANCE = 1e-4;

/** Squared error of quantizing `w` with half range `h` (TFLite's float32 scale arithmetic). */
function clipError(w: readonly number[], h: number, qmax: number): number {
  const s = f32(h / qmax);
  const inv = f32(qmax / h);
  let e = 0;
  for (const v of w) {
    const d = s * clamp(roundHalfAway(f32(v * inv)), -qmax, qmax) - v;
    e += d * d;
  }
  return e;
}

/** The half range of one channel: the grid it already lies on, else the MSE-optimal clip. */
export function channelHalfRange(w: readonly number[], bits: number): { half: number; onGrid: boolean } {
  const qmax = qMax(bits);
  const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (max === 0) return { half: 0, onGrid: true };
  for (let m = qmax; m >= 1; m--) {
    const step = max / m;
    if (w.every((v) => Math.abs(v / step - Math.round(v / step)) <= GRID_TOLERANCE * m)) return { half: (max * qmax) / m, onGrid: true };
  }
  let best = { half: max, err: Infinity };
  for (const a of SHRINK) {
    const err = clipError(w, max * a, qmax);
    if (err < best.err) best = { half: max * a, err };
  }
  return { half: best.half, onGrid: false };
}

/** Symmetric per-channel quantization with a chosen half range per channel (zero point 0). */
export function quantizeClippedPerChannel(weights: Float32Array, shape: readonly number[], axis: number, bits: number): PerChannelQuantized & { onGrid: boolean[] } {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number): number => Math.floor(i / inner) % channels;
  const rows: number[][] = Array.from({ length: channels }, () => []);
  weights.forEach((v, i) => rows[channelOf(i)]!.push(v));
  const qmax = qMax(bits);
  const picked = rows.map((r) => channelHalfRange(r, bits));
  const scales = Float32Array.from(picked, (p) => f32(p.half / qmax));
  const inv = picked.map((p) => (p.half === 0 ? 0 : f32(qmax / p.half)));
  const values = Int32Array.from(weights, (v, i) => clamp(roundHalfAway(f32(v * inv[channelOf(i)]!)), -qmax, qmax));
  return { values, scales, zeroPoints: new Int32Array(channels), axis, bits, onGrid: picked.map((p) => p.onGrid) };
}

/** Bias correction: per output channel, Σ_k (ŵ − w)[c, k] · E[x_k], the mean shift of the layer's
 * output that the weight error causes; subtract it from the float bias before quantizing it.
 * `inputOf(i)` is the input channel weight i multiplies; `means` the mean of each input channel
 * (in the units the weights multiply). */
export function weightErrorShift(weights: Float32Array, q: PerChannelQuantized, shape: readonly number[], inputOf: (i: number) => number, means: ArrayLike<number>): Float64Array {
  const channels = shape[q.axis]!;
  const inner = shape.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  const shift = new Float64Array(channels);
  for (let i = 0; i < weights.length; i++) {
    const c = Math.floor(i / inner) % channels;
    shift[c] += (q.scales[c]! * q.values[i]! - weights[i]!) * means[inputOf(i)]!;
  }
  return shift;
}

/** The input channel weight i multiplies: Conv [cout, …, cin/group] (channels-last weights),
 * Gemm transB [N, K], Gemm / MatMul [K, N]. */
export function inputChannelOf(op: string, shape: readonly number[], transB: boolean, group: number): (i: number) => number {
  if (op === 'Conv') {
    const cinPerGroup = shape[shape.length - 1]!;
    const perOut = shape.slice(1).reduce((a, b) => a * b, 1);
    const coutPerGroup = shape[0]! / group;
    return (i) => Math.floor(Math.floor(i / perOut) / coutPerGroup) * cinPerGroup + (i % cinPerGroup);
  }
  return transB ? (i) => i % shape[1]! : (i) => Math.floor(i / shape[1]!);
}

/** Mean of each channel (last axis) of the named float tensors over the samples (float reference
 * interpreter), for bias correction. */
export function channelMeans(graph: Graph, samples: Value[][], names: ReadonlySet<string>): Record<string, Float64Array> {
  const sums: Record<string, { sum: Float64Array; n: number }> = {};
  for (const inputs of samples)
    interpret(graph, Object.fromEntries(graph.inputs.map((n, i) => [n, inputs[i]!])), {
      onValue(name, v) {
        if (!names.has(name) || (v.dtype !== 'float32' && v.dtype !== 'float64')) return;
        const C = v.shape[v.shape.length - 1] ?? 1;
        const s = (sums[name] ??= { sum: new Float64Array(C), n: 0 });
        for (let i = 0; i < v.data.length; i++) s.sum[i % C] += v.data[i]!;
        s.n += v.data.length / C;
      },
    });
  return Object.fromEntries(Object.entries(sums).map(([k, s]) => [k, s.sum.map((x) => x / s.n)]));
}
