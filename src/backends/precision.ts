import { inputError } from '../ir/errors.ts';
import type { Graph, Value } from '../ir/types.ts';
import { splitSamples, type CalibMethod, type CalibrationTable } from '../planning/calibrate.ts';
import { optimizeFloatOnly } from '../passes/pipeline.ts';
import { quantizeGraph, type QuantizeOptions } from '../passes/quantize.ts';
import { channelMeans } from '../passes/subbyte-ptq.ts';
import { resolveWeightBits, type WeightBitsSpec } from '../passes/weight-bits.ts';
import { calibrateCached } from './calibration-cache.ts';

export type Precision = 'float' | 'int8';
export const PRECISIONS: readonly Precision[] = ['float', 'int8'];

export interface PrecisionOptions {
  precision?: Precision;
  /** Calibration inputs: [N, ...input shape] float32 (required for int8). */
  calib?: Value;
  calibMethod?: CalibMethod;
  /** Use at most this many calibration samples (evenly spaced). */
  calibSamples?: number;
  percentile?: number;
  onProgress?: (done: number, total: number) => void;
  /** int8: weight bits per layer (8, 4 or 2; default 8 everywhere). */
  weightBits?: WeightBitsSpec;
}

/** A graph whose tensors already carry quantization parameters (an imported pre-quantized model,
 * possibly with float inputs / outputs around QUANTIZE / DEQUANTIZE): it is compiled as it is,
 * with its own scales. */
export const isPreQuantized = (g: Graph): boolean => Object.values(g.tensors).some((t) => !!t.quant);

/** The quantizer's options: 8-bit activations, weights per layer as `opts.weightBits` says; when
 * a layer has sub-byte weights, the channel means of their inputs for bias correction. */
export function quantizeOptionsFor(optimized: Graph, opts: PrecisionOptions): QuantizeOptions {
  if (!opts.weightBits) return { bits: 8 };
  const layerWeightBits = resolveWeightBits(optimized, opts.weightBits);
  const inputs = new Set(optimized.nodes.filter((n) => (layerWeightBits.get(n.name) ?? 8) < 8).map((n) => n.inputs[0]!));
  if (inputs.size === 0 || !opts.calib) return { bits: 8, layerWeightBits };
  const samples = evenlySpaced(splitSamples(optimized, opts.calib, 'calibration data'), opts.calibSamples);
  return { bits: 8, layerWeightBits, inputMeans: channelMeans(optimized, samples, inputs) };
}

/** At most n items, evenly spaced (as calibrate picks its samples). */
const evenlySpaced = <T>(xs: T[], n?: number): T[] => (n && n < xs.length ? Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]!) : xs);

/** The calibration table of an optimized graph (the pipeline's 'calibrate' stage). */
export function calibrateFor(optimized: Graph, opts: PrecisionOptions): CalibrationTable {
  if (!opts.calib) throw inputError('--precision int8 needs calibration data: give --calib X.npy (float32 [N, ...input shape], e.g. zoo/data/calib_X.npy)');
  const samples = splitSamples(optimized, opts.calib, 'calibration data');
  return calibrateCached(optimized, opts.calib, samples, { method: opts.calibMethod ?? 'minmax', maxSamples: opts.calibSamples, percentile: opts.percentile, onProgress: opts.onProgress }).table;
}

/** Float: the optimized graph after the float-only passes. int8: calibrate on it, then quantize (TFLite int8 scheme). */
export function applyPrecision(optimized: Graph, opts: PrecisionOptions = {}): { graph: Graph; table?: CalibrationTable } {
  const precision = opts.precision ?? 'float';
  if (precision === 'float') return { graph: optimizeFloatOnly(optimized) };
  if (precision !== 'int8') throw inputError(`unknown precision '${precision}' (use float or int8)`);
  const table = calibrateFor(optimized, opts);
  return { graph: quantizeGraph(optimized, table, quantizeOptionsFor(optimized, opts)), table };
}
