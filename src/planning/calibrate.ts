import { inputError } from '../ir/errors.ts';
import { compileInterpreter } from '../ir/fast/interpreter.ts';
import { interpret } from '../ir/interpreter.ts';
import { chooseAsymmetricParams, dequantize, quantize } from '../ir/quant/index.ts';
import { clamp, qMax, qMin, roundHalfAway } from '../ir/quant/int.ts';
import { numel } from '../ir/shape.ts';
import type { Graph, Value } from '../ir/types.ts';
import { fastRecurrentObserver } from './calibrate-lstm-cell.ts';
import { recurrentObserver } from '../passes/quantize-recurrent.ts';

export type CalibMethod = 'minmax' | 'percentile' | 'mse';
export const CALIB_METHODS: readonly CalibMethod[] = ['minmax', 'percentile', 'mse'];

export interface CalibOptions {
  method?: CalibMethod;
  /** Percentile kept for `percentile` (two-sided: [100-p, p]), default 99.99. */
  percentile?: number;
  /** Use at most this many samples (evenly spaced), default all. */
  maxSamples?: number;
  /** Values kept per tensor for `percentile` / `mse` (evenly strided reservoir), default 200 000 (20 000 for mse). */
  keepPerTensor?: number;
  bits?: number;
  /** Called with 0 before the first sample and after each one. */
  onProgress?: (done: number, total: number) => void;
  /** `fast` (default): the typed-array interpreter (src/ir/fast/); `reference`: `interpret`, the
   * oracle. Both give the same table, bit for bit (test/passes/calibrate-fast.test.ts). */
  engine?: 'fast' | 'reference';
}

/** Observed real range of each activation tensor. */
export type { CalibrationTable, TensorRange } from '../ir/calibration.ts';
import type { CalibrationTable, TensorRange } from '../ir/calibration.ts';

/** Splits a calibration array [N, ...shape] (or [N·batch, ...]) into N single-inference values. */
export function splitSamples(graph: Graph, data: Value, where = 'calibration data'): Value[][] {
  if (graph.inputs.length !== 1) throw inputError(`calibration supports models with one input; this one has ${graph.inputs.length}`);
  const shape = graph.tensors[graph.inputs[0]!]!.shape;
  const per = numel(shape);
  if (data.data.length % per !== 0 || data.data.length === 0)
    throw inputError(`${where}: shape [${data.shape}] does not hold whole model inputs of shape [${shape}]`);
  const n = data.data.length / per;
  const out: Value[][] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float32Array(per);
    x.set(data.data.subarray(i * per, (i + 1) * per) as ArrayLike<number>);
    out.push([{ shape, dtype: 'float32', data: x }]);
  }
  return out;
}

class Stats {
  min = Infinity;
  max = -Infinity;
  kept: number[] = [];
  seen = 0;
  channels?: Stats[];
  constructor(readonly stride: number) {}
  add(x: number, keep: boolean): void {
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (keep && this.seen++ % this.stride === 0) this.kept.push(x);
  }
  /** `add` of every value in order, as one loop. */
  addAll(d: ArrayLike<number>, keep: boolean): void {
    let min = this.min;
    let max = this.max;
    for (let i = 0; i < d.length; i++) {
      const x = d[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    this.min = min;
    this.max = max;
    if (!keep) return;
    // the values whose running count is a multiple of the stride
    let i = (this.stride - (this.seen % this.stride)) % this.stride;
    for (; i < d.length; i += this.stride) this.kept.push(d[i]!);
    this.seen += d.length;
  }
}

/**
 * Runs the float reference interpreter over calibration samples on the optimized float graph and
 * returns a range per activation tensor (graph inputs and every node output).
 *  - `minmax`: the observed extremes.
 *  - `percentile`: the [100−p, p] percentiles of the observed values (p = 99.99 by default).
 *  - `mse`: the clipping range that minimises the mean squared quantization error of the observed
 *    values, searched over shrink factors of the min/max range (asymmetric, `bits` wide).
 * Percentile and MSE work on an evenly strided subsample of each tensor's values.
 */
export function calibrate(graph: Graph, samples: Value[][], opts: CalibOptions = {}): CalibrationTable {
  const method = opts.method ?? 'minmax';
  if (!CALIB_METHODS.includes(method)) throw inputError(`unknown calibration method '${method}' (use ${CALIB_METHODS.join(', ')})`);
  if (samples.length === 0) throw inputError('calibration needs at least one sample');
  let chosen = samples;
  if (opts.maxSamples && opts.maxSamples < samples.length) {
    const step = samples.length / opts.maxSamples;
    chosen = Array.from({ length: opts.maxSamples }, (_, i) => samples[Math.floor(i * step)]!);
  }
  const keep = opts.keepPerTensor ?? (method === 'mse' ? 20_000 : 200_000);
  const needValues = method !== 'minmax';
  const stats = new Map<string, Stats>();
  const constant = (name: string): boolean => graph.tensors[name]?.data !== undefined;
  // LSTM cell states are internal to the node: a float replay records their range
  const fast = (opts.engine ?? 'fast') === 'fast';
  const recurrent = fast ? fastRecurrentObserver(graph) : recurrentObserver(graph);
  const compiled = fast ? compileInterpreter(graph) : undefined;
  const run = (inputs: Record<string, Value>, onValue: (name: string, v: Value) => void): void => {
    if (compiled) compiled.run(inputs, onValue);
    else interpret(graph, inputs, { onValue });
  };
  opts.onProgress?.(0, chosen.length);
  chosen.forEach((inputs, k) => {
    run(Object.fromEntries(graph.inputs.map((n, i) => [n, inputs[i]!])), (name, v) => {
      recurrent?.onValue(name, v);
      if (constant(name) || (v.dtype !== 'float32' && v.dtype !== 'float64')) return;
      let s = stats.get(name);
      if (!s) {
        const total = v.data.length * chosen.length;
        s = new Stats(Math.max(1, Math.ceil(total / keep)));
        const C = v.shape[v.shape.length - 1] ?? 1;
        if (graph.inputs.includes(name) && v.shape.length >= 2 && C > 1)
          s.channels = Array.from({ length: C }, () => new Stats(Math.max(1, Math.ceil(total / C / keep))));
        stats.set(name, s);
      }
      const d = v.data;
      if (fast) s.addAll(d, needValues);
      else for (let i = 0; i < d.length; i++) s.add(d[i]!, needValues);
      if (s.channels) {
        const C = s.channels.length;
        for (let i = 0; i < d.length; i++) s.channels[i % C]!.add(d[i]!, needValues);
      }
    });
    opts.onProgress?.(k + 1, chosen.length);
  });
  const rangeOf = (name: string, s: Stats): TensorRange => {
    if (!Number.isFinite(s.min) || !Number.isFinite(s.max)) throw inputError(`calibration: tensor '${name}' has non-finite values`);
    if (method === 'minmax') return { min: s.min, max: s.max };
    if (method === 'percentile') return percentileRange(s.kept, opts.percentile ?? 99.99);
    return mseRange(s.kept, s.min, s.max, opts.bits ?? 8, fast);
  };
  const table: CalibrationTable = {};
  for (const [name, s] of stats) {
    table[name] = rangeOf(name, s);
    if (s.channels) table[name]!.channels = s.channels.map((c) => rangeOf(name, c));
  }
  recurrent?.finish(table);
  return table;
}

function percentileRange(values: number[], p: number): TensorRange {
  if (!(p > 50 && p <= 100)) throw inputError(`--percentile ${p}: expected a value in (50, 100]`);
  const v = Float64Array.from(values).sort();
  const at = (q: number): number => {
    const pos = (q / 100) * (v.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(v.length - 1, lo + 1);
    return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
  };
  return { min: at(100 - p), max: at(p) };
}

/** MSE-optimal clipping: scales both ends of the observed range by α ∈ [0.2, 1] (and, separately,
 * only the larger-magnitude end) and keeps the range with the smallest squared error after
 * quantize → dequantize with the resulting asymmetric parameters. */
function mseRange(values: number[], min: number, max: number, bits: number, fast: boolean): TensorRange {
  const fastValues = fast ? Float64Array.from(values) : undefined;
  const err = (lo: number, hi: number): number => {
    const p = chooseAsymmetricParams(lo, hi, bits);
    if (p.scale === 0) return values.reduce((s, x) => s + x * x, 0);
    if (fastValues) return squaredQuantizationError(fastValues, p.scale, p.zeroPoint, bits);
    let e = 0;
    for (const x of values) {
      const d = dequantize(quantize(x, p.scale, p.zeroPoint, bits), p.scale, p.zeroPoint) - x;
      e += d * d;
    }
    return e;
  };
  let best = { min, max };
  let bestErr = err(min, max);
  const steps = 40;
  for (let i = 0; i < steps; i++) {
    const a = 0.2 + (0.8 * i) / steps;
    for (const [lo, hi] of [
      [min * a, max * a],
      [Math.abs(min) > Math.abs(max) ? min * a : min, Math.abs(max) >= Math.abs(min) ? max * a : max],
    ] as [number, number][]) {
      // shrinking only the larger side of a one-signed range can cross the other end
      if (lo > hi) continue;
      const e = err(lo, hi);
      if (e < bestErr) {
        bestErr = e;
        best = { min: lo, max: hi };
      }
    }
  }
  return best;
}

/** Σ (dequantize(quantize(x)) − x)² in order: `quantize` and `dequantize` (src/ir/quant/params.ts)
 * inlined with their constants hoisted, the same float32 and double steps. */
function squaredQuantizationError(values: Float64Array, scale: number, zeroPoint: number, bits: number): number {
  const qmin = qMin(bits);
  const qmax = qMax(bits);
  const s = Math.fround(scale);
  let e = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const q = clamp(roundHalfAway(Math.fround(Math.fround(x) / s)) + zeroPoint, qmin, qmax);
    const d = Math.fround(s * (q - zeroPoint)) - x;
    e += d * d;
  }
  return e;
}
