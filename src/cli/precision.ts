import type { Argv } from 'yargs';
import { compileGraph, type CompileOptions } from '../backends/compile.ts';
import type { EmittedModel } from '../backends/c/emit-model.ts';
import { PRECISIONS, type Precision, type PrecisionOptions } from '../backends/precision.ts';
import { inputError } from '../ir/errors.ts';
import { readNpy } from '../ir/npy.ts';
import { CALIB_METHODS, type CalibMethod } from '../passes/calibrate.ts';
import { progress } from './format.ts';
import { defaultPrefix, loadForCli } from './model-input.ts';
import { addWeightBitsOptions, weightBitsArgs, weightBitsSpecOf, type WeightBitsArgs } from './weight-bits.ts';

/** The precision options every command shares. */
export interface PrecisionArgs extends WeightBitsArgs {
  precision?: Precision;
  calib?: string;
  calibMethod?: CalibMethod;
  calibSamples?: number;
}

export const addPrecisionOptions = <T>(y: Argv<T>) =>
  addWeightBitsOptions(y)
    .option('precision', { choices: PRECISIONS, default: 'float' as Precision, describe: 'float32, or int8 (TFLite int8 scheme; needs --calib)' })
    .option('calib', { type: 'string', describe: 'int8: calibration inputs, float32 .npy [N, ...input shape] (e.g. zoo/data/calib_X.npy)' })
    .option('calib-method', { choices: CALIB_METHODS, default: 'minmax' as CalibMethod, describe: 'int8: activation range from min/max, the 99.99th percentile, or the MSE-optimal clip' })
    .option('calib-samples', { type: 'number', describe: 'int8: use at most N calibration samples (evenly spaced; default all)' });

/** Parsed yargs → PrecisionArgs. */
export const precisionArgs = (a: { precision?: string; calib?: string; 'calib-method'?: string; 'calib-samples'?: number; 'weight-bits'?: number; bits?: string }): PrecisionArgs => ({
  ...weightBitsArgs(a),
  precision: a.precision as Precision | undefined,
  calib: a.calib,
  calibMethod: a['calib-method'] as CalibMethod | undefined,
  calibSamples: a['calib-samples'],
});

/** Reads the calibration file and turns the CLI flags into PrecisionOptions. */
export function precisionOptions(a: PrecisionArgs): PrecisionOptions {
  const precision = a.precision ?? 'float';
  const weightBits = weightBitsSpecOf(a);
  if (precision === 'float') {
    if (weightBits) throw inputError('--weight-bits / --bits choose integer weights: add --precision int8 --calib X.npy');
    if (a.calib) progress('--calib is ignored for --precision float');
    return { precision };
  }
  if (!a.calib) throw inputError('--precision int8 needs calibration data: give --calib X.npy (float32 [N, ...input shape], e.g. zoo/data/calib_X.npy)');
  if (a.calibSamples !== undefined && !(Number.isInteger(a.calibSamples) && a.calibSamples > 0)) throw inputError(`--calib-samples ${a.calibSamples}: expected a positive integer`);
  const calib = readNpy(a.calib);
  if (calib.dtype !== 'float32' && calib.dtype !== 'float64') throw inputError(`${a.calib}: calibration data must be float32 (got ${calib.dtype})`);
  let last = 0;
  return {
    precision,
    calib,
    calibMethod: a.calibMethod ?? 'minmax',
    calibSamples: a.calibSamples,
    ...(weightBits ? { weightBits } : {}),
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct >= last + 10 || done === total) {
        last = pct;
        progress(`calibrating (${a.calibMethod ?? 'minmax'}): ${done}/${total} samples`);
      }
    },
  };
}

/** Load + optimize + (calibrate + quantize) + emit C: what every command compiles. */
export function compileForCli(model: string, a: PrecisionArgs & { const?: string[]; name?: string }, opts: Omit<CompileOptions, 'precision'> = {}): EmittedModel {
  const graph = loadForCli(model, a.const);
  return compileGraph(graph, { prefix: a.name ?? defaultPrefix(model), source: model, ...opts, precision: precisionOptions(a) });
}
