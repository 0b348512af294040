import { inputError } from '../ir/errors.ts';
import type { Graph, Value } from '../ir/types.ts';
import { splitSamples, type CalibMethod, type CalibrationTable } from '../planning/calibrate.ts';
import { optimizeFloatOnly } from '../passes/pipeline.ts';
import { quantizeGraph } from '../passes/quantize.ts';
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
}

/** A graph whose tensors already carry quantization parameters (an imported pre-quantized model,
 * possibly with float inputs / outputs around QUANTIZE / DEQUANTIZE): it is compiled as it is,
 * with its own scales. */
export const isPreQuantized = (g: Graph): boolean => Object.values(g.tensors).some((t) => !!t.quant);

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
  return { graph: quantizeGraph(optimized, table, { bits: 8 }), table };
}
